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
        threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True).start()

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


@pytest.fixture
def service(httpserver: HTTPServer, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    base = httpserver.url_for("").rstrip("/")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>بيان مشترك بشأن المعتقلين</title><link>{base}/s/1</link><guid>1</guid></item>"
        "</channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/s/1").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(
        f"sources:\n  - id: loop\n    url: {base}/feed.xml\n    type: feed\n    announce_first_poll: true\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_"))}
    env.update(BAYAN_CONFIG=str(cfg), BAYAN_DB=str(tmp_path / "bayan.db"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, Lines(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()


def test_console_mode_prints_new_statements_and_stops_on_sigterm(
    service: tuple[subprocess.Popen[str], Lines],
) -> None:
    proc, lines = service
    lines.wait_for("console mode")
    lines.wait_for("بيان مشترك بشأن المعتقلين")
    lines.wait_for("رابطة عائلات قيصر")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
