"""Pushes when things go wrong (issue 10 items 2, 3 and 6, issue 11 item 8), with the real PTB client against
the fake Bot API and real SQLite files.

- The database refuses writes (``PRAGMA query_only``: SQLite answers "attempt to write a readonly
  database", as for a read-only file): a push Telegram accepted but that cannot be marked is never sent
  again, nothing else is sent until writes work, the admins are told, sending resumes afterwards.
- Telegram answers after the client's read timeout (the fake's ``slow``): the send is "maybe delivered",
  retried once after MAYBE_RETRY, then dropped; the application and push bots use 30 s timeouts.
- One chat in a 429 (the fake's ``flood`` for one chat): a private /help is answered at once.
Database time is a settable clock; HTTP timeouts are short here and the fake's delays just longer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot import orgs, storage
from bot.models import Item, ItemRecord, PollWrite, Settings, Source, Statement, Validators
from bot.service import run_service
from bot.tg import app, i18n, sender
from tests.fakes import FakeBotAPI
from tests.helpers import Clock, eventually

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 11, 10, 0, tzinfo=UTC)
SOURCE = Source(id="src", url="https://example.org/feed", name="مصدر تجريبي", name_en="Test source")
CHAT, ADMIN, GROUP = 7, 42, -1001000000321
SHORT = 0.4  # the read timeout of the bots built here; the fake's slow answers take longer
READ_ONLY = "attempt to write a readonly database"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[storage.Store]:
    s = storage.Store(str(tmp_path / "bayan.db"))
    s.run(storage.sync_sources, [SOURCE])
    yield s
    s.close()


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[ExtBot[Any]]:
    """A PTB bot with a short read timeout and no rate limiter (as the push bot)."""
    request = HTTPXRequest(read_timeout=SHORT, write_timeout=SHORT, connect_timeout=5.0)
    ext: ExtBot[Any] = ExtBot(fake.token, base_url=fake.base_url, request=request)
    async with ext:
        yield ext


_keys = iter(range(1, 10**6))


def publish(db: storage.Db, *titles: str, chats: tuple[int, ...] = (CHAT,)) -> list[int]:
    """Chats subscribed to everything, then new statements stored as one announced poll."""
    for chat in chats:
        storage.add_subscription(db, chat, None, "all", None, now=T0)
    records = []
    for title in titles:
        key = next(_keys)
        item = Item(key=f"k{key}", url=f"https://example.org/s/{key}", title=title)
        statement = Statement(is_statement=True, kind="joint", title=title, signatories=("منظمة ألف",))
        records.append(ItemRecord(item=item, statement=statement, title_norm=orgs.normalize(title)))
    write = PollWrite("src", T0, T0 + timedelta(hours=1), Validators(), tuple(records), announce=True)
    return storage.save_poll(db, write)


def read_only(db: storage.Db, on: bool = True) -> None:
    """The connection refuses (or takes again) every write: SQLite's read-only error (as for a 0444 file)."""
    db.execute(f"PRAGMA query_only = {int(on)}")


def rows(db: storage.Db) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM deliveries ORDER BY id"))


def delivered(fake: FakeBotAPI, chat: int, needle: str = "") -> int:
    """Messages the chat holds (what its users see, whether or not the client got the answer)."""
    return sum(needle in str(m.get("text", "")) for m in fake.messages.get(chat, []))


async def attempt(pass_: Any) -> BaseException | None:
    """Run one sender pass; the exception it raised, if any (today's code lets a failed mark escape)."""
    try:
        await pass_
    except Exception as e:
        return e
    return None


# ───────────────────────────── the database refuses writes ─────────────────────────────


async def test_a_push_sent_but_not_marked_is_never_sent_again_and_nothing_else_is_sent(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(publish, "بيان أول عن المعتقلين", "بيان ثان عن المعتقلين")
    store.run(read_only)
    errors = [await attempt(sender.drain(bot, store)) for _ in range(5)]
    assert delivered(fake, CHAT, "بيان أول") == 1  # accepted by Telegram once, held in memory since
    assert delivered(fake, CHAT, "بيان ثان") == 0  # no send starts while writes are refused
    assert errors == [None] * 5
    assert store.write_error == READ_ONLY
    assert {r["status"] for r in store.run(rows)} == {"pending"}
    store.run(read_only, False)
    assert await sender.drain(bot, store) == 1  # the held mark is written first, then the second row
    assert delivered(fake, CHAT, "بيان أول") == 1 and delivered(fake, CHAT, "بيان ثان") == 1
    assert {r["status"] for r in store.run(rows)} == {"sent"} and store.write_error is None


async def test_run_sender_tells_the_admins_waits_for_writes_then_resumes(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(publish, "بيان أول عن المعتقلين", "بيان ثان عن المعتقلين")
    store.run(read_only)
    stop = asyncio.Event()
    task = asyncio.create_task(
        sender.run_sender(bot, store, asyncio.Event(), stop=stop, admins={ADMIN}, write_retry=0.05)
    )
    try:
        alert = await fake.wait_for("sendMessage", chat_id=ADMIN)
        assert f"database not writable: {READ_ONLY}" in str(alert.params["text"])
        assert delivered(fake, CHAT) == 1
        store.run(read_only, False)
        await eventually(lambda: delivered(fake, CHAT, "بيان ثان") == 1)
        await eventually(lambda: delivered(fake, ADMIN, "writable again") == 1)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert delivered(fake, CHAT, "بيان أول") == 1 and delivered(fake, ADMIN, "not writable") == 1
    assert {r["status"] for r in store.run(rows)} == {"sent"}


async def test_the_database_alert_speaks_each_admins_language(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(storage.upsert_chat, ADMIN, now=T0, language="ar")
    store.run(read_only)
    assert await store.probe_write() == READ_ONLY
    await sender._tell_admins(bot, store, {ADMIN, ADMIN + 1}, lambda: T0)
    [arabic], [english] = fake.sent(ADMIN), fake.sent(ADMIN + 1)
    assert i18n.t("alert_header", "ar") in arabic["text"] and i18n.t("alert_header", "en") in english["text"]
    assert all(f"database not writable: {READ_ONLY}" in m["text"] for m in (arabic, english))


# ───────────────────────────── slow Telegram answers ─────────────────────────────


async def test_a_send_that_times_out_is_retried_once_after_a_delay_then_dropped(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    clock = Clock(T0)
    store.run(publish, "بيان بطيء")
    fake.slow("sendMessage", SHORT * 3, times=20, chat_id=CHAT)  # every answer comes after the timeout
    for _ in range(12):  # every pass at the row's next try: today's backoff sent it 10 times
        await attempt(sender.drain(bot, store, now=clock))
        (row,) = store.run(rows)
        if row["status"] != "pending":
            break
        assert datetime.fromisoformat(row["next_try_at"]) == T0 + timedelta(seconds=sender.MAYBE_RETRY)
        clock.t = datetime.fromisoformat(row["next_try_at"])
    await eventually(lambda: delivered(fake, CHAT) == 2)  # the fake delivers before it answers
    assert row["status"] == "dropped" and row["last_error"].startswith(storage.MAYBE_DELIVERED)
    assert store.run(storage.count_maybe_delivered) == 1


async def test_a_timed_out_send_that_the_database_cannot_reschedule_is_held(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    clock = Clock(T0)
    store.run(publish, "بيان بطيء")
    store.run(read_only)
    fake.slow("sendMessage", SHORT * 3, chat_id=CHAT)
    await sender.drain(bot, store, now=clock)
    store.run(read_only, False)
    clock.advance(sender.BACKOFF_BASE + 1)
    assert await sender.drain(bot, store, now=clock) == 0  # the held "maybe delivered" is written, not resent
    (row,) = store.run(rows)
    assert row["status"] == "pending" and row["last_error"].startswith(storage.MAYBE_DELIVERED)
    assert datetime.fromisoformat(row["next_try_at"]) == T0 + timedelta(seconds=sender.MAYBE_RETRY)
    await eventually(lambda: delivered(fake, CHAT) == 1)


def test_both_bots_wait_30_seconds_for_telegram() -> None:
    settings = Settings(token="1:T", api_url="http://127.0.0.1:9/bot")
    replies = app.build_application(settings).bot.request
    pushes = app.push_bot(settings).request
    for request in (replies, pushes):
        assert isinstance(request, HTTPXRequest)
        timeout = request._client.timeout  # PTB exposes read_timeout only; httpx holds all four
        assert (timeout.read, timeout.write) == (app.SEND_TIMEOUT, app.SEND_TIMEOUT) == (30.0, 30.0)
    assert replies is not pushes


# ───────────────────────────── one chat's 429 ─────────────────────────────


async def test_help_is_answered_while_a_group_waits_out_its_retry_after(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    db_path = str(tmp_path / "bayan.db")
    with storage.Store(db_path) as seed:
        seed.run(storage.sync_sources, [SOURCE])
        seed.run(publish, "بيان للمجموعة", chats=(GROUP,))
    fake.flood("sendMessage", retry_after=60, chat_id=GROUP)
    settings = Settings(token=fake.token, api_url=fake.base_url, db_path=db_path)
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, [], stop=stop))
    try:
        refused = await fake.wait_for("sendMessage", timeout=20, chat_id=GROUP)
        assert refused.status == 429
        fake.user_sends("/help", user_id=CHAT)
        reply = await fake.wait_for("sendMessage", timeout=5, chat_id=CHAT)  # today: after the 60 s
        assert "/subscribe" in str(reply.params["text"])
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError):
            assert await asyncio.wait_for(service, 20) == 0
    assert delivered(fake, GROUP) == 0  # the push waits in the outbox for its retry time
