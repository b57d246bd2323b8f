"""What Bayan prints for people at a terminal: one line per poll result, a plain summary per statement.

Used by console mode of `bayan run` (no token), by `bayan poll` and by the bot's log of each poll.
No Telegram, no HTML: plain text only.
"""

from __future__ import annotations

import asyncio

from bot import storage
from bot.models import PollResult, StoredStatement


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


async def print_statements(store: storage.Store, queue: asyncio.Queue[int]) -> None:
    """Print each statement id put on the queue, as it comes, until cancelled."""
    while True:
        statement_id = await queue.get()
        st = await store.call(storage.get_statement, statement_id)
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


def statement_line(st: StoredStatement) -> str:
    """One stored statement as one line of `bayan statements`, `bayan signed` and `bayan search`."""
    date = st.published.isoformat() if st.published else "----------"
    who = st.issuer or f"{len(st.signatories)} signatories"
    return f"{st.id:>5}  {date}  {st.kind or '-':<11} {st.title or '(no title)'} — {who} — {st.url}"
