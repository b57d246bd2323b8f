"""HTTP fetching: the only module of Bayan that speaks HTTP.

Owns the shared httpx client settings (``make_client``) and ``Fetcher``: conditional GET, redirects
followed by hand (bounded, loop-checked), per-host and global concurrency limits, a total deadline per
fetch, size caps enforced while streaming (gzip/deflate inflated here in bounded steps, so a gzip bomb
never grows past the cap) and the server's wait hints (Retry-After, Cache-Control max-age, Expires).
Charset detection (``decode_body``) is ``bot.charset``'s, re-exported here. Every network problem leaves
as ``FetchError``.

Link rule (``bot.netguard``): every request hop, the first and each redirect, is admitted against the
fetch's ``LinkPolicy`` before it is sent: a hop off the policy's own origins goes out only when every
address of its host is public, and then to those checked addresses (``FetchError`` kind ``refused``
otherwise). A fetch without a policy has the origin of its URL as its only own origin.

Must not: parse feeds or pages, touch SQLite, decide backoff policy (it only reports the server's
hints), or import any ``bot`` module other than ``bot.models``, ``bot.charset`` and ``bot.netguard``.

CPU note (docs/libraries.md, httpx): httpcore's pool bookkeeping grows with the connections in one
pool, so the pool stays moderate (32) and concurrency is bounded per host. The hot path (a 304)
allocates little: default headers and the Timeout live on the client, a request without validators sends
``headers=None``, and a 304 or redirect reads no body and decodes no text.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import zlib
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

import httpx

from bot import netguard
from bot.charset import SNIFF_BYTES as SNIFF_BYTES  # re-exported
from bot.charset import decode_body
from bot.models import Fetched, FetchError, LinkPolicy, NotModified, Validators
from bot.netguard import link_policy as link_policy  # re-exported
from bot.netguard import source_policy as source_policy  # re-exported

USER_AGENT = "bayan/0.1 (statement tracker for Syrian civil society; defaults.user_agent adds a contact)"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.9, */*;q=0.5"
ACCEPT_ENCODING = "gzip, deflate"  # only what _Inflater decodes: never advertise br or zstd
MAX_WAIT = 24 * 3600.0  # cap of every server wait hint, seconds
REDIRECTS = frozenset({301, 302, 303, 307, 308})
BLOCKED = frozenset({401, 403, 451})
PER_HOST = 4  # connections to one host at a time unless feeds.yaml says otherwise (defaults.per_host)
DRAIN_BYTES = 65536  # non-2xx bodies up to this size are read to keep the connection alive

_MAX_AGE = re.compile(r"""(?:^|[,\s])max-age\s*=\s*"?(\d+)""", re.I)
_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def make_client(
    *,
    user_agent: str = USER_AGENT,
    timeout: float = 20.0,
    connect_timeout: float = 10.0,
    max_connections: int = 32,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The shared client for sources: honest User-Agent, explicit timeouts, no auto-redirects, HTTP/1.1,
    no cookie jar (``PollClient``), connecting through the link guard's transport
    (``netguard.guarded_transport``) unless given another.

    Waiting for a pooled connection has no timeout of its own: Fetcher's total deadline bounds it.
    """
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return PollClient(
        headers={"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(timeout, connect=connect_timeout, pool=None),
        limits=limits,
        follow_redirects=False,
        http2=False,
        transport=transport or netguard.guarded_transport(limits),
    )


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: Set-Cookie is ignored, no request carries a Cookie header."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        return None


class PollClient(httpx.AsyncClient):
    """httpx's client without a cookie jar. Polling needs no session, a site's cookies should not
    follow us from poll to poll, and reading Set-Cookie through the stdlib's cookie jar is a good part of
    the client's CPU per request (``bench/poll_cycle.py``). httpx reads ``self.cookies`` for every
    request and response, so the property answers a jar that stays empty."""

    _no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: httpx._types.CookieTypes) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _Hop:
    """What every request hop of one fetch shares."""

    headers: dict[str, str] | None
    deadline: asyncio.Timeout
    policy: LinkPolicy


@dataclass(frozen=True, slots=True)
class _Body:
    """A 2xx answer read in full (still undecoded text)."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    wait_floor: float | None


class Fetcher:
    """Fetches URLs politely and safely; see the module docstring. One per process, sharing one client."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        per_host: int = PER_HOST,
        total: int = 64,
        max_bytes: int = 10 * 2**20,
        max_redirects: int = 5,
        total_timeout: float = 60.0,
        resolver: netguard.Resolver = netguard.system_resolver,
    ) -> None:
        self._client = client
        self._resolver = resolver
        self._per_host = per_host
        self._hosts: dict[bytes, asyncio.Semaphore] = {}
        self._total = asyncio.Semaphore(total)
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._total_timeout = total_timeout

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared client (its owner closes it)."""
        return self._client

    @property
    def per_host(self) -> int:
        """Requests in flight to one host at most (the scheduler gives each host as many lanes)."""
        return self._per_host

    async def fetch(self, url: str, policy: LinkPolicy | None = None) -> Fetched:
        """GET ``url`` unconditionally (an item's page, a full text, a fallback). Raises FetchError only.

        ``policy``: where its hops may go (a source's: ``source_policy``); None = the URL's own origin.
        """
        answer = await self._run(url, None, policy)
        if isinstance(answer, NotModified):  # a 304 to a request that carried no validators
            raise FetchError(url, "HTTP 304 to an unconditional request", kind="http", status=304)
        return _fetched(answer, hashlib.sha256(answer.body).hexdigest())

    async def fetch_if_changed(
        self, url: str, validators: Validators, policy: LinkPolicy | None = None
    ) -> Fetched | NotModified:
        """GET ``url`` with the validators of the last poll. Raises FetchError, nothing else.

        NotModified for a 304, for a 200 whose sha256 equals ``validators.content_sha``, and for an empty
        200 when the validators carry anything (a server that answers so has nothing new).
        """
        answer = await self._run(url, validators, policy)
        if isinstance(answer, NotModified):
            return answer
        sha = hashlib.sha256(answer.body).hexdigest()
        if _unchanged(answer.body, sha, validators):
            return NotModified(answer.url, answer.wait_floor)
        return _fetched(answer, sha)

    async def _run(
        self, url: str, validators: Validators | None, policy: LinkPolicy | None
    ) -> _Body | NotModified:
        """Queue for a global slot, then follow redirects under the total deadline."""
        headers = _conditional_headers(validators)
        deadline = asyncio.timeout(None)  # armed once the first host slot is ours (queueing is free)
        hop = _Hop(headers, deadline, policy if policy is not None else link_policy([url]))
        try:
            async with self._total, deadline:
                return await self._follow(url, hop)
        except TimeoutError as e:  # ours when the deadline expired; any other one is a timeout as well
            limit = f"{self._total_timeout:g} s"
            why = f"no complete answer within {limit}" if deadline.expired() else "timed out"
            raise FetchError(url, why, kind="timeout") from e

    async def _follow(self, url: str, hop: _Hop) -> _Body | NotModified:
        seen = {url}
        target = url
        for _ in range(self._max_redirects + 1):
            answer = await self._hop(target, hop)
            if not isinstance(answer, str):
                return answer
            if answer in seen:
                raise FetchError(url, f"redirect loop: {target} → {answer}", kind="http")
            seen.add(answer)
            target = answer
        raise FetchError(url, f"too many redirects (more than {self._max_redirects})", kind="http")

    async def _hop(self, url: str, hop: _Hop) -> _Body | NotModified | str:
        """One request, admitted by the link rule first; a str answer is the URL a redirect points to."""
        request_url = _parse_url(url)
        async with self._host_slot(request_url):
            if hop.deadline.when() is None:
                hop.deadline.reschedule(asyncio.get_running_loop().time() + self._total_timeout)
            pin = await self._admit(url, request_url, hop.policy)
            try:
                with netguard.pinned(pin):
                    async with self._client.stream("GET", request_url, headers=hop.headers) as response:
                        return await self._answer(url, response)
            except httpx.TimeoutException as e:
                raise FetchError(url, f"timed out ({type(e).__name__})", kind="timeout") from e
            except httpx.HTTPError as e:
                raise FetchError(url, f"network error: {type(e).__name__}: {e}", kind="network") from e

    async def _admit(self, url: str, target: httpx.URL, policy: LinkPolicy) -> netguard.Pin | None:
        """None when the hop needs no check (an own origin, or the rule lifted), else its checked pin."""
        origin = netguard.origin_of(target)
        if policy.allow_private or origin in policy.origins:
            return None
        try:
            return await netguard.admit(origin, self._resolver)
        except netguard.Refused as e:
            raise FetchError(url, str(e), kind="refused") from None
        except OSError as e:
            raise FetchError(url, f"cannot resolve {origin[1]}: {e}", kind="network") from e

    def _host_slot(self, url: httpx.URL) -> asyncio.Semaphore:
        key = url.netloc
        slot = self._hosts.get(key)
        if slot is None:
            slot = self._hosts[key] = asyncio.Semaphore(self._per_host)
        return slot

    async def _answer(self, url: str, response: httpx.Response) -> _Body | NotModified | str:
        status = response.status_code
        if 200 <= status < 300:
            body = await self._read_body(url, response)
            return _Body(url, status, response.headers, body, wait_floor(response.headers))
        await _drain(response)
        if status in REDIRECTS and "location" in response.headers:
            return _redirect_target(url, response)
        if status == 304:
            return NotModified(url, wait_floor(response.headers))
        raise _status_error(url, response)

    async def _read_body(self, url: str, response: httpx.Response) -> bytes:
        """Stream the raw body, capping both the wire size and the decoded size at max_bytes."""
        if response.is_stream_consumed:  # built in memory (httpx.MockTransport): read and decoded already
            if len(response.content) > self._max_bytes:
                raise _too_large(url, self._max_bytes, "decoded")
            return response.content
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self._max_bytes:
            raise _too_large(url, self._max_bytes, f"Content-Length {length}")
        inflater = _Inflater(url, response.headers.get("content-encoding", ""), self._max_bytes)
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > self._max_bytes:
                raise _too_large(url, self._max_bytes, "on the wire")
            inflater.feed(chunk)
        return inflater.finish()


class _Inflater:
    """Decodes Content-Encoding (gzip, deflate, identity) holding at most limit + 1 decoded bytes."""

    def __init__(self, url: str, content_encoding: str, limit: int) -> None:
        codings = [
            c for c in (p.strip().lower() for p in content_encoding.split(",")) if c not in ("", "identity")
        ]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(url, f"unsupported Content-Encoding {content_encoding!r}", kind="http")
        self._url = url
        self._limit = limit
        self._compressed = bool(codings)
        self._zlib: zlib._Decompress | None = None
        self._parts: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        if not self._compressed:
            self._keep(chunk)
            return
        try:
            if self._zlib is None:
                self._zlib = zlib.decompressobj(_wbits(chunk))
            data = chunk
            while data:
                self._keep(self._zlib.decompress(data, self._limit + 1 - self._size))
                data = self._zlib.unconsumed_tail
                if not data and self._zlib.eof and self._zlib.unused_data[:2] == b"\x1f\x8b":
                    data = self._zlib.unused_data  # another gzip member follows
                    self._zlib = zlib.decompressobj(_wbits(data))
        except zlib.error as e:
            raise FetchError(self._url, f"corrupt compressed body: {e}", kind="http") from e

    def finish(self) -> bytes:
        if self._zlib is not None:
            try:
                self._keep(self._zlib.flush())
            except zlib.error as e:
                raise FetchError(self._url, f"corrupt compressed body: {e}", kind="http") from e
        return b"".join(self._parts)

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise _too_large(self._url, self._limit, "decoded")
        if data:
            self._parts.append(data)


async def _drain(response: httpx.Response) -> None:
    """Read a small non-2xx body to its end, so httpcore can reuse the connection (else it closes it)."""
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport)
        return
    drained = 0
    try:
        async for chunk in response.aiter_raw():
            drained += len(chunk)
            if drained > DRAIN_BYTES:
                return  # big error page: closing the connection is cheaper than reading it
    except httpx.HTTPError:
        return  # the status line is all we need


def _wbits(head: bytes) -> int:
    """zlib window bits for a body starting with ``head``: gzip or zlib header (auto), else raw deflate."""
    if head[:2] == b"\x1f\x8b" or len(head) < 2:
        return zlib.MAX_WBITS | 32
    is_zlib = head[0] & 0x0F == 8 and ((head[0] << 8) | head[1]) % 31 == 0
    return zlib.MAX_WBITS | 32 if is_zlib else -zlib.MAX_WBITS


# ───────────────────────────── status, redirects, hints ─────────────────────────────


def _parse_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise FetchError(url, f"invalid URL: {e}", kind="config") from e
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(url, "not an http(s) URL", kind="config")
    return parsed


def _redirect_target(url: str, response: httpx.Response) -> str:
    try:
        target = response.url.join(response.headers["location"])
    except httpx.InvalidURL as e:
        raise FetchError(
            url, f"invalid redirect Location: {e}", kind="http", status=response.status_code
        ) from e
    if target.scheme not in ("http", "https"):
        raise FetchError(
            url, f"redirect to a non-http(s) URL: {target}", kind="http", status=response.status_code
        )
    return str(target)


def _status_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    label = f"HTTP {status} {response.reason_phrase}".rstrip()
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status in BLOCKED or response.headers.get("cf-mitigated") == "challenge":  # anti-bot wall
        return FetchError(url, f"{label} (blocked)", kind="blocked", status=status, retry_after=retry_after)
    return FetchError(url, label, kind="http", status=status, retry_after=retry_after)


def _too_large(url: str, limit: int, what: str) -> FetchError:
    return FetchError(url, f"body over {limit} bytes ({what})", kind="too_large")


def _conditional_headers(validators: Validators | None) -> dict[str, str] | None:
    if validators is None:
        return None
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers or None


def _fetched(answer: _Body, sha: str) -> Fetched:
    """A 2xx answer decoded with its declared or sniffed charset."""
    content_type = answer.headers.get("content-type", "")
    text, encoding = decode_body(answer.body, content_type)
    return Fetched(
        url=answer.url,
        status=answer.status,
        content_type=content_type,
        body=answer.body,
        text=text,
        encoding=encoding,
        sha256=sha,
        etag=answer.headers.get("etag"),
        last_modified=answer.headers.get("last-modified"),
        wait_floor=answer.wait_floor,
        total_pages=_count(answer.headers.get("x-wp-totalpages")),
    )


def _count(value: str | None) -> int | None:
    """A header holding a whole number (X-WP-TotalPages), else None."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _unchanged(body: bytes, sha: str, validators: Validators) -> bool:
    if sha == validators.content_sha:
        return True
    return not body and bool(validators.etag or validators.last_modified or validators.content_sha)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After value (delta-seconds or HTTP-date), capped at 24 h; None if malformed."""
    if value is None:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return min(float(value), MAX_WAIT)
    when = _http_date(value)
    if when is None:
        return None
    return min(max(when - (time.time() if now is None else now), 0.0), MAX_WAIT)


def wait_floor(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait (Retry-After, Cache-Control max-age or Expires), ≤ 24 h, or None."""
    hints = (parse_retry_after(headers.get("retry-after"), now), _freshness(headers, now))
    floor = max((h for h in hints if h is not None), default=0.0)
    return min(floor, MAX_WAIT) if floor > 0 else None


def _freshness(headers: httpx.Headers, now: float | None) -> float | None:
    """Freshness lifetime left: max-age minus Age, else Expires minus Date (RFC 9111 §4.2.1)."""
    cache_control = headers.get("cache-control")
    if cache_control:
        if "no-store" in cache_control.lower() or "no-cache" in cache_control.lower():
            return None
        match = _MAX_AGE.search(cache_control)
        if match:
            age = headers.get("age", "")
            return float(match.group(1)) - (float(age) if age.isdigit() else 0.0)
    expires = headers.get("expires")
    if not expires:
        return None
    when = _http_date(expires)
    if when is None:  # "0", "-1": already stale
        return None
    date = _http_date(headers.get("date", ""))
    base = date if date is not None else (time.time() if now is None else now)
    return when - base


def _http_date(value: str) -> float | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
