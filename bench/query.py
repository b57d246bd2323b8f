"""Benchmark of the organisation queries on a large synthetic database.

    python bench/query.py                 # builds (once, cached in the temp dir) then measures
    python bench/query.py --rebuild       # rebuild the cached database
    python bench/query.py --queries 500

The database holds 100,000 statements and about 2,000,000 signatures by 2,000 organisations with Zipf-like
popularity (the most popular signs most statements, most sign a handful), Arabic and English titles and
bodies drawn from a statement vocabulary, normalised with orgs.normalize and indexed by the FTS5 trigram
table, exactly as the service stores them (same migrations). Measures ``storage.signed_by`` (random
organisations, the 20 most popular included; limit 10) and ``storage.search_statements`` (random 3–12
character words of the stored titles and bodies) over ≥ 200 queries each and prints p50 / p95 / max.
Targets (organisations issue): signed_by p95 ≤ 10 ms, search p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import orgs, storage  # noqa: E402

STATEMENTS = 100_000
SIGNATURES = 2_000_000
ORGS = 2_000
CACHE = Path(tempfile.gettempdir()) / "bayan-bench-query-v2.db"
BATCH = 20_000

AR_TEXT = """بيان مشترك حول حقوق الإنسان في سوريا المنظمات الموقعة أدناه تدين الانتهاكات المستمرة بحق المدنيين
تطالب المجتمع الدولي مجلس الأمن الأمم المتحدة المبعوث الخاص العدالة الانتقالية المساءلة الإفلات من
العقاب المعتقلين المختفين قسريا الضحايا ذويهم الحقيقة الكشف عن مصير اللاجئين العودة الآمنة الطوعية
الكريمة الحماية القانون الدولي الإنساني الهجمات على المستشفيات المدارس الأسواق القصف الجوي البراميل
المتفجرة الأسلحة الكيميائية الحصار التهجير القسري التغيير الديمغرافي الملكية العقارية المرأة الطفل
التعليم الصحة المجتمع المدني السوري منظمة مؤسسة مركز شبكة رابطة جمعية مبادرة منصة تحالف اتحاد هيئة
مرصد الدراسات التنمية السلام الديمقراطية المواطنة الحريات الصحفيين الإعلاميين المحامين الأطباء دمشق
حلب إدلب حمص حماة درعا السويداء القنيطرة دير الزور الرقة الحسكة القامشلي عفرين اللاذقية طرطوس الغوطة
الشمال الشرقي الجنوب رسالة مفتوحة إلى الأمين العام انسحاب توضيح نعلن نرفض نرحب ندعو نؤكد نطالب نحمل
المسؤولية الكاملة السلطات الحكومة القوات الفصائل المسلحة الميليشيات وقف إطلاق النار الفوري حماية
المدنيين المساعدات الإنسانية عبر الحدود المعابر التمويل المانحين الدول الأعضاء الاتحاد الأوروبي
العقوبات إعادة الإعمار اللجنة الدستورية المفاوضات العملية السياسية القرار الانتخابات النزيهة المرحلة
الانتقالية الذاكرة الأرشيف التوثيق الأدلة المحاكم الوطنية الولاية القضائية العالمية التعذيب الإعدام
الميداني مراكز الاحتجاز السجون صيدنايا"""
AR_WORDS = AR_TEXT.split()

EN_TEXT = """joint statement on human rights in syria the undersigned organisations condemn continued
violations against civilians call on international community security council united nations special envoy
transitional justice accountability impunity detainees forcibly disappeared victims families truth
disclosure fate refugees safe voluntary dignified return protection international humanitarian law
attacks hospitals schools markets airstrikes barrel bombs chemical weapons siege forced displacement
demographic change property women children education health civil society syrian organisation
foundation centre network league association initiative platform coalition union observatory studies
development peace democracy citizenship freedoms journalists lawyers doctors damascus aleppo idlib
homs hama daraa suwayda quneitra deir ezzor raqqa hasakah qamishli afrin open letter secretary
general withdrawal clarification announce reject welcome urge affirm hold responsible authorities
government forces armed factions militias immediate ceasefire humanitarian aid cross border
crossings funding donors member states european union sanctions reconstruction constitutional
committee negotiations political process resolution free fair elections transitional period memory
archive documentation evidence national courts universal jurisdiction torture executions detention
centres prisons"""
EN_WORDS = EN_TEXT.split()

KINDS = ["joint", "joint", "joint", "single", "single", "open_letter", "withdrawal"]


def zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


def sentence(rng: random.Random, words: list[str], weights: list[float], n: int) -> str:
    return " ".join(rng.choices(words, weights=weights, k=n))


def build(path: Path, seed: int = 7) -> None:
    """Create the synthetic database at ``path`` (replacing it)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = storage.open_db(str(path))
    rng = random.Random(seed)
    t0 = time.perf_counter()
    _insert_orgs(db)
    _insert_statements(db, rng)
    print(f"  statements: {time.perf_counter() - t0:.1f} s", flush=True)
    t1 = time.perf_counter()
    total = _insert_signatures(db, rng)
    print(f"  signatures: {total:,} in {time.perf_counter() - t1:.1f} s", flush=True)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no ANALYZE: the service never runs it either
    db.close()


def _insert_orgs(db: storage.Db) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).isoformat(timespec="microseconds")
    org_rows = [(i, f"منظمة رقم {i}", f"Organisation {i}", 0, now) for i in range(1, ORGS + 1)]
    name_rows = [(orgs.normalize(r[1]), r[0], r[1], "name", "registry") for r in org_rows]
    name_rows += [(orgs.normalize(r[2]), r[0], r[2], "name", "registry") for r in org_rows]
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO orgs (id, name, name_en, provisional, created_at) VALUES (?, ?, ?, ?, ?)", org_rows
        )
        db.conn.executemany(
            "INSERT INTO org_names (name_norm, org_id, name, kind, origin) VALUES (?, ?, ?, ?, ?)", name_rows
        )


def _statement_rows(rng: random.Random) -> Iterator[tuple[object, ...]]:
    ar_w, en_w = zipf_weights(len(AR_WORDS), 0.8), zipf_weights(len(EN_WORDS), 0.8)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for i in range(1, STATEMENTS + 1):
        arabic = rng.random() < 0.7
        words, weights = (AR_WORDS, ar_w) if arabic else (EN_WORDS, en_w)
        title = sentence(rng, words, weights, rng.randint(5, 11))
        body = sentence(rng, words, weights, rng.randint(30, 70))
        seen = start + timedelta(minutes=55 * i)
        published = None if rng.random() < 0.05 else (seen.date() - timedelta(days=rng.randint(0, 20)))
        yield (
            i, title, f"https://example.org/s/{i}", _day(published), "ar" if arabic else "en",
            rng.choice(KINDS), body, orgs.normalize(title), orgs.normalize(body), 0.9,
            f"src-{i % 50}", seen.isoformat(timespec="microseconds"),
        )  # fmt: skip


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _batches(it: Iterator[tuple[object, ...]], size: int = BATCH) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in it:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_statements(db: storage.Db, rng: random.Random) -> None:
    sql = """INSERT INTO statements (id, title, url, published, language, kind, body, title_norm, body_norm,
               confidence, source_id, first_seen_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
    for batch in _batches(_statement_rows(rng)):
        with db.atomic():
            db.conn.executemany(sql, [(*r, r[-1]) for r in batch])
            db.conn.executemany(
                "INSERT INTO statement_sources (statement_id, source_id, url, first_seen_at) "
                "VALUES (?, ?, ?, ?)",
                [(r[0], r[10], r[2], r[11]) for r in batch],
            )


def _signature_rows(rng: random.Random) -> Iterator[tuple[object, ...]]:
    ids = list(range(1, ORGS + 1))
    cum = list(_accumulate(zipf_weights(ORGS)))
    per = SIGNATURES // STATEMENTS
    for sid in range(1, STATEMENTS + 1):
        want = rng.randint(per // 4, 2 * per - per // 4)
        chosen = dict.fromkeys(rng.choices(ids, cum_weights=cum, k=want))
        while len(chosen) < want:
            chosen.update(dict.fromkeys(rng.choices(ids, cum_weights=cum, k=want - len(chosen))))
        for pos, org_id in enumerate(chosen):
            yield (sid, org_id, f"Organisation {org_id}", pos, "signatory", 100.0, "2026-01-01")


def _accumulate(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _insert_signatures(db: storage.Db, rng: random.Random) -> int:
    sql = """INSERT INTO signatures (statement_id, org_id, raw_name, position, role, match_score,
               first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)"""
    total = 0
    for batch in _batches(_signature_rows(rng), 100_000):
        with db.atomic():
            db.conn.executemany(sql, batch)
        total += len(batch)
    return total


# ───────────────────────────── measuring ─────────────────────────────


def measure(name: str, fn: Callable[[object], object], args: list[object]) -> list[float]:
    for a in args[:5]:  # warm the page cache
        fn(a)
    times = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    print(f"{name:<18} n={len(times):<5} p50={p50:7.2f} ms  p95={p95:7.2f} ms  max={times[-1]:7.2f} ms")
    return times


def search_words(db: storage.Db, rng: random.Random, n: int) -> list[str]:
    words: list[str] = []
    while len(words) < n:
        sid = rng.randint(1, STATEMENTS)
        row = db.execute("SELECT title_norm, body_norm FROM statements WHERE id = ?", [sid]).fetchone()
        candidates = [w for w in f"{row[0]} {row[1]}".split() if 3 <= len(w) <= 12]
        if candidates:
            words.append(rng.choice(candidates))
    return words


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=str(CACHE), help=f"database path (default {CACHE})")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    path = Path(args.db)
    if args.rebuild or not path.exists():
        print(f"building {path} …", flush=True)
        t = time.perf_counter()
        build(path)
        print(f"built in {time.perf_counter() - t:.0f} s", flush=True)
    db = storage.open_db(str(path))
    rng = random.Random(11)
    counts = storage.count_rows(db)
    print(
        f"{counts['statements']:,} statements, {counts['signatures']:,} signatures, {counts['orgs']:,} orgs"
    )
    popular = list(range(1, 21))
    orgs_asked = popular + [rng.randint(1, ORGS) for _ in range(args.queries - len(popular))]
    rng.shuffle(orgs_asked)
    signed = measure("signed_by", lambda o: storage.signed_by(db, [int(str(o))], limit=10), list(orgs_asked))
    words = search_words(db, rng, args.queries)
    found = measure(
        "search_statements", lambda w: storage.search_statements(db, str(w), limit=10), list(words)
    )
    ok = signed[int(0.95 * (len(signed) - 1))] <= 10 and found[int(0.95 * (len(found) - 1))] <= 50
    print("targets (signed p95 ≤ 10 ms, search p95 ≤ 50 ms):", "met" if ok else "NOT met")
    db.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
