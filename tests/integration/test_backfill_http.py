"""`bayan backfill` through main(argv) against a loopback archive of 300 invented statements in every
layout it walks (tests/archive_site.py), with a real database file: everything stored, nothing announced,
resumable, --restart, --since, --dry-run, and the plain message for a feed without archive links."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot import storage
from bot.cli.main import main
from tests.archive_site import Archive, serve

pytestmark = pytest.mark.integration

PAGE_SELECTORS = "{item: .row, link: h3 a, date: time}"


def source_entry(layout: str, base: str) -> str:
    """The feeds.yaml entry (id = layout) of one layout of an archive served at ``base``."""
    entries = {
        "wordpress": f'{{id: wordpress, url: "{base}/wp-json/wp/v2/posts", type: wordpress, language: ar}}',
        "next": (
            f'{{id: next, url: "{base}/statements", type: page, language: ar, '
            "selectors: {item: .row, link: h3 a, date: time, next: a.older}}"
        ),
        "page_url": (
            f'{{id: page_url, url: "{base}/numbered", type: page, language: ar, '
            f'page_url: "{base}/numbered?page={{n}}", selectors: {PAGE_SELECTORS}}}'
        ),
        "feed": f'{{id: feed, url: "{base}/feed.xml", language: ar}}',
        "latest": f'{{id: latest, url: "{base}/latest.xml", language: ar}}',
        "sitemap": (
            f'{{id: sitemap, url: "{base}/latest.xml", language: ar, sitemap: "{base}/wp-sitemap.xml"}}'
        ),
    }
    return entries[layout]


def write_config(tmp_path: Path, *entries: str) -> str:
    path = tmp_path / "feeds.yaml"
    lines = "".join(f"  - {e}\n" for e in entries)
    path.write_text(f"defaults: {{backfill_delay: 0}}\nsources:\n{lines}", encoding="utf-8")
    return str(path)


def backfill(capsys: pytest.CaptureFixture[str], cfg: str, db: str, *args: str) -> dict[str, dict[str, Any]]:
    """One `bayan backfill --json` run: its objects by source id."""
    capsys.readouterr()
    assert main(["backfill", "--json", "--config", cfg, "--db", db, *args]) == 0
    return {r["source"]: r for r in json.loads(capsys.readouterr().out)}


def subscribe_everything(db_path: str) -> None:
    """A chat subscribed to every statement: anything announced would become a delivery."""
    db = storage.open_db(db_path)
    now = datetime.now(UTC)
    storage.upsert_chat(db, 5001, now=now)
    storage.add_subscription(db, 5001, None, "all", None, now=now)
    db.close()


def counts(db_path: str, source: str) -> dict[str, int]:
    db = storage.open_db(db_path)
    try:
        one = lambda sql: int(db.execute(sql, [source]).fetchone()[0])  # noqa: E731
        return {
            "items": one("SELECT COUNT(*) FROM items WHERE source_id = ?"),
            "statements": one("SELECT COUNT(*) FROM statements WHERE source_id = ?"),
            "announced": one("SELECT COUNT(*) FROM statements WHERE source_id = ? AND announced = 1"),
            "deliveries": int(db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]),
            "polled": one("SELECT COUNT(*) FROM source_state WHERE source_id = ? AND last_ok_at IS NOT NULL"),
        }
    finally:
        db.close()


@pytest.mark.parametrize("layout", ["wordpress", "next", "page_url", "feed", "sitemap"])
def test_every_layout_stores_the_whole_archive_and_announces_nothing(
    layout: str, httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(300, prefix=f"/{layout}")
    cfg = write_config(tmp_path, source_entry(layout, serve(httpserver, archive)))
    db = str(tmp_path / "bayan.db")
    subscribe_everything(db)
    result = backfill(capsys, cfg, db)[layout]
    assert result["done"] and result["error"] is None, result
    assert result["items"] == 300 and result["statements"] == 300
    assert result["reached"] == archive.day(299).isoformat()
    assert counts(db, layout) == {
        "items": 300,
        "statements": 300,
        "announced": 0,
        "deliveries": 0,
        "polled": 0,
    }
    if layout == "wordpress":
        assert all("per_page=100" in h for h in archive.hits if "wp-json" in h)
    if layout == "sitemap":
        assert not any("users" in h for h in archive.hits)  # an author sitemap lists no posts
    assert main(["sources", "--json", "--config", cfg, "--db", db]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["oldest_statement"] == archive.day(299).isoformat()
    assert row["backfill_state"] == "done" and row["backfill_statements"] == 300
    assert {"id", "last_ok", "error_count", "last_error", "next_check", "baseline_done"} <= set(row)


def test_a_second_run_continues_after_max_pages_and_restart_starts_over(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(120, prefix="/resume")
    cfg = write_config(tmp_path, source_entry("next", serve(httpserver, archive)))
    db = str(tmp_path / "bayan.db")
    first = backfill(capsys, cfg, db, "--max-pages", "2")["next"]
    assert first["stopped"] == "max_pages" and not first["done"] and first["items"] == 40
    assert main(["sources", "--json", "--config", cfg, "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)[0]["backfill_state"] == "partial"
    archive.hits.clear()
    second = backfill(capsys, cfg, db)["next"]
    assert second["done"] and second["items"] == 80 and second["pages"] == 4
    listings = [h for h in archive.hits if "/statements" in h]
    assert listings[0] == "/resume/statements?p=3"  # where the first run stopped, not the newest page
    assert counts(db, "next")["statements"] == 120
    again = backfill(capsys, cfg, db)["next"]
    assert again["done"] and again["pages"] == 0  # nothing left to walk
    archive.hits.clear()
    restarted = backfill(capsys, cfg, db, "--restart")["next"]
    assert restarted["done"] and restarted["pages"] == 6 and restarted["items"] == 0
    assert not any("/s/" in h for h in archive.hits)  # every item was stored before: no page fetched again
    assert counts(db, "next")["statements"] == 120


def test_since_reads_only_newer_items_and_a_later_run_reads_the_rest(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(120, prefix="/since")
    cfg = write_config(tmp_path, source_entry("page_url", serve(httpserver, archive)))
    db = str(tmp_path / "bayan.db")
    since = archive.day(49)  # statements 0…49 are on or after it
    first = backfill(capsys, cfg, db, "--since", since.isoformat())["page_url"]
    assert first["stopped"] == "since" and first["items"] == 50 and first["statements"] == 50
    assert first["pages"] == 3  # pages of 20: the third holds the first older item
    assert not any("page=4" in h for h in archive.hits)
    rest = backfill(capsys, cfg, db)["page_url"]
    assert rest["done"] and rest["items"] == 70
    assert counts(db, "page_url")["statements"] == 120


def test_dry_run_stores_nothing(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(300, prefix="/dry")
    cfg = write_config(tmp_path, source_entry("wordpress", serve(httpserver, archive)))
    db = tmp_path / "bayan.db"
    assert main(["backfill", "--dry-run", "--max-pages", "1", "--config", cfg, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "wordpress: 1 pages, 100 items, 100 statements" in out and "dry run: nothing was stored" in out
    assert not db.exists()


def test_a_feed_without_archive_links_says_so_plainly(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(300, prefix="/plain")
    cfg = write_config(tmp_path, source_entry("latest", serve(httpserver, archive)))
    db = str(tmp_path / "bayan.db")
    result = backfill(capsys, cfg, db)["latest"]
    assert result["items"] == 20 and result["pages"] == 1
    assert "only holds its latest items" in result["note"] and "page_url" in result["note"]
    assert main(["backfill", "--restart", "--config", cfg, "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "latest: the feed only holds its latest items" in "\n".join(out)
    assert all(len(line) < 300 for line in out)


def test_poll_after_a_backfill_walks_no_archive_and_announces_nothing(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(120, prefix="/poll")
    cfg = write_config(tmp_path, source_entry("wordpress", serve(httpserver, archive)))
    db = str(tmp_path / "bayan.db")
    subscribe_everything(db)
    assert backfill(capsys, cfg, db)["wordpress"]["done"]
    archive.hits.clear()
    assert main(["poll", "--once", "--json", "--config", cfg, "--db", db]) == 0
    polled = json.loads(capsys.readouterr().out)[0]
    assert polled["new_items"] == 0 and polled["announced"] == 0
    assert archive.hits == ["/poll/wp-json/wp/v2/posts"]  # the newest page only: run/poll never backfill
    assert counts(db, "wordpress")["deliveries"] == 0


def test_broken_sources_get_one_line_and_the_others_go_on(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(60, prefix="/ok")
    base = serve(httpserver, archive)
    httpserver.expect_request("/down.xml").respond_with_data("no", status=500)
    httpserver.expect_request("/broken/statements").respond_with_data(
        "<html><body><p>nothing here</p></body></html>", content_type="text/html"
    )
    release = threading.Event()

    def hang(request: Request) -> Response:
        release.wait(10)  # longer than the configured timeout; released when the test is done
        return Response("late", content_type="application/rss+xml")

    httpserver.expect_request("/slow.xml").respond_with_handler(hang)
    root = httpserver.url_for("").rstrip("/")
    cfg = write_config(
        tmp_path,
        source_entry("next", base),
        f'{{id: down, url: "{root}/down.xml"}}',
        f'{{id: broken, url: "{root}/broken/statements", type: page, selectors: {PAGE_SELECTORS}}}',
        f'{{id: slow, url: "{root}/slow.xml"}}',
    )
    Path(cfg).write_text(Path(cfg).read_text().replace("backfill_delay: 0", "backfill_delay: 0, timeout: 1"))
    db = str(tmp_path / "bayan.db")
    try:
        results = backfill(capsys, cfg, db)
    finally:
        release.set()
    assert results["next"]["done"] and results["next"]["statements"] == 60
    assert "500" in results["down"]["error"] and results["down"]["stopped"] == "error"
    assert "matched no items" in results["broken"]["error"]
    assert "timed out" in results["slow"]["error"]
    assert main(["backfill", "--config", cfg, "--db", db, "--source", "down"]) == 0
    captured = capsys.readouterr()
    lines = {line.split(":", 1)[0]: line for line in captured.out.splitlines()}
    assert "error: HTTP 500" in lines["down"] and "\n" not in lines["down"]
    assert "Traceback" not in captured.err


def test_retry_after_is_honoured(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(40, prefix="/busy")
    root = httpserver.url_for("").rstrip("/")
    asked: list[str] = []

    def busy_once(request: Request) -> Response:
        asked.append(request.path)
        if len(asked) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "0"})
        _, ctype, headers, body = archive.answer(root, "/busy/statements", {"p": "2"})
        return Response(body, content_type=ctype, headers=headers)

    # before the archive's own handler: the first that matches answers
    httpserver.expect_request("/busy/statements", query_string="p=2").respond_with_handler(busy_once)
    base = serve(httpserver, archive)
    httpserver.expect_request("/wait/statements").respond_with_data(
        "later", status=503, headers={"Retry-After": "86400"}
    )
    cfg = write_config(
        tmp_path,
        source_entry("next", base),
        f'{{id: wait, url: "{root}/wait/statements", type: page, selectors: {PAGE_SELECTORS}}}',
    )
    db = str(tmp_path / "bayan.db")
    results = backfill(capsys, cfg, db)
    assert results["next"]["done"] and results["next"]["items"] == 40
    assert len(asked) == 2  # the 429 once, then the page after the wait it asked for
    assert "asked to wait 86400 s" in results["wait"]["error"]


def test_an_older_page_link_to_another_origin_is_refused(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = Archive(20, prefix="/guard")
    base = serve(httpserver, archive)
    port = httpserver.port
    listing = archive.answer(base.removesuffix("/guard"), "/guard/statements", {})[3]
    elsewhere = f'<a class="older" href="http://127.0.0.2:{port}/statements?p=2">older</a>'
    httpserver.expect_request("/elsewhere/statements").respond_with_data(
        listing.replace("<nav></nav>", f"<nav>{elsewhere}</nav>"), content_type="text/html"
    )
    root = httpserver.url_for("").rstrip("/")
    cfg = write_config(
        tmp_path,
        f'{{id: next, url: "{root}/elsewhere/statements", type: page, '
        "selectors: {item: .row, link: h3 a, date: time, next: a.older}}",
    )
    db = str(tmp_path / "bayan.db")
    result = backfill(capsys, cfg, db)["next"]
    assert result["items"] == 20 and result["pages"] == 1  # the first page is the source's own
    assert result["stopped"] == "error" and "refused" in result["error"] and "loopback" in result["error"]
