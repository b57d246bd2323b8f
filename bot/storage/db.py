"""Opening the database and owning its thread.

``open_db`` returns a ready connection (pragmas, WAL, migrations applied; with ``check``, the file and
its full-text index checked first by ``integrity.check``). ``Store`` (`bayan run`, `bayan poll`) owns one
dedicated thread that opens the connection, checked, and runs every call on it: sqlite3 connections are
bound to the thread that created them, and one thread serialises all writes for free.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from sqlite_utils import Database

from bot.models import BayanError
from bot.storage import integrity
from bot.storage.schema import migrations

Db: TypeAlias = Database

P = ParamSpec("P")
T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000


def open_db(path: str, *, check: bool = False) -> Db:
    """Open (or create) the database at ``path`` (":memory:" allowed) and apply pending migrations.

    Sets foreign_keys=ON, busy_timeout 5 s and WAL (files only). An unusable path (a directory, no
    permission, not a database) raises BayanError with a one-line message naming the path. With ``check``,
    ``integrity.check`` runs first: a damaged full-text index is rebuilt, other damage is a BayanError.
    """
    db: Db | None = None
    try:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = Database(path, execute_plugins=False)  # no plugin entry-point scan: ≈ 15 ms a start
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path != ":memory:" and db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode, no fsync per commit
        if check:
            integrity.check(db)  # before migrations: they may write through a damaged index
        migrations.apply(db)
    except BayanError:
        if db is not None:
            db.close()
        raise
    except (OSError, sqlite3.Error) as e:
        if db is not None:
            db.close()
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise BayanError(f"cannot open database {path}: {reason}") from e
    return db


class Store:
    """The database connection and the one thread ("sqlite_0") that runs every call on it.

    ``Store(path)`` opens the database on that thread, checked (BayanError when it can't, or when the
    file is damaged: ``open_db(check=True)``). Async code uses
    ``await store.call(fn, *args, **kw)``; the CLI uses ``store.run(fn, *args, **kw)``; both run
    ``fn(db, *args, **kw)`` on the DB thread. ``close()`` / ``await aclose()`` close the connection.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._closed = False
        self._ex = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        try:
            self._db = self._ex.submit(functools.partial(open_db, path, check=True)).result()
        except BaseException:
            self._ex.shutdown(wait=True)
            raise

    async def call(self, fn: Callable[Concatenate[Db, P], T], *args: P.args, **kw: P.kwargs) -> T:
        """Run ``fn(db, *args, **kw)`` on the DB thread and await its result."""
        self._check_open()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ex, functools.partial(fn, self._db, *args, **kw))

    def run(self, fn: Callable[Concatenate[Db, P], T], *args: P.args, **kw: P.kwargs) -> T:
        """Run ``fn(db, *args, **kw)`` on the DB thread, blocking until it returns (CLI, tests)."""
        self._check_open()
        return self._ex.submit(functools.partial(fn, self._db, *args, **kw)).result()

    def close(self) -> None:
        """Close the connection (after the calls already queued) and stop the thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            self._ex.submit(self._db.close).result()
        finally:
            self._ex.shutdown(wait=True)

    async def aclose(self) -> None:
        """close() without blocking the event loop."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._ex, self._db.close)
        finally:
            self._ex.shutdown(wait=False)

    def _check_open(self) -> None:
        if self._closed:
            raise BayanError(f"database {self.path} is closed")

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
