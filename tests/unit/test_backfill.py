"""The pieces of `bayan backfill` without a server: the history links (bot/archive.py), the new feeds.yaml
keys, the layout choice, the Retry-After politeness (httpx.MockTransport), the walk's storage and the
progress display."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import httpx
import pytest

from bot import archive, backfill, storage
from bot.cli.backfill import _Display
from bot.config import load_config
from bot.fetch import make_client
from bot.models import (
    BackfillState,
    ConfigError,
    Fetched,
    FetchError,
    Item,
    ItemRecord,
    PollWrite,
    Selectors,
    Source,
    Validators,
)


def fetched(url: str, body: str, content_type: str = "text/html") -> Fetched:
    data = body.encode("utf-8")
    return Fetched(url, 200, content_type, data, body, "utf-8", hashlib.sha256(data).hexdigest())


# ───────────────────────────── archive.py ─────────────────────────────


def test_wordpress_pages_keep_the_query_and_ask_for_at_most_100() -> None:
    url = archive.wordpress_page_url("https://example.org/wp-json/wp/v2/posts?categories=7&page=9", 3)
    assert url == "https://example.org/wp-json/wp/v2/posts?categories=7&per_page=100&page=3"
    assert "per_page=20&page=2" in archive.wordpress_page_url("https://example.org/p?per_page=20", 2)
    assert "per_page=100&page=1" in archive.wordpress_page_url("https://example.org/p?per_page=500", 1)
    assert archive.numbered_page_url("https://example.org/s?page={n}", 4) == "https://example.org/s?page=4"


def test_the_older_page_link_is_found_and_made_absolute() -> None:
    page = fetched("https://example.org/news/list", '<ul><li class="next"><a href="?p=2">»</a></li></ul>')
    assert archive.next_page_link(page, "li.next") == "https://example.org/news/list?p=2"
    based = fetched("https://example.org/a/b", '<base href="https://example.org/x/"><a rel="next" href="p3">')
    assert archive.next_page_link(based, "a[rel=next]") == "https://example.org/x/p3"
    assert archive.next_page_link(page, "a.older") is None
    assert archive.next_page_link(fetched("https://example.org/", '<a class="o" href="#top">'), "a.o") is None


def test_rfc5005_archive_links_prev_archive_first_then_next() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
        '<atom:link rel="next" href="/page2.xml"/><atom:link rel="prev-archive" href="/archive/2025.xml"/>'
        "<item><title>a</title><link>https://example.org/a</link></item></channel></rss>"
    )
    assert archive.feed_archive_link(fetched("https://example.org/feed.xml", rss, "application/rss+xml")) == (
        "https://example.org/archive/2025.xml"
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        '<link rel="next" href="older.xml"/><entry><title>a</title><id>1</id></entry></feed>'
    )
    assert (
        archive.feed_archive_link(fetched("https://example.org/f/atom.xml", atom))
        == "https://example.org/f/older.xml"
    )
    plain = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert archive.feed_archive_link(fetched("https://example.org/feed.xml", plain)) is None


def test_sitemaps_and_sitemap_indexes() -> None:
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    urlset = (
        f'<?xml version="1.0"?><urlset {ns}><url><loc>https://example.org/old</loc><lastmod>2021-03-04</lastmod></url>'
        f"<url><loc>https://example.org/undated</loc></url>"
        f"<url><loc>https://example.org/new</loc><lastmod>2024-05-06T10:00:00+00:00</lastmod></url></urlset>"
    )
    found = archive.sitemap(fetched("https://example.org/sitemap.xml", urlset))
    assert found.entries == (
        ("https://example.org/old", date(2021, 3, 4)),
        ("https://example.org/undated", None),
        ("https://example.org/new", date(2024, 5, 6)),
    )
    assert [u for u, _ in archive.newest_first(found.entries)] == [
        "https://example.org/new",
        "https://example.org/old",
        "https://example.org/undated",
    ]
    index = (
        f'<?xml version="1.0"?><sitemapindex {ns}>'
        "<sitemap><loc>https://example.org/wp-sitemap-posts-post-1.xml</loc></sitemap>"
        "<sitemap><loc>https://example.org/wp-sitemap-users-1.xml</loc></sitemap>"
        "<sitemap><loc>https://example.org/wp-sitemap-taxonomies-category-1.xml</loc></sitemap></sitemapindex>"
    )
    assert archive.sitemap(fetched("https://example.org/wp-sitemap.xml", index)).children == (
        "https://example.org/wp-sitemap-posts-post-1.xml",
    )
    with pytest.raises(Exception, match="not a sitemap"):
        archive.sitemap(fetched("https://example.org/s.xml", '<?xml version="1.0"?><rss version="2.0"/>'))
    with pytest.raises(Exception, match="could not parse the sitemap"):
        archive.sitemap(fetched("https://example.org/s.xml", "<html><body>oops"))


# ───────────────────────────── feeds.yaml ─────────────────────────────


def test_the_backfill_keys_of_feeds_yaml() -> None:
    cfg = load_config(
        """defaults: {backfill_delay: 0}
sources:
  - id: a
    url: https://example.org/statements
    type: page
    page_url: https://example.org/statements?page={n}
    page_start: 1
    selectors: {item: .row, link: a, next: a.older}
  - id: b
    url: https://example.org/feed.xml
    sitemap: https://files.example.org/wp-sitemap.xml
"""
    )
    a, b = cfg.sources
    assert cfg.backfill_delay == 0.0
    assert a.page_url == "https://example.org/statements?page={n}" and a.page_start == 1
    assert a.selectors is not None and a.selectors.next == "a.older"
    assert b.sitemap == "https://files.example.org/wp-sitemap.xml" and b.page_start == 2
    assert "https://files.example.org/wp-sitemap.xml" in b.own_urls  # its origin is the source's own
    assert load_config("sources: [{id: c, url: 'https://example.org/f'}]").backfill_delay == 1.0


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("page_url: https://example.org/s?page=2", "needs one '{n}'"),
        ("page_start: -1", "not a page number"),
        ("sitemap: not-a-url", "not a valid URL"),
        ("backfill_delay: 2s", "set it under defaults"),
    ],
)
def test_bad_backfill_keys_are_one_line_problems(entry: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(f"sources:\n  - id: a\n    url: https://example.org/f\n    {entry}\n")
    assert len(err.value.problems) == 1 and message in err.value.problems[0]
    assert err.value.problems[0].startswith("feeds.yaml:4: source 'a'")


def test_the_layout_of_each_kind_of_source() -> None:
    page = Selectors(item=".row", link="a")
    assert (
        backfill.layout_of(Source("w", "https://e.org/wp-json/wp/v2/posts", type="wordpress")) == "wordpress"
    )
    assert backfill.layout_of(Source("f", "https://e.org/feed.xml")) == "feed"
    assert backfill.layout_of(Source("w", "https://e.org/feed/", type="wordpress")) == "feed"  # its RSS feed
    assert (
        backfill.layout_of(Source("w", "https://e.org/?rest_route=/wp/v2/posts", type="wordpress"))
        == "wordpress"
    )
    assert backfill.layout_of(Source("p", "https://e.org/l", type="page", selectors=page)) == "latest"
    nxt = Selectors(item=".row", link="a", next="a.older")
    assert backfill.layout_of(Source("p", "https://e.org/l", type="page", selectors=nxt)) == "next"
    numbered = Source("p", "https://e.org/l", type="page", selectors=nxt, page_url="https://e.org/l?p={n}")
    assert backfill.layout_of(numbered) == "page_url"
    assert (
        backfill.layout_of(Source("f", "https://e.org/feed.xml", sitemap="https://e.org/s.xml")) == "sitemap"
    )


# ───────────────────────────── politeness ─────────────────────────────


async def test_a_429_is_retried_after_its_retry_after_and_a_long_wait_is_an_error() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/busy" and asked.count("/busy") == 1:
            return httpx.Response(429, headers={"Retry-After": "0"})
        if request.url.path == "/later":
            return httpx.Response(503, headers={"Retry-After": "7200"})
        return httpx.Response(200, text="ok", headers={"Content-Type": "text/plain"})

    client = make_client(transport=httpx.MockTransport(handler))
    fetcher = backfill.PoliteFetcher(client, max_wait=60)
    try:
        assert (await fetcher.fetch("https://example.org/busy")).body == b"ok"
        assert asked == ["/busy", "/busy"]
        with pytest.raises(FetchError, match="asked to wait 7200 s"):
            await fetcher.fetch("https://example.org/later")
        assert asked.count("/later") == 1  # no retry when the wait is too long
    finally:
        await client.aclose()


# ───────────────────────────── storage ─────────────────────────────


def test_a_backfill_page_is_never_announced_and_leaves_the_poll_state(db: storage.Db) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    state = BackfillState(
        "s", "next", cursor='{"url": "https://e.org/l?p=2"}', started_at=now, updated_at=now
    )
    records = (ItemRecord(item=Item("url:https://e.org/1", "https://e.org/1", published=date(2020, 1, 2))),)
    write = PollWrite("s", now, now, Validators(), records, announce=False, health=False)
    assert storage.save_backfill_page(db, write, state) == []
    assert storage.get_backfill(db, "s") == state
    assert storage.get_health(db, "s").last_ok is None  # the poll's own state is untouched
    assert storage.unseen_keys(db, "s", ["url:https://e.org/1"]) == set()
    with pytest.raises(ValueError, match="never announced"):
        storage.save_backfill_page(db, PollWrite("s", now, now, Validators(), records, health=False), state)
    storage.reset_backfill(db, "s")
    assert storage.list_backfill(db) == {}


# ───────────────────────────── display ─────────────────────────────


def test_progress_bars_show_pages_items_statements_and_the_date_reached(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show = _Display([Source("stj-ar", "https://e.org/f")], bars=True, quiet=False)
    progress = backfill.Progress("stj-ar", "feed", pages=3, items=60, statements=41, reached=date(2019, 3, 2))
    show.page(progress)
    progress.done = True
    show.done(progress)
    out = capsys.readouterr().out
    assert "stj-ar" in out and "items=60 statements=41 reached=2019-03-02" in out
    assert "stj-ar: 3 pages, 60 items, 41 statements, back to 2019-03-02 — done" in out
