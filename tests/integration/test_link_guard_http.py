"""Link following against two real loopback servers: a source on 127.0.0.1:A whose full-text link, item
link and redirect point to 127.0.0.1:B. B is another origin on a loopback address, so it receives
nothing and the source records why; links on A are still followed; allow_private_addresses lifts it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from html import escape
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot import fetch, netguard, pipeline, service, storage
from bot.cli import common, poll
from bot.models import FetchError, Hints, Selectors, Settings, Source
from tests.pdfmaker import make_pdf

pytestmark = pytest.mark.integration

TEASER = """<html><body><article><h1>{title}</h1>
<p>The undersigned organisations published a joint statement on the detainees today.</p>
<p>We call on all parties to protect civilians and to release every detainee without delay.</p>
<p>Signatories:</p><ol><li>Syrians for Truth and Justice</li><li>Dawlaty</li></ol>
<p><a href="{pdf}">Download the full statement (PDF)</a></p></article></body></html>"""

INTERNAL = """<html><body><article><h1>Internal joint statement</h1>
<p>The undersigned organisations call for an internal review.</p><p>Signatories:</p>
<ol><li>Internal Unit One</li><li>Internal Unit Two</li><li>Internal Unit Three</li></ol>
</article></body></html>"""


def rss(items: list[tuple[str, str, str]]) -> str:
    """RSS 2.0 of (guid, title, link) items."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{g}</guid>"
        "<pubDate>Sun, 11 Jan 2026 10:00:00 GMT</pubDate></item>"
        for g, t, link in items
    )
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{body}</channel></rss>"


def full_pdf() -> bytes:
    return make_pdf(
        [
            "Joint statement on the detainees",
            "The undersigned organisations call for the release of all detainees.",
            "Signatories:",
            "1. Syrian Network for Human Rights",
            "2. Syrians for Truth and Justice",
            "3. Lawyers and Doctors for Human Rights",
        ]
    )


@pytest.fixture
def internal() -> Iterator[HTTPServer]:
    """127.0.0.1:B — an internal service that must never be reached through a source's links."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(re.compile(".*")).respond_with_data(
        INTERNAL, content_type="text/html; charset=utf-8"
    )
    server.start()
    yield server
    server.clear()
    server.stop()


def serve_site(site: HTTPServer, b: HTTPServer) -> str:
    """Site A: a feed with an own-origin item whose PDF is on A, an item whose PDF is on B, an item on B
    and an item on A that redirects to B. Returns the feed URL."""
    a = site.url_for("/s").rstrip("/")
    items = [
        ("own", "Joint statement on the detainees", f"{a}/item/own"),
        ("pdf-b", "Joint statement on the camps", f"{a}/item/pdf-b"),
        ("on-b", "Joint statement on the prisons", b.url_for("/item/on-b")),
        ("hop", "Joint statement on the crossings", f"{a}/hop"),
    ]
    site.expect_request("/s/feed.xml").respond_with_data(rss(items), content_type="application/rss+xml")
    own = TEASER.format(title="Joint statement on the detainees", pdf="/s/full.pdf")
    site.expect_request("/s/item/own").respond_with_data(own, content_type="text/html")
    pdf_b = TEASER.format(title="Joint statement on the camps", pdf=b.url_for("/secret/full.pdf"))
    site.expect_request("/s/item/pdf-b").respond_with_data(pdf_b, content_type="text/html")
    site.expect_request("/s/full.pdf").respond_with_data(full_pdf(), content_type="application/pdf")
    site.expect_request("/s/hop").respond_with_data("", status=302, headers={"Location": b.url_for("/admin")})
    return f"{a}/feed.xml"


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[pipeline.PollContext]:
    async with service.open_runtime(str(tmp_path / "bayan.db"), []) as c:
        yield c


def served(site: HTTPServer) -> list[str]:
    return [request.path for request, _ in site.log]


async def test_links_to_another_loopback_origin_are_refused_and_recorded(
    httpserver: HTTPServer, internal: HTTPServer, ctx: pipeline.PollContext
) -> None:
    src = Source(id="guarded", url=serve_site(httpserver, internal), language="en", interval=3600)
    result = await pipeline.poll_source(ctx, src)
    assert internal.log == []  # 0 requests reached B
    assert result.ok and result.new_items == 4
    b = f"127.0.0.1:{internal.port}"
    expected = f"refused link to {b}: loopback address (not the source's origin)"
    assert len(result.refused) == 3 and all(expected in line for line in result.refused)
    health = await ctx.store.call(storage.get_health, "guarded")
    assert health.error_kind == "refused" and expected in (health.last_error or "")
    assert health.error_count == 0 and health.last_ok is not None
    assert sorted(served(httpserver)) == sorted(
        ["/s/feed.xml", "/s/item/own", "/s/full.pdf", "/s/item/pdf-b", "/s/hop"]
    )
    rows = {r.title: r for r in await ctx.store.call(storage.list_statements, limit=10)}
    assert len(rows["Joint statement on the detainees"].signatories) == 3  # A's own PDF was read
    assert rows["Joint statement on the camps"].signatories == ("Syrians for Truth and Justice", "Dawlaty")
    assert not any("Internal Unit One" in r.signatories for r in rows.values())
    again = await pipeline.poll_source(ctx, src)  # refused items are recorded as seen: not retried
    assert again.ok and internal.log == []


async def test_allow_private_addresses_follows_links_to_another_loopback_origin(
    httpserver: HTTPServer, internal: HTTPServer, ctx: pipeline.PollContext
) -> None:
    src = Source(
        id="intranet", url=serve_site(httpserver, internal), language="en", allow_private_addresses=True
    )
    result = await pipeline.poll_source(ctx, src)
    assert result.ok and result.refused == ()
    assert sorted(served(internal)) == ["/admin", "/item/on-b", "/secret/full.pdf"]


async def test_the_html_fallback_origin_is_the_sources_own(
    httpserver: HTTPServer, internal: HTTPServer, ctx: pipeline.PollContext
) -> None:
    """A feed on A that fails, a listing page on B (configured as html_fallback): B's links are followed."""
    httpserver.expect_request("/broken.xml").respond_with_data("down", status=503)
    listing = '<div class="row"><a href="/item/9">Joint statement on the prisons</a></div>'
    internal.clear()
    internal.expect_request("/list").respond_with_data(listing, content_type="text/html; charset=utf-8")
    internal.expect_request("/item/9").respond_with_data(INTERNAL, content_type="text/html; charset=utf-8")
    fallback = (internal.url_for("/list"), Selectors(item=".row", link="a", title="a"))
    src = Source(id="fb", url=httpserver.url_for("/broken.xml"), language="en", html_fallback=fallback)
    result = await pipeline.poll_source(ctx, src)
    assert result.ok and result.new_statements == 1 and result.refused == ()
    assert served(internal) == ["/list", "/item/9"]


async def test_the_transport_connects_to_the_pinned_address(httpserver: HTTPServer) -> None:
    """A name that never resolves (.invalid) reaches the loopback server it was pinned to: the connection
    goes to the checked address, not to a second lookup of the name."""
    httpserver.expect_request("/pinned").respond_with_data("pinned")
    async with fetch.make_client() as client:
        with netguard.pinned(("bayan-check.invalid", httpserver.port, ("127.0.0.1",))):
            response = await client.get(f"http://bayan-check.invalid:{httpserver.port}/pinned")
    assert response.text == "pinned"
    [(request, _)] = httpserver.log
    assert request.headers["Host"] == f"bayan-check.invalid:{httpserver.port}"


async def test_check_config_fetch_and_extract_refuse_a_redirect_to_another_loopback_origin(
    httpserver: HTTPServer, internal: HTTPServer
) -> None:
    go = httpserver.url_for("/go")
    httpserver.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": internal.url_for("/x")}
    )
    [(ok, line)] = await poll.check_fetch(Settings(), [Source(id="go", url=go)])
    assert not ok and line.startswith(
        f"go: FAILED — refused link to 127.0.0.1:{internal.port}: loopback address"
    )
    with pytest.raises(FetchError) as info:
        await common.extract_target(go, Hints())
    assert info.value.kind == "refused" and internal.log == []
