"""The outbox sender: pending deliveries → Telegram messages, with Telegram's error policy
(docs/architecture.md, Telegram error policy).

``run_sender``, the only code that pushes to subscribers, waits on ``wake`` (deliveries stored, an alert
queued), at most ``idle`` s or until a rescheduled row is due; a pass sends due rows oldest first and marks
them sent. A crash between storing and sending loses nothing; at most the message in flight repeats.
Errors: RetryAfter → pause, retry at now + retry_after (the outbox owns push retries: the push bot has no
PTB limiter retrying inside the call); Forbidden / "chat not found" → chat deactivated; ChatMigrated → chat
moved, resent to the new id; "can't parse entities" → our bug, resent once as plain text; a read/write
timeout → "maybe delivered": retried once after MAYBE_RETRY s, then dropped; network → exponential backoff,
dropped after MAX_ATTEMPTS. More than BURST due statements for one chat → one digest. CONCURRENCY chats at
once (each chat in order), paced evenly to ≤ RATE per RATE_PERIOD s.

The database refusing writes (``Store.write_error``): an outcome Telegram gave that cannot be written (a
send accepted, a timeout) is held in memory and written before anything else; the row is never sent again
by this process. No send starts while writes are refused; every ``write_retry`` s the held outcomes (or a
write probe) are tried, and sending resumes when they go through. The admins are told directly (the outbox
cannot take an alert) and, through the outbox, when writes work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import storage
from bot.models import Delivery, StoredStatement, utcnow
from bot.tg import i18n, render
from bot.tg.i18n import norm_lang

log = logging.getLogger(__name__)

BATCH = 1000  # rows read per pass; the burst rule counts a chat's due rows within it
BURST = 10  # more due statements than this for one chat/thread → one digest
MAX_ATTEMPTS = 10
BACKOFF_BASE = 5.0  # seconds before the 2nd attempt, doubling after each failure
BACKOFF_MAX = 3600.0
RATE = 30  # Telegram: about 30 messages per second overall
RATE_PERIOD = 1.01  # seconds: a little over one, for clocks and rounding
CONCURRENCY = 8  # chats served at once: overlaps Telegram's round trips (≈ 30/s needs a few in flight)
MAYBE_RETRY = 300.0  # seconds before the one retry of a send that timed out (it may have been delivered)
WRITE_RETRY = 30.0  # seconds between tries of a database that refuses writes
_NOT_SENT = {"ConnectTimeout", "PoolTimeout"}  # httpx timeouts before the request left (PTB's TimedOut cause)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_GONE = re.compile(r"(?i)chat not found|user not found|peer_id_invalid")
_PARSE = re.compile(r"(?i)can't parse entities")

Clock = Callable[[], datetime]
SourceNames = Callable[[str, str], str | None]  # (source id, language) → display name


class _Signal:
    """A broadcast "progress was made": fire() wakes everyone waiting on the current event."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def fire(self) -> None:
        self.event.set()
        self.event = asyncio.Event()


class _Pacer:
    """Sends start ``period / limit`` s apart (a steady stream), and only ``period`` s after the send
    ``limit`` places earlier *finished*: no ``period`` window ever holds more than ``limit`` arrivals at the
    server, whatever the network or a stalled loop does (throughput ≈ limit / (period + round trip))."""

    def __init__(self, limit: int = RATE, period: float = RATE_PERIOD) -> None:
        self.gap, self.period = period / limit, period
        self.next = -math.inf  # the planned start of the next send: oversleeping does not accumulate
        self.sends: deque[asyncio.Future[float]] = deque(maxlen=limit)  # each resolves to its end time
        self.lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this send's turn; the body is the send (its end is recorded however it ends)."""
        async with self.lock:
            slot = max(time.monotonic(), self.next)
            if len(self.sends) == self.sends.maxlen:
                slot = max(slot, await self.sends[0] + self.period)
            delay = slot - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.next = slot + self.gap
            end: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            self.sends.append(end)
        try:
            yield
        finally:
            end.set_result(time.monotonic())


@dataclass(frozen=True)
class _Held:
    """An outcome the database could not take yet: sent at ``at``, or maybe delivered (retry at ``at``)."""

    at: datetime
    maybe: str | None = None  # the timeout's message when maybe delivered


@dataclass(eq=False)
class _State:
    """What run_sender, drain and wait_idle share for one store: one pass at a time, the pace, the pause,
    the outcomes waiting for the database, and whether the admins were told it refuses writes."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pacer: _Pacer = field(default_factory=_Pacer)
    progress: _Signal = field(default_factory=_Signal)
    resume_at: datetime | None = None  # Telegram asked us to wait (RetryAfter) or the network is down
    held: dict[int, _Held] = field(default_factory=dict)  # delivery id → outcome not yet written
    told: str | None = None  # the write error the admins were told about

    def paused(self, now: datetime) -> bool:
        return self.resume_at is not None and self.resume_at > now


_STATES: weakref.WeakKeyDictionary[storage.Store, _State] = weakref.WeakKeyDictionary()


def _state(store: storage.Store) -> _State:
    return _STATES.get(store) or _STATES.setdefault(store, _State())


@dataclass
class _Pass:
    """One batch: the clock, the shared state, display names, statements read and chats to skip."""

    now: Clock
    state: _State
    names: SourceNames | None
    store: storage.Store
    stop: asyncio.Event | None = None
    statements: dict[int, StoredStatement | None] = field(default_factory=dict)
    skip: set[int] = field(default_factory=set)  # chats deactivated or migrated during this batch

    def halted(self) -> bool:
        """Telegram asked for a pause, the network is down, the database refuses writes or we stop."""
        return (
            self.state.paused(self.now())
            or (self.stop is not None and self.stop.is_set())
            or self.store.write_error is not None
        )


# ───────────────────────────── public API ─────────────────────────────


async def run_sender(
    bot: Bot,
    store: storage.Store,
    wake: asyncio.Event,
    *,
    now: Clock = utcnow,
    batch: int = BATCH,
    idle: float = 60.0,
    names: SourceNames | None = None,
    stop: asyncio.Event | None = None,
    admins: Collection[int] = (),
    write_retry: float = WRITE_RETRY,
) -> None:
    """Until ``stop`` is set (or cancelled): send what is due, then wait for ``wake``, the next due row or
    ``idle`` seconds (``write_retry`` while the database refuses writes; ``admins`` are told). ``stop``
    ends the loop after the message in flight, so nothing is sent twice."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        wake.clear()
        try:
            await drain(bot, store, now=now, batch=batch, names=names, stop=stop)
            await _tell_admins(bot, store, admins, now)
            delay = await _sleep_for(store, now, idle, write_retry)
        except Exception:  # the loop boundary: a database error must not end the sender
            log.exception("sender pass failed; next try in %.0f s", idle)
            delay = min(idle, write_retry) if store.write_error else idle
        waits = [asyncio.ensure_future(e.wait()) for e in (wake, stop)]
        try:
            await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()


async def drain(
    bot: Bot,
    store: storage.Store,
    *,
    now: Clock = utcnow,
    batch: int = BATCH,
    names: SourceNames | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Send everything due now until nothing is due, Telegram asked for a pause, the database refuses writes
    or ``stop`` is set; returns the number of deliveries sent (marked or held). Safe next to a running
    run_sender: passes take turns."""
    state = _state(store)
    sent = 0
    async with state.lock:
        while not state.paused(now()) and not (stop and stop.is_set()) and await _writable(store, state):
            due = [
                d for d in await store.call(storage.due_deliveries, now(), batch) if d.id not in state.held
            ]
            if not due:
                break
            sent += await _send_batch(bot, store, due, _Pass(now, state, names, store, stop))
            state.progress.fire()
    state.progress.fire()
    return sent


async def _writable(store: storage.Store, state: _State) -> bool:
    """Write the held outcomes (oldest first); probe when a write was refused. False: writes still fail."""
    for delivery_id, held in list(state.held.items()):
        try:
            if held.maybe is None:
                await store.call(storage.mark_sent, delivery_id, held.at)
            else:
                await store.call(storage.reschedule_maybe_delivered, delivery_id, held.at, held.maybe)
        except storage.NotWritable:
            return False
        del state.held[delivery_id]
    return store.write_error is None or await store.probe_write() is None


async def _tell_admins(bot: Bot, store: storage.Store, admins: Collection[int], now: Clock) -> None:
    """Once per episode: the database refuses writes (sent directly), then writes work again (outbox)."""
    state, error = _state(store), store.write_error
    if error is not None and state.told is None and admins:
        state.told = error
        log.error("database %s not writable: %s; sending paused", store.path, error)
        body = f"database not writable: {error}\nDatabase: {store.path}"
        for admin in sorted(admins):
            chat = await store.call(storage.get_chat, admin)  # a read: the header in the admin's language
            text = render.render_alert(body, chat.language if chat and chat.language else "en")
            try:
                async with state.pacer.turn():
                    await bot.send_message(chat_id=admin, text=text, parse_mode=ParseMode.HTML)
            except TelegramError as e:
                log.warning("admin=%s: the database alert failed: %s", admin, e)
    elif error is None and state.told is not None:
        log.warning("database %s writable again; sending resumed", store.path)
        with contextlib.suppress(storage.NotWritable):  # refused again: told at the next recovery
            for admin in sorted(admins):
                await store.call(
                    storage.add_alert, admin, f"database writable again (was: {state.told})", now()
                )
            state.told = None


async def wait_idle(store: storage.Store, statement_ids: Iterable[int], timeout: float) -> bool:
    """Wait until every delivery of these statements was sent or dropped while run_sender works, retries
    included (a row rescheduled after a 429 or a network error is waited for); False when ``timeout``
    seconds passed first. For /poll."""
    wanted = sorted(set(statement_ids))
    state = _state(store)
    deadline = time.monotonic() + timeout
    while True:
        event = state.progress.event
        if not await store.call(storage.count_pending_for, wanted):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), remaining)


async def _sleep_for(
    store: storage.Store, now: Clock, idle: float, write_retry: float = WRITE_RETRY
) -> float:
    """Seconds to the next pass: the database's retry, the pause, else the first row due within ``idle``."""
    state, t = _state(store), now()
    if store.write_error is not None or state.held:
        return min(idle, write_retry)
    if state.resume_at is not None and state.resume_at > t:
        return min(idle, (state.resume_at - t).total_seconds())
    nxt = await store.call(storage.next_due_at)
    return idle if nxt is None else min(idle, max(0.0, (nxt - t).total_seconds()))


# ───────────────────────────── one batch ─────────────────────────────


def _bursts(due: Sequence[Delivery]) -> dict[tuple[int, int | None], list[Delivery]]:
    """Chats/threads with more than BURST due statement rows in the batch, with those rows."""
    groups: dict[tuple[int, int | None], list[Delivery]] = {}
    for d in due:
        if d.statement_id is not None:
            groups.setdefault((d.chat_id, d.thread_id), []).append(d)
    return {key: rows for key, rows in groups.items() if len(rows) > BURST}


async def _send_batch(bot: Bot, store: storage.Store, due: Sequence[Delivery], ctx: _Pass) -> int:
    """CONCURRENCY workers take the chats in the order of their oldest row; each sends one chat's rows in
    order (so Telegram's latency is overlapped while the pacer keeps the rate). Returns the rows sent."""
    by_chat: dict[int, list[Delivery]] = {}
    for d in due:
        by_chat.setdefault(d.chat_id, []).append(d)
    chats = iter(by_chat.values())

    async def worker() -> int:
        sent = 0
        for rows in chats:  # one shared iterator: each chat goes to exactly one worker
            sent += await _send_chat(bot, store, rows, ctx)
        return sent

    async with asyncio.TaskGroup() as group:
        workers = [group.create_task(worker()) for _ in range(min(CONCURRENCY, len(by_chat)))]
    return sum(w.result() for w in workers)


async def _send_chat(bot: Bot, store: storage.Store, due: list[Delivery], ctx: _Pass) -> int:
    """One chat's rows in order, a burst per thread as one digest; stops if the chat is gone or moved."""
    bursts = _bursts(due)
    done: set[int] = set()
    sent = 0
    for d in due:
        if ctx.halted() or d.chat_id in ctx.skip:
            break
        if d.id in done:
            continue
        rows = bursts.get((d.chat_id, d.thread_id), [d]) if d.statement_id is not None else [d]
        done.update(r.id for r in rows)
        sent += await _deliver(bot, store, rows, ctx)
    return sent


async def _deliver(bot: Bot, store: storage.Store, rows: list[Delivery], ctx: _Pass) -> int:
    """Render and send one delivery (or a digest of several); returns the number of rows sent."""
    try:
        try:
            texts = await _render(store, rows, ctx)
            if not texts:
                await _each(store, storage.drop_delivery, rows, "statement no longer stored")
                return 0
            if not await _send_texts(bot, rows[0], texts, ctx):
                return 0  # halted before sending: the rows stay due as they are
        except TelegramError as e:
            await _on_error(store, rows, ctx, e)
            return 0
        except storage.NotWritable:
            raise
        except Exception as e:  # a bug in rendering must not block the outbox: retry later, then give up
            log.exception("chat=%s delivery=%s failed", rows[0].chat_id, rows[0].id)
            await _retry_later(store, rows, ctx, e)
            return 0
    except storage.NotWritable as e:  # nothing reached the chat (or _on_error held it): the pass halts
        log.warning("chat=%s delivery=%s: %s", rows[0].chat_id, rows[0].id, e)
        return 0
    await _mark_sent(store, rows, ctx)
    return len(rows)


async def _mark_sent(store: storage.Store, rows: list[Delivery], ctx: _Pass) -> None:
    """Telegram accepted the message: mark the rows sent, or hold them in memory (never sent again)."""
    for i, d in enumerate(rows):
        try:
            await store.call(storage.mark_sent, d.id, ctx.now())
        except Exception as e:  # NotWritable, a lock held too long…: whatever it is, never send it again
            log.error("chat=%s delivery=%s sent, but not marked (%s): held until it is", d.chat_id, d.id, e)
            for rest in rows[i:]:
                ctx.state.held[rest.id] = _Held(ctx.now())
            return


async def _render(store: storage.Store, rows: list[Delivery], ctx: _Pass) -> list[str]:
    """The message(s): an alert, a statement summary in the chat's language, or a digest (titles + links)."""
    first = rows[0]
    if first.alert_text is not None:
        return [render.render_alert(first.alert_text, first.language or "en")]
    lang = norm_lang(first.language) if first.language else "ar"  # Arabic unless the chat chose
    found = [st for st in [await _statement(store, d, ctx) for d in rows] if st is not None]
    if not found:
        return []
    if len(rows) == 1:
        name = ctx.names(found[0].source, lang) if ctx.names else None
        return [render.render_summary(found[0], lang, source_name=name)]
    return render.render_list(found, lang, i18n.t("digest_header", lang, n=len(found)), counts=True)


async def _statement(store: storage.Store, d: Delivery, ctx: _Pass) -> StoredStatement | None:
    assert d.statement_id is not None  # read once per batch: a fan-out renders from one copy
    if d.statement_id not in ctx.statements:
        ctx.statements[d.statement_id] = await store.call(storage.get_statement, d.statement_id)
    return ctx.statements[d.statement_id]


async def _send_texts(bot: Bot, d: Delivery, texts: list[str], ctx: _Pass) -> bool:
    """Send in order (False: halted before the first); after an entity error (our bug) plain text, once."""
    html, i = True, 0
    while i < len(texts):
        try:
            async with ctx.state.pacer.turn():
                if i == 0 and ctx.halted():
                    return False
                await bot.send_message(
                    chat_id=d.chat_id,
                    text=texts[i] if html else render.plain(texts[i]).strip(),
                    parse_mode=ParseMode.HTML if html else None,
                    message_thread_id=d.thread_id,
                    link_preview_options=_NO_PREVIEW,
                )
        except BadRequest as e:
            if not html or not _PARSE.search(e.message):
                raise
            log.error("chat=%s delivery=%s: our HTML was rejected (%s); plain text sent", d.chat_id, d.id, e)
            html = False
            continue
        i += 1
    return True


# ───────────────────────────── errors ─────────────────────────────


async def _on_error(store: storage.Store, rows: list[Delivery], ctx: _Pass, e: TelegramError) -> None:
    """Telegram refused: wait, forget the chat, follow its migration, drop the row or retry later."""
    chat = rows[0].chat_id
    if isinstance(e, RetryAfter):
        ctx.state.resume_at = ctx.now() + timedelta(seconds=_seconds(e.retry_after))
        log.warning("flood control: pausing sends until %s", ctx.state.resume_at.isoformat())
        await _each(store, storage.reschedule, rows, ctx.state.resume_at, str(e))
    elif isinstance(e, ChatMigrated) and e.new_chat_id != chat:
        log.info("chat=%s migrated to %s: subscriptions and pending rows moved", chat, e.new_chat_id)
        await store.call(storage.migrate_chat, chat, e.new_chat_id)
        ctx.skip.add(chat)  # the moved rows are read again, under the new id, by the next batch
    elif isinstance(e, Forbidden) or (isinstance(e, BadRequest) and _GONE.search(e.message)):
        log.info("chat=%s is gone (%s): deactivated", chat, e)
        await store.call(storage.deactivate_chat, chat, str(e))
        ctx.skip.add(chat)
    elif isinstance(e, BadRequest):
        log.warning("chat=%s delivery=%s refused: %s; dropped", chat, rows[0].id, e)
        await _each(store, storage.drop_delivery, rows, str(e))
    elif _maybe_delivered(e):
        ctx.state.resume_at = ctx.now() + timedelta(seconds=BACKOFF_BASE)  # a loaded Bot API: slow down
        await _retry_maybe_delivered(store, rows, ctx, e)
    else:
        if isinstance(e, NetworkError):  # Telegram unreachable: stop this pass for a moment
            ctx.state.resume_at = ctx.now() + timedelta(seconds=BACKOFF_BASE)
        log.warning("chat=%s delivery=%s failed: %s", chat, rows[0].id, e)
        await _retry_later(store, rows, ctx, e)


def _maybe_delivered(e: TelegramError) -> bool:
    """A read or write timeout: Telegram may have the message (connect and pool timeouts never sent it)."""
    if not isinstance(e, TimedOut):
        return False
    cause = e.__cause__
    return cause is None or not {c.__name__ for c in type(cause).__mro__} & _NOT_SENT


async def _retry_maybe_delivered(
    store: storage.Store, rows: list[Delivery], ctx: _Pass, e: TelegramError
) -> None:
    """A row's first timeout: one retry after MAYBE_RETRY s; its second: dropped (never a third send)."""
    error = f"timed out: {e}"
    for d in rows:
        if d.maybe_delivered:
            log.warning("chat=%s delivery=%s timed out again (maybe delivered): dropped", d.chat_id, d.id)
            await store.call(storage.drop_delivery, d.id, f"{error} again; not retried")
            continue
        at = ctx.now() + timedelta(seconds=MAYBE_RETRY)
        log.warning("chat=%s delivery=%s %s (maybe delivered): one retry at %s", d.chat_id, d.id, error, at)
        try:
            await store.call(storage.reschedule_maybe_delivered, d.id, at, error)
        except Exception as e:  # as in _mark_sent: it must not be sent again before ``at``
            log.error("chat=%s delivery=%s: retry not stored (%s): held until it is", d.chat_id, d.id, e)
            ctx.state.held[d.id] = _Held(at, maybe=error)


async def _retry_later(store: storage.Store, rows: list[Delivery], ctx: _Pass, e: Exception) -> None:
    """Exponential next try per row; after MAX_ATTEMPTS attempts the row is dropped with the error."""
    for d in rows:
        attempts = d.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await store.call(storage.drop_delivery, d.id, f"gave up after {attempts} attempts: {e}")
        else:
            delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempts - 1))
            await store.call(storage.reschedule, d.id, ctx.now() + timedelta(seconds=delay), str(e))


async def _each(store: storage.Store, fn: Callable[..., None], rows: list[Delivery], *args: object) -> None:
    for d in rows:
        await store.call(fn, d.id, *args)


def _seconds(retry_after: int | float | timedelta) -> float:
    """RetryAfter.retry_after is an int in PTB 22, a timedelta with PTB_TIMEDELTA=1 (docs/libraries.md)."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
