"""/chart against the fake Bot API: a real PTB Application long-polling over loopback, a real Store holding
the fixture history of tests/chartdata.py. The fake records sendPhoto (multipart upload) with the bytes
sent, so each picture is checked as a PNG of the chart's size, and its caption as Telegram parses it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot import charts, orgs, storage
from bot.models import PollWrite, Validators
from bot.tg import routes
from tests import chartdata
from tests.chartdata import png_size
from tests.fakes import Call, FakeBotAPI, utf16_len
from tests.helpers import polling, quiet_deps

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(charts.missing() is not None, reason="the extra bayan[charts] is not installed"),
]

AnyApp = Application[Any, Any, Any, Any, Any, Any]
USER = 1001
BIDI = str.maketrans("", "", "\u2068\u2069\u200f\u200e")
HOSTILE = "Rights & <Law> Forum"  # a provisional organisation: its name is what a page wrote


@dataclass
class Env:
    fake: FakeBotAPI
    store: storage.Store

    async def ask(self, text: str, lang: str = "en", method: str = "sendPhoto") -> Call:
        """A user sends ``text`` in their private chat; the first ``method`` call in that chat."""
        self.fake.mark()
        self.fake.user_sends(text, user_id=USER, language_code=lang)
        return await self.fake.wait_for(method, timeout=20.0, chat_id=USER)


def _seed(db: storage.Db, *, history: bool) -> None:
    if not history:
        storage.seed_registry(db, chartdata.REGISTRY, now=chartdata.NOW)
        return
    ids = chartdata.build(db)
    record = chartdata.record(900, date(2025, 6, 1), "joint", [(HOSTILE, None), ("LIJ", ids["lij"])])
    now = chartdata.NOW + timedelta(hours=1)
    storage.save_poll(db, PollWrite(chartdata.SOURCE.id, now, now, Validators(), (record,)))


@contextlib.asynccontextmanager
async def running(tmp_path: Path, *, history: bool = True) -> AsyncIterator[Env]:
    store = storage.Store(str(tmp_path / "bayan.db"))
    store.run(_seed, history=history)
    index = orgs.OrgIndex(store.run(storage.org_index_entries))
    deps = quiet_deps(
        store, lambda: [chartdata.SOURCE], index=index, now=lambda: chartdata.NOW, rate_window=3600.0
    )
    async with FakeBotAPI() as fake:
        builder = (
            ApplicationBuilder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        )
        app: AnyApp = builder.job_queue(None).build()
        routes.register(app, deps)
        async with polling(app):
            yield Env(fake, store)
    store.close()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with running(tmp_path) as found:
        yield found


def caption_of(call: Call) -> str:
    assert call.ok, call.response
    assert call.response is not None
    return str(call.response["result"].get("caption", "")).translate(BIDI)


def text_of(call: Call) -> str:
    assert call.ok, call.response
    assert call.response is not None
    return str(call.response["result"]["text"]).translate(BIDI)


def assert_chart(call: Call) -> None:
    """A PNG of the chart's size went up, with an HTML caption Telegram accepted (≤ 1024 units)."""
    assert png_size(call.files["photo"]) == (charts.WIDTH, charts.HEIGHT)
    assert call.params["parse_mode"] == "HTML"
    assert call.response is not None
    [size] = call.response["result"]["photo"]
    assert (size["width"], size["height"]) == (charts.WIDTH, charts.HEIGHT)
    assert 0 < utf16_len(call.response["result"]["caption"]) <= 1024


async def test_chart_of_an_organisation_by_any_of_its_names(env: Env) -> None:
    for name in ("LIJ", "League of Independent Jurists", "رابطه الحقوقيين المستقلين"):
        call = await env.ask(f"/chart {name}")
        assert_chart(call)
        assert caption_of(call).splitlines()[:2] == [
            "League of Independent Jurists (LIJ)",
            "59 statements · with 7 organisations",
        ]


async def test_chart_in_arabic_names_and_labels_in_arabic(env: Env) -> None:
    call = await env.ask("/chart LIJ", lang="ar")
    assert_chart(call)
    lines = caption_of(call).splitlines()
    assert lines[0] == "رابطة الحقوقيين المستقلين (LIJ)" and lines[1] == "59 بياناً · مع 7 منظمات"
    assert lines[2].startswith("أول بيان: 3 آذار/مارس 2024")


async def test_chart_of_the_whole_field(env: Env) -> None:
    call = await env.ask("/chart")
    assert_chart(call)
    assert caption_of(call).splitlines()[:2] == [
        "All organisations",
        "59 statements · signed by 8 organisations",
    ]
    assert "<b>All organisations</b>" in call.params["caption"]
    waiting = [c for c in env.fake.calls if c.method == "sendChatAction"]
    assert waiting and waiting[-1].params["action"] == "upload_photo"


async def test_the_caption_escapes_what_pages_wrote(env: Env) -> None:
    call = await env.ask(f"/chart {HOSTILE}")
    assert_chart(call)
    assert "Rights &amp; &lt;Law&gt; Forum" in call.params["caption"]
    assert caption_of(call).splitlines()[0] == HOSTILE


async def test_did_you_mean_buttons_lead_to_the_chart(env: Env) -> None:
    asked = await env.ask("/chart Women", method="sendMessage")
    assert "Did you mean" in text_of(asked)
    assert asked.response is not None
    ids = {o.slug: o.id for o in env.store.run(storage.list_orgs)}
    data = [b["callback_data"] for row in asked.params["reply_markup"]["inline_keyboard"] for b in row]
    assert {f"c:{ids['nwc']}", f"c:{ids['wnn']}", f"c:{ids['wnd']}"} <= set(data)
    env.fake.mark()
    env.fake.user_clicks(asked.response["result"], f"c:{ids['nwc']}", user_id=USER)
    call = await env.fake.wait_for("sendPhoto", timeout=20.0, chat_id=USER)
    assert_chart(call)
    assert caption_of(call).startswith("Women for Dignity Network (WDN)")
    env.fake.mark()
    env.fake.user_clicks(asked.response["result"], f"c:{ids['wnn']}", user_id=USER)
    nothing = await env.fake.wait_for("sendMessage", chat_id=USER)
    assert text_of(nothing) == (
        "There are no stored statements signed by “Women Now Network” yet, so there is nothing to chart."
    )


async def test_unknown_and_empty_organisations_get_a_sentence(env: Env) -> None:
    unknown = await env.ask("/chart Qqqzzx Xyzzy", method="sendMessage")
    assert "I couldn't find an organisation called “Qqqzzx Xyzzy”" in text_of(unknown)
    lonely = await env.ask("/chart Lonely Group", method="sendMessage")
    assert "no stored statements signed by “Lonely Group”" in text_of(lonely)
    assert not [c for c in env.fake.calls if c.method == "sendPhoto"]


async def test_no_statements_stored_says_so(tmp_path: Path) -> None:
    async with running(tmp_path, history=False) as empty:
        reply = await empty.ask("/chart", method="sendMessage")
        assert text_of(reply) == "No statements are stored yet, so there is nothing to chart."
        reply = await empty.ask("/chart", lang="ar", method="sendMessage")
        assert text_of(reply) == "لا توجد بيانات محفوظة بعد، فلا رسم بيانياً."


async def test_without_the_extra_the_bot_says_so_politely(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bidi", None)
    reply = await env.ask("/chart LIJ", method="sendMessage")
    assert text_of(reply) == "Charts are not installed on this Bayan (the optional extra bayan[charts])."


async def test_other_commands_are_answered_while_a_chart_is_drawn(env: Env) -> None:
    """/chart runs as a task and draws in a thread: the loop keeps answering."""
    env.fake.mark()
    env.fake.user_sends("/chart", user_id=USER)
    env.fake.user_sends("/help", user_id=USER + 1)
    help_reply = await env.fake.wait_for("sendMessage", timeout=20.0, chat_id=USER + 1)
    photo = await env.fake.wait_for("sendPhoto", timeout=20.0, chat_id=USER)
    assert help_reply.at < photo.at
