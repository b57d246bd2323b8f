"""What the admins were told about each source's failures (table ``source_alerts``).

The rule that decides when to alert is ``pipeline.admin_alert``; this module only keeps its state, and
stores a new state together with the alerts it queues in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from bot.models import SourceAlert
from bot.storage._conv import one, parse_ts, ts
from bot.storage.outbox import add_alert


def get_source_alert(db: Database, source_id: str) -> SourceAlert:
    """The alert state of one source ("ok" for a source never alerted)."""
    row = one(db, "SELECT * FROM source_alerts WHERE source_id = ?", [source_id])
    if row is None:
        return SourceAlert(source_id)
    return SourceAlert(
        source_id=source_id,
        state=row["state"],
        since=parse_ts(row["since"]),
        alerted_at=parse_ts(row["alerted_at"]),
        failures=row["failures"],
        ok_streak=row["ok_streak"],
    )


def save_source_alert(
    db: Database, alert: SourceAlert, messages: Sequence[tuple[int, str]] = (), *, now: datetime
) -> None:
    """Store the new state of a source and queue its alerts ((chat id, text) pairs) in one transaction."""
    with db.atomic():
        db.execute(
            """INSERT INTO source_alerts (source_id, state, since, alerted_at, failures, ok_streak)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(source_id) DO UPDATE SET state = excluded.state, since = excluded.since,
                 alerted_at = excluded.alerted_at, failures = excluded.failures,
                 ok_streak = excluded.ok_streak""",
            [
                alert.source_id,
                alert.state,
                ts(alert.since),
                ts(alert.alerted_at),
                alert.failures,
                alert.ok_streak,
            ],
        )
        for chat_id, text in messages:
            add_alert(db, chat_id, text, now)
