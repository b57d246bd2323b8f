"""The `bayan` command line through main(argv), against loopback sources and a real database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.cli.main import main

pytestmark = pytest.mark.integration

PAGE = """<html><head><title>بيان مشترك</title>
<meta property="article:published_time" content="2026-01-11T10:00:00+00:00"></head>
<body><article><h1>بيان مشترك حول حماية المدنيين</h1>
<p>تطالب المنظمات الموقعة أدناه بحماية المدنيين ووقف الانتهاكات فوراً.</p>
<p>المنظمات الموقعة:</p><ul><li>سوريون من أجل الحقيقة والعدالة</li><li>الشبكة السورية لحقوق الإنسان</li></ul>
</article></body></html>"""

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>بيان مشترك حول حماية المدنيين</title><link>{base}/s/1</link><guid>s1</guid></item>
</channel></rss>"""


def write_config(tmp_path: Path, body: str) -> str:
    path = tmp_path / "feeds.yaml"
    path.write_text(body, encoding="utf-8")
    return str(path)


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED.format(base=httpserver.url_for("").rstrip("/")), content_type="application/rss+xml"
    )
    httpserver.expect_request("/s/1").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/down.xml").respond_with_data("no", status=500)
    return httpserver


def config_for(site: HTTPServer, tmp_path: Path) -> str:
    return write_config(
        tmp_path,
        f"""sources:
  - id: good
    url: {site.url_for("/feed.xml")}
    type: feed
    language: ar
  - id: down
    url: {site.url_for("/down.xml")}
    type: feed
""",
    )


def test_poll_once_then_statements_and_sources_json(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, db = config_for(site, tmp_path), str(tmp_path / "db" / "bayan.db")
    assert main(["poll", "--once", "--config", cfg, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "good: 1 new items, 1 new statements" in out
    assert "down: error (http)" in out
    assert main(["statements", "--json", "--config", cfg, "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    row = rows[0]
    for key in ("id", "title", "url", "source", "published", "kind", "issuer", "signatories", "individuals"):
        assert key in row
    assert row["source"] == "good" and row["published"] == "2026-01-11"
    assert "سوريون من أجل الحقيقة والعدالة" in row["signatories"]
    assert main(["sources", "--json", "--config", cfg, "--db", db]) == 0
    health = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert health["good"]["error_count"] == 0 and health["good"]["last_ok"]
    assert health["down"]["error_count"] == 1 and "500" in health["down"]["last_error"]
    assert set(health["down"]) >= {"id", "last_ok", "error_count", "last_error", "next_check"}


def test_poll_one_source_and_unknown_source(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, db = config_for(site, tmp_path), str(tmp_path / "bayan.db")
    assert main(["poll", "--once", "--source", "good", "--config", cfg, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "good:" in out and "down" not in out
    assert main(["poll", "--once", "--source", "nope", "--config", cfg, "--db", db]) == 2
    assert "unknown source id 'nope'" in capsys.readouterr().err


def test_dry_run_touches_no_database(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, db = config_for(site, tmp_path), tmp_path / "never.db"
    assert main(["poll", "--once", "--dry-run", "--source", "good", "--config", cfg, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "سوريون من أجل الحقيقة والعدالة" in out
    assert not db.exists()


def test_check_config_reports_problems_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path, "sources:\n  - id: a\n    url: https://example.org/feed\n    type: rss\n")
    assert main(["check-config", "--config", cfg]) == 1
    err = capsys.readouterr().err
    assert "feeds.yaml:" in err and "'a'" in err and "type" in err


def test_check_config_ok_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, "sources:\n  - id: a\n    url: https://example.org/feed\n")
    assert main(["check-config", "--config", cfg]) == 0
    assert "1 sources, 1 enabled" in capsys.readouterr().out
    assert main(["check-config", "--config", str(tmp_path / "missing.yaml")]) == 1
    assert "missing.yaml" in capsys.readouterr().err


def test_extract_json_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    assert main(["extract", str(page), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in (
        "is_statement",
        "kind",
        "title",
        "published",
        "language",
        "issuer",
        "signatories",
        "individuals",
    ):
        assert key in data
    assert data["is_statement"] is True and data["kind"] == "joint"
    assert data["signatories"] == ["سوريون من أجل الحقيقة والعدالة", "الشبكة السورية لحقوق الإنسان"]


def test_extract_url_over_http(site: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", site.url_for("/s/1"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["is_statement"] is True


def test_unusable_database_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, "sources:\n  - id: a\n    url: https://example.org/feed\n")
    assert main(["statements", "--config", cfg, "--db", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bayan:") and "\n" not in err


def test_missing_file_for_extract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(tmp_path / "nope.html")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_export_csv_and_json_one_row_per_signature(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, db = config_for(site, tmp_path), str(tmp_path / "bayan.db")
    assert main(["poll", "--once", "--source", "good", "--config", cfg, "--db", db]) == 0
    capsys.readouterr()
    out = tmp_path / "export.csv"
    assert main(["export", "--config", cfg, "--db", db, "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("statement_id,published,kind,title,url,source,role")
    assert len(lines) == 3 and "سوريون من أجل الحقيقة والعدالة" in lines[1]
    assert main(["export", "--format", "json", "--since", "2026-01-01", "--config", cfg, "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name_as_written"] for r in rows] == [
        "سوريون من أجل الحقيقة والعدالة",
        "الشبكة السورية لحقوق الإنسان",
    ]
    assert (
        rows[0]["org_slug"] == "stj"
        and rows[0]["provisional"] is False
        and rows[0]["published"] == "2026-01-11"
    )
    assert main(["export", "--format", "json", "--since", "2027-01-01", "--config", cfg, "--db", db]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["export", "--since", "yesterday", "--config", cfg, "--db", db]) == 2


def test_the_user_agent_of_feeds_yaml_is_sent(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(
        tmp_path,
        'defaults:\n  user_agent: "bayan-test/1 (ops@example.org)"\n  timeout: 15s\n'
        f"sources:\n  - id: good\n    url: {site.url_for('/feed.xml')}\n",
    )
    assert main(["poll", "--once", "--config", cfg, "--db", str(tmp_path / "b.db")]) == 0
    agents = {req.headers.get("User-Agent") for req, _ in site.log if req.path == "/feed.xml"}
    assert "bayan-test/1 (ops@example.org)" in agents


# A short first-person notice of one organisation, no name on the page: only the source knows who speaks.
SHORT = """<html><head><title>حول تعليق الأنشطة</title></head><body><article><h1>حول تعليق الأنشطة</h1>
<p>نعلن تعليق أنشطتنا الميدانية في ريف المدينة حتى إشعار آخر بسبب تدهور الأوضاع الأمنية.</p>
<p>نطالب الجهات المعنية بضمان سلامة العاملين في المجال الإنساني.</p></article></body></html>"""


def test_extract_with_the_hints_of_a_configured_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "notice.html"
    page.write_text(SHORT, encoding="utf-8")
    cfg = write_config(
        tmp_path,
        """sources:
  - id: kite
    url: https://kite.example.org/feed
    name: جمعية الطائرة الورقية
    name_en: Kite Association
    aliases: [KITE]
    language: ar
    statements_only: true
""",
    )
    assert main(["extract", str(page), "--json", "--config", cfg, "--source", "kite"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["is_statement"] is True and data["confidence"] == 1.0
    assert data["issuer"] == "جمعية الطائرة الورقية" and data["signatories"] == ["جمعية الطائرة الورقية"]
    assert isinstance(data["evidence"], list)
    assert main(["extract", str(page), "--json", "--config", cfg, "--source", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "bayan: unknown source id 'nope' (known: kite)"


def test_extract_text_output_shows_confidence_and_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    assert main(["extract", str(page)]) == 0
    out = capsys.readouterr().out
    assert "statement: yes (confidence " in out and "evidence: " in out
    assert "  - \u2068الشبكة السورية لحقوق الإنسان\u2069" in out


def test_statements_json_says_why_items_were_clustered(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = site.url_for("/feed.xml")
    both = "".join(f"  - id: {sid}\n    url: {feed}\n    type: feed\n" for sid in ("good", "mirror"))
    cfg = write_config(tmp_path, f"sources:\n{both}")
    db = str(tmp_path / "bayan.db")
    assert main(["poll", "--once", "--config", cfg, "--db", db]) == 0
    capsys.readouterr()
    assert main(["statements", "--json", "--config", cfg, "--db", db]) == 0
    [row] = json.loads(capsys.readouterr().out)
    other = "mirror" if row["source"] == "good" else "good"  # both are polled at once: either is first
    assert row["cluster_reason"] == f"{other}: same URL"  # the same page in two feeds
    assert {"id", "urls", "confidence", "evidence"} <= set(row)  # the keys before it stay


def test_every_subcommand_names_a_handler_that_exists() -> None:
    """`bot.cli.parsers` names handlers as (group, function): each one resolves to a function."""
    import argparse

    from bot.cli import main as cli_main

    def walk(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
        found = [parser.get_default("handler")] if parser.get_default("handler") else []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in dict.fromkeys(action.choices.values()):
                    found += walk(child)
        return found

    handlers = walk(cli_main.build_parser())
    assert len(handlers) == 27  # every subcommand, `orgs` action and `sources` action
    for group, name in handlers:
        assert callable(cli_main._handler(group, name)), (group, name)


def test_the_review_kinds_of_the_parser_are_the_models_kinds() -> None:
    from bot import review
    from bot.cli import parsers

    assert parsers.REVIEW_KINDS == review.KINDS


def test_the_entry_point_keeps_the_collector_out_of_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bayan` (bot.__main__.main): no collection while the command's code is imported, the imported
    objects frozen before it runs with the collector back on, everything frozen at exit."""
    import gc

    from bot import __main__ as entry

    config = write_config(tmp_path, "sources:\n  - id: a\n    url: https://a.example/feed\n")
    monkeypatch.setattr(
        "sys.argv", ["bayan", "check-config", "--config", config, "--db", str(tmp_path / "b.db")]
    )
    seen: list[tuple[bool, int]] = []
    settle = entry._loaded

    def loaded() -> None:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        settle()
        seen.append((gc.isenabled(), gc.get_freeze_count()))

    monkeypatch.setattr(entry, "_loaded", loaded)
    try:
        assert entry.main() == 0
        assert "1 sources, 1 enabled — OK" in capsys.readouterr().out
        (off, _), (on, frozen) = seen
        assert off is False and on is True and frozen > 0
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
