"""`bayan chart [ORG] --out FILE.png` through bot.cli.main.main against a database file holding the fixture
history of tests/chartdata.py: names resolve like `bayan signed`, the file is a PNG of the chart's size, and
every failure is one line with its exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot import charts, storage
from bot.cli.main import main
from tests import chartdata
from tests.chartdata import png_size

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(charts.missing() is not None, reason="the extra bayan[charts] is not installed"),
]


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    path = str(tmp_path / "bayan.db")
    db = storage.open_db(path)
    chartdata.build(db)
    db.close()
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_organisations_chart_is_written_whatever_name_is_typed(
    capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path
) -> None:
    pictures = []
    for n, name in enumerate(["LIJ", "League of Independent Jurists", "رابطه الحقوقيين المستقلين", "lij"]):
        out = tmp_path / f"chart{n}.png"
        code, stdout, err = run(capsys, "chart", name, "--out", str(out), "--db", db_path)
        assert code == 0, err
        assert err == f"bayan: wrote {out} (PNG, 1280×960)\n" and stdout == ""
        assert png_size(out.read_bytes()) == (charts.WIDTH, charts.HEIGHT)
        pictures.append(out.read_bytes())
    assert len(set(pictures)) == 1  # one organisation, one picture


def test_the_whole_field_and_arabic_labels(
    capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path
) -> None:
    english, arabic = tmp_path / "field-en.png", tmp_path / "field-ar.png"
    assert run(capsys, "chart", "--out", str(english), "--db", db_path)[0] == 0
    assert run(capsys, "chart", "--out", str(arabic), "--lang", "ar", "--db", db_path)[0] == 0
    assert png_size(english.read_bytes()) == png_size(arabic.read_bytes()) == (charts.WIDTH, charts.HEIGHT)
    assert english.read_bytes() != arabic.read_bytes()


def test_names_that_do_not_resolve_list_what_was_found(
    capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path
) -> None:
    out = tmp_path / "x.png"
    code, _, err = run(capsys, "chart", "Women", "--out", str(out), "--db", db_path)
    assert code == 1 and "ambiguous organisation name 'Women'" in err
    assert "Women Now for Development" in err and "Women Now Network" in err
    code, _, err = run(capsys, "chart", "Qqqzzx Xyzzy", "--out", str(out), "--db", db_path)
    assert code == 1 and err.splitlines()[0] == "bayan: unknown organisation 'Qqqzzx Xyzzy'"
    assert not out.exists()


def test_nothing_to_draw_is_said_in_one_line(
    capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path
) -> None:
    out = tmp_path / "x.png"
    code, _, err = run(capsys, "chart", "Lonely Group", "--out", str(out), "--db", db_path)
    assert (code, err) == (
        1,
        "bayan: no stored statement was signed by Lonely Group [lonely]; no chart written\n",
    )
    empty = tmp_path / "empty.db"
    storage.open_db(str(empty)).close()
    code, _, err = run(capsys, "chart", "--out", str(out), "--db", str(empty))
    assert (
        code == 1 and err == "bayan: no statements stored yet (run `bayan poll --once`); no chart written\n"
    )
    assert not out.exists()


def test_usage_and_file_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "chart", "LIJ", "--db", db_path)
    assert code == 2 and "the following arguments are required: --out" in err
    code, _, err = run(
        capsys, "chart", "LIJ", "--out", str(tmp_path / "no" / "such" / "dir.png"), "--db", db_path
    )
    assert code == 2 and err.startswith("bayan: cannot write ") and len(err.splitlines()) == 1
    code, _, err = run(capsys, "chart", "--out", str(tmp_path / "x.png"), "--db", str(tmp_path / "none.db"))
    assert code == 2 and err.startswith("bayan: no database at ") and not (tmp_path / "none.db").exists()


def test_without_the_extra_it_says_how_to_get_it(
    capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = run(capsys, "chart", "LIJ", "--out", str(tmp_path / "x.png"), "--db", db_path)
    assert code == 2
    assert (
        err == "bayan: charts need the optional extra: pip install 'bayan[charts]' (matplotlib is missing)\n"
    )
