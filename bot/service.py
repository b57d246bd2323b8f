"""Composition root of `bayan run`: builds the store, HTTP client, poller and (with a token) the bot.

Owns lifecycles: what is opened, in which order, and how it is closed on SIGINT/SIGTERM. Wiring only:
the Telegram half is `bot.tg.app`, what console mode prints is `bot.console`, one-shot commands are
`bot.cli`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot import config, console, fetch, pipeline, scheduler, storage
from bot.models import PollResult, Settings, Source

log = logging.getLogger("bayan")


@asynccontextmanager
async def open_runtime(
    db_path: str, sources: list[Source], *, user_agent: str | None = None, timeout: float | None = None
) -> AsyncIterator[pipeline.PollContext]:
    """Store (seeded registry, synced sources) + fetcher (user agent and timeout of feeds.yaml)."""
    store = storage.Store(db_path)
    client = fetch.make_client(user_agent=user_agent or fetch.USER_AGENT, timeout=timeout or 20.0)
    try:
        await store.call(_prepare_db, sources)
        yield pipeline.PollContext(fetcher=fetch.Fetcher(client), store=store)
    finally:
        await client.aclose()
        store.close()


def _prepare_db(db: storage.Db, sources: list[Source]) -> None:
    """Seed the organisation registry and the configured sources (idempotent); clamp stored times."""
    storage.seed_registry(db, config.read_registry())
    storage.sync_config(db, sources)
    for line in pipeline.clamp_schedule(db, sources, pipeline.utcnow()):
        log.warning("%s", line)


async def run_service(settings: Settings, sources: list[Source], stop: asyncio.Event | None = None) -> int:
    """`bayan run`: the scheduler (+ the Telegram bot when a token is set) until SIGINT/SIGTERM."""
    stop = stop or asyncio.Event()
    _install_signal_handlers(stop)
    runtime = open_runtime(
        settings.db_path, sources, user_agent=settings.user_agent, timeout=settings.http_timeout
    )
    async with runtime as ctx:
        if settings.token:
            from bot.tg import app  # imported here: console mode never loads python-telegram-bot

            return await app.run_bot(settings, sources, ctx, stop)
        return await _run_console(ctx, sources, stop)


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # not available off the main thread (in-process tests) or on some platforms
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def _run_console(ctx: pipeline.PollContext, sources: list[Source], stop: asyncio.Event) -> int:
    """Without a token: monitor and print each newly announced statement to the console."""
    queue: asyncio.Queue[int] = asyncio.Queue()

    def announce(ids: list[int]) -> None:
        for i in ids:
            queue.put_nowait(i)

    ctx.on_announced = announce
    poller = scheduler.Poller(ctx, sources, on_result=_log_result)
    await poller.start()
    enabled = sum(1 for s in sources if s.enabled)
    print(f"bayan: monitoring {enabled} sources (no TELEGRAM_BOT_TOKEN: console mode)", flush=True)
    for line in await startup_lines(ctx, poller, sources):
        print(line, flush=True)
    printer = asyncio.create_task(console.print_statements(ctx.store, queue))
    try:
        await stop.wait()
    finally:
        await poller.stop()
        printer.cancel()
    print("bayan: stopped", flush=True)
    return 0


async def startup_lines(
    ctx: pipeline.PollContext, poller: scheduler.Poller, sources: list[Source]
) -> list[str]:
    """What `bayan run` says once its jobs are scheduled (console.startup_lines): baseline, next check."""
    healths = {h.source_id: h for h in await ctx.store.call(storage.list_health)}
    return console.startup_lines(sources, healths, poller.next_runs(), ctx.now())


def _log_result(source: Source, result: PollResult) -> None:
    console.log_result(result)
