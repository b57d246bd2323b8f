"""Probes of issue 10 items 4 and 5: statements lost by clustering, statements and pushes flooded by
rotating link parameters. Everything runs through the real pipeline (fetch, parse, extract, resolve,
storage) against loopback sites of tests/sites.py, with one subscriber to every statement.

    python bench/store_probes.py              # every scenario, 12 polls for the rotating ones
    python bench/store_probes.py --polls 30

Scenarios (expected = what a reader should get):
- coalition, one site: one coalition's two different statements 12 days apart, same 8 signatories;
- coalition, two sites: the same two statements, one on each of two members' sites;
- weekly update: four weeks of one organisation's update under the same title;
- cross-posts (control, must still cluster): one statement on three members' sites, and an Arabic
  statement with its English version on another site;
- rotating ?sid=N / ?visit=N: 3 items whose links and GUIDs gain a new value on every feed request.
Prints, per scenario, statements expected and stored, the difference (lost < 0 < flooded) and pushes.

    python bench/store_probes.py --cost 2000  # clustering cost: 2,000 look-alikes, then 50 more saved

--cost N stores N statements of one month with the same title and the same 8 signatories (the worst
case for the candidate look-ups: every one is a candidate), each with its own 400-word body, then times
``save_poll`` of 50 more (milliseconds per saved statement).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_httpserver import HTTPServer  # noqa: E402

from bot import config, orgs, pipeline, service, storage  # noqa: E402
from bot.models import Item, ItemRecord, PollWrite, SignatureRecord, Source, Statement, Validators  # noqa: E402
from tests.sites import (  # noqa: E402
    COALITION,
    COALITION_EN,
    DETENTION,
    DETENTION_EN,
    WATER,
    WEEKLY_HEAD,
    WEEKLY_TITLE,
    WEEKS,
    StatementSite,
    statement_html,
)

INTROS = (
    "",
    "تنشر منظمتنا مع شركائها البيان المشترك التالي.",
    "وقعت جمعيتنا على هذا البيان إلى جانب شركائها.",
)


@dataclass
class Outcome:
    expected: int
    stored: int
    pushes: int


def _day(n: int) -> str:
    return f"{['Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue', 'Wed'][n % 7]}, {n:02d} Mar 2026 10:00:00 GMT"


def _counts(db: storage.Db) -> tuple[int, int]:
    statements = db.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
    pushes = db.execute("SELECT COUNT(*) FROM deliveries WHERE statement_id IS NOT NULL").fetchone()[0]
    return int(statements), int(pushes)


Post = tuple[str, str, str, str]  # key, title, html, day
Site = tuple[StatementSite, Source]


def _subscribe(db: storage.Db) -> None:
    storage.add_subscription(db, 1, None, "all", None, now=pipeline.utcnow())


async def _run(server: HTTPServer, plan: list[tuple[Site, Post | None]], expected: int) -> Outcome:
    """Each step publishes its item (if any) on its site, then polls that site once."""
    with tempfile.TemporaryDirectory() as tmp:
        async with service.open_runtime(str(Path(tmp) / "probe.db"), []) as ctx:
            await ctx.store.call(_subscribe)
            for (site, src), item in plan:
                if item is not None:
                    site.publish(*item)
                result = await pipeline.poll_source(ctx, src)
                assert result.error is None, result.error
            stored, pushes = await ctx.store.call(_counts)
    server.clear()
    return Outcome(expected, stored, pushes)


def _item(
    key: str, title: str, day: int, text: tuple[str, ...], names: tuple[str, ...] = (), **kw: str
) -> Post:
    return key, title, statement_html(title, text, names, **kw), _day(day)


async def coalition(server: HTTPServer, *, two_sites: bool) -> Outcome:
    a = _site(server, "coalition-a")
    b = _site(server, "coalition-b") if two_sites else a
    first = _item("detention", "بيان مشترك بشأن الاعتقال التعسفي", 5, DETENTION, COALITION)
    second = _item("water", "بيان مشترك بشأن أزمة المياه في المخيمات", 17, WATER, COALITION)
    return await _run(server, [(a, first), (b, second)], expected=2)


async def weekly(server: HTTPServer) -> Outcome:
    site = _site(server, "weekly", statements_only=True, org="stj")
    plan = [
        (site, _item(f"w{n}", WEEKLY_TITLE, 2 + 7 * n, (WEEKLY_HEAD, *lines)))
        for n, lines in enumerate(WEEKS)
    ]
    return await _run(server, plan, expected=len(WEEKS))


async def cross_posts(server: HTTPServer) -> Outcome:
    titles = (
        "بيان مشترك بشأن الاعتقال التعسفي",
        "بيان مشترك بشأن الاعتقال التعسفي",
        "بيان: أوقفوا الاعتقال التعسفي",
    )
    plan: list[tuple[Site, Post | None]] = []
    for i, title in enumerate(titles):
        names = COALITION if i != 2 else tuple(reversed(COALITION))
        plan.append(
            (_site(server, f"member-{i}"), _item("s", title, 5 + i, DETENTION, names, intro=INTROS[i]))
        )
    return await _run(server, plan, expected=1)


async def translation(server: HTTPServer) -> Outcome:
    ar, en = _site(server, "member-ar"), _site(server, "member-en")
    first = _item("s", "بيان مشترك بشأن الاعتقال التعسفي", 5, DETENTION, COALITION)
    second = _item("s", "Joint statement on arbitrary detention", 6, DETENTION_EN, COALITION_EN)
    return await _run(server, [(ar, first), (en, second)], expected=1)


async def rotating(server: HTTPServer, param: str, polls: int) -> Outcome:
    site, src = _site(server, f"rotating-{param}", rotate=param)
    texts = (DETENTION, WATER, (WEEKLY_HEAD, *WEEKS[0]))  # short titles: no clustering by title
    for i, text in enumerate(texts):
        site.publish(*_item(f"r{i}", f"بيان رقم {i + 1}", 3 + i, text, COALITION[:2], query="{query}"))
    return await _run(server, [((site, src), None)] * polls, expected=3)


def _site(server: HTTPServer, prefix: str, rotate: str | None = None, **kw: object) -> Site:
    site = StatementSite(server, prefix, rotate=rotate)
    return site, Source(id=prefix, url=site.url, language="ar", interval=60, announce_first_poll=True, **kw)  # type: ignore[arg-type]


def _lookalike(n: int, index: orgs.OrgIndex) -> ItemRecord:
    title = "بيان مشترك بشأن الاعتقال التعسفي"
    body = " ".join(f"كلمة{n}م{i}" for i in range(400)) + " " + " ".join(COALITION)
    sigs = tuple(
        SignatureRecord(name, i, org_id=orgs.resolve(name, index).org_id) for i, name in enumerate(COALITION)
    )
    day = date(2026, 3, 1) + timedelta(days=n % 28)
    st = Statement(
        is_statement=True, kind="joint", title=title, published=day, signatories=COALITION, body=body
    )
    item = Item(key=f"k{n}", url=f"https://e.org/{n}", title=title, published=day)
    return ItemRecord(item, None, st, sigs, orgs.normalize(title), orgs.normalize(body))


def cost(n: int) -> None:
    now = datetime(2026, 3, 30, tzinfo=UTC)
    db = storage.open_db(":memory:")
    storage.seed_registry(db, config.read_registry(), now=now)
    index = orgs.OrgIndex(storage.org_index_entries(db))

    def save(records: list[ItemRecord]) -> list[int]:
        return storage.save_poll(db, PollWrite("s", now, now, Validators(), records=tuple(records)))

    for start in range(0, n, 500):
        save([_lookalike(i, index) for i in range(start, min(n, start + 500))])
    stored_before = db.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
    t = time.perf_counter()
    new = sum(len(save([_lookalike(n + i, index)])) for i in range(50))
    ms = (time.perf_counter() - t) * 1000 / 50
    print(f"{stored_before} look-alikes stored; 50 more: {new} new statements, {ms:.2f} ms per save_poll")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=12, help="polls of the rotating-parameter feeds")
    parser.add_argument("--cost", type=int, metavar="N", help="time clustering against N look-alikes instead")
    args = parser.parse_args()
    if args.cost:
        cost(args.cost)
        return 0
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        scenarios = {
            "coalition, one site": lambda: coalition(server, two_sites=False),
            "coalition, two sites": lambda: coalition(server, two_sites=True),
            "weekly update, 4 weeks": lambda: weekly(server),
            "cross-posts on 3 sites (control)": lambda: cross_posts(server),
            "Arabic + English copy (control)": lambda: translation(server),
            f"rotating ?sid=N, {args.polls} polls": lambda: rotating(server, "sid", args.polls),
            f"rotating ?visit=N, {args.polls} polls": lambda: rotating(server, "visit", args.polls),
        }
        print(f"{'scenario':<36} {'expected':>8} {'stored':>7} {'diff':>5} {'pushes':>7}")
        for name, probe in scenarios.items():
            o = await probe()
            print(f"{name:<36} {o.expected:>8} {o.stored:>7} {o.stored - o.expected:>+5} {o.pushes:>7}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
