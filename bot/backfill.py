"""`bayan backfill`: walk each source's history back in time and store what it finds, never announcing it.

Owns the walk of one source: which layout its history has (``layout_of``), the cursor of the next page
(stored in ``backfill_state`` after every page, so a second run continues), when the walk ends, and the
politeness of it (a delay between pages, the fetcher's per-host limit, Retry-After honoured by
``PoliteFetcher``). Each page's items go through the poll's own steps (``pipeline.read_items``: fetch,
extract, resolve; the link rule of ``bot.netguard`` on every fetch) and are stored with the new cursor in
one transaction (``storage.save_backfill_page``): no deliveries, the source's poll state untouched.

Layouts: ``wordpress`` (a REST endpoint, ``/wp-json/`` or ``rest_route=``: ``page``/``per_page`` ≤ 100,
newest first, ``X-WP-TotalPages``; a ``wordpress`` source on its RSS feed is walked as a ``feed``),
``page_url`` (a numbered listing: ``url`` first, then ``{n}`` from ``page_start``), ``next`` (a listing's
older-page link, ``selectors.next``), ``feed`` (RFC 5005 ``prev-archive`` / ``next`` links; a feed without
them gets a note saying it holds only its latest items), ``sitemap`` (the ``sitemap:`` key: its entries
newest first by ``lastmod``, ``BATCH`` per page; the lastmod is an entry's date when its page shows none)
and ``latest`` (a listing without ``selectors.next``: its one page, with a note). A listing walk ends at its
last page (no older link, past ``X-WP-TotalPages``, a 404 or an empty listing after the first page) and at
the first page with no new item and no older date, or whose items were all met before in the run (a site
that repeats a page).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal
from urllib.parse import urlsplit

from bot import archive, fetch, parse, pipeline, storage
from bot.identity import item_key
from bot.models import (
    BackfillState,
    Fetched,
    FetchError,
    Item,
    ItemRecord,
    LinkPolicy,
    ParseError,
    PollWrite,
    Source,
    Validators,
)

log = logging.getLogger(__name__)

Layout = Literal["wordpress", "page_url", "next", "feed", "sitemap", "latest"]
BATCH = 50  # sitemap entries read per page
SOURCES_AT_ONCE = 8  # sources walked at the same time (each one's pages one after the other)
RETRIES = 3  # a 429 / 503 is retried this often, after the wait the server asked for
MAX_WAIT = 300.0  # a longer Retry-After stops the source: run again later
END_STATUSES = frozenset({400, 404, 410})  # past the last page (WordPress answers 400 there)

LATEST_FEED = (
    "the feed only holds its latest items (it has no RFC 5005 archive links, prev-archive or next); "
    "set page_url (or sitemap) in feeds.yaml to backfill older statements "
    "(a WordPress feed pages as …/feed/?paged={n})"
)
LATEST_PAGE = (
    "the listing has no older-page link configured; set selectors.next or page_url (or sitemap) "
    "in feeds.yaml to backfill older statements"
)


@dataclass(frozen=True)
class Options:
    """One run: ``since`` (items dated before it are not read), ``max_pages`` per source, ``restart``
    (forget the stored cursors), ``delay`` seconds between two pages of a source."""

    since: date | None = None
    max_pages: int | None = None
    restart: bool = False
    delay: float = 1.0
    max_wait: float = MAX_WAIT


@dataclass
class Progress:
    """What one source's walk did in this run so far (``on_page`` gets it after every page)."""

    source_id: str
    layout: Layout
    pages: int = 0
    items: int = 0
    statements: int = 0
    failed: int = 0  # items not read for a passing reason (not stored: `--restart` tries them again)
    reached: date | None = None
    done: bool = False
    stopped: str | None = None  # why the walk stopped before the end: "max_pages", "since", "error"
    error: str | None = None
    note: str | None = None
    earlier: BackfillState | None = None  # the stored walk this run continued, if any


OnPage = Callable[[Progress], None]


# ───────────────────────────── politeness ─────────────────────────────


class PoliteFetcher(fetch.Fetcher):
    """The fetcher of a backfill: a 429 or 503 is retried after the Retry-After the server sent (else
    1, 2, 4 s), and every fetch to that host waits until then; a Retry-After over ``max_wait`` seconds is
    a FetchError saying so. The per-host limit and the link rule are ``fetch.Fetcher``'s."""

    def __init__(self, *args: Any, max_wait: float = MAX_WAIT, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._max_wait = max_wait
        self._pause: dict[str, float] = {}  # host → loop time before which nothing is sent to it

    async def fetch(self, url: str, policy: LinkPolicy | None = None) -> Fetched:
        host = _host(url)
        loop = asyncio.get_running_loop()
        for attempt in range(RETRIES + 1):
            if (wait := self._pause.get(host, 0.0) - loop.time()) > 0:
                await asyncio.sleep(wait)
            try:
                return await super().fetch(url, policy)
            except FetchError as e:
                if e.status not in (429, 503) or attempt == RETRIES:
                    raise
                wait = e.retry_after if e.retry_after is not None else float(2**attempt)
                if wait > self._max_wait:
                    raise FetchError(
                        url, f"{e}; the server asked to wait {wait:g} s (run again later)", status=e.status
                    ) from None
                self._pause[host] = max(self._pause.get(host, 0.0), loop.time() + wait)
                log.info("backfill: %s asked to wait %g s (%s)", host, wait, e)
        raise AssertionError("unreachable")


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


# ───────────────────────────── runs ─────────────────────────────


def layout_of(source: Source) -> Layout:
    """How ``source``'s history is walked: page_url, then a sitemap, then by type (see the module doc)."""
    if source.page_url:
        return "page_url"
    if source.sitemap:
        return "sitemap"
    if source.type == "wordpress" and ("/wp-json/" in source.url or "rest_route=" in source.url):
        return "wordpress"
    if source.type == "page":
        return "next" if source.selectors and source.selectors.next else "latest"
    return "feed"


async def backfill(
    ctx: pipeline.PollContext,
    sources: list[Source],
    options: Options,
    on_page: OnPage | None = None,
    on_done: OnPage | None = None,
) -> list[Progress]:
    """Walk every source in ``sources`` (several at a time); one Progress each, in their order. Never
    raises for a source's problems: they end that source's walk (``Progress.error``), the others go on.
    ``on_page`` is called after every page, ``on_done`` when a source's walk ends."""
    polite = PoliteFetcher(ctx.fetcher.client, per_host=ctx.fetcher.per_host, max_wait=options.max_wait)
    walk_ctx = pipeline.PollContext(fetcher=polite, store=ctx.store, now=ctx.now)
    lanes = asyncio.Semaphore(SOURCES_AT_ONCE)

    async def one(source: Source) -> Progress:
        async with lanes:
            progress = await backfill_source(walk_ctx, source, options, on_page)
        if on_done is not None:
            on_done(progress)
        return progress

    return list(await asyncio.gather(*(one(s) for s in sources)))


async def backfill_source(
    ctx: pipeline.PollContext, source: Source, options: Options, on_page: OnPage | None = None
) -> Progress:
    """Walk one source's history from its stored cursor (or from the newest page)."""
    progress = Progress(source.id, layout_of(source))
    try:
        await _walk(ctx, source, options, progress, on_page or (lambda p: None))
    except Exception as e:  # a bug must not stop the other sources
        log.exception("source=%s backfill failed", source.id)
        progress.stopped, progress.error = "error", f"internal error: {e!r}"
    return progress


@dataclass
class _Walk:
    """One run over one source: where it is, and what it met."""

    source: Source
    options: Options
    progress: Progress
    state: BackfillState
    cursor: dict[str, Any]
    met: set[str] = field(default_factory=set)  # item keys met in this run
    entries: list[tuple[str, date | None]] | None = None  # a sitemap's, read once per run


async def _walk(
    ctx: pipeline.PollContext, source: Source, options: Options, progress: Progress, on_page: OnPage
) -> None:
    walk = await _start(ctx, source, options, progress)
    if walk is None:
        return
    while True:
        if options.max_pages is not None and progress.pages >= options.max_pages:
            progress.stopped = "max_pages"
            return
        if progress.pages and options.delay > 0:
            await asyncio.sleep(options.delay)
        if not await _one_page(ctx, walk):
            return
        on_page(progress)
        if progress.done or progress.stopped:
            return


async def _start(
    ctx: pipeline.PollContext, source: Source, options: Options, progress: Progress
) -> _Walk | None:
    """The stored walk to continue (None when it is done: nothing to do), or a fresh one."""
    if options.restart:
        await ctx.store.call(storage.reset_backfill, source.id)
    stored = await ctx.store.call(storage.get_backfill, source.id)
    now = ctx.now()
    if stored is not None and stored.layout != progress.layout:
        log.info("source=%s history layout is now %s (was %s): starting over", source.id, progress.layout,
                 stored.layout)  # fmt: skip
        stored = None
    if stored is not None and stored.done:
        progress.earlier, progress.done, progress.reached = stored, True, stored.reached
        return None
    state = stored or BackfillState(source.id, progress.layout, started_at=now, updated_at=now)
    progress.earlier = stored
    cursor = json.loads(stored.cursor) if stored and stored.cursor else {}
    return _Walk(source, options, progress, state, cursor)


async def _one_page(ctx: pipeline.PollContext, walk: _Walk) -> bool:
    """Read, store and account for the page at the cursor; False when the walk must stop here."""
    source, progress = walk.source, walk.progress
    try:
        items, dates, nxt = await _read(ctx, walk)
    except (FetchError, ParseError) as e:
        if _past_the_end(walk, e):
            await _save(ctx, walk, [], None, [], ended=True, read=False)
            return False
        progress.stopped, progress.error = "error", f"{e}"
        await ctx.store.call(storage.save_backfill_state, replace(walk.state, last_error=str(e)))
        return False
    keys = [i.key for i in items]
    unseen = await ctx.store.call(storage.unseen_keys, source.id, keys) if keys else set()
    new = [i for i in items if i.key in unseen]
    too_old = {i.key for i in new if _before(dates.get(i.key), walk.options.since)}
    wanted = [i for i in new if i.key not in too_old]
    records, refused = await pipeline.read_items(ctx, source, wanted)
    progress.failed += len(wanted) - len(records)
    oldest = min((d for d in dates.values() if d), default=None)
    repeated = bool(keys) and all(k in walk.met for k in keys)
    older = oldest is not None and (progress.reached is None or oldest < progress.reached)
    stale = walk.cursor != {} and not new and not older and progress.layout != "sitemap"
    walk.met.update(keys)
    if too_old:  # stop here; a later run without --since (or an earlier one) reads this page again
        progress.stopped = "since"
        nxt = walk.cursor
    ended = nxt is None or repeated or stale
    await _save(ctx, walk, records, nxt, refused, ended=ended and not too_old, oldest=oldest)
    return True


def _before(day: date | None, since: date | None) -> bool:
    return day is not None and since is not None and day < since


def _past_the_end(walk: _Walk, e: FetchError | ParseError) -> bool:
    """After the first page, a 404 / 410 / 400 or a listing that matches nothing is the end of history."""
    if walk.cursor == {} or walk.progress.layout == "sitemap":
        return False
    if isinstance(e, ParseError):
        return e.kind == "empty"
    return e.status in END_STATUSES


async def _save(
    ctx: pipeline.PollContext,
    walk: _Walk,
    records: list[ItemRecord],
    nxt: dict[str, Any] | None,
    refused: list[str],
    *,
    ended: bool,
    oldest: date | None = None,
    read: bool = True,
) -> None:
    """Store the page's records and the walk's new cursor together; count them."""
    progress, now = walk.progress, ctx.now()
    dated = [d for r in records if (d := _date_of(r))]
    reached = min([d for d in (progress.reached, walk.state.reached, oldest, *dated) if d], default=None)
    state = replace(
        walk.state,
        cursor=None if ended or nxt is None else json.dumps(nxt),
        done=ended,
        pages=walk.state.pages + read,
        items=walk.state.items + len(records),
        reached=reached,
        updated_at=now,
        last_error=refused[-1] if refused else None,
    )
    write = PollWrite(
        source_id=walk.source.id,
        now=now,
        next_check=now,
        validators=Validators(),
        records=tuple(records),
        announce=False,
        refused=tuple(refused),
        review=walk.source.review,
        health=False,
    )
    ids = await ctx.store.call(storage.save_backfill_page, write, state)
    if ids:
        await ctx.extend_index()  # provisional organisations may have been created
    walk.state = replace(state, statements=state.statements + len(ids))
    walk.cursor = nxt or {}
    progress.pages += read
    progress.items += len(records)
    progress.statements += len(ids)
    progress.reached = reached
    progress.done = ended


def _date_of(record: ItemRecord) -> date | None:
    st = record.statement
    return (st.published if st is not None else None) or record.item.published


# ───────────────────────────── one page per layout ─────────────────────────────


Read = tuple[list[Item], dict[str, date | None], dict[str, Any] | None]  # items, their dates, next cursor


async def _read(ctx: pipeline.PollContext, walk: _Walk) -> Read:
    layout = walk.progress.layout
    if layout == "sitemap":
        return await _read_sitemap(ctx, walk)
    source, cursor = walk.source, walk.cursor
    url = _page_url(source, layout, cursor)
    fetched = await ctx.fetcher.fetch(url, fetch.source_policy(source))
    items = await pipeline.off_loop(
        len(fetched.body), parse.parse_items, fetched, source, today=ctx.now().date()
    )
    dates = {i.key: i.published for i in items}
    return items, dates, _next_cursor(walk, layout, fetched, items)


def _page_url(source: Source, layout: Layout, cursor: dict[str, Any]) -> str:
    if layout == "wordpress":
        return archive.wordpress_page_url(source.url, int(cursor.get("n", 1)))
    if layout == "page_url" and "n" in cursor and source.page_url:
        return archive.numbered_page_url(source.page_url, int(cursor["n"]))
    return str(cursor.get("url") or source.url)


def _next_cursor(walk: _Walk, layout: Layout, fetched: Fetched, items: list[Item]) -> dict[str, Any] | None:
    source, cursor = walk.source, walk.cursor
    if layout == "wordpress":
        n = int(cursor.get("n", 1))
        last = fetched.total_pages
        return None if not items or (last is not None and n >= last) else {"n": n + 1}
    if layout == "page_url":
        return {"n": int(cursor["n"]) + 1 if "n" in cursor else source.page_start}
    if layout == "next":
        assert source.selectors is not None and source.selectors.next is not None
        link = archive.next_page_link(fetched, source.selectors.next)
        return {"url": link} if link and link not in (fetched.url, cursor.get("url")) else None
    if layout == "feed":
        link = archive.feed_archive_link(fetched)
        if link is None and not cursor:
            walk.progress.note = LATEST_FEED
        return {"url": link} if link and link != fetched.url else None
    walk.progress.note = LATEST_PAGE
    return None


async def _read_sitemap(ctx: pipeline.PollContext, walk: _Walk) -> Read:
    """The next BATCH entries of the sitemap (read once per run, an index's children too), newest first."""
    if walk.entries is None:
        walk.entries = await _sitemap_entries(ctx, walk.source)
    offset = int(walk.cursor.get("offset", 0))
    batch = walk.entries[offset : offset + BATCH]
    items = [Item(item_key(None, url, None, None), url, published=day) for url, day in batch]
    dates = {i.key: d for i, (_, d) in zip(items, batch, strict=True)}
    end = offset + BATCH >= len(walk.entries)
    return items, dates, None if end else {"offset": offset + BATCH}


async def _sitemap_entries(ctx: pipeline.PollContext, source: Source) -> list[tuple[str, date | None]]:
    assert source.sitemap is not None
    policy = fetch.source_policy(source)
    top = archive.sitemap(await ctx.fetcher.fetch(source.sitemap, policy))
    entries = list(top.entries)
    for child in top.children[:100]:
        entries += archive.sitemap(await ctx.fetcher.fetch(child, policy)).entries
    return archive.newest_first(tuple(entries))


def describe(p: Progress) -> str:
    """One plain line for a source's walk (the CLI's line when its output is not a terminal), and a
    second one with the note when the source's history cannot be walked further."""
    earlier = p.earlier
    if p.done and earlier is not None and earlier.done and p.pages == 0:
        back = f" back to {earlier.reached.isoformat()}" if earlier.reached else ""
        return (
            f"{p.source_id}: history already read{back} ({earlier.statements} statements; "
            "--restart reads it again)"
        )
    head = f"{p.source_id}: {p.pages} pages, {p.items} items, {p.statements} statements"
    if p.reached:
        head += f", back to {p.reached.isoformat()}"
    if p.error:
        line = f"{head} — error: {p.error} (run again to continue from this page)"
    elif p.stopped == "max_pages":
        line = f"{head} — stopped after --max-pages {p.pages} (run again to continue)"
    elif p.stopped == "since":
        line = f"{head} — reached --since (older items not read)"
    else:
        line = f"{head} — done"
    if p.failed:
        line += f"; {p.failed} items could not be read (--restart tries them again)"
    return line + (f"\n{p.source_id}: {p.note}" if p.note else "")
