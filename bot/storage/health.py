"""What `bayan health` asks the database besides `write_problem` (db.py): when a source was last polled.

Owns `last_poll`: the latest ``source_state.last_polled_at`` of the given sources, written by every poll
(success, not modified or failure).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from bot.storage._conv import chunks, parse_ts, scalars


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
