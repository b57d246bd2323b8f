"""The history walk of ``bayan backfill`` (table ``backfill_state``) and how far back each source's
stored statements go.

``save_backfill_page`` is the single write of one page of a source's history: its items (as a poll
stores them, ``statements.save_poll``, never announced and leaving the source's poll state alone) and the
walk's new cursor in ONE transaction, so an interrupted run resumes at the first page it did not store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlite_utils import Database

from bot.models import BackfillState, PollWrite
from bot.storage._conv import day, one, parse_day, parse_ts, rows, ts
from bot.storage.statements import save_poll


def get_backfill(db: Database, source_id: str) -> BackfillState | None:
    row = one(db, "SELECT * FROM backfill_state WHERE source_id = ?", [source_id])
    return _state(row) if row else None


def list_backfill(db: Database) -> dict[str, BackfillState]:
    """Every source's walk, by source id."""
    return {r["source_id"]: _state(r) for r in rows(db, "SELECT * FROM backfill_state")}


def _state(row: dict[str, object]) -> BackfillState:
    return BackfillState(
        source_id=str(row["source_id"]),
        layout=str(row["layout"]),
        cursor=row["cursor"] if isinstance(row["cursor"], str) else None,
        done=bool(row["done"]),
        pages=int(str(row["pages"])),
        items=int(str(row["items"])),
        statements=int(str(row["statements"])),
        reached=parse_day(row["reached"] if isinstance(row["reached"], str) else None),
        started_at=parse_ts(row["started_at"] if isinstance(row["started_at"], str) else None),
        updated_at=parse_ts(row["updated_at"] if isinstance(row["updated_at"], str) else None),
        last_error=row["last_error"] if isinstance(row["last_error"], str) else None,
    )


def save_backfill_state(db: Database, state: BackfillState) -> None:
    """Write the walk of one source (insert or replace)."""
    db.execute(
        """INSERT OR REPLACE INTO backfill_state (source_id, layout, cursor, done, pages, items, statements,
             reached, started_at, updated_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            state.source_id,
            state.layout,
            state.cursor,
            int(state.done),
            state.pages,
            state.items,
            state.statements,
            day(state.reached),
            ts(state.started_at or state.updated_at),
            ts(state.updated_at or state.started_at),
            state.last_error,
        ],
    )


def reset_backfill(db: Database, source_id: str) -> None:
    """`--restart`: forget the walk of one source (what it stored stays)."""
    with db.atomic():
        db.execute("DELETE FROM backfill_state WHERE source_id = ?", [source_id])


def save_backfill_page(db: Database, write: PollWrite, state: BackfillState) -> list[int]:
    """Store one page of a source's history and the walk's new state in ONE transaction; the ids of the
    statements it created. ``write`` must not announce and must leave the poll state alone."""
    if write.announce or write.health:
        raise ValueError("a backfill page is never announced and never touches the poll state")
    with db.atomic():
        created = save_poll(db, write)
        save_backfill_state(db, replace(state, statements=state.statements + len(created)))
    return created


def oldest_statements(db: Database) -> dict[str, date]:
    """The date of the oldest stored (shown) statement each source carried, by source id."""
    found = rows(
        db,
        """SELECT ss.source_id AS source_id, MIN(s.published) AS oldest
           FROM statement_sources ss JOIN statements s ON s.id = ss.statement_id
           WHERE s.hidden = 0 AND s.published IS NOT NULL GROUP BY ss.source_id""",
    )
    return {r["source_id"]: d for r in found if (d := parse_day(r["oldest"])) is not None}
