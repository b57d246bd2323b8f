"""Composition root of the service: builds the store, HTTP client, poller and (with a token) the bot.

Owns lifecycles: what is opened, in which order, and how it is closed on SIGINT/SIGTERM. It holds no
logic of its own beyond wiring; the Telegram half lives in bot.botapp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot import config, extract, fetch, orgs, parse, pipeline, scheduler, storage
from bot.models import (
    Fetched,
    FetchError,
    Hints,
    PollResult,
    Settings,
    Source,
    SourceHealth,
    Statement,
    StoredStatement,
)

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
    """Seed the organisation registry and the configured sources (idempotent)."""
    storage.seed_registry(db, config.read_registry(), norm=orgs.normalize)
    storage.sync_sources(db, sources)
    pairs = [(s.name or s.name_en or s.id, alias) for s in sources for alias in s.aliases]
    if pairs:
        storage.add_config_aliases(db, pairs, norm=orgs.normalize)


async def poll_once(
    settings: Settings, sources: list[Source], *, dry_run: bool = False
) -> tuple[list[PollResult], list[StoredStatement]]:
    """`bayan poll --once`: one cycle over the sources; with dry_run, also the statements found."""
    if dry_run:
        sources = [_announce_all(s) for s in sources]
    db_path = ":memory:" if dry_run else settings.db_path
    async with open_runtime(
        db_path, sources, user_agent=settings.user_agent, timeout=settings.http_timeout
    ) as ctx:
        results = await scheduler.run_cycle(ctx, sources)
        found: list[StoredStatement] = []
        if dry_run:
            ids = [i for r in results for i in r.statement_ids]
            found = [s for s in [await ctx.store.call(storage.get_statement, i) for i in ids] if s]
        return results, found


def _announce_all(source: Source) -> Source:
    return replace(source, announce_first_poll=True)


async def check_fetch(sources: list[Source]) -> list[str]:
    """`bayan check-config --fetch`: fetch each enabled source once; status, type and item count."""
    client = fetch.make_client()
    fetcher = fetch.Fetcher(client)
    lines: list[str] = []
    try:
        for source in sources:
            try:
                got = await fetcher.fetch(source.url)
                assert isinstance(got, Fetched)
                items = parse.parse_items(got, source)
                lines.append(f"{source.id}: OK {got.status} {got.content_type} — {len(items)} items")
            except Exception as e:  # report every source, whatever went wrong
                lines.append(f"{source.id}: FAILED — {e}")
    finally:
        await client.aclose()
    return lines


async def extract_target(target: str, hints: Hints) -> Statement:
    """`bayan extract`: a local file or an http(s) URL."""
    if target.startswith(("http://", "https://")):
        client = fetch.make_client()
        try:
            got = await fetch.Fetcher(client).fetch(target)
        finally:
            await client.aclose()
        assert isinstance(got, Fetched)
        if "pdf" in got.content_type or got.body[:5] == b"%PDF-":
            text = extract.pdf_text(got.body)
        else:
            text = got.text
        return extract.extract_statement(text, _with_url(hints, got.url))
    path = Path(target)
    if not path.is_file():
        raise FetchError(target, "no such file", kind="http")
    data = path.read_bytes()
    text = extract.pdf_text(data) if data[:5] == b"%PDF-" else fetch.decode_body(data, "")[0]
    return extract.extract_statement(text, hints)


def _with_url(hints: Hints, url: str) -> Hints:
    return replace(hints, url=url)


def source_row(source: Source, health: SourceHealth | None) -> dict[str, object]:
    """A `bayan sources --json` row (id, last_ok, error_count, last_error, next_check: a contract)."""
    h = health or SourceHealth(source.id)

    def iso(d: datetime | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "id": source.id,
        "name": source.name or source.name_en,
        "url": source.url,
        "type": source.type,
        "enabled": source.enabled,
        "last_ok": iso(h.last_ok),
        "error_count": h.error_count,
        "last_error": h.last_error,
        "error_kind": h.error_kind,
        "next_check": iso(h.next_check),
        "deferred_until": iso(h.retry_until),
        "baseline_done": h.baseline_done,
    }


# ───────────────────────────── the service ─────────────────────────────


async def run_service(settings: Settings, sources: list[Source], stop: asyncio.Event | None = None) -> int:
    """`bayan run`: the scheduler (+ the Telegram bot when a token is set) until SIGINT/SIGTERM."""
    stop = stop or asyncio.Event()
    _install_signal_handlers(stop)
    runtime = open_runtime(
        settings.db_path, sources, user_agent=settings.user_agent, timeout=settings.http_timeout
    )
    async with runtime as ctx:
        if settings.token:
            from bot import botapp  # imported here: console mode never loads python-telegram-bot

            return await botapp.run_bot(settings, sources, ctx, stop)
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
    printer = asyncio.create_task(_print_statements(ctx, queue))
    try:
        await stop.wait()
    finally:
        await poller.stop()
        printer.cancel()
    print("bayan: stopped", flush=True)
    return 0


def _log_result(source: Source, result: PollResult) -> None:
    log.info("%s", format_result(result))


def format_result(r: PollResult) -> str:
    """One line per source: new items, new statements, error."""
    if r.error:
        return f"{r.source_id}: error ({r.error_kind}): {r.error}"
    if r.deferred_until:
        return f"{r.source_id}: deferred until {r.deferred_until.isoformat()} (server asked to wait)"
    if r.not_modified:
        return f"{r.source_id}: not modified, 0 new items, 0 new statements"
    tail = " (baseline: stored, not announced)" if r.baseline else ""
    return f"{r.source_id}: {r.new_items} new items, {r.new_statements} new statements{tail}"


async def _print_statements(ctx: pipeline.PollContext, queue: asyncio.Queue[int]) -> None:
    while True:
        statement_id = await queue.get()
        st = await ctx.store.call(storage.get_statement, statement_id)
        if st is not None:
            print(console_summary(st), flush=True)


def console_summary(st: StoredStatement) -> str:
    """A plain-text summary of a new statement for the console."""
    date = st.published.isoformat() if st.published else "?"
    who = st.issuer or f"{len(st.signatories)} organisations"
    names = "، ".join(st.signatories[:5]) + (
        f" (+{len(st.signatories) - 5})" if len(st.signatories) > 5 else ""
    )
    lines = [f"[{st.kind or 'statement'}] {st.title or '(no title)'}", f"  {date} · {st.source} · {who}"]
    if names and not st.issuer:
        lines.append(f"  {names}")
    lines.append(f"  {st.url}")
    return "\n".join(lines)
