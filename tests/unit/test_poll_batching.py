"""Bounded fan-out and group commit (issue 12 item 2): a cycle or the scheduled jobs keep at most
``PollContext.workers`` polls in progress, a host that hangs holds only its own lanes, and polls that
finish together are stored in one transaction with a savepoint each. Fetching goes through
httpx.MockTransport (an async handler that can hold a request), SQLite is real."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import httpx
import pytest

from bot import fetch, pipeline, scheduler, storage
from bot.models import SignatureRecord, Source
from tests.factories import record, write
from tests.helpers import eventually

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>"""


@dataclass
class Farm:
    """Feeds that answer only once their host is released; counts requests in flight."""

    held: set[str] = field(default_factory=set)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    peak: int = 0
    answered: list[str] = field(default_factory=list)

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if request.url.host in self.held or not self.held:
                await self.released.wait()
            self.answered.append(request.url.host)
            return httpx.Response(200, content=FEED, headers={"content-type": "application/rss+xml"})
        finally:
            self.in_flight -= 1


@pytest.fixture
async def farm() -> AsyncIterator[tuple[Farm, pipeline.PollContext]]:
    f = Farm()
    client = fetch.make_client(transport=httpx.MockTransport(f.handler))
    store = storage.Store(":memory:")
    ctx = pipeline.PollContext(fetcher=fetch.Fetcher(client, per_host=2), store=store, now=lambda: NOW)
    yield f, ctx
    f.released.set()
    await client.aclose()
    await store.aclose()


def sources(n: int, host: str = "") -> list[Source]:
    return [
        Source(id=f"{host or 'h'}{i}", url=f"https://{host or f'h{i}'}.example.org/feed/{i}")
        for i in range(n)
    ]


async def settle() -> None:
    for _ in range(50):  # let every runnable task run: nothing new may start while the farm holds
        await asyncio.sleep(0)


async def test_a_cycle_keeps_at_most_workers_polls_in_progress(
    farm: tuple[Farm, pipeline.PollContext],
) -> None:
    f, ctx = farm
    ctx.workers = 5
    cycle = asyncio.create_task(scheduler.run_cycle(ctx, sources(30)))
    await eventually(lambda: f.in_flight == 5)
    await settle()
    assert f.peak == 5
    f.released.set()
    results = await cycle
    assert [r.source_id for r in results] == [s.id for s in sources(30)]  # every one, in order
    assert all(r.error is None for r in results)


async def test_scheduled_jobs_wait_for_a_worker(farm: tuple[Farm, pipeline.PollContext]) -> None:
    f, ctx = farm
    ctx.workers = 4
    chosen = sources(12)
    await ctx.store.call(storage.sync_sources, chosen)
    poller = scheduler.Poller(ctx, chosen)
    jobs = asyncio.gather(*(poller.run_job(s.id) for s in chosen))
    await eventually(lambda: f.in_flight == 4)
    await settle()
    assert f.peak == 4
    f.released.set()
    assert all(r is not None and r.error is None for r in await jobs)


async def test_a_hanging_host_holds_only_its_own_lanes(farm: tuple[Farm, pipeline.PollContext]) -> None:
    f, ctx = farm
    ctx.workers = 6
    f.held = {"slow.example.org"}
    healthy = sources(20)
    cycle = asyncio.create_task(scheduler.run_cycle(ctx, sources(10, "slow") + healthy))
    # every healthy source is answered while the slow host hangs, holding its two lanes (per_host)
    await eventually(lambda: (len(f.answered), f.in_flight) == (20, 2))
    f.released.set()
    results = await cycle
    assert len(results) == 30 and all(r.error is None for r in results)


async def test_polls_finishing_together_share_one_commit(farm: tuple[Farm, pipeline.PollContext]) -> None:
    _, ctx = farm
    commits: list[str] = []
    ctx.store.run(
        lambda db: db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    )
    writes = [write(record(f"k{i}"), source=f"s{i}", now=NOW) for i in range(10)]
    created = await asyncio.gather(*(ctx.save(w) for w in writes))
    assert all(len(ids) == 1 for ids in created)
    assert len(commits) <= 2  # the first poll alone, then the nine that queued behind it


def test_a_failing_poll_is_rolled_back_alone(db: storage.Db) -> None:
    ghost = SignatureRecord("nobody", 0, org_id=999_999)  # no such organisation: a foreign key error
    bad = write(replace(record("bad"), signatures=(ghost,)), source="b")
    results = storage.save_polls(db, [write(record("a"), source="a"), bad, write(record("c"), source="c")])
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert [len(r) for r in (results[0], results[2]) if isinstance(r, list)] == [1, 1]
    keys = [r[0] for r in db.execute("SELECT item_key FROM items ORDER BY item_key")]
    assert keys == ["a", "c"]  # nothing of the failed poll was kept


ITEM_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Joint statement</title><link>https://one.example.org/item</link><guid>one-1</guid></item></channel></rss>"""
PAGE = """<html><body><article><h1>Joint statement on water</h1><p>The undersigned groups ask that water
reach the camps.</p>{pad}<p>Signed:</p><ul><li>Kite Association</li><li>Spring Network</li></ul></article>
</body></html>"""


@pytest.mark.parametrize(("pad", "hops"), [(0, 0), (40_000, 1)], ids=["small page", "large page"])
async def test_small_inputs_are_parsed_and_extracted_without_a_thread_hop(
    monkeypatch: pytest.MonkeyPatch, pad: int, hops: int
) -> None:
    """A feed and a page of a few KB take about a millisecond to read: less than the hop to a thread
    and back. A large page (more than INLINE_BYTES) is read on a thread, in one hop (text + extraction)."""
    page = PAGE.format(pad="<p>" + "word " * (pad // 5) + "</p>" if pad else "").encode()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed":
            return httpx.Response(200, content=ITEM_FEED, headers={"content-type": "application/rss+xml"})
        return httpx.Response(200, content=page, headers={"content-type": "text/html; charset=utf-8"})

    calls: list[str] = []
    real = asyncio.to_thread

    async def counting(fn, /, *args, **kw):  # type: ignore[no-untyped-def]
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real(fn, *args, **kw)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    client = fetch.make_client(transport=httpx.MockTransport(handler))
    store = storage.Store(":memory:")
    try:
        ctx = pipeline.PollContext(fetcher=fetch.Fetcher(client), store=store, now=lambda: NOW)
        source = Source(id="one", url="https://one.example.org/feed", statements_only=True)
        result = await pipeline.poll_source(ctx, source)
        assert result.error is None and result.new_statements == 1
        assert len(calls) == hops, calls
    finally:
        await client.aclose()
        await store.aclose()


async def test_a_group_commit_reads_the_new_organisations_in_the_same_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stored poll that created provisional organisations extends the loaded organisation index with
    them in the one call to the DB thread that stored it (a second hop per group commit cost CPU on both
    threads: bench/poll_cycle.py). The index then resolves the new name exactly, as before."""
    from bot import orgs

    store = storage.Store(":memory:")
    calls: list[str] = []
    real_call = store.call

    async def counting(fn, /, *args, **kw):  # type: ignore[no-untyped-def]
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real_call(fn, *args, **kw)

    try:
        ctx = pipeline.PollContext(fetcher=fetch.Fetcher(fetch.make_client()), store=store, now=lambda: NOW)
        index = await ctx.org_index()
        assert orgs.resolve("رابطة الينابيع الصافية", index).org_id is None
        monkeypatch.setattr(store, "call", counting)
        sig = SignatureRecord(raw_name="رابطة الينابيع الصافية", position=0, org_id=None, score=0.0)
        [created] = await ctx.save(write(record("k1", signatures=(sig,)), source="src"))
        assert len(calls) == 1, calls
        sql = "SELECT org_id FROM signatures WHERE statement_id = ?"
        [org_id] = await real_call(lambda db: [r[0] for r in db.execute(sql, [created])])
        assert orgs.resolve("رابطة الينابيع الصافية", await ctx.org_index()).org_id == org_id
    finally:
        await ctx.fetcher.client.aclose()
        await store.aclose()


async def test_polls_that_ask_for_unseen_keys_together_are_answered_in_one_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The polls of a cycle that look up their unseen item keys while a look-up is under way are answered
    by one call to the DB thread (each hop costs CPU on both threads: bench/poll_cycle.py), each with
    exactly its own source's answer; a failed look-up fails its polls, and the next one works again."""
    store = storage.Store(":memory:")
    ctx = pipeline.PollContext(fetcher=fetch.Fetcher(fetch.make_client()), store=store, now=lambda: NOW)
    try:
        await store.call(storage.save_poll, write(record("seen"), source="a"))
        calls: list[str] = []
        real_call = store.call

        async def counting(fn, /, *args, **kw):  # type: ignore[no-untyped-def]
            calls.append(getattr(fn, "__name__", repr(fn)))
            return await real_call(fn, *args, **kw)

        monkeypatch.setattr(store, "call", counting)
        asks = [("a", ["seen", "new"]), ("b", ["seen"]), ("a", ["seen"]), ("c", [])]
        found = await asyncio.gather(*(ctx.unseen(s, keys) for s, keys in asks))
        assert found == [{"new"}, {"seen"}, set(), set()]
        assert calls == ["unseen_keys_many"]

        async def failing(fn, /, *args, **kw):  # type: ignore[no-untyped-def]
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(store, "call", failing)
        with pytest.raises(sqlite3.OperationalError):
            await ctx.unseen("b", ["x"])
        monkeypatch.setattr(store, "call", counting)
        assert await ctx.unseen("b", ["x"]) == {"x"}
    finally:
        await ctx.fetcher.client.aclose()
        await store.aclose()
