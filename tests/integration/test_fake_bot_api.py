"""The fake Telegram Bot API against the real python-telegram-bot client over loopback HTTP.

Each test drives PTB 22 (``ApplicationBuilder().base_url(fake.base_url)``) or raw aiohttp requests and waits
on the fake's events (``wait_for``/``wait_for_count``), never on sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes import FakeBotAPI, parse_html, utf16_len
from tests.helpers import eventually

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def build_app(fake: FakeBotAPI, limiter: AIORateLimiter | None = None, token: str | None = None) -> AnyApp:
    builder = (
        ApplicationBuilder()
        .token(token or fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .job_queue(None)
    )
    if limiter is not None:
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]  # PTB generics: RLARGS=None
    return builder.build()


@contextlib.asynccontextmanager
async def polling(app: AnyApp, **kwargs: Any) -> AsyncIterator[AnyApp]:
    """The lifecycle bayan's app.py runs by hand (docs/libraries.md, python-telegram-bot)."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(**kwargs)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def api(http: aiohttp.ClientSession, fake: FakeBotAPI, method: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.post(f"{fake.base_url}{fake.token}/{method}", **kwargs) as response:
        return response.status, await response.json()


# ----------------------------------------------------------------------------------------------- PTB basics


async def test_initialize_gets_me(fake: FakeBotAPI) -> None:
    async with build_app(fake) as app:
        assert app.bot.username == fake.username
        assert app.bot.id == 123456
    assert [call.method for call in fake.calls] == ["getMe"]


async def test_wrong_token_is_invalid_token(fake: FakeBotAPI) -> None:
    bot = build_app(fake, token="999:WRONG").bot
    with pytest.raises(InvalidToken):
        async with bot:  # shuts its HTTP clients down when initialize() fails
            pass
    assert fake.calls == []


async def test_start_command_is_answered_in_private_chat(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(
            f"أهلاً <b>{update.effective_user.id}</b>", parse_mode="HTML"
        )

    app = build_app(fake)
    app.add_handler(CommandHandler("start", start))
    async with polling(app, timeout=5):
        update = fake.user_sends("/start", user_id=42)
        call = await fake.wait_for("sendMessage", chat_id=42)
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert call.ok and call.params["parse_mode"] == "HTML"
    assert fake.sent(42) == [call.params]
    [message] = fake.messages[42]
    assert message["text"] == "أهلاً 42"
    assert message["entities"] == [{"type": "bold", "offset": 6, "length": 2}]
    assert message["from"]["is_bot"] is True and message["chat"]["type"] == "private"


async def test_group_command_with_botname_and_topic(fake: FakeBotAPI) -> None:
    seen: list[tuple[int, int | None]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        seen.append((message.chat_id, message.message_thread_id))
        await message.reply_text("hi", do_quote=False)

    app = build_app(fake)
    app.add_handler(CommandHandler("start", start))
    async with polling(app, timeout=5):
        update = fake.user_sends(
            f"/start@{fake.username} x",
            user_id=7,
            chat_id=-1001234567890,
            chat_type="supergroup",
            thread_id=5,
        )
        call = await fake.wait_for("sendMessage", chat_id=-1001234567890)
    assert update["message"]["entities"][0]["length"] == len("/start@bayan_test_bot")
    assert seen == [(-1001234567890, 5)]
    assert call.params["message_thread_id"] == 5
    assert fake.messages[-1001234567890][0]["chat"]["type"] == "supergroup"


async def test_updates_are_confirmed_and_not_redelivered(fake: FakeBotAPI) -> None:
    texts: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        texts.append(update.effective_message.text)
        await update.effective_message.reply_text("ok")

    app = build_app(fake)
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with polling(app, timeout=5):
        fake.user_sends("one", user_id=5)
        fake.user_sends("two", user_id=5)
        await fake.wait_for_count("sendMessage", 2, chat_id=5)
    async with polling(build_app(fake), timeout=0):  # a restart must not see them again
        await fake.wait_for("getUpdates")
    assert texts == ["one", "two"]
    assert fake.pending_updates == []
    assert fake.conflicts == 0  # PTB's extra getUpdates on stop() replaces its own abandoned poll


# ------------------------------------------------------------------------------------------ send validation


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("line<br>next", 'unsupported start tag "br" at byte offset 4'),
        ("<b>bold", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "unexpected end tag"),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("a&nbsp;b", 'unsupported html entity "&nbsp;"'),
        ('<span class="x">s</span>', "must have class"),
        ("<p>para</p>", 'unsupported start tag "p"'),
    ],
)
async def test_bad_html_is_bad_request(fake: FakeBotAPI, text: str, error: str) -> None:
    async with build_app(fake) as app:
        with pytest.raises(BadRequest, match=r"(?i)^can't parse entities: ") as caught:
            await app.bot.send_message(42, text, parse_mode=ParseMode.HTML)
    assert error in caught.value.message.lower()
    assert fake.sent(42) == [] and len(fake.sent(42, include_failed=True)) == 1


async def test_allowed_html_is_accepted(fake: FakeBotAPI) -> None:
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>"
        '<span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler><a href="https://x.org/?a=1&amp;b=2">a</a>'
        '<code>c</code><pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#39;&#x41; AT&T'
    )
    async with build_app(fake) as app:
        message = await app.bot.send_message(42, html, parse_mode=ParseMode.HTML)
    assert message.text.endswith("👍 <>&\"'A AT&T")
    kinds = [entity.type for entity in message.entities]
    assert "expandable_blockquote" in kinds and "custom_emoji" in kinds and kinds.count("bold") == 2
    link = next(entity for entity in message.entities if entity.type == "text_link")
    assert link.url == "https://x.org/?a=1&b=2"
    pre = next(entity for entity in message.entities if entity.type == "pre")
    assert pre.language == "python"


async def test_length_is_counted_in_utf16_after_entity_parsing(fake: FakeBotAPI) -> None:
    async with build_app(fake) as app:
        await app.bot.send_message(42, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
        await app.bot.send_message(42, "ب" * 4096)
        await app.bot.send_message(42, "😀" * 2048)
        with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
            await app.bot.send_message(42, "😀" * 2048 + "x")
        with pytest.raises(BadRequest, match=r"(?i)^message text is empty$"):
            await app.bot.send_message(42, "<b> </b>\n", parse_mode=ParseMode.HTML)
    assert len(fake.messages[42]) == 3
    assert utf16_len("😀ب") == 3


def test_parse_html_offsets_are_utf16() -> None:
    text, entities = parse_html("😀 <i>مرحبا</i> <a href='https://e.org'>e</a>")
    assert text == "😀 مرحبا e"
    assert entities == [
        {"type": "italic", "offset": 3, "length": 5},
        {"type": "text_link", "offset": 9, "length": 1, "url": "https://e.org"},
    ]


async def test_unknown_chat_is_chat_not_found(fake: FakeBotAPI) -> None:
    fake.unknown_chat(-555)
    async with build_app(fake) as app:
        with pytest.raises(BadRequest, match=r"(?i)^chat not found$"):
            await app.bot.send_message(-555, "x")
        chat = await app.bot.get_chat(42)
        await app.bot.send_chat_action(42, "typing")
    assert chat.type == "private" and chat.id == 42


# -------------------------------------------------------------------------------------- failures on demand


async def test_flood_is_retried_by_the_rate_limiter(fake: FakeBotAPI) -> None:
    fake.flood("sendMessage", retry_after=1)
    async with build_app(fake, AIORateLimiter(max_retries=3)) as app:
        message = await app.bot.send_message(42, "hi")
    calls = await fake.wait_for_count("sendMessage", 2, chat_id=42)
    assert [call.status for call in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert message.text == "hi" and len(fake.sent(42)) == 1


async def test_flood_without_retries_is_retry_after(fake: FakeBotAPI) -> None:
    fake.flood("sendMessage", retry_after=7)
    async with build_app(fake) as app:
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(42, "hi")
    assert caught.value.retry_after.total_seconds() == 7  # type: ignore[union-attr]
    assert fake.calls[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_block_and_kick_are_forbidden(fake: FakeBotAPI) -> None:
    fake.block(42)
    fake.kick(-77)
    async with build_app(fake) as app:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(42, "x")
        with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
            await app.bot.send_message(-77, "x")
        fake.unblock(42)
        await app.bot.send_message(42, "back")


async def test_migrate_raises_chat_migrated(fake: FakeBotAPI) -> None:
    fake.migrate(-77, -1000000000077)
    async with build_app(fake) as app:
        with pytest.raises(ChatMigrated) as caught:
            await app.bot.send_message(-77, "x")
        message = await app.bot.send_message(caught.value.new_chat_id, "x")
    assert caught.value.new_chat_id == -1000000000077
    assert message.chat.type == "supergroup"


async def test_fail_parse_and_fail_next(fake: FakeBotAPI) -> None:
    fake.fail_parse()
    fake.fail_next("sendMessage", 500, "Internal Server Error", when=lambda params: params["chat_id"] == 43)
    async with build_app(fake) as app:
        with pytest.raises(BadRequest, match=r"(?i)^can't parse entities"):
            await app.bot.send_message(42, "<b>fine</b>", parse_mode=ParseMode.HTML)
        await app.bot.send_message(42, "<b>fine</b>", parse_mode=ParseMode.HTML)
        await app.bot.send_message(44, "not matched")
        with pytest.raises(Exception, match="Internal Server Error"):
            await app.bot.send_message(43, "x")
        await app.bot.send_message(43, "x")
    assert [call.status for call in fake.calls[1:]] == [400, 200, 200, 500, 200]


# ------------------------------------------------------------------------------------ buttons and commands


async def test_callback_button_reaches_handler_and_is_answered(fake: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("التالي", callback_data="o:1:2")]])

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("page 1", reply_markup=keyboard)

    async def page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data == "o:1:2" and query.chat_instance
        await query.answer()
        await query.edit_message_text("page 2")

    app = build_app(fake)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(page, pattern=r"^o:\d+:\d+$"))
    async with polling(app, timeout=5):
        fake.user_sends("/start", user_id=42)
        await fake.wait_for("sendMessage", chat_id=42)
        update = fake.user_clicks(fake.messages[42][-1], "o:1:2")
        answer = await fake.wait_for("answerCallbackQuery")
        await fake.wait_for("editMessageText", chat_id=42, text="page 2")
        with pytest.raises(BadRequest, match=r"(?i)^query is too old"):
            await app.bot.answer_callback_query(update["callback_query"]["id"])
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    assert fake.messages[42][-1]["text"] == "page 2" and "reply_markup" not in fake.messages[42][-1]
    with pytest.raises(AssertionError, match="no button"):
        fake.user_clicks(fake.messages[42][-1], "o:1:2")


async def test_edit_without_change_is_not_modified(fake: FakeBotAPI) -> None:
    async with build_app(fake) as app:
        message = await app.bot.send_message(42, "same")
        with pytest.raises(BadRequest, match=r"(?i)^message is not modified"):
            await app.bot.edit_message_text("same", chat_id=42, message_id=message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)^message to edit not found"):
            await app.bot.edit_message_text("x", chat_id=42, message_id=999)


async def test_set_my_commands_per_language_and_scope(fake: FakeBotAPI) -> None:
    async with build_app(fake) as app:
        await app.bot.set_my_commands([BotCommand("start", "Start")])
        await app.bot.set_my_commands([BotCommand("start", "ابدأ")], language_code="ar")
        await app.bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeAllPrivateChats())
        arabic = await app.bot.get_my_commands(language_code="ar")
        with pytest.raises(BadRequest):
            await app.bot.set_my_commands([BotCommand("منظمة", "x")])
    assert fake.commands_for("ar") == [{"command": "start", "description": "ابدأ"}]
    assert fake.commands_for() == [{"command": "start", "description": "Start"}]
    assert fake.commands_for(scope="all_private_chats") == [{"command": "help", "description": "Help"}]
    assert [command.description for command in arabic] == ["ابدأ"]


async def test_unknown_method_is_404_and_recorded(fake: FakeBotAPI) -> None:
    async with build_app(fake) as app:
        with pytest.raises(EndPointNotFound):
            await app.bot.do_api_request("frobnicateChat", api_kwargs={"chat_id": 1})
    assert [call.method for call in fake.unhandled] == ["frobnicateChat"]
    assert fake.unhandled[0].params == {"chat_id": 1}
    assert fake.unhandled[0].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


async def test_member_update_and_channel_post_reach_handlers(fake: FakeBotAPI) -> None:
    statuses: list[str] = []
    posts: list[str] = []

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        statuses.append(update.my_chat_member.new_chat_member.status)

    async def post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.channel_post is not None and update.channel_post.text is not None
        posts.append(update.channel_post.text)

    app = build_app(fake)
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POST, post))
    async with polling(app, timeout=5, allowed_updates=["message", "my_chat_member", "channel_post"]):
        fake.member_update(-77, "administrator")
        fake.member_update(42, "kicked")
        fake.channel_post(-1009999, "بيان")
        await eventually(lambda: len(statuses) == 2 and posts)
        with pytest.raises(Forbidden, match="blocked"):
            await app.bot.send_message(42, "x")
    assert statuses == ["administrator", "kicked"] and posts == ["بيان"]


# ----------------------------------------------------------------------------------- long poll mechanics


async def test_idle_polling_does_not_spin(fake: FakeBotAPI) -> None:
    async with polling(build_app(fake), timeout=1, poll_interval=0):
        fake.mark()
        first, second = await fake.wait_for_count("getUpdates", 2, timeout=5)
        polls = [call for call in fake.calls if call.method == "getUpdates"]
    assert second.at - first.at >= 0.9
    assert len(polls) < 10


async def test_long_poll_wakes_on_injection_and_offset_confirms(
    fake: FakeBotAPI, http: aiohttp.ClientSession
) -> None:
    started = time.monotonic()
    pending = asyncio.create_task(api(http, fake, "getUpdates", data={"timeout": "30"}))
    await eventually(lambda: fake.polling)
    update = fake.user_sends("hello", user_id=9)
    status, body = await asyncio.wait_for(pending, 5)
    assert status == 200 and body["result"] == [update] and time.monotonic() - started < 5
    assert update["message"]["from"] == {
        "id": 9,
        "is_bot": False,
        "first_name": "User 9",
        "username": "user9",
        "language_code": "en",
    }
    offset = update["update_id"] + 1
    status, body = await api(http, fake, "getUpdates", data={"offset": str(offset), "timeout": "0"})
    assert (status, body["result"]) == (200, [])


async def test_second_poller_gets_conflict(fake: FakeBotAPI, http: aiohttp.ClientSession) -> None:
    first = asyncio.create_task(api(http, fake, "getUpdates", json={"timeout": 30}))
    await eventually(lambda: fake.polling)
    status, body = await api(http, fake, "getUpdates", json={"timeout": 0})
    assert (status, body["result"]) == (200, [])
    status, body = await asyncio.wait_for(first, 5)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates")
    assert fake.conflicts == 1


async def test_allowed_updates_and_limit(fake: FakeBotAPI, http: aiohttp.ClientSession) -> None:
    fake.member_update(-77, "member")
    for n in range(3):
        fake.user_sends(f"m{n}")
    status, body = await api(http, fake, "getUpdates", data={"allowed_updates": '["message"]', "limit": "2"})
    assert status == 200 and [u["message"]["text"] for u in body["result"]] == ["m0", "m1"]


async def test_stop_wakes_pending_poll() -> None:
    server = await FakeBotAPI().start()
    async with aiohttp.ClientSession() as http:
        pending = asyncio.create_task(api(http, server, "getUpdates", data={"timeout": "60"}))
        await eventually(lambda: server.polling)
        started = time.monotonic()
        await server.stop()
        status, body = await asyncio.wait_for(pending, 5)
    assert time.monotonic() - started < 2
    assert (status, body["result"]) == (200, [])


async def test_params_are_decoded_from_forms_multipart_json_and_query(
    fake: FakeBotAPI, http: aiohttp.ClientSession
) -> None:
    markup = '{"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]}'
    await api(http, fake, "sendMessage", data={"chat_id": "42", "text": "123", "reply_markup": markup})
    form = aiohttp.FormData({"chat_id": "-77", "text": "true"})
    form.add_field("document", b"abc", filename="a.txt", content_type="text/plain")
    await api(http, fake, "sendMessage", data=form)
    await api(http, fake, "sendMessage", json={"chat_id": 43, "text": "json"})
    async with http.get(f"{fake.base_url}{fake.token}/sendMessage?chat_id=44&text=7") as response:
        assert response.status == 200
    params = [call.params for call in fake.calls]
    keyboard = {"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]}
    assert params[0] == {"chat_id": 42, "text": "123", "reply_markup": keyboard}
    assert params[1] == {
        "chat_id": -77,
        "text": "true",
        "document": {"filename": "a.txt", "content_type": "text/plain", "size": 3},
    }
    assert params[2:] == [{"chat_id": 43, "text": "json"}, {"chat_id": 44, "text": "7"}]
    assert fake.messages[42][0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "x"


async def test_wrong_token_is_401(fake: FakeBotAPI, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{fake.base_url}1:BAD/getMe") as response:
        assert response.status == 401
        assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_wait_for_lists_the_calls_it_saw(fake: FakeBotAPI) -> None:
    async with build_app(fake) as app:
        fake.mark()
        await app.bot.send_message(42, "to someone else")
        with pytest.raises(AssertionError, match=r"(?s)found 0.*sendMessage .*to someone else.* -> 200"):
            await fake.wait_for("sendMessage", timeout=0.2, chat_id=999)


# ------------------------------------------------------------------------------------------ process mode


@contextlib.asynccontextmanager
async def fake_process(token: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.fake_bot_api", "--port", "0", "--token", token,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        port = int((await asyncio.wait_for(process.stdout.readline(), 20)).decode())
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 10)


async def test_process_mode_serves_api_and_control(http: aiohttp.ClientSession) -> None:
    token = "777:PROC"
    async with fake_process(token) as (process, url):
        async with http.get(f"{url}/bot{token}/getMe") as response:
            assert (await response.json())["result"]["username"] == "bayan_test_bot"
        async with http.post(f"{url}/_fake/user_sends", json={"text": "/start", "user_id": 5}) as response:
            update = (await response.json())["result"]
        async with http.post(f"{url}/bot{token}/getUpdates", data={"timeout": "5"}) as response:
            assert (await response.json())["result"] == [update]
        async with http.post(f"{url}/_fake/block", json={"chat_id": 5}) as response:
            assert response.status == 200
        async with http.post(f"{url}/bot{token}/sendMessage", data={"chat_id": "5", "text": "x"}) as response:
            assert response.status == 403
        async with http.post(
            f"{url}/_fake/wait", json={"method": "sendMessage", "params": {"chat_id": 5}}
        ) as r:
            assert (await r.json())["result"][0]["status"] == 403
        async with http.post(f"{url}/_fake/wait", json={"method": "getChat", "timeout": 0.1}) as response:
            assert response.status == 408
        async with http.get(f"{url}/_fake/calls", params={"method": "sendMessage"}) as response:
            assert [c["params"]["text"] for c in (await response.json())["result"]] == ["x"]
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
