"""Benchmark of one poll cycle: N feed sources on loopback with injected latency, mostly 304 the 2nd time.

    python bench/poll_cycle.py --sources 1000
    python bench/poll_cycle.py --sources 10000

Prints, for the baseline cycle, a cycle with a few changed feeds and a cycle of unchanged feeds: wall time
against the bound N × latency / concurrency, CPU ms per source (this process, all threads) and peak RSS.
Targets (issue 2): ≤ 1.3 × bound, ≤ 1.5 ms CPU per unchanged source, ≤ 200 MB RSS at 10,000 sources.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import fetch, pipeline, scheduler, storage  # noqa: E402
from bot.models import Source  # noqa: E402


def start_server(hosts: int, latency: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "feed_server.py"),
            "--hosts",
            str(hosts),
            "--latency",
            str(latency),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def make_sources(n: int, hosts: int, port: int) -> list[Source]:
    return [
        Source(
            id=f"s{i}",
            url=f"http://127.0.0.{1 + i % hosts}:{port}/feed/{i}.xml",
            type="feed",
            interval=3600,
            statements_only=True,
            follow_full_text_links=False,
        )
        for i in range(n)
    ]


def server_requests(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats") as r:
        return int(json.loads(r.read())["requests"])


async def timed_cycle(ctx: pipeline.PollContext, sources: list[Source]) -> tuple[float, float, int]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    results = await scheduler.run_cycle(ctx, sources)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    errors = sum(1 for r in results if r.error)
    if errors:
        first = next(r for r in results if r.error)
        print(f"  {errors} errors, e.g. {first.source_id}: {first.error}")
    return wall, cpu, sum(1 for r in results if r.not_modified)


def report(
    name: str, n: int, wall: float, cpu: float, unchanged: int, requests: int, args: argparse.Namespace
) -> None:
    """The bound counts every request of the cycle (feeds + new pages) × latency / concurrency."""
    concurrency = min(args.total, args.hosts * args.per_host)
    bound = requests * args.latency / concurrency
    print(
        f"{name:<22} wall {wall:7.2f} s  bound {bound:6.2f} s  ratio {wall / bound:5.2f}  "
        f"CPU {cpu * 1000 / n:5.2f} ms/source  requests {requests}  ({unchanged}/{n} not modified)"
    )


async def run(args: argparse.Namespace, port: int) -> None:
    sources = make_sources(args.sources, args.hosts, port)
    concurrency = min(args.total, args.hosts * args.per_host)
    with tempfile.TemporaryDirectory() as tmp:
        store = storage.Store(str(Path(tmp) / "bench.db"))
        client = fetch.make_client(max_connections=concurrency)
        fetcher = fetch.Fetcher(client, per_host=args.per_host, total=args.total)
        ctx = pipeline.PollContext(fetcher=fetcher, store=store)
        await store.call(storage.sync_sources, sources)
        for name in ("cycle 1 (baseline)", f"cycle 2 (1/{args.bump_every} new)", "cycle 3 (all 304)"):
            if name.startswith("cycle 2"):
                bump = f"http://127.0.0.1:{port}/bump?every={args.bump_every}&n={args.sources}"
                urllib.request.urlopen(urllib.request.Request(bump, method="POST")).read()
            before = server_requests(port)
            wall, cpu, nm = await timed_cycle(ctx, sources)
            report(name, args.sources, wall, cpu, nm, server_requests(port) - before, args)
        await client.aclose()
        store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS {rss:.0f} MB; concurrency {concurrency} ({args.hosts} hosts × {args.per_host}); "
        f"latency {args.latency * 1000:.0f} ms; bound = requests × latency / concurrency"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--hosts", type=int, default=4, help="loopback addresses 127.0.0.1..N")
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--total", type=int, default=16)
    parser.add_argument("--bump-every", type=int, default=20)
    args = parser.parse_args()
    proc, port = start_server(args.hosts, args.latency)
    try:
        asyncio.run(run(args, port))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
