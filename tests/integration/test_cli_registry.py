"""The commands users reach for (issue 11, item 15), through main(argv) against a database filled by
polling loopback sources: `bayan statement ID`, registry fixes that can be previewed and undone
(`orgs add / rename / merge --dry-run / unmerge`), their YAML export surviving a database reset, and
individual signatories in `bayan export`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from bot.cli.main import main

pytestmark = pytest.mark.integration

TITLE = "بيان مشترك حول حماية المدنيين"
KITE = "جمعية الطائرة الورقية للتنمية"  # an invented name: a provisional organisation after the poll
PAGE = f"""<html><head><meta property="article:published_time" content="2026-01-11T10:00:00+00:00"></head>
<body><article><h1>{TITLE}</h1>
<p>تطالب المنظمات والشخصيات الموقعة أدناه بحماية المدنيين ووقف الانتهاكات فوراً.</p>
<p>المنظمات الموقعة:</p><ul><li>سوريون من أجل الحقيقة والعدالة</li><li>الشبكة السورية لحقوق الإنسان</li>
<li>{KITE}</li></ul>
<p>الأفراد الموقعون:</p><ul><li>سلمى الراوي</li><li>كريم الحداد</li></ul>
</article></body></html>"""
FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item></channel></rss>"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def polled(httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """--config/--db of a database after one poll of two sources carrying the same statement page."""
    for name in ("a", "b"):  # src-b carries a copy of the page under its own address
        link = httpserver.url_for(f"/{name}/1")
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            FEED.format(title=TITLE, link=link, guid=f"{name}1"), content_type="application/rss+xml"
        )
        httpserver.expect_request(f"/{name}/1").respond_with_data(
            PAGE, content_type="text/html; charset=utf-8"
        )
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(
        "sources:\n"
        + "".join(f"  - id: src-{n}\n    url: {httpserver.url_for(f'/{n}.xml')}\n" for n in ("a", "b")),
        encoding="utf-8",
    )
    argv = ["--config", str(cfg), "--db", str(tmp_path / "bayan.db")]
    for source in ("src-a", "src-b"):  # one after the other: the second finds the statement stored
        assert main(["poll", "--once", "--source", source, *argv]) == 0
    capsys.readouterr()
    return argv


def test_statement_shows_every_signatory_and_every_source(
    polled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "statement", "1", "--json", *polled)
    assert code == 0
    data = json.loads(out)
    assert (
        data["id"] == 1 and data["title"] == TITLE and data["individuals"] == ["سلمى الراوي", "كريم الحداد"]
    )
    sigs = data["signatures"]
    assert [s["name_as_written"] for s in sigs] == [
        "سوريون من أجل الحقيقة والعدالة",
        "الشبكة السورية لحقوق الإنسان",
        KITE,
    ]
    assert [s["org"]["slug"] for s in sigs[:2]] == ["stj", "snhr"]
    assert sigs[2]["org"]["provisional"] is True
    assert {c["source"] for c in data["copies"]} == {"src-a", "src-b"}
    code, out, _ = run(capsys, "statement", "1", *polled)
    assert code == 0
    assert "signatories: 3" in out and "[stj]" in out and "[provisional]" in out
    assert "individuals: 2" in out and "sources: 2" in out and "src-b" in out
    code, out, err = run(capsys, "statement", "99", *polled)
    assert code == 1 and out == "" and err == "bayan: no statement with id 99 (see `bayan statements`)\n"


def test_export_includes_individual_signatories(
    polled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--format", "json", *polled)
    assert code == 0
    rows = json.loads(out)
    people = [r for r in rows if r["role"] == "individual"]
    assert [r["name_as_written"] for r in people] == ["سلمى الراوي", "كريم الحداد"]
    assert all(r["org_id"] is None and r["statement_id"] == 1 for r in people)
    assert len(rows) == 5 and [r["role"] for r in rows[:3]] == ["signatory"] * 3


def org_json(capsys: pytest.CaptureFixture[str], polled: list[str], name: str) -> dict[str, object]:
    code, out, err = run(capsys, "org", name, "--json", *polled)
    assert code == 0, err
    return json.loads(out)["organisation"]  # type: ignore[no-any-return]


def kite_id(capsys: pytest.CaptureFixture[str], polled: list[str]) -> int:
    code, out, _ = run(capsys, "orgs", "list", "--provisional", "--json", *polled)
    found = [o["id"] for o in json.loads(out) if o["name"] == KITE]
    assert code == 0 and len(found) == 1
    return int(found[0])


def signers(capsys: pytest.CaptureFixture[str], polled: list[str]) -> list[object]:
    code, out, _ = run(capsys, "statement", "1", "--json", *polled)
    assert code == 0
    return [s["org"]["slug"] or s["org"]["name"] for s in json.loads(out)["signatures"]]


def test_merge_dry_run_then_merge_and_unmerge(polled: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    kite = kite_id(capsys, polled)
    before = signers(capsys, polled)
    assert before == ["stj", "snhr", KITE]
    code, out, _ = run(capsys, "orgs", "merge", "Baytna", str(kite), "--dry-run", *polled)
    assert code == 0 and out.startswith(f"would merge {kite} ")
    assert "1 signature move, 0 statements both signed" in out and out.rstrip().endswith("nothing changed")
    assert signers(capsys, polled) == before and kite_id(capsys, polled) == kite
    # a provisional organisation into a registry one: its signature moves
    code, out, _ = run(capsys, "orgs", "merge", "Baytna", str(kite), *polled)
    assert code == 0 and f"undo: bayan orgs unmerge {kite}" in out
    assert signers(capsys, polled) == ["stj", "snhr", "baytna"]
    # two registry organisations that signed the same statement: the kept one's signature stays
    stj = org_json(capsys, polled, "STJ")["id"]
    assert run(capsys, "orgs", "merge", "SNHR", str(stj), *polled)[0] == 0
    assert signers(capsys, polled) == ["snhr", "baytna"]
    assert org_json(capsys, polled, "STJ")["slug"] == "snhr"
    # undone, newest first: each organisation gets back its signatures and its names
    code, out, _ = run(capsys, "orgs", "unmerge", str(stj), *polled)
    assert code == 0 and out.startswith(f"unmerged {stj} ")
    assert signers(capsys, polled) == ["stj", "snhr", "baytna"]
    assert org_json(capsys, polled, "STJ")["slug"] == "stj"
    assert run(capsys, "orgs", "unmerge", str(kite), *polled)[0] == 0
    assert signers(capsys, polled) == before and kite_id(capsys, polled) == kite
    code, _, err = run(capsys, "orgs", "unmerge", str(kite), *polled)
    assert code == 2 and "nothing to undo" in err


def test_registry_fixes_survive_a_database_reset(
    polled: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = kite_id(capsys, polled)
    fixes = [
        ("orgs", "alias", "STJ", "STJ Syria"),
        ("orgs", "rename", str(kite), "جمعية الطائرة الورقية"),
        ("orgs", "rename", "STJ", "--en", "Syrians for Truth and Justice (STJ)"),
        ("orgs", "add", "منظمة النجمة للإغاثة", "--en", "Star Relief Organisation", "--acronym", "SRO"),
        ("orgs", "merge", "SNHR", "Syrian Archive"),
    ]
    for argv in fixes:
        code, _, err = run(capsys, *argv, *polled)
        assert code == 0, (argv, err)
    out_file = tmp_path / "fixes.yaml"
    assert run(capsys, "orgs", "export", "--out", str(out_file), *polled)[0] == 0
    exported = yaml.safe_load(out_file.read_text(encoding="utf-8"))
    assert exported["version"] == 1 and {"org": "stj", "alias": "STJ Syria"} in exported["aliases"]
    assert exported["merges"][0]["keep"] == "snhr" and exported["merges"][0]["merge"] == "syrian-archive"
    assert {"org": KITE, "name": "جمعية الطائرة الورقية"} in exported["renamed"]
    # the database is reset: the fixes go in first, then the sources are polled again
    Path(polled[3]).unlink()
    code, out, err = run(capsys, "orgs", "import", str(out_file), *polled)
    assert code == 0, err
    assert run(capsys, "poll", "--once", *polled)[0] == 0
    assert org_json(capsys, polled, "STJ Syria")["slug"] == "stj"
    assert org_json(capsys, polled, "STJ")["name_en"] == "Syrians for Truth and Justice (STJ)"
    assert org_json(capsys, polled, "SRO")["name_en"] == "Star Relief Organisation"
    assert org_json(capsys, polled, "Syrian Archive")["slug"] == "snhr"
    code, out, _ = run(capsys, "statement", "1", "--json", *polled)
    third = json.loads(out)["signatures"][2]["org"]
    assert third["name"] == "جمعية الطائرة الورقية" and third["provisional"] is False
    # applying the same file again changes nothing and says so
    code, out, _ = run(capsys, "orgs", "import", str(out_file), *polled)
    assert code == 0 and "already there" in out
    code, out, _ = run(capsys, "orgs", "export", *polled)
    assert yaml.safe_load(out)["aliases"] == exported["aliases"]


def test_import_rejects_a_file_that_is_not_an_export(
    polled: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("merges:\n  - keep: stj\n", encoding="utf-8")
    code, _, err = run(capsys, "orgs", "import", str(bad), *polled)
    assert code == 2 and err == f"bayan: {bad}: merges entry 1: 'merge' missing or not a text\n"
