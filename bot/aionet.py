"""httpcore's network backend on plain asyncio streams: the sockets under Bayan's HTTP client.

Owns ``AsyncioBackend`` and its stream. httpcore's own backend for asyncio goes through anyio (a cancel
scope per read and write, a ``poll`` of the socket each time an idle pooled connection is checked);
this one is asyncio's ``open_connection`` with ``asyncio.timeout``, and an idle connection counts as
readable (closed by the server) when its stream saw the end or the transport is closing: asyncio reads
every socket as data arrives, so nothing has to be polled (docs/libraries.md, httpx / httpcore).

``use_asyncio_primitives`` makes httpcore's own locks, events and shielded closes
(``httpcore._synchronization``) asyncio's too: httpcore builds them on anyio, whose asyncio half
(``anyio._backends._asyncio``) costs ≈ 25 ms to import, paid by every ``bayan poll --once``, and a cancel
scope per wait for a pooled connection.

Errors leave as httpcore's: ConnectError / ConnectTimeout when connecting or starting TLS, ReadError /
ReadTimeout, WriteError / WriteTimeout; httpx maps them to its own. ``bot.netguard.PinnedBackend``
wraps it (the link rule's addresses); this module never resolves a name the caller did not give it.

Must not: speak HTTP (httpcore does), decide where to connect (bot.netguard), or import bot modules.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
from httpcore import _synchronization as _sync


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as httpcore sees it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as e:
            raise httpcore.ReadTimeout(f"no data within {timeout} s") from e
        except OSError as e:
            raise httpcore.ReadError(str(e) or type(e).__name__) from e

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as e:
            raise httpcore.WriteTimeout(f"could not send within {timeout} s") from e
        except (OSError, RuntimeError) as e:  # RuntimeError: the transport is closed already
            raise httpcore.WriteError(str(e) or type(e).__name__) from e

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        """TLS on this connection; the certificate is verified against ``server_hostname``."""
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as e:
            self._writer.close()
            raise httpcore.ConnectTimeout(f"no TLS handshake within {timeout} s") from e
        except (OSError, ssl.SSLError) as e:
            self._writer.close()
            raise httpcore.ConnectError(str(e) or type(e).__name__) from e
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of idle pooled connections: True = closed by the server
            return self._reader.at_eof() or self._writer.transport.is_closing()
        if info in ("ssl_object", "socket"):
            return self._writer.get_extra_info(info)
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connects with asyncio's ``open_connection`` to exactly the host it is given (a name or an address)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} within {timeout} s") from e
        except OSError as e:
            raise httpcore.ConnectError(str(e) or type(e).__name__) from e
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout(f"no connection to {path} within {timeout} s") from e
        except OSError as e:
            raise httpcore.ConnectError(str(e) or type(e).__name__) from e
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# ───────────────────────────── httpcore's synchronisation on asyncio ─────────────────────────────


def use_asyncio_primitives() -> None:
    """Make httpcore's async primitives asyncio's own, for every pool of the process (idempotent).

    httpcore 1.0 (``httpcore._synchronization``) picks trio or anyio when a primitive is first used; under
    asyncio, anyio's lock, event and semaphore, a ``fail_after`` scope around each wait for a pooled
    connection, and a shielded cancel scope around closing a connection after an error. Here: the same
    objects made of ``asyncio.Lock`` / ``Event`` / ``BoundedSemaphore`` (the same ``acquire``, ``release``,
    ``set`` and ``wait``), the wait bounded by ``asyncio.timeout`` (PoolTimeout when it expires, as
    before), and no shield: an anyio scope shields only from anyio's own cancellation, and Bayan cancels
    with asyncio (``asyncio.timeout``, task cancellation), which went through anyio's shield anyway.
    Bayan runs only on asyncio, never on trio.
    """
    setattr(_sync.AsyncLock, "setup", _lock_setup)  # noqa: B010 (httpcore's class, patched on purpose)
    setattr(_sync.AsyncEvent, "setup", _event_setup)  # noqa: B010
    setattr(_sync.AsyncEvent, "wait", _event_wait)  # noqa: B010
    setattr(_sync.AsyncSemaphore, "setup", _semaphore_setup)  # noqa: B010
    setattr(_sync.AsyncShieldCancellation, "__init__", _no_shield)  # noqa: B010


def _lock_setup(self: Any) -> None:
    self._backend = "asyncio"
    self._anyio_lock = asyncio.Lock()


def _event_setup(self: Any) -> None:
    self._backend = "asyncio"
    self._anyio_event = asyncio.Event()


async def _event_wait(self: Any, timeout: float | None = None) -> None:
    if not self._backend:
        self.setup()
    try:
        async with asyncio.timeout(timeout):
            await self._anyio_event.wait()
    except TimeoutError as e:
        raise httpcore.PoolTimeout(f"no connection from the pool within {timeout} s") from e


def _semaphore_setup(self: Any) -> None:
    self._backend = "asyncio"
    self._anyio_semaphore = asyncio.BoundedSemaphore(self._bound)


def _no_shield(self: Any) -> None:
    self._backend = "asyncio-unshielded"  # neither "trio" nor "asyncio": enter and exit do nothing
