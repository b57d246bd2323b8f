"""The outbound half of the bot against the fake Bot API: the outbox sender, then the whole service.

Part 1 drives ``bot.tg.sender`` (real PTB ExtBot + AIORateLimiter over loopback) on a real SQLite file whose
deliveries are created by ``storage.save_poll``: Telegram's error policy, bursts, alerts, the wake loop.
Part 2 runs ``bot.service.run_service`` end to end: pytest-httpserver serves a feed and statement pages, a
chat subscribes with /subscribe, the admin's /poll finds a new statement and the chat gets its summary.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from telegram.ext import AIORateLimiter, ExtBot
from werkzeug import Request, Response

from bot import orgs, storage
from bot.models import (
    Item,
    ItemRecord,
    PollWrite,
    Settings,
    SignatureRecord,
    Source,
    Statement,
    Validators,
)
from bot.service import open_runtime, run_service
from bot.tg import app, sender
from tests.fakes import FakeBotAPI
from tests.helpers import Clock, eventually
from tests.sites import JOINT_PAGE, FeedSite, rss

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 11, 10, 0, tzinfo=UTC)
BIDI = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u200e\u200f")
SOURCE = Source(id="src", url="https://example.org/feed", name="مصدر تجريبي", name_en="Test source")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[storage.Store]:
    s = storage.Store(str(tmp_path / "bayan.db"))
    s.run(storage.sync_sources, [SOURCE])
    yield s
    s.close()


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[ExtBot[Any]]:
    limiter: AIORateLimiter = AIORateLimiter(max_retries=3)
    ext: ExtBot[Any] = ExtBot(
        fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, rate_limiter=limiter
    )
    async with ext:
        yield ext


def subscribe(db: storage.Db, chat: int, thread: int | None = None, language: str | None = None) -> None:
    storage.add_subscription(db, chat, thread, "all", None, now=T0)
    if language:
        storage.upsert_chat(db, chat, now=T0, language=language)


_keys = iter(range(1, 10**6))


def publish(db: storage.Db, *titles: str, now: datetime = T0, people: int = 0) -> list[int]:
    """New statements stored as one announced poll (deliveries for every matching subscription); each
    signed by two organisations and ``people`` individuals."""
    records = []
    for title in titles:
        key = next(_keys)
        item = Item(key=f"k{key}", url=f"https://example.org/s/{key}", title=title)
        statement = Statement(
            is_statement=True, kind="joint", title=title, signatories=("منظمة ألف", "منظمة باء"),
            individuals=tuple(f"فرد رقم {i}" for i in range(people)),
        )  # fmt: skip
        signatures = tuple(SignatureRecord(name, i) for i, name in enumerate(statement.signatories))
        records.append(
            ItemRecord(
                item=item, statement=statement, signatures=signatures, title_norm=orgs.normalize(title)
            )
        )
    write = PollWrite("src", now, now + timedelta(hours=1), Validators(), tuple(records), announce=True)
    return storage.save_poll(db, write)


def rows(db: storage.Db) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM deliveries ORDER BY id"))


def to(chat: int) -> Callable[[dict[str, Any]], bool]:
    return lambda params: params.get("chat_id") == chat


def texts(fake: FakeBotAPI, chat: int) -> list[str]:
    return [str(p["text"]) for p in fake.sent(chat)]


# ───────────────────────────── part 1: the sender ─────────────────────────────


async def test_summary_is_sent_once_escaped_in_thread_without_preview(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(subscribe, 7)
    store.run(subscribe, -1001234, thread=55)
    store.run(publish, "بيان <مشترك> & عاجل")
    assert await sender.drain(bot, store) == 2
    (private,) = fake.sent(7)
    (topic,) = fake.sent(-1001234)
    assert escape("بيان <مشترك> & عاجل", quote=False) in private["text"]
    assert private["parse_mode"] == "HTML"
    assert private["link_preview_options"] == {"is_disabled": True}
    assert "message_thread_id" not in private
    assert topic["message_thread_id"] == 55
    assert fake.messages[7][0]["text"].count("بيان <مشترك> & عاجل") == 1  # what the user sees
    assert await sender.drain(bot, store) == 0
    assert len(fake.sent()) == 2
    assert {r["status"] for r in store.run(rows)} == {"sent"}


async def test_language_of_the_chat_and_source_name(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(subscribe, 8, language="en")
    store.run(subscribe, 9)
    store.run(publish, "Joint statement on detainees")
    names = {"en": "Test source", "ar": "مصدر تجريبي"}
    await sender.drain(bot, store, names=lambda source, lang: names[lang])
    assert "Joint statement" in texts(fake, 8)[0] and "Test source" in texts(fake, 8)[0]
    assert "بيان مشترك" in texts(fake, 9)[0] and "مصدر تجريبي" in texts(fake, 9)[0]


async def test_flood_429_is_retried_by_the_limiter_and_delivered_once(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(subscribe, 7)
    store.run(publish, "بيان")
    fake.flood("sendMessage", retry_after=1)
    assert await sender.drain(bot, store) == 1
    calls = [c.status for c in fake.calls if c.method == "sendMessage"]
    assert calls == [429, 200]
    assert len(fake.sent(7)) == 1


async def test_retry_after_that_escapes_pauses_and_reschedules(
    fake: FakeBotAPI, store: storage.Store
) -> None:
    clock = Clock(T0)
    store.run(subscribe, 7)
    store.run(subscribe, 8)
    store.run(publish, "بيان", now=T0)
    fake.flood("sendMessage", retry_after=30)
    async with ExtBot(fake.token, base_url=fake.base_url) as plain_bot:  # no limiter: RetryAfter escapes
        assert await sender.drain(plain_bot, store, now=clock) == 0
        first, second = store.run(rows)
        assert first["attempts"] == 1 and first["next_try_at"].startswith("2026-01-11T10:00:30")
        assert second["attempts"] == 0  # the pass stopped: nothing else was tried during the pause
        assert len(fake.sent(include_failed=True)) == 1
        clock.advance(31)
        assert await sender.drain(plain_bot, store, now=clock) == 2
    assert len(fake.sent(7)) == 1 and len(fake.sent(8)) == 1


@pytest.mark.parametrize("how", ["block", "unknown_chat"])
async def test_blocked_or_unknown_chat_is_deactivated(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any], how: str
) -> None:
    store.run(subscribe, 7)
    store.run(subscribe, 8)
    store.run(publish, "بيان أول", "بيان ثان")
    getattr(fake, how)(7)
    assert await sender.drain(bot, store) == 2  # chat 8 got both
    assert len(fake.sent(7, include_failed=True)) == 1  # one try, then the chat is forgotten
    assert store.run(storage.list_subscriptions, 7) == []
    chat = store.run(storage.get_chat, 7)
    assert chat is not None and not chat.active
    assert [r["status"] for r in store.run(rows) if r["chat_id"] == 7] == ["dropped", "dropped"]
    store.run(publish, "بيان ثالث")
    await sender.drain(bot, store)
    assert len(fake.sent(7, include_failed=True)) == 1 and len(fake.sent(8)) == 3


async def test_migrated_group_gets_it_under_the_new_id(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(subscribe, -555)
    store.run(publish, "بيان")
    fake.migrate(-555, -1009999)
    assert await sender.drain(bot, store) == 1
    assert len(fake.sent(-1009999)) == 1 and fake.sent(-555) == []
    assert store.run(storage.list_subscriptions, -555) == []
    assert [s.kind for s in store.run(storage.list_subscriptions, -1009999)] == ["all"]


async def test_parse_error_is_resent_once_as_plain_text(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any], caplog: pytest.LogCaptureFixture
) -> None:
    store.run(subscribe, 7)
    store.run(publish, "بيان <عاجل> & مهم")
    fake.fail_parse()
    assert await sender.drain(bot, store) == 1
    failed, resent = fake.sent(7, include_failed=True)
    assert failed["parse_mode"] == "HTML" and "parse_mode" not in resent
    assert "بيان <عاجل> & مهم" in resent["text"] and "<b>" not in resent["text"]
    assert len(fake.sent(7)) == 1
    assert any("HTML was rejected" in r.getMessage() for r in caplog.records)


async def test_network_errors_back_off_then_drop(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    clock = Clock(T0)
    store.run(subscribe, 7)
    store.run(publish, "بيان")
    fake.fail_next("sendMessage", 500, "Internal Server Error", times=sender.MAX_ATTEMPTS)
    delays = []
    for _ in range(sender.MAX_ATTEMPTS):
        assert await sender.drain(bot, store, now=clock) == 0
        (row,) = store.run(rows)
        if row["status"] == "dropped":
            break
        nxt = datetime.fromisoformat(row["next_try_at"])
        delays.append((nxt - clock()).total_seconds())
        clock.t = nxt
    assert delays[:4] == [5, 10, 20, 40]
    assert row["status"] == "dropped" and "gave up after 10 attempts" in row["last_error"]
    assert fake.sent(7) == []


async def test_burst_becomes_one_digest(fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]) -> None:
    store.run(subscribe, 7)
    titles = [f"بيان رقم {i}" for i in range(12)]
    store.run(publish, *titles)
    assert await sender.drain(bot, store) == 12
    (digest,) = texts(fake, 7)
    assert "بيانات جديدة (12)" in digest
    assert all(t in digest for t in titles)
    assert fake.sent(7)[0]["text"].count("<a href=") == 12
    assert digest.count(" · منظمتان") == 12  # each line says how many signed


async def test_pushes_and_digests_count_individual_signatories(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(subscribe, 7, language="en")
    store.run(subscribe, 8)
    store.run(publish, "Joint letter on water", people=60)
    assert await sender.drain(bot, store) == 2
    english, arabic = fake.messages[7][0]["text"], fake.messages[8][0]["text"]
    assert "Signed by 2 organisations: منظمة ألف, منظمة باء and 60 individuals" in english.translate(BIDI)
    assert "وقّعت عليه منظمتان: منظمة ألف، منظمة باء و60 فرداً" in arabic.translate(BIDI)
    store.run(publish, *[f"Letter {i}" for i in range(12)], people=1)
    assert await sender.drain(bot, store) == 24
    digest = fake.messages[7][-1]["text"]
    assert digest.count("2 organisations and 1 individual") == 12
    assert fake.messages[8][-1]["text"].count("منظمتان وفرد واحد") == 12


async def test_alerts_are_rendered_for_the_admin(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    store.run(storage.add_alert, 42, "Source x failed 5 times <500>", T0)
    assert await sender.drain(bot, store) == 1
    (text,) = texts(fake, 42)
    assert "Bayan alert" in text and "&lt;500&gt;" in text


async def test_run_sender_wakes_on_the_event_and_wait_idle(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    wake = asyncio.Event()
    store.run(subscribe, 7)
    task = asyncio.create_task(sender.run_sender(bot, store, wake, idle=3600))
    try:
        ids = store.run(publish, "بيان")
        wake.set()
        assert await sender.wait_idle(store, ids, timeout=5)
        assert len(fake.sent(7)) == 1
        ids = store.run(publish, "بيان آخر")
        fake.mark()
        wake.set()
        await fake.wait_for("sendMessage", chat_id=7)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(fake.sent(7)) == 2


async def test_run_sender_wakes_when_a_retry_falls_due(fake: FakeBotAPI, store: storage.Store) -> None:
    store.run(subscribe, 7)
    store.run(publish, "بيان")
    fake.flood("sendMessage", retry_after=1)
    async with ExtBot(fake.token, base_url=fake.base_url) as plain_bot:
        task = asyncio.create_task(sender.run_sender(plain_bot, store, asyncio.Event(), idle=3600))
        try:
            await fake.wait_for("sendMessage", timeout=10, chat_id=7)  # the 429, then the retry ~1 s later
            await eventually(lambda: len(fake.sent(7)) == 1, timeout=10)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_each_chat_gets_its_rows_in_order_and_drain_never_doubles_a_running_sender(
    fake: FakeBotAPI, store: storage.Store, bot: ExtBot[Any]
) -> None:
    for chat in range(1, 21):
        store.run(subscribe, chat)
    titles = [f"بيان رقم {i}" for i in range(3)]
    store.run(publish, *titles)
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(sender.run_sender(bot, store, wake, stop=stop, idle=3600))
    wake.set()
    await sender.drain(bot, store)  # takes turns with the running sender
    await fake.wait_for_count("sendMessage", 60, timeout=10)
    stop.set()
    assert await asyncio.wait_for(task, 5) is None  # stop ends the loop without cancelling it
    for chat in range(1, 21):
        got = texts(fake, chat)
        assert [next(t for t in titles if t in text) for text in got] == titles
    assert len(fake.sent()) == 60 and store.run(storage.count_rows).pending_deliveries == 0


def test_token_filter_scrubs_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456:SECRET-token"
    logger = logging.getLogger("bayan.test")
    with caplog.at_level(logging.DEBUG), app.hidden_token(token):
        logger.warning("GET https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"failed: /bot{token}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    assert token not in caplog.text
    assert "<token>" in caplog.text
    assert logging.getLogger("telegram").getEffectiveLevel() >= logging.WARNING


def test_file_url_is_derived_from_the_api_url() -> None:
    assert app.file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert app.file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert app.file_url("http://x/custom") is None


# ───────────────────────────── part 2: the whole service ─────────────────────────────

PAGE = """<html><head><title>{title}</title></head><body>
<header><nav><a href="/">الرئيسية</a> <a href="/about">من نحن</a></nav></header>
<article><h1>{title}</h1><p>تاريخ النشر: 2026-01-11</p>
<p>تعبر المنظمات الموقعة أدناه عن قلقها البالغ إزاء استمرار الانتهاكات بحق المدنيين في سوريا.</p>
<p>وتطالب المنظمات بوقف فوري للانتهاكات ومحاسبة المسؤولين عنها.</p>
<p>المنظمات الموقعة:</p>
<ol><li>سوريون من أجل الحقيقة والعدالة</li><li>الشبكة السورية لحقوق الإنسان</li>
<li>رابطة عائلات قيصر</li></ol>
</article><footer>جميع الحقوق محفوظة</footer></body></html>"""
ADMIN = 42


def Site(server: HTTPServer) -> FeedSite:
    """The loopback statement site (tests/sites.py) with this module's statement page."""
    site = FeedSite(server, page=PAGE)
    return site


class Service:
    """`bot.service.run_service` with a token, as a task; the database read through a second connection."""

    def __init__(self, fake: FakeBotAPI, site: FeedSite, tmp_path: Path) -> None:
        self.fake, self.site = fake, site
        self.db_path = str(tmp_path / "bayan.db")
        cfg = tmp_path / "feeds.yaml"
        cfg.write_text(f"sources:\n  - id: loop\n    url: {self.url}\n    type: feed\n", encoding="utf-8")
        self.settings = Settings(
            token=fake.token, api_url=fake.base_url, db_path=self.db_path, config_path=str(cfg),
            admins=frozenset({ADMIN}),
        )  # fmt: skip
        self.sources = [
            Source(id="loop", url=self.url, type="feed", name="حلقة", language="ar", interval=3600)
        ]
        self.stop = asyncio.Event()
        self.task: asyncio.Task[int] | None = None

    @property
    def url(self) -> str:
        return self.site.server.url_for("/feed.xml")

    def start(self) -> None:
        self.task = asyncio.create_task(run_service(self.settings, self.sources, stop=self.stop))

    async def finish(self) -> int:
        assert self.task is not None
        self.stop.set()
        return await asyncio.wait_for(self.task, 15)

    async def command(self, text: str, user: int, **kw: Any) -> str:
        """A user sends a command; returns the bot's (first) answer in that chat."""
        chat = kw.get("chat_id", user)
        self.fake.user_sends(text, user_id=user, **kw)
        call = await self.fake.wait_for("sendMessage", timeout=20, chat_id=chat)
        return str(call.params["text"])

    async def poll(self) -> str:
        """The admin's /poll: "polling…" at once, edited into the report once the pushes are sent."""
        self.fake.mark()
        self.fake.user_sends("/poll", user_id=ADMIN)
        call = await self.fake.wait_for("editMessageText", timeout=30, chat_id=ADMIN)
        return str(call.params["text"])

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture
async def service(fake: FakeBotAPI, httpserver: HTTPServer, tmp_path: Path) -> AsyncIterator[Service]:
    svc = Service(fake, Site(httpserver), tmp_path)
    svc.site.publish("1", "بيان قديم عن المعتقلين")
    svc.start()
    try:
        yield svc
    finally:
        if svc.task is not None and not svc.task.done():
            assert await svc.finish() == 0


async def test_new_statement_reaches_subscribers_once(service: Service, fake: FakeBotAPI) -> None:
    await service.command("/subscribe all", user=7)
    fake.set_member(-100777, 11, "administrator")  # in groups only the chat's admins subscribe
    await service.command("/subscribe all", user=11, chat_id=-100777, chat_type="supergroup", thread_id=5)
    await service.poll()  # the silent baseline
    assert len(fake.sent(7)) == 1 and len(fake.sent(-100777)) == 1  # only the confirmations
    title = "بيان مشترك حول المعتقلين <عاجل> & المفقودين"
    service.site.publish("2", title)
    await service.poll()  # returns once the pushes are sent
    summary = fake.sent(7)[-1]
    assert escape(title, quote=False) in summary["text"] and summary["parse_mode"] == "HTML"
    assert fake.messages[7][-1]["text"].count(title) == 1
    topic = fake.sent(-100777)[-1]
    assert topic["message_thread_id"] == 5 and escape(title, quote=False) in topic["text"]
    await service.poll()
    assert len(fake.sent(7)) == 2 and len(fake.sent(-100777)) == 2  # a second poll sends nothing
    # 429: PTB's limiter waits and retries; the summary arrives once
    service.site.publish("3", "بيان مشترك ثالث حول المعتقلين")
    flood = {"retry_after": 1}
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", parameters=flood, when=to(7))
    await service.poll()
    assert [c.status for c in fake.calls if c.method == "sendMessage" and c.params["chat_id"] == 7][-2:] == [
        429,
        200,
    ]
    assert sum("بيان مشترك ثالث" in str(p["text"]) for p in fake.sent(7)) == 1
    # /signed answers from the database
    answer = await service.command("/signed رابطة عائلات قيصر", user=7)
    assert escape(title, quote=False) in answer
    assert await service.finish() == 0


async def test_poll_report_waits_for_the_pushes_it_triggered_even_rescheduled_ones(
    service: Service, fake: FakeBotAPI
) -> None:
    await service.command("/subscribe all", user=7)
    await service.poll()  # the silent baseline
    service.site.publish("2", "بيان مشترك حول المياه")
    fake.fail_next("sendMessage", 500, "Internal Server Error", when=to(7))  # retried 5 s later
    report = await service.poll()
    assert report.startswith("Poll done: 1 source, 1 new statement (1 announced), 0 errors, 0 deferred.")
    pushes = [c for c in fake.calls if c.method == "sendMessage" and c.params["chat_id"] == 7]
    assert [c.status for c in pushes[-2:]] == [500, 200]  # the retry was sent before the report
    assert "بيان مشترك حول المياه" in str(pushes[-1].params["text"])
    edits = [c for c in fake.calls if c.method == "editMessageText"]
    assert fake.calls.index(pushes[-1]) < fake.calls.index(edits[-1])


async def test_blocked_migrated_and_unparsable_chats(service: Service, fake: FakeBotAPI) -> None:
    fake.set_member(-555, 555, "creator")
    for chat, kind in ((7, None), (8, None), (-555, "group")):
        await service.command("/subscribe all", user=abs(chat), chat_id=chat, chat_type=kind)
    await service.poll()
    fake.block(7)
    fake.migrate(-555, -1005550)
    service.site.publish("2", "بيان مشترك حول المعتقلين")
    await service.poll()
    assert len(fake.sent(-1005550)) == 1 and len(fake.sent(8)) == 2
    assert service.query("SELECT active FROM subscriptions WHERE chat_id = 7") == [(0,)]
    assert service.query("SELECT COUNT(*) FROM subscriptions WHERE chat_id = -1005550 AND active = 1") == [
        (1,)
    ]
    assert service.query("SELECT COUNT(*) FROM subscriptions WHERE chat_id = -555") == [(0,)]
    bad_html = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'
    fake.fail_next("sendMessage", 400, bad_html, when=to(8))  # fail_parse() would hit "polling…" first
    service.site.publish("3", "بيان مشترك ثان حول المعتقلين")
    await service.poll()
    retried = [c for c in fake.calls if c.method == "sendMessage" and c.params.get("chat_id") == 8][-2:]
    assert [c.status for c in retried] == [400, 200] and "parse_mode" not in retried[1].params
    assert "بيان مشترك ثان" in str(retried[1].params["text"])
    assert len(fake.sent(7, include_failed=True)) == 2  # the confirmation and one refused push, nothing more
    assert await service.finish() == 0


async def test_admins_are_alerted_at_five_failures_then_daily(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/down.xml").respond_with_data("oops", status=500)
    src = Source(id="down", url=httpserver.url_for("/down.xml"), interval=3600)
    settings = Settings(token="1:T", db_path=str(tmp_path / "bayan.db"), admins=frozenset({42, 43}))
    clock = Clock(T0)
    async with open_runtime(settings.db_path, [src]) as ctx:
        ctx.now = clock
        runtime = app.BotRuntime(settings, ctx, [src])

        async def poll_and_count() -> int:
            await runtime.poller.poll_now()
            await asyncio.gather(*runtime.tasks)
            found = await ctx.store.call(storage.due_deliveries, clock() + timedelta(days=9), 100)
            return len([d for d in found if d.alert_text])

        counts = [await poll_and_count() for _ in range(6)]
        assert counts == [0, 0, 0, 0, 2, 2]  # one per admin at the 5th failure, nothing at the 6th
        assert runtime.wake.is_set()
        clock.advance(24 * 3600)
        assert await poll_and_count() == 4
        alert = (await ctx.store.call(storage.due_deliveries, clock(), 100))[0]
        assert (
            alert.chat_id == 42
            and "down" in (alert.alert_text or "")
            and "5 times" in (alert.alert_text or "")
        )


async def test_a_rejected_token_or_unreachable_api_ends_the_service_with_1(
    fake: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = Settings(token="999:WRONG-secret", api_url=fake.base_url, db_path=str(tmp_path / "a.db"))
    assert await asyncio.wait_for(run_service(wrong, []), 15) == 1
    assert "rejected TELEGRAM_BOT_TOKEN" in caplog.text and "WRONG-secret" not in caplog.text
    nowhere = Settings(token=fake.token, api_url="http://127.0.0.1:9/bot", db_path=str(tmp_path / "b.db"))
    assert await asyncio.wait_for(run_service(nowhere, []), 30) == 1
    assert "cannot reach the Telegram Bot API" in caplog.text


class Flaky:
    """A one-item feed that answers 500 while ``failing`` is set (issue 10, item 12: flapping sources)."""

    def __init__(self, server: HTTPServer) -> None:
        self.failing = True
        self.base = server.url_for("").rstrip("/")
        server.expect_request("/flaky.xml").respond_with_handler(self.feed)
        server.expect_request("/item/1").respond_with_data(
            JOINT_PAGE, content_type="text/html; charset=utf-8"
        )
        self.source = Source(id="flaky", url=f"{self.base}/flaky.xml", interval=600)

    def feed(self, request: Request) -> Response:
        if self.failing:
            return Response("oops", status=500)
        return Response(rss(self.base, [("1", "بيان مشترك")]), content_type="application/rss+xml")


class AlertProbe:
    """BotRuntime over a real database and a settable clock; poll(plan) counts the alerts queued."""

    def __init__(self, ctx: Any, settings: Settings, flaky: Flaky, clock: Clock) -> None:
        self.ctx, self.settings, self.flaky, self.clock = ctx, settings, flaky, clock
        self.restart()

    def restart(self) -> None:
        """A new process on the same database: nothing kept in memory."""
        self.runtime = app.BotRuntime(self.settings, self.ctx, [self.flaky.source])

    async def poll(self, plan: str, step: float = 600) -> None:
        """One poll per letter: F = the feed fails, S = it answers; the clock moves ``step`` s after each."""
        for letter in plan:
            self.flaky.failing = letter == "F"
            await self.runtime.poller.poll_now()
            await asyncio.gather(*self.runtime.tasks)
            self.clock.advance(step)

    async def alerts(self) -> list[str]:
        found = await self.ctx.store.call(storage.due_deliveries, self.clock() + timedelta(days=99), 1000)
        return [d.alert_text for d in found if d.alert_text]


@pytest.fixture
async def probe(httpserver: HTTPServer, tmp_path: Path) -> AsyncIterator[AlertProbe]:
    flaky = Flaky(httpserver)
    settings = Settings(token="1:T", db_path=str(tmp_path / "bayan.db"), admins=frozenset({42}))
    clock = Clock(T0)
    async with open_runtime(settings.db_path, [flaky.source]) as ctx:
        ctx.now = clock
        yield AlertProbe(ctx, settings, flaky, clock)


async def test_a_flapping_source_alerts_when_it_starts_failing_and_when_it_recovers(
    probe: AlertProbe,
) -> None:
    await probe.poll("FFFFFS" * 6)  # six times: five failures (an alert today each time), one success
    alerts = await probe.alerts()
    assert len(alerts) == 1 and "flaky" in alerts[0] and "5 times in a row" in alerts[0]
    await probe.poll("SS")  # a lasting recovery
    alerts = await probe.alerts()
    assert len(alerts) == 2 and "recovered" in alerts[1]
    await probe.poll("FFFFFFSFFFFF")  # failing again the same day: quiet (told less than a day ago)
    assert len(await probe.alerts()) == 2


async def test_a_source_flapping_for_days_alerts_at_most_once_a_day(probe: AlertProbe) -> None:
    await probe.poll("FFFFFS" * 10, step=3600)  # 60 polls, one an hour
    alerts = await probe.alerts()
    assert len(alerts) == 3  # the start (hour 4), then hours 28 and 52
    assert all("still failing" in a for a in alerts[1:]), alerts


async def test_the_alert_state_survives_a_restart(probe: AlertProbe) -> None:
    await probe.poll("FFFFF")
    assert len(await probe.alerts()) == 1
    probe.restart()
    await probe.poll("FFF")  # still failing after the restart: no second "started failing"
    assert len(await probe.alerts()) == 1
    probe.restart()
    await probe.poll("SS")
    alerts = await probe.alerts()
    assert len(alerts) == 2 and "recovered" in alerts[1]


async def test_the_admin_alert_names_the_url_once(probe: AlertProbe) -> None:
    await probe.poll("FFFFF")
    [alert] = await probe.alerts()
    assert alert.count(probe.flaky.source.url) == 1 and "5 times in a row (http)" in alert
    await probe.poll("SS")
    assert (await probe.alerts())[1].count(probe.flaky.source.url) == 1  # "recovered" names it once too


async def test_failures_while_the_database_refuses_writes_count_towards_the_alert(probe: AlertProbe) -> None:
    """Issue 10 item 6: the failures counted in memory while writes were refused are stored with the next
    write, and the alert check never fails on the refused database (the sender tells the admins of it)."""
    await probe.ctx.store.call(lambda db: db.execute("PRAGMA query_only = 1"))
    await probe.poll("FFFF")  # the alert checks run (gathered: one that raised would fail here)
    assert probe.ctx.health["flaky"].error_count == 4
    await probe.ctx.store.call(lambda db: db.execute("PRAGMA query_only = 0"))
    await probe.poll("F")
    assert "flaky" not in probe.ctx.health
    assert (await probe.ctx.store.call(storage.get_health, "flaky")).error_count == 5
    [alert] = await probe.alerts()
    assert "5 times in a row" in alert
