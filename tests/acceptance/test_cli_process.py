"""The `bayan` process as scripts and terminals meet it (issue 11, items 12 and 13): a closed pipe, a
terminal that cannot encode Arabic, Ctrl-C while a page is being fetched, and what `bayan run` says
when it starts. Real subprocesses (`python -m bot`), real database files, loopback servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot import storage
from bot.models import SignatureRecord
from tests.factories import record, write
from tests.helpers import wait_until

pytestmark = pytest.mark.acceptance

ROOT = Path(__file__).resolve().parents[2]
TITLE = "بيان مشترك حول المعتقلين"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_", "PYTHONIO"))}
    env.update(BAYAN_DB=str(tmp_path / "bayan.db"), BAYAN_CONFIG=str(tmp_path / "feeds.yaml"))
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def bayan(*argv: str) -> list[str]:
    return [sys.executable, "-m", "bot", *argv]


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """A database holding three Arabic statements, and a one-source feeds.yaml."""
    (tmp_path / "feeds.yaml").write_text("sources:\n  - id: src\n    url: https://example.org/f\n", "utf-8")
    with storage.Store(str(tmp_path / "bayan.db")) as store:
        sigs = (SignatureRecord("منظمة الطائرة الورقية", 0),)
        for n in range(3):
            store.run(storage.save_poll, write(record(f"k{n}", title=f"{TITLE} {n}", signatures=sigs)))
    return tmp_path


def test_a_closed_pipe_ends_quietly(stored: Path) -> None:
    proc = subprocess.Popen(
        bayan("statements"), cwd=ROOT, env=env_for(stored), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written, as after `| head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=30) == 141
    assert err == ""


ASCII_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}  # no UTF-8 mode at all


@pytest.mark.parametrize(
    "extra",
    [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1", "LANG": "C"}, ASCII_LOCALE],
    ids=["ascii", "latin-1", "C-locale"],
)
def test_output_survives_a_terminal_without_arabic(stored: Path, extra: dict[str, str]) -> None:
    env = env_for(stored, **extra)
    got = subprocess.run(bayan("statements"), cwd=ROOT, env=env, capture_output=True, timeout=30)
    assert got.returncode == 0 and got.stderr == b""
    assert got.stdout.decode("utf-8").count("\n") == 3
    assert "\\u0628" in got.stdout.decode("ascii")  # Arabic written as escapes, nothing lost or raised
    # an Arabic argument typed at a UTF-8 terminal whose locale says ASCII is still read as Arabic
    got = subprocess.run(bayan("search", "المعتقلين"), cwd=ROOT, env=env, capture_output=True, timeout=30)
    assert got.returncode == 0 and got.stderr == b"", got.stderr
    assert got.stdout.decode("utf-8").splitlines()[0].startswith("3 statements match")
    got = subprocess.run(bayan("statements", "--json"), cwd=ROOT, env=env, capture_output=True, timeout=30)
    assert got.returncode == 0
    assert {s["title"] for s in json.loads(got.stdout)} == {f"{TITLE} {n}" for n in range(3)}
    got = subprocess.run(bayan("signed", "nobody-known-xyz"), cwd=ROOT, env=env, capture_output=True)
    assert got.returncode == 1 and b"Traceback" not in got.stderr


def test_isolates_in_lines_for_people_even_through_a_pipe_never_in_json(stored: Path) -> None:
    """The decision the README states: isolates whenever the encoding holds them, terminal or pipe."""
    env = env_for(stored, PYTHONIOENCODING="utf-8")
    got = subprocess.run(bayan("statements"), cwd=ROOT, env=env, capture_output=True, timeout=30)
    lines = got.stdout.decode("utf-8").splitlines()
    assert len(lines) == 3 and all(f"\u2068{TITLE} " in line and "\u2069" in line for line in lines)
    got = subprocess.run(bayan("statements", "--json"), cwd=ROOT, env=env, capture_output=True, timeout=30)
    assert "\u2068" not in got.stdout.decode("utf-8") and json.loads(got.stdout)[0]["title"].startswith(TITLE)


class Hanging:
    """A loopback page that holds its answer until released: a fetch in progress, on demand."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: Request) -> Response:
        self.asked.set()
        self.release.wait(timeout=30)
        return Response("<html><body>late</body></html>", content_type="text/html")


@pytest.fixture
def hanging(httpserver: HTTPServer, tmp_path: Path) -> Iterator[Hanging]:
    base = httpserver.url_for("").rstrip("/")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{TITLE}</title><link>{base}/s/1</link><guid>1</guid></item></channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/down.xml").respond_with_data("no", status=500)
    page = Hanging()
    httpserver.expect_request("/s/1").respond_with_handler(page)
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - id: loop\n    url: {base}/feed.xml\n  - id: down\n    url: {base}/down.xml\n"
        "    interval: 1h\n",
        encoding="utf-8",
    )
    yield page
    page.release.set()


def collect(stream: IO[str]) -> tuple[list[str], threading.Thread]:
    """The lines of ``stream``, gathered on a thread as they come."""
    lines: list[str] = []
    thread = threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True)
    thread.start()
    return lines, thread


def test_run_says_what_comes_and_stops_mid_fetch_without_a_traceback(
    hanging: Hanging, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        bayan("run"),
        cwd=ROOT,
        env=env_for(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    (out, out_reader), (err, err_reader) = collect(proc.stdout), collect(proc.stderr)
    try:
        assert hanging.asked.wait(timeout=30), "the page was never requested"
        wait_until(lambda: any(" WARNING bayan: down: error (http)" in line for line in err), timeout=30)
        proc.send_signal(signal.SIGINT)  # the page of "loop" is still being fetched
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    out_reader.join(timeout=10)
    err_reader.join(timeout=10)
    proc.stdout.close()
    proc.stderr.close()
    text = "".join(err)
    assert "Traceback" not in text and "CancelledError" not in text, text
    lines = [line.rstrip("\n") for line in out]
    assert lines[0] == "bayan: monitoring 2 sources (no TELEGRAM_BOT_TOKEN: console mode)"
    assert lines[1] == (
        "bayan: the first poll of 2 new sources is a silent baseline: what is listed there now is stored, "
        "not announced (announce_first_poll: true announces it)"
    )
    # both sources are due at start: the line says so, not the check after (issue 11 item 13)
    assert lines[2] == (
        "bayan: next check: now, 2 sources due (down, loop); "
        "then each source at its own interval (see `bayan sources`)"
    )
    assert lines[-1] == "bayan: stopped"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("argv", [["poll", "--once"], ["check-config", "--fetch"]], ids=["poll", "check"])
def test_one_shot_commands_stop_mid_fetch_without_a_traceback(
    hanging: Hanging, tmp_path: Path, argv: list[str], sig: signal.Signals
) -> None:
    """Ctrl-C (exit 130) or SIGTERM (the default: killed by it) while a page is being fetched: `poll
    --once` during the page of "loop", `check-config --fetch` during its listing (pointed at that page)."""
    if argv[0] == "check-config":
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(feeds.read_text("utf-8").replace("/feed.xml", "/s/1"), "utf-8")
    proc = subprocess.Popen(
        bayan(*argv),
        cwd=ROOT,
        env=env_for(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert hanging.asked.wait(timeout=30), "the page was never requested"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGTERM)
    assert "Traceback" not in err and "CancelledError" not in err, err
