"""bot.netguard without sockets: the address classifier, origins and link policies, and the pinned
network backend (what the connection goes to is the address that was checked, never a fresh lookup)."""

from __future__ import annotations

from collections.abc import Iterable

import httpcore
import pytest

from bot import netguard
from bot.models import LinkPolicy, Selectors, Source


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("169.254.0.1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "this-network"),
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.1", "benchmarking"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("192.0.0.8", "reserved"),
        ("192.88.99.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fec0::1", "site-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("::127.0.0.1", "reserved"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("100::1", "discard-only"),
        ("2001::1", "reserved"),  # Teredo and the other IETF protocol assignments
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("5f00::1", "reserved"),
    ],
)
def test_non_public_addresses_are_refused_with_their_kind(address: str, reason: str) -> None:
    refusal = netguard.refusal(address)
    assert refusal is not None and reason in refusal


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",  # just past 172.16.0.0/12
        "172.15.255.255",
        "100.128.0.1",  # just past the shared 100.64.0.0/10
        "198.20.0.1",  # just past benchmarking
        "11.0.0.1",
        "169.255.0.1",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "2a00:1450:4001::1",
        "::ffff:8.8.8.8",  # a mapped public address goes to the public address
        "64:ff9b::808:808",  # NAT64 of a public address
        "2002:808:808::1",  # 6to4 of a public address
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert netguard.refusal(address) is None


def test_embedded_addresses_name_the_ipv4_inside() -> None:
    refusal = netguard.refusal("::ffff:127.0.0.1")
    assert refusal is not None and refusal.startswith("loopback address (127.0.0.1 inside ::ffff:")


def test_a_malformed_address_is_refused_not_raised() -> None:
    assert netguard.refusal("not-an-address") == "not an IP address"


def test_origins_compare_scheme_host_and_effective_port() -> None:
    policy = netguard.link_policy(["https://Site.Example/feed", "http://127.0.0.1:8081/x"])
    assert policy.origins == frozenset({("https", "site.example", 443), ("http", "127.0.0.1", 8081)})
    assert netguard.trusts(policy, "https://site.example:443/other")
    assert not netguard.trusts(policy, "http://site.example/feed")  # another scheme is another origin
    assert not netguard.trusts(policy, "http://127.0.0.1:8082/x")  # another port is another origin
    assert not netguard.trusts(policy, "http://127.0.0.1.nip.example:8081/x")


def test_a_source_trusts_its_url_fallback_urls_and_html_fallback() -> None:
    src = Source(
        id="s",
        url="https://a.example/feed",
        fallback_urls=("https://b.example/rss",),
        html_fallback=("http://127.0.0.1:9000/list", Selectors(item=".i", link="a")),
    )
    policy = netguard.source_policy(src)
    assert policy == LinkPolicy(
        frozenset({("https", "a.example", 443), ("https", "b.example", 443), ("http", "127.0.0.1", 9000)})
    )
    assert netguard.source_policy(Source(id="p", url="https://a.example/", allow_private_addresses=True)) == (
        LinkPolicy(frozenset({("https", "a.example", 443)}), allow_private=True)
    )


class _Recorder(httpcore.AsyncNetworkBackend):
    """An inner backend that records where it is asked to connect and refuses every connection."""

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
        raise httpcore.ConnectError(f"recorded {host}:{port}")


async def test_the_backend_connects_to_the_pinned_addresses_never_to_the_name() -> None:
    inner = _Recorder()
    backend = netguard.PinnedBackend(inner)
    with netguard.pinned(("rebind.example", 80, ("203.0.114.7", "2001:4860:4860::8888"))):
        with pytest.raises(httpcore.ConnectError):
            await backend.connect_tcp("rebind.example", 80)
        with pytest.raises(httpcore.ConnectError, match="outside the checked hop"):  # fails closed
            await backend.connect_tcp("other.example", 80)
    assert inner.calls == [("203.0.114.7", 80), ("2001:4860:4860::8888", 80)]
    with pytest.raises(httpcore.ConnectError):  # outside the hop: no pin
        await backend.connect_tcp("rebind.example", 80)
    assert inner.calls[-1] == ("rebind.example", 80)
