"""A database that refuses writes (issue 10 item 6), on real SQLite files.

- `bayan poll --once` and `bayan run` starting on a read-only file, a read-only folder or a full disk end
  with one line naming the problem, never a traceback. Read-only: chmod, plus ``chattr +i`` when running as
  root (whom chmod does not stop); full disk: the child's RLIMIT_FSIZE (writes past it fail as on a full
  disk).
- `bayan sources` says the database is not writable; the rows are still listed.
- A poll on a database that stops taking writes (``PRAGMA query_only`` / ``max_page_count``): the source's
  health is kept in memory, a poll that cannot store reports "database not writable: …", and /status says so
  (with the health in memory, and the sends that timed out) instead of "every source is healthy".
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from telegram.ext import ApplicationBuilder

from bot import fetch, orgs, pipeline, scheduler, storage
from bot.cli.main import main
from bot.models import Source, SourceHealth
from bot.tg import routes
from tests.fakes import FakeBotAPI
from tests.helpers import polling, quiet_deps
from tests.sites import JOINT_PAGE, FeedSite

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 11, 10, 0, tzinfo=UTC)
ADMIN = 4242
READ_ONLY = "attempt to write a readonly database"
FULL = "database or disk is full"
FSIZE = 64 * 1024  # bytes a child process may write to one file: the database cannot grow


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) refuses writes: chmod, and ``chattr +i`` for root."""
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    as_root = os.geteuid() == 0
    if as_root and (shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode):
        path.chmod(mode)
        pytest.skip("running as root where chattr +i is not available: nothing makes a file read-only")
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(mode)


def small_files() -> None:
    """In the child: no file may grow past FSIZE bytes (Python ignores SIGXFSZ: the write fails)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE, resource.RLIM_INFINITY))


def bayan(tmp_path: Path, *args: str, limit: bool = False) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "feeds.yaml"
    config.write_text("sources:\n  - id: loop\n    url: http://127.0.0.1:9/feed.xml\n    type: feed\n")
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    command = [
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "db" / "bayan.db"),
    ]
    return subprocess.run(
        [*command, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_files if limit else None,
    )


@pytest.fixture
def made(tmp_path: Path) -> Path:
    """An existing database (closed: no WAL file left) in tmp_path/db."""
    path = tmp_path / "db" / "bayan.db"
    path.parent.mkdir()
    storage.Store(str(path)).close()
    return path


@pytest.mark.parametrize("command", [("poll", "--once"), ("run",)])
@pytest.mark.parametrize("case", ["file", "folder", "full disk"])
def test_run_and_poll_on_an_unwritable_database_end_with_one_line(
    tmp_path: Path, made: Path, command: tuple[str, ...], case: str
) -> None:
    if case == "full disk":
        got = bayan(tmp_path, *command, limit=True)
    else:
        with unwritable(made if case == "file" else made.parent):
            got = bayan(tmp_path, *command)
    assert got.returncode == 2, got
    assert "Traceback" not in got.stderr and len(got.stderr.strip().splitlines()) == 1, got.stderr
    assert got.stderr.startswith("bayan: ") and "not writable" in got.stderr, got.stderr
    if case == "file":
        assert f"database not writable: {made}: {READ_ONLY}" in got.stderr
    assert "monitoring" not in got.stdout


def test_sources_says_the_database_is_not_writable(
    tmp_path: Path, made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text("sources:\n  - id: loop\n    url: http://127.0.0.1:9/feed.xml\n    type: feed\n")
    with unwritable(made):
        assert main(["--config", str(config), "--db", str(made), "sources"]) == 0
    out = capsys.readouterr()
    assert f"database not writable: {READ_ONLY}" in out.err and out.out.startswith("loop ")


# ───────────────────────────── polls and /status ─────────────────────────────


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[pipeline.PollContext]:
    store = storage.Store(str(tmp_path / "bayan.db"))
    async with httpx.AsyncClient() as client:
        yield pipeline.PollContext(fetcher=fetch.Fetcher(client), store=store, now=lambda: NOW)
    store.close()


def refuse_writes(db: storage.Db, how: str) -> None:
    """``read-only``: SQLite's read-only error for every write; ``full``: no page may be added (VACUUM
    first empties the free-page list)."""
    if how == "read-only":
        db.execute("PRAGMA query_only = 1")
    else:
        db.execute("VACUUM")
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")


async def test_a_failing_source_keeps_its_health_in_memory(
    ctx: pipeline.PollContext, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/down.xml").respond_with_data("no", status=500)
    down = Source(id="down", url=httpserver.url_for("/down.xml"), interval=600)
    await ctx.store.call(storage.sync_sources, [down])
    await ctx.store.call(refuse_writes, "read-only")
    results = [await pipeline.poll_source(ctx, down) for _ in range(3)]
    assert [r.error_kind for r in results] == ["http"] * 3  # the source's own error, not an internal one
    health = ctx.health["down"]
    assert health.error_count == 3 and "500" in (health.last_error or "")
    assert health.next_check == NOW + timedelta(seconds=1200)  # the backoff goes on in memory
    assert (await ctx.store.call(storage.get_health, "down")).error_count == 0
    assert ctx.store.write_error == READ_ONLY


async def test_batched_304s_the_database_refuses_are_kept_in_memory(
    ctx: pipeline.PollContext, httpserver: HTTPServer
) -> None:
    """A cycle's 304s are written in one batch (pipeline.HealthBatch): a refused batch keeps each
    source's health in memory, so the next checks stay an interval apart; a later write clears it."""
    sites = [FeedSite(httpserver, prefix=f"s{i}") for i in range(3)]
    for site in sites:
        site.publish("1", "بيان مشترك حول المعتقلين")
    sources = [Source(id=f"s{i}", url=site.url, type="feed", interval=600) for i, site in enumerate(sites)]
    await ctx.store.call(storage.sync_sources, sources)
    assert all(r.ok for r in await scheduler.run_cycle(ctx, sources))  # baseline, ETags stored
    later = NOW + timedelta(minutes=10)
    ctx.now = lambda: later
    await ctx.store.call(refuse_writes, "read-only")
    assert all(r.not_modified for r in await scheduler.run_cycle(ctx, sources))
    assert {sid: h.next_check for sid, h in ctx.health.items()} == {
        s.id: later + timedelta(seconds=600) for s in sources
    }
    assert (await ctx.store.call(storage.get_health, "s0")).next_check == NOW + timedelta(seconds=600)
    assert await scheduler.run_cycle(ctx, sources, only_due=True) == []  # nothing due: memory wins
    await ctx.store.call(lambda db: db.execute("PRAGMA query_only = 0"))
    ctx.now = lambda: later + timedelta(minutes=10)
    assert all(r.not_modified for r in await scheduler.run_cycle(ctx, sources, only_due=True))
    assert ctx.health == {}
    stored = await ctx.store.call(storage.get_health, "s0")
    assert stored.last_ok == later + timedelta(minutes=10)


async def test_a_stored_poll_replaces_the_health_kept_in_memory(
    ctx: pipeline.PollContext, httpserver: HTTPServer
) -> None:
    site = FeedSite(httpserver)
    site.publish("1", "بيان مشترك حول المعتقلين")
    source = Source(id="loop", url=site.url, type="feed", interval=600, announce_first_poll=True)
    await ctx.store.call(storage.sync_sources, [source])
    await ctx.store.call(refuse_writes, "read-only")
    assert (await pipeline.poll_source(ctx, source)).error_kind == "database"
    down = replace(source, url=httpserver.url_for("/missing.xml"))
    assert (await pipeline.poll_source(ctx, down)).error_kind == "http"
    assert ctx.health["loop"].error_count == 1
    await ctx.store.call(lambda db: db.execute("PRAGMA query_only = 0"))
    result = await pipeline.poll_source(ctx, source)
    assert result.ok and result.new_statements == 1
    assert "loop" not in ctx.health
    health = await pipeline.current_health(ctx, "loop")
    assert (health.error_count, health.last_ok, health.baseline_done) == (0, NOW, True)


@pytest.mark.parametrize(("how", "reason"), [("read-only", READ_ONLY), ("full", FULL)])
async def test_a_poll_that_cannot_store_says_the_database_is_not_writable(
    ctx: pipeline.PollContext, httpserver: HTTPServer, how: str, reason: str
) -> None:
    long_page = JOINT_PAGE.replace("</body>", "<p>" + "نص إضافي للبيان " * 3000 + "</p></body>")
    site = FeedSite(httpserver, page=long_page)  # more than the free room left in the tables' pages
    site.publish("1", "بيان مشترك حول المعتقلين")
    source = Source(id="loop", url=site.url, type="feed", announce_first_poll=True)
    await ctx.store.call(storage.sync_sources, [source])
    await ctx.store.call(refuse_writes, how)
    result = await pipeline.poll_source(ctx, source)
    assert result.error == f"database not writable: {reason}" and result.error_kind == "database"
    assert ctx.store.write_error == reason


@pytest.fixture
async def bot_env(tmp_path: Path) -> AsyncIterator[tuple[FakeBotAPI, storage.Store, dict[str, SourceHealth]]]:
    """The real command handlers (PTB long polling the fake Bot API) on a real database file."""
    store = storage.Store(str(tmp_path / "bayan.db"))
    sources = [Source(id="down", url="https://example.org/feed")]
    store.run(storage.sync_sources, sources)
    memory: dict[str, SourceHealth] = {}

    deps = quiet_deps(
        store, lambda: sources, index=orgs.OrgIndex([]), admins=frozenset({ADMIN}), now=lambda: NOW,
        health=lambda: memory,
    )  # fmt: skip
    async with FakeBotAPI() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).job_queue(None).build()
        routes.register(app, deps)
        async with polling(app):
            yield fake, store, memory
    store.close()


async def status(fake: FakeBotAPI, messages: int = 1) -> str:
    """An admin's /status: the text of its ``messages`` replies as Telegram shows them."""
    fake.user_sends("/status", user_id=ADMIN)  # marks: only the replies to this one count
    calls = await fake.wait_for_count("sendMessage", messages, chat_id=ADMIN)
    return "\n".join(str((c.response or {})["result"]["text"]) for c in calls)


async def test_status_names_the_write_error_the_health_in_memory_and_timed_out_sends(
    bot_env: tuple[FakeBotAPI, storage.Store, dict[str, SourceHealth]],
) -> None:
    fake, store, memory = bot_env
    alert = store.run(storage.add_alert, ADMIN, "x", NOW)
    store.run(storage.reschedule_maybe_delivered, alert, NOW, "timed out")
    assert "Sends that timed out (maybe delivered" in await status(fake)
    store.run(refuse_writes, "read-only")
    with pytest.raises(storage.NotWritable):
        store.run(storage.add_alert, ADMIN, "y", NOW)
    memory["down"] = SourceHealth("down", error_count=3, last_error="HTTP 500", error_kind="http")
    text = await status(fake, messages=2)  # the counts, then the failing sources
    assert f"database not writable: {READ_ONLY}" in text
    assert "healthy" not in text and "down" in text
