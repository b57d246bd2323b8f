"""A damaged database at start (issue 10 item 7): `python -m bot` as a real subprocess on a real SQLite file
whose full-text index or tables were damaged on disk. A damaged full-text index is rebuilt with a log line;
other damage is a one-line error, never a traceback."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import orgs, storage
from tests.factories import record, write

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WORDS = "حملات الاعتقال التعسفي في ريف المحافظة"


def bayan(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "BAYAN_LOG_LEVEL": "INFO"}
    cmd = [sys.executable, "-m", "bot", *args, "--db", str(db), "--config", str(db.parent / "feeds.yaml")]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A database of 30 statements, closed (WAL checkpointed) so that the file alone holds everything."""
    path = tmp_path / "bayan.db"
    (tmp_path / "feeds.yaml").write_text("sources: []\n", encoding="utf-8")
    db = storage.open_db(str(path))
    body = orgs.normalize(f"تتابع المنظمات بقلق {WORDS} رقم {{i}} " * 10)
    storage.save_poll(
        db, write(*(record(f"k{i}", title=f"بيان رقم {i}", body_norm=body.format(i=i)) for i in range(30)))
    )
    db.close()
    return path


def damage(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql)
    conn.close()


GARBAGE_INDEX = "UPDATE statements_fts_data SET block = randomblob(length(block)) WHERE id > 10"
NO_INDEX_STRUCTURE = "DELETE FROM statements_fts_data"  # even a plain 'rebuild' fails on this one


@pytest.mark.parametrize("how", [GARBAGE_INDEX, NO_INDEX_STRUCTURE])
def test_search_on_a_damaged_full_text_index_rebuilds_it(db_file: Path, how: str) -> None:
    damage(db_file, how)
    done = bayan("search", "الاعتقال التعسفي", "--json", db=db_file)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "full-text index" in done.stderr and "rebuilt" in done.stderr
    assert len(json.loads(done.stdout)) == 20  # the default page: the index works again
    again = bayan("search", "الاعتقال التعسفي", db=db_file)
    assert again.returncode == 0 and "30 statements match" in again.stdout
    assert "rebuilt" not in again.stderr  # repaired once, for good


def test_poll_at_start_checks_the_full_text_index_and_rebuilds_it(db_file: Path) -> None:
    damage(db_file, GARBAGE_INDEX)
    done = bayan("poll", "--once", db=db_file)
    assert done.returncode == 0, done.stderr
    assert "full-text index" in done.stderr and "rebuilt" in done.stderr and "Traceback" not in done.stderr
    conn = sqlite3.connect(db_file)
    conn.execute("INSERT INTO statements_fts(statements_fts, rank) VALUES ('integrity-check', 1)")  # sound
    assert conn.execute(
        "SELECT COUNT(*) FROM statements_fts WHERE statements_fts MATCH 'عتقا'"
    ).fetchone() == (30,)
    conn.close()


def _damage_table(path: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with garbage, as a bad disk sector would."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * size + 8)
        f.write(b"\x5a" * (size - 8))


@pytest.mark.parametrize("command", [("poll", "--once"), ("search", "الاعتقال"), ("run",)])
def test_other_damage_is_a_one_line_error(db_file: Path, command: tuple[str, ...]) -> None:
    _damage_table(db_file, "statements")
    done = bayan(*command, db=db_file)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("bayan:")]
    assert len(lines) == 1 and "damaged" in lines[0] and str(db_file) in lines[0], done.stderr
