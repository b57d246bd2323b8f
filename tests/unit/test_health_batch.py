"""Issue 12 item 1: a cycle reads every source's health once and writes its 304s in batches.

The store is real SQLite (``:memory:``); ``CountingStore`` only counts which storage functions a cycle
sends to the DB thread, and runs each of them for real.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot import fetch, pipeline, scheduler, storage
from bot.models import Source
from tests.helpers import eventually

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>https://a.example.org/1</link><guid>g1</guid></item></channel></rss>"""


class CountingStore(storage.Store):
    """A real Store that also counts the storage functions called through it, by name."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.calls: Counter[str] = Counter()

    async def call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        self.calls[fn.__name__] += 1
        return await super().call(fn, *args, **kw)


def src(i: int) -> Source:
    return Source(id=f"s{i}", url=f"https://h{i % 3}.example.org/feed/{i}", interval=3600)


@pytest.fixture
async def ctx() -> AsyncIterator[pipeline.PollContext]:
    """Feeds that answer 304 to a request carrying the ETag they gave, and 500 for /broken."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/broken"):
            return httpx.Response(500)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"etag": '"v1"'})
        feed = FEED.replace(b"a.example.org", request.url.host.encode())  # item pages on the feed's host
        return httpx.Response(
            200, content=feed, headers={"content-type": "application/rss+xml", "etag": '"v1"'}
        )

    client = fetch.make_client(transport=httpx.MockTransport(handler))
    store = CountingStore(":memory:")
    c = pipeline.PollContext(fetcher=fetch.Fetcher(client), store=store, now=lambda: NOW)
    yield c
    await client.aclose()
    store.close()


async def test_a_cycle_of_304s_reads_health_once_and_writes_it_in_batches_of_256(
    ctx: pipeline.PollContext,
) -> None:
    sources = [src(i) for i in range(300)]
    await ctx.store.call(storage.sync_sources, sources)
    first = await scheduler.run_cycle(ctx, sources)  # baseline: every source new
    assert all(r.ok and not r.not_modified for r in first)
    store = ctx.store
    assert isinstance(store, CountingStore)
    store.calls.clear()
    later = NOW + timedelta(hours=2)
    ctx.now = lambda: later
    second = await scheduler.run_cycle(ctx, sources)
    assert all(r.not_modified for r in second)
    # 256 + 44 rows; release_holds: once per cycle, the held statements whose hold_max passed (issue 14)
    assert store.calls == Counter({"list_health": 1, "record_not_modified_many": 2, "release_holds": 1})
    healths = await store.call(storage.list_health)
    assert len(healths) == 300
    assert {(h.last_ok, h.next_check, h.error_count) for h in healths} == {
        (later, later + timedelta(hours=1), 0)
    }


async def test_a_write_for_a_source_with_a_batched_304_writes_the_304_first(
    ctx: pipeline.PollContext,
) -> None:
    """A 304 waiting in the batch and then a failure of the same source: the failure counts on top
    of the 304 (error count 1, last_ok the 304's), never the other way round."""
    good = Source(id="flaky", url="https://a.example.org/feed", interval=3600)
    assert (await pipeline.poll_source(ctx, good)).ok  # baseline, written at once
    t304 = NOW + timedelta(hours=1)
    ctx.now = lambda: t304
    assert (await pipeline.poll_source(ctx, good, batched=True)).not_modified
    assert "flaky" in ctx.health_writes
    ctx.now = lambda: t304 + timedelta(minutes=5)
    broken = Source(id="flaky", url="https://a.example.org/broken", interval=3600)
    assert (await pipeline.poll_source(ctx, broken, batched=True)).error_kind == "http"
    await ctx.health_writes.flush()
    health = await ctx.store.call(storage.get_health, "flaky")
    assert (health.error_count, health.last_ok, health.etag) == (1, t304, '"v1"')


async def test_an_unbatched_poll_stores_its_304_before_returning(ctx: pipeline.PollContext) -> None:
    s = src(1)
    await pipeline.poll_source(ctx, s)
    ctx.now = lambda: NOW + timedelta(hours=1)
    assert (await pipeline.poll_source(ctx, s)).not_modified
    assert len(ctx.health_writes) == 0
    assert (await ctx.store.call(storage.get_health, s.id)).last_ok == NOW + timedelta(hours=1)


async def test_a_scheduled_304_is_written_after_the_batch_delay(ctx: pipeline.PollContext) -> None:
    ctx.health_writes = pipeline.HealthBatch(ctx.store, delay=0.05)
    s = src(2)
    poller = scheduler.Poller(ctx, [s])
    assert await poller.run_job(s.id) is not None  # baseline
    ctx.now = lambda: NOW + timedelta(hours=2)
    result = await poller.run_job(s.id)
    assert result is not None and result.not_modified
    assert s.id in ctx.health_writes  # not written yet: it waits for the batch

    async def stored() -> bool:
        return (await ctx.store.call(storage.get_health, s.id)).last_ok == NOW + timedelta(hours=2)

    await eventually(stored)
    assert len(ctx.health_writes) == 0


async def test_a_failed_batch_write_is_one_log_line_not_an_exception(
    ctx: pipeline.PollContext, caplog: pytest.LogCaptureFixture
) -> None:
    await ctx.health_writes.add(storage.NotModifiedRow("s1", NOW, NOW + timedelta(hours=1)))
    ctx.store.close()
    with caplog.at_level(logging.ERROR, logger="bot.pipeline"):
        await ctx.health_writes.flush()
    assert [r.getMessage() for r in caplog.records] == [
        "health of 1 unchanged sources not stored: database :memory: is closed"
    ]


def test_record_not_modified_many_writes_every_row_in_one_transaction() -> None:
    db = storage.open_db(":memory:")
    rows = [storage.NotModifiedRow(f"s{i}", NOW, NOW + timedelta(minutes=i)) for i in range(5)]
    storage.record_not_modified_many(db, rows)
    healths = {h.source_id: h for h in storage.list_health(db)}
    assert sorted(healths) == [f"s{i}" for i in range(5)]
    assert healths["s3"].next_check == NOW + timedelta(minutes=3) and healths["s3"].last_ok == NOW
    storage.record_not_modified_many(db, [])  # nothing to write: no transaction, no error
