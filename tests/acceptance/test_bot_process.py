"""`python -m bot run` with a token as a real subprocess, against the fake Bot API as another subprocess.

Configured only by environment variables (TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, BAYAN_CONFIG, BAYAN_DB,
BAYAN_ADMINS); driven through the fake's /_fake control endpoints. Covers: a subscriber gets the summary of
a new statement after the admin's /poll; a bot killed (SIGKILL) while a push is pending sends it exactly once
after a restart; SIGTERM → exit 0; the token never appears in the output.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from tests.helpers import wait_until
from tests.sites import FeedSite

pytestmark = pytest.mark.acceptance

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:ACCEPTANCE-secret-token"
ADMIN = 42
USER = 7
PAGE = """<html><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>تاريخ النشر: 2026-01-11</p>
<p>تطالب المنظمات الموقعة أدناه بالإفراج عن جميع المعتقلين تعسفياً في سوريا وبكشف مصير المفقودين.</p>
<p>المنظمات الموقعة:</p><ol><li>رابطة عائلات قيصر</li><li>سوريون من أجل الحقيقة والعدالة</li>
<li>الشبكة السورية لحقوق الإنسان</li></ol></article></body></html>"""


class Output:
    """A process's output lines, collected on a thread (so a full pipe never blocks the process)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        self.stream = proc.stdout
        self.thread = threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line)

    def text(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)

    def wait_for(self, needle: str, timeout: float = 30.0) -> None:
        wait_until(lambda: needle in self.text(), timeout=timeout)

    def close(self) -> None:
        """After the process ended: the rest of its output, then the pipe closed."""
        self.thread.join(timeout=10)
        self.text()
        self.stream.close()


class Fake:
    """The fake Bot API process and its control endpoints."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.fake_bot_api", "--port", "0", "--token", TOKEN],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}/_fake", timeout=60)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def do(self, action: str, **body: Any) -> Any:
        answer = self.http.post(f"/{action}", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()["result"]

    def wait(
        self, chat_id: int, count: int = 1, timeout: float = 30.0, method: str = "sendMessage"
    ) -> list[dict[str, Any]]:
        """The first ``count`` answered ``method`` calls to ``chat_id`` since the last injection or mark."""
        body = {"method": method, "count": count, "timeout": timeout, "params": {"chat_id": chat_id}}
        return list(self.do("wait", **body))

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        return list(self.http.get("/sent", params={"chat_id": chat_id}).json()["result"])

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def Site(server: HTTPServer) -> FeedSite:
    """The loopback statement site (tests/sites.py) with this module's statement page."""
    site = FeedSite(server, page=PAGE)
    site.publish("1", "بيان قديم عن المعتقلين")
    return site


class Bot:
    """`python -m bot run` configured by env; start() again after a kill reuses the same database."""

    def __init__(self, fake: Fake, site: FeedSite, tmp_path: Path) -> None:
        cfg = tmp_path / "feeds.yaml"
        url = site.server.url_for("/feed.xml")
        cfg.write_text(f"sources:\n  - id: loop\n    url: {url}\n    interval: 1h\n", encoding="utf-8")
        self.db = tmp_path / "bayan.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url, BAYAN_CONFIG=str(cfg),
            BAYAN_DB=str(self.db), BAYAN_ADMINS=str(ADMIN), PYTHONUNBUFFERED="1", PTB_TIMEDELTA="1",
        )  # fmt: skip
        self.env = env
        self.runs: list[tuple[subprocess.Popen[str], Output]] = []

    def start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        out = Output(proc)
        self.runs.append((proc, out))
        out.wait_for("running")
        return proc

    def output(self) -> str:
        return "".join(out.text() for _, out in self.runs)

    def deliveries(self, chat_id: int) -> list[tuple[str, int]]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            sql = "SELECT status, attempts FROM deliveries WHERE chat_id = ? ORDER BY id"
            return conn.execute(sql, [chat_id]).fetchall()

    def stop_all(self) -> None:
        for proc, out in self.runs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            out.close()


@pytest.fixture
def fake() -> Iterator[Fake]:
    server = Fake()
    yield server
    server.close()


@pytest.fixture
def bot(fake: Fake, httpserver: HTTPServer, tmp_path: Path) -> Iterator[tuple[Bot, FeedSite]]:
    site = Site(httpserver)
    runner = Bot(fake, site, tmp_path)
    yield runner, site
    runner.stop_all()


def admin_poll(fake: Fake) -> str:
    """/poll: "polling…" at once, edited into the report once the pushes are done."""
    fake.do("user_sends", text="/poll", user_id=ADMIN)
    return str(fake.wait(ADMIN, method="editMessageText")[0]["params"]["text"])


def subscribe_and_baseline(fake: Fake) -> None:
    fake.do("user_sends", text="/subscribe all", user_id=USER)
    fake.wait(USER)
    admin_poll(fake)  # the first poll is a silent baseline
    assert len(fake.sent(USER)) == 1


def test_subscriber_gets_the_summary_and_sigterm_exits_0(fake: Fake, bot: tuple[Bot, FeedSite]) -> None:
    runner, site = bot
    proc = runner.start()
    subscribe_and_baseline(fake)
    title = "بيان مشترك للمطالبة بالإفراج عن المعتقلين"
    site.publish("2", title)
    admin_poll(fake)
    summaries = [m for m in fake.sent(USER) if title in m["text"]]
    assert len(summaries) == 1 and summaries[0]["parse_mode"] == "HTML"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert TOKEN not in runner.output() and "bayan: stopped" in runner.output()


def test_a_push_pending_at_a_crash_is_sent_once_after_restart(fake: Fake, bot: tuple[Bot, FeedSite]) -> None:
    runner, site = bot
    proc = runner.start()
    subscribe_and_baseline(fake)
    # the push to USER meets a 429: the outbox reschedules it at retry_after, the row stays pending
    too_many = {"retry_after": 2}
    fake.do("fail_next", method="sendMessage", status=429, description="Too Many Requests: retry after 2",
            parameters=too_many, params={"chat_id": USER})  # fmt: skip
    title = "بيان مشترك حول مصير المفقودين"
    site.publish("2", title)
    fake.do("user_sends", text="/poll", user_id=ADMIN)
    (refused,) = fake.wait(USER)
    assert refused["status"] == 429
    wait_until(lambda: runner.deliveries(USER) == [("pending", 1)], timeout=10)
    proc.kill()
    proc.wait(timeout=10)
    fake.do("mark")
    proc = runner.start()
    (pushed,) = fake.wait(USER)
    assert pushed["status"] == 200 and title in pushed["params"]["text"]
    wait_until(lambda: runner.deliveries(USER) == [("sent", 2)], timeout=10)
    assert sum(title in m["text"] for m in fake.sent(USER)) == 1
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert TOKEN not in runner.output()


def test_sighup_reloads_feeds_yaml_and_the_bot_keeps_answering(fake: Fake, bot: tuple[Bot, FeedSite]) -> None:
    """Issue 10, item 10 with a token: SIGHUP is /reload, not the end of the process."""
    runner, _ = bot
    proc = runner.start()
    proc.send_signal(signal.SIGHUP)
    runner.runs[-1][1].wait_for("configuration reloaded: 1 sources, 1 enabled")
    assert proc.poll() is None
    subscribe_and_baseline(fake)  # commands and polls still work
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert "Traceback" not in runner.output()
