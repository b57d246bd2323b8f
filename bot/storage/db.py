"""Opening the database, owning its thread, and knowing whether it takes writes.

``open_db`` returns a ready connection (pragmas, WAL, migrations applied; with ``check``, the file and
its full-text index checked first by ``integrity.check``). ``Store`` (`bayan run`, `bayan poll`) owns one
dedicated thread that opens the connection, checked, and runs every call on it: sqlite3 connections are
bound to the thread that created them, and one thread serialises all writes for free.
A call the database refuses to write (read-only file or folder, full disk, I/O error) raises
``NotWritable`` and sets ``Store.write_error`` until a later write succeeds; ``write_problem`` probes
with a real commit that leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from sqlite_utils import Database

from bot.models import BayanError
from bot.storage import integrity
from bot.storage.integrity import unwritable_reason
from bot.storage.schema import migrations

Db: TypeAlias = Database

P = ParamSpec("P")
T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
_PROBE = "_bayan_write_probe"
PROBE_BYTES = 64 * 1024  # what the write probe commits (then drops): more than a free page or two


class NotWritable(BayanError):
    """The database refused a write (read-only, full disk, I/O error); ``reason`` is SQLite's message."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"database not writable: {reason}")
        self.reason = reason


def write_problem(db: Db) -> str | None:
    """None when a write reaches the database file; else why not. The probe creates a table holding
    PROBE_BYTES and drops it in one committed transaction: new pages and a commit (so a full disk shows
    too), and nothing is left behind."""
    try:
        with db.atomic():
            db.execute(f"CREATE TABLE IF NOT EXISTS {_PROBE} (x)")
            db.execute(f"INSERT INTO {_PROBE} VALUES (zeroblob({PROBE_BYTES}))")
            db.execute(f"DROP TABLE {_PROBE}")
    except sqlite3.Error as e:
        return unwritable_reason(e) or str(e).splitlines()[0]
    return None


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
        folder = Path(path).parent
        if path != ":memory:" and folder.is_dir() and not os.access(folder, os.W_OK):
            reason += f" (the folder {folder} is not writable)"
        raise BayanError(f"cannot open database {path}: {reason}") from e
    return db


class Store:
    """The database connection and the one thread ("sqlite_0") that runs every call on it.

    ``Store(path)`` opens the database on that thread, checked (BayanError when it can't, or when the
    file is damaged: ``open_db(check=True)``). Async code uses
    ``await store.call(fn, *args, **kw)``; the CLI uses ``store.run(fn, *args, **kw)``; both run
    ``fn(db, *args, **kw)`` on the DB thread. ``close()`` / ``await aclose()`` close the connection.

    ``Store(path, writable=True)`` (`bayan run`, `poll --once`) also fails at once, with BayanError
    "database not writable: …", when a write probe does not reach the file. ``write_error`` holds the
    reason while the database refuses writes: set by a call that raised NotWritable, cleared by a call that
    changed rows or by ``probe_write()``.
    """

    def __init__(self, path: str, *, writable: bool = False) -> None:
        self.path = path
        self.write_error: str | None = None
        self._closed = False
        self._ex = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        try:
            self._db = self._ex.submit(functools.partial(open_db, path, check=True)).result()
            problem = self._ex.submit(write_problem, self._db).result() if writable else None
        except BaseException:
            self._ex.shutdown(wait=True)
            raise
        if problem is not None:
            self.close()
            raise BayanError(f"database not writable: {path}: {problem}")

    async def call(self, fn: Callable[Concatenate[Db, P], T], *args: P.args, **kw: P.kwargs) -> T:
        """Run ``fn(db, *args, **kw)`` on the DB thread and await its result (NotWritable: see the class)."""
        self._check_open()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ex, functools.partial(self._tracked, fn, *args, **kw))

    def run(self, fn: Callable[Concatenate[Db, P], T], *args: P.args, **kw: P.kwargs) -> T:
        """Run ``fn(db, *args, **kw)`` on the DB thread, blocking until it returns (CLI, tests)."""
        self._check_open()
        return self._ex.submit(functools.partial(self._tracked, fn, *args, **kw)).result()

    async def probe_write(self) -> str | None:
        """Try a write now (``write_problem``); updates and returns ``write_error``."""
        self._check_open()
        loop = asyncio.get_running_loop()
        self.write_error = await loop.run_in_executor(self._ex, write_problem, self._db)
        return self.write_error

    def _tracked(self, fn: Callable[Concatenate[Db, P], T], *args: P.args, **kw: P.kwargs) -> T:
        """On the DB thread: run ``fn``; a refused write becomes NotWritable, a change clears write_error."""
        before = self._db.conn.total_changes
        try:
            result = fn(self._db, *args, **kw)
        except sqlite3.Error as e:
            reason = unwritable_reason(e)
            if reason is None:
                raise
            self.write_error = reason
            raise NotWritable(reason) from e
        if self._db.conn.total_changes != before and not self._db.conn.in_transaction:
            self.write_error = None
        return result

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
