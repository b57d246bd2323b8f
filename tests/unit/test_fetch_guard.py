"""The link guard of Fetcher with httpx.MockTransport: redirect hops into private space are refused before
any request, names are checked after resolution on every hop, the source's own origins are followed."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence

import httpcore
import httpx
import pytest

from bot import netguard
from bot.fetch import Fetcher, make_client
from bot.models import Fetched, FetchError, LinkPolicy

PUBLIC = "203.0.114.7"  # a global address; MockTransport never connects anywhere


class Resolver:
    """A fake DNS: fixed answers per name (answers are used in turn), every lookup recorded."""

    def __init__(self, answers: dict[str, list[Sequence[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        turns = self.answers.get(host)
        if not turns:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return turns.pop(0) if len(turns) > 1 else turns[0]


def redirecting(table: dict[str, str], seen: list[str]) -> httpx.MockTransport:
    """Every URL in ``table`` answers 302 to its value; anything else 200 with its own URL as the body."""

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        seen.append(url)
        if url in table:
            return httpx.Response(302, headers={"Location": table[url]})
        return httpx.Response(200, text=f"page {url}", headers={"Content-Type": "text/html"})

    return httpx.MockTransport(handler)


async def fetch_from(
    table: dict[str, str],
    url: str,
    *,
    policy: LinkPolicy | None = None,
    resolver: Resolver | None = None,
) -> tuple[Fetched | FetchError, list[str]]:
    seen: list[str] = []
    async with make_client(transport=redirecting(table, seen)) as client:
        fetcher = Fetcher(client, resolver=resolver or Resolver({}))
        try:
            return await fetcher.fetch(url, policy), seen
        except FetchError as e:
            return e, seen


@pytest.mark.parametrize(
    ("target", "shown", "reason"),
    [
        ("http://127.0.0.1:8081/admin", "127.0.0.1:8081", "loopback address"),
        ("http://10.0.0.7/", "10.0.0.7:80", "private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254:80", "link-local address"),
        ("http://[::1]:9000/", "[::1]:9000", "loopback address"),
        ("http://[::ffff:127.0.0.1]:8081/", "[::ffff:127.0.0.1]:8081", "loopback address (127.0.0.1 inside"),
        ("http://[fd00::5]/", "[fd00::5]:80", "private address"),
        ("https://0.0.0.0/", "0.0.0.0:443", "unspecified address"),
        ("http://100.64.1.1/", "100.64.1.1:80", "shared address space"),
    ],
)
async def test_a_redirect_hop_into_private_space_is_refused_before_any_request(
    target: str, shown: str, reason: str
) -> None:
    got, seen = await fetch_from({"https://site.example/a": target}, "https://site.example/a")
    assert isinstance(got, FetchError) and got.kind == "refused"
    assert str(got).startswith(f"refused link to {shown}: {reason}")
    assert "(not the source's origin)" in str(got)
    assert seen == ["https://site.example/a"]


async def test_a_name_is_checked_after_resolution_and_every_address_must_be_public() -> None:
    dns = Resolver({"mixed.example": [(PUBLIC, "10.0.0.5")], "public.example": [(PUBLIC,)]})
    table = {"https://site.example/a": "https://mixed.example/x"}
    got, seen = await fetch_from(table, "https://site.example/a", resolver=dns)
    assert isinstance(got, FetchError) and got.kind == "refused"
    assert "refused link to mixed.example:443: resolves to 10.0.0.5, a private address" in str(got)
    assert seen == ["https://site.example/a"]
    ok, seen = await fetch_from(
        {"https://site.example/a": "https://public.example/x"}, "https://site.example/a", resolver=dns
    )
    assert isinstance(ok, Fetched) and ok.url == "https://public.example/x"


async def test_every_hop_is_checked_not_only_the_first() -> None:
    dns = Resolver({"one.example": [(PUBLIC,)], "two.example": [(PUBLIC,)]})
    table = {
        "https://site.example/a": "https://one.example/b",
        "https://one.example/b": "https://two.example/c",
        "https://two.example/c": "http://192.168.0.1/router",
    }
    got, seen = await fetch_from(table, "https://site.example/a", resolver=dns)
    assert isinstance(got, FetchError) and "refused link to 192.168.0.1:80: private address" in str(got)
    assert seen == ["https://site.example/a", "https://one.example/b", "https://two.example/c"]
    assert dns.asked == ["one.example", "two.example"]


async def test_the_sources_own_origins_are_followed_even_on_loopback_without_a_lookup() -> None:
    policy = netguard.link_policy(["http://127.0.0.1:8081/feed", "http://10.0.0.9/list"])
    table = {"http://127.0.0.1:8081/a": "/b", "http://127.0.0.1:8081/b": "http://10.0.0.9/c"}
    dns = Resolver({})
    got, seen = await fetch_from(table, "http://127.0.0.1:8081/a", policy=policy, resolver=dns)
    assert isinstance(got, Fetched) and got.url == "http://10.0.0.9/c"
    assert seen == ["http://127.0.0.1:8081/a", "http://127.0.0.1:8081/b", "http://10.0.0.9/c"]
    assert dns.asked == []


async def test_the_own_origin_is_scheme_host_and_port() -> None:
    policy = netguard.link_policy(["http://127.0.0.1:8081/feed"])
    for target in ("http://127.0.0.1:8082/", "https://127.0.0.1:8081/", "http://localhost:8081/"):
        dns = Resolver({"localhost": [("127.0.0.1",)]})
        got, seen = await fetch_from(
            {"http://127.0.0.1:8081/a": target}, "http://127.0.0.1:8081/a", policy=policy, resolver=dns
        )
        assert isinstance(got, FetchError) and got.kind == "refused", target
        assert seen == ["http://127.0.0.1:8081/a"]


async def test_without_a_policy_the_fetched_url_is_the_only_own_origin() -> None:
    got, seen = await fetch_from(
        {"https://site.example/a": "/b", "https://site.example/b": "http://10.1.1.1/"},
        "https://site.example/a",
    )
    assert isinstance(got, FetchError) and got.kind == "refused"
    assert seen == ["https://site.example/a", "https://site.example/b"]


async def test_allow_private_addresses_lifts_the_rule() -> None:
    policy = LinkPolicy(frozenset(), allow_private=True)
    got, seen = await fetch_from(
        {"https://site.example/a": "http://10.0.0.7/"}, "https://site.example/a", policy=policy
    )
    assert isinstance(got, Fetched) and seen == ["https://site.example/a", "http://10.0.0.7/"]


async def test_a_name_that_does_not_resolve_is_a_network_error() -> None:
    got, _ = await fetch_from(
        {"https://site.example/a": "https://nowhere.example/"}, "https://site.example/a"
    )
    assert isinstance(got, FetchError) and got.kind == "network"
    assert "cannot resolve nowhere.example" in str(got)


class _Recorder(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[tuple[int, int, int]] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.calls.append((host, port))
        raise httpcore.ConnectError("no network in unit tests")


async def test_dns_rebinding_cannot_swap_the_checked_address() -> None:
    """The name answers a public address to the check and loopback afterwards: the connection goes to the
    checked address (one lookup per hop), never to a second answer."""
    dns = Resolver({"rebind.example": [(PUBLIC,), ("127.0.0.1",)]})
    inner = _Recorder()
    transport = netguard.guarded_transport(httpx.Limits(max_connections=4), backend=inner)
    async with make_client(transport=transport) as client:
        fetcher = Fetcher(client, resolver=dns)
        with pytest.raises(FetchError) as info:
            await fetcher.fetch("http://rebind.example/x", LinkPolicy(frozenset()))
    assert info.value.kind == "network"
    assert inner.calls == [(PUBLIC, 80)] and dns.asked == ["rebind.example"]
