"""WHEN sources are polled, not WHAT polling does: one APScheduler job per source, due checks, cycles.

Owns the APScheduler 3 ``AsyncIOScheduler`` (one job per enabled source, its interval plus jitter,
``max_instances=1``, ``coalesce``), the "is it due" decision against ``source_state`` (so backoff and
Retry-After are honoured), ``run_cycle`` used by ``bayan poll --once`` and the admin's ``/poll``, and a
new source list (``Poller.reload``: the admin's ``/reload`` and SIGHUP via ``reload_on``).
Concurrency is bounded by the fetcher's per-host and global limits, so a hanging source holds one slot
and never delays healthy ones; polls in progress are bounded too (``PollContext.workers``): a cycle
runs per-host lanes under that limit, and a scheduled job waits for a worker slot before it polls.
APScheduler is imported by the ``Poller`` alone: ``run_cycle`` (one `bayan poll --once`) never loads it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot import pipeline, storage
from bot.models import ConfigError, PollResult, Source, SourceHealth

log = logging.getLogger(__name__)

MAX_JITTER = 60.0
MAX_START_SPREAD = 30.0  # due sources start within this window, 0.1 s apart on average


async def run_cycle(
    ctx: pipeline.PollContext, sources: Iterable[Source], *, only_due: bool = False
) -> list[PollResult]:
    """Poll the given sources concurrently; with only_due, skip those whose next check is later.

    Every source's health is read once for the cycle, and the unchanged sources' health is written in
    batches (``pipeline.HealthBatch``), all of it before this returns.
    """
    chosen = [s for s in sources if s.enabled]
    await pipeline.release_holds(ctx)  # held statements whose hold_max passed go out with this cycle
    await ctx.health_writes.flush()
    by_id = {h.source_id: h for h in await ctx.store.call(storage.list_health)} | ctx.health
    if only_due:
        now = ctx.now()
        chosen = [s for s in chosen if s.id not in by_id or pipeline.is_due(by_id[s.id], now)]
    try:
        return await _bounded(ctx, chosen, by_id)
    finally:
        await ctx.health_writes.flush()


HOLDS_EVERY = 60.0  # seconds between two checks for held statements whose hold_max passed


async def _bounded(
    ctx: pipeline.PollContext, sources: list[Source], healths: dict[str, SourceHealth]
) -> list[PollResult]:
    """Poll ``sources`` with at most ``ctx.workers`` polls in progress (bounded fan-out: a poll holds its
    feed, pages and records until it is stored, so 10,000 sources at once would hold them all), in
    order, results in the order given. Each host gets up to the fetcher's per-host limit of lanes, each
    lane polls that host's sources one after another: a host that hangs holds its own lanes, never the
    polls of other hosts. A poll never raises for its source (``pipeline.poll_source``)."""
    results: list[PollResult | None] = [None] * len(sources)
    lanes: dict[str, deque[int]] = {}
    for i, source in enumerate(sources):
        lanes.setdefault(urlsplit(source.url).netloc, deque()).append(i)
    slots = asyncio.Semaphore(max(1, ctx.workers))

    async def lane(queue: deque[int]) -> None:
        while queue:
            i = queue.popleft()
            health = healths.get(sources[i].id) or SourceHealth(sources[i].id)
            async with slots:
                results[i] = await pipeline.poll_source(ctx, sources[i], health, batched=True)

    per_host = max(1, ctx.fetcher.per_host)
    await asyncio.gather(*(lane(q) for q in lanes.values() for _ in range(min(per_host, len(q)))))
    return [r for r in results if r is not None]


def _jitter(source: Source) -> float:
    return min(MAX_JITTER, source.interval / 10)


class Poller:
    """The scheduled side of `bayan run`: jobs built from feeds.yaml, rebuilt on /reload."""

    def __init__(
        self,
        ctx: pipeline.PollContext,
        sources: list[Source],
        on_result: Callable[[Source, PollResult], None] | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.ctx = ctx
        self.sources = {s.id: s for s in sources}
        self.on_result = on_result
        self.rng = rng or random.Random()
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.cycle_lock = asyncio.Lock()
        self._running: set[asyncio.Task[object]] = set()  # job runs in progress
        self._reload_lock = asyncio.Lock()
        self._holds: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(max(1, ctx.workers))  # scheduled polls in progress at most
        self._host_gates: dict[str, asyncio.Semaphore] = {}
        # when the jobs were added (start, reload): the first run planned per source, and the health it
        # was planned from, before any of those runs could change it (what `bayan run` says at start)
        self.first_runs: dict[str, datetime] = {}
        self.planned_from: dict[str, SourceHealth] = {}

    async def start(self) -> None:
        """Add the jobs and start; must run inside the event loop (APScheduler 3.11). Held statements
        whose hold_max passed are released every HOLDS_EVERY seconds."""
        await self._add_jobs()
        self.scheduler.start()
        self._holds = asyncio.create_task(self._release_holds())

    async def _release_holds(self) -> None:
        while True:
            try:
                await pipeline.release_holds(self.ctx)
            except Exception:  # the loop boundary: a database error must not end the releases
                log.exception("releasing held statements failed")
            await asyncio.sleep(HOLDS_EVERY)

    def shutdown(self) -> None:
        """Stop at once: polls in progress are cancelled (each poll stores in one transaction)."""
        if self._holds is not None:
            self._holds.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop starting polls, let those in progress finish (at most ``grace`` seconds), cancel the rest
        (each poll stores in one transaction: a cancelled one stored nothing), then shut down."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        late = set(self._running)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
        self.shutdown()
        await self.ctx.health_writes.flush()

    def next_runs(self) -> dict[str, datetime]:
        """When each scheduled source's job runs next (by source id)."""
        return {
            job.id.removeprefix("source:"): job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.next_run_time is not None
        }

    async def reload(self, sources: list[Source]) -> str:
        """A new source list (`/reload`, SIGHUP): stored (registry aliases too), stored times clamped, the
        organisation index rebuilt, the jobs replaced. Returns a one-line summary."""
        async with self._reload_lock:
            old = set(self.sources)
            await self.ctx.store.call(storage.sync_config, sources)
            for line in await self.ctx.store.call(pipeline.clamp_schedule, sources, self.ctx.now()):
                log.warning("%s", line)
            self.ctx.invalidate_index()
            self.sources = {s.id: s for s in sources}
            for job in self.scheduler.get_jobs():
                job.remove()
            await self._add_jobs()
        new = set(self.sources)
        parts = [f"{len(sources)} sources, {sum(1 for s in sources if s.enabled)} enabled"]
        if added := sorted(new - old):
            parts.append("added: " + ", ".join(added))
        if removed := sorted(old - new):
            parts.append("removed: " + ", ".join(removed))
        return "; ".join(parts)

    async def _add_jobs(self) -> None:
        """One job per enabled source; first run when its next check is due, spread over a short window."""
        from apscheduler.triggers.interval import IntervalTrigger

        now = self.ctx.now()
        healths = {h.source_id: h for h in await self.ctx.store.call(storage.list_health)} | self.ctx.health
        enabled = [s for s in self.sources.values() if s.enabled]
        spread = min(MAX_START_SPREAD, 0.1 * len(enabled))
        self.first_runs, self.planned_from = {}, healths
        for source in enabled:
            health = healths.get(source.id)
            first = now + timedelta(seconds=self.rng.uniform(0.0, spread))
            if health is not None and health.next_check is not None and health.next_check > first:
                first = health.next_check
            self.first_runs[source.id] = first
            self.scheduler.add_job(
                self.run_job,
                IntervalTrigger(seconds=source.interval, jitter=_jitter(source)),
                args=[source.id],
                id=f"source:{source.id}",
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(60, int(source.interval / 2)),
                next_run_time=first,
            )

    async def run_job(self, source_id: str) -> PollResult | None:
        """The job body: poll the source if it is due (backoff, server floors), report the result."""
        source = self.sources.get(source_id)
        task = asyncio.current_task()
        if source is None or task is None:
            return None
        self._running.add(task)
        try:
            return await self._run_due(source)
        except asyncio.CancelledError:
            # stopped mid-poll (shutdown): nothing was stored (one transaction per poll); returning
            # keeps APScheduler from logging the cancellation as a job failure with its traceback
            log.info("source=%s poll cancelled by shutdown", source_id)
            return None
        finally:
            self._running.discard(task)

    async def _run_due(self, source: Source) -> PollResult | None:
        health = await pipeline.current_health(self.ctx, source.id)
        # the trigger's jitter may fire a little before the next check: that still counts as due
        early = timedelta(seconds=_jitter(source) + 1.0)
        if not pipeline.is_due(health, self.ctx.now() + early):
            return None
        host = urlsplit(source.url).netloc
        gate = self._host_gates.get(host)
        if gate is None:
            gate = self._host_gates[host] = asyncio.Semaphore(max(1, self.ctx.fetcher.per_host))
        async with gate, self._slots:  # bounded fan-out, and a hanging host holds only its own lanes
            result = await pipeline.poll_source(self.ctx, source, health, batched=True)
        self._report(source, result)
        return result

    async def poll_now(self, source_id: str | None = None) -> list[PollResult]:
        """Poll all enabled sources (or one) now, whatever their interval (`/poll`)."""
        async with self.cycle_lock:
            sources = [self.sources[source_id]] if source_id else list(self.sources.values())
            results = await run_cycle(self.ctx, sources)
        for r in results:
            self._report(self.sources[r.source_id], r)
        return results

    def _report(self, source: Source, result: PollResult) -> None:
        if self.on_result is not None:
            try:
                self.on_result(source, result)
            except Exception:
                log.exception("source=%s result callback failed", source.id)


async def reload_on(hup: asyncio.Event, reload: Callable[[], Awaitable[str]]) -> None:
    """Each time ``hup`` is set (SIGHUP): ``reload()``, logged; a bad feeds.yaml keeps the old sources."""
    while True:
        await hup.wait()
        hup.clear()
        try:
            summary = await reload()
        except ConfigError as e:
            problems = "; ".join(e.problems) or str(e)
            log.error("SIGHUP: feeds.yaml not reloaded, the old configuration stays: %s", problems)
        else:
            log.info("SIGHUP: configuration reloaded: %s", summary)
