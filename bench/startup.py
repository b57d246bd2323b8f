"""Start-up cost of the `bayan` process (issue 12 item 4): CPU (user + sys) of whole processes, on loopback.

    python bench/startup.py                          # this checkout, 15 runs of each command
    python bench/startup.py --baseline /tmp/before   # and another checkout of bot/, runs interleaved
    python -X importtime -m bot --help               # where the import time goes (stderr)

Commands, each a new process (``python -m bot``: the console script runs the same code):
  python     `python -c pass`                                   the interpreter's own floor
  help       `bayan --help`                                     target ≤ 60 ms
  poll-304   `bayan poll --once`, one source answering 304      target ≤ 250 ms

The source is served by a stdlib HTTP server in this process (its CPU is not the child's); a first poll
stores the ETag and is checked, so every timed poll is a 304. Figures are each child's own rusage
(os.wait4): min, median and max over the runs. The children may write .pyc files (an installed package
runs compiled), so PYTHONDONTWRITEBYTECODE is dropped from their environment. With --baseline DIR (a
directory holding another version's bot/, e.g. `git archive <commit> bot | tar -x -C DIR`), both versions
run in turn, run by run, so a machine that speeds up or slows down moves both alike; the ratio column
is the median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ETAG = '"bench-v1"'


class _Feed(BaseHTTPRequestHandler):
    """One RSS feed with one item, ETag and If-None-Match; any other path is a small page."""

    def do_GET(self) -> None:
        if self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path.startswith("/feed"):
            kind, body = "application/rss+xml", _feed(origin)
        else:
            kind, body = "text/html", "<html><body><p>Weekly notes of the bench.</p></body></html>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("ETag", ETAG)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def _feed(origin: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>'
        f"<link>{origin}/</link><item><title>Weekly notes</title><link>{origin}/notes.html</link>"
        "<guid>bench-1</guid></item></channel></rss>"
    )


def run(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, str]:
    """CPU seconds (user + sys) of one run of ``cmd`` (its own rusage) and its stdout; exits loudly when
    it fails. Output goes to files, so the child never waits on a pipe."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {err.read().decode(errors='replace')[-500:]}")
        return usage.ru_utime + usage.ru_stime, out.read().decode()


def environment(src: Path, tmp: Path, port: int, name: str) -> dict[str, str]:
    """The environment of one version's runs: its bot/ first on the path, its own database and config."""
    config = tmp / f"{name}.yaml"
    config.write_text(
        f"sources:\n  - id: bench\n    url: http://127.0.0.1:{port}/feed.xml\n    interval: 10s\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(BAYAN_CONFIG=str(config), BAYAN_DB=str(tmp / f"{name}.db"), PYTHONPATH=str(src))
    return env


def check_304(env: dict[str, str], tmp: str) -> None:
    """The baseline poll, then one that must be a 304: the timed polls are what they say."""
    poll = [sys.executable, "-m", "bot", "poll", "--once", "--json"]
    run(poll, env, tmp)
    [result] = json.loads(run(poll, env, tmp)[1])
    if not result["not_modified"] or result["error"]:
        raise SystemExit(f"the bench source did not answer 304: {result}")


def line(name: str, label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return (
        f"{name:<9} {label:<9} cpu ms  min {ms[0]:7.1f}  median {statistics.median(ms):7.1f}"
        f"  max {ms[-1]:7.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--baseline", type=Path, help="a directory holding another version's bot/")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    versions = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    py = sys.executable
    commands = {
        "python": [py, "-c", "pass"],
        "help": [py, "-m", "bot", "--help"],
        "poll-304": [py, "-m", "bot", "poll", "--once"],
    }
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}: {os.cpu_count()} cores, ", end="")
    print(f"Python {platform.python_version()}, {args.runs} runs each")
    with tempfile.TemporaryDirectory() as tmp:
        envs = {v: environment(src, Path(tmp), server.server_port, v) for v, src in versions.items()}
        for env in envs.values():
            check_304(env, tmp)
        for name, cmd in commands.items():
            times: dict[str, list[float]] = {v: [] for v in versions}
            for v in versions:
                run(cmd, envs[v], tmp)  # warm-up: page cache, .pyc files
            for _ in range(args.runs):
                for v in versions:
                    times[v].append(run(cmd, envs[v], tmp)[0])
            for v in versions:
                print(line(name, v, times[v]))
            if args.baseline:
                ratios = [a / b for a, b in zip(times["this"], times["baseline"], strict=True)]
                print(f"{name:<9} this/baseline  median ratio {statistics.median(ratios):.2f}")
    server.shutdown()


if __name__ == "__main__":
    main()
