"""Scheduling decisions: backoff arithmetic, one APScheduler job per enabled source, due checks, /reload."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot import fetch, pipeline, scheduler, service, storage
from bot.models import Source, SourceHealth
from tests.helpers import eventually

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>"""


def src(sid: str, interval: float = 3600, **kw: object) -> Source:
    return Source(id=sid, url=f"https://{sid}.example.org/feed", interval=interval, **kw)  # type: ignore[arg-type]


def test_success_waits_the_interval_or_the_servers_floor() -> None:
    s = src("a", interval=1800)
    assert pipeline.next_check_ok(s, NOW, None) == NOW + timedelta(minutes=30)
    assert pipeline.next_check_ok(s, NOW, 7200) == NOW + timedelta(hours=2)


@pytest.mark.parametrize(
    ("errors", "hours"), [(1, 1), (2, 1), (3, 2), (4, 4), (5, 8), (6, 16), (7, 24), (30, 24)]
)
def test_failures_back_off_exponentially_up_to_a_day(errors: int, hours: float) -> None:
    assert pipeline.next_check_failed(src("a"), NOW, errors, None) == NOW + timedelta(hours=hours)


def test_retry_after_is_a_floor_of_the_backoff() -> None:
    assert pipeline.next_check_failed(src("a"), NOW, 1, 5 * 3600) == NOW + timedelta(hours=5)


def test_due_and_deferred() -> None:
    assert pipeline.is_due(SourceHealth("a"), NOW)
    assert not pipeline.is_due(SourceHealth("a", next_check=NOW + timedelta(seconds=1)), NOW)
    assert pipeline.is_deferred(SourceHealth("a", retry_until=NOW + timedelta(seconds=1)), NOW)
    assert not pipeline.is_deferred(SourceHealth("a", retry_until=NOW), NOW)


@pytest.fixture
async def ctx() -> AsyncIterator[pipeline.PollContext]:
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        return httpx.Response(200, content=FEED, headers={"content-type": "application/rss+xml"})

    client = fetch.make_client(transport=httpx.MockTransport(handler))
    store = storage.Store(":memory:")
    c = pipeline.PollContext(fetcher=fetch.Fetcher(client), store=store, now=lambda: NOW)
    c.requests = requests  # type: ignore[attr-defined]
    yield c
    await client.aclose()
    store.close()


async def test_one_job_per_enabled_source_first_run_spread_or_at_the_stored_next_check(
    ctx: pipeline.PollContext,
) -> None:
    later = NOW + timedelta(hours=3)
    await ctx.store.call(storage.record_not_modified, "b", now=NOW, next_check=later)
    poller = scheduler.Poller(ctx, [src("a"), src("b"), src("off", enabled=False)], rng=random.Random(1))
    await poller._add_jobs()
    assert sorted(j.id for j in poller.scheduler.get_jobs()) == ["source:a", "source:b"]
    jobs = {j.id: j for j in poller.scheduler.get_jobs()}
    assert NOW <= jobs["source:a"].next_run_time <= NOW + timedelta(seconds=scheduler.MAX_START_SPREAD)
    assert jobs["source:b"].next_run_time == later
    assert jobs["source:a"].max_instances == 1 and jobs["source:a"].coalesce


async def test_job_polls_only_when_due_and_reload_replaces_the_jobs(ctx: pipeline.PollContext) -> None:
    seen: list[str] = []
    poller = scheduler.Poller(ctx, [src("a"), src("b")], on_result=lambda s, r: seen.append(s.id))
    result = await poller.run_job("a")
    assert result is not None and result.ok and seen == ["a"]
    assert await poller.run_job("a") is None  # next check an hour away: skipped
    assert await poller.run_job("gone") is None
    await poller.reload([src("b"), src("c")])
    assert sorted(j.id for j in poller.scheduler.get_jobs()) == ["source:b", "source:c"]
    results = await poller.poll_now()
    assert sorted(r.source_id for r in results) == ["b", "c"] and sorted(seen) == ["a", "b", "c"]


async def test_cycle_only_due_skips_sources_checked_recently(ctx: pipeline.PollContext) -> None:
    await ctx.store.call(storage.record_not_modified, "a", now=NOW, next_check=NOW + timedelta(hours=1))
    results = await scheduler.run_cycle(ctx, [src("a"), src("b")], only_due=True)
    assert [r.source_id for r in results] == ["b"]
    everything = await scheduler.run_cycle(ctx, [src("a"), src("b")])
    assert sorted(r.source_id for r in everything) == ["a", "b"]


async def test_stop_lets_a_poll_in_progress_finish(ctx: pipeline.PollContext) -> None:
    poller = scheduler.Poller(ctx, [src("a")])
    await poller.start()
    job = asyncio.create_task(poller.run_job("a"))
    await asyncio.sleep(0)  # the job has started and registered itself
    await poller.stop(grace=5)
    assert job.done() and not job.cancelled() and job.result() is not None
    await eventually(lambda: not poller.scheduler.running)  # APScheduler stops on its next loop turn


async def test_stored_times_far_in_the_future_are_clamped_when_the_runtime_opens(tmp_path: Path) -> None:
    """Issue 10, item 8: a next check or a Retry-After in 2099 (a clock that was wrong, a copied
    database) must not stop a source forever: at load they become at most now + max(interval, 24 h)
    and now + 24 h."""
    path = str(tmp_path / "bayan.db")
    far = datetime(2099, 1, 1, tzinfo=UTC)
    hourly, weekly, near = src("hourly"), src("weekly", interval=7 * 86400), src("near")
    soon = pipeline.utcnow() + timedelta(minutes=30)
    with storage.Store(path) as store:
        store.run(
            storage.record_failure, "hourly", now=far, error="HTTP 429", kind="http", next_check=far,
            retry_until=far,
        )  # fmt: skip
        store.run(storage.record_not_modified, "weekly", now=far, next_check=far)
        store.run(storage.record_not_modified, "near", now=soon, next_check=soon)
    before = pipeline.utcnow()
    async with service.open_runtime(path, [hourly, weekly, near]) as opened:
        health = {h.source_id: h for h in await opened.store.call(storage.list_health)}
    after = pipeline.utcnow()
    day, week = timedelta(days=1), timedelta(days=7)
    assert health["hourly"].next_check is not None and health["hourly"].retry_until is not None
    assert before + day <= health["hourly"].next_check <= after + day
    assert before + day <= health["hourly"].retry_until <= after + day
    assert health["weekly"].next_check is not None
    assert before + week <= health["weekly"].next_check <= after + week
    assert health["near"].next_check == soon  # not beyond the horizon: kept
