"""Which addresses a fetch may connect to: the link rule that keeps link following from being an SSRF.

Owns the rule. A URL on one of the fetch's own origins (scheme, host and port of the source's ``url``,
``fallback_urls`` and ``html_fallback``: ``LinkPolicy.origins``) is followed as configured. A URL on any
other origin (a feed item's link, a "full text" or PDF link, a redirect) is followed only when every
address its host resolves to is public. Not public (``refusal``): loopback, private (RFC 1918,
fc00::/7), link-local (169.254/16 with the cloud metadata address, fe80::/10), multicast, unspecified,
broadcast, shared (100.64/10), benchmarking, documentation, reserved and the other special-purpose
ranges, IPv4 and IPv6, and IPv6 addresses that carry such an IPv4 address (IPv4-mapped ::ffff:0:0/96,
NAT64 64:ff9b::/96, 6to4 2002::/16). ``LinkPolicy.allow_private`` (defaults.allow_private_addresses,
an intranet deployment) lifts the rule.

DNS rebinding: ``admit`` resolves a host once per request hop and checks every answer; ``pinned`` hands
those very addresses to ``PinnedBackend``, the network backend of the transport ``guarded_transport``
builds, which connects to them by address and never asks DNS again, so a second, different answer is
never used (any other connection while a hop is pinned is refused: it fails closed). Fetcher admits
every hop, redirects included, before the request is sent. A connection already pooled for the same
origin is reused without connecting: it was opened to an address checked then, or for one of a
source's own origins. The transport ignores HTTP(S)_PROXY variables (a proxy would resolve names
itself, out of reach of the check); docs/libraries.md (httpx / httpcore) has the details.

Must not: speak HTTP itself (bot.fetch does), parse pages, or import bot modules other than bot.models
and bot.aionet (the sockets).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

from bot.aionet import AsyncioBackend, use_asyncio_primitives
from bot.models import LinkPolicy, Origin, Source

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]  # (host, port) -> addresses, raises OSError
Pin = tuple[str, int, tuple[str, ...]]  # host, port and the checked addresses to connect to

DEFAULT_PORTS = {"http": 80, "https": 443}
_V4 = tuple(
    (ipaddress.IPv4Network(net), label)
    for net, label in (  # first match wins: narrower ranges first
        ("0.0.0.0/32", "unspecified address"),
        ("0.0.0.0/8", "this-network address"),
        ("10.0.0.0/8", "private address"),
        ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
        ("127.0.0.0/8", "loopback address"),
        ("169.254.169.254/32", "link-local address (cloud metadata)"),
        ("169.254.0.0/16", "link-local address"),
        ("172.16.0.0/12", "private address"),
        ("192.0.0.0/24", "reserved address (IETF protocol assignments)"),
        ("192.0.2.0/24", "documentation address"),
        ("192.88.99.0/24", "reserved address (6to4 relay anycast)"),
        ("192.168.0.0/16", "private address"),
        ("198.18.0.0/15", "benchmarking address"),
        ("198.51.100.0/24", "documentation address"),
        ("203.0.113.0/24", "documentation address"),
        ("224.0.0.0/4", "multicast address"),
        ("255.255.255.255/32", "broadcast address"),
        ("240.0.0.0/4", "reserved address"),
    )
)
_V6 = tuple(
    (ipaddress.IPv6Network(net), label)
    for net, label in (
        ("::/128", "unspecified address"),
        ("::1/128", "loopback address"),
        ("64:ff9b:1::/48", "local-use NAT64 address"),
        ("100::/64", "discard-only address"),
        ("2001:db8::/32", "documentation address"),
        ("2001::/23", "reserved address (IETF protocol assignments, Teredo)"),
        ("3fff::/20", "documentation address"),
        ("fc00::/7", "private address (unique local)"),
        ("fe80::/10", "link-local address"),
        ("fec0::/10", "site-local address"),
        ("ff00::/8", "multicast address"),
        ("::/8", "reserved address"),  # IPv4-compatible ::a.b.c.d among them
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_PIN: ContextVar[Pin | None] = ContextVar("bayan_netguard_pin", default=None)


class Refused(Exception):
    """A link the rule does not follow; the message is the one line a source records."""


# ───────────────────────────── addresses ─────────────────────────────


def refusal(address: str | IPAddress) -> str | None:
    """Why ``address`` is not public ("loopback address", …), or None when it is a public address."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv4Address):
        return _first_label(ip, _V4) or _python_says(ip)
    inner = embedded_ipv4(ip)
    if inner is not None:  # the packets go to the IPv4 address inside
        why = refusal(inner)
        return f"{why} ({inner} inside {ip})" if why else None
    return _first_label(ip, _V6) or _python_says(ip)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address delivers to: IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def _first_label(
    ip: IPAddress, table: Iterable[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]
) -> str | None:
    return next((label for net, label in table if ip in net), None)


def _python_says(ip: IPAddress) -> str | None:
    """The stdlib's registry view for whatever the tables above do not name."""
    if ip.is_reserved:
        return "reserved address"
    return None if ip.is_global else "non-public address"


# ───────────────────────────── origins and policies ─────────────────────────────


def origin_of(url: httpx.URL) -> Origin:
    """(scheme, host, port) of a parsed URL, as the connection pool compares them."""
    port = url.port or DEFAULT_PORTS.get(url.scheme, 0)
    return url.scheme, url.raw_host.decode("ascii").lower(), port


def link_policy(urls: Iterable[str], *, allow_private: bool = False) -> LinkPolicy:
    """The policy whose own origins are those of ``urls`` (unparsable ones are skipped)."""
    origins = set()
    for url in urls:
        try:
            origins.add(origin_of(httpx.URL(url)))
        except httpx.InvalidURL:
            continue
    return LinkPolicy(frozenset(origins), allow_private=allow_private)


def source_policy(source: Source) -> LinkPolicy:
    """A source's policy: its url, fallback_urls and html_fallback are its own origins (parsed once per
    set of URLs: every fetch of a poll asks for it)."""
    return _own_policy(source.own_urls, source.allow_private_addresses)


@functools.lru_cache(maxsize=8192)
def _own_policy(urls: tuple[str, ...], allow_private: bool) -> LinkPolicy:
    return link_policy(urls, allow_private=allow_private)


def trusts(policy: LinkPolicy, url: str | httpx.URL) -> bool:
    """Is ``url`` on one of the policy's own origins?"""
    return origin_of(httpx.URL(url)) in policy.origins


# ───────────────────────────── one hop ─────────────────────────────


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Every address ``host`` resolves to (the event loop's getaddrinfo); raises OSError."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


async def admit(origin: Origin, resolver: Resolver) -> Pin:
    """Resolve the host of a foreign ``origin`` once and check every address; the pin to connect to.

    Raises Refused (one line: where, which address, why) or OSError when the name does not resolve.
    """
    _, host, port = origin
    literal = _literal(host)
    addresses = (host,) if literal else tuple(await resolver(host, port))
    if not addresses:
        raise OSError(f"no address for {host}")
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    for address in addresses:
        why = refusal(address)
        if why is not None:
            what = why if literal else f"resolves to {address}, a {why}"
            raise Refused(f"refused link to {where}: {what} (not the source's origin)")
    return host, port, addresses


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@contextmanager
def pinned(pin: Pin | None) -> Iterator[None]:
    """While inside, a connection to the pin's host and port goes to its checked addresses only."""
    token = _PIN.set(pin)
    try:
        yield
    finally:
        _PIN.reset(token)


# ───────────────────────────── the transport ─────────────────────────────


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting a pinned host to its checked addresses (see ``pinned``);
    the sockets are ``inner``'s (default: plain asyncio, ``bot.aionet``)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        pin = _PIN.get()
        targets: tuple[str, ...] = (host,)
        if pin is not None:  # a checked hop: its addresses, and no other connection (fail closed)
            if pin[:2] != (host.lower(), port):
                raise httpcore.ConnectError(f"connection to {host}:{port} outside the checked hop")
            targets = pin[2]
        error: Exception = httpcore.ConnectError(f"no address to connect to for {host}")
        for target in targets:  # in the resolver's order, as getaddrinfo ranks them
            try:
                return await self._inner.connect_tcp(
                    target, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                error = e
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout=timeout, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _OriginPools:
    """httpcore's connection pool, one per origin (scheme, host, port), with one TLS context for all.

    httpcore's pool does bookkeeping over all its connections each time a request starts or ends (and
    counts its idle ones once per idle one: quadratic); with every host in one pool of 32 that was the
    largest CPU cost of a 304 (``bench/poll_cycle.py``). Fetcher's per-host limit keeps each pool at a
    few connections. A pool unused for ``keepalive_expiry`` with no request in it is closed when another
    request comes, so idle connections stay bounded as with one pool. The TLS context (≈ 45 ms of CPU
    to load the CA bundle) is made on the first https origin and shared by every pool.
    """

    def __init__(self, limits: httpx.Limits, backend: httpcore.AsyncNetworkBackend) -> None:
        self._limits = limits
        self._backend = backend
        self._ssl_context: ssl.SSLContext | None = None
        self._pools: dict[tuple[bytes, bytes, int | None], tuple[httpcore.AsyncConnectionPool, float]] = {}

    def _pool(self, scheme: bytes, host: bytes, port: int | None) -> httpcore.AsyncConnectionPool:
        """The origin's pool, marked as used now (the dict stays in order of last use)."""
        now = time.monotonic()
        key = (scheme, host, port)
        found = self._pools.pop(key, None)
        if found is None:
            if scheme == b"https" and self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()  # httpx's defaults: certifi, SSL_CERT_FILE/DIR
            pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl_context,
                max_connections=self._limits.max_connections,
                max_keepalive_connections=self._limits.max_keepalive_connections,
                keepalive_expiry=self._limits.keepalive_expiry,
                http1=True,
                http2=False,
                network_backend=self._backend,
            )
        else:
            pool = found[0]
        self._pools[key] = (pool, now)
        return pool

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        """A connection to ``origin`` from its pool (not used by requests, which go through the pool)."""
        return self._pool(origin.scheme, origin.host, origin.port).create_connection(origin)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        await self._close_stale()
        url = request.url
        return await self._pool(url.scheme, url.host, url.port).handle_async_request(request)

    async def _close_stale(self) -> None:
        """Close the pools unused for keepalive_expiry that hold no request (oldest first)."""
        expiry = self._limits.keepalive_expiry
        if expiry is None:
            return
        cutoff = time.monotonic() - expiry
        for key, (pool, used) in list(self._pools.items()):
            if used > cutoff:
                break
            if pool._requests:  # httpcore 1.0: the requests waiting for or holding a connection
                continue
            del self._pools[key]
            await pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools = [p for p, _ in self._pools.values()], {}
        for pool in pools:
            await pool.aclose()

    async def __aenter__(self) -> _OriginPools:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def guarded_transport(
    limits: httpx.Limits, backend: httpcore.AsyncNetworkBackend | None = None
) -> httpx.AsyncHTTPTransport:
    """httpx's HTTP/1.1 transport whose connection pools (one per origin, ``_OriginPools``) connect through
    PinnedBackend(``backend``) and make their TLS context on the first https connection.

    httpx.AsyncHTTPTransport takes no network backend, so its pool is replaced by an equal one that has
    it (httpx 0.27 and 0.28 keep the pool in ``_pool``; tests/integration/test_link_guard_http.py fails
    if a pinned connection stops reaching its address). The transport is built with a bare context (no
    CA loaded, never used: its pool is the one replaced) so that building it costs nothing.
    """
    use_asyncio_primitives()
    transport = httpx.AsyncHTTPTransport(
        verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), limits=limits, http2=False
    )
    transport._pool = _OriginPools(limits, PinnedBackend(backend))  # type: ignore[assignment]
    return transport
