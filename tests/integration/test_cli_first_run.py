"""The `bayan` command as a new user meets it (issue 11, items 11-14), through main(argv) against loopback
sources and real database files: no database created by a read-only command, one JSON document per
command, check-config that fails when a source does, feedback on what was found and what was cut,
intervals that follow feeds.yaml, and terminal lines that keep their column order around Arabic."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot import config, console, service, storage
from bot.cli.main import main
from bot.models import StoredStatement

pytestmark = pytest.mark.integration

TITLE = "بيان مشترك حول حماية المدنيين"
PAGE = """<html><head><title>بيان مشترك</title>
<meta property="article:published_time" content="2026-01-11T10:00:00+00:00"></head>
<body><article><h1>{title}</h1>
<p>تطالب المنظمات الموقعة أدناه بحماية المدنيين ووقف الانتهاكات فوراً.</p>
<p>المنظمات الموقعة:</p><ul><li>سوريون من أجل الحقيقة والعدالة</li><li>الشبكة السورية لحقوق الإنسان</li></ul>
</article></body></html>"""
ITEM = "<item><title>{title}</title><link>{base}/s/{n}</link><guid>s{n}</guid></item>"
FEED = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel>'
FEED += "</rss>"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def title_of(n: int) -> str:
    return f"{TITLE} {n}" if n else TITLE


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    base = httpserver.url_for("").rstrip("/")
    items = "".join(ITEM.format(title=title_of(n), base=base, n=n) for n in range(3))
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED.format(items=items), content_type="application/rss+xml"
    )
    for n in range(3):
        httpserver.expect_request(f"/s/{n}").respond_with_data(
            PAGE.format(title=title_of(n)), content_type="text/html; charset=utf-8"
        )
    httpserver.expect_request("/down.xml").respond_with_data("no", status=500)
    return httpserver


def write_config(tmp_path: Path, body: str) -> str:
    path = tmp_path / "feeds.yaml"
    path.write_text(body, encoding="utf-8")
    return str(path)


def config_for(site: HTTPServer, tmp_path: Path, *, interval: str = "30m", down: bool = True) -> str:
    body = f"""sources:
  - id: good
    url: {site.url_for("/feed.xml")}
    language: ar
    interval: {interval}
    announce_first_poll: true
"""
    if down:
        body += f"  - id: down\n    url: {site.url_for('/down.xml')}\n"
    return write_config(tmp_path, body)


@pytest.fixture
def polled(site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """(config, database) after one real poll of the loopback site: three statements from "good"."""
    cfg, db = config_for(site, tmp_path), str(tmp_path / "bayan.db")
    assert main(["poll", "--once", "--config", cfg, "--db", db]) == 0
    capsys.readouterr()
    return cfg, db


# ───────────────────────────── item 11: no database created ─────────────────────────────

READ_ONLY = (
    ["statements"],
    ["statements", "--json"],
    ["sources"],
    ["export"],
    ["search", "المدنيين"],
    ["signed", "STJ"],
    ["org", "STJ"],
    ["orgs", "list"],
    ["statement", "1"],
    ["reextract"],
    ["review"],
    ["orgs", "export"],
    ["orgs", "merge", "1", "2", "--dry-run"],
)


@pytest.mark.parametrize("argv", READ_ONLY, ids=lambda a: "-".join(a))
def test_read_only_commands_never_create_a_database(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path, "sources:\n  - id: a\n    url: https://example.org/feed\n")
    db = tmp_path / "elsewhere" / "bayan.db"
    code, _, err = run(capsys, *argv, "--config", cfg, "--db", str(db))
    assert code == 2
    assert err.strip() == f"bayan: no database at {db}; run `bayan poll --once` or set BAYAN_DB"
    assert not db.exists() and not db.parent.exists()


def test_the_default_database_is_not_created_in_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAYAN_DB", raising=False)
    code, _, err = run(capsys, "statements")
    assert code == 2 and "no database at storage/bayan.db" in err
    assert not (tmp_path / "storage").exists()


# ───────────────────────────── item 12: scripting ─────────────────────────────


def test_dry_run_json_is_one_document(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config_for(site, tmp_path)
    code, out, _ = run(capsys, "poll", "--once", "--dry-run", "--json", "--config", cfg)
    assert code == 0
    results = {r["source"]: r for r in json.loads(out)}  # the whole output is one JSON document
    good = results["good"]
    assert good["new_statements"] == 3 and results["down"]["error_kind"] == "http"
    assert {s["title"] for s in good["statements"]} == {title_of(n) for n in range(3)}
    assert "سوريون من أجل الحقيقة والعدالة" in good["statements"][0]["signatories"]
    assert results["down"]["statements"] == []


def test_check_config_fetch_fails_when_a_source_fails(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "check-config", "--fetch", "--config", config_for(site, tmp_path))
    assert code == 1
    assert "good: OK 200" in out and "3 items" in out and "down: FAILED" in out
    code, out, _ = run(capsys, "check-config", "--fetch", "--config", config_for(site, tmp_path, down=False))
    assert code == 0 and "down" not in out


def test_check_config_fetch_reads_a_source_as_a_poll_does(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failing url whose fallback answers is OK (polls use the fallback), saying what failed before; a
    listing page whose selectors find nothing is FAILED."""
    site.expect_request("/list").respond_with_data(
        "<html><body><div class='row'><a href='/s/1'>one</a></div></body></html>", content_type="text/html"
    )
    cfg = write_config(
        tmp_path,
        f"""sources:
  - id: fellback
    url: {site.url_for("/down.xml")}
    fallback_urls: [{site.url_for("/feed.xml")}]
  - id: scraped
    url: {site.url_for("/down.xml")}
    html_fallback: {{url: {site.url_for("/list")}, selectors: {{item: ".row", link: "a"}}}}
  - id: nothing
    url: {site.url_for("/list")}
    type: page
    selectors: {{item: ".teaser", link: "a"}}
""",
    )
    code, out, _ = run(capsys, "check-config", "--fetch", "--config", cfg)
    lines = {line.split(":")[0]: line for line in out.splitlines()[2:]}
    assert lines["fellback"].startswith("fellback: OK 200 application/rss+xml — 3 items (from ")
    down = f"HTTP 500 INTERNAL SERVER ERROR ({site.url_for('/down.xml')})"
    assert lines["fellback"].endswith(f"(from {site.url_for('/feed.xml')}; before it: {down})")
    assert lines["scraped"].startswith("scraped: OK 200 text/html — 1 item (from ")
    assert lines["nothing"] == (
        f"nothing: FAILED — selector '.teaser' matched no items on {site.url_for('/list')}"
    )
    assert out.splitlines()[-1] == "1 of 3 sources failed" and code == 1


def test_check_config_validates_css_selectors_without_fetching(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = httpserver.url_for("/list")
    cfg = write_config(
        tmp_path,
        f"""sources:
  - id: listing
    url: {url}
    type: page
    selectors:
      item: "div["
      link: "h3 a"
  - id: withfallback
    url: {url}
    html_fallback:
      url: {url}
      selectors: {{item: ".row", link: "a >> b"}}
""",
    )
    code, _, err = run(capsys, "check-config", "--config", cfg)
    assert code == 1
    lines = [line.strip() for line in err.strip().splitlines()]
    assert lines[0] == "2 configuration problems:"
    assert (
        lines[1]
        == f"{cfg}:2: source 'listing': key 'selectors.item': invalid CSS selector 'div[' (fix its syntax)"
    )
    assert lines[2].startswith(f"{cfg}:8: source 'withfallback': key 'html_fallback.selectors.link':")
    assert len(lines) == 3
    assert httpserver.log == []  # nothing was fetched


# ───────────────────────────── item 13: feedback ─────────────────────────────


def test_poll_once_lists_each_new_statement(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, db = config_for(site, tmp_path), str(tmp_path / "bayan.db")
    code, out, _ = run(capsys, "poll", "--once", "--config", cfg, "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert "good: 3 new items, 3 new statements" in lines
    listed = [line for line in lines if line.startswith("  ") and "joint" in line]
    assert len(listed) == 3
    assert all("2026-01-11" in line and "2 signatories" in line for line in listed)
    assert any(f"\u2068{TITLE}\u2069" in line for line in listed)


def test_lists_say_what_the_limit_cut(polled: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    cfg, db = polled
    for argv in (["statements"], ["search", "المدنيين"], ["signed", "STJ"]):
        code, out, _ = run(capsys, *argv, "--limit", "2", "--config", cfg, "--db", db)
        assert code == 0, argv
        assert out.splitlines()[-1] == "showing 2 of 3 (--limit N to see more)", argv
        code, out, _ = run(capsys, *argv, "--config", cfg, "--db", db)
        assert "showing" not in out, argv
    code, out, _ = run(capsys, "orgs", "list", "--limit", "5", "--config", cfg, "--db", db)
    assert out.splitlines()[-1].startswith("showing 5 of ")


def test_empty_results_say_so(polled: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    cfg, db = polled
    assert run(capsys, "statements", "--source", "down", "--config", cfg, "--db", db)[1] == (
        "no statements from source down\n"
    )
    assert run(capsys, "search", "كلمةغائبة", "--config", cfg, "--db", db)[1] == (
        "no statements match '\u2068كلمةغائبة\u2069'\n"
    )
    code, out, _ = run(capsys, "signed", "Baytna", "--config", cfg, "--db", db)
    assert code == 0 and out.splitlines()[-1] == "no stored statement was signed by it"
    code, out, _ = run(capsys, "org", "Baytna", "--config", cfg, "--db", db)
    assert code == 0 and "statements: none stored" in out.splitlines() and "(- … -)" not in out
    empty = str(Path(db).with_name("empty.db"))
    storage.open_db(empty).close()
    assert run(capsys, "statements", "--config", cfg, "--db", empty)[1] == (
        "no statements stored yet (run `bayan poll --once`)\n"
    )
    assert run(capsys, "reextract", "--config", cfg, "--db", empty)[1] == (
        "no stored pages to re-extract (run `bayan poll --once`)\n"
    )


def test_unknown_source_in_statements_is_an_error(
    polled: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, db = polled
    code, out, err = run(capsys, "statements", "--source", "nope", "--config", cfg, "--db", db)
    assert code == 2 and out == ""
    assert err.strip() == "bayan: unknown source id 'nope' (known: down, good)"
    code, out, _ = run(capsys, "statements", "--source", "good", "--json", "--config", cfg, "--db", db)
    assert code == 0 and len(json.loads(out)) == 3


def test_sources_show_each_interval(polled: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    cfg, db = polled
    _, out, _ = run(capsys, "sources", "--json", "--config", cfg, "--db", db)
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["good"]["interval"] == 1800 and rows["down"]["interval"] == config.parse_duration("30m")
    _, out, _ = run(capsys, "sources", "--config", cfg, "--db", db)
    good = next(line for line in out.splitlines() if line.startswith("good"))
    assert "every 30m" in good


def test_a_changed_interval_takes_effect_at_the_next_start(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "bayan.db")
    cfg = config_for(site, tmp_path, interval="1d", down=False)
    assert main(["poll", "--once", "--config", cfg, "--db", db]) == 0
    with storage.Store(db) as store:
        before = store.run(storage.get_health, "good")
    assert before.next_check is not None and before.last_ok is not None
    assert before.next_check - before.last_ok == timedelta(days=1)
    sources = config.read_sources(config_for(site, tmp_path, interval="30m", down=False))

    async def start() -> None:
        async with service.open_runtime(db, sources):
            pass

    asyncio.run(start())
    with storage.Store(db) as store:
        after = store.run(storage.get_health, "good")
    assert after.next_check == before.last_ok + timedelta(minutes=30)


def test_source_errors_are_logged_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    from bot.models import PollResult

    with caplog.at_level("INFO", logger="bayan"):
        console.log_result(PollResult("down", error="HTTP 500", error_kind="http"))
        console.log_result(PollResult("good", new_items=1))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "down: error (http): HTTP 500"),
        ("INFO", "good: 1 new items, 0 new statements"),
    ]


def test_an_item_page_that_fails_is_a_warning(
    httpserver: HTTPServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A statement page that cannot be fetched is a missed statement: logged at WARNING, as a failed
    source is (it was INFO)."""
    base = httpserver.url_for("").rstrip("/")
    feed = FEED.format(items=ITEM.format(title=TITLE, base=base, n=9))
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/s/9").respond_with_data("busy", status=503)
    cfg = write_config(tmp_path, f"sources:\n  - id: flaky\n    url: {base}/feed.xml\n")
    db = str(tmp_path / "bayan.db")
    with caplog.at_level("INFO", logger="bayan"):
        assert main(["poll", "--once", "--config", cfg, "--db", db]) == 0
    warned = [r for r in caplog.records if r.levelname == "WARNING" and f"{base}/s/9" in r.getMessage()]
    assert len(warned) == 1 and "source=flaky item" in warned[0].getMessage()
    assert "not fetched" in warned[0].getMessage()


# ───────────────────────────── item 14: terminal Arabic ─────────────────────────────


def test_statement_lines_isolate_each_field() -> None:
    st = StoredStatement(
        id=7, title="بيان 12 حول 2026", url="https://example.org/a?b=1", source="good", published=None,
        kind="joint", issuer=None, signatories=("أ", "ب"),
    )  # fmt: skip
    line = console.statement_line(st)
    for field in ("بيان 12 حول 2026", "2 signatories", "https://example.org/a?b=1", "----------"):
        assert f"\u2068{field}\u2069" in line
    assert line.count("\u2068") == line.count("\u2069")
    summary = console.console_summary(replace(st, issuer="منظمة 5"))
    assert "\u2068منظمة 5\u2069" in summary and "\u2068بيان 12 حول 2026\u2069" in summary


def test_extract_text_output_has_no_python_reprs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>مرحبا</p></body></html>", encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(page))
    assert code == 0
    assert "None" not in out and "False" not in out and "True" not in out
    assert "statement: no" in out and "issuer: -" in out and "signatories: none" in out


def test_run_start_lines_say_what_is_due_now_and_when_the_rest_comes() -> None:
    """What `bayan run` prints once its jobs are planned: due sources are checked now; the first later
    check is named with its time; a source polled before starts with no baseline line."""
    from datetime import UTC, datetime

    from bot.models import Source, SourceHealth

    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    sources = [Source(id=i, url=f"https://example.org/{i}") for i in ("a", "b", "c")]
    healths = {"c": SourceHealth("c", baseline_done=True)}
    runs = {"a": now + timedelta(seconds=0.2), "b": now - timedelta(seconds=1), "c": now + timedelta(hours=2)}
    assert console.startup_lines(sources, healths, runs, now) == [
        "bayan: the first poll of 2 new sources is a silent baseline: what is listed there now is stored, "
        "not announced (announce_first_poll: true announces it)",
        "bayan: next check: now, 2 sources due (a, b); then c at 2026-01-05 14:00:00 UTC (in 2h), and each "
        "source at its own interval (see `bayan sources`)",
    ]
    later = {"c": now + timedelta(minutes=25, seconds=3)}
    assert console.startup_lines(sources[2:], healths, later, now) == [
        "bayan: next check: c at 2026-01-05 12:25:03 UTC (in 25m3s), then each source at its own interval "
        "(see `bayan sources`)"
    ]


def _outside_isolates(line: str) -> str:
    """``line`` without its isolated fields (FSI … PDI, nested ones included)."""
    out, depth = [], 0
    for ch in line:
        if ch == "\u2068":
            depth += 1
        elif ch == "\u2069":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _bare_arabic(text: str) -> list[str]:
    """The lines of ``text`` with Arabic letters outside every isolate (they would reorder the line)."""
    # a command to copy stays plain (isolates would be copied into the shell): at the end of a left-to-right
    # line it cannot reorder anything
    lines = [line.split(": bayan search ")[0] for line in text.splitlines()]
    return [line for line in lines if any("\u0600" <= ch <= "\u06ff" for ch in _outside_isolates(line))]


@pytest.mark.parametrize(
    "argv",
    [
        ["statements"],
        ["statement", "1"],
        ["search", "المدنيين"],
        ["signed", "STJ"],
        ["signed", "STJ", "--all", "SNHR"],
        ["org", "STJ"],
        ["org", "الشبكة السورية"],
        ["orgs", "list", "--limit", "3"],
        ["orgs", "merge", "STJ", "SNHR", "--dry-run"],
        ["signed", "منظمة"],
        ["signed", "كلمةغائبةتماما"],
        ["search", "كلمةغائبة"],
    ],
    ids=lambda a: "-".join(a),
)
def test_every_line_for_people_isolates_its_arabic(
    argv: list[str], polled: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, db = polled
    _, out, err = run(capsys, *argv, "--config", cfg, "--db", db)
    assert out or err
    assert _bare_arabic(out) == [] and _bare_arabic(err) == []


def test_isolate_rtl_wraps_only_right_to_left_text() -> None:
    assert console.isolate_rtl("asdf 12") == "asdf 12"
    assert console.isolate_rtl("منظمة 12") == "\u2068منظمة 12\u2069"
    assert console.isolate_rtl("Beit ܣܘܪܝܐ") == "\u2068Beit ܣܘܪܝܐ\u2069"  # Syriac is right to left too


def test_poll_lines_isolate_their_arabic(
    site: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config_for(site, tmp_path)
    code, out, err = run(capsys, "poll", "--once", "--dry-run", "--config", cfg)
    assert code == 0 and "signatories: " in out
    assert _bare_arabic(out) == [] and _bare_arabic(err) == []
