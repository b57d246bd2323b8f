"""Shared test helpers: the no-internet guard, eventually(), fixture paths, the Hypothesis profile.

Every test may only open sockets to loopback addresses and may resolve no name but localhost (an IP
literal needs no DNS); anything else fails at once.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# no per-example deadline: speed is measured in bench/, and a loaded machine made examples "flaky"
settings.register_profile("bayan", deadline=None)
settings.load_profile("bayan")

FIXTURES = Path(__file__).parent / "fixtures"
_LOOPBACK = ("127.", "::1", "localhost")


def _needs_no_dns(host: Any) -> bool:
    """None, localhost or an address in any numeric form getaddrinfo parses without asking DNS."""
    if host is None or (isinstance(host, bytes | str) and (host in ("", "localhost", b"", b"localhost"))):
        return True
    text = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host.startswith(_LOOPBACK) or host == "::ffff:127.0.0.1"
    return True  # unix sockets and the like


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any connection to a non-loopback address (PTB's OfflineRequest idea)."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the internet: {address!r}")
        return real_connect(self, address)

    def guarded_ex(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the internet: {address!r}")
        return real_connect_ex(self, address)

    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _needs_no_dns(host):
            raise RuntimeError(f"test tried to resolve a name through DNS: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[Any]:
    """pytest-httpserver's server, threaded: one blocked handler (a hanging source) blocks nothing else."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns about int retry_after unless opted in; pytest turns warnings into errors."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake() -> AsyncIterator[Any]:
    """Our fake Telegram Bot API on 127.0.0.1 (tests/fakes), started and stopped around a test."""
    from tests.fakes import FakeBotAPI

    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
def db() -> Iterator[Any]:
    """A fresh real SQLite database in memory, migrated (test files that need seed data extend it)."""
    from bot import storage

    conn = storage.open_db(":memory:")
    yield conn
    conn.close()
