"""CPU per new source and peak RSS of a first cycle (issue 12 items 2 and 3), beside lemon24/reader.

    python bench/new_sources.py                       # marginal CPU 400 → 1200 sources, RSS at 10,000
    python bench/new_sources.py --sizes 400 1200 --rss 0
    python bench/new_sources.py --profile 1200        # cProfile of Bayan's cycle (loop and DB threads)

A loopback farm (bench/feed_server.py, a separate process: its CPU is not counted) serves N RSS feeds of
one item each with 50 ms latency. Each figure comes from a fresh process and a fresh database polling
every feed once, as a first cycle: Bayan fetches the feed, parses it, fetches the item's page, extracts,
resolves and stores the statement (`scheduler.run_cycle`, 4 connections per host, 16 in all); reader
(when installed: `pip install reader`, for measuring only) fetches and parses each feed with feedparser
and stores its entries (`update_feeds(workers=32)`). CPU is the process's (all threads) for the cycle
alone; "per new source" is the marginal cost between the two sizes, so start-up and warm-up cancel out.
Targets: Bayan ≤ 1.5 × reader per new source; peak RSS of the 10,000-source first cycle ≤ 120 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from poll_cycle import feed_urls, start_server  # noqa: E402

from bot.models import Source  # noqa: E402

HOSTS, PER_HOST, TOTAL = 4, 4, 16


def make_sources(n: int, hosts: int, port: int) -> list[Source]:
    """Statement feeds (every item a statement), as bench/poll_cycle.py writes them to feeds.yaml."""
    return [
        Source(id=f"s{i}", url=url, type="feed", interval=3600, statements_only=True,
               follow_full_text_links=False)
        for i, url in enumerate(feed_urls(n, hosts, port))
    ]  # fmt: skip


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bayan_cycle(n: int, port: int, db: str, profile: bool) -> dict[str, float]:
    from bot import fetch, pipeline, scheduler, storage

    sources = make_sources(n, HOSTS, port)
    store = storage.Store(db)
    client = fetch.make_client(max_connections=TOTAL)
    ctx = pipeline.PollContext(fetcher=fetch.Fetcher(client, per_host=PER_HOST, total=TOTAL), store=store)
    ctx.workers = int(os.environ.get("BENCH_WORKERS", ctx.workers))  # polls in progress at most
    await store.call(storage.sync_sources, sources)
    # cProfile sees the thread that enables it: one for the loop thread, one enabled on the DB thread
    prof = cProfile.Profile(time.thread_time) if profile else None
    db_prof = cProfile.Profile(time.thread_time) if profile else None
    cpu0, t0 = time.process_time(), time.perf_counter()
    if prof and db_prof:
        await store.call(lambda _db: db_prof.enable())
        prof.enable()
    results = await scheduler.run_cycle(ctx, sources)
    if prof and db_prof:
        prof.disable()
        await store.call(lambda _db: db_prof.disable())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    await client.aclose()
    stored = store.run(lambda d: d.execute("SELECT COUNT(*) FROM statements").fetchone()[0])
    store.close()
    for name, p in (("loop thread", prof), ("DB thread", db_prof)):
        if p:
            print(f"──── {name}, by own CPU time", file=sys.stderr)
            pstats.Stats(p, stream=sys.stderr).sort_stats("tottime").print_stats(35)
            if os.environ.get("BENCH_PROFILE_DIR"):  # for pstats by cumulative time, callers, …
                p.dump_stats(Path(os.environ["BENCH_PROFILE_DIR"]) / f"{name.split()[0]}.prof")
    errors = sum(1 for r in results if r.error)
    return {"cpu": cpu, "wall": wall, "errors": errors, "stored": stored, "rss": rss_mb()}


def reader_cycle(n: int, port: int, db: str) -> dict[str, float]:
    from reader import make_reader

    r = make_reader(db)
    for s in make_sources(n, HOSTS, port):
        r.add_feed(s.url)
    cpu0, t0 = time.process_time(), time.perf_counter()
    r.update_feeds(workers=32)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    stored = r.get_entry_counts().total
    errors = sum(1 for f in r.get_feeds() if f.last_exception)
    r.close()
    return {"cpu": cpu, "wall": wall, "errors": errors, "stored": stored, "rss": rss_mb()}


def child(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        if args.child == "reader":
            out = reader_cycle(args.n, args.port, db)
        else:
            out = asyncio.run(bayan_cycle(args.n, args.port, db, args.child == "profile"))
    print(json.dumps(out))


def measure(who: str, n: int, port: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", who, "--n", str(n), "--port", str(port)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{who} at {n} sources failed:\n{done.stderr[-3000:]}")
    if who == "profile":
        print(done.stderr)
    return dict(json.loads(done.stdout.splitlines()[-1]))


def line(who: str, runs: dict[int, dict[str, float]]) -> float:
    (n1, a), (n2, b) = sorted(runs.items())[:2]
    per = (b["cpu"] - a["cpu"]) / (n2 - n1) * 1000
    sizes = ", ".join(
        f"{n}: CPU {r['cpu']:.2f} s, wall {r['wall']:.1f} s, {r['stored']:.0f} stored, "
        f"{r['errors']:.0f} errors"
        for n, r in sorted(runs.items())
    )
    print(f"{who:<7} CPU per new source {per:5.2f} ms (marginal {n1} → {n2})   [{sizes}]", flush=True)
    return per


def have_reader() -> bool:
    try:
        import reader  # noqa: F401
    except ImportError:
        print("reader  not installed (pip install reader): no comparison")
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs=2, default=[400, 1200])
    ap.add_argument("--rss", type=int, default=10_000, help="sources of the RSS run (0: none)")
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--only-rss", action="store_true", help="only the RSS run")
    ap.add_argument("--without-reader", action="store_true", help="Bayan's figures only")
    ap.add_argument("--profile", type=int, default=0, help="profile one Bayan cycle of this many sources")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    proc, port = start_server(HOSTS, args.latency)
    try:
        if args.profile:
            measure("profile", args.profile, port)
            return
        tools = ["bayan"] + ([] if args.without_reader or not have_reader() else ["reader"])
        if not args.only_rss:
            per = {who: line(who, {n: measure(who, n, port) for n in args.sizes}) for who in tools}
            if "reader" in per:
                print(f"bayan / reader per new source: {per['bayan'] / per['reader']:.2f} (target ≤ 1.5)")
        for who in tools if args.rss else []:
            r = measure(who, args.rss, port)
            print(
                f"{who:<7} first cycle of {args.rss} new sources: peak RSS {r['rss']:.0f} MB, "
                f"CPU {r['cpu']:.1f} s, wall {r['wall']:.1f} s, {r['stored']:.0f} stored, "
                f"{r['errors']:.0f} errors",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
