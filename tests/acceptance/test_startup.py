"""What a `bayan` process imports (issue 12 item 4, fast start): `bayan --help` loads none of the
libraries a command needs, `bayan poll --once` over a source answering 304 loads no parser, extractor,
scheduler or Telegram library. Read from ``python -X importtime`` of real subprocesses (every module a
process imports is one line of it), on a loopback server. The CPU figures are bench/startup.py's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

pytestmark = pytest.mark.acceptance

ROOT = Path(__file__).resolve().parents[2]
FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Weekly</title>'
    "<item><title>Weekly notes</title><guid>weekly-1</guid></item></channel></rss>"
)
# what a command needs and --help does not
COMMAND_LIBRARIES = {"bot.models", "bot.config", "bot.storage", "sqlite3", "sqlite_utils", "yaml", "httpx"}
COMMAND_LIBRARIES |= {"bot.browse", "datasette", "uvicorn"}  # only `bayan browse` (the extra bayan[browse])
# what only a changed feed, a new item or `bayan run` needs
POLL_EXTRAS = {"feedparser", "selectolax", "pypdf", "rapidfuzz", "apscheduler", "telegram"}
POLL_EXTRAS |= {"bot.parse", "bot.extract", "bot.orgs", "bot.tg", "numpy", "pandas"}
POLL_EXTRAS |= {"importlib.metadata"}  # sqlite-utils' plugin scan of every installed distribution
POLL_EXTRAS |= {"bot.browse", "datasette", "uvicorn"}
POLL_EXTRAS |= {"matplotlib", "arabic_reshaper", "bidi", "PIL"}  # charts: only when one is drawn
POLL_EXTRAS |= {"pygments.util", "pygments.lexers._mapping"}  # httpx's command-line tool (cli.main)
POLL_EXTRAS |= {"anyio._core._tasks", "anyio.streams"}  # httpcore on asyncio alone (bot/aionet.py)
# sqlite-utils' recipes: lazy (bot/storage/_lib.py); dateutil imports its subpackages with importlib,
# which -X importtime does not log, so their modules are named
POLL_EXTRAS |= {"dateutil.parser._parser", "dateutil.tz.tz"}
POLL_EXTRAS |= {"difflib", "html"}  # a bad feeds.yaml's "did you mean", a feed's full text


def imported(argv: list[str], tmp_path: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules `python -X importtime -m bot ARGV` imported (top-level packages and dotted names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_", "PYTHONIO"))}
    env.update(BAYAN_DB=str(tmp_path / "bayan.db"), BAYAN_CONFIG=str(tmp_path / "feeds.yaml"))
    cmd = [sys.executable, "-X", "importtime", "-m", "bot", *argv]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if "import time:" in line}
    return names | {n.split(".")[0] for n in names}, proc


def test_help_imports_no_command_library(tmp_path: Path) -> None:
    names, proc = imported(["--help"], tmp_path)
    assert proc.returncode == 0 and "poll" in proc.stdout
    assert "bot.cli.main" in names, "the probe reads the import log"
    assert names & (COMMAND_LIBRARIES | {"matplotlib", "bot.charts"}) == set()
    names, proc = imported(["poll", "--bogus"], tmp_path)
    assert proc.returncode == 2 and names & COMMAND_LIBRARIES == set()


def test_a_poll_of_an_unchanged_source_loads_no_parser(httpserver: HTTPServer, tmp_path: Path) -> None:
    def feed(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"w1"':
            return Response(status=304, headers={"ETag": '"w1"'})
        return Response(FEED, content_type="application/rss+xml", headers={"ETag": '"w1"'})

    httpserver.expect_request("/feed.xml").respond_with_handler(feed)
    page = "<html><body><p>Weekly notes of the week.</p></body></html>"  # the item's page answers
    other = re.compile(r"^/(?!feed\.xml)")
    httpserver.expect_request(other).respond_with_data(page, content_type="text/html")
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - id: weekly\n    url: {httpserver.url_for('/feed.xml')}\n", encoding="utf-8"
    )
    names, first = imported(["poll", "--once", "--json"], tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "feedparser" in names, "a changed feed is parsed"
    names, again = imported(["poll", "--once", "--json"], tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    [result] = json.loads(again.stdout)
    assert result["source"] == "weekly" and result["not_modified"] is True and result["error"] is None
    assert {"bot.storage", "httpx"} <= names
    assert names & POLL_EXTRAS == set()


def _probe(probe: str) -> list[str]:
    """What a fresh interpreter prints running ``probe`` in the repository, word by word."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_"))}
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()


def test_import_time_patterns_of_sqlite_utils_and_yaml_wait_for_their_first_use() -> None:
    """The two slowest patterns a start compiles (bot/lazyre.py) are not compiled by importing the
    storage and the configuration, and work once used; re.compile is the real one afterwards."""
    probe = (
        "import re, bot.storage, bot.config, sqlite_utils.db as d, yaml.reader as r\n"
        "pats = [d._virtual_table_using_re, r.Reader.NON_PRINTABLE]\n"
        "print(all(not isinstance(p, re.Pattern) and getattr(p, '_compiled', 0) is None for p in pats))\n"
        "print(d._virtual_table_using_re.match('CREATE VIRTUAL TABLE t USING fts5(a)').group('using'))\n"
        "stdlib = (re.compile.__module__, re.compile.__name__) == ('re', 'compile')\n"
        "print(r.Reader.NON_PRINTABLE.search('ok\\x07') is not None, stdlib)\n"
    )
    assert _probe(probe) == ["True", "fts5", "True", "True"]


def test_a_second_parser_asks_gettext_nothing_and_reads_the_same() -> None:
    """argparse asks gettext for each of its words at every parser built; `build_parser` caches those
    look-ups for the process (bot/cli/main.py): each word is asked once, and the help is unchanged."""
    probe = (
        "import argparse, gettext\n"
        "asked = []\n"
        "def counting(message):\n"
        "    asked.append(message)\n"
        "    return gettext.gettext(message)\n"
        "argparse._ = counting\n"
        "from bot.cli.main import build_parser\n"
        "first = build_parser().format_help()\n"
        "once = len(asked)\n"
        "second = build_parser().format_help()\n"
        "print(once > 0, len(asked) == once == len(set(asked)), first == second, 'usage:' in first)\n"
    )
    assert _probe(probe) == ["True", "True", "True", "True"]
