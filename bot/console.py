"""What Bayan prints for people at a terminal: one line per poll result, a plain summary per statement,
the startup lines of `bayan run`, and the small formats they share (durations, plurals, isolates).

Used by console mode of `bayan run` (no token), by the `bayan` commands and by the bot's log of each poll.
No Telegram, no HTML: plain text only. Every field that may hold Arabic (titles, names, URLs, dates next
to them) is wrapped in Unicode isolates (FSI … PDI), so a line keeps its column order in a bidi terminal.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime

from bot import storage
from bot.models import PollResult, Source, SourceHealth, StoredStatement

log = logging.getLogger("bayan")

FSI, PDI = "\u2068", "\u2069"  # first strong isolate, pop directional isolate
NO_DATE = "----------"


def isolate(text: object) -> str:
    """``text`` as one bidi-isolated field: its direction never reorders the fields around it (plain
    when standard output cannot encode the isolates: an ASCII or Latin-1 terminal shows no Arabic)."""
    return f"{FSI}{text}{PDI}" if _isolates_printable() else str(text)


def isolate_rtl(text: object) -> str:
    """``text`` isolated when it holds a right-to-left letter (Arabic, Hebrew, Thaana, Syriac, N'Ko …),
    as is otherwise: for fields inside left-to-right lines whose plain form scripts may match (a Latin name
    or query cannot reorder such a line)."""
    value = str(text)
    return isolate(value) if any(_rtl(ch) for ch in value) else value


def _rtl(ch: str) -> bool:
    return "\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufeff" or "\U00010800" <= ch <= "\U00010fff"


def _isolates_printable() -> bool:
    try:
        (FSI + PDI).encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 signatory", "2 signatories" (``many`` defaults to ``one`` + "s")."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def format_duration(seconds: float) -> str:
    """A feeds.yaml-style duration: 45s, 30m, 6h, 1d, 1h30m."""
    left = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts) or "0s"


def format_result(r: PollResult) -> str:
    """One line per source: new items, new statements, error."""
    if r.error:
        return f"{r.source_id}: error ({r.error_kind}): {r.error}"
    if r.deferred_until:
        return f"{r.source_id}: deferred until {r.deferred_until.isoformat()} (server asked to wait)"
    if r.not_modified:
        return f"{r.source_id}: not modified, 0 new items, 0 new statements"
    tail = " (baseline: stored, not announced)" if r.baseline and not r.announced else ""
    if r.refused:
        tail += f"; {len(r.refused)} links refused, e.g. {r.refused[0]}"
    return f"{r.source_id}: {r.new_items} new items, {r.new_statements} new statements{tail}"


def log_result(r: PollResult) -> None:
    """Log one poll result: a failed source at WARNING, everything else at INFO."""
    log.log(logging.WARNING if r.error else logging.INFO, "%s", format_result(r))


async def print_statements(store: storage.Store, queue: asyncio.Queue[int]) -> None:
    """Print each statement id put on the queue, as it comes, until cancelled."""
    while True:
        statement_id = await queue.get()
        st = await store.call(storage.get_statement, statement_id)
        if st is not None:
            print(console_summary(st), flush=True)


def _day(st: StoredStatement) -> str:
    return st.published.isoformat() if st.published else NO_DATE


def console_summary(st: StoredStatement) -> str:
    """A plain-text summary of a new statement for the console."""
    who = st.issuer or plural(len(st.signatories), "organisation")
    names = "، ".join(st.signatories[:5]) + (
        f" (+{len(st.signatories) - 5})" if len(st.signatories) > 5 else ""
    )
    lines = [
        f"[{st.kind or 'statement'}] {isolate(st.title or '(no title)')}",
        f"  {isolate(_day(st))} · {st.source} · {isolate(who)}",
    ]
    if names and not st.issuer:
        lines.append(f"  {isolate(names)}")
    lines.append(f"  {isolate(st.url)}")
    return "\n".join(lines)


def statement_line(st: StoredStatement) -> str:
    """One stored statement as one line of `bayan statements`, `bayan signed` and `bayan search`."""
    who = st.issuer or plural(len(st.signatories), "signatory", "signatories")
    title = st.title or "(no title)"
    fields = f"{isolate(title)} — {isolate(who)} — {isolate(st.url)}"
    return f"{st.id:>5}  {isolate(_day(st))}  {st.kind or '-':<11} {fields}"


def new_statement_line(st: StoredStatement) -> str:
    """A statement a poll just stored, under its source's line: kind, date, title, signatory count."""
    count = plural(len(st.signatories), "signatory", "signatories")
    return f"  [{st.kind or 'statement'}] {isolate(_day(st))} {isolate(st.title or '(no title)')} — {count}"


def startup_lines(
    sources: Iterable[Source],
    healths: Mapping[str, SourceHealth],
    first_runs: Mapping[str, datetime],
    now: datetime,
    *,
    soon: float = 60.0,
) -> list[str]:
    """What `bayan run` says once its jobs are planned (``first_runs``: each source's first run, from
    ``healths`` as they were then): which sources start with a silent baseline, which are checked now (due
    within ``soon`` seconds) and when the first later check is."""
    enabled = [s for s in sources if s.enabled]
    if not enabled:
        return ["bayan: no enabled sources in the configuration: nothing will be polled"]
    lines = []
    fresh = [s.id for s in enabled if not s.announce_first_poll and not _baseline_done(healths, s.id)]
    if fresh:
        lines.append(
            f"bayan: the first poll of {plural(len(fresh), 'new source')} is a silent baseline: what is "
            "listed there now is stored, not announced (announce_first_poll: true announces it)"
        )
    due = sorted(i for i, when in first_runs.items() if (when - now).total_seconds() <= soon)
    later = sorted((when, i) for i, when in first_runs.items() if i not in due)
    each = "each source at its own interval (see `bayan sources`)"
    first_later = ""
    if later:
        when, source_id = later[0]
        wait = format_duration(max(0.0, (when - now).total_seconds()))
        first_later = f"{source_id} at {when.strftime('%Y-%m-%d %H:%M:%S')} UTC (in {wait})"
    if due:
        named = ", ".join(due[:5]) + (", …" if len(due) > 5 else "")
        then = f"{first_later}, and {each}" if first_later else each
        lines.append(f"bayan: next check: now, {plural(len(due), 'source')} due ({named}); then {then}")
    elif first_later:
        lines.append(f"bayan: next check: {first_later}, then {each}")
    return lines


def _baseline_done(healths: Mapping[str, SourceHealth], source_id: str) -> bool:
    health = healths.get(source_id)
    return health is not None and health.baseline_done
