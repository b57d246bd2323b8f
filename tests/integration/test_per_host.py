"""Issue 12 item 1: ``defaults.per_host`` in feeds.yaml (connections to one host at a time, default 4):
validated with file:line errors, and the limit a `bayan poll` cycle keeps against a real server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.cli import common, poll
from bot.config import load_config
from bot.models import ConfigError, Settings
from tests.helpers import eventually

pytestmark = pytest.mark.integration

FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(text, "feeds.yaml")
    return info.value.problems


def test_per_host_is_read_from_defaults() -> None:
    text = "defaults:\n  per_host: 2\nsources:\n  - id: a\n    url: https://a.example/feed\n"
    assert load_config(text, "feeds.yaml").per_host == 2
    assert load_config("sources:\n  - id: a\n    url: https://a.example/feed\n").per_host is None


@pytest.mark.parametrize("value", ["0", "33", "two", "1.5", "true", "[4]"])
def test_a_bad_per_host_is_one_line_with_file_and_line(value: str) -> None:
    text = (
        f"defaults:\n  interval: 1h\n  per_host: {value}\nsources:\n  - id: a\n    url: https://a.example/\n"
    )
    [problem] = problems(text)
    assert problem.startswith("feeds.yaml:3: defaults: key 'per_host': ")
    hint = "(use a whole number from 1 to 32; 4, the default, is polite to small sites)"
    assert problem.endswith(f"is not a number of connections {hint}")


def test_per_host_on_a_source_belongs_under_defaults() -> None:
    text = "sources:\n  - id: a\n    url: https://a.example/\n    per_host: 8\n"
    assert problems(text) == [
        "feeds.yaml:4: source 'a': key 'per_host': "
        "set it under defaults: instead (it applies to every source)"
    ]


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


async def peak_of_a_cycle(
    tmp_path: Path, httpserver: HTTPServer, release: threading.Event, defaults: str, expected: int
) -> int:
    """`bayan poll` over 2 × ``expected`` + 1 feeds of one host whose answers wait for ``release``
    until ``expected`` of them are in progress; the most ever in progress."""
    lock = threading.Lock()
    active = [0, 0]

    def slow(request: Request) -> Response:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        release.wait(10)
        with lock:
            active[0] -= 1
        return Response(FEED, content_type="application/rss+xml")

    httpserver.expect_request("/feed", method="GET").respond_with_handler(slow)
    sources = 2 * expected + 1
    lines = [defaults, "sources:"] + [
        f"  - id: s{i}\n    url: {httpserver.url_for('/feed')}?n={i}" for i in range(sources)
    ]
    path = tmp_path / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings, found = common.read_config(Settings(config_path=str(path), db_path=str(tmp_path / "b.db")))
    task = asyncio.create_task(poll.poll_once(settings, found))
    await eventually(lambda: active[0] >= expected)
    release.set()
    results, _ = await asyncio.wait_for(task, 20)
    assert all(r.ok for r in results) and len(results) == sources
    assert len(httpserver.log) == sources
    return active[1]


async def test_a_cycle_keeps_defaults_per_host(
    tmp_path: Path, httpserver: HTTPServer, release: threading.Event
) -> None:
    assert await peak_of_a_cycle(tmp_path, httpserver, release, "defaults:\n  per_host: 2", 2) == 2


async def test_the_default_is_four_per_host(
    tmp_path: Path, httpserver: HTTPServer, release: threading.Event
) -> None:
    assert await peak_of_a_cycle(tmp_path, httpserver, release, "defaults:\n  interval: 1h", 4) == 4


def test_the_shipped_feeds_yaml_says_four() -> None:
    path = Path(__file__).parents[2] / "feeds.yaml"
    assert load_config(path.read_text(encoding="utf-8"), "feeds.yaml").per_host == 4
