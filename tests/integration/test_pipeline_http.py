"""The whole poll pipeline against real loopback HTTP (pytest-httpserver) and a real SQLite file."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot import fetch, pipeline, scheduler, service, storage
from bot.models import Selectors, Source
from tests.pdfmaker import make_pdf
from tests.sites import JOINT_PAGE, FeedSite, rss

pytestmark = pytest.mark.integration

PAGE = JOINT_PAGE.replace("</ol>", "<li>منظمة بلا اسم معروف {key}</li></ol>")


def Site(server: HTTPServer, name: str) -> FeedSite:
    """A site whose pages name the site: two sites' items are different statements, not copies."""
    return FeedSite(server, name, page=PAGE.replace("{key}", f"{name} {{key}}"))


def source(site_url: str, sid: str, **kw: object) -> Source:
    return Source(id=sid, url=site_url, type="feed", language="ar", interval=3600, **kw)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "bayan.db")


@pytest.fixture
async def ctx(db_path: str) -> AsyncIterator[pipeline.PollContext]:
    async with service.open_runtime(db_path, []) as c:
        c.fetcher = fetch.Fetcher(c.fetcher.client, total_timeout=2.0)
        yield c


@pytest.fixture
def hang() -> Iterator[threading.Event]:
    release = threading.Event()
    yield release
    release.set()


async def test_first_poll_is_a_silent_baseline_then_new_items_are_announced(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = Site(httpserver, "a")
    site.publish("1", "بيان مشترك حول الانتهاكات")
    src = source(site.url, "a")
    first = await pipeline.poll_source(ctx, src)
    assert first.ok and first.baseline and first.new_statements == 1 and first.announced == 0
    site.publish("2", "بيان مشترك ثان")
    second = await pipeline.poll_source(ctx, replace(src))
    assert second.ok and not second.baseline and second.new_statements == 1 and second.announced == 1
    rows = await ctx.store.call(storage.list_statements, limit=10)
    assert {r.title for r in rows} == {"بيان مشترك حول الانتهاكات", "بيان مشترك ثان"}
    newest = next(r for r in rows if r.title == "بيان مشترك ثان")
    assert newest.announced and "سوريون من أجل الحقيقة والعدالة" in newest.signatories
    assert len(newest.signatories) == 3


async def test_second_poll_of_unchanged_source_is_conditional_and_stores_nothing(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = Site(httpserver, "b")
    site.publish("1", "بيان")
    src = source(site.url, "b")
    await pipeline.poll_source(ctx, src)
    hits = list(site.page_hits)
    counts = await ctx.store.call(storage.count_rows)
    again = await pipeline.poll_source(ctx, src)
    assert again.ok and again.not_modified and again.new_items == 0
    assert site.conditional[-1] == '"b-1"'  # If-None-Match sent
    assert site.page_hits == hits  # no seen item fetched again
    assert await ctx.store.call(storage.count_rows) == counts


async def test_an_item_page_that_failed_is_fetched_again_though_the_feed_is_unchanged(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = Site(httpserver, "r")
    site.publish("1", "بيان مشترك أول")
    src = source(site.url, "r")
    await pipeline.poll_source(ctx, src)  # the baseline
    site.publish("2", "بيان مشترك حول المعتقلين")
    site.failing.add("2")
    missed = await pipeline.poll_source(ctx, src)
    assert missed.ok and missed.new_statements == 0
    site.failing.clear()
    again = await pipeline.poll_source(ctx, src)  # the feed has not changed since
    assert again.ok and not again.not_modified and again.new_statements == 1 and again.announced == 1
    assert site.page_hits.count("2") == 2
    assert (await pipeline.poll_source(ctx, src)).not_modified  # nothing missed: conditional again


async def test_one_hanging_source_does_not_stop_the_others(
    httpserver: HTTPServer, ctx: pipeline.PollContext, hang: threading.Event
) -> None:
    healthy = [Site(httpserver, name) for name in ("c1", "c2", "c3")]
    for s in healthy:
        s.publish("1", "بيان")

    def stuck(request: Request) -> Response:
        hang.wait(10)
        return Response("late", status=200)

    httpserver.expect_request("/stuck/feed.xml").respond_with_handler(stuck)
    sources = [source(s.url, s.prefix) for s in healthy] + [
        source(httpserver.url_for("/stuck/feed.xml"), "stuck")
    ]
    results = {r.source_id: r for r in await scheduler.run_cycle(ctx, sources)}
    assert all(results[s.prefix].ok and results[s.prefix].new_statements == 1 for s in healthy)
    assert results["stuck"].error_kind == "timeout"
    health = await ctx.store.call(storage.get_health, "stuck")
    assert health.error_count == 1 and health.last_error


async def test_failures_are_recorded_and_back_off_without_touching_validators(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = Site(httpserver, "d")
    site.publish("1", "بيان")
    src = source(site.url, "d")
    await pipeline.poll_source(ctx, src)
    before = await ctx.store.call(storage.get_health, "d")
    broken = replace(src, url=httpserver.url_for("/d/broken.xml"))
    httpserver.expect_request("/d/broken.xml").respond_with_data("boom", status=500)
    for _ in range(4):
        result = await pipeline.poll_source(ctx, broken)
        assert result.error_kind == "http"
    after = await ctx.store.call(storage.get_health, "d")
    assert after.error_count == 4 and "500" in (after.last_error or "")
    assert after.etag == before.etag and after.content_sha == before.content_sha
    assert after.last_ok == before.last_ok
    assert after.next_check is not None and after.last_ok is not None
    # 4th consecutive failure: interval × 2^(4-2)
    assert after.next_check - ctx.now() > timedelta(hours=3)


async def test_retry_after_defers_even_a_forced_poll(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    httpserver.expect_request("/e/feed.xml").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "600"}
    )
    src = source(httpserver.url_for("/e/feed.xml"), "e")
    first = await pipeline.poll_source(ctx, src)
    assert first.error_kind == "http"
    second = await pipeline.poll_source(ctx, src)
    assert second.deferred_until is not None and second.deferred_until > datetime.now(UTC) + timedelta(
        minutes=9
    )
    assert len([e for e in httpserver.log if e[0].path == "/e/feed.xml"]) == 1


async def test_only_the_newest_items_are_fetched_the_rest_recorded_as_seen(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = Site(httpserver, "f")
    for k in range(5):
        site.publish(str(k), f"بيان {k}")
    src = source(site.url, "f", max_new_items=2)
    result = await pipeline.poll_source(ctx, src)
    assert result.new_items == 5 and result.new_statements == 2
    assert len(site.page_hits) == 2
    site.version += 1  # same items, new ETag: nothing is unseen any more
    again = await pipeline.poll_source(ctx, src)
    assert again.new_items == 0 and len(site.page_hits) == 2


async def test_a_broken_feed_fails_only_its_source(httpserver: HTTPServer, ctx: pipeline.PollContext) -> None:
    httpserver.expect_request("/g/feed.xml").respond_with_data("<html><body>not a feed</body></html>")
    good = Site(httpserver, "h")
    good.publish("1", "بيان <script>alert(1)</script>")
    results = await scheduler.run_cycle(
        ctx, [source(httpserver.url_for("/g/feed.xml"), "g"), source(good.url, "h")]
    )
    by_id = {r.source_id: r for r in results}
    assert by_id["g"].error_kind == "parse" and by_id["h"].ok
    rows = await ctx.store.call(storage.list_statements, limit=5)
    assert rows[0].title == "بيان <script>alert(1)</script>"  # stored as text; escaped when rendered


async def test_a_page_that_only_links_to_a_pdf_is_read_from_the_pdf(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    pdf = make_pdf(
        [
            "Joint statement on the detainees",
            "The undersigned organisations call for the release of all detainees.",
            "Signatories:",
            "1. Syrian Network for Human Rights",
            "2. Syrians for Truth and Justice",
            "3. Lawyers and Doctors for Human Rights",
        ]
    )
    teaser = (
        "<html><body><article><h1>Joint statement on the detainees</h1>"
        "<p>Syrian organisations published a joint statement on the detainees.</p>"
        '<p><a href="/pdf/full.pdf">Download the full statement (PDF)</a></p></article></body></html>'
    )
    base = httpserver.url_for("/pdf").rstrip("/")
    feed = rss(base, [("p1", "Joint statement on the detainees")])
    httpserver.expect_request("/pdf/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/pdf/item/p1").respond_with_data(teaser, content_type="text/html")
    httpserver.expect_request("/pdf/full.pdf").respond_with_data(pdf, content_type="application/pdf")
    result = await pipeline.poll_source(ctx, Source(id="pdf", url=f"{base}/feed.xml", language="en"))
    assert result.ok and result.new_statements == 1
    [row] = await ctx.store.call(storage.list_statements, limit=5, source="pdf")
    assert row.title == "Joint statement on the detainees" and row.kind == "joint"
    assert row.signatories == (
        "Syrian Network for Human Rights",
        "Syrians for Truth and Justice",
        "Lawyers and Doctors for Human Rights",
    )


async def test_news_sources_read_only_items_whose_title_has_a_statement_word(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = Site(httpserver, "news")
    site.publish("1", "مباراة كرة القدم مساء اليوم")
    site.publish("2", "بيان مشترك حول المعتقلين")
    src = source(site.url, "news", keyword_prefilter=True, keywords=("بيان",))
    result = await pipeline.poll_source(ctx, src)
    assert result.new_items == 2 and result.new_statements == 1
    assert site.page_hits == ["2"]  # the football item is recorded as seen, never fetched
    again = await pipeline.poll_source(ctx, replace(src))
    assert again.new_items == 0 and site.page_hits == ["2"]


async def test_when_the_feed_fails_the_html_fallback_listing_is_scraped(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = Site(httpserver, "fb")
    site.publish("9", "بيان مشترك حول المعتقلين")
    listing = (
        '<html><body><div class="views-row"><h3><a href="/fb/item/9">بيان مشترك حول المعتقلين</a></h3>'
        '<span class="date">2026-01-11</span></div></body></html>'
    )
    httpserver.expect_request("/fb/broken.xml").respond_with_data("down", status=503)
    httpserver.expect_request("/fb/list").respond_with_data(listing, content_type="text/html; charset=utf-8")
    fallback = (
        httpserver.url_for("/fb/list"),
        Selectors(item=".views-row", link="h3 a", title="h3", date=".date"),
    )
    src = source(httpserver.url_for("/fb/broken.xml"), "fb", html_fallback=fallback)
    result = await pipeline.poll_source(ctx, src)
    assert result.ok and result.new_statements == 1 and site.page_hits == ["9"]
    health = await ctx.store.call(storage.get_health, "fb")
    assert health.error_count == 0 and health.last_ok is not None
