"""Benchmark of the outbox fan-out: one new statement to N subscribed private chats through the real sender.

    python bench/fanout.py --chats 1000      # ≈ 35 s
    python bench/fanout.py                   # 10,000 chats: ≈ 6 minutes at 30 messages/s
    python bench/fanout.py --chats 1000 --latency 0.1   # with Telegram-like 100 ms round trips

The real ``bot.tg.sender.run_sender`` with the push bot of `bayan run` (``bot.tg.app.push_bot``: its own
HTTPXRequest, no PTB limiter; the sender paces) sends to the in-process fake Bot API (tests/fakes) over
loopback; chats 1..N are subscribed with /subscribe all (rows written by storage directly) and one
statement is stored by ``storage.save_poll``. Prints messages per
second (first to last send) and the highest number of sendMessage calls the fake received in any
one-second sliding window. Targets: ≥ 95 % of 30 messages/s, never above 30 in any second.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot import orgs, storage  # noqa: E402
from bot.models import Item, ItemRecord, PollWrite, Settings, Source, Statement, Validators  # noqa: E402
from bot.tg import app, sender  # noqa: E402
from tests.fakes import FakeBotAPI  # noqa: E402

LIMIT = 30  # Telegram's broadcast limit, messages per second


class SlowFake(FakeBotAPI):
    """The fake Bot API answering sendMessage after ``latency`` seconds (Telegram's round trip)."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency

    async def _answer(self, call: Any, request: Any) -> Any:
        if self.latency and call.method.lower() == "sendmessage":
            await asyncio.sleep(self.latency)
        return await super()._answer(call, request)


def prepare(db: storage.Db, chats: int, now: datetime) -> int:
    """Chats 1..N subscribed to everything, then one announced statement: N pending deliveries."""
    storage.sync_sources(db, [Source(id="bench", url="https://example.org/feed", name="مصدر")])
    for chat in range(1, chats + 1):
        storage.add_subscription(db, chat, None, "all", None, now=now)
    title = "بيان مشترك حول المعتقلين والمفقودين في سوريا"
    statement = Statement(
        is_statement=True, kind="joint", title=title, signatories=("منظمة ألف", "منظمة باء", "منظمة جيم")
    )
    item = Item(key="1", url="https://example.org/s/1", title=title)
    record = ItemRecord(item=item, statement=statement, title_norm=orgs.normalize(title))
    write = PollWrite("bench", now, now + timedelta(hours=1), Validators(), (record,), announce=True)
    storage.save_poll(db, write)
    return storage.count_rows(db).pending_deliveries


def max_in_window(times: list[float], width: float = 1.0) -> int:
    """The largest number of ``times`` (sorted) inside any half-open window [t, t + width)."""
    best = 0
    for i, t in enumerate(times):
        best = max(best, bisect.bisect_left(times, t + width, lo=i) - i)
    return best


async def run(chats: int, latency: float) -> dict[str, Any]:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = storage.Store(str(Path(tmp) / "bench.db"))
        pending = store.run(prepare, chats, now)
        async with SlowFake(latency) as fake:
            bot = app.push_bot(Settings(token=fake.token, api_url=fake.base_url))
            async with bot:
                fake.mark()
                cpu0, wall0 = time.process_time(), time.monotonic()
                stop, base = asyncio.Event(), len(fake.calls)
                task = asyncio.create_task(sender.run_sender(bot, store, asyncio.Event(), stop=stop))
                try:  # fake.wait_for_count would rescan every call per call: O(n²) in the measured loop
                    deadline = time.monotonic() + chats / 20 + 60
                    while len(fake.calls) - base < pending and time.monotonic() < deadline:
                        await asyncio.sleep(0.5)
                finally:
                    stop.set()  # the sender marks its last message sent, then returns
                    await asyncio.wait_for(task, 30)
                cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            times = sorted(c.at for c in fake.calls if c.method == "sendMessage")
            failed = sum(1 for c in fake.calls if c.method == "sendMessage" and not c.ok)
        left = store.run(storage.count_rows).pending_deliveries
        store.close()
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "chats": chats,
        "latency": latency,
        "sent": len(times),
        "failed": failed,
        "pending_after": left,
        "wall_s": wall,
        "rate": (len(times) - 1) / span if span else float("nan"),
        "max_window": max_in_window(times),
        "cpu_ms_per_msg": 1000 * cpu / max(1, len(times)),
    }


def report(r: dict[str, Any]) -> None:
    rate, window = r["rate"], r["max_window"]
    print(f"chats: {r['chats']}  fake latency: {1000 * r['latency']:.0f} ms per sendMessage")
    print(f"sent: {r['sent']}  failed: {r['failed']}  pending after: {r['pending_after']}")
    print(
        f"wall: {r['wall_s']:.1f} s  CPU: {r['cpu_ms_per_msg']:.2f} ms/message (sender + fake, one process)"
    )
    verdict = "OK" if rate >= 0.95 * LIMIT else "LOW"
    print(
        f"rate, first to last send: {rate:.2f} messages/s ({100 * rate / LIMIT:.1f} % of {LIMIT}) {verdict}"
    )
    print(f"max sendMessage calls in any 1 s window: {window} {'OK' if window <= LIMIT else 'OVER'}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=10_000, help="subscribed private chats (default 10000)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the fake takes per sendMessage")
    args = parser.parse_args()
    report(asyncio.run(run(args.chats, args.latency)))


if __name__ == "__main__":
    main()
