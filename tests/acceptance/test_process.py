"""`python -m bot run` as a real subprocess, configured only by environment variables (console mode)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

pytestmark = pytest.mark.acceptance

ROOT = Path(__file__).resolve().parents[2]

PAGE = """<html><head><title>بيان</title></head><body><article><h1>بيان مشترك بشأن المعتقلين</h1>
<p>تطالب المنظمات الموقعة أدناه بالإفراج عن جميع المعتقلين تعسفياً في سوريا.</p>
<p>المنظمات الموقعة:</p><ul><li>رابطة عائلات قيصر</li><li>سوريون من أجل الحقيقة والعدالة</li></ul>
</article></body></html>"""


class Lines:
    """Collects a process's output lines on a thread; wait_for() polls with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        self.thread = threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _pump(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.q.put(line)

    def wait_for(self, needle: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"{needle!r} not printed within {timeout}s; got: {''.join(self.seen)[-2000:]}")

    def everything(self, timeout: float = 10.0) -> str:
        """After the process ended: every line it printed (the pump ends at end of file)."""
        self.thread.join(timeout)
        while not self.q.empty():
            self.seen.append(self.q.get_nowait())
        return "".join(self.seen)


def start(env: dict[str, str], *command: str) -> tuple[subprocess.Popen[str], Lines]:
    """`python -m bot COMMAND…` (default: run) with ``env``, stdout and stderr merged and collected."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *(command or ("run",))],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, Lines(proc)


def end(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()


def write_sources(cfg: Path, sources: dict[str, str]) -> None:
    """feeds.yaml with one announcing feed source per (id, url)."""
    entries = "".join(
        f"  - id: {sid}\n    url: {url}\n    type: feed\n    announce_first_poll: true\n"
        for sid, url in sources.items()
    )
    cfg.write_text(f"sources:\n{entries}", encoding="utf-8")


def serve_feed(httpserver: HTTPServer, path: str, title: str, key: str) -> str:
    """A one-item RSS feed at ``path`` whose item page is the joint statement PAGE; the feed's URL."""
    base = httpserver.url_for("").rstrip("/")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><link>{base}/s/{key}</link><guid>{key}</guid></item>"
        "</channel></rss>"
    )
    httpserver.expect_request(path).respond_with_data(feed, content_type="application/rss+xml")
    page = PAGE.replace("بيان مشترك بشأن المعتقلين", title)
    httpserver.expect_request(f"/s/{key}").respond_with_data(page, content_type="text/html; charset=utf-8")
    return httpserver.url_for(path)


@pytest.fixture
def env(httpserver: HTTPServer, tmp_path: Path) -> dict[str, str]:
    """The environment of a console-mode service on tmp_path's feeds.yaml (source "loop") and database."""
    cfg = tmp_path / "feeds.yaml"
    write_sources(cfg, {"loop": serve_feed(httpserver, "/feed.xml", "بيان مشترك بشأن المعتقلين", "1")})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_"))}
    env.update(BAYAN_CONFIG=str(cfg), BAYAN_DB=str(tmp_path / "bayan.db"), PYTHONUNBUFFERED="1")
    return env


@pytest.fixture
def service(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    proc, lines = start(env)
    try:
        yield proc, lines
    finally:
        end(proc)


def test_console_mode_prints_new_statements_and_stops_on_sigterm(
    service: tuple[subprocess.Popen[str], Lines],
) -> None:
    proc, lines = service
    lines.wait_for("console mode")
    lines.wait_for("بيان مشترك بشأن المعتقلين")
    lines.wait_for("رابطة عائلات قيصر")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0


def no_traceback(output: str, expected_error: str | None = None) -> None:
    """No traceback and no ERROR line in ``output`` (but the one ``expected_error`` names)."""
    errors = [line for line in output.splitlines() if " ERROR " in line]
    unexpected = [line for line in errors if expected_error is None or expected_error not in line]
    assert "Traceback" not in output and not unexpected, output[-3000:]


def test_a_second_run_on_the_same_database_exits_naming_the_first(
    service: tuple[subprocess.Popen[str], Lines], env: dict[str, str]
) -> None:
    """Issue 10, item 9: one `bayan run` per database (an OS lock on <db>.lock, released on any exit)."""
    first, lines = service
    lines.wait_for("console mode")
    second = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert second.returncode == 2 and second.stdout == ""
    assert len(second.stderr.splitlines()) == 1, second.stderr
    assert f"PID {first.pid}" in second.stderr and "bayan.db" in second.stderr
    # poll --once only writes whole polls in transactions, as the service does: it is not blocked
    polled = subprocess.run(
        [sys.executable, "-m", "bot", "poll", "--once"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert polled.returncode == 0 and "loop:" in polled.stdout, polled.stderr
    first.kill()  # SIGKILL: no clean-up code runs, the OS releases the lock
    first.wait(timeout=10)
    third, third_lines = start(env)
    try:
        third_lines.wait_for("console mode")
        third.send_signal(signal.SIGTERM)
        assert third.wait(timeout=20) == 0
    finally:
        end(third)


def test_sighup_reloads_feeds_yaml_instead_of_killing_the_service(
    service: tuple[subprocess.Popen[str], Lines], env: dict[str, str], httpserver: HTTPServer
) -> None:
    """Issue 10, item 10: SIGHUP = /reload; a source added to feeds.yaml gets polled."""
    proc, lines = service
    lines.wait_for("بيان مشترك بشأن المعتقلين")  # the first source's statement: its poll is done
    loop = httpserver.url_for("/feed.xml")
    added = serve_feed(httpserver, "/added.xml", "بيان مشترك حول المفقودين", "2")
    write_sources(Path(env["BAYAN_CONFIG"]), {"loop": loop, "added": added})
    proc.send_signal(signal.SIGHUP)
    lines.wait_for("configuration reloaded")
    lines.wait_for("بيان مشترك حول المفقودين")  # the new source was polled and its statement printed
    assert proc.poll() is None
    Path(env["BAYAN_CONFIG"]).write_text("sources:\n  - id: broken\n", encoding="utf-8")
    proc.send_signal(signal.SIGHUP)
    lines.wait_for("not reloaded")  # a bad file keeps the old configuration, the service runs on
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    no_traceback(lines.everything(), expected_error="feeds.yaml not reloaded")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_during_a_poll_ends_without_a_traceback(
    httpserver: HTTPServer, tmp_path: Path, env: dict[str, str], sig: signal.Signals
) -> None:
    """Issue 10, item 10: the poll cut short by the stop is expected, not an ERROR."""
    arrived, release = threading.Event(), threading.Event()

    def slow(request: Request) -> Response:
        arrived.set()
        release.wait(30)  # released at the end of the test
        return Response("<rss/>", content_type="application/rss+xml")

    httpserver.expect_request("/slow.xml").respond_with_handler(slow)
    write_sources(Path(env["BAYAN_CONFIG"]), {"slow": httpserver.url_for("/slow.xml")})
    proc, lines = start(env)
    try:
        assert arrived.wait(30), "the poll never reached the server"
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0
        output = lines.everything()
        no_traceback(output)
        assert "bayan: stopped" in output
    finally:
        release.set()
        end(proc)
