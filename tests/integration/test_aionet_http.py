"""bot.aionet (httpcore's backend on plain asyncio streams) against real sockets on 127.0.0.1: idle
connections the server closed, refused connections, timeouts, TLS with the host name verified, and the
client's cookie jar that keeps nothing (issue 12 item 1)."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpcore
import httpx
import pytest
from pytest_httpserver import HTTPServer

from bot import aionet, netguard
from bot.fetch import Fetcher, make_client
from bot.models import Fetched, FetchError
from tests.helpers import eventually

pytestmark = pytest.mark.integration

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def test_the_client_connects_through_the_asyncio_backend() -> None:
    backend = netguard.PinnedBackend()
    assert isinstance(backend._inner, aionet.AsyncioBackend)


@pytest.fixture
async def closing_server() -> AsyncIterator[tuple[str, list[asyncio.Event]]]:
    """Answers one request per connection, keep-alive, then closes the connection (an idle timeout)."""
    closed: list[asyncio.Event] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        closed.append(done := asyncio.Event())
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await writer.drain()
        finally:
            writer.close()
            done.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", closed
    server.close()
    await server.wait_closed()


async def test_an_idle_connection_the_server_closed_is_not_reused(
    closing_server: tuple[str, list[asyncio.Event]],
) -> None:
    url, closed = closing_server
    async with make_client() as client:
        fetcher = Fetcher(client)
        first = await fetcher.fetch(f"{url}/a")
        await asyncio.wait_for(closed[0].wait(), 5)
        second = await fetcher.fetch(f"{url}/b")  # a new connection, not an error on the closed one
    assert isinstance(first, Fetched) and isinstance(second, Fetched)
    assert (first.text, second.text, len(closed)) == ("ok", "ok", 2)


async def test_the_stream_says_readable_once_the_server_has_closed(
    closing_server: tuple[str, list[asyncio.Event]],
) -> None:
    url = closing_server[0]
    port = int(url.rsplit(":", 1)[1])
    stream = await aionet.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
    assert stream.get_extra_info("is_readable") is False
    await stream.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
    assert await stream.read(65536, timeout=5) == OK
    await eventually(lambda: stream.get_extra_info("is_readable"))
    assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
    await stream.aclose()


async def test_a_refused_connection_is_a_network_error() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with make_client() as client:
        with pytest.raises(FetchError) as info:
            await Fetcher(client).fetch(f"http://127.0.0.1:{port}/feed")
    assert info.value.kind == "network" and "ConnectError" in str(info.value)


async def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    accepted, finished = asyncio.Event(), asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await reader.read()  # until the client gives up
        writer.close()
        finished.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        stream = await aionet.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await accepted.wait()
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(100, timeout=0.05)
        await stream.aclose()
        await asyncio.wait_for(finished.wait(), 5)
    finally:
        server.close()
        await server.wait_closed()


async def test_no_cookie_is_kept_or_sent_back(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "<rss/>", headers={"Set-Cookie": "session=abc123; Path=/"}
    )
    async with make_client() as client:
        fetcher = Fetcher(client)
        await fetcher.fetch(httpserver.url_for("/feed"))
        await fetcher.fetch(httpserver.url_for("/feed"))
        assert len(client.cookies) == 0
    assert [request.headers.get("Cookie") for request, _ in httpserver.log] == [None, None]


# ───────────────────────────── TLS ─────────────────────────────


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for "localhost" (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subject = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *subject, *files],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
async def tls_port(certificate: tuple[Path, Path]) -> AsyncIterator[int]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(*certificate)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass  # a client that refused our certificate
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_context)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_tls_verifies_the_certificate_against_the_host_name(
    tls_port: int, certificate: tuple[Path, Path]
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    backend = aionet.AsyncioBackend()
    stream = await backend.connect_tcp("127.0.0.1", tls_port, timeout=5)
    tls = await stream.start_tls(trusting, server_hostname="localhost", timeout=5)
    assert tls.get_extra_info("ssl_object") is not None
    await tls.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=5)
    assert await tls.read(65536, timeout=5) == OK
    await tls.aclose()
    other = await backend.connect_tcp("127.0.0.1", tls_port, timeout=5)
    with pytest.raises(httpcore.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
        await other.start_tls(trusting, server_hostname="other.example", timeout=5)
    untrusted = await backend.connect_tcp("127.0.0.1", tls_port, timeout=5)
    with pytest.raises(httpcore.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await untrusted.start_tls(ssl.create_default_context(), server_hostname="localhost", timeout=5)


# ───────────────────────────── one pool per origin ─────────────────────────────


async def keepalive_server(closed: list[asyncio.Event]) -> asyncio.Server:
    """Answers every request on a connection (keep-alive) until the client closes it."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        closed.append(done := asyncio.Event())
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up
        finally:
            writer.close()
            done.set()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def test_each_origin_has_its_own_pool_and_stale_ones_are_closed() -> None:
    """Issue 12 item 1: httpcore's bookkeeping grows with the connections of a pool, so each origin has
    its own; a pool unused for keepalive_expiry (here 0 s) and holding no request is closed when the
    next request comes, so idle connections stay bounded as with one shared pool."""
    a_closed: list[asyncio.Event] = []
    b_closed: list[asyncio.Event] = []
    a, b = await keepalive_server(a_closed), await keepalive_server(b_closed)
    url_a = f"http://127.0.0.1:{a.sockets[0].getsockname()[1]}"
    url_b = f"http://127.0.0.1:{b.sockets[0].getsockname()[1]}"
    try:
        transport = netguard.guarded_transport(httpx.Limits(max_connections=8, keepalive_expiry=0.0))
        pools = transport._pool
        assert isinstance(pools, netguard._OriginPools)
        async with make_client(transport=transport) as client:
            fetcher = Fetcher(client)
            assert isinstance(await fetcher.fetch(f"{url_a}/1"), Fetched)
            assert len(pools._pools) == 1 and not a_closed[0].is_set()  # kept alive
            assert isinstance(await fetcher.fetch(f"{url_b}/1"), Fetched)
            await asyncio.wait_for(a_closed[0].wait(), 5)  # a's pool was stale: closed
            assert [key[2] for key in pools._pools] == [b.sockets[0].getsockname()[1]]
        await asyncio.wait_for(b_closed[0].wait(), 5)  # closing the client closes every pool
        assert pools._pools == {}
    finally:
        for server in (a, b):
            server.close()
            await server.wait_closed()


async def test_a_pool_reuses_its_connection_within_keepalive() -> None:
    closed: list[asyncio.Event] = []
    server = await keepalive_server(closed)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with make_client() as client:
            fetcher = Fetcher(client)
            for i in range(3):
                assert isinstance(await fetcher.fetch(f"{url}/{i}"), Fetched)
            assert len(closed) == 1  # one connection for the three requests
    finally:
        server.close()
        await server.wait_closed()


async def test_a_wait_for_a_pooled_connection_still_times_out_as_a_pool_timeout() -> None:
    """httpcore's wait for a free connection runs on asyncio (aionet.use_asyncio_primitives): its timeout
    is still httpx's PoolTimeout, and the connection serves the next request once it is free."""
    release, received = asyncio.Event(), asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                received.set()
                await release.wait()
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    transport = netguard.guarded_transport(httpx.Limits(max_connections=1))
    timeout = httpx.Timeout(5.0, pool=0.2)
    try:
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            first = asyncio.create_task(client.get(url))
            await asyncio.wait_for(received.wait(), 5)  # the first request holds the only connection
            with pytest.raises(httpx.PoolTimeout):
                await client.get(url)
            release.set()
            assert (await first).text == "ok"
            assert (await client.get(url)).text == "ok"
    finally:
        server.close()
        await server.wait_closed()
