"""/review through the fake Bot API: the real PTB Application long-polling over loopback, a real Store.

An admin sees the next item with its buttons, corrects the kind, picks or sends an issuer, replies with the
corrected signatories, skips, accepts and rejects; a held statement reaches its subscriber exactly once
after acceptance (through the outbox sender), a rejected one never, and it leaves search. Non-admins get
the refusal and their presses do nothing. The admins get one message when the queue grows from empty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot import orgs, pipeline, storage
from bot.models import (
    Item,
    ItemRecord,
    PollWrite,
    ReviewPolicy,
    Settings,
    SignatureRecord,
    Source,
    Statement,
    Validators,
)
from bot.tg import app as tg_app
from bot.tg import routes, sender
from tests.fakes import Call, FakeBotAPI
from tests.helpers import polling, quiet_deps

pytestmark = pytest.mark.integration

AnyApp = Application[Any, Any, Any, Any, Any, Any]
NOW = datetime(2026, 1, 26, 10, 0, tzinfo=UTC)
ADMIN, USER, READER = 4242, 1001, 3003
SOURCE = Source(id="src", url="https://example.org/feed", name_en="Invented source")
HOLD = ReviewPolicy(threshold=0.7, hold=True)
BIDI = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u200e\u200f")


def doubtful(key: str, title: str, names: tuple[str, ...], confidence: float = 0.62) -> ItemRecord:
    st = Statement(
        is_statement=True, kind="single", title=title, published=date(2026, 1, 20), language="en",
        issuer=names[0] if len(names) == 1 else None, signatories=names, body=f"{title} body about detainees",
        confidence=confidence, evidence=("has_subject:+2.10", "reports:-1.30"),
    )  # fmt: skip
    sigs = tuple(SignatureRecord(n, i) for i, n in enumerate(names))
    item = Item(key=key, url=f"https://example.org/{key}", title=title)
    body = orgs.normalize(st.body)
    return ItemRecord(
        item=item, statement=st, signatures=sigs, title_norm=orgs.normalize(title), body_norm=body
    )


def seed(db: storage.Db) -> list[int]:
    storage.sync_sources(db, [SOURCE])
    storage.add_subscription(db, READER, None, "all", None, now=NOW)
    records = (
        doubtful("one", "Statement on the detainees of the north", ("Invented Lawyers League",)),
        doubtful(
            "two", "Joint appeal for the schools", ("Invented Teachers Union", "Invented Doctors Forum")
        ),
    )
    write = PollWrite("src", NOW, NOW + timedelta(minutes=30), Validators(), records, review=HOLD)
    return storage.save_poll(db, write)


@dataclass
class Env:
    fake: FakeBotAPI
    store: storage.Store
    app: AnyApp
    ids: list[int]

    async def ask(self, text: str, user_id: int = ADMIN, **kw: Any) -> Call:
        self.fake.mark()
        self.fake.user_sends(text, user_id=user_id, language_code="en", **kw)
        return await self.fake.wait_for("sendMessage", chat_id=user_id)

    async def click(self, call: Call, data: str, user_id: int = ADMIN) -> None:
        assert data in buttons(call), (data, buttons(call))
        self.fake.mark()
        self.fake.user_clicks(call.response["result"] if call.response else {}, data, user_id=user_id)

    def pending(self, sid: int) -> int:
        sql = "SELECT COUNT(*) FROM deliveries WHERE statement_id = ? AND status = 'pending'"
        return int(self.store.run(lambda db: db.execute(sql, [sid]).fetchone()[0]))


def text_of(call: Call) -> str:
    assert call.ok, call.response
    assert call.response is not None
    return str(call.response["result"]["text"]).translate(BIDI)


def buttons(call: Call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    store = storage.Store(str(tmp_path / "bayan.db"))
    ids = store.run(seed)
    index = orgs.OrgIndex(store.run(storage.org_index_entries))
    deps = quiet_deps(store, lambda: [SOURCE], index=index, admins=frozenset({ADMIN}), now=lambda: NOW)
    async with FakeBotAPI() as fake:
        builder = (
            ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        )
        application = builder.job_queue(None).build()
        routes.register(application, deps)
        async with polling(application):
            yield Env(fake, store, application, ids)
    store.close()


async def test_review_shows_the_item_corrects_accepts_and_pushes_once(env: Env) -> None:
    one, two = env.ids
    assert env.pending(one) == env.pending(two) == 0  # both held
    shown = await env.ask("/review")
    text = text_of(shown)
    assert f"Review · 2 waiting · {one}" in text
    assert "Statement on the detainees of the north" in text and "Invented source" in text
    assert "The extractor: a statement (certainty 0.62)" in text and "has_subject:+2.10" in text
    assert "Invented Lawyers League" in text and "Held: not pushed before a review" in text
    assert {f"rv:y:{one}", f"rv:n:{one}", f"rv:k:{one}:j", f"rv:i:{one}", f"rv:sa:{one}", f"rv:sc:{one}",
            f"rv:s:{one}"} <= set(buttons(shown))  # fmt: skip

    await env.click(shown, f"rv:k:{one}:o")  # a kind: accepted as an open letter, shown again
    edited = await env.fake.wait_for("editMessageText", chat_id=ADMIN)
    assert "Open letter" in text_of(edited) and "Decision: a statement (telegram:4242" in text_of(edited)
    assert env.pending(one) == 1
    st = env.store.run(storage.get_statement, one)
    assert st is not None and st.kind == "open_letter" and st.review == "accepted"

    await env.click(edited, f"rv:y:{one}")  # ✓ again: the result, then the next item; no second push
    result = await env.fake.wait_for("editMessageText", chat_id=ADMIN)
    assert text_of(result).startswith("✓ Accepted as a statement: Statement on the detainees")
    nxt = await env.fake.wait_for("sendMessage", chat_id=ADMIN)
    assert f"Review · 1 waiting · {two}" in text_of(nxt)
    assert env.pending(one) == 1

    assert await sender.drain(env.app.bot, env.store) == 1
    pushed = [c for c in env.fake.calls if c.method == "sendMessage" and c.params["chat_id"] == READER]
    assert len(pushed) == 1 and "Statement on the detainees" in text_of(pushed[0])
    assert await sender.drain(env.app.bot, env.store) == 0


async def test_issuer_pick_send_a_name_and_corrected_signatories_by_reply(env: Env) -> None:
    one, two = env.ids
    shown = await env.ask("/review")
    await env.click(shown, f"rv:s:{one}")  # skip: the other item
    skipped = await env.fake.wait_for("editMessageText", chat_id=ADMIN)
    assert f"· {two}" in text_of(skipped)

    await env.click(skipped, f"rv:i:{two}")
    picks = await env.fake.wait_for("editMessageText", chat_id=ADMIN)
    assert text_of(picks).startswith("Pick the issuer")
    assert f"rv:ip:{two}:0" in buttons(picks) and f"rv:is:{two}" in buttons(picks)
    await env.click(picks, f"rv:ip:{two}:1")  # the second organisation the page names
    picked = await env.fake.wait_for("editMessageText", chat_id=ADMIN)
    assert "Issued by: Invented Doctors Forum" in text_of(picked)
    st = env.store.run(storage.get_statement, two)
    assert st is not None and st.issuer == "Invented Doctors Forum"

    await env.click(picked, f"rv:i:{two}")
    picks = await env.fake.wait_for("editMessageText", chat_id=ADMIN)
    await env.click(picks, f"rv:is:{two}")  # "send a name": the reply to the question is the issuer
    asked = await env.fake.wait_for("sendMessage", chat_id=ADMIN)
    assert text_of(asked) == "Reply to this message with the issuer's name."
    env.fake.mark()
    env.fake.user_sends("Invented Nurses Network", user_id=ADMIN, language_code="en",
                        reply_to=asked.response["result"])  # type: ignore[index]  # fmt: skip
    answered = await env.fake.wait_for("sendMessage", chat_id=ADMIN)
    assert "Issued by: Invented Nurses Network" in text_of(answered)

    await env.click(answered, f"rv:sc:{two}")
    asked = await env.fake.wait_for("sendMessage", chat_id=ADMIN)
    assert text_of(asked) == "Reply to this message with the corrected signatories, one per line."
    env.fake.mark()
    names = "1. Invented Teachers Union\n2. Invented Nurses Network\n\n3. Invented Engineers Guild"
    question = asked.response["result"]  # type: ignore[index]
    env.fake.user_sends(names, user_id=ADMIN, language_code="en", reply_to=question)
    listed = await env.fake.wait_for("sendMessage", chat_id=ADMIN)
    assert "3. Invented Engineers Guild" in text_of(listed)
    st = env.store.run(storage.get_statement, two)
    assert st is not None
    assert st.signatories == (
        "Invented Teachers Union",
        "Invented Nurses Network",
        "Invented Engineers Guild",
    )
    assert env.pending(two) == 1  # accepted with the first correction, pushed once


async def test_rejecting_withdraws_and_never_pushes(env: Env) -> None:
    one, _ = env.ids
    shown = await env.ask("/review")
    await env.click(shown, f"rv:n:{one}")
    done = await env.fake.wait_for("editMessageText", chat_id=ADMIN)
    assert "✗ Not a statement: Statement on the detainees of the north" in text_of(done)
    assert "Withdrawn from search and /signed" in text_of(done)
    assert env.pending(one) == 0
    assert [s.id for s in env.store.run(storage.search_statements, "north")] == []
    assert env.store.run(storage.release_holds, NOW + timedelta(days=1)) == [env.ids[1]]  # only the other one
    assert env.pending(one) == 0


async def test_only_bot_admins_review(env: Env) -> None:
    refused = await env.ask("/review", user_id=USER)
    assert text_of(refused) == "Sorry, this command is reserved for the bot's administrators."
    shown = await env.ask("/review")
    one = env.ids[0]
    env.fake.user_clicks(shown.response["result"], f"rv:y:{one}", user_id=USER)  # type: ignore[index]
    await env.fake.wait_for("answerCallbackQuery")
    await env.ask("/help", user_id=USER)  # handled after the press: the press did nothing
    assert env.pending(one) == 0 and env.store.run(storage.get_review, one).state == "open"  # type: ignore[union-attr]


async def test_the_admins_get_one_message_when_the_queue_grows_from_empty(tmp_path: Path) -> None:
    store = storage.Store(str(tmp_path / "bayan.db"))
    try:
        settings = Settings(token="t", admins=frozenset({ADMIN, 4343}), db_path=str(tmp_path / "bayan.db"))
        ctx = pipeline.PollContext(fetcher=None, store=store)  # type: ignore[arg-type]  # never fetches
        runtime = tg_app.BotRuntime(settings, ctx, [SOURCE])

        def alerts() -> list[str]:
            sql = "SELECT alert_text FROM deliveries WHERE alert_text IS NOT NULL ORDER BY chat_id"
            return [r[0] for r in store.run(lambda db: db.execute(sql).fetchall())]

        await runtime.check_review()
        assert alerts() == []
        store.run(seed)
        await runtime.check_review()
        await runtime.check_review()
        assert len(alerts()) == 2 and "/review" in alerts()[0] and runtime.wake.is_set()
        extra = replace(doubtful("three", "Third", ("Invented Guild",)))
        write = PollWrite("src", NOW, NOW, Validators(), (extra,), review=HOLD)
        store.run(storage.save_poll, write)
        await runtime.check_review()
        assert len(alerts()) == 2  # the queue was not empty
    finally:
        store.close()
