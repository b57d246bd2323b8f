"""Cost of one new statement against the size of the history (issue 12 item 2).

    python bench/history.py                     # 100 and 10,000 stored statements, 200 new ones each
    python bench/history.py --sizes 100 10000 30000 --new 300

Builds a database through the real migrations and ``storage.save_poll`` (a registry of 2,000 invented
organisations with Zipf-like popularity, a history backfilled at ``--per-day`` statements a day, so a
larger history is a longer one: each statement has 5–60 signatories, a few unknown names, its own
400-word body and, one in five, a recurring title), then saves ``--new`` more statements dated after the
history, one poll each (a feed with one new item), and prints per new statement: the CPU of
``save_poll`` (process time, median of 3 rounds over fresh copies of the database), the SQL statements
SQLite ran for it (``sqlite3`` trace callback: trigger programs and FTS5's own statements count too)
and how many of the new statements were clustered. Target: CPU at the largest size ≤ 1.2 × at 100.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import storage  # noqa: E402
from bot.models import (  # noqa: E402
    Item,
    ItemRecord,
    PageRecord,
    PollWrite,
    RegistryOrg,
    SignatureRecord,
    Statement,
    Validators,
)
from bot.names import normalize  # noqa: E402

ORGS = 2_000
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
TITLES = ("تحديث أسبوعي عن الوضع الإنساني", "نشرة شهرية عن حالة المعتقلين", "تقرير دوري للتحالف")
START = date(2017, 1, 1)


def words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7))) for _ in range(n)]


def registry(db: storage.Db) -> list[int]:
    """Seed ORGS invented registry organisations; their ids in a random order of popularity."""
    rng = random.Random(7)
    orgs = [RegistryOrg(slug=f"org-{i}", ar=f"منظمة {' '.join(words(rng, 2))} {i}") for i in range(ORGS)]
    storage.seed_registry(db, orgs)
    ids = [int(r[0]) for r in db.execute("SELECT id FROM orgs WHERE provisional = 0 ORDER BY id").fetchall()]
    rng.shuffle(ids)
    return ids


def record(rng: random.Random, vocab: list[str], org_ids: list[int], n: int, day: date) -> ItemRecord:
    """One statement of our own: signatories drawn Zipf-like, a few unknown names, a 400-word body."""
    size = rng.randint(5, 60)
    picked = {org_ids[min(int(rng.paretovariate(0.9)) - 1, ORGS - 1)] for _ in range(size)}
    sigs = [SignatureRecord(raw_name=f"org {o}", position=p, org_id=o) for p, o in enumerate(sorted(picked))]
    sigs += [
        SignatureRecord(raw_name=f"رابطة {' '.join(words(rng, 2))}", position=len(sigs) + k)
        for k in range(rng.randint(0, 3))
    ]
    title = rng.choice(TITLES) if rng.random() < 0.2 else " ".join(rng.choices(vocab, k=6))
    body = " ".join(rng.choices(vocab, k=400))
    url = f"https://site{n % 50}.example.org/statement/{n}"
    st = Statement(
        is_statement=True,
        kind="joint",
        title=title,
        published=day,
        language="ar",
        signatories=tuple(s.raw_name for s in sigs),
        lead=body[:200],
        body=body,
        confidence=0.9,
    )
    page = PageRecord(url=url, body=body.encode()[:2000], sha256=f"{n:064x}", content_type="text/html")
    return ItemRecord(
        item=Item(key=f"url:{url}", url=url, title=title, published=day),
        page=page,
        statement=st,
        signatures=tuple(sigs),
        title_norm=normalize(title),
        body_norm=normalize(body),
    )


def poll(rec: ItemRecord, n: int, now: datetime) -> PollWrite:
    return PollWrite(
        source_id=f"src-{n % 50}",
        now=now,
        next_check=now + timedelta(hours=1),
        validators=Validators(etag=f'"{n}"', last_modified=None, content_sha=None),
        records=(rec,),
        announce=False,
    )


def build(path: Path, size: int, per_day: float) -> tuple[list[int], list[str]]:
    db = storage.open_db(str(path))
    org_ids = registry(db)
    rng = random.Random(size)
    vocab = words(random.Random(3), 3_000)
    for sid in range(50):
        db.execute("INSERT OR IGNORE INTO sources (id, url, type) VALUES (?, ?, 'feed')", [f"src-{sid}", "x"])
    for n in range(size):
        day = START + timedelta(days=int(n / per_day))
        storage.save_poll(db, poll(record(rng, vocab, org_ids, n, day), n, datetime.now(UTC)))
    db.close()
    return org_ids, vocab


def measure(path: Path, size: int, new: int, per_day: float, org_ids: list[int], vocab: list[str]) -> dict:
    db = storage.open_db(str(path))
    rng = random.Random(99)
    end = START + timedelta(days=int(size / per_day))
    recs = [record(rng, vocab, org_ids, size + k, end + timedelta(days=int(k / per_day))) for k in range(new)]
    count = [0]
    db.conn.set_trace_callback(lambda _sql: count.__setitem__(0, count[0] + 1))
    cpu = 0.0
    clustered = 0
    for k, rec in enumerate(recs):
        write = poll(rec, size + k, datetime.now(UTC))
        t0 = time.process_time()
        created = storage.save_poll(db, write)
        cpu += time.process_time() - t0
        clustered += not created
    db.conn.set_trace_callback(None)
    db.close()
    return {"cpu_ms": cpu / new * 1000, "sql": count[0] / new, "clustered": clustered}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000])
    ap.add_argument("--new", type=int, default=200, help="new statements saved at each size")
    ap.add_argument("--per-day", type=float, default=3.0, help="statements a day in the history")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            built = Path(tmp) / f"h{size}.db"
            t0 = time.perf_counter()
            org_ids, vocab = build(built, size, args.per_day)
            took = time.perf_counter() - t0
            runs = []
            for r in range(args.rounds):
                copy = Path(tmp) / f"run{r}.db"
                shutil.copy(built, copy)
                runs.append(measure(copy, size, args.new, args.per_day, org_ids, vocab))
                copy.unlink()
            cpu = statistics.median(x["cpu_ms"] for x in runs)
            base = base or cpu
            print(
                f"stored {size:>6}: {cpu:6.2f} ms CPU per new statement ({cpu / base:.2f}x the first size), "
                f"{runs[0]['sql']:.1f} SQL statements each, {runs[0]['clustered']}/{args.new} clustered "
                f"(history built in {took:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
