"""Probes of the outbox sender when things go wrong (issue 10 items 2 and 3, issue 11 item 8), before/after.

    python bench/sender_probes.py                       # all three probes, ≈ 3 minutes
    python bench/sender_probes.py --probe readonly --passes 10
    python bench/sender_probes.py --probe slow --answer 20
    python bench/sender_probes.py --probe help --retry-after 8 --repeat 3

    # the same probes on another checkout's bot/ (e.g. main before the change):
    mkdir /tmp/bayan-before && git archive <commit> bot | tar -x -C /tmp/bayan-before
    BAYAN_CODE=/tmp/bayan-before python bench/sender_probes.py

The code under test (this checkout's bot/, or BAYAN_CODE's) is driven as `bayan run` wires it: the sender
pushes with ``app.push_bot`` when the code has one, else with the application's bot (``build_application``).
The fake Bot API (tests/fakes, always this checkout's) serves on 127.0.0.1; SQLite is a real temporary file.

- readonly: one statement for one chat, the database turned read-only (``PRAGMA query_only``: SQLite's
  "attempt to write a readonly database"), then N sender passes: copies the chat received.
- slow: Telegram answers every send after ``--answer`` s (default: the bot's read timeout + 1 s, and 20 s);
  the sender retries as it decides (database time jumps to each retry): copies received.
- help: a group's push gets a 429 with retry_after; a private /help is sent once the 429 is answered:
  seconds until the reply arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")
from tests.fakes import FakeBotAPI  # noqa: E402  (this checkout's fake, before BAYAN_CODE's bot/)

if os.environ.get("BAYAN_CODE"):
    sys.path.insert(0, os.environ["BAYAN_CODE"])

from bot import orgs, storage  # noqa: E402
from bot.models import Item, ItemRecord, PollWrite, Settings, Source, Statement, Validators  # noqa: E402
from bot.service import run_service  # noqa: E402
from bot.tg import app, sender  # noqa: E402

T0 = datetime(2026, 1, 11, 10, 0, tzinfo=UTC)
SOURCE = Source(id="bench", url="https://example.org/feed", name="مصدر")
CHAT, GROUP = 7, -1001000000321


def publish(db: storage.Db, chat: int) -> None:
    """The chat subscribed to everything, then one announced statement: one pending delivery."""
    storage.sync_sources(db, [SOURCE])
    storage.add_subscription(db, chat, None, "all", None, now=T0)
    title = "بيان مشترك حول المعتقلين"
    statement = Statement(is_statement=True, kind="joint", title=title, signatories=("منظمة ألف",))
    item = Item(key="1", url="https://example.org/s/1", title=title)
    record = ItemRecord(item=item, statement=statement, title_norm=orgs.normalize(title))
    write = PollWrite("bench", T0, T0 + timedelta(hours=1), Validators(), (record,), announce=True)
    storage.save_poll(db, write)


@contextlib.asynccontextmanager
async def wired_bot(fake: FakeBotAPI) -> Any:
    """The bot the code under test pushes with."""
    settings = Settings(token=fake.token, api_url=fake.base_url)
    if hasattr(app, "push_bot"):
        async with app.push_bot(settings) as bot:
            yield bot
    else:
        async with app.build_application(settings) as application:
            yield application.bot


def copies(fake: FakeBotAPI, chat: int) -> int:
    return len(fake.messages.get(chat, []))


async def probe_readonly(passes: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        store = storage.Store(str(Path(tmp) / "bayan.db"))
        store.run(publish, CHAT)
        store.run(lambda db: db.execute("PRAGMA query_only = 1"))
        errors = 0
        async with FakeBotAPI() as fake, wired_bot(fake) as bot:
            for _ in range(passes):
                try:
                    await sender.drain(bot, store)
                except Exception:
                    errors += 1
            got = copies(fake, CHAT)
        store.close()
    return f"readonly: {got} copies to one chat over {passes} passes ({errors} passes raised)"


async def probe_slow(answer: float | None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        store = storage.Store(str(Path(tmp) / "bayan.db"))
        store.run(publish, CHAT)
        clock = [T0]
        async with FakeBotAPI() as fake, wired_bot(fake) as bot:
            timeout = bot.request.read_timeout or 0.0
            delay = answer if answer is not None else timeout + 1.0
            fake.slow("sendMessage", delay, times=100, chat_id=CHAT)
            started = time.monotonic()
            for _ in range(sender.MAX_ATTEMPTS + 2):
                await sender.drain(bot, store, now=lambda: clock[0])
                row = store.run(lambda db: next(iter(db.query("SELECT * FROM deliveries"))))
                if row["status"] != "pending":
                    break
                clock[0] = max(clock[0], datetime.fromisoformat(row["next_try_at"]))
            got = copies(fake, CHAT)
        store.close()
    return (
        f"slow: answer {delay:.0f} s, read timeout {timeout:.0f} s: {got} copies to one chat "
        f"(row {row['status']}, {time.monotonic() - started:.0f} s)"
    )


async def probe_help(retry_after: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "bayan.db")
        with storage.Store(db_path) as seed:
            seed.run(publish, GROUP)
        async with FakeBotAPI() as fake:
            fake.fail_next(
                "sendMessage",
                429,
                f"Too Many Requests: retry after {retry_after}",
                when=lambda p: str(p.get("chat_id")) == str(GROUP),
                parameters={"retry_after": retry_after},
            )
            settings = Settings(token=fake.token, api_url=fake.base_url, db_path=db_path)
            stop = asyncio.Event()
            service = asyncio.create_task(run_service(settings, [], stop=stop))
            try:
                await fake.wait_for("sendMessage", timeout=30, chat_id=GROUP)
                started = time.monotonic()
                fake.user_sends("/help", user_id=CHAT)
                await fake.wait_for("sendMessage", timeout=retry_after + 30, chat_id=CHAT)
                return time.monotonic() - started
            finally:
                stop.set()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(service, 30)


async def main(args: argparse.Namespace) -> None:
    print(f"code: {os.environ.get('BAYAN_CODE') or ROOT} (push bot: {hasattr(app, 'push_bot')})", flush=True)
    if args.probe in ("readonly", "all"):
        print(await probe_readonly(args.passes), flush=True)
    if args.probe in ("slow", "all"):
        for answer in [args.answer] if args.answer is not None or args.probe == "slow" else [None, 20.0]:
            print(await probe_slow(answer), flush=True)
    if args.probe in ("help", "all"):
        times = [await probe_help(args.retry_after) for _ in range(args.repeat)]
        shown = ", ".join(f"{t:.3f}" for t in times)
        print(
            f"help: /help answered in {statistics.median(times):.3f} s (median of {shown}) while a group "
            f"waits out retry_after={args.retry_after} s",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--probe", choices=["readonly", "slow", "help", "all"], default="all")
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--answer", type=float, default=None, help="seconds Telegram takes to answer a send")
    parser.add_argument("--retry-after", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
