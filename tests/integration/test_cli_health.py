"""`bayan health` through main(argv) on real database files: missing, fresh (never polled), writable and
recently polled (a real poll of a loopback feed), stale, read-only; exit codes, one-line reasons, --json,
--max-age."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot import config, storage
from bot.cli.main import main
from bot.models import utcnow

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

CONFIG = """sources:
  - id: quick
    url: {base}/feed.xml
    type: feed
    interval: 30m
  - id: slow
    url: {base}/slow.xml
    type: feed
    interval: 6h
  - id: off
    url: {base}/off.xml
    type: feed
    interval: 10s
    enabled: false
"""
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>A note</title><link>{base}/n/1</link><guid>n1</guid><description>short</description></item>
</channel></rss>"""


@pytest.fixture
def cfg(tmp_path: Path, httpserver: HTTPServer) -> str:
    base = httpserver.url_for("").rstrip("/")
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG.format(base=base), encoding="utf-8")
    return str(path)


def _db_with_poll(path: Path, cfg: str, *, ago: timedelta | None) -> str:
    """A database with the configured sources; ``ago``: when `quick` was last polled (None: never)."""
    db = storage.open_db(str(path))
    storage.sync_config(db, config.read_sources(cfg))
    if ago is not None:
        now = utcnow() - ago
        storage.record_not_modified(db, "quick", now=now, next_check=now + timedelta(minutes=30))
    db.close()
    return str(path)


def _health(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["health", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_database_is_unhealthy_and_not_created(
    tmp_path: Path, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "none.db"
    code, out, err = _health(capsys, "--config", cfg, "--db", str(db))
    assert (code, out) == (1, "")
    assert err == f"bayan health: database {db} does not exist (bayan run creates it)\n"
    assert not db.exists()


def test_fresh_database_never_polled_is_unhealthy(
    tmp_path: Path, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db_with_poll(tmp_path / "fresh.db", cfg, ago=None)
    code, _, err = _health(capsys, "--config", cfg, "--db", db)
    assert code == 1
    assert err == f"bayan health: database {db}: no source polled yet (bayan run polls at start)\n"


def test_a_real_poll_makes_it_healthy(
    tmp_path: Path, cfg: str, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED.format(base=base), content_type="application/rss+xml"
    )
    httpserver.expect_request("/n/1").respond_with_data(
        "<html><body><p>short</p></body></html>", content_type="text/html"
    )
    httpserver.expect_request("/slow.xml").respond_with_data("down", status=503)
    db = str(tmp_path / "db" / "bayan.db")
    assert main(["poll", "--once", "--config", cfg, "--db", db]) == 0
    capsys.readouterr()
    code, out, err = _health(capsys, "--config", cfg, "--db", db)
    assert (code, err) == (0, "")
    assert out.startswith(f"ok: database {db} writable; last poll ") and out.endswith(" ago (limit 1h10m)\n")
    assert len(out.splitlines()) == 1
    code, out, _ = _health(capsys, "--config", cfg, "--db", db, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["writable"] is True
    assert set(report) == {"ok", "message", "database", "writable", "last_poll", "age", "max_age"}
    assert (
        report["max_age"] == 2 * 1800 + 600 and 0 <= report["age"] < 60
    )  # the disabled 10 s source is ignored
    tables = {r[0] for r in storage.open_db(db).execute("SELECT name FROM sqlite_master").fetchall()}
    assert not any("probe" in name for name in tables)  # the write probe leaves nothing behind


def test_stale_last_poll_is_unhealthy_and_max_age_moves_the_limit(
    tmp_path: Path, cfg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db_with_poll(tmp_path / "stale.db", cfg, ago=timedelta(hours=2))
    code, out, err = _health(capsys, "--config", cfg, "--db", db)
    assert (code, out) == (1, "")
    assert err == (
        "bayan health: last poll 2h ago, more than 1h10m "
        "(2 × the shortest interval + 10m; --max-age changes it)\n"
    )
    code, out, _ = _health(capsys, "--config", cfg, "--db", db, "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["writable"] is True
    assert report["message"].startswith("last poll 2h ago") and 7190 < report["age"] < 7300
    code, out, _ = _health(capsys, "--config", cfg, "--db", db, "--max-age", "3h")
    assert code == 0 and "(limit 3h)" in out
    code, _, err = _health(capsys, "--config", cfg, "--db", db, "--max-age", "1h")
    assert code == 1 and err.endswith("more than 1h (--max-age)\n")
    code, _, err = _health(capsys, "--config", cfg, "--db", db, "--max-age", "soon")
    assert code == 2 and err.startswith("bayan: --max-age: bad duration 'soon'")


def test_broken_config_or_nothing_enabled_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = storage.open_db(str(tmp_path / "x.db"))
    db.close()
    code, _, err = _health(capsys, "--config", str(tmp_path / "nope.yaml"), "--db", str(tmp_path / "x.db"))
    assert code == 1 and err.startswith("bayan health: ") and "sources file not found" in err
    assert len(err.splitlines()) == 1
    off = tmp_path / "off.yaml"
    off.write_text(
        "sources:\n  - id: a\n    url: https://a.example.org/\n    enabled: false\n", encoding="utf-8"
    )
    code, _, err = _health(capsys, "--config", str(off), "--db", str(tmp_path / "x.db"))
    assert (code, err) == (1, f"bayan health: {off}: no enabled sources (nothing is polled)\n")


_NO_OVERRIDE = "-dac_override,-dac_read_search"


def _as_unprivileged() -> list[str]:
    """The command prefix that makes file permissions bind: none for a normal user; for root, setpriv
    without the capabilities that let root ignore them (a container's non-root user is in that position)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot bind")
    return [setpriv, f"--inh-caps={_NO_OVERRIDE}", f"--bounding-set={_NO_OVERRIDE}"]


def test_read_only_database_is_unhealthy(tmp_path: Path, cfg: str) -> None:
    """The database file and its folder lose their write bits."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = _db_with_poll(folder / "ro.db", cfg, ago=timedelta(minutes=1))
    storage.open_db(db).execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for leftover in (f"{db}-wal", f"{db}-shm"):
        Path(leftover).unlink(missing_ok=True)
    Path(db).chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)
    env = {**os.environ, "BAYAN_DB": db, "BAYAN_CONFIG": cfg}
    try:
        runs = [
            subprocess.run(
                [*_as_unprivileged(), sys.executable, "-m", "bot", "health", *extra],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for extra in ([], ["--json"])
        ]
    finally:
        folder.chmod(0o755)
    text, as_json = runs
    assert text.returncode == 1, text
    assert text.stdout == ""
    assert text.stderr.startswith("bayan health: ") and len(text.stderr.splitlines()) == 1
    assert text.stderr.startswith(f"bayan health: database {db} is not writable: "), text.stderr
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["writable"] is False
