"""Conversions between Python values and their stored text forms, plus tiny query helpers.

Owns the storage conventions: datetimes are ISO-8601 UTC strings of fixed width (microseconds, ``+00:00``,
so they sort as text), dates are ``YYYY-MM-DD``, booleans are 0/1. Naive datetimes are taken as UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlite_utils import Database
from sqlite_utils.db import dedupe_keys

T = TypeVar("T")

# SQLite's default limit of host parameters was 999 before 3.32; stay well below it.
CHUNK = 500


def ts(dt: datetime | None) -> str | None:
    """A datetime as stored: UTC, fixed-width ISO-8601 (naive values are taken as UTC)."""
    if dt is None:
        return None
    return _ts(dt)


@lru_cache(maxsize=256)
def _ts(dt: datetime) -> str:
    """``ts`` of one value, kept: a poll stores the same few times (its ``now``, its next check) in a dozen
    rows. Equal aware datetimes are one instant, so one UTC text; a naive one never equals an aware one."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ts(text: str | None) -> datetime | None:
    """The aware UTC datetime of a stored timestamp."""
    if not text:
        return None
    dt = datetime.fromisoformat(text)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def day(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def ts_or_now(dt: datetime | None) -> str:
    """A stored timestamp of ``dt``, or of the current time when None."""
    return ts(dt if dt is not None else datetime.now(UTC)) or ""


def chunks(seq: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``seq`` in slices of at most ``size`` (for IN lists)."""
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def one(db: Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
    """The first row of a query as a dict, or None."""
    cur = db.execute(sql, params)
    row = cur.fetchone()
    return dict(zip(dedupe_keys(d[0] for d in cur.description), row, strict=True)) if row else None


def rows(db: Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    """All rows of a query (a SELECT) as dicts. Unlike sqlite-utils' ``db.query`` it opens no savepoint
    around the statement (two more statements for every query of a poll)."""
    cur = db.execute(sql, params)
    keys = dedupe_keys(d[0] for d in cur.description)
    return [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]


def scalars(db: Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
    """The first column of every row of a query."""
    return [row[0] for row in db.execute(sql, params).fetchall()]


@contextmanager
def atomic(db: Database) -> Iterator[None]:
    """sqlite-utils' ``Database.atomic`` (a transaction, or a savepoint inside one; rolled back when the
    block raises) with one savepoint name for all. sqlite-utils names each savepoint afresh
    (``secrets.token_hex``: a system call, and two SQL texts never seen before, prepared for one use);
    SQLite releases or rolls back the innermost savepoint of a name, so nesting works the same. For the
    statements that run once per poll (``save_polls``, ``save_poll``)."""
    conn = db.conn
    if not conn.in_transaction:
        with db.atomic():  # BEGIN … COMMIT, as sqlite-utils does it
            yield
        return
    conn.execute("SAVEPOINT bayan")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # an error may have ended the whole transaction (RAISE(ROLLBACK))
            conn.execute("ROLLBACK TO SAVEPOINT bayan")
            conn.execute("RELEASE SAVEPOINT bayan")
        raise
    else:
        conn.execute("RELEASE SAVEPOINT bayan")
