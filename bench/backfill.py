"""Items per second of `bayan backfill` on a loopback archive, per layout, with and without latency.

    python bench/backfill.py [--items 300] [--latency 0 0.05] [--layouts wordpress next page_url feed sitemap]

The archive (tests/archive_site.py: our own invented statements) is served by a separate process
(aiohttp on 127.0.0.1, each answer delayed by the latency), so its CPU is not counted against Bayan. Each
layout is walked into a fresh database file by `bayan backfill` itself (main(argv), delay between pages
0, the default per-host limit of 4); the figure is the items stored divided by the wall time of the run.
`--profile` prints the top functions of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.archive_site import Archive  # noqa: E402

LAYOUTS = ("wordpress", "next", "page_url", "feed", "sitemap")


def serve(items: int, latency: float) -> None:
    """The archive server (run as a child process): prints its port, serves until killed."""
    from aiohttp import web

    archives = {f"/{name}": Archive(items, prefix=f"/{name}") for name in LAYOUTS}

    async def handle(request: web.Request) -> web.Response:
        if latency:
            await asyncio.sleep(latency)
        prefix = "/" + request.path.split("/")[1]
        archive = archives.get(prefix)
        if archive is None:
            return web.Response(status=404)
        base = f"http://{request.host}"
        status, ctype, headers, body = archive.answer(base, request.path, dict(request.query))
        archive.hits.clear()
        mime, _, charset = ctype.partition("; charset=")
        return web.Response(
            status=status, text=body, content_type=mime, charset=charset or "utf-8", headers=headers
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def server(items: int, latency: float) -> Iterator[str]:
    args = [sys.executable, __file__, "--serve", "--items", str(items), "--latency", str(latency)]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)


def entry(layout: str, base: str) -> str:
    b = f"{base}/{layout}"
    page = "{item: .row, link: h3 a, date: time}"
    return {
        "wordpress": f'{{id: wordpress, url: "{b}/wp-json/wp/v2/posts", type: wordpress, language: ar}}',
        "next": f'{{id: next, url: "{b}/statements", type: page, language: ar, '
        "selectors: {item: .row, link: h3 a, date: time, next: a.older}}",
        "page_url": f'{{id: page_url, url: "{b}/numbered", type: page, language: ar, '
        f'page_url: "{b}/numbered?page={{n}}", selectors: {page}}}',
        "feed": f'{{id: feed, url: "{b}/feed.xml", language: ar}}',
        "sitemap": f'{{id: sitemap, url: "{b}/latest.xml", language: ar, sitemap: "{b}/wp-sitemap.xml"}}',
    }[layout]


def run_one(layout: str, base: str, workdir: Path, profile: bool) -> tuple[int, int, float]:
    """(items, statements, seconds) of one backfill of one layout into a fresh database."""
    from bot.cli.main import main

    cfg = workdir / f"{layout}.yaml"
    cfg.write_text(
        f"defaults: {{backfill_delay: 0}}\nsources:\n  - {entry(layout, base)}\n", encoding="utf-8"
    )
    db = workdir / f"{layout}-{time.monotonic_ns()}.db"
    out = io.StringIO()
    argv = ["backfill", "--json", "--config", str(cfg), "--db", str(db)]
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        if profiler:
            profiler.enable()
        code = main(argv)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - start
    assert code == 0, out.getvalue()
    result = json.loads(out.getvalue())[0]
    assert result["done"] and not result["error"], result
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return result["items"], result["statements"], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.05])
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=LAYOUTS)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.items, args.latency[0])
        return
    import logging

    logging.disable(logging.WARNING)
    print(f"bayan backfill, {args.items} items per layout, per_host 4, delay 0")
    print(f"{'layout':<10} {'latency':>8} {'items':>6} {'statements':>10} {'seconds':>8} {'items/s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for latency in args.latency:
            with server(args.items, latency) as base:
                for layout in args.layouts:
                    items, statements, seconds = run_one(layout, base, Path(tmp), args.profile)
                    print(
                        f"{layout:<10} {latency * 1000:>6.0f}ms {items:>6} {statements:>10} "
                        f"{seconds:>8.2f} {items / seconds:>8.1f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
