"""Benchmark of poll cycles: marginal CPU per source of `bayan poll --once`, beside lemon24/reader.

    python bench/poll_cycle.py                      # N=400 and N=1200, Bayan (and reader if installed)
    python bench/poll_cycle.py --sizes 400 1200 --repeat 3
    python bench/poll_cycle.py --tree before=/tmp/main-copy --tree after=.   # two Bayan trees, one run
    python bench/poll_cycle.py --in-process --sources 1000    # one process, three cycles, wall vs bound

N feed sources (one item each) are served by `bench/feed_server.py` (a separate process, so its CPU is
not counted) on 127.0.0.1–127.0.0.4 with 50 ms injected latency. For each size, a fresh database and a
generated feeds.yaml (Bayan's defaults: 4 connections per host) and two runs of `bayan poll --once`, each
its own process: cycle 1, every source new (feed + item page fetched, extracted, stored), and cycle 2,
every feed answering 304. CPU and peak RSS are the child's own (``os.wait4``), so start-up is in each
figure; the marginal cost per source, (CPU at N2 − CPU at N1) / (N2 − N1), cancels it out.

When ``reader`` is importable (``pip install reader``: a bench extra, not a dependency of Bayan), the
same two cycles run with reader against the same farm: feeds added in a setup process (not counted),
then ``update_feeds(workers=32, scheduled=False)`` twice, each in its own process. reader stores the feed
entries only (it never fetches item pages or extracts signatories).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

READER_WORKERS = 32


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


def feed_urls(n: int, hosts: int, port: int) -> list[str]:
    return [f"http://127.0.0.{1 + i % hosts}:{port}/feed/{i}.xml" for i in range(n)]


# ───────────────────────────── child processes ─────────────────────────────


@dataclass(frozen=True)
class Run:
    """One child process: its CPU (user + system) in seconds, peak RSS in MB, wall seconds, output."""

    cpu: float
    rss_mb: float
    wall: float
    out: str


# Run as ``python -c HWM_RUN MODULE|PATH ARGS…``: the child writes its peak RSS (VmHWM of its own memory)
# to $BENCH_HWM at exit. ru_maxrss is no use here: Linux carries the parent's peak over exec into it.
HWM_RUN = """
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["BENCH_HWM"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM")))
if os.path.exists("/proc/self/status"):
    atexit.register(_peak)
target, sys.argv = sys.argv[1], sys.argv[1:]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""


def run_child(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``[module or script, *args]`` in a new Python to its end and measure it by its own rusage
    (``os.wait4``: CPU) and its own peak RSS (VmHWM), not ours."""
    env = dict(env or os.environ)
    with tempfile.TemporaryFile("w+") as out, tempfile.NamedTemporaryFile("r") as hwm:
        env["BENCH_HWM"] = hwm.name
        t0 = time.perf_counter()
        cwd = env.get("PYTHONPATH", str(ROOT))
        argv = [sys.executable, "-c", HWM_RUN, *argv]
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
        peak_kb = hwm.read().strip()
    if proc.returncode != 0:
        raise SystemExit(f"{argv[3:6]} exited {proc.returncode}: {err.strip()[-2000:]}")
    rss = int(peak_kb) / 1024 if peak_kb.isdigit() else usage.ru_maxrss / 1024
    return Run(usage.ru_utime + usage.ru_stime, rss, wall, text)


def write_feeds_yaml(path: Path, urls: list[str]) -> None:
    """Bayan's defaults; statement feeds (statements_only), no full-text links to follow."""
    lines = ["defaults:", "  interval: 1h", "sources:"]
    for i, url in enumerate(urls):
        lines += [
            f"  - id: s{i}",
            f"    url: {url}",
            "    type: feed",
            "    statements_only: true",
            "    follow_full_text_links: false",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def bayan_cycles(tmp: Path, urls: list[str], tree: Path = ROOT) -> list[Run]:
    """Two `bayan poll --once` processes running the ``bot/`` of ``tree`` (this one by default)."""
    config, db = tmp / "feeds.yaml", tmp / "bayan.db"
    write_feeds_yaml(config, urls)
    env = {**os.environ, "BAYAN_LOG_LEVEL": "WARNING", "PYTHONPATH": str(tree)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    argv = ["bot", "poll", "--once", "--json", "--config", str(config), "--db", str(db)]
    runs = []
    for cycle in (1, 2):
        run = run_child(argv, env)
        results = json.loads(run.out)
        errors = [r for r in results if r["error"]]
        not_modified = sum(1 for r in results if r["not_modified"])
        expected = 0 if cycle == 1 else len(urls)
        if errors or not_modified != expected or len(results) != len(urls):
            first = errors[0]["error"] if errors else ""
            raise SystemExit(
                f"bayan cycle {cycle}: {len(errors)} errors {first}, {not_modified} not modified"
            )
        runs.append(run)
    return runs


def reader_cycles(tmp: Path, urls: list[str]) -> list[Run]:
    db, listing = tmp / "reader.sqlite", tmp / "urls.txt"
    listing.write_text("\n".join(urls), encoding="utf-8")
    me = [str(Path(__file__).resolve()), "--reader-child"]
    run_child([*me, "add", str(db), str(listing)])
    runs = []
    for cycle in (1, 2):
        run = run_child([*me, "update", str(db), str(listing)])
        counts = json.loads(run.out)
        expected = {"errors": 0, "updated": len(urls) if cycle == 1 else 0}
        if {k: counts[k] for k in expected} != expected:
            raise SystemExit(f"reader cycle {cycle}: {counts}")
        runs.append(run)
    return runs


def reader_child(action: str, db: str, listing: str) -> None:
    """Inside the child: add the feeds, or update them all once (32 threads) and print the counts."""
    from reader import make_reader

    reader = make_reader(db)
    urls = Path(listing).read_text(encoding="utf-8").split()
    if action == "add":
        for url in urls:
            reader.add_feed(url, exist_ok=True)
        reader.close()
        return
    counts = {"errors": 0, "updated": 0, "not_modified": 0}
    for result in reader.update_feeds_iter(workers=READER_WORKERS, scheduled=False):
        if result.error is not None:
            counts["errors"] += 1
        elif result.updated_feed is not None:
            counts["updated"] += 1
        else:
            counts["not_modified"] += 1
    reader.close()
    print(json.dumps(counts))


def have_reader() -> str | None:
    """reader's version when it is installed (not imported here: the parent stays small)."""
    from importlib import metadata

    try:
        return metadata.version("reader")
    except metadata.PackageNotFoundError:
        return None


# ───────────────────────────── marginal figures ─────────────────────────────


def measure(
    sizes: list[int], repeat: int, hosts: int, port: int, trees: dict[str, Path], with_reader: bool
) -> dict[str, dict]:
    """{tool: {size: [(cycle 1 Run, cycle 2 Run) per repeat]}}; tools and sizes interleaved per repeat."""
    tools = [*trees, *(["reader"] if with_reader else [])]
    found: dict[str, dict] = {t: {n: [] for n in sizes} for t in tools}
    for rep in range(repeat):
        for n in sizes:
            urls = feed_urls(n, hosts, port)
            for tool in tools:
                with tempfile.TemporaryDirectory() as tmp:
                    if tool in trees:
                        cycles = bayan_cycles(Path(tmp), urls, trees[tool])
                    else:
                        cycles = reader_cycles(Path(tmp), urls)
                found[tool][n].append(cycles)
                c1, c2 = cycles
                print(
                    f"  run {rep + 1} {tool:<6} N={n:<6} cycle 1 CPU {c1.cpu:6.2f} s wall {c1.wall:6.2f} s "
                    f"RSS {c1.rss_mb:4.0f} MB | cycle 2 CPU {c2.cpu:6.2f} s wall {c2.wall:6.2f} s "
                    f"RSS {c2.rss_mb:4.0f} MB",
                    flush=True,
                )
    return found


def marginal(runs: dict[int, list], cycle: int, low: int, high: int) -> float:
    """Median over repeats of (CPU at high − CPU at low) / (high − low), in ms per source."""
    pairs = zip(runs[low], runs[high], strict=True)
    return statistics.median((h[cycle].cpu - lo[cycle].cpu) * 1000 / (high - low) for lo, h in pairs)


def print_table(found: dict[str, dict], sizes: list[int]) -> None:
    low, high = sizes[0], sizes[-1]
    print(f"\nmarginal CPU per source between N={low} and N={high} (median of runs), peak RSS at N={high}:")
    print(f"{'':<8} {'new (cycle 1)':>14} {'304 (cycle 2)':>14} {'RSS c1':>8} {'RSS c2':>8}")
    figures = {}
    for tool, runs in found.items():
        new, same = marginal(runs, 0, low, high), marginal(runs, 1, low, high)
        rss1 = max(r[0].rss_mb for r in runs[high])
        rss2 = max(r[1].rss_mb for r in runs[high])
        figures[tool] = (new, same)
        print(f"{tool:<8} {new:11.2f} ms {same:11.2f} ms {rss1:5.0f} MB {rss2:5.0f} MB")
        for n in sizes:
            per = [statistics.median(r[c].cpu for r in runs[n]) * 1000 / n for c in (0, 1)]
            print(f"{'':<8} N={n}: whole process {per[0]:.2f} / {per[1]:.2f} ms per source")
    if "reader" in figures:
        for tool in (t for t in figures if t != "reader"):
            new, same = (figures[tool][i] / figures["reader"][i] for i in (0, 1))
            print(f"{tool} / reader: new {new:.2f}×, 304 {same:.2f}×")


# ───────────────────────────── in-process mode (wall time against the bound) ─────────────────────────────


def in_process(args: argparse.Namespace, port: int) -> None:
    """One process, three cycles (baseline, 1 in ``bump_every`` new, all 304): wall against the bound."""
    from bot import fetch, pipeline, scheduler, storage
    from bot.models import Source

    sources = [
        Source(
            id=f"s{i}",
            url=url,
            type="feed",
            interval=3600,
            statements_only=True,
            follow_full_text_links=False,
        )
        for i, url in enumerate(feed_urls(args.sources, args.hosts, port))
    ]
    concurrency = min(args.total, args.hosts * args.per_host)

    async def cycles() -> None:
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
                cpu0, t0 = time.process_time(), time.perf_counter()
                results = await scheduler.run_cycle(ctx, sources)
                wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                requests = server_requests(port) - before
                bound = requests * args.latency / concurrency
                errors = sum(1 for r in results if r.error)
                print(
                    f"{name:<22} wall {wall:7.2f} s  bound {bound:6.2f} s  ratio {wall / bound:5.2f}  "
                    f"CPU {cpu * 1000 / args.sources:5.2f} ms/source  requests {requests}  errors {errors}"
                )
            await client.aclose()
            store.close()

    asyncio.run(cycles())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB; concurrency {concurrency} ({args.hosts} hosts × {args.per_host})")


def server_requests(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats") as r:
        return int(json.loads(r.read())["requests"])


def _tree(spec: str) -> tuple[str, Path]:
    name, _, path = spec.partition("=")
    if not path or not (Path(path) / "bot" / "__main__.py").exists():
        raise SystemExit(f"--tree {spec}: use NAME=PATH, PATH a Bayan source tree (with bot/)")
    return name, Path(path).resolve()


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--reader-child":
        reader_child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs=2, default=[400, 1200], metavar=("N1", "N2"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-reader", action="store_true", help="Bayan only, even when reader is installed")
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a Bayan source tree to run (repeatable; default: bayan=this tree)",
    )
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--hosts", type=int, default=4, help="loopback addresses 127.0.0.1..N")
    parser.add_argument("--in-process", action="store_true", help="the older one-process, three-cycle mode")
    parser.add_argument("--sources", type=int, default=1000, help="--in-process: number of sources")
    parser.add_argument("--per-host", type=int, default=4, help="--in-process: connections per host")
    parser.add_argument("--total", type=int, default=16, help="--in-process: connections in all")
    parser.add_argument("--bump-every", type=int, default=20, help="--in-process: 1 in K feeds publishes")
    args = parser.parse_args()
    proc, port = start_server(args.hosts, args.latency)
    try:
        if args.in_process:
            in_process(args, port)
            return
        version = None if args.no_reader else have_reader()
        print(
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, latency {args.latency * 1000:.0f} ms, "
            f"{args.hosts} hosts; reader {version or 'not installed'}"
            + (f" ({READER_WORKERS} threads)" if version else "")
        )
        sizes = sorted(args.sizes)
        trees = dict(_tree(t) for t in args.tree) or {"bayan": ROOT}
        print_table(measure(sizes, args.repeat, args.hosts, port, trees, version is not None), sizes)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
