"""Chats, subscriptions and the delivery outbox (tables ``chats``, ``subscriptions``, ``deliveries``).

A delivery is one statement (or one admin alert text) to send to one chat/thread; ``save_poll`` creates
them in the same transaction as the statement (``create_deliveries``), the sender drains them with
``due_deliveries`` and ``mark_sent`` / ``reschedule`` / ``drop_delivery``. ``thread_id`` None means "no
forum topic"; uniqueness treats it as 0 (``COALESCE(thread_id, 0)`` in the unique indexes).
A send that timed out may have been delivered: ``reschedule_maybe_delivered`` marks the row (its
``last_error`` starts with MAYBE_DELIVERED, kept by later reschedules and drops) so it is retried once only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.models import Chat, Delivery, Subscription
from bot.storage._conv import one, parse_ts, rows, ts

MAYBE_DELIVERED = "maybe delivered"  # last_error prefix of a row whose send timed out
_MAYBE = MAYBE_DELIVERED + "%"
# a new last_error keeps the maybe-delivered mark of the old one (the row is retried at most once)
_KEEP_MARK = (
    "CASE WHEN last_error LIKE :maybe AND COALESCE(:error, '') NOT LIKE :maybe"
    " THEN :mark || '; ' || COALESCE(:error, '') ELSE COALESCE(:error, last_error) END"
)

# chats shares only chat_id (the USING column) with subscriptions, so these names need no table prefix
_SUB_KEY = (
    "chat_id = ? AND COALESCE(thread_id, 0) = COALESCE(?, 0)"
    " AND kind = ? AND COALESCE(value, '') = COALESCE(?, '')"
)


def _chat(row: dict[str, Any]) -> Chat:
    return Chat(
        chat_id=row["chat_id"],
        language=row["language"],
        active=bool(row["active"]),
        subscriber_language=row.get("subscriber_language"),
    )


def get_chat(db: Database, chat_id: int) -> Chat | None:
    row = one(db, "SELECT * FROM chats WHERE chat_id = ?", [chat_id])
    return _chat(row) if row else None


def upsert_chat(
    db: Database,
    chat_id: int,
    *,
    now: datetime,
    language: str | None = None,
    title: str | None = None,
    type: str | None = None,
) -> Chat:
    """Record a chat as active; None arguments keep the stored language/title/type."""
    db.execute(
        """INSERT INTO chats (chat_id, language, active, title, type, updated_at) VALUES (?, ?, 1, ?, ?, ?)
           ON CONFLICT(chat_id) DO UPDATE SET language = COALESCE(excluded.language, language), active = 1,
             title = COALESCE(excluded.title, title), type = COALESCE(excluded.type, type),
             updated_at = excluded.updated_at""",
        [chat_id, language, title, type, ts(now)],
    )
    return _chat(one(db, "SELECT * FROM chats WHERE chat_id = ?", [chat_id]) or {})


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=row["id"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"],
        kind=row["kind"],
        value=row["value"],
        active=bool(row["active"]),
        language=row.get("language"),
        org_id=row["org_id"],
    )


def _find_subscription(
    db: Database, chat_id: int, thread_id: int | None, kind: str, value: str | None
) -> Subscription | None:
    row = one(
        db,
        f"""SELECT s.*, c.language FROM subscriptions s LEFT JOIN chats c USING (chat_id)
            WHERE {_SUB_KEY}""",
        [chat_id, thread_id, kind, value],
    )
    return _subscription(row) if row else None


def add_subscription(
    db: Database,
    chat_id: int,
    thread_id: int | None,
    kind: str,
    value: str | None,
    *,
    value_norm: str | None = None,
    org_id: int | None = None,
    language: str | None = None,
    now: datetime,
) -> tuple[Subscription, bool]:
    """Subscribe a chat/thread (the chat is recorded as active). ``created`` is False when an identical
    subscription was already active; an inactive one is reactivated (created True). ``language``: the
    subscriber's, kept as the chat's push language when the chat had none (or no active subscription)."""
    with db.atomic():
        db.execute(
            "INSERT INTO chats (chat_id, active, updated_at) VALUES (?, 1, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET active = 1",
            [chat_id, ts(now)],
        )
        if language is not None:  # the first subscriber's (or, once all were removed, the next one's)
            db.execute(
                """UPDATE chats SET subscriber_language = ? WHERE chat_id = ? AND (subscriber_language IS NULL
                     OR NOT EXISTS (SELECT 1 FROM subscriptions WHERE chat_id = ? AND active = 1))""",
                [language, chat_id, chat_id],
            )
        found = _find_subscription(db, chat_id, thread_id, kind, value)
        if found is not None and found.active:
            return found, False
        if found is not None:
            db.execute(
                "UPDATE subscriptions SET active = 1, value_norm = ?, org_id = ? WHERE id = ?",
                [value_norm, org_id, found.id],
            )
        else:
            db.execute(
                """INSERT INTO subscriptions (chat_id, thread_id, kind, value, value_norm, org_id, active,
                     created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)""",
                [chat_id, thread_id, kind, value, value_norm, org_id, ts(now)],
            )
        sub = _find_subscription(db, chat_id, thread_id, kind, value)
    assert sub is not None
    return sub, True


def remove_subscription(
    db: Database, chat_id: int, thread_id: int | None, kind: str, value: str | None
) -> bool:
    """Deactivate a subscription; False when there was no such active subscription."""
    cur = db.execute(
        f"UPDATE subscriptions SET active = 0 WHERE {_SUB_KEY} AND active = 1",
        [chat_id, thread_id, kind, value],
    )
    return cur.rowcount > 0


def list_subscriptions(db: Database, chat_id: int, thread_id: int | None = None) -> list[Subscription]:
    """The active subscriptions of one chat/thread, oldest first."""
    found = rows(
        db,
        """SELECT s.*, c.language FROM subscriptions s LEFT JOIN chats c USING (chat_id)
           WHERE s.chat_id = ? AND COALESCE(s.thread_id, 0) = COALESCE(?, 0) AND s.active = 1
           ORDER BY s.id""",
        [chat_id, thread_id],
    )
    return [_subscription(r) for r in found]


def create_deliveries(db: Database, statement_id: int, source_id: str, now: datetime) -> int:
    """One pending delivery per (chat, thread) with an active subscription matching the statement:
    all; source = its source; org = one of its signatories; keyword = value_norm in its normalised title
    or body. Returns the number created (existing ones are left alone)."""
    cur = db.execute(
        """INSERT OR IGNORE INTO deliveries (statement_id, chat_id, thread_id, status, attempts, next_try_at,
             created_at)
           SELECT DISTINCT st.id, s.chat_id, s.thread_id, 'pending', 0, :now, :now
           FROM statements st JOIN subscriptions s LEFT JOIN chats c ON c.chat_id = s.chat_id
           WHERE st.id = :sid AND st.hidden = 0 AND s.active = 1 AND COALESCE(c.active, 1) = 1 AND (
             s.kind = 'all'
             OR (s.kind = 'source' AND s.value = :source)
             OR (s.kind = 'org' AND s.org_id IN (SELECT org_id FROM signatures WHERE statement_id = :sid))
             OR (s.kind = 'keyword' AND COALESCE(s.value_norm, '') <> ''
                 AND (instr(st.title_norm, s.value_norm) > 0 OR instr(st.body_norm, s.value_norm) > 0)))
           ORDER BY s.id""",
        {"sid": statement_id, "source": source_id, "now": ts(now)},
    )
    return cur.rowcount


def _delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(
        id=row["id"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"],
        statement_id=row["statement_id"],
        alert_text=row["alert_text"],
        attempts=row["attempts"],
        language=row["language"],
        maybe_delivered=str(row["last_error"] or "").startswith(MAYBE_DELIVERED),
    )


def due_deliveries(db: Database, now: datetime, limit: int = 50) -> list[Delivery]:
    """Pending deliveries whose next_try_at has come, oldest first."""
    found = rows(
        db,
        """SELECT d.*, COALESCE(c.language, c.subscriber_language) AS language
           FROM deliveries d LEFT JOIN chats c ON c.chat_id = d.chat_id
           WHERE d.status = 'pending' AND d.next_try_at <= ? ORDER BY d.next_try_at, d.id LIMIT ?""",
        [ts(now), limit],
    )
    return [_delivery(r) for r in found]


def next_due_at(db: Database) -> datetime | None:
    """When the earliest pending delivery falls due (None: nothing pending)."""
    row = one(db, "SELECT MIN(next_try_at) AS t FROM deliveries WHERE status = 'pending'")
    return parse_ts(row["t"]) if row else None


def count_pending_for(db: Database, statement_ids: list[int]) -> int:
    """How many deliveries of these statements are still pending, due now or scheduled for a retry
    (0: every one was sent or dropped)."""
    if not statement_ids:
        return 0
    marks = ",".join("?" * len(statement_ids))
    row = one(
        db,
        f"SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending' AND statement_id IN ({marks})",
        statement_ids,
    )
    return int(row["n"]) if row else 0


def mark_sent(db: Database, delivery_id: int, now: datetime) -> None:
    db.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
        [ts(now), delivery_id],
    )


def _mark_args(delivery_id: int, error: str | None) -> dict[str, object]:
    return {"id": delivery_id, "error": error, "maybe": _MAYBE, "mark": MAYBE_DELIVERED}


def reschedule(db: Database, delivery_id: int, next_try_at: datetime, error: str | None = None) -> None:
    """Count a failed attempt and try again at ``next_try_at``."""
    db.execute(
        f"UPDATE deliveries SET attempts = attempts + 1, next_try_at = :at, last_error = {_KEEP_MARK}"
        " WHERE id = :id",
        {**_mark_args(delivery_id, error), "at": ts(next_try_at)},
    )


def reschedule_maybe_delivered(db: Database, delivery_id: int, next_try_at: datetime, error: str) -> None:
    """The send timed out (Telegram may have delivered it): mark the row, try once more at ``next_try_at``."""
    reschedule(db, delivery_id, next_try_at, f"{MAYBE_DELIVERED}: {error}")


def count_maybe_delivered(db: Database) -> int:
    """Deliveries whose send timed out at least once (maybe delivered), whatever became of them."""
    row = one(db, "SELECT COUNT(*) AS n FROM deliveries WHERE last_error LIKE ?", [_MAYBE])
    return int(row["n"]) if row else 0


def drop_delivery(db: Database, delivery_id: int, error: str | None = None) -> None:
    db.execute(
        f"UPDATE deliveries SET status = 'dropped', last_error = {_KEEP_MARK} WHERE id = :id",
        _mark_args(delivery_id, error),
    )


def deactivate_chat(db: Database, chat_id: int, error: str | None = None) -> None:
    """The chat blocked the bot or is gone: chat and subscriptions inactive, pending rows dropped."""
    with db.atomic():
        db.execute("UPDATE chats SET active = 0 WHERE chat_id = ?", [chat_id])
        db.execute("UPDATE subscriptions SET active = 0 WHERE chat_id = ?", [chat_id])
        db.execute(
            "UPDATE deliveries SET status = 'dropped', last_error = COALESCE(?, last_error) "
            "WHERE chat_id = ? AND status = 'pending'",
            [error, chat_id],
        )


def migrate_chat(db: Database, old: int, new: int) -> None:
    """A group became a supergroup: move the chat, its subscriptions and pending deliveries to ``new``
    (rows the new chat already has win; the old duplicates are removed / dropped)."""
    with db.atomic():
        db.execute(
            """INSERT OR IGNORE INTO chats (chat_id, language, subscriber_language, active, title, type,
                 updated_at)
               SELECT ?, language, subscriber_language, 1, title, type, updated_at FROM chats
               WHERE chat_id = ?""",
            [new, old],
        )
        db.execute(
            """UPDATE chats
               SET language = COALESCE(language, (SELECT language FROM chats WHERE chat_id = :old)),
                 subscriber_language = COALESCE(subscriber_language,
                   (SELECT subscriber_language FROM chats WHERE chat_id = :old))
               WHERE chat_id = :new""",
            {"old": old, "new": new},
        )
        db.execute("UPDATE chats SET active = 0 WHERE chat_id = ?", [old])
        db.execute("UPDATE OR IGNORE subscriptions SET chat_id = ? WHERE chat_id = ?", [new, old])
        db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [old])
        db.execute(
            "UPDATE OR IGNORE deliveries SET chat_id = ? WHERE chat_id = ? AND status = 'pending'", [new, old]
        )
        db.execute("UPDATE deliveries SET status = 'dropped' WHERE chat_id = ? AND status = 'pending'", [old])


def add_alert(db: Database, chat_id: int, text: str, now: datetime) -> int:
    """Queue an admin alert (plain text, no statement) for ``chat_id``; returns the delivery id."""
    cur = db.execute(
        """INSERT INTO deliveries (alert_text, chat_id, status, attempts, next_try_at, created_at)
           VALUES (?, ?, 'pending', 0, ?, ?)""",
        [text, chat_id, ts(now), ts(now)],
    )
    return int(cur.lastrowid or 0)
