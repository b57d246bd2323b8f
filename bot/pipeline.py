"""One source end to end: fetch → parse → unseen items → fetch pages → extract → resolve → store.

Owns the order of the steps, the poll decisions (next check, backoff, when admins are alerted) and the
re-extraction of a stored page (`reextract`, the same extract → resolve path a poll takes). It never
raises for a source's problems: every failure becomes ``PollResult.error`` and a ``source_state`` record.
It does no SQL itself (storage does), no HTTP itself (fetch does) and no parsing itself (parse/extract do).

Every fetch of a poll carries the source's link policy (``fetch.source_policy``: its url, fallback_urls
and html_fallback are its own origins, other origins must be public). A refused link is no failure of
the source: the item is recorded as seen (like a 404), a refused full-text link leaves the page's own
text, and the refusal lines become ``PollResult.refused`` and the source's ``last_error``.
When the database refuses writes, a source's health is kept in ``PollContext.health`` (until a later write
of it succeeds) and a poll that cannot store what it found reports "database not writable: …".

`parse`, `extract` and `orgs` (feedparser, selectolax, pypdf, rapidfuzz: ≈ 0.2 s of imports) are imported
in the functions that use them, so a process whose sources all answer 304 never loads them (issue 12).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bot import fetch, storage
from bot.fetch import Fetcher
from bot.models import (
    AlertKind,
    Fetched,
    FetchError,
    Hints,
    Item,
    ItemRecord,
    NotModified,
    PageRecord,
    ParseError,
    PollResult,
    PollWrite,
    ReextractReport,
    SignatureRecord,
    Source,
    SourceAlert,
    SourceHealth,
    Statement,
    StoredPage,
    Validators,
)
from bot.models import utcnow as models_utcnow

if TYPE_CHECKING:
    from bot import orgs

log = logging.getLogger(__name__)

MAX_BACKOFF = 24 * 3600.0
ALERT_AT = 5  # consecutive failures of a source before the admins are told
ALERT_EVERY = timedelta(days=1)  # at most one failing alert (first or reminder) per source this often
RECOVER_AT = 2  # consecutive successful polls that end a failing spell (one success amid failures: flapping)
FULL_TEXT_MIN_CHARS = 1500  # feed content shorter than this is a teaser: fetch the page
BODY_NORM_MAX = 200_000
INLINE_BYTES = 32_768  # parse / extract on the event loop up to this size, on a thread above (off_loop)
T = TypeVar("T")


def utcnow() -> datetime:
    """The poll clock: whole seconds, so stored times compare equal across processes."""
    return models_utcnow().replace(microsecond=0)


WORKERS = 64  # polls in progress at most (scheduler: a cycle's lanes, the scheduled jobs)
MAX_BATCH = 64  # polls stored in one transaction at most (PollContext.save)


@dataclass
class PollContext:
    """What every poll shares: the fetcher, the store, the organisation index cache, a clock, how many
    polls run at once (``workers``) and the group commit of their writes (``save``)."""

    fetcher: Fetcher
    store: storage.Store
    now: Callable[[], datetime] = utcnow
    on_announced: Callable[[list[int]], None] | None = None
    workers: int = WORKERS
    health: dict[str, SourceHealth] = field(default_factory=dict)  # source id → health not yet written
    _index: orgs.OrgIndex | None = field(default=None, repr=False)
    _index_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _org_names: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    health_writes: HealthBatch = field(init=False, repr=False)
    _pending: list[tuple[PollWrite, asyncio.Future[list[int]]]] = field(default_factory=list, repr=False)
    _writer: asyncio.Task[None] | None = field(default=None, repr=False)
    _asks: list[tuple[str, list[str], asyncio.Future[set[str]]]] = field(default_factory=list, repr=False)
    _reader: asyncio.Task[None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.health_writes = HealthBatch(self.store, kept=self.health)

    async def settle(self, source_id: str) -> None:
        """Before another write or a fresh read of ``source_id``'s health: its batched 304 goes first."""
        if source_id in self.health_writes:
            await self.health_writes.flush()

    async def save(self, write: PollWrite) -> list[int]:
        """Store one poll (``storage.save_poll``); the ids of the statements it created.

        Group commit: the polls that finish while a write is under way are stored together by the next
        one (``storage.save_polls``: one transaction, one savepoint per poll, so a poll that fails is
        rolled back alone and raises here), and the organisation index is extended once per such write.
        A crash loses at most that transaction: its items stay unseen and are read again next poll."""
        done: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._pending.append((write, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        return await done

    async def unseen(self, source_id: str, keys: list[str]) -> set[str]:
        """``storage.unseen_keys``: the keys never seen for the source. The polls that ask while a read is
        under way are answered together by the next one (``storage.unseen_keys_many``: one hop to the DB
        thread for all of them, the same query per source)."""
        done: asyncio.Future[set[str]] = asyncio.get_running_loop().create_future()
        self._asks.append((source_id, keys, done))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_asks())
        return await done

    async def _read_asks(self) -> None:
        while self._asks:
            batch, self._asks = self._asks, []
            try:
                found = await self.store.call(storage.unseen_keys_many, [(s, k) for s, k, _ in batch])
            except BaseException as e:  # a failed read fails its askers; cancelled (shutdown): them too
                for *_, done in batch:
                    if done.done():
                        continue
                    if isinstance(e, Exception):
                        done.set_exception(e)
                    else:
                        done.cancel()
                if not isinstance(e, Exception):
                    raise
                continue
            for (*_, done), unseen in zip(batch, found, strict=True):
                if not done.done():
                    done.set_result(unseen)

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await self._write(batch)
            except BaseException:  # cancelled (shutdown): the waiting polls are cancelled too
                for _, done in batch:
                    done.cancel()
                raise
            for (_, done), result in zip(batch, results, strict=True):
                if done.cancelled():
                    continue
                if isinstance(result, Exception):
                    done.set_exception(result)
                else:
                    done.set_result(result)

    async def _write(
        self, batch: list[tuple[PollWrite, asyncio.Future[list[int]]]]
    ) -> list[list[int] | Exception]:
        writes = [w for w, _ in batch]
        # provisional organisations may have been created: read them in the same hop to the DB thread
        index = self._index if any(r.statement is not None for w in writes for r in w.records) else None
        after = index.max_id if index is not None else None
        try:
            results, new = await self.store.call(_save_and_read_orgs, writes, after)
        except Exception as e:  # the transaction itself failed (its commit): every poll of it failed
            return [e] * len(batch)
        if new:
            async with self._index_lock:
                if self._index is not None:  # adding what it holds already changes nothing
                    self._index.add(new)
        return results

    async def org_index(self) -> orgs.OrgIndex:
        """The organisation index, loaded from storage once, rebuilt after registry fixes."""
        from bot import orgs

        async with self._index_lock:
            if self._index is None:
                entries = await self.store.call(storage.org_index_entries)
                self._index = orgs.OrgIndex(entries)
            return self._index

    async def extend_index(self) -> None:
        """Add the organisations created since the index was built (provisional ones from a poll)."""
        async with self._index_lock:
            if self._index is not None:
                new = await self.store.call(storage.org_index_entries, after_id=self._index.max_id)
                self._index.add(new)

    def invalidate_index(self) -> None:
        """After merges and aliases: the whole index is rebuilt on next use."""
        self._index = None
        self._org_names.clear()

    async def hints(self, source: Source, item: Item) -> Hints:
        """The source's hints for one item, with every name of its registry organisation (``org:``)."""
        hints = source.hints(url=item.url, published=item.published)
        if source.org is None:
            return hints
        if source.org not in self._org_names:
            self._org_names[source.org] = await self.store.call(org_names, source.org)
        return with_names(hints, self._org_names[source.org])


def _save_and_read_orgs(
    db: storage.Db, writes: list[PollWrite], after_id: int | None
) -> tuple[list[list[int] | Exception], list[tuple[int, str]]]:
    """On the DB thread, one call: ``storage.save_polls`` and then, when ``after_id`` is given, the index
    entries of the organisations created after it (``PollContext._write``: one hop to the DB thread per
    group commit instead of two). A failed read of the entries is logged: the polls are stored, and the
    next extension adds what this one missed."""
    results = storage.save_polls(db, writes)
    if after_id is None:
        return results, []
    try:
        return results, storage.org_index_entries(db, after_id=after_id)
    except Exception:
        log.exception("organisation index not extended")
        return results, []


class HealthBatch:
    """Unchanged polls (304s) waiting to be written together: one ``executemany`` per flush.

    ``flush`` runs at the end of a cycle (``scheduler.run_cycle``), when ``max_rows`` are waiting, and
    ``delay`` seconds after the first row came in (the scheduled polls of ``bayan run``). A 304 writes
    only timestamps and resets counters, so rows lost in a crash cost only those. A write for a source
    with a row waiting (a failure, a new item) flushes it first (``PollContext.settle``), so the rows
    never overwrite newer health. A flush that fails is logged and its rows dropped, except when the
    database refuses writes: then each row's health after the 304 goes to ``kept`` (``PollContext.health``)
    until a later write of that source succeeds.
    """

    def __init__(
        self,
        store: storage.Store,
        *,
        max_rows: int = 256,
        delay: float = 1.0,
        kept: dict[str, SourceHealth] | None = None,
    ) -> None:
        self._store = store
        self._max_rows = max_rows
        self._delay = delay
        self._kept: dict[str, SourceHealth] = {} if kept is None else kept
        self._rows: dict[str, tuple[storage.NotModifiedRow, SourceHealth | None]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __contains__(self, source_id: str) -> bool:
        return source_id in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    async def add(self, row: storage.NotModifiedRow, after: SourceHealth | None = None) -> None:
        """Queue one 304; ``after``: the source's health once it is written (kept if the write is refused)."""
        self._rows[row.source_id] = (row, after)
        if len(self._rows) >= self._max_rows:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._flush_later)

    def _flush_later(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Write every waiting row now (one transaction)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        rows, self._rows = list(self._rows.values()), {}
        if not rows:
            return
        try:
            await self._store.call(storage.record_not_modified_many, [row for row, _ in rows])
        except storage.NotWritable as e:
            log.error("health of %d unchanged sources kept in memory: %s", len(rows), e)
            self._kept.update((row.source_id, after) for row, after in rows if after is not None)
        except Exception as e:  # health of unchanged sources only: the next poll writes it again
            log.error("health of %d unchanged sources not stored: %s", len(rows), e)
        else:
            for row, _ in rows:
                self._kept.pop(row.source_id, None)


def with_names(hints: Hints, names: tuple[str, ...]) -> Hints:
    """``hints`` with more names of the source's organisation, after its own, without repeats."""
    return replace(hints, org_names=tuple(dict.fromkeys((*hints.org_names, *names))))


def source_hints(
    db: storage.Db, source: Source, *, url: str | None = None, published: date | None = None
) -> Hints:
    """A source's hints with its registry organisation's names (the sync form of PollContext.hints)."""
    hints = source.hints(url=url, published=published)
    return with_names(hints, org_names(db, source.org)) if source.org else hints


def org_names(db: storage.Db, slug: str) -> tuple[str, ...]:
    """Every name, acronym and alias of the registry organisation ``slug`` (none when unknown)."""
    org_id = storage.find_org_id(db, slug)
    org = storage.get_org(db, org_id) if org_id is not None else None
    if org is None:
        return ()
    return tuple(n for n in (org.name, org.name_en, *org.acronyms, *org.aliases) if n)


# ───────────────────────────── health arithmetic ─────────────────────────────


def next_check_ok(source: Source, now: datetime, wait_floor: float | None) -> datetime:
    """After a success: come back after the interval, or later if the server asked for it."""
    return now + timedelta(seconds=max(source.interval, wait_floor or 0.0))


def next_check_failed(source: Source, now: datetime, error_count: int, retry_after: float | None) -> datetime:
    """After a failure: the interval for the first two failures, then doubling up to a day."""
    delay = source.interval if error_count < 3 else source.interval * 2 ** (error_count - 2)
    delay = min(delay, MAX_BACKOFF)
    return now + timedelta(seconds=max(delay, retry_after or 0.0))


def clamp_schedule(db: storage.Db, sources: list[Source], now: datetime) -> list[str]:
    """At load: a stored next check later than now + max(interval, MAX_BACKOFF) and a Retry-After
    deferral later than now + MAX_BACKOFF (a clock that was wrong, a copied database) come back to
    those limits, so that no stored time stops a source for longer than a backoff could. One log line
    per change."""
    limits = {s.id: now + timedelta(seconds=max(s.interval, MAX_BACKOFF)) for s in sources}
    changed = storage.clamp_schedule(db, limits, now + timedelta(seconds=MAX_BACKOFF))
    return [
        f"source={sid}: stored {column} {stored.isoformat()} is too far ahead; now {new.isoformat()}"
        for sid, column, stored, new in changed
    ]


def is_deferred(health: SourceHealth, now: datetime) -> bool:
    """A server's Retry-After is still running: even a forced poll waits."""
    return health.retry_until is not None and health.retry_until > now


def is_due(health: SourceHealth, now: datetime) -> bool:
    return health.next_check is None or health.next_check <= now


def admin_alert(
    alert: SourceAlert, *, ok: bool, error_count: int, now: datetime
) -> tuple[SourceAlert, AlertKind | None]:
    """(the source's new alert state, the alert to send now if any) after one poll (not a deferral).

    A failing spell starts at ALERT_AT consecutive failures: "failing" is sent unless a failing alert
    went out less than ALERT_EVERY ago (the source flaps: the spell is "quiet"). The spell ends after
    RECOVER_AT consecutive successes: "recovered" is sent only if the admins were told of the spell. A
    failure inside the spell (even after a success: flapping) sends "still_failing" once ALERT_EVERY
    has passed since the last failing alert. So a source sends at most one failing alert per
    ALERT_EVERY, and at most one "recovered" per failing alert.
    """
    if ok:
        if alert.state == "ok":
            return alert, None
        if alert.ok_streak + 1 < RECOVER_AT:
            return replace(alert, ok_streak=alert.ok_streak + 1), None
        kind: AlertKind | None = "recovered" if alert.state == "told" else None
        return SourceAlert(alert.source_id, alerted_at=alert.alerted_at), kind
    due = alert.alerted_at is None or now - alert.alerted_at >= ALERT_EVERY
    if alert.state == "ok":
        if error_count < ALERT_AT:
            return alert, None
        spell = replace(alert, since=now, failures=error_count, ok_streak=0)
        if due:
            return replace(spell, state="told", alerted_at=now), "failing"
        return replace(spell, state="quiet"), None
    alert = replace(alert, failures=alert.failures + 1, ok_streak=0)
    if due:
        return replace(alert, state="told", alerted_at=now), "still_failing"
    return alert, None


# ───────────────────────────── one source ─────────────────────────────


async def poll_source(
    ctx: PollContext, source: Source, health: SourceHealth | None = None, *, batched: bool = False
) -> PollResult:
    """Poll one source once. Never raises for the source's own failures (nor for our bugs).

    ``health``: the source's stored health when the caller read it already (a cycle reads every
    source's at once). ``batched``: a 304 joins ``ctx.health_writes`` (the caller flushes it, as
    ``run_cycle`` does, or its timer does) instead of being written before this returns.
    """
    try:
        return await _poll(ctx, source, health, batched)
    except storage.NotWritable as e:  # what the poll found is found again once the database takes writes
        log.error("source=%s: %s", source.id, e)
        return PollResult(source.id, error=str(e), error_kind="database")
    except Exception as e:  # loop boundary: a bug must not stop the cycle
        log.exception("source=%s unexpected error", source.id)
        return PollResult(source.id, error=f"internal error: {e!r}", error_kind="internal")


async def release_holds(ctx: PollContext) -> list[int]:
    """Held statements whose hold_max passed: their pushes are created now (marked unreviewed). Run once
    per poll cycle and every minute by the service (``scheduler``), not per source."""
    released = await ctx.store.call(storage.release_holds, ctx.now())
    if released and ctx.on_announced:
        ctx.on_announced(released)
    return released


async def _poll(ctx: PollContext, source: Source, health: SourceHealth | None, batched: bool) -> PollResult:
    now = ctx.now()
    if health is None or source.id in ctx.health_writes:
        health = await current_health(ctx, source.id)
    else:
        health = ctx.health.get(source.id, health)
    if is_deferred(health, now):
        return PollResult(source.id, deferred_until=health.retry_until)
    validators = Validators(health.etag, health.last_modified, health.content_sha)
    try:
        fetched = await _fetch_listing(ctx, source, validators)
        if isinstance(fetched, NotModified):
            return await _record_not_modified(ctx, source, now, health, fetched, batched)
        from bot import parse  # here, not above: a 304 never loads the feed parser

        items = await off_loop(len(fetched.body), parse.parse_items, fetched, source, today=now.date())
    except (FetchError, ParseError) as e:
        if source.html_fallback is None:
            return await _record_failure(ctx, source, now, health, e)
        try:
            fetched, items = await _scrape_fallback(ctx, source, now, e)
        except (FetchError, ParseError):
            return await _record_failure(ctx, source, now, health, e)
    return await _store_items(ctx, source, now, health, fetched, items)


async def _scrape_fallback(
    ctx: PollContext, source: Source, now: datetime, cause: Exception
) -> tuple[Fetched, list[Item]]:
    """The feed failed: read the source's html_fallback listing page with its selectors instead."""
    from bot import parse

    assert source.html_fallback is not None
    url, selectors = source.html_fallback
    log.info("source=%s feed failed (%s); scraping %s", source.id, cause, url)
    fetched = await ctx.fetcher.fetch(url, fetch.source_policy(source))
    as_page = replace(source, type="page", selectors=selectors)
    items = await asyncio.to_thread(parse.parse_items, fetched, as_page, today=now.date())
    return replace(fetched, etag=None, last_modified=None), items


async def _fetch_listing(ctx: PollContext, source: Source, validators: Validators) -> Fetched | NotModified:
    """The source URL with validators, then each fallback URL in order when it fails."""
    policy = fetch.source_policy(source)
    try:
        return await ctx.fetcher.fetch_if_changed(source.url, validators, policy)
    except FetchError as first:
        for url in source.fallback_urls:
            try:
                return await ctx.fetcher.fetch(url, policy)
            except FetchError as e:
                log.info("source=%s fallback %s failed: %s", source.id, url, e)
        raise first


async def current_health(ctx: PollContext, source_id: str) -> SourceHealth:
    """The source's health: the one kept in memory while the database refused it, else the stored one
    (its batched 304 written first)."""
    await ctx.settle(source_id)
    stored = await ctx.store.call(storage.get_health, source_id)
    return ctx.health.get(source_id, stored)


async def _write_health(
    ctx: PollContext, source_id: str, write: Awaitable[object], unwritten: SourceHealth
) -> None:
    """Store a health record; when the database refuses it, keep ``unwritten`` in memory instead."""
    try:
        await write
    except storage.NotWritable as e:
        log.error("source=%s: health kept in memory: %s", source_id, e)
        ctx.health[source_id] = unwritten
    else:
        ctx.health.pop(source_id, None)


async def _record_not_modified(
    ctx: PollContext, source: Source, now: datetime, health: SourceHealth, nm: NotModified, batched: bool
) -> PollResult:
    nxt = next_check_ok(source, now, nm.wait_floor)
    ok = replace(health, error_count=0, empty_count=0, last_ok=now, next_check=nxt, retry_until=None)
    await ctx.health_writes.add(storage.NotModifiedRow(source.id, now, nxt), ok)
    if not batched:
        await ctx.health_writes.flush()
    return PollResult(source.id, not_modified=True)


async def _record_failure(
    ctx: PollContext, source: Source, now: datetime, health: SourceHealth, e: FetchError | ParseError
) -> PollResult:
    retry_after = e.retry_after if isinstance(e, FetchError) else None
    nxt = next_check_failed(source, now, health.error_count + 1, retry_after)
    retry_until = now + timedelta(seconds=retry_after) if retry_after else None
    failed = replace(
        health,
        last_error=str(e),
        error_kind=e.kind,
        error_count=health.error_count + 1,
        empty_count=health.empty_count + int(e.kind == "empty"),
        next_check=nxt,
        retry_until=retry_until,
    )
    await ctx.settle(source.id)
    write = ctx.store.call(
        storage.record_failure,
        source.id,
        now=now,
        error=str(e),
        kind=e.kind,
        next_check=nxt,
        retry_until=retry_until,
        # the counts kept in memory while writes were refused are stored, not lost
        counts=(failed.error_count, failed.empty_count) if source.id in ctx.health else None,
    )
    await _write_health(ctx, source.id, write, failed)
    log.debug("source=%s error kind=%s: %s", source.id, e.kind, e)  # reported by the caller
    return PollResult(source.id, error=str(e), error_kind=e.kind)


async def _store_items(
    ctx: PollContext, source: Source, now: datetime, health: SourceHealth, fetched: Fetched, items: list[Item]
) -> PollResult:
    """Fetch and extract the newest unseen items, then store the whole poll in one transaction."""
    unseen = await ctx.unseen(source.id, [i.key for i in items])
    new = [i for i in items if i.key in unseen]
    baseline = not health.baseline_done
    wanted = [i for i in new if _passes_prefilter(source, i)]
    to_fetch = wanted[: source.max_new_items]
    refused: list[str] = []
    results = await asyncio.gather(*(_build_record(ctx, source, item, refused) for item in to_fetch))
    records = [r for r in results if r is not None]
    fetched_keys = {i.key for i in to_fetch}
    records += [ItemRecord(item=i) for i in new if i.key not in fetched_keys]  # seen, not fetched
    # a page missed for a passing reason stays unseen; keeping the old validators makes the next poll read
    # the feed again (no 304, no equal hash) and retry it, even when the feed does not change meanwhile
    missed = any(r is None for r in results)
    kept = Validators(health.etag, health.last_modified, health.content_sha)
    write = PollWrite(
        source_id=source.id,
        now=now,
        next_check=next_check_ok(source, now, fetched.wait_floor),
        validators=kept if missed else Validators(fetched.etag, fetched.last_modified, fetched.sha256),
        records=tuple(records),
        announce=not baseline or source.announce_first_poll,
        refused=tuple(refused),
        review=source.review,
    )
    await ctx.settle(source.id)
    ids = await ctx.save(write)
    ctx.health.pop(source.id, None)  # stored: the health kept in memory is out of date
    held = await ctx.store.call(storage.held_ids, ids) if write.announce and ids else set()
    announced = [i for i in ids if i not in held] if write.announce else []
    if announced and ctx.on_announced:
        ctx.on_announced(announced)
    return PollResult(
        source.id,
        new_items=len(records),
        new_statements=len(ids),
        announced=len(announced),
        baseline=baseline,
        statement_ids=tuple(ids),
        refused=tuple(refused),
    )


async def read_items(
    ctx: PollContext, source: Source, items: list[Item]
) -> tuple[list[ItemRecord], list[str]]:
    """Fetch, extract and resolve ``items`` as a poll does (the keyword prefilter, the link rule), all of
    them (no ``max_new_items`` cap): the records to store and the refused-link lines. An item that failed
    for a passing reason (a timeout, a 5xx) has no record. ``bayan backfill`` reads its pages this way."""
    refused: list[str] = []
    wanted = [i for i in items if _passes_prefilter(source, i)]
    results = await asyncio.gather(*(_build_record(ctx, source, item, refused) for item in wanted))
    records = [r for r in results if r is not None]
    wanted_keys = {i.key for i in wanted}
    records += [ItemRecord(item=i) for i in items if i.key not in wanted_keys]  # seen, not fetched
    return records, refused


def _passes_prefilter(source: Source, item: Item) -> bool:
    """News sources (keyword_prefilter): only items whose title carries a statement word are read."""
    from bot import orgs

    if not source.keyword_prefilter or not source.keywords:
        return True
    title = orgs.normalize(item.title or "")
    return any(orgs.normalize(word) in title for word in source.keywords)


# ───────────────────────────── one item ─────────────────────────────


async def _build_record(
    ctx: PollContext, source: Source, item: Item, refused: list[str]
) -> ItemRecord | None:
    """Fetch, extract and resolve one new item. None = a passing failure: retry next poll.

    Links the link rule refuses are added to ``refused`` (one line each)."""
    from bot import orgs

    if not item.url and not item.content_html:
        return ItemRecord(item=item)  # nothing to read: remember it as seen
    try:
        page, statement = await _extract_item(ctx, source, item, refused)
    except FetchError as e:
        if e.kind == "refused":  # refused by the link rule: remember it as seen, never fetched
            _note_refused(source, e, refused)
            return ItemRecord(item=item)
        if e.status in (404, 410):  # gone for good: remember it as seen
            return ItemRecord(item=item)
        # a page missed (a possible statement): a warning, like a failed source
        log.warning("source=%s item %s not fetched: %s", source.id, item.url, e)
        return None
    except Exception:  # one bad page must not cost the source its poll; retried next time
        log.exception("source=%s item %s failed", source.id, item.url)
        return None
    if not statement.is_statement:
        if not source.review.doubtful(statement.confidence, False):
            return ItemRecord(item=item, page=page)
        statement = await _as_candidate(ctx, source, item, page, statement)  # reviewed: kept hidden
    statement = _with_defaults(statement, item)
    signatures = resolve_signatures(statement, await ctx.org_index())
    return ItemRecord(
        item=item,
        page=page,
        statement=statement,
        signatures=signatures,
        title_norm=orgs.normalize(statement.title or item.title or ""),
        body_norm=orgs.normalize(statement.body[:BODY_NORM_MAX]),
    )


async def _extract_item(
    ctx: PollContext, source: Source, item: Item, refused: list[str]
) -> tuple[PageRecord, Statement]:
    from bot import extract

    hints = await ctx.hints(source, item)
    if item.content_html and (len(item.content_html) >= FULL_TEXT_MIN_CHARS or not item.url):
        html = _feed_page(item)
        data = html.encode("utf-8")
        page = PageRecord(item.url, data, hashlib.sha256(data).hexdigest(), "text/html; charset=utf-8")
        statement = await off_loop(len(data), extract.extract_statement, html, hints)
    else:
        fetched = await ctx.fetcher.fetch(item.url, fetch.source_policy(source))
        page = PageRecord(fetched.url, fetched.body, fetched.sha256, fetched.content_type)
        statement = await off_loop(len(page.body), _read, page.body, page.content_type, hints)
    if source.follow_full_text_links and statement.full_text_links:
        statement = await _follow_full_text(ctx, source, statement, hints, refused)
    return page, statement


async def _as_candidate(
    ctx: PollContext, source: Source, item: Item, page: PageRecord, statement: Statement
) -> Statement:
    """A non-statement close to the review threshold: what it would be as a statement (kind, issuer,
    signatories, for the reviewer to accept), still a non-statement with its own confidence and cues."""

    hints = replace(await ctx.hints(source, item), statements_only=True)
    forced = await off_loop(len(page.body), _read, page.body, page.content_type, hints)
    return replace(forced, is_statement=False, confidence=statement.confidence, evidence=statement.evidence)


def _read(body: bytes, content_type: str, hints: Hints) -> Statement:
    """A fetched page (HTML, PDF) read as a statement: its text, then the extraction."""
    from bot import extract

    return extract.extract_statement(extract.document_text(body, content_type), hints)


async def off_loop(size: int, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
    """Run the CPU-bound step ``fn`` (parsing, extraction) on a thread when its input is large, so the loop
    stays responsive; an input of at most INLINE_BYTES runs here: it takes about a millisecond, less than
    the hop to a thread and back (an executor future, a wake-up, the GIL handed over twice)."""
    if size <= INLINE_BYTES:
        return fn(*args, **kw)
    return await asyncio.to_thread(fn, *args, **kw)


def _feed_page(item: Item) -> str:
    """A feed's full text wrapped as a page, with its title as the heading."""
    from html import escape  # here: a poll of unchanged sources never needs it

    title = item.title or ""
    return f"<html><body><article><h1>{escape(title)}</h1>{item.content_html}</article></body></html>"


async def _follow_full_text(
    ctx: PollContext, source: Source, statement: Statement, hints: Hints, refused: list[str]
) -> Statement:
    """The page only links to the full statement (a PDF, "read the full statement"): extract that too."""

    url = statement.full_text_links[0]
    try:
        fetched = await ctx.fetcher.fetch(url, fetch.source_policy(source))
    except FetchError as e:
        if e.kind == "refused":
            _note_refused(source, e, refused)
        else:
            log.info("source=%s full text %s not fetched: %s", source.id, url, e)
        return statement
    full = await off_loop(len(fetched.body), _read, fetched.body, fetched.content_type, hints)
    return _merge(statement, full)


def _note_refused(source: Source, error: FetchError, refused: list[str]) -> None:
    """A link the link rule refused: one warning line, kept for the source's record."""
    log.warning("source=%s %s", source.id, error)
    refused.append(str(error))


def _merge(page: Statement, full: Statement) -> Statement:
    """Keep the page's title and date; take the full text's signatories when it has more."""
    if not full.is_statement or len(full.signatories) + len(full.individuals) <= len(page.signatories):
        return page
    return replace(
        full,
        title=page.title or full.title,
        published=page.published or full.published,
        is_statement=True,
        kind=full.kind or page.kind,
        issuer=full.issuer if len(full.signatories) <= 1 else None,
    )


def _with_defaults(statement: Statement, item: Item) -> Statement:
    return replace(
        statement,
        title=statement.title or item.title,
        published=statement.published or item.published,
    )


def resolve_signatures(statement: Statement, index: orgs.OrgIndex) -> tuple[SignatureRecord, ...]:
    """Each signatory name → an organisation id (None: storage creates a provisional one)."""
    from bot import orgs

    out = []
    for pos, name in enumerate(statement.signatories):
        match = orgs.resolve(name, index)
        role = "issuer" if statement.issuer and name == statement.issuer else "signatory"
        out.append(
            SignatureRecord(raw_name=name, position=pos, org_id=match.org_id, score=match.score, role=role)
        )
    return tuple(out)


# ───────────────────────────── a stored page again ─────────────────────────────


def reextract(
    db: storage.Db, page: StoredPage, sources: dict[str, Source], index: orgs.OrgIndex
) -> ReextractReport:
    """Extract a stored statement's page again (the hints of its source, as a poll), resolve its
    signatories and apply the result; what changed. A page no longer read as a statement is left alone."""
    from bot import extract, orgs

    stored = storage.get_statement(db, page.statement_id)
    if stored is None:
        return ReextractReport(page.statement_id, skipped="no stored statement")
    decision = storage.decision_of(db, page.statement_id)
    if decision is not None and not decision.is_statement:
        return ReextractReport(page.statement_id, skipped=f"rejected by a reviewer ({decision.by})")
    source = sources.get(stored.source)
    hints = source_hints(db, source, url=page.url) if source else Hints(url=page.url)
    hints = replace(hints, language=hints.language or stored.language, published=stored.published)
    if decision is not None:  # a person said it is a statement: read it as one
        hints = replace(hints, statements_only=True)
    st = extract.extract_statement(extract.document_text(page.body, page.content_type), hints)
    if not st.is_statement:
        return ReextractReport(page.statement_id, skipped="not detected as a statement")
    st = replace(st, title=st.title or stored.title, published=st.published or stored.published)
    if decision is not None:  # the reviewer's kind, issuer and signatories stay
        st = replace(
            st,
            kind=decision.kind or st.kind,
            issuer=decision.issuer or st.issuer,
            signatories=decision.signatories if decision.signatories is not None else st.signatories,
            confidence=stored.confidence,
            evidence=stored.evidence,
        )
    return storage.apply_reextraction(
        db,
        page.statement_id,
        st,
        list(resolve_signatures(st, index)),
        title_norm=orgs.normalize(st.title or ""),
        body_norm=orgs.normalize(st.body[:BODY_NORM_MAX]),
        now=utcnow(),
    )
