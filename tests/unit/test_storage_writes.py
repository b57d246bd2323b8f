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
