"""Probe of the runtime defects of issue 10 (items 8, 9, 10, 12), on loopback only.

    python bench/runtime_probe.py            # every probe
    python bench/runtime_probe.py flapping   # one of: flapping, second-run, sighup, stop, future

flapping:   admin alerts for a source that fails ALERT_AT times then succeeds once, for 10 cycles
            (one poll every 10 min: 60 polls in 10 h; then one poll an hour: 60 polls in 60 h).
second-run: what a second `bayan run` on the same database does while the first runs.
sighup:     SIGHUP to `bayan run` after a source was added to feeds.yaml: still alive? new source polled?
stop:       SIGTERM / SIGINT while a poll hangs on a slow server: exit code, ERROR/Traceback lines.
future:     a stored next_check in 2099: is the source polled after a start?
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import pipeline, storage  # noqa: E402
from bot.models import Settings, Source  # noqa: E402
from bot.service import open_runtime  # noqa: E402
from bot.tg import app  # noqa: E402

FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class Site:
    """A loopback HTTP server: path → (status, body); every request path recorded; /slow hangs."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str]] = {}
        self.hits: list[str] = []
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                if self.path.startswith("/slow"):
                    site.release.wait(60)
                status, body = site.routes.get(self.path, (200, FEED))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


def wait_for(check: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


# ───────────────────────────── flapping (in process, a settable clock) ─────────────────────────────


async def _flap(step: timedelta, cycles: int = 10) -> tuple[int, int]:
    site = Site()
    clock = [datetime(2026, 3, 1, tzinfo=UTC)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = Source(id="flap", url=site.url("/flap.xml"), interval=600)
            settings = Settings(token="1:T", db_path=f"{tmp}/b.db", admins=frozenset({42}))
            async with open_runtime(settings.db_path, [src]) as ctx:
                ctx.now = lambda: clock[0]
                runtime = app.BotRuntime(settings, ctx, [src])
                polls = 0
                for _ in range(cycles):
                    for status in [500] * pipeline.ALERT_AT + [200]:
                        site.routes["/flap.xml"] = (status, FEED)
                        await runtime.poller.poll_now()
                        await asyncio.gather(*runtime.tasks)
                        clock[0] += step
                        polls += 1
                found = await ctx.store.call(storage.due_deliveries, clock[0] + timedelta(days=99), 1000)
                return polls, sum(1 for d in found if d.alert_text)
    finally:
        site.close()


def probe_flapping() -> None:
    for step in (timedelta(minutes=10), timedelta(hours=1)):
        polls, alerts = asyncio.run(_flap(step))
        span = step * polls
        print(f"flapping: {polls} polls ({pipeline.ALERT_AT} fail + 1 ok) × 10 over {span}: {alerts} alerts")


# ───────────────────────────── subprocess probes ─────────────────────────────


def _write_config(path: Path, sources: list[tuple[str, str]], interval: str = "1h") -> None:
    lines = ["sources:"]
    for sid, url in sources:
        lines += [f"  - id: {sid}", f"    url: {url}", "    type: feed", f"    interval: {interval}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Run:
    """`python -m bot run` in console mode; output collected on a thread."""

    def __init__(self, cfg: Path, db: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_"))}
        env.update(BAYAN_CONFIG=str(cfg), BAYAN_DB=str(db), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.out: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)

    def text(self) -> str:
        return "".join(self.out)

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def probe_second_run() -> None:
    site = Site()
    with tempfile.TemporaryDirectory() as tmp:
        cfg, db = Path(tmp) / "feeds.yaml", Path(tmp) / "b.db"
        _write_config(cfg, [("a", site.url("/a.xml"))])
        first = Run(cfg, db)
        wait_for(lambda: "monitoring" in first.text(), 20)
        second = Run(cfg, db)
        exited = wait_for(lambda: second.proc.poll() is not None, 15)
        lines = [line.strip() for line in second.text().splitlines() if line.strip()]
        print(
            f"second-run: first PID {first.proc.pid}; second exited within 15 s: {exited}"
            f" (code {second.proc.poll()}); its output: {lines[-1] if lines else ''!r}"
        )
        first.end()
        second.end()
    site.close()


def probe_sighup() -> None:
    site = Site()
    with tempfile.TemporaryDirectory() as tmp:
        cfg, db = Path(tmp) / "feeds.yaml", Path(tmp) / "b.db"
        _write_config(cfg, [("a", site.url("/a.xml"))])
        run = Run(cfg, db)
        wait_for(lambda: "/a.xml" in site.hits, 30)
        _write_config(cfg, [("a", site.url("/a.xml")), ("b", site.url("/b.xml"))])
        run.proc.send_signal(signal.SIGHUP)
        polled = wait_for(lambda: "/b.xml" in site.hits, 45)
        alive = run.proc.poll() is None
        print(f"sighup: alive after SIGHUP: {alive} (code {run.proc.poll()}); new source polled: {polled}")
        run.end()
    site.close()


def probe_stop() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        site = Site()
        with tempfile.TemporaryDirectory() as tmp:
            cfg, db = Path(tmp) / "feeds.yaml", Path(tmp) / "b.db"
            _write_config(cfg, [("slow", site.url("/slow.xml"))])
            run = Run(cfg, db)
            wait_for(lambda hits=site.hits: "/slow.xml" in hits, 30)
            run.proc.send_signal(sig)
            run.proc.wait(30)
            time.sleep(0.2)  # the output pump's last lines
            text = run.text()
            errors = sum(" ERROR " in line for line in text.splitlines())
            print(
                f"stop: {sig.name} during a poll: exit {run.proc.returncode}, "
                f"{errors} ERROR lines, {text.count('Traceback')} tracebacks"
            )
        site.close()


def probe_future() -> None:
    site = Site()
    with tempfile.TemporaryDirectory() as tmp:
        cfg, db = Path(tmp) / "feeds.yaml", Path(tmp) / "b.db"
        _write_config(cfg, [("a", site.url("/a.xml"))], interval="30m")
        storage.open_db(str(db)).close()
        with sqlite3.connect(db) as conn:
            far = "2099-01-01T00:00:00.000000+00:00"
            conn.execute("INSERT INTO source_state (source_id, next_check_at) VALUES ('a', ?)", [far])
        run = Run(cfg, db)
        polled = wait_for(lambda: "/a.xml" in site.hits, 40)
        with sqlite3.connect(db) as conn:
            (stored,) = conn.execute("SELECT next_check_at FROM source_state").fetchone()
        print(
            f"future: next_check 2099 stored: polled within 40 s of start: {polled}; next_check now {stored}"
        )
        run.end()
    site.close()


PROBES = {
    "flapping": probe_flapping,
    "second-run": probe_second_run,
    "sighup": probe_sighup,
    "stop": probe_stop,
    "future": probe_future,
}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(PROBES):
        PROBES[name]()
