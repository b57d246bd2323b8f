"""Whether a database file is sound: ``PRAGMA quick_check`` and the FTS5 ``integrity-check`` of the
full-text index, run when `bayan run` / `bayan poll` open the store and when a search fails.

A damaged full-text index is derived data: it is rebuilt from the statements, with a log line. Any other
damage is a BayanError of one line naming the file (nothing here can repair a table). The rebuild first
puts the index's shadow tables back to the state of a fresh index (copied from an empty one made in
memory with the same definition), so that even an index whose structure record is gone can be rebuilt.
FTS5's integrity-check is a write: on a file that refuses writes (``unwritable_reason``) it cannot run,
and the check ends with "database not writable: <file>: <reason>" instead (no rebuild could run either).
"""

from __future__ import annotations

import logging
import sqlite3

from sqlite_utils import Database

from bot.models import BayanError
from bot.storage._conv import scalars

log = logging.getLogger(__name__)

FTS = "statements_fts"
_SHADOWS = ("data", "idx", "docsize", "config")
# primary result codes meaning "the database cannot take writes now" (https://sqlite.org/rescode.html)
_UNWRITABLE_CODES = {3: "SQLITE_PERM", 8: "SQLITE_READONLY", 10: "SQLITE_IOERR", 13: "SQLITE_FULL"}
_CANTOPEN = 14  # at run time: a journal or WAL file cannot be created (read-only folder)


def unwritable_reason(error: BaseException) -> str | None:
    """SQLite's one-line message when ``error`` says the database cannot be written, else None."""
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    if code is None or (code & 0xFF) not in (*_UNWRITABLE_CODES, _CANTOPEN):
        return None
    return (str(error).splitlines() or [type(error).__name__])[0]


def db_file(db: Database) -> str:
    """The main file of ``db`` (":memory:" for an in-memory database)."""
    found = [r[2] for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main"]
    return found[0] if found and found[0] else ":memory:"


def _first_line(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def check(db: Database) -> None:
    """Check the whole file, then the full-text index; rebuild a damaged index (logged), raise BayanError
    for any other damage."""
    path = db_file(db)
    hint = f"restore a backup, or rescue what is left with: sqlite3 {path} .recover"
    try:
        problems = [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as e:
        raise BayanError(f"database {path} is damaged: {_first_line(e)}; {hint}") from e
    if problems != ["ok"]:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise BayanError(f"database {path} is damaged: {problems[0]}{more}; {hint}")
    damage = (
        fts_damage(db) if scalars(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = ?", [FTS])[0] else None
    )
    if damage is None:
        return
    log.warning("database %s: the full-text index is damaged (%s); rebuilding it", path, damage)
    try:
        rebuild_fts(db)
    except sqlite3.DatabaseError as e:
        raise BayanError(f"database {path}: the full-text index cannot be rebuilt: {_first_line(e)}") from e
    count = scalars(db, "SELECT COUNT(*) FROM statements")[0]
    log.warning("database %s: full-text index rebuilt (%s statements indexed)", path, count)


def fts_damage(db: Database) -> str | None:
    """What FTS5's integrity-check finds wrong in the index, None when sound; BayanError when the file
    refuses writes (the check cannot run). Not its check against the
    statements (rank 1): that re-reads every text (20 s instead of 2 s on 100,000 statements)."""
    try:
        db.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as e:
        refused = unwritable_reason(e)
        if refused is not None:  # the check itself is a write: no answer from this file
            raise BayanError(f"database not writable: {db_file(db)}: {refused}") from e
        return _first_line(e)
    return None


def rebuild_fts(db: Database) -> None:
    """Reset the index's shadow tables to those of a fresh index, then rebuild it from the statements."""
    create = scalars(db, "SELECT sql FROM sqlite_master WHERE name = ?", [FTS])[0]
    fresh = sqlite3.connect(":memory:")
    try:
        fresh.execute(create)
        data = fresh.execute(f"SELECT id, block FROM {FTS}_data").fetchall()
        config = fresh.execute(f"SELECT k, v FROM {FTS}_config").fetchall()
    finally:
        fresh.close()
    with db.atomic():
        for shadow in _SHADOWS:
            db.execute(f"DELETE FROM {FTS}_{shadow}")
        db.conn.executemany(f"INSERT INTO {FTS}_data (id, block) VALUES (?, ?)", data)
        db.conn.executemany(f"INSERT INTO {FTS}_config (k, v) VALUES (?, ?)", config)
        db.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
