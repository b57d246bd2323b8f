"""The store's view of writes (bot/storage/db.py) and the outbox's "maybe delivered" mark, on real SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import storage

NOW = datetime(2026, 1, 11, 10, 0, tzinfo=UTC)
READ_ONLY = "attempt to write a readonly database"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[storage.Store]:
    with storage.Store(str(tmp_path / "bayan.db")) as s:
        yield s


def query_only(db: storage.Db, on: bool) -> None:
    db.execute(f"PRAGMA query_only = {int(on)}")


def tables(db: storage.Db) -> list[str]:
    return [r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def test_a_refused_write_is_not_writable_until_a_write_succeeds(store: storage.Store) -> None:
    assert store.write_error is None and store.run(storage.write_problem) is None
    store.run(query_only, True)
    with pytest.raises(storage.NotWritable) as refused:
        store.run(storage.add_alert, 1, "x", NOW)
    assert refused.value.reason == READ_ONLY and str(refused.value) == f"database not writable: {READ_ONLY}"
    assert isinstance(refused.value.__cause__, sqlite3.OperationalError)
    assert store.write_error == READ_ONLY
    assert store.run(storage.next_due_at) is None and store.write_error == READ_ONLY  # reads change nothing
    store.run(query_only, False)
    store.run(storage.add_alert, 1, "x", NOW)
    assert store.write_error is None


async def test_the_probe_writes_for_real_and_leaves_nothing(store: storage.Store) -> None:
    before = store.run(tables)
    store.run(query_only, True)
    assert await store.probe_write() == READ_ONLY and store.write_error == READ_ONLY
    store.run(query_only, False)
    assert await store.probe_write() is None and store.write_error is None
    assert store.run(tables) == before


def test_other_errors_stay_sqlite_errors(store: storage.Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.run(
            lambda db: db.execute(
                "INSERT INTO deliveries (chat_id, next_try_at, created_at) VALUES (1, 0, 0)"
            )
        )
    assert store.write_error is None


def rows(db: storage.Db) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM deliveries ORDER BY id"))


def test_the_maybe_delivered_mark_survives_later_errors(store: storage.Store) -> None:
    first, second = (store.run(storage.add_alert, chat, "x", NOW) for chat in (1, 2))
    store.run(storage.reschedule_maybe_delivered, first, NOW + timedelta(minutes=5), "timed out")
    due = {d.id: d for d in store.run(storage.due_deliveries, NOW + timedelta(minutes=5))}
    assert due[first].maybe_delivered and not due[second].maybe_delivered
    store.run(storage.reschedule, first, NOW + timedelta(minutes=6), "Too Many Requests: retry after 9")
    assert store.run(rows)[0]["last_error"] == "maybe delivered; Too Many Requests: retry after 9"
    store.run(storage.drop_delivery, first, "gone")
    store.run(storage.reschedule, second, NOW, "network")
    first_row, second_row = store.run(rows)
    assert first_row["status"] == "dropped" and first_row["last_error"].startswith(storage.MAYBE_DELIVERED)
    assert second_row["last_error"] == "network"
    assert store.run(storage.count_maybe_delivered) == 1


@pytest.mark.parametrize("known", [False, True], ids=["first success", "later success"])
def test_a_successful_polls_health_is_one_statement_with_the_same_row(known: bool) -> None:
    """``record_success`` writes the source's health in one statement (an upsert; it ran two for every
    changed source: bench/poll_cycle.py): the row a first success creates and the row a later one leaves
    are exactly what the insert-then-update wrote, the columns it does not own kept."""
    from bot.models import Validators

    db = storage.open_db(":memory:")
    if known:
        db.execute(
            """INSERT INTO source_state (source_id, last_error, error_kind, error_count, empty_count,
                 next_check_at, retry_until) VALUES ('s', 'HTTP 503', 'http', 3, 1, 'x', 'y')"""
        )
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    later = NOW + timedelta(hours=1)
    storage.record_success(db, "s", now=NOW, next_check=later, validators=Validators('"e"', None, "sha"))
    db.conn.set_trace_callback(None)
    assert len([s for s in seen if "source_state" in s]) == 1, seen
    [row] = list(db.query("SELECT * FROM source_state"))
    assert row == {
        "source_id": "s",
        "etag": '"e"',
        "last_modified": None,
        "content_sha": "sha",
        "last_ok_at": "2026-01-11T10:00:00.000000+00:00",
        "last_error": "HTTP 503" if known else None,
        "error_kind": "http" if known else None,
        "error_count": 0,
        "empty_count": 0,
        "next_check_at": "2026-01-11T11:00:00.000000+00:00",
        "retry_until": None,
        "baseline_done": 1,
        "last_polled_at": "2026-01-11T10:00:00.000000+00:00",
    }


def test_stored_times_are_one_utc_text_per_instant_whatever_was_asked_before() -> None:
    """``_conv.ts`` keeps the texts it made (a poll stores its few times in a dozen rows): an instant in
    another zone, a naive time (taken as UTC) and an aware one give the texts they always gave."""
    from datetime import timezone

    from bot.storage._conv import ts

    aware = datetime(2026, 1, 11, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2026, 1, 11, 12, 0)
    for _ in range(2):  # the second time from what was kept
        assert ts(aware) == "2026-01-11T10:00:00.000000+00:00"
        assert ts(naive) == "2026-01-11T12:00:00.000000+00:00"
        assert ts(NOW) == "2026-01-11T10:00:00.000000+00:00"
        assert ts(None) is None
