"""bot.tg (routes, handler, queries, subscriptions, admin) against the fake Bot API: a real PTB Application
long-polling over loopback, a real Store.

Every reply is checked as Telegram would render it (the fake parses the HTML and counts UTF-16 units), in
Arabic and English, in private chats, groups (/cmd@botname), forum topics and channels. Tests wait on the
fake's recorded calls (wait_for / wait_for_count), never on sleeps.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot import orgs, storage
from bot.models import (
    ConfigError,
    Item,
    ItemRecord,
    PollResult,
    PollWrite,
    RegistryOrg,
    SignatureRecord,
    Source,
    Statement,
    Validators,
)
from bot.tg import handler, render, routes
from tests.fakes import Call, FakeBotAPI
from tests.helpers import eventually, polling

pytestmark = pytest.mark.integration

AnyApp = Application[Any, Any, Any, Any, Any, Any]
NOW = datetime(2026, 1, 26, 10, 0, tzinfo=UTC)
ADMIN, USER, OTHER = 4242, 1001, 1002
GROUP, FORUM, CHANNEL = -1001000000555, -1001000000777, -1001000000999
REGISTRY = [
    RegistryOrg(
        "snhr", ar="الشبكة السورية لحقوق الإنسان", en="Syrian Network for Human Rights", acronyms=("SNHR",)
    ),
    RegistryOrg(
        "stj", ar="سوريون من أجل الحقيقة والعدالة", en="Syrians for Truth and Justice", acronyms=("STJ",)
    ),
    RegistryOrg("women-now", en="Women Now for Development"),
    RegistryOrg("women-net", en="Women Now Network"),
]
SOURCES = [
    Source(id="snhr-ar", url="https://snhr.org/arabic/feed/", name="الشبكة السورية", name_en="SNHR"),
    Source(id="stj-en", url="https://stj-sy.org/en/feed/", name_en="Syrians for Truth and Justice"),
]
BIDI = str.maketrans("", "", "\u2068\u2069\u200f")
LONG_LIST = 300  # signatories of the English statement: /statement needs several messages


# ───────────────────────────── seeding ─────────────────────────────


def _record(key: str, title: str, day: date, signers: list[tuple[str, int | None]], body: str) -> ItemRecord:
    url = f"https://example.org/{key}"
    st = Statement(
        is_statement=True,
        kind="joint",
        title=title,
        published=day,
        language="ar",
        signatories=tuple(name for name, _ in signers),
        lead="lead",
        body=body,
        confidence=0.9,
    )
    sigs = tuple(SignatureRecord(name, i, org_id=org_id) for i, (name, org_id) in enumerate(signers))
    return ItemRecord(
        item=Item(key=key, url=url, title=title, published=day),
        statement=st,
        signatures=sigs,
        title_norm=orgs.normalize(title),
        body_norm=orgs.normalize(body),
    )


def _write(source: str, records: list[ItemRecord]) -> PollWrite:
    return PollWrite(source, NOW, NOW + timedelta(minutes=30), Validators(), tuple(records))


def seed(db: storage.Db) -> None:
    storage.seed_registry(db, REGISTRY, now=NOW)
    storage.sync_sources(db, SOURCES)
    snhr, stj = (storage.find_org_id(db, slug) for slug in ("snhr", "stj"))
    arabic = [
        _record(
            f"ar{i}",
            f"بيان مشترك حول المعتقلين رقم {i}",
            date(2026, 1, 1) + timedelta(days=i),
            [("الشبكة السورية لحقوق الإنسان", snhr), *([("STJ", stj)] if i % 2 == 0 else [])],
            "تطالب المنظمات الموقعة بالإفراج عن المعتقلين",
        )
        for i in range(12)
    ]
    storage.save_poll(db, _write("snhr-ar", arabic))
    names = [("Syrians for Truth and Justice", stj)] + [
        (f"Civil society organisation number {i} for dignity", None) for i in range(LONG_LIST - 1)
    ]
    hostile = _record(
        "en1",
        "Joint statement on detainees <script>alert(1)</script> & more",
        date(2025, 12, 1),
        names,
        "We call for the release of detainees",
    )
    storage.save_poll(db, _write("stj-en", [hostile]))


# ───────────────────────────── harness ─────────────────────────────


@dataclass
class Env:
    fake: FakeBotAPI
    store: storage.Store
    deps: handler.BotDeps
    polled: list[str | None] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    reload_error: bool = False
    broken: bool = False
    results: list[PollResult] | None = None  # what /poll returns (a default pair when None)

    async def ask(self, text: str, user_id: int = USER, lang: str | None = "en", **kw: Any) -> Call:
        """A user sends ``text``; the first reply in that chat."""
        self.fake.user_sends(text, user_id=user_id, language_code=lang, **kw)
        return await self.fake.wait_for("sendMessage", chat_id=kw.get("chat_id") or user_id)

    async def click(
        self, call: Call, data: str, method: str = "editMessageText", user_id: int = USER
    ) -> Call:
        """Press the button ``data`` under the message ``call`` sent; the resulting call."""
        self.fake.user_clicks(call.response["result"] if call.response else {}, data, user_id=user_id)
        return await self.fake.wait_for(method, chat_id=call.params["chat_id"])

    async def subs(self, chat_id: int, thread_id: int | None = None) -> list[tuple[str, str | None]]:
        found = await self.store.call(storage.list_subscriptions, chat_id, thread_id)
        return [(s.kind, s.value) for s in found]

    def org_id(self, slug: str) -> int:
        found = self.store.run(storage.find_org_id, slug)
        assert found is not None
        return found


def text_of(call: Call) -> str:
    """The message text as Telegram shows it (HTML parsed by the fake), without bidi marks and isolates."""
    assert call.ok, call.response
    assert call.response is not None
    return str(call.response["result"]["text"]).translate(BIDI)


def buttons(call: Call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


def assert_html_reply(call: Call) -> None:
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == {"is_disabled": True}


@pytest.fixture
async def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Env]:
    store = storage.Store(str(tmp_path / "bayan.db"))
    store.run(seed)
    index = orgs.OrgIndex(store.run(storage.org_index_entries))
    async with FakeBotAPI() as fake:
        holder: list[Env] = []

        async def org_index() -> orgs.OrgIndex:
            if holder[0].broken:
                raise RuntimeError("boom: secret internals")
            return index

        async def poll_now(source: str | None) -> list[PollResult]:
            holder[0].polled.append(source)
            await holder[0].release.wait()
            if holder[0].results is not None:
                return holder[0].results
            return [
                PollResult("snhr-ar", new_statements=2, announced=1),
                PollResult("stj-en", error="HTTP 503 <b>"),
            ]

        async def reload() -> str:
            if holder[0].reload_error:
                raise ConfigError(["feeds.yaml:3: source 'x': key 'type': unknown type 'rss' <oops>"])
            return "2 sources (0 added, 0 removed)"

        deps = handler.BotDeps(
            store, frozenset({ADMIN}), org_index, poll_now, reload, lambda: list(SOURCES), asyncio.Event(),
            now=lambda: NOW, rate_window=3600.0,
        )  # fmt: skip
        holder.append(Env(fake, store, deps))
        builder = (
            ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        )
        app = builder.job_queue(None).build()
        routes.register(app, deps)
        async with polling(app):
            yield holder[0]
    store.close()


# ───────────────────────────── setup, start, help, lang ─────────────────────────────


async def test_admins_get_the_admin_commands_in_their_menu() -> None:
    async with FakeBotAPI() as fake:
        builder = (
            ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        )
        async with builder.job_queue(None).build() as app:
            await routes.publish_commands(app.bot, frozenset({ADMIN, OTHER}))
        scope = json.dumps({"chat_id": ADMIN, "type": "chat"}, sort_keys=True)
        for lang in ("", "ar"):
            menu = [c["command"] for c in fake.commands_for(lang, scope=scope)]
            assert {"status", "reload", "poll", "signed", "help"} <= set(menu)
            assert "poll" not in [c["command"] for c in fake.commands_for(lang)]
        other = json.dumps({"chat_id": OTHER, "type": "chat"}, sort_keys=True)
        assert "poll" in [c["command"] for c in fake.commands_for("", scope=other)]


async def test_publish_commands_sets_default_and_arabic_lists() -> None:
    async with FakeBotAPI() as fake:
        builder = (
            ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        )
        async with builder.job_queue(None).build() as app:
            await routes.publish_commands(app.bot)
        default, arabic = fake.commands_for(""), fake.commands_for("ar")
    assert [c["command"] for c in default] == [c["command"] for c in arabic]
    assert {"start", "subscribe", "signed", "org", "search", "statement", "lang"} <= {
        c["command"] for c in default
    }
    assert default[0]["description"].isascii() and not arabic[0]["description"].isascii()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Welcome to Bayan"), ("ar", "أهلاً بك في «بيان»"), ("ar-SY", "أهلاً بك"), (None, "أهلاً بك")],
)
async def test_start_speaks_the_users_language_else_arabic(env: Env, lang: str | None, expected: str) -> None:
    call = await env.ask("/start", lang=lang)
    assert_html_reply(call)
    assert expected in text_of(call) and "/subscribe" in text_of(call)
    chat = await env.store.call(storage.get_chat, USER)
    assert chat is not None and chat.active


async def test_help_lists_admin_commands_only_for_admins(env: Env) -> None:
    assert "/poll" not in text_of(await env.ask("/help"))
    assert "/poll" in text_of(await env.ask("/help", user_id=ADMIN))
    assert "الأوامر" in text_of(await env.ask("/help", lang="ar"))


async def test_lang_is_stored_per_chat_and_wins_over_the_user_language(env: Env) -> None:
    assert "English" in text_of(await env.ask("/lang en", lang="ar"))
    assert "Welcome to Bayan" in text_of(await env.ask("/start", lang="ar"))
    assert "بالعربية" in text_of(await env.ask("/lang AR"))
    assert "أهلاً بك" in text_of(await env.ask("/start", lang="en"))
    assert "/lang ar" in text_of(await env.ask("/lang fr"))
    chat = await env.store.call(storage.get_chat, USER)
    assert chat is not None and chat.language == "ar"


async def test_unknown_command_gets_a_hint(env: Env) -> None:
    assert "/help" in text_of(await env.ask("/frobnicate"))
    assert "/help" in text_of(await env.ask("/frobnicate", lang="ar")) and "لا أعرف" in text_of(
        await env.ask("/nope", lang="ar")
    )


# ───────────────────────────── subscriptions ─────────────────────────────


async def test_subscribe_with_arguments_in_both_languages(env: Env) -> None:
    assert "every new statement" in text_of(await env.ask("/subscribe all"))
    assert "already subscribed" in text_of(await env.ask("/subscribe all"))
    assert "Syrian Network for Human Rights" in text_of(await env.ask("/subscribe org snhr"))
    assert "المعتقلين" in text_of(await env.ask("/subscribe keyword المعتقلين", lang="ar"))
    assert "الشبكة السورية" in text_of(await env.ask("/subscribe source snhr-ar", lang="ar"))
    assert "no source" in text_of(await env.ask("/subscribe source nope"))
    assert "/subscribe all" in text_of(await env.ask("/subscribe everything"))
    assert "/subscribe" in text_of(await env.ask("/subscribe keyword"))
    assert await env.subs(USER) == [
        ("all", None),
        ("org", "الشبكة السورية لحقوق الإنسان"),
        ("keyword", "المعتقلين"),
        ("source", "snhr-ar"),
    ]
    rows = await env.store.call(storage.list_subscriptions, USER)
    org_id = env.store.run(
        lambda db: db.execute("SELECT org_id FROM subscriptions WHERE kind='org'").fetchone()[0]
    )
    assert org_id == env.org_id("snhr") and len(rows) == 4


async def test_subscribe_keyboard_all_source_and_org_name(env: Env) -> None:
    menu = await env.ask("/subscribe")
    assert buttons(menu) == ["sa", "src:snhr-ar", "src:stj-en", "sn"]
    edited = await env.click(menu, "sa")
    assert "every new statement" in text_of(edited) and not buttons(edited)
    menu = await env.ask("/subscribe", lang="ar")
    assert "اختر" in text_of(menu)
    assert "SNHR" not in text_of(await env.click(menu, "src:stj-en"))  # ar name missing → English name
    menu = await env.ask("/subscribe")
    prompt = await env.click(menu, "sn", method="sendMessage")
    assert "organisation's name" in text_of(prompt)
    assert "Syrians for Truth and Justice" in text_of(
        await env.ask("STJ", reply_to=prompt.response["result"])
    )
    hint = await env.ask("SNHR")  # no prompt pending any more: a hint, no subscription
    assert "/search SNHR" in text_of(hint)
    assert "There is no" in text_of(await env.ask("/unsubscribe keyword nothing"))
    assert await env.subs(USER) == [
        ("all", None),
        ("source", "stj-en"),
        ("org", "سوريون من أجل الحقيقة والعدالة"),
    ]


async def test_unsubscribe_by_argument_buttons_and_all(env: Env) -> None:
    assert "No subscriptions" in text_of(await env.ask("/unsubscribe"))
    for args in ("all", "org SNHR", "keyword عفو", "source stj-en"):
        await env.ask(f"/subscribe {args}")
    listing = await env.ask("/subscriptions")
    assert_html_reply(listing)
    assert "organisation: Syrian Network for Human Rights" in text_of(listing) and "keyword: عفو" in text_of(
        listing
    )
    assert "Unsubscribed: organisation" in text_of(
        await env.ask("/unsubscribe org Syrian Network for Human Rights")
    )
    assert "keyword: عفو" in text_of(await env.ask("/unsubscribe keyword عفو"))
    menu = await env.ask("/unsubscribe")
    [all_id, source_id] = [int(data[2:]) for data in buttons(menu)]
    assert "source: stj-en" in text_of(await env.click(menu, f"u:{source_id}"))
    assert await env.subs(USER) == [("all", None)]
    assert "اشتراكات" in text_of(await env.ask("/subscriptions", lang="ar"))
    assert "لا يوجد اشتراك مطابق" in text_of(await env.ask("/unsubscribe source nope", lang="ar"))
    confirm = await env.ask("/unsubscribe all")  # asks first (tests/integration/test_bot_ux.py)
    assert "All subscriptions" in text_of(await env.click(confirm, "ua"))
    assert await env.subs(USER) == [] and all_id


async def test_subscribe_keyword_echo_is_escaped(env: Env) -> None:
    call = await env.ask("/subscribe keyword <script>alert(1)</script>")
    assert "&lt;script&gt;" in call.params["text"] and "<script>alert(1)</script>" in text_of(call)
    assert await env.subs(USER) == [("keyword", "<script>alert(1)</script>")]


# ───────────────────────────── queries ─────────────────────────────


async def test_signed_pages_with_buttons(env: Env) -> None:
    snhr = env.org_id("snhr")
    first = await env.ask("/signed SNHR")
    assert_html_reply(first)
    assert "(12)" in text_of(first) and "page 1 of 3" in text_of(first)
    assert "رقم 11" in text_of(first) and "رقم 6" not in text_of(first)  # newest first, 5 per page
    assert buttons(first) == [f"s:{snhr}:1"]
    second = await env.click(first, f"s:{snhr}:1")
    assert "page 2 of 3" in text_of(second) and "رقم 6" in text_of(second)
    assert buttons(second) == [f"s:{snhr}:0", f"s:{snhr}:2"]
    third = await env.click(second, f"s:{snhr}:2")
    assert "page 3 of 3" in text_of(third) and buttons(third) == [f"s:{snhr}:1"]
    arabic = await env.ask("/signed الشبكة السورية لحقوق الانسان", lang="ar")
    assert "صفحة 1 من 3" in text_of(arabic) and "البيانات التي وقّعت عليها" in text_of(arabic)


async def test_ambiguous_and_unknown_names(env: Env) -> None:
    ambiguous = await env.ask("/signed Women")
    ids = {env.org_id("women-now"), env.org_id("women-net")}
    assert "Did you mean" in text_of(ambiguous) and {f"o:{i}" for i in ids} <= set(buttons(ambiguous))
    chosen = await env.click(ambiguous, f"o:{env.org_id('women-now')}")
    assert "Women Now for Development" in text_of(chosen) and "No results" in text_of(chosen)
    profile_choice = await env.ask("/org Women", lang="ar")
    assert "هل تقصد" in text_of(profile_choice) and all(b.startswith("p:") for b in buttons(profile_choice))
    unknown = await env.ask("/signed Totally Unknown Collective")
    assert "couldn't find" in text_of(unknown) and not buttons(unknown)
    follow = await env.ask("/subscribe org Women")
    await env.click(follow, f"so:{env.org_id('women-net')}")
    assert await env.subs(USER) == [("org", "Women Now Network")]


async def test_org_profile_in_both_languages(env: Env) -> None:
    snhr = env.org_id("snhr")
    en = await env.ask("/org SNHR")
    assert_html_reply(en)
    assert "Syrian Network for Human Rights" in text_of(en) and "Statements: 12" in text_of(en)
    assert "Most frequent co-signers\n• Syrians for Truth and Justice (6)" in text_of(en)
    assert buttons(en) == [f"s:{snhr}:0", f"so:{snhr}"]
    await env.ask("/lang ar")  # a button press answers in the chat's language
    ar = await env.ask("/org الشبكة السورية لحقوق الإنسان")
    assert "عدد البيانات: 12" in text_of(ar)
    listed = await env.click(ar, f"s:{snhr}:0")
    assert "صفحة 1 من 3" in text_of(listed)


async def test_latest_default_n_max_and_bad_input(env: Env) -> None:
    default = await env.ask("/latest")
    assert text_of(default).count("·") >= 5 and text_of(default).count("ID ") == 5
    assert text_of(await env.ask("/latest 2")).count("ID ") == 2
    assert text_of(await env.ask("/latest 99")).count("ID ") == 13  # capped at 20; 13 stored
    assert "/latest" in text_of(await env.ask("/latest many"))
    assert "أحدث البيانات" in text_of(await env.ask("/latest ٣", lang="ar"))


async def test_search_results_syntax_and_hostile_input(env: Env) -> None:
    found = await env.ask("/search المعتقلين")
    assert "12 results" in text_of(found) and text_of(found).count("ID ") == 10
    english = await env.ask("/search detainees release", lang="ar")
    assert "نتيجة واحدة" in text_of(english)  # one result: the singular, not "1 نتائج"
    hostile = await env.ask("/search <script>alert(1)</script>")
    assert hostile.params["text"].count("&lt;script&gt;") == 2  # the query echoed, the title found
    assert "“<script>alert(1)</script>” · 1 result" in text_of(hostile) and "1 results" not in text_of(
        hostile
    )
    syntax = await env.ask('/search "detainees" OR NEAR(foo* AND -bar) ^col:x')
    assert "No results" in text_of(syntax)
    assert "at least 3" in text_of(await env.ask("/search ab"))
    assert "3 أحرف" in text_of(await env.ask("/search !!", lang="ar"))


async def test_statement_full_list_in_several_messages(env: Env) -> None:
    [st] = [s for s in env.store.run(storage.list_statements, limit=20) if s.source == "stj-en"]
    expected = render.render_statement_full(st, "en", source_name="Syrians for Truth and Justice")
    assert len(expected) > 1
    env.fake.user_sends(f"/statement {st.id}", user_id=USER)
    calls = await env.fake.wait_for_count("sendMessage", len(expected), chat_id=USER)
    assert [c.params["text"] for c in calls] == expected
    n = len(expected)
    assert [text_of(c).split("\n", 1)[0] for c in calls] == [f"({i}/{n})" for i in range(1, n + 1)]
    assert "&lt;script&gt;" in calls[0].params["text"]
    assert f"number {LONG_LIST - 2} for dignity" in text_of(calls[-1])
    assert "There is no statement with ID 999" in text_of(await env.ask("/statement 999"))
    assert "must be a number" in text_of(await env.ask("/statement abc"))
    assert "رقم البيان" in text_of(await env.ask("/statement 99999999999999999999", lang="ar"))
    arabic = await env.ask("/statement 1", lang="ar")
    assert "المنظمات الموقّعة (2)" in text_of(arabic) and "1. الشبكة السورية لحقوق الإنسان" in text_of(arabic)


async def test_sources_shows_names_and_health_in_words_ids_errors_and_urls_only_to_admins(env: Env) -> None:
    env.store.run(
        lambda db: storage.record_failure(
            db, "stj-en", now=NOW, error="HTTP 503 (https://stj-sy.org/en/feed/)", kind="http", next_check=NOW
        )
    )
    call = await env.ask("/sources")
    assert text_of(call) == (
        "Sources followed (2)\n• SNHR — ✅ working (last OK: 2026-01-26 10:00 UTC)\n"
        "• Syrians for Truth and Justice — ⚠️ having trouble (last OK: 2026-01-26 10:00 UTC)"
    )
    arabic = text_of(await env.ask("/sources", lang="ar"))
    assert arabic.startswith("المصادر المتابَعة (2)\n• الشبكة السورية — ✅ يعمل") and "503" not in arabic
    admin = text_of(await env.ask("/sources", user_id=ADMIN))
    assert "Source health (2)" in admin and "snhr-ar" in admin and "stj-en" in admin
    assert "HTTP 503" in admin and "https://snhr.org/arabic/feed/" in admin


async def test_missing_and_too_long_arguments(env: Env) -> None:
    assert "/signed ORGANISATION" in text_of(await env.ask("/signed"))
    assert "/org اسم المنظمة" in text_of(await env.ask("/org", lang="ar"))
    long = await env.ask("/search " + "x" * 250)
    assert "limit is 200" in text_of(long) and "/search WORDS" in text_of(long)
    assert "الحد الأقصى" in text_of(await env.ask("/subscribe keyword " + "ك" * 201, lang="ar"))
    assert await env.subs(USER) == []


async def test_rate_limit_per_user_said_once(env: Env) -> None:
    for _ in range(env.deps.rate):
        assert "Latest statements" in text_of(await env.ask("/latest 1"))
    assert "Too many requests" in text_of(await env.ask("/latest 1"))
    before = len(env.fake.sent(USER))
    env.fake.user_sends("/latest 1", user_id=USER)  # still limited: silent this time
    assert "Latest statements" in text_of(await env.ask("/latest 1", user_id=OTHER))  # others are not limited
    assert len(env.fake.sent(USER)) == before
    assert "Welcome" in text_of(await env.ask("/start"))  # only queries are limited


async def test_errors_reach_the_user_politely(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    env.broken = True
    call = await env.ask("/signed SNHR")
    assert "Something went wrong" in text_of(call) and "boom" not in text_of(call)
    assert "حدث خطأ" in text_of(await env.ask("/org SNHR", lang="ar"))
    assert any("boom: secret internals" in str(r.exc_info) for r in caplog.records if r.exc_info)


# ───────────────────────────── admin ─────────────────────────────


@pytest.mark.parametrize("command", ["/status", "/reload", "/poll", "/poll snhr-ar"])
async def test_admin_commands_refuse_others(env: Env, command: str) -> None:
    assert "reserved for the bot's administrators" in text_of(await env.ask(command))
    assert "مخصّص لمشرفي البوت" in text_of(await env.ask(command, lang="ar"))
    assert env.polled == []


async def test_admin_poll_replies_at_once_then_with_the_outcome(env: Env) -> None:
    started = await env.ask("/poll", user_id=ADMIN)
    assert "Polling" in text_of(started)
    assert "Latest" in text_of(await env.ask("/latest 1"))  # the poll does not block other users
    env.fake.mark()
    env.release.set()
    report = await env.fake.wait_for("editMessageText", chat_id=ADMIN)  # "Polling…" becomes the report
    assert report.params["message_id"] == started.response["result"]["message_id"]  # type: ignore[index]
    assert text_of(report).startswith(
        "Poll done: 2 sources, 2 new statements (1 announced), 1 error, 0 deferred."
    )
    assert "stj-en: HTTP 503 <b>" in text_of(report)  # the error text escaped, shown as is
    assert env.polled == [None] and env.deps.wake.is_set()
    assert "There is no source" in text_of(await env.ask("/poll nope", user_id=ADMIN))
    assert "انتهى الجلب" in text_of(await _poll_ar(env))
    assert env.polled == [None, "snhr-ar"]


async def _poll_ar(env: Env) -> Call:
    await env.ask("/poll snhr-ar", user_id=ADMIN, lang="ar")
    env.fake.mark()
    return await env.fake.wait_for("editMessageText", chat_id=ADMIN)


async def test_admin_poll_reports_a_deferred_source_until_when_and_why(env: Env) -> None:
    until = NOW + timedelta(hours=2)
    await env.store.call(
        storage.record_failure, "snhr-ar", now=NOW, error="HTTP 429 Too Many <Requests>", kind="http",
        next_check=until, retry_until=until,
    )  # fmt: skip
    env.results = [PollResult("snhr-ar", deferred_until=until)]
    env.release.set()
    await env.ask("/poll snhr-ar", user_id=ADMIN)
    env.fake.mark()
    report = text_of(await env.fake.wait_for("editMessageText", chat_id=ADMIN))
    assert "snhr-ar: deferred until 2026-01-26 12:00 UTC" in report, report
    assert "server asked to wait" in report and "HTTP 429 Too Many <Requests>" in report
    assert "1 deferred" in report
    await env.ask("/poll snhr-ar", user_id=ADMIN, lang="ar")
    env.fake.mark()
    arabic = text_of(await env.fake.wait_for("editMessageText", chat_id=ADMIN))
    assert "مؤجَّل حتى 2026-01-26 12:00 UTC" in arabic and "HTTP 429" in arabic


async def test_admin_status_and_reload(env: Env) -> None:
    status = await env.ask("/status", user_id=ADMIN)
    assert "Statements: 13" in text_of(status) and "Outbox: 0 pending" in text_of(status)
    assert "healthy" in text_of(status)
    assert "صندوق الإرسال" in text_of(await env.ask("/status", user_id=ADMIN, lang="ar"))
    assert "2 sources" in text_of(await env.ask("/reload", user_id=ADMIN))
    assert "أُعيد تحميل الإعدادات" in text_of(await env.ask("/reload", user_id=ADMIN, lang="ar"))
    env.reload_error = True
    failed = await env.ask("/reload", user_id=ADMIN)
    assert "old configuration stays" in text_of(failed) and "unknown type 'rss' <oops>" in text_of(failed)


# ───────────────────────────── groups, topics, channels, membership ─────────────────────────────


async def test_group_commands_need_our_botname(env: Env) -> None:
    kw: dict[str, Any] = {"chat_id": GROUP, "chat_type": "supergroup"}
    env.fake.set_member(GROUP, USER, "administrator")  # groups: subscriptions are the admins' business
    call = await env.ask(f"/latest@{env.fake.username} 1", **kw)
    assert "Latest statements" in text_of(call)
    env.fake.user_sends("/latest@other_bot 1", user_id=USER, **kw)
    env.fake.user_sends("/frobnicate", user_id=USER, **kw)  # unknown, not addressed to us: silence
    hint = await env.ask(f"/frobnicate@{env.fake.username}", **kw)
    assert "/help" in text_of(hint)
    assert len(env.fake.sent(GROUP)) == 2
    await env.ask(f"/subscribe@{env.fake.username} all", **kw)
    assert await env.subs(GROUP) == [("all", None)]


async def test_forum_topic_is_kept_per_subscription_and_reply(env: Env) -> None:
    kw: dict[str, Any] = {"chat_id": FORUM, "chat_type": "supergroup", "thread_id": 7}
    env.fake.set_member(FORUM, USER, "creator")
    call = await env.ask("/subscribe keyword عفو", **kw)
    assert call.params["message_thread_id"] == 7
    assert await env.subs(FORUM, 7) == [("keyword", "عفو")] and await env.subs(FORUM) == []
    menu = await env.ask("/subscribe", **kw)
    assert menu.params["message_thread_id"] == 7
    await env.click(menu, "sa")
    assert await env.subs(FORUM, 7) == [("keyword", "عفو"), ("all", None)]


async def test_channel_posts_run_commands(env: Env) -> None:
    env.fake.channel_post(CHANNEL, "/subscribe all")
    call = await env.fake.wait_for("sendMessage", chat_id=CHANNEL)
    assert "كل البيانات الجديدة" in text_of(call)  # no user language in a channel: Arabic
    assert await env.subs(CHANNEL) == [("all", None)]
    env.fake.channel_post(CHANNEL, f"/lang@{env.fake.username} en")
    assert "English" in text_of(await env.fake.wait_for("sendMessage", chat_id=CHANNEL))
    env.fake.channel_post(CHANNEL, "/status")
    assert "administrators" in text_of(await env.fake.wait_for("sendMessage", chat_id=CHANNEL))
    env.fake.channel_post(CHANNEL, "/nonsense")  # an ordinary post for all we know: silence
    env.fake.channel_post(CHANNEL, f"/nonsense@{env.fake.username}")
    assert "/help" in text_of(await env.fake.wait_for("sendMessage", chat_id=CHANNEL))
    assert len(env.fake.sent(CHANNEL)) == 4


async def test_my_chat_member_tracks_the_chat(env: Env) -> None:
    env.fake.member_update(GROUP, "administrator")

    async def state() -> bool | None:
        chat = await env.store.call(storage.get_chat, GROUP)
        return None if chat is None else chat.active

    assert await eventually(state) is True
    env.fake.set_member(GROUP, USER, "administrator")
    await env.ask("/subscribe all", chat_id=GROUP, chat_type="supergroup")
    env.fake.member_update(GROUP, "kicked")
    await eventually(lambda: _inactive(env, GROUP))
    assert await env.subs(GROUP) == []
    await env.ask("/start")
    env.fake.member_update(USER, "kicked")  # a private chat that blocked the bot
    await eventually(lambda: _inactive(env, USER))


async def _inactive(env: Env, chat_id: int) -> bool:
    chat = await env.store.call(storage.get_chat, chat_id)
    return chat is not None and not chat.active


# ───────────────────────────── "did you mean" (issue 11 item 6) ─────────────────────────────


async def test_a_clear_winner_is_chosen_and_nonsense_is_not_found(env: Env) -> None:
    stj = await env.ask("/signed Syrians Truth")
    assert text_of(stj).startswith("Statements signed by “Syrians for Truth and Justice (STJ)” (7)")
    network = await env.ask("/signed الشبكة", lang="ar")
    assert text_of(network).startswith("البيانات التي وقّعت عليها «الشبكة السورية لحقوق الإنسان (SNHR)» (12)")
    unknown = await env.ask("/signed Qwxz Zzyzx")
    assert text_of(unknown) == (
        "I couldn't find an organisation called “Qwxz Zzyzx”. Try another name or its acronym, "
        "or search the statements' text: /search Qwxz Zzyzx"
    )
    assert not buttons(unknown)
    arabic = await env.ask("/org كلام فارغ", lang="ar")
    assert text_of(arabic) == (
        "لم أجد منظمة باسم «كلام فارغ». جرّب اسماً آخر أو اختصارها، أو ابحث في نصوص البيانات: /search كلام فارغ"
    )
    assert "\u2068/search" in arabic.response["result"]["text"]  # type: ignore[index]
    assert not buttons(arabic)


# ───────────────────────────── plain text (issue 11 item 9) ─────────────────────────────


async def test_plain_text_in_a_private_chat_gets_a_search_hint_and_is_ignored_in_groups(env: Env) -> None:
    hint = await env.ask("detainees in Saydnaya")
    assert text_of(hint) == (
        "I only understand commands. To search the statements for “detainees in Saydnaya”, send: "
        "/search detainees in Saydnaya\n/help lists every command."
    )
    arabic = await env.ask("شكراً جزيلاً", lang="ar")
    assert text_of(arabic).startswith("أنا أفهم الأوامر فقط. للبحث في نصوص البيانات عن «شكراً جزيلاً» أرسل:")
    assert "\u2068/search شكراً جزيلاً\u2069" in arabic.response["result"]["text"]  # type: ignore[index]
    env.fake.user_sends("hello everyone", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")
    answer = await env.ask("/latest@bayan_test_bot 1", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")
    assert "Latest statements" in text_of(answer) and len(env.fake.sent(GROUP)) == 1
