"""`bayan sources export --opml` and `bayan sources import FILE.opml [--append]` through main(argv): the
shipped feeds.yaml round-trips to nothing new, an invented OPML's three new feeds become entries that
check-config accepts, --append keeps every comment, hostile files are one line, and `bayan sources
[--json]` is what it was. Titles and hosts of the invented OPML are made up."""

from __future__ import annotations

import difflib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot import config, storage
from bot.cli.main import main

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "feeds.yaml"

INVENTED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>A researcher's reading list</title></head>
  <body>
    <outline text="Already there">
      <outline type="rss" text="Enab (again)" xmlUrl="http://www.enabbaladi.net/feed"/>
    </outline>
    <outline text="New">
      <outline type="rss" text="Coast Monitors &amp; Friends" title="Coast Monitors &amp; Friends"
               xmlUrl="https://coast-monitors.example.org/feed/" htmlUrl="https://coast-monitors.example.org/"
               language="en"/>
      <outline type="rss" text="رابطة المراقبين الشماليين" xmlUrl="https://shamal-watch.example/ar/rss.xml"/>
      <outline type="rss" text="Syrian Forum USA" xmlUrl="https://new.example.com/atom.xml"/>
    </outline>
  </body>
</opml>
"""


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    """A copy of the shipped feeds.yaml (the test may append to it)."""
    path = tmp_path / "feeds.yaml"
    shutil.copy(SHIPPED, path)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_of_the_shipped_file_then_import_finds_nothing_new(
    feeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "sources", "export", "--opml", "--config", str(feeds))
    assert code == 0
    outlines = ET.fromstring(out.encode("utf-8")).findall("body/outline")
    shipped = config.read_sources(str(feeds))
    feed_like = [
        s for s in shipped if s.type == "feed" or (s.type == "wordpress" and "/wp-json/" not in s.url)
    ]
    assert [o.get("xmlUrl") for o in outlines] == [s.url for s in feed_like]
    assert any(o.get("text") == "عنب بلدي" for o in outlines)  # Arabic titles intact
    opml = tmp_path / "bayan.opml"
    code, _, err = _run(capsys, "sources", "export", "--opml", "--out", str(opml), "--config", str(feeds))
    assert code == 0 and err == f"bayan: wrote {len(feed_like)} feeds to {opml}\n"
    before = feeds.read_bytes()
    code, out, err = _run(capsys, "sources", "import", str(opml), "--config", str(feeds))
    assert (code, out) == (0, "")
    assert (
        err == f"{opml}: {len(feed_like)} feeds, {len(feed_like)} configured already, 0 new; nothing to add\n"
    )
    code, out, _ = _run(capsys, "sources", "import", str(opml), "--append", "--config", str(feeds))
    assert (code, out) == (0, "") and feeds.read_bytes() == before


def test_import_prints_three_entries_that_check_config_accepts(
    feeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "list.opml"
    opml.write_text(INVENTED, encoding="utf-8")
    code, out, err = _run(capsys, "sources", "import", str(opml), "--config", str(feeds))
    assert code == 0
    assert (
        err == f"{opml}: 4 feeds, 1 configured already, 3 new (paste the entries under sources: in {feeds})\n"
    )
    assert out.startswith("  # imported from list.opml on ")
    alone = tmp_path / "alone.yaml"
    alone.write_text("sources:\n" + out, encoding="utf-8")
    assert _run(capsys, "check-config", "--config", str(alone))[0] == 0
    new = config.read_sources(str(alone))
    assert [(s.id, s.name, s.url, s.language, s.homepage) for s in new] == [
        (
            "coast-monitors-friends",
            "Coast Monitors & Friends",
            "https://coast-monitors.example.org/feed/",
            "en",
            "https://coast-monitors.example.org/",
        ),
        (
            "shamal-watch-ar",
            "رابطة المراقبين الشماليين",
            "https://shamal-watch.example/ar/rss.xml",
            "ar",
            None,
        ),
        ("syrian-forum-usa", "Syrian Forum USA", "https://new.example.com/atom.xml", None, None),
    ]
    combined = tmp_path / "combined.yaml"
    text = feeds.read_text(encoding="utf-8")
    combined.write_text(
        text.replace("\n# Organisations of interest", "\n" + out + "\n# Organisations of interest")
    )
    assert _run(capsys, "check-config", "--config", str(combined))[0] == 0


def test_append_keeps_every_comment_and_line_and_validates(
    feeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "list.opml"
    opml.write_text(INVENTED, encoding="utf-8")
    before = feeds.read_text(encoding="utf-8")
    count = len(config.read_sources(str(feeds)))
    code, out, _ = _run(capsys, "sources", "import", str(opml), "--append", "--config", str(feeds))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith(f"added to {feeds}: coast-monitors-friends, shamal-watch-ar, syrian-forum-usa")
    assert lines[1].startswith(f"{feeds}: {count + 3} sources, ") and lines[1].endswith(" — OK")
    after = feeds.read_text(encoding="utf-8")
    old, new = before.splitlines(), after.splitlines()
    ops = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    inserts = [new[j1:j2] for tag, _, _, j1, j2 in ops if tag != "equal"]
    assert [tag for tag, *_ in ops if tag != "equal"] == ["insert"]  # every old line, comments included, kept
    added = inserts[0]
    assert "  - id: shamal-watch-ar" in added and len([x for x in added if x.startswith("  - id: ")]) == 3
    assert after.index("  - id: shamal-watch-ar") < after.index("candidates_unverified:")
    assert _run(capsys, "check-config", "--config", str(feeds))[0] == 0
    code, out, err = _run(capsys, "sources", "import", str(opml), "--append", "--config", str(feeds))
    assert code == 0 and "4 configured already, 0 new" in err and feeds.read_text(encoding="utf-8") == after


def test_append_result_that_fails_the_checks_leaves_the_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feeds.yaml that does not validate (here: an interval under 10 s) is reported, never written to."""
    bad = tmp_path / "feeds.yaml"
    bad.write_text(
        "sources:\n  - id: a\n    url: https://a.example.org/feed\n    interval: 1s\n", encoding="utf-8"
    )
    before = bad.read_text(encoding="utf-8")
    opml = tmp_path / "list.opml"
    opml.write_text(INVENTED, encoding="utf-8")
    code, _, err = _run(capsys, "sources", "import", str(opml), "--append", "--config", str(bad))
    assert code == 1 and "feeds.yaml:4: source 'a': key 'interval'" in err
    assert bad.read_text(encoding="utf-8") == before


def test_ids_known_to_the_database_are_not_reused(
    feeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = str(tmp_path / "bayan.db")
    db = storage.open_db(db_path)
    from bot.models import Source

    storage.sync_config(db, [Source(id="shamal-watch-ar", url="https://gone.example.org/feed")])
    db.close()
    opml = tmp_path / "list.opml"
    opml.write_text(INVENTED, encoding="utf-8")
    code, out, _ = _run(capsys, "sources", "import", str(opml), "--config", str(feeds), "--db", db_path)
    assert code == 0 and "  - id: shamal-watch-ar-2" in out.splitlines()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '<?xml version="1.0"?>\n'
            '<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n'
            '<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example.org/"/></body></opml>',
            "hostile.opml:2: a DOCTYPE or entity declaration (OPML needs none; entities are not expanded)",
        ),
        ("<opml><body><outline></body>", "hostile.opml:1: not well-formed XML: mismatched tag"),
    ],
)
def test_hostile_opml_is_one_line_and_changes_nothing(
    feeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    opml = tmp_path / "hostile.opml"
    opml.write_text(body, encoding="utf-8")
    before = feeds.read_bytes()
    code, out, err = _run(capsys, "sources", "import", str(opml), "--append", "--config", str(feeds))
    assert (code, out) == (2, "")
    assert err == f"bayan: {tmp_path / message}\n"
    assert feeds.read_bytes() == before
    code, _, err = _run(capsys, "sources", "import", str(tmp_path / "missing.opml"), "--config", str(feeds))
    assert code == 2 and err.startswith("bayan: cannot read ") and len(err.splitlines()) == 1


def test_sources_without_an_action_is_unchanged(
    feeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = str(tmp_path / "bayan.db")
    db = storage.open_db(db_path)
    storage.sync_config(db, config.read_sources(str(feeds)))
    db.close()
    code, out, _ = _run(capsys, "sources", "--json", "--config", str(feeds), "--db", db_path)
    rows = json.loads(out)
    assert code == 0 and len(rows) == len(config.read_sources(str(feeds)))
    assert set(rows[0]) >= {
        *("id", "name", "url", "type", "enabled", "interval", "last_ok", "error_count", "last_error"),
        *("error_kind", "next_check", "deferred_until", "baseline_done"),
    }
    code, out, _ = _run(capsys, "sources", "--config", str(feeds), "--db", db_path)
    assert code == 0 and out.splitlines()[0].split()[:2] == ["aso-ar", "disabled"]
    code, _, err = _run(capsys, "sources", "prune", "--config", str(feeds))
    assert code == 2 and "invalid choice: 'prune'" in err
