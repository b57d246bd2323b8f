"""Composition root of `bayan run`: builds the store, HTTP client, poller and (with a token) the bot.

Owns lifecycles: the one-instance lock on the database, what is opened, in which order, how it is closed
on SIGINT/SIGTERM and what SIGHUP does (reload feeds.yaml). Wiring only:
the Telegram half is `bot.tg.app`, what console mode prints is `bot.console`, one-shot commands are
`bot.cli`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot import config, console, fetch, pipeline, scheduler, storage
from bot.models import BayanError, PollResult, Settings, Source

log = logging.getLogger("bayan")


@asynccontextmanager
async def open_runtime(
    db_path: str,
    sources: list[Source],
    *,
    user_agent: str | None = None,
    timeout: float | None = None,
    per_host: int | None = None,
) -> AsyncIterator[pipeline.PollContext]:
    """Store (seeded registry, synced sources) + fetcher (user agent, timeout and connections per host
    of feeds.yaml). A database file that cannot be written (read-only file or folder, full disk) is a
    one-line BayanError."""
    store = storage.Store(db_path, writable=db_path != ":memory:")
    client = fetch.make_client(user_agent=user_agent or fetch.USER_AGENT, timeout=timeout or 20.0)
    ctx: pipeline.PollContext | None = None
    try:
        await store.call(_prepare_db, sources)
        fetcher = fetch.Fetcher(client, per_host=per_host or fetch.PER_HOST)
        ctx = pipeline.PollContext(fetcher=fetcher, store=store)
        yield ctx
    finally:
        if ctx is not None:
            await ctx.health_writes.flush()  # the last unchanged polls' health
        await client.aclose()
        store.close()


def _prepare_db(db: storage.Db, sources: list[Source]) -> None:
    """Seed the organisation registry (only when its file changed since the last seed) and the configured
    sources (idempotent); clamp stored times."""
    registry = config.registry_file()
    storage.seed_registry_if_changed(db, registry.sha256, registry.orgs)
    storage.sync_config(db, sources)
    for line in pipeline.clamp_schedule(db, sources, pipeline.utcnow()):
        log.warning("%s", line)


def runtime_for(
    settings: Settings, sources: list[Source], db_path: str | None = None
) -> contextlib.AbstractAsyncContextManager[pipeline.PollContext]:
    """``open_runtime`` with the fetch settings of feeds.yaml, on ``db_path`` (the settings' by default)."""
    return open_runtime(
        db_path or settings.db_path,
        sources,
        user_agent=settings.user_agent,
        timeout=settings.http_timeout,
        per_host=settings.per_host,
    )


async def run_service(settings: Settings, sources: list[Source], stop: asyncio.Event | None = None) -> int:
    """`bayan run`: the scheduler (+ the Telegram bot when a token is set) until SIGINT/SIGTERM; SIGHUP
    reloads feeds.yaml. One per database: a second one fails at once (``instance_lock``)."""
    stop = stop or asyncio.Event()
    hup = asyncio.Event()
    with instance_lock(settings.db_path):
        _install_signal_handlers(stop, hup)
        async with runtime_for(settings, sources) as ctx:
            if settings.token:
                from bot.tg import app  # imported here: console mode never loads python-telegram-bot

                return await app.run_bot(settings, sources, ctx, stop, hup)
            return await _run_console(settings, ctx, sources, stop, hup)


@contextlib.contextmanager
def instance_lock(db_path: str) -> Iterator[None]:
    """Hold an exclusive OS lock (flock) on ``<db>.lock`` while inside, with our PID written in it.

    Two services on one database would both send every pending delivery; so a second `bayan run` fails
    with a BayanError naming the PID of the first. The OS releases the lock on any exit (kill -9
    included): a stale lock file never blocks. One-shot commands take no lock (see README).
    """
    if db_path == ":memory:":
        yield
        return
    path = Path(f"{db_path}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # never truncated before the lock is ours
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC):  # the folder refuses writes
            raise BayanError(
                f"database not writable: {db_path}: cannot create its lock file {path}: {e.strerror}"
            ) from e
        raise BayanError(f"cannot open the lock file {path}: {e.strerror or e}") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise BayanError(
                f"database {db_path} is in use by another bayan run (PID {holder}, lock {path}); "
                "stop it first or use another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def _install_signal_handlers(stop: asyncio.Event, hup: asyncio.Event) -> None:
    """SIGINT/SIGTERM set ``stop``; SIGHUP sets ``hup`` (reload feeds.yaml) instead of ending the process."""
    loop = asyncio.get_running_loop()
    for sig, event in ((signal.SIGINT, stop), (signal.SIGTERM, stop), (signal.SIGHUP, hup)):
        # not available off the main thread (in-process tests) or on some platforms
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, event.set)


async def _run_console(
    settings: Settings,
    ctx: pipeline.PollContext,
    sources: list[Source],
    stop: asyncio.Event,
    hup: asyncio.Event,
) -> int:
    """Without a token: monitor and print each newly announced statement to the console."""
    queue: asyncio.Queue[int] = asyncio.Queue()

    def announce(ids: list[int]) -> None:
        for i in ids:
            queue.put_nowait(i)

    ctx.on_announced = announce
    poller = scheduler.Poller(ctx, sources, on_result=_log_result)

    async def reload() -> str:
        return await poller.reload(await asyncio.to_thread(config.read_sources, settings.config_path))

    await poller.start()
    enabled = sum(1 for s in sources if s.enabled)
    print(f"bayan: monitoring {enabled} sources (no TELEGRAM_BOT_TOKEN: console mode)", flush=True)
    for line in startup_lines(ctx, poller, sources):
        print(line, flush=True)
    tasks = [
        asyncio.create_task(console.print_statements(ctx.store, queue)),
        asyncio.create_task(scheduler.reload_on(hup, reload)),
    ]
    try:
        await stop.wait()
    finally:
        await poller.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print("bayan: stopped", flush=True)
    return 0


def startup_lines(ctx: pipeline.PollContext, poller: scheduler.Poller, sources: list[Source]) -> list[str]:
    """What `bayan run` says once its jobs are planned (console.startup_lines): baseline, next check."""
    return console.startup_lines(sources, poller.planned_from, poller.first_runs, ctx.now())


def _log_result(source: Source, result: PollResult) -> None:
    console.log_result(result)
