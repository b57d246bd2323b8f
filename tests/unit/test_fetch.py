"""fetch.py without sockets: httpx.MockTransport for the status / exception / redirect matrix,
plus the pure helpers (decode_body, parse_retry_after, wait_floor)."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from bot.fetch import (
    ACCEPT_ENCODING,
    MAX_WAIT,
    USER_AGENT,
    Fetcher,
    decode_body,
    make_client,
    parse_retry_after,
    wait_floor,
)
from bot.models import Fetched, FetchError, NotModified, Validators

Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)
ARABIC = "بيان مشترك حول الانتهاكات في سوريا، وقعت عليه منظمات المجتمع المدني"


def fetcher_for(handler: Handler, **kw: Any) -> Fetcher:
    client = make_client(transport=httpx.MockTransport(handler))
    return Fetcher(client, **kw)


@pytest.fixture
async def closing() -> AsyncIterator[list[Fetcher]]:
    made: list[Fetcher] = []
    yield made
    for fetcher in made:
        await fetcher.client.aclose()


def ok(body: bytes = b"<rss/>", /, **headers: str) -> httpx.Response:
    """A 200 whose body is streamed as from a socket (Response(content=...) would arrive pre-read)."""
    headers = {"Content-Type": "application/rss+xml", "Content-Length": str(len(body)), **headers}
    return httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)


async def fetch_error(fetcher: Fetcher, url: str = "https://ex.org/feed") -> FetchError:
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url)
    return info.value


# ───────────────────────────── client ─────────────────────────────


async def test_make_client_is_polite_and_explicit() -> None:
    async with make_client(timeout=7.0, connect_timeout=3.0) as client:
        assert client.follow_redirects is False
        assert client.timeout.read == 7.0 and client.timeout.connect == 3.0
        assert client.headers["User-Agent"] == USER_AGENT
        assert client.headers["Accept-Encoding"] == "gzip, deflate"
        assert "br" not in ACCEPT_ENCODING


# ───────────────────────────── success and conditional GET ─────────────────────────────


async def test_200_gives_fetched_with_validators_and_sends_identity(closing: list[Fetcher]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(b"<rss>x</rss>", ETag='"v1"', **{"Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"})

    closing.append(f := fetcher_for(handler))
    got = await f.fetch("https://ex.org/feed")
    assert isinstance(got, Fetched)
    assert (got.url, got.status, got.body, got.text) == (
        "https://ex.org/feed",
        200,
        b"<rss>x</rss>",
        "<rss>x</rss>",
    )
    assert got.sha256 == hashlib.sha256(b"<rss>x</rss>").hexdigest()
    assert (got.etag, got.last_modified) == ('"v1"', "Wed, 01 Jan 2025 00:00:00 GMT")
    assert got.wait_floor is None
    assert seen[0].headers["User-Agent"] == USER_AGENT
    assert seen[0].headers["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in seen[0].headers


async def test_304_sends_validators_and_carries_wait_floor(closing: list[Fetcher]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304, headers={"Cache-Control": "public, max-age=600"})

    closing.append(f := fetcher_for(handler))
    got = await f.fetch_if_changed(
        "https://ex.org/feed", Validators(etag='"v1"', last_modified="Wed, 01 Jan 2025")
    )
    assert got == NotModified("https://ex.org/feed", wait_floor=600.0)
    assert seen[0].headers["If-None-Match"] == '"v1"'
    assert seen[0].headers["If-Modified-Since"] == "Wed, 01 Jan 2025"


async def test_200_with_same_sha_is_not_modified(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(lambda r: ok(b"same body")))
    sha = hashlib.sha256(b"same body").hexdigest()
    assert await f.fetch_if_changed("https://ex.org/feed", Validators(content_sha=sha)) == NotModified(
        "https://ex.org/feed"
    )
    other = await f.fetch_if_changed("https://ex.org/feed", Validators(content_sha="0" * 64))
    assert isinstance(other, Fetched)


async def test_empty_200_is_not_modified_only_with_validators(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(lambda r: ok(b"")))
    assert isinstance(await f.fetch_if_changed("https://ex.org/feed", Validators(etag='"e"')), NotModified)
    empty = await f.fetch("https://ex.org/feed")
    assert isinstance(empty, Fetched) and empty.body == b""


async def test_200_retry_after_and_max_age_give_the_larger_floor(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(lambda r: ok(**{"Retry-After": "900", "Cache-Control": "max-age=60"})))
    got = await f.fetch("https://ex.org/feed")
    assert isinstance(got, Fetched) and got.wait_floor == 900.0


async def test_fetch_keeps_the_raw_body(closing: list[Fetcher]) -> None:
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    closing.append(f := fetcher_for(lambda r: httpx.Response(200, content=pdf)))
    assert (await f.fetch("https://ex.org/a.pdf")).body == pdf


async def test_in_memory_responses_are_accepted_and_capped(closing: list[Fetcher]) -> None:
    body = gzip.compress(b"z" * 2000)
    handler = lambda r: httpx.Response(200, content=body, headers={"Content-Encoding": "gzip"})  # noqa: E731
    closing.append(f := fetcher_for(handler))
    got = await f.fetch("https://ex.org/feed")
    assert isinstance(got, Fetched) and got.body == b"z" * 2000
    closing.append(g := fetcher_for(handler, max_bytes=1000))
    assert (await fetch_error(g)).kind == "too_large"


# ───────────────────────────── status and exception matrix ─────────────────────────────


STATUSES = [(401, "blocked"), (403, "blocked"), (451, "blocked"), (400, "http"), (404, "http"), (410, "http")]
STATUSES += [(500, "http"), (502, "http"), (300, "http"), (302, "http")]  # 302 without Location: an error


@pytest.mark.parametrize(("status", "kind"), STATUSES)
async def test_status_matrix(closing: list[Fetcher], status: int, kind: str) -> None:
    closing.append(f := fetcher_for(lambda r: httpx.Response(status, text="nope")))
    error = await fetch_error(f)
    assert (error.kind, error.status, error.retry_after) == (kind, status, None)
    assert f"HTTP {status}" in str(error) and "https://ex.org/feed" in str(error)


async def test_anti_bot_challenge_is_blocked(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(lambda r: httpx.Response(503, headers={"cf-mitigated": "challenge"})))
    assert (await fetch_error(f)).kind == "blocked"


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [(429, "120", 120.0), (503, "7", 7.0), (429, "soon", None), (503, "-5", None), (429, "999999", MAX_WAIT)],
)
async def test_retry_after_on_errors(
    closing: list[Fetcher], status: int, header: str, expected: float
) -> None:
    closing.append(f := fetcher_for(lambda r: httpx.Response(status, headers={"Retry-After": header})))
    error = await fetch_error(f)
    assert (error.kind, error.status, error.retry_after) == ("http", status, expected)


async def test_retry_after_http_date(closing: list[Fetcher]) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    closing.append(f := fetcher_for(lambda r: httpx.Response(429, headers={"Retry-After": when})))
    error = await fetch_error(f)
    assert error.retry_after is not None and 290 <= error.retry_after <= 301


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), "network"),
        (httpx.RemoteProtocolError("server hung up"), "network"),
        (httpx.ReadError("reset"), "network"),
        (httpx.UnsupportedProtocol("nope"), "network"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.PoolTimeout("busy"), "timeout"),
    ],
)
async def test_transport_exceptions_are_wrapped_once(
    closing: list[Fetcher], exc: Exception, kind: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    closing.append(f := fetcher_for(handler))
    error = await fetch_error(f)
    assert error.kind == kind and error.status is None
    assert error.__cause__ is exc


@pytest.mark.parametrize("url", ["ftp://ex.org/x", "not a url", "http://[::1"])
async def test_bad_urls_are_config_errors(closing: list[Fetcher], url: str) -> None:
    closing.append(f := fetcher_for(lambda r: ok()))
    assert (await fetch_error(f, url)).kind == "config"


# ───────────────────────────── redirects ─────────────────────────────


def redirects(table: dict[str, tuple[int, str]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        hop = table.get(request.url.path)
        if hop is None:
            return ok(f"final {request.url.path}".encode())
        return httpx.Response(hop[0], headers={"Location": hop[1]})

    return handler


async def test_relative_and_absolute_redirects_are_followed(closing: list[Fetcher]) -> None:
    table = {"/a": (301, "/b"), "/b": (303, "https://other.org/c"), "/c": (308, "d")}
    closing.append(f := fetcher_for(redirects(table), resolver=public_dns))
    got = await f.fetch("https://ex.org/a")
    assert isinstance(got, Fetched) and (got.url, got.text) == ("https://other.org/d", "final /d")


async def public_dns(host: str, port: int) -> tuple[str, ...]:
    """Every name has one public address (another origin is followed only then; nothing connects)."""
    return ("203.0.114.7",)


async def test_redirect_loop_is_an_http_error(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(redirects({"/a": (302, "/b"), "/b": (307, "/a")})))
    error = await fetch_error(f, "https://ex.org/a")
    assert error.kind == "http" and "redirect loop" in str(error)


async def test_redirects_are_bounded(closing: list[Fetcher]) -> None:
    table = {f"/{i}": (302, f"/{i + 1}") for i in range(3)}
    closing.append(f := fetcher_for(redirects(table), max_redirects=2))
    error = await fetch_error(f, "https://ex.org/0")
    assert error.kind == "http" and "too many redirects" in str(error)
    closing.append(g := fetcher_for(redirects(table), max_redirects=3))
    assert isinstance(await g.fetch("https://ex.org/0"), Fetched)


async def test_redirect_to_another_scheme_is_refused(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(redirects({"/a": (301, "file:///etc/passwd")})))
    error = await fetch_error(f, "https://ex.org/a")
    assert (error.kind, error.status) == ("http", 301)


async def test_304_after_redirect_reports_final_url(closing: list[Fetcher]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        return httpx.Response(304)

    closing.append(f := fetcher_for(handler))
    assert await f.fetch_if_changed("https://ex.org/old", Validators(etag='"x"')) == NotModified(
        "https://ex.org/new"
    )


# ───────────────────────────── body decoding and caps ─────────────────────────────


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
        ("gzip", lambda b: gzip.compress(b[:10]) + gzip.compress(b[10:])),  # two gzip members
        ("identity", lambda b: b),
    ],
)
async def test_content_encodings(
    closing: list[Fetcher], encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    body = ARABIC.encode() * 50
    closing.append(f := fetcher_for(lambda r: ok(pack(body), **{"Content-Encoding": encoding})))
    got = await f.fetch("https://ex.org/feed")
    assert isinstance(got, Fetched) and got.body == body and got.sha256 == hashlib.sha256(body).hexdigest()


async def test_unknown_or_corrupt_encoding_is_an_error(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(lambda r: ok(b"\x00\x01", **{"Content-Encoding": "br"})))
    assert (await fetch_error(f)).kind == "http"
    closing.append(g := fetcher_for(lambda r: ok(b"\x1f\x8bnot gzip", **{"Content-Encoding": "gzip"})))
    error = await fetch_error(g)
    assert error.kind == "http" and "corrupt" in str(error)


async def test_gzip_bomb_is_too_large(closing: list[Fetcher]) -> None:
    bomb = gzip.compress(b"\0" * (8 * 2**20), 9)
    closing.append(f := fetcher_for(lambda r: ok(bomb, **{"Content-Encoding": "gzip"}), max_bytes=2**20))
    assert len(bomb) < 2**20
    assert (await fetch_error(f)).kind == "too_large"


async def test_oversized_bodies(closing: list[Fetcher]) -> None:
    closing.append(f := fetcher_for(lambda r: ok(b"x" * 1001), max_bytes=1000))
    assert (await fetch_error(f)).kind == "too_large"
    closing.append(g := fetcher_for(lambda r: ok(b"x" * 1000), max_bytes=1000))
    assert isinstance(await g.fetch("https://ex.org/feed"), Fetched)

    async def stream() -> AsyncIterator[bytes]:  # no Content-Length: the running count catches it
        for _ in range(20):
            yield b"y" * 100

    closing.append(h := fetcher_for(lambda r: httpx.Response(200, content=stream()), max_bytes=1000))
    assert (await fetch_error(h)).kind == "too_large"


# ───────────────────────────── concurrency and deadline ─────────────────────────────


async def test_total_deadline_turns_a_hang_into_timeout(closing: list[Fetcher]) -> None:
    never = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await never.wait()
        return ok()

    closing.append(f := fetcher_for(handler, total_timeout=0.2))
    error = await fetch_error(f)
    assert error.kind == "timeout" and "0.2 s" in str(error)


async def test_a_hanging_host_does_not_block_other_hosts(closing: list[Fetcher]) -> None:
    release = asyncio.Event()
    entered: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        entered.append(request.url.host)
        if request.url.host == "slow.org":
            await release.wait()
        return ok(request.url.host.encode())

    closing.append(f := fetcher_for(handler, per_host=1))
    slow = [asyncio.create_task(f.fetch("https://slow.org/feed")) for _ in range(2)]
    fast = await asyncio.wait_for(f.fetch("https://fast.org/feed"), 5)
    assert isinstance(fast, Fetched) and fast.text == "fast.org"
    assert entered.count("slow.org") == 1  # per_host=1: the second slow fetch is still queued
    release.set()
    assert all(isinstance(r, Fetched) for r in await asyncio.gather(*slow))
    assert entered.count("slow.org") == 2


async def test_global_limit_and_queue_time_is_not_deadline(closing: list[Fetcher]) -> None:
    gate = asyncio.Event()
    running = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await gate.wait()
        running -= 1
        return ok()

    closing.append(f := fetcher_for(handler, per_host=10, total=2, total_timeout=5.0))
    tasks = [asyncio.create_task(f.fetch(f"https://h{i}.org/")) for i in range(5)]
    await asyncio.wait_for(_until(lambda: running == 2), 5)
    gate.set()
    assert all(isinstance(r, Fetched) for r in await asyncio.gather(*tasks))
    assert peak == 2


async def _until(check: Callable[[], bool]) -> None:
    while not check():
        await asyncio.sleep(0.005)


# ───────────────────────────── pure helpers ─────────────────────────────


def test_decode_text_declarations() -> None:
    cp = f"<html><body>{ARABIC}</body></html>".encode("cp1256")
    assert decode_body(cp, "text/html; charset=windows-1256") == (cp.decode("cp1256"), "windows-1256")
    meta = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">' + cp
    assert decode_body(meta, "text/html")[1] == "windows-1256"
    xml = b'<?xml version="1.0" encoding="windows-1256"?><rss>' + ARABIC.encode("cp1256") + b"</rss>"
    assert decode_body(xml, "application/xml") == (xml.decode("cp1256"), "windows-1256")
    assert decode_body(b"\xef\xbb\xbf" + ARABIC.encode(), "text/html; charset=windows-1256") == (
        ARABIC,
        "utf-8",
    )
    assert decode_body(b"\xff\xfe" + "سوريا".encode("utf-16-le")) == ("سوريا", "utf-16-le")


def test_decode_text_sniffing() -> None:
    assert decode_body(ARABIC.encode(), "text/html") == (ARABIC, "utf-8")
    assert decode_body(ARABIC.encode("cp1256"), "text/html") == (ARABIC, "windows-1256")
    assert decode_body("Déclaration commune à Genève".encode("latin-1")) == (
        "Déclaration commune à Genève",
        "iso-8859-1",
    )
    assert decode_body("Mädchen Straße".encode("latin-1"))[1] == "iso-8859-1"
    broken = ARABIC.encode() * 20 + b"\xd8" + ARABIC.encode()  # one cut character in a utf-8 page
    text, encoding = decode_body(broken, "text/html; charset=utf-8")
    assert encoding == "utf-8" and text.count("\ufffd") == 1


def test_decode_text_ignores_wrong_or_dangerous_labels() -> None:
    utf8 = ARABIC.encode()
    assert decode_body(utf8, "text/html; charset=utf-8")[1] == "utf-8"
    assert decode_body(utf8, "text/html; charset=us-ascii") == (ARABIC, "utf-8")  # declared, doesn't decode
    assert decode_body(b'<meta charset="base64">' + utf8)[1] == "utf-8"
    assert decode_body(b'<meta charset="no-such-charset">' + utf8)[1] == "utf-8"
    assert decode_body(b'<meta charset="utf-16">hello')[1] == "utf-8"
    assert decode_body(b"%PDF-1.4 \xe2\xe3", "application/pdf")[1] == "iso-8859-1"


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 1.5 ", now) == 1.5
    assert parse_retry_after("Thu, 01 Jan 2026 00:02:00 GMT", now) == 120.0
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == 0.0
    for bad in (None, "", "soon", "-1", "Thu, 99 Foo 2026"):
        assert parse_retry_after(bad, now) is None


def test_wait_floor_from_cache_headers() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()

    def floor(**headers: str) -> float | None:
        return wait_floor(httpx.Headers({k.replace("_", "-"): v for k, v in headers.items()}), now)

    assert floor() is None
    assert floor(cache_control="max-age=300") == 300.0
    assert floor(cache_control="max-age=300", age="100") == 200.0
    assert floor(cache_control="s-maxage=300") is None
    assert floor(cache_control="no-cache, max-age=300") is None
    assert floor(cache_control="max-age=9999999") == MAX_WAIT
    assert floor(expires="Thu, 01 Jan 2026 01:00:00 GMT") == 3600.0
    assert floor(expires="Thu, 01 Jan 2026 01:00:00 GMT", date="Thu, 01 Jan 2026 00:30:00 GMT") == 1800.0
    assert floor(expires="0") is None
    assert floor(expires="Thu, 01 Jan 2026 01:00:00 GMT", cache_control="max-age=60") == 60.0
