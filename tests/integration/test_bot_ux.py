"""The bot as its users meet it (issue 11, bot items 1-5 and 7), driven through the real PTB client against
the fake Bot API, with a real Store and the real outbox sender for pushes.

Languages of pushes and digests, organisation names in the reader's language, group subscriptions owned by
the chat's administrators, button presses that outlive their query, right-to-left layout of commands, ids
and dates, and name prompts that only a reply answers. A reply that must NOT come is checked by sending a
later command and waiting for its reply: PTB handles one chat's updates in order.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot import orgs, storage
from bot.models import (
    Item,
    ItemRecord,
    PollWrite,
    RegistryOrg,
    SignatureRecord,
    Source,
    Statement,
    Validators,
)
from bot.tg import handler, routes, sender
from tests.fakes import Call, FakeBotAPI
from tests.helpers import Clock, polling, quiet_deps

pytestmark = pytest.mark.integration

AnyApp = Application[Any, Any, Any, Any, Any, Any]
T0 = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
ADMIN, EN_USER, AR_USER, MEMBER, BYSTANDER = 4242, 2001, 2002, 2003, 2009
GROUP, FORUM = -1002000000111, -1002000000222
FSI, PDI = "\u2068", "\u2069"
BIDI = str.maketrans("", "", "\u2068\u2069\u200f")
REGISTRY = [
    RegistryOrg(
        "snhr", ar="الشبكة السورية لحقوق الإنسان", en="Syrian Network for Human Rights", acronyms=("SNHR",)
    ),
    RegistryOrg(
        "stj", ar="سوريون من أجل الحقيقة والعدالة", en="Syrians for Truth and Justice", acronyms=("STJ",)
    ),
    RegistryOrg("nakheel", ar="رابطة النخيل للتنمية"),  # invented; no English name in the registry
]
SOURCES = [Source(id="snhr-ar", url="https://snhr.example/feed", name="الشبكة السورية", name_en="SNHR")]
_keys = iter(range(1, 10**6))


@dataclass
class Env:
    fake: FakeBotAPI
    store: storage.Store
    app: AnyApp
    clock: Clock

    async def ask(self, text: str, user_id: int = EN_USER, lang: str | None = "en", **kw: Any) -> Call:
        """A user sends ``text``; the first reply in that chat."""
        self.fake.user_sends(text, user_id=user_id, language_code=lang, **kw)
        return await self.fake.wait_for("sendMessage", chat_id=kw.get("chat_id") or user_id)

    async def click(self, call: Call, data: str, method: str = "editMessageText", **kw: Any) -> Call:
        self.fake.user_clicks(call.response["result"] if call.response else {}, data, **kw)
        return await self.fake.wait_for(method, chat_id=call.params["chat_id"])

    async def settle(self) -> None:
        """Every update sent so far has been handled: a bystander's /start is answered (PTB handles the
        updates one at a time, in order)."""
        self.fake.user_sends("/start", user_id=BYSTANDER)
        await self.fake.wait_for("sendMessage", chat_id=BYSTANDER)

    async def subs(self, chat_id: int, thread_id: int | None = None) -> list[tuple[str, str | None]]:
        return [
            (s.kind, s.value) for s in await self.store.call(storage.list_subscriptions, chat_id, thread_id)
        ]

    def org_id(self, slug: str) -> int:
        found = self.store.run(storage.find_org_id, slug)
        assert found is not None
        return found

    def publish(
        self, *signers: tuple[str, str | None], title: str = "بيان مشترك حول المفقودين", **st: Any
    ) -> int:
        """A new joint statement stored by an announced poll (deliveries for every matching subscription)."""
        key = next(_keys)
        sigs = tuple(
            SignatureRecord(name, i, org_id=self.org_id(slug) if slug else None)
            for i, (name, slug) in enumerate(signers)
        )
        statement = Statement(
            is_statement=True,
            kind=st.pop("kind", "joint"),
            title=title,
            published=date(2026, 2, 1),
            signatories=tuple(name for name, _ in signers),
            body="نص",
            **st,
        )
        item = Item(key=f"k{key}", url=f"https://snhr.example/s/{key}", title=title)
        record = ItemRecord(item=item, statement=statement, signatures=sigs, title_norm=orgs.normalize(title))
        write = PollWrite("snhr-ar", T0, T0 + timedelta(hours=1), Validators(), (record,), announce=True)
        [created] = self.store.run(storage.save_poll, write)
        return created

    async def push(self) -> None:
        await sender.drain(
            self.app.bot, self.store, names=lambda source, lang: "SNHR" if lang == "en" else None
        )


def text_of(call: Call) -> str:
    """The message as Telegram shows it, without bidi marks and isolates."""
    assert call.ok, call.response
    assert call.response is not None
    return str(call.response["result"]["text"]).translate(BIDI)


def raw(call: Call) -> str:
    """The message as Telegram shows it, marks and isolates kept."""
    assert call.ok and call.response is not None, call.response
    return str(call.response["result"]["text"])


def shown(fake: FakeBotAPI, chat_id: int) -> list[str]:
    """Every message the chat was sent, as Telegram shows it (marks and isolates kept)."""
    return [str(m["text"]) for m in fake.messages[chat_id]]


def taken_as_name(fake: FakeBotAPI, chat_id: int, after: int) -> list[str]:
    """Replies after the first ``after`` messages of the chat that treat a message as an organisation's
    name (a subscription, "couldn't find an organisation", "did you mean") — a hint would not."""
    texts = [str(p["text"]) for p in fake.sent(chat_id)[after:]]
    return [t for t in texts if "organisation" in t or "Subscribed" in t or "منظمة" in t]


def buttons(call: Call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


def outside_isolates(text: str, pattern: str) -> list[str]:
    """The matches of ``pattern`` in ``text`` that do not sit inside an FSI…PDI isolate."""
    found, depth = [], []
    level = 0
    for ch in text:
        level += ch == FSI
        level -= ch == PDI and level > 0
        depth.append(level)
    for m in re.finditer(pattern, text):
        if depth[m.start()] == 0:
            found.append(m.group())
    return found


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, admins: frozenset[int] = frozenset({ADMIN}), broken: bool = False
) -> AsyncIterator[Env]:
    store = storage.Store(str(tmp_path / "bayan.db"))
    store.run(storage.seed_registry, REGISTRY, now=T0)
    store.run(storage.sync_sources, SOURCES)
    index = orgs.OrgIndex(store.run(storage.org_index_entries))
    clock = Clock(T0)

    async def org_index() -> orgs.OrgIndex:
        if broken:
            raise RuntimeError("boom")
        return index

    deps = quiet_deps(store, lambda: list(SOURCES), org_index=org_index, admins=admins, now=clock)
    async with FakeBotAPI() as fake:
        builder = (
            ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        )
        app = builder.job_queue(None).build()
        routes.register(app, deps)
        async with polling(app):
            yield Env(fake, store, app, clock)
    store.close()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with running(tmp_path) as e:
        yield e


# ───────────────────────────── 1. pushes in the subscriber's language ─────────────────────────────


async def test_pushes_and_digests_speak_the_subscribers_language(env: Env) -> None:
    env.fake.set_member(GROUP, EN_USER, "administrator")
    env.fake.set_member(GROUP, AR_USER, "administrator")
    await env.ask("/subscribe all", user_id=EN_USER, lang="en")
    await env.ask("/subscribe all", user_id=AR_USER, lang="ar")
    await env.ask("/subscribe all", user_id=EN_USER, lang="en-GB", chat_id=GROUP, chat_type="supergroup")
    await env.ask(
        "/subscribe keyword عفو", user_id=AR_USER, lang="ar", chat_id=GROUP
    )  # not the first: no change
    env.publish(("الشبكة السورية لحقوق الإنسان", "snhr"), ("سوريون من أجل الحقيقة والعدالة", "stj"))
    await env.push()
    english, arabic, group = (shown(env.fake, chat)[-1] for chat in (EN_USER, AR_USER, GROUP))
    assert english.startswith("Joint statement\n") and "Source: SNHR" in english
    assert arabic.startswith("بيان مشترك\n")
    assert group.startswith("Joint statement\n")
    for i in range(11):  # more than BURST: one digest per chat
        env.publish(("الشبكة السورية لحقوق الإنسان", "snhr"), title=f"بيان رقم {i} حول المعتقلين")
    await env.push()
    assert shown(env.fake, GROUP)[-1].startswith("New statements (11)")
    assert shown(env.fake, AR_USER)[-1].startswith("بيانات جديدة (11)")


async def test_lang_offers_buttons_and_sets_replies_and_pushes(env: Env) -> None:
    await env.ask("/subscribe all", user_id=EN_USER, lang="en")
    menu = await env.ask("/lang", user_id=EN_USER, lang="en")
    assert buttons(menu) == ["lang:ar", "lang:en"] and "/lang ar" in text_of(menu)
    done = await env.click(menu, "lang:ar", user_id=EN_USER)
    assert text_of(done) == "ستصلك الرسائل بالعربية من الآن." and not buttons(done)
    assert "أهلاً بك" in text_of(await env.ask("/start", user_id=EN_USER, lang="en"))
    env.publish(("الشبكة السورية لحقوق الإنسان", "snhr"))
    await env.push()
    assert shown(env.fake, EN_USER)[-1].startswith("بيان مشترك\n")
    again = await env.ask("/lang de", user_id=EN_USER, lang="en")
    assert buttons(again) == ["lang:ar", "lang:en"]
    # in a group only an administrator sets the language
    refused = await env.ask("/lang en", user_id=MEMBER, lang="en", chat_id=GROUP, chat_type="supergroup")
    assert "only its administrators" in text_of(refused)
    chat = await env.store.call(storage.get_chat, GROUP)
    assert chat is None or chat.language is None


# ───────────────────────────── 2. organisation names in the reader's language ─────────────────────────────


async def test_org_names_follow_the_reader_with_the_written_name_as_fallback(env: Env) -> None:
    await env.ask("/subscribe all", user_id=EN_USER, lang="en")
    await env.ask("/subscribe all", user_id=AR_USER, lang="ar")
    env.publish(
        ("الشبكة السورية لحقوق الإنسان", "snhr"),
        ("Syrians for Truth & Justice (STJ)", "stj"),
        ("رابطة النخيل للتنمية", "nakheel"),
        ("تجمع الأمل المدني", None),  # invented, unknown: a provisional organisation
    )
    await env.push()
    english = shown(env.fake, EN_USER)[-1].translate(BIDI)
    arabic = shown(env.fake, AR_USER)[-1].translate(BIDI)
    assert (
        "Signed by 4 organisations: Syrian Network for Human Rights, Syrians for Truth and Justice, "
        "رابطة النخيل للتنمية, تجمع الأمل المدني"
    ) in english
    assert (
        "وقّعت عليه 4 منظمات: الشبكة السورية لحقوق الإنسان، سوريون من أجل الحقيقة والعدالة، "
        "رابطة النخيل للتنمية، تجمع الأمل المدني"
    ) in arabic
    profile = await env.ask("/org SNHR", user_id=EN_USER)
    assert (
        "Most frequent co-signers\n• Syrians for Truth and Justice (1)\n• رابطة النخيل للتنمية (1)"
        in text_of(profile)
    )
    await env.ask("/subscribe org STJ", user_id=EN_USER)
    listing = await env.ask("/subscriptions", user_id=EN_USER)
    assert "• organisation: Syrians for Truth and Justice" in text_of(listing)
    await env.ask("/subscribe org STJ", user_id=AR_USER, lang="ar")
    listing = await env.ask("/subscriptions", user_id=AR_USER, lang="ar")
    assert "• منظمة: سوريون من أجل الحقيقة والعدالة" in text_of(listing)


async def test_a_single_issuer_is_named_in_the_readers_language(env: Env) -> None:
    await env.ask("/subscribe all", user_id=EN_USER, lang="en")
    key = next(_keys)
    title = "بيان حول الاعتقال التعسفي"
    statement = Statement(
        is_statement=True, kind="single", title=title, issuer="الشبكة السورية لحقوق الإنسان", body="نص"
    )
    sig = SignatureRecord("الشبكة السورية لحقوق الإنسان", 0, org_id=env.org_id("snhr"), role="issuer")
    record = ItemRecord(
        item=Item(key=f"k{key}", url=f"https://snhr.example/s/{key}", title=title),
        statement=statement,
        signatures=(sig,),
        title_norm=orgs.normalize(title),
    )
    env.store.run(storage.save_poll, PollWrite("snhr-ar", T0, T0, Validators(), (record,), announce=True))
    await env.push()
    assert "Issued by: Syrian Network for Human Rights" in shown(env.fake, EN_USER)[-1].translate(BIDI)


# ───────────────────────────── 3. group subscriptions belong to the admins ─────────────────────────────


async def test_only_group_admins_change_subscriptions(env: Env) -> None:
    kw: dict[str, Any] = {"chat_id": GROUP, "chat_type": "supergroup"}
    env.fake.set_member(GROUP, ADMIN, "creator")
    refused = await env.ask("/subscribe all", user_id=MEMBER, **kw)
    assert "only its administrators" in text_of(refused) and await env.subs(GROUP) == []
    assert "Subscribed" in text_of(await env.ask("/subscribe all", user_id=ADMIN, **kw))
    assert "only its administrators" in text_of(await env.ask("/unsubscribe all", user_id=MEMBER, **kw))
    assert "only its administrators" in text_of(await env.ask("/unsubscribe", user_id=MEMBER, **kw))
    assert "all statements" in text_of(
        await env.ask("/subscriptions", user_id=MEMBER, **kw)
    )  # reading is open
    menu = await env.ask("/subscribe", user_id=ADMIN, **kw)
    env.fake.mark()
    env.fake.user_clicks(menu.response["result"] if menu.response else {}, "src:snhr-ar", user_id=MEMBER)
    answer = await env.fake.wait_for("answerCallbackQuery")
    assert answer.params["show_alert"] is True and "only its administrators" in answer.params["text"]
    assert await env.subs(GROUP) == [("all", None)]
    assert "Subscribed" in text_of(await env.click(menu, "src:snhr-ar", user_id=ADMIN))
    assert await env.subs(GROUP) == [("all", None), ("source", "snhr-ar")]
    # an anonymous administrator writes as the group itself
    env.fake.user_sends("/subscribe keyword عفو", anonymous_admin=True, **kw)
    assert "Subscribed" in text_of(await env.fake.wait_for("sendMessage", chat_id=GROUP))
    # a plain group too
    refused = await env.ask("/subscribe all", user_id=MEMBER, chat_id=-4001, chat_type="group")
    assert "only its administrators" in text_of(refused)


async def test_admin_status_is_cached_briefly(env: Env) -> None:
    state = env.app.bot_data[handler.STATE_KEY]
    ticks = [0.0]
    state.chat_admins = handler.ChatAdmins(ttl=60.0, clock=lambda: ticks[0])
    kw: dict[str, Any] = {"chat_id": GROUP, "chat_type": "supergroup"}
    env.fake.set_member(GROUP, ADMIN, "administrator")
    await env.ask("/subscribe all", user_id=ADMIN, **kw)
    await env.ask("/subscribe keyword عفو", user_id=ADMIN, **kw)
    asked = [c for c in env.fake.calls if c.method == "getChatMember"]
    assert len(asked) == 1 and asked[0].params == {"chat_id": GROUP, "user_id": ADMIN}
    env.fake.set_member(GROUP, ADMIN, "left")  # demoted: seen once the cached answer expires
    ticks[0] = 61.0
    assert "only its administrators" in text_of(await env.ask("/unsubscribe all", user_id=ADMIN, **kw))
    assert len([c for c in env.fake.calls if c.method == "getChatMember"]) == 2


async def test_unsubscribe_all_asks_first(env: Env) -> None:
    await env.ask("/subscribe all")
    await env.ask("/subscribe keyword عفو")
    confirm = await env.ask("/unsubscribe all")
    assert text_of(confirm) == "Cancel all subscriptions of this chat (2)?" and buttons(confirm) == [
        "ua",
        "uk",
    ]
    assert len(await env.subs(EN_USER)) == 2
    kept = await env.click(confirm, "uk")
    assert "Nothing changed" in text_of(kept) and len(await env.subs(EN_USER)) == 2
    confirm = await env.ask("/unsubscribe all", lang="ar")
    assert text_of(confirm) == "هل تريد إلغاء كل اشتراكات هذه المحادثة (2)؟"
    assert "تم إلغاء كل اشتراكات" in text_of(await env.click(confirm, "ua", language_code="ar"))
    assert await env.subs(EN_USER) == []
    assert "No subscriptions" in text_of(await env.ask("/unsubscribe all"))


# ───────────────────────────── 4. buttons that outlive their query ─────────────────────────────


async def test_a_click_whose_answer_fails_is_still_carried_out(env: Env) -> None:
    menu = await env.ask("/subscribe")
    env.fake.mark()
    env.fake.user_clicks(menu.response["result"] if menu.response else {}, "sa", user_id=EN_USER, stale=True)
    edited = await env.fake.wait_for("editMessageText", chat_id=EN_USER)
    assert "every new statement" in text_of(edited)
    answer = [c for c in env.fake.calls if c.method == "answerCallbackQuery"][-1]
    assert answer.status == 400 and "query is too old" in str(answer.response)
    assert await env.subs(EN_USER) == [("all", None)]
    await env.settle()
    assert len(env.fake.sent(EN_USER)) == 1  # the menu; no "something went wrong"


async def test_admins_are_said_to_be_told_only_when_an_alert_was_queued(tmp_path: Path) -> None:
    async with running(tmp_path / "none", admins=frozenset(), broken=True) as e:
        reply = text_of(await e.ask("/signed SNHR"))
        assert reply == "Something went wrong on our side. Please try again in a little while."
        arabic = text_of(await e.ask("/org SNHR", lang="ar"))
        assert "أُبلغ" not in arabic and "حدث خطأ" in arabic
    async with running(tmp_path / "admins", broken=True) as e:
        assert "the administrators have been told" in text_of(await e.ask("/signed SNHR"))
        alerts = e.store.run(lambda db: list(db.query("SELECT chat_id, alert_text FROM deliveries")))
        assert [a["chat_id"] for a in alerts] == [ADMIN] and "/signed failed" in alerts[0]["alert_text"]
        assert "boom" not in alerts[0]["alert_text"]  # the error's type, not its text
        # a second failure within the gap queues nothing, so says nothing about the admins
        assert "Please try again" in text_of(await e.ask("/org SNHR"))


# ───────────────────────────── 5. right-to-left ─────────────────────────────

COMMAND = r"/[a-z_]+"


async def test_arabic_commands_ids_and_dates_sit_in_isolates(env: Env) -> None:
    sent = []
    for command in ("/help", "/start", "/frobnicate", "/subscribe everything", "/lang xx", "/statement abc"):
        call = await env.ask(command, user_id=AR_USER, lang="ar")
        assert outside_isolates(raw(call), COMMAND) == [], (command, raw(call))
        sent.append(raw(call))
    assert f"{FSI}/subscribe all{PDI}" in sent[1] and f"{FSI}/help{PDI}" in sent[1]
    await env.ask("/subscribe all", user_id=AR_USER, lang="ar")
    env.publish(
        ("الشبكة السورية لحقوق الإنسان", "snhr"),
        ("سوريون من أجل الحقيقة والعدالة", "stj"),
        individuals=("سامر",),
    )
    await env.push()
    push = shown(env.fake, AR_USER)[-1]
    [statement_id] = re.findall(r"/statement (\d+)", push)
    assert f"{FSI}/statement {statement_id}{PDI}" in push and outside_isolates(push, COMMAND) == []
    env.store.run(
        storage.record_success,
        "snhr-ar",
        now=T0,
        next_check=T0 + timedelta(minutes=30),
        validators=Validators(),
    )
    health = raw(await env.ask("/sources", user_id=AR_USER, lang="ar"))
    assert f"{FSI}2026-02-03 09:00 UTC{PDI}" in health
    assert outside_isolates(health, r"\d{4}-\d{2}-\d{2}") == []


async def test_arabic_command_menu_isolates_commands() -> None:
    async with FakeBotAPI() as fake:
        builder = (
            ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        )
        async with builder.job_queue(None).build() as app:
            await routes.publish_commands(app.bot)
        arabic = {c["command"]: c["description"] for c in fake.commands_for("ar")}
    assert f"{FSI}/subscribe{PDI}" in arabic["unsubscribe"]
    assert outside_isolates(" ".join(arabic.values()), COMMAND) == []


async def test_bidi_controls_are_stripped_from_echoed_input(env: Env) -> None:
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    found = await env.ask("/search \u202eالمفقودين\u202c")
    assert "\u202e" not in found.params["text"] and "“المفقودين”" in text_of(found)
    unknown = await env.ask("/signed \u202eZZZ Unknown\u2066 Collective")
    assert not set(controls) & set(unknown.params["text"].replace(FSI, "").replace(PDI, ""))
    await env.ask("/subscribe keyword \u202eعفو\u200f")
    assert await env.subs(EN_USER) == [("keyword", "عفو")]
    arabic = await env.ask("/search \u202eabc\u202c detainees", lang="ar")
    assert "\u202e" not in arabic.params["text"] and "\u202c" not in arabic.params["text"]


# ───────────────────────────── 7. prompts answer only replies ─────────────────────────────


async def _prompt(env: Env, user_id: int = EN_USER, **kw: Any) -> Call:
    menu = await env.ask("/subscribe", user_id=user_id, **kw)
    prompt = await env.click(menu, "sn", method="sendMessage", user_id=user_id)
    assert "organisation's name" in text_of(prompt)
    return prompt


async def test_a_prompt_takes_only_a_reply_as_the_name(env: Env) -> None:
    prompt = await _prompt(env)
    env.fake.user_sends("شكراً جزيلاً", user_id=EN_USER)  # a later message, not a reply: not the name
    await env.settle()
    assert taken_as_name(env.fake, EN_USER, after=2) == [] and await env.subs(EN_USER) == []
    answer = await env.ask("STJ", reply_to=prompt.response["result"] if prompt.response else None)
    assert "Syrians for Truth and Justice" in text_of(answer)
    assert await env.subs(EN_USER) == [("org", "سوريون من أجل الحقيقة والعدالة")]


async def test_a_command_or_the_ttl_ends_a_prompt(env: Env) -> None:
    prompt = await _prompt(env)
    result = prompt.response["result"] if prompt.response else None
    await env.ask("/latest 1")  # the next command ends the prompt
    env.fake.user_sends("SNHR", user_id=EN_USER, reply_to=result)
    await env.settle()
    assert taken_as_name(env.fake, EN_USER, after=2) == [] and await env.subs(EN_USER) == []
    prompt = await _prompt(env)
    env.clock.t += handler.PROMPT_TTL + timedelta(seconds=1)
    late = await env.ask("SNHR", reply_to=prompt.response["result"] if prompt.response else None)
    assert "expired" in text_of(late) and await env.subs(EN_USER) == []


async def test_in_groups_and_topics_only_the_askers_reply_counts(env: Env) -> None:
    kw: dict[str, Any] = {"chat_id": FORUM, "chat_type": "supergroup", "thread_id": 9}
    env.fake.set_member(FORUM, ADMIN, "administrator")
    prompt = await _prompt(env, user_id=ADMIN, **kw)
    assert prompt.params["message_thread_id"] == 9
    result = prompt.response["result"] if prompt.response else None
    env.fake.user_sends("شكراً جزيلاً", user_id=ADMIN, **kw)  # in a topic: "replies" to the topic's start
    env.fake.user_sends("SNHR", user_id=MEMBER, reply_to=result, **kw)  # someone else's reply
    await env.settle()
    assert taken_as_name(env.fake, FORUM, after=2) == [] and await env.subs(FORUM, 9) == []
    answer = await env.ask("SNHR", user_id=ADMIN, reply_to=result, **kw)
    assert "Syrian Network for Human Rights" in text_of(answer)
    assert await env.subs(FORUM, 9) == [("org", "الشبكة السورية لحقوق الإنسان")]
