"""Benchmark of orgs.resolve against a 2,000-entry organisation index.

    python bench/resolve.py
    python bench/resolve.py --rounds 200

The index is the one the old timed unit test built: every name of the shipped registry (bot/data/orgs.yaml:
ar, en, acronyms, aliases; ids numbered from 1 in file order), repeated with " فرع N" appended under ids
offset by N (N = 1000, 2000, …) until there are 2,000 entries. Five queries (known and unknown, Arabic and
English) are resolved ``--rounds`` times each, with a trailing space so that normalize's cache is bypassed
and the fuzzy path runs every time. Prints the median and p95 per query, and over all queries the median,
p95, max and total wall time. No I/O besides reading the registry.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.orgs import OrgIndex, resolve  # noqa: E402

REGISTRY = ROOT / "bot" / "data" / "orgs.yaml"
ENTRIES = 2000
QUERIES = [
    "Syrian Observatory for Human Rights Organisation",
    "جمعية مجهولة للتنمية في ادلب",
    "منظمة سوريون من اجل الحقيقه و العداله",
    "Some Random NGO for Peace",
    "مركز الكواكبي لحقوق الإنسان",
]


def registry_entries() -> list[tuple[int, str]]:
    """(org id, name) of every name in the registry, ids numbered from 1 in file order."""
    data = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    entries: list[tuple[int, str]] = []
    for number, org in enumerate(data["organisations"], start=1):
        names = [org["ar"], org["en"], *org["acronyms"], *org["aliases"]]
        entries += [(number, name) for name in names if name]
    return entries


def index_entries(size: int = ENTRIES) -> list[tuple[int, str]]:
    """The registry's names, then copies with " فرع N" under ids offset by N, cut at ``size``."""
    base = registry_entries()
    entries = list(base)
    n = 1000
    while len(entries) < size:
        entries += [(org_id + n, f"{name} فرع {n}") for org_id, name in base]
        n += 1000
    return entries[:size]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="resolutions of each query (default 100)")
    args = parser.parse_args()
    entries = index_entries()
    index = OrgIndex(entries)
    for q in QUERIES:  # warm-up: imports, regex compilation, the index's lazy structures
        resolve(q, index)
    timings: dict[str, list[float]] = {q: [] for q in QUERIES}
    began = time.perf_counter()
    for _ in range(args.rounds):
        for q in QUERIES:
            start = time.perf_counter()
            resolve(q + " ", index)
            timings[q].append((time.perf_counter() - start) * 1000)
    total = time.perf_counter() - began
    print(
        f"resolve against {len(entries)} entries ({len(index)} organisations), "
        f"{args.rounds} rounds of {len(QUERIES)} queries"
    )
    print(f"{'query':<52} {'median ms':>10} {'p95 ms':>8}  org")
    for q, ms in timings.items():
        found = resolve(q, index).org_id
        print(f"{q:<52} {statistics.median(ms):>10.3f} {p95(ms):>8.3f}  {found}")
    every = [t for ms in timings.values() for t in ms]
    print(
        f"all {len(every)} resolutions: median {statistics.median(every):.3f} ms, p95 {p95(every):.3f} ms, "
        f"max {max(every):.3f} ms; total {total:.3f} s"
    )


if __name__ == "__main__":
    main()
