"""fetch.py against a real HTTP server on 127.0.0.1 (pytest-httpserver, threaded so hangs and
concurrency are real): conditional GET, statuses, timeouts, redirects, gzip, size caps, charsets,
server wait hints and the per-host / cross-source concurrency guarantees."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import ssl
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpcore
import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot import fetch as fetch_module
from bot.fetch import USER_AGENT, Fetcher, make_client
from bot.models import Fetched, FetchError, NotModified, Validators
from tests.helpers import eventually

pytestmark = pytest.mark.integration

ARABIC = "بيان مشترك: منظمات المجتمع المدني السورية تطالب بالإفراج عن المعتقلين"
MB = 2**20


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Blocked handlers wait on this; teardown always lets them go."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    client = make_client(timeout=5.0, connect_timeout=2.0)
    yield Fetcher(client, max_bytes=MB)
    await client.aclose()


async def fetch_error(fetcher: Fetcher, url: str, validators: Validators | None = None) -> FetchError:
    with pytest.raises(FetchError) as info:
        await (fetcher.fetch(url) if validators is None else fetcher.fetch_if_changed(url, validators))
    return info.value


# ───────────────────────────── conditional GET ─────────────────────────────


async def test_200_then_304_with_validators_sent(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    lm = "Wed, 01 Jan 2025 00:00:00 GMT"

    def conditional(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            b"<rss>one</rss>",
            content_type="application/rss+xml",
            headers={"ETag": '"v1"', "Last-Modified": lm},
        )

    httpserver.expect_request("/feed").respond_with_handler(conditional)
    first = await fetcher.fetch(httpserver.url_for("/feed"))
    assert isinstance(first, Fetched) and first.text == "<rss>one</rss>" and first.etag == '"v1"'
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in request.headers

    second = await fetcher.fetch_if_changed(
        httpserver.url_for("/feed"), Validators(first.etag, first.last_modified)
    )
    assert second == NotModified(httpserver.url_for("/feed"))
    assert httpserver.log[1][0].headers["If-None-Match"] == '"v1"'
    assert httpserver.log[1][0].headers["If-Modified-Since"] == lm


async def test_same_sha_200_is_not_modified(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/feed").respond_with_data(b"<rss>same</rss>", headers={"ETag": '"changes"'})
    sha = hashlib.sha256(b"<rss>same</rss>").hexdigest()
    got = await fetcher.fetch_if_changed(
        httpserver.url_for("/feed"), Validators(etag='"old"', content_sha=sha)
    )
    assert isinstance(got, NotModified)


async def test_max_age_and_retry_after_become_wait_floor(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/cached").respond_with_data(b"x", headers={"Cache-Control": "max-age=900"})
    httpserver.expect_request("/unchanged").respond_with_data(
        b"", status=304, headers={"Retry-After": "3600"}
    )
    cached = await fetcher.fetch(httpserver.url_for("/cached"))
    assert isinstance(cached, Fetched) and cached.wait_floor == 900.0
    unchanged = await fetcher.fetch_if_changed(httpserver.url_for("/unchanged"), Validators(etag='"e"'))
    assert unchanged == NotModified(httpserver.url_for("/unchanged"), wait_floor=3600.0)


# ───────────────────────────── statuses and timeouts ─────────────────────────────


@pytest.mark.parametrize(("status", "kind"), [(404, "http"), (500, "http"), (403, "blocked")])
async def test_error_statuses(httpserver: HTTPServer, fetcher: Fetcher, status: int, kind: str) -> None:
    httpserver.expect_request("/x").respond_with_data(b"<html>no</html>", status=status)
    error = await fetch_error(fetcher, httpserver.url_for("/x"))
    assert (error.kind, error.status) == (kind, status)


async def test_429_retry_after(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/x").respond_with_data(
        b"slow down", status=429, headers={"Retry-After": "120"}
    )
    error = await fetch_error(fetcher, httpserver.url_for("/x"))
    assert (error.kind, error.status, error.retry_after) == ("http", 429, 120.0)


async def test_read_timeout(httpserver: HTTPServer, release: threading.Event) -> None:
    def hang(request: Request) -> Response:
        release.wait(10)
        return Response(b"late")

    httpserver.expect_request("/hang").respond_with_handler(hang)
    async with make_client(timeout=0.3) as client:
        error = await fetch_error(Fetcher(client), httpserver.url_for("/hang"))
    assert error.kind == "timeout" and "ReadTimeout" in str(error)


async def test_total_deadline_cuts_a_trickling_body(httpserver: HTTPServer, release: threading.Event) -> None:
    def trickle(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            while not release.wait(0.05):  # a byte every 50 ms: no read timeout ever fires
                yield b"."

        return Response(body(), content_type="text/plain")

    httpserver.expect_request("/trickle").respond_with_handler(trickle)
    async with make_client(timeout=5.0) as client:
        error = await fetch_error(Fetcher(client, total_timeout=0.5), httpserver.url_for("/trickle"))
    assert error.kind == "timeout" and "within 0.5 s" in str(error)


# ───────────────────────────── redirects ─────────────────────────────


async def test_redirect_chain_reports_final_url(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data(b"", status=302, headers={"Location": "c"})
    httpserver.expect_request("/c").respond_with_data(
        b"", status=307, headers={"Location": httpserver.url_for("/final")}
    )
    httpserver.expect_request("/final").respond_with_data(b"<rss>here</rss>")
    got = await fetcher.fetch(httpserver.url_for("/a"))
    assert isinstance(got, Fetched) and (got.url, got.text) == (
        httpserver.url_for("/final"),
        "<rss>here</rss>",
    )


async def test_redirect_loop(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data(b"", status=301, headers={"Location": "/a"})
    error = await fetch_error(fetcher, httpserver.url_for("/a"))
    assert error.kind == "http" and "redirect loop" in str(error)


async def test_too_many_redirects(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    for i in range(7):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            b"", status=302, headers={"Location": f"/r{i + 1}"}
        )
    error = await fetch_error(fetcher, httpserver.url_for("/r0"))
    assert error.kind == "http" and "too many redirects" in str(error)
    assert len(httpserver.log) == 6  # max_redirects=5: the first request and five redirects followed


# ───────────────────────────── bodies: gzip, caps, charsets ─────────────────────────────


async def test_gzip_body_is_decoded(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    page = f"<html><body><p>{ARABIC}</p></body></html>".encode() * 20
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(page), content_type="text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}
    )
    got = await fetcher.fetch(httpserver.url_for("/gz"))
    assert isinstance(got, Fetched) and got.body == page and ARABIC in got.text
    assert got.sha256 == hashlib.sha256(page).hexdigest()


async def test_gzip_bomb_is_rejected_without_inflating(
    httpserver: HTTPServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = gzip.compress(b"\0" * (20 * MB), 9)
    assert len(bomb) < 64 * 1024
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    outputs: list[int] = []  # size of every piece the decompressor produced

    class Spy:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self.inner.decompress(data, max_length)
            outputs.append(len(out))
            return out

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    real = zlib.decompressobj
    monkeypatch.setattr(fetch_module.zlib, "decompressobj", lambda *a: Spy(real(*a)))
    error = await fetch_error(fetcher, httpserver.url_for("/bomb"))
    assert error.kind == "too_large"
    # never inflated past the 1 MB cap (+1 byte to detect it), in any step or in total: memory stays bounded
    assert outputs and max(outputs) <= MB + 1 and sum(outputs) <= MB + 1


async def test_oversized_plain_bodies(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * (2 * MB))

    def streamed(request: Request) -> Response:  # no Content-Length: caught while streaming
        return Response((b"y" * 65536 for _ in range(40)), content_type="text/plain")

    httpserver.expect_request("/stream").respond_with_handler(streamed)
    assert (await fetch_error(fetcher, httpserver.url_for("/big"))).kind == "too_large"
    assert (await fetch_error(fetcher, httpserver.url_for("/stream"))).kind == "too_large"


@pytest.mark.parametrize(
    ("declare_meta", "content_type"),
    [(True, "text/html"), (False, "text/html; charset=windows-1256"), (False, "text/html")],
    ids=["meta", "http-header", "undeclared"],
)
async def test_windows_1256_page(
    httpserver: HTTPServer, fetcher: Fetcher, declare_meta: bool, content_type: str
) -> None:
    meta = '<meta charset="windows-1256">' if declare_meta else ""
    page = f"<html><head>{meta}<title>بيان</title></head><body><p>{ARABIC}</p></body></html>"
    httpserver.expect_request("/ar").respond_with_data(page.encode("cp1256"), content_type=content_type)
    got = await fetcher.fetch(httpserver.url_for("/ar"))
    assert isinstance(got, Fetched) and got.content_type == content_type
    assert got.encoding == "windows-1256" and got.text == page


# ───────────────────────────── concurrency ─────────────────────────────


async def test_per_host_limit_is_respected(httpserver: HTTPServer, release: threading.Event) -> None:
    lock = threading.Lock()
    active = [0, 0]  # [now, peak]

    def counted(request: Request) -> Response:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        release.wait(10)
        with lock:
            active[0] -= 1
        return Response(b"ok")

    httpserver.expect_request("/slow").respond_with_handler(counted)
    async with make_client() as client:
        fetcher = Fetcher(client, per_host=2)
        tasks = [asyncio.create_task(fetcher.fetch(httpserver.url_for("/slow"))) for _ in range(6)]
        await eventually(lambda: active[0] == 2)
        release.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert all(isinstance(r, Fetched) for r in results)
    assert active[1] == 2 and len(httpserver.log) == 6


async def test_a_hanging_source_does_not_stop_the_others(
    httpserver: HTTPServer, fetcher: Fetcher, release: threading.Event
) -> None:
    def hang(request: Request) -> Response:
        release.wait(10)
        return Response(b"late")

    httpserver.expect_request("/hang").respond_with_handler(hang)
    httpserver.expect_request("/ok").respond_with_data(b"<rss>fine</rss>")
    stuck = asyncio.create_task(fetcher.fetch(httpserver.url_for("/hang")))
    others = await asyncio.wait_for(
        asyncio.gather(*(fetcher.fetch(httpserver.url_for("/ok")) for _ in range(8))), 5
    )
    assert all(isinstance(r, Fetched) and r.text == "<rss>fine</rss>" for r in others)
    assert not stuck.done()
    release.set()
    late = await asyncio.wait_for(stuck, 5)
    assert isinstance(late, Fetched) and late.text == "late"


async def test_304_and_redirects_keep_the_connection_alive() -> None:
    """werkzeug always closes connections, so a minimal keep-alive HTTP/1.1 server on 127.0.0.1 answers."""
    connections: list[asyncio.Event] = []  # one "handler finished" event per accepted connection
    answers = {
        b"/moved": b"HTTP/1.1 301 Moved\r\nLocation: /feed\r\nContent-Length: 9\r\n\r\nsee /feed",
        b"/feed": b'HTTP/1.1 304 Not Modified\r\nETag: "e"\r\n\r\n',
    }

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(finished := asyncio.Event())
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                writer.write(answers[head.split(b" ")[1]])
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up
        finally:
            writer.close()
            finished.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with make_client() as client:
            fetcher = Fetcher(client)
            for _ in range(3):
                assert await fetcher.fetch_if_changed(f"{url}/moved", Validators(etag='"e"')) == NotModified(
                    f"{url}/feed"
                )
        await asyncio.wait_for(asyncio.gather(*(c.wait() for c in connections)), 5)
    finally:
        server.close()
        await server.wait_closed()
    assert len(connections) == 1


async def test_the_tls_context_is_made_on_the_first_https_connection(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the CA bundle costs ≈ 45 ms: a client that fetched only http never made a TLS context;
    the first https connection makes one verifying context, and every later one shares it."""
    made: list[ssl.SSLContext] = []
    real = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    httpserver.expect_request("/plain").respond_with_data("plain", content_type="text/plain")
    client = make_client(timeout=5.0, connect_timeout=2.0)
    try:
        got = await Fetcher(client).fetch(httpserver.url_for("/plain"))
        assert got.body == b"plain" and made == []
        pool = client._transport._pool  # type: ignore[attr-defined]
        first = pool.create_connection(httpcore.Origin(b"https", b"example.org", 443))
        second = pool.create_connection(httpcore.Origin(b"https", b"example.net", 443))
        assert len(made) == 1
        assert first._ssl_context is second._ssl_context is made[0]
        assert made[0].verify_mode == ssl.CERT_REQUIRED and made[0].check_hostname
        assert made[0].cert_store_stats()["x509_ca"] > 0
    finally:
        await client.aclose()
