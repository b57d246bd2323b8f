"""Time to draw a chart (issue 13 item 3): CPU and wall time of bot.charts.render_org / render_field on the
fixture history of tests/chartdata.py, and of the storage queries behind them on a larger history.

    python bench/charts.py               # 10 draws of each chart, both languages
    python bench/charts.py --runs 30 --statements 20000

The first draw of a process also loads matplotlib and its fonts: reported apart. The larger history
repeats the fixture's statements (same organisations) until ``--statements`` are stored, to time
``storage.org_activity`` and ``storage.field_activity`` where the field is big.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import charts, storage
from bot.models import PollWrite, Validators
from tests import chartdata


def _timed(fn: object, runs: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of ``runs`` calls of ``fn``."""
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _grow(db: storage.Db, ids: dict[str, int], target: int) -> None:
    base = chartdata.records(ids)
    batch = 0
    while storage.count_statements(db) < target:
        batch += 1
        copies = tuple(
            replace(r, item=replace(r.item, key=f"{r.item.key}-{batch}", url=f"{r.item.url}-{batch}"))
            for r in base
        )
        now = chartdata.NOW + timedelta(minutes=batch)
        storage.save_poll(db, PollWrite(chartdata.SOURCE.id, now, now, Validators(), copies))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--statements", type=int, default=10_000)
    args = parser.parse_args()
    db = storage.open_db(":memory:")
    ids = chartdata.build(db)
    org, field = storage.org_activity(db, ids[chartdata.MAIN]), storage.field_activity(db)
    start = time.perf_counter()
    charts.render_org(org, "en")
    print(f"first draw (loads matplotlib, fonts): {(time.perf_counter() - start) * 1000:.0f} ms wall")
    print(f"matplotlib lays out text itself (libraqm): {charts.lays_out_text()}")
    for name, draw, data in (("org", charts.render_org, org), ("field", charts.render_field, field)):
        for lang in ("en", "ar"):
            wall, cpu = _timed(lambda d=draw, a=data, lg=lang: d(a, lg), args.runs)
            print(f"draw {name:<5} {lang}: median {wall:6.0f} ms wall, {cpu:6.0f} ms CPU ({args.runs} runs)")
    _grow(db, ids, args.statements)
    n = storage.count_statements(db)
    for name, query in (
        ("org_activity", lambda: storage.org_activity(db, ids[chartdata.MAIN])),
        ("field_activity", lambda: storage.field_activity(db)),
    ):
        wall, cpu = _timed(query, args.runs)
        print(f"{name:<15} on {n} statements: median {wall:6.1f} ms wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
