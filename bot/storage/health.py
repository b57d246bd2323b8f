"""What `bayan health` asks the database: can it be written, and when was a source last polled.

Owns `probe_write` (one real committed write: the time of the check in table ``meta``, key
``health_checked_at``; a read-only file, directory or disk fails it with SQLite's own reason) and
`last_poll` (the latest ``source_state.last_polled_at`` of the given sources, written by every poll:
success, not modified or failure).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from bot.storage._conv import chunks, parse_ts, scalars, ts


def probe_write(db: Database, now: datetime) -> str | None:
    """Commit one small write; None when it committed, else SQLite's reason (one line)."""
    try:
        with db.atomic():
            db.execute(
                """INSERT INTO meta (key, value) VALUES ('health_checked_at', ?)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
                [ts(now)],
            )
    except sqlite3.Error as e:
        return str(e).splitlines()[0] if str(e) else type(e).__name__
    return None


def last_poll(db: Database, source_ids: Sequence[str]) -> datetime | None:
    """The latest poll of any of the sources (None: none was ever polled)."""
    latest: list[str] = []
    for part in chunks(list(source_ids)):
        marks = ", ".join("?" for _ in part)
        latest += scalars(
            db,
            f"SELECT max(last_polled_at) FROM source_state WHERE source_id IN ({marks})",
            list(part),
        )
    found = [value for value in latest if value]
    return parse_ts(max(found)) if found else None
