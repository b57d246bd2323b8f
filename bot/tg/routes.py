"""The bot's routes: every command, inline button and membership change is registered here (``register``).

Owns /start, /help and /lang (with its buttons), the channel-post command router, plain text (the answer
to an organisation-name prompt, else a /search hint in private chats), the inline-button dispatch, chat
membership and the error handler. The other commands come from ``queries``, ``charts``, ``subscriptions``,
``admin`` and ``review`` (their ``SPECS`` and ``CLICKS`` tables).

A name prompt is answered only by a reply to the prompt's message, from the user who pressed the button,
within ``PROMPT_TTL``; any command from that user in that chat closes it. A button's answerCallbackQuery
that fails (the query is too old: the bot was restarting or slow) does not stop the click. The error
handler says "the administrators were told" only when it queued them an alert.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot import storage
from bot.tg import admin, charts, i18n, queries, render, review, subscriptions
from bot.tg.handler import (
    STATE_KEY,
    AnyApp,
    BotDeps,
    Click,
    Context,
    RateLimiter,
    Req,
    Spec,
    State,
    button,
    end_prompt,
    request_of,
    state_of,
    wrap,
)

log = logging.getLogger(__name__)

_CHANNEL_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+(.*))?", re.S)
ERROR_ALERT_GAP = 600.0  # seconds: at most one "a command failed" alert to the admins per this


# ───────────────────────────── chat commands ─────────────────────────────


async def start(req: Req) -> None:
    """/start: introduction and the command list; remembers the chat."""
    chat, now = req.message.chat, req.deps.now()
    await req.deps.store.call(storage.upsert_chat, chat.id, now=now, title=chat.title, type=chat.type)
    await req.reply(i18n.t("start", req.lang))


async def help_(req: Req) -> None:
    """/help: every command (the admin ones too, for admins)."""
    await req.reply(i18n.t("help_admin" if req.is_admin else "help", req.lang))


def _lang_buttons() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(label, f"lang:{code}") for code, label in i18n.LANG_BUTTONS]])


async def _set_lang(req: Req, code: str) -> None:
    await req.deps.store.call(storage.upsert_chat, req.chat_id, now=req.deps.now(), language=code)
    req.lang = code
    await req.show(i18n.t("lang_set", code))


async def lang(req: Req) -> None:
    """/lang ar|en: the language of this chat's replies and pushes; without one (or another), buttons."""
    code = req.text.lower()
    if code not in ("ar", "en"):
        await req.reply(i18n.t("lang_usage", req.lang), _lang_buttons())
        return
    await _set_lang(req, code)


async def click_lang(req: Req, args: list[str]) -> None:
    if args in (["ar"], ["en"]):
        await _set_lang(req, args[0])


SPECS: tuple[Spec, ...] = (
    Spec("start", start),
    Spec("help", help_),
    Spec("lang", lang, chat_admin=True),
)
CLICKS: dict[str, Click] = {"lang": Click(click_lang, False, chat_admin=True)}


# ───────────────────────────── routing ─────────────────────────────


def _addressed(text: str, bot: Bot) -> tuple[bool, bool]:
    """(names a bot, names this bot) for a command's first word ("/cmd@name")."""
    target = text.split(maxsplit=1)[0].partition("@")[2] if text.strip() else ""
    return bool(target), target.lower() == (bot.username or "").lower()


async def _unknown_command(update: Update, context: Context) -> None:
    """Any other command: a hint to /help (in groups only when addressed to this bot)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    end_prompt(update, context)
    named, ours = _addressed(message.text, context.bot)
    if ours or (not named and message.chat.type == ChatType.PRIVATE):
        req = await request_of(update, context)
        if req is not None:
            await req.reply(i18n.t("unknown_command", req.lang))


async def _channel_command(update: Update, context: Context) -> None:
    """A command posted in a channel where the bot is an admin (CommandHandler sees only messages)."""
    message = update.effective_message
    found = _CHANNEL_COMMAND.fullmatch(message.text or "") if message else None
    if found is None or (found[2] and found[2].lower() != (context.bot.username or "").lower()):
        return
    context.args = (found[3] or "").split()
    handler = state_of(context).handlers.get(found[1].lower())
    await (handler or _unknown_command)(update, context)


_ECHO_MAX = 60  # characters of a plain message quoted back in the /search hint


async def _plain_text(update: Update, context: Context) -> None:
    """Every plain (non-command) message: a reply to the sender's open name prompt is the organisation's
    name; anything else, in a private chat, gets a hint with the /search command to send."""
    state, message, user = state_of(context), update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    prompt = state.prompts.get((message.chat_id, user.id))
    replied = message.reply_to_message
    if prompt is None or replied is None or replied.message_id != prompt.message_id:
        # not an answer (in a forum topic every message "replies" to the topic's first one)
        if message.chat.type == ChatType.PRIVATE:
            await _search_hint(update, context, message.text)
        return
    del state.prompts[(message.chat_id, user.id)]
    context.args = message.text.split()
    req = await request_of(update, context)
    if req is None:
        return
    if prompt.expires < state.deps.now():
        await req.reply(i18n.t(prompt.expired, req.lang))
    elif prompt.answer is not None:  # a question with its own answer (/review: a name, a list)
        await prompt.answer(req, i18n.strip_bidi(message.text))
    elif state.on_name is not None and await req.manages_chat() and not await req.too_long("subscribe"):
        await state.on_name(req)


async def _search_hint(update: Update, context: Context, text: str) -> None:
    """Plain text that answers nothing (private chats): the /search command that would look it up."""
    req = await request_of(update, context)
    if req is not None and await req.allowed():
        text = " ".join(text.split())
        text = text if len(text) <= _ECHO_MAX else text[: _ECHO_MAX - 1].rstrip() + "…"
        await req.reply(i18n.t("plain_text_hint", req.lang, text=text))


async def _answer(query: CallbackQuery, alert: str | None = None) -> bool:
    """answerCallbackQuery; False when Telegram refused it (a query too old): the click still counts."""
    try:
        await query.answer(alert, show_alert=alert is not None)
    except TelegramError as error:
        log.info("answerCallbackQuery failed (%s); the click is carried out anyway", error)
        return False
    return True


async def _on_click(update: Update, context: Context) -> None:
    """Inline buttons: callback_data is "prefix:arg…" (ids only, ≤ 64 bytes)."""
    query = update.callback_query
    if query is None:
        return
    prefix, _, rest = (query.data or "").partition(":")
    entry = state_of(context).clicks.get(prefix)
    req = await request_of(update, context) if entry else None
    if entry is not None and req is not None and entry.chat_admin and not await req.manages_chat():
        refusal = i18n.t("group_admins_only", req.lang)
        if not await _answer(query, render.plain(refusal)):
            await req.reply(refusal)  # the alert could not be shown
        return
    await _answer(query)
    if entry is None or req is None or (entry.counted and not await req.allowed()):
        return
    await entry.fn(req, rest.split(":") if rest else [])


async def _member_changed(update: Update, context: Context) -> None:
    """The bot was added to, promoted in, or removed from a chat: keep chats.active in step."""
    change, deps = update.my_chat_member, state_of(context).deps
    if change is None:
        return
    chat, status = change.chat, change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await deps.store.call(storage.deactivate_chat, chat.id, f"bot {status}")
    elif status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
        await deps.store.call(storage.upsert_chat, chat.id, now=deps.now(), title=chat.title, type=chat.type)


async def _alert_admins(update: Update, context: Context) -> bool:
    """Queue one alert per bot admin that a command failed (at most one per ERROR_ALERT_GAP); True when
    queued. The text names the command and the error's type only (details are in the log)."""
    state = state_of(context)
    now = time.monotonic()
    if not state.deps.admins or (
        state.error_alert_at is not None and now - state.error_alert_at < ERROR_ALERT_GAP
    ):
        return False
    message = update.effective_message
    words = (message.text or "").split() if message else []
    command = words[0] if words and words[0].startswith("/") else "a button"
    chat = update.effective_chat.id if update.effective_chat else "?"
    text = f"{command} failed in chat {chat}: {type(context.error).__name__} (details in the log)"
    for admin_id in sorted(state.deps.admins):
        await state.deps.store.call(storage.add_alert, admin_id, text, state.deps.now())
    state.error_alert_at = now
    state.deps.wake.set()
    return True


async def _on_error(update: object, context: Context) -> None:
    """Log first (with the traceback), then apologise politely: never a stack trace to the user; "the
    administrators were told" only when an alert to them was queued."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    user = update.effective_user
    lang = i18n.norm_lang(user.language_code if user and user.language_code else "ar")
    try:
        told = await _alert_admins(update, context)
    except Exception:  # the database may be what failed
        log.exception("could not queue the admin alert")
        told = False
    text = i18n.t("internal_error" if told else "internal_error_untold", lang)
    with contextlib.suppress(TelegramError):
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


def register(app: AnyApp, deps: BotDeps) -> None:
    """Every handler of the bot, and one error handler."""
    specs = (*SPECS, *queries.SPECS, *charts.SPECS, *subscriptions.SPECS, *admin.SPECS, *review.SPECS)
    state = State(deps, RateLimiter(deps.rate, deps.rate_window), on_name=subscriptions.on_org_name)
    state.handlers = {spec.name: wrap(spec) for spec in specs}
    state.clicks = {**CLICKS, **queries.CLICKS, **charts.CLICKS, **subscriptions.CLICKS, **review.CLICKS}
    app.bot_data[STATE_KEY] = state
    messages = filters.UpdateType.MESSAGE  # not edited messages; channel posts go through _channel_command
    for spec in specs:
        app.add_handler(
            CommandHandler(spec.name, state.handlers[spec.name], filters=messages, block=spec.block)
        )
    app.add_handler(MessageHandler(messages & filters.COMMAND, _unknown_command))
    app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POST & filters.Regex(r"^/"), _channel_command))
    app.add_handler(MessageHandler(messages & filters.TEXT & ~filters.COMMAND, _plain_text))
    app.add_handler(CallbackQueryHandler(_on_click))
    app.add_handler(ChatMemberHandler(_member_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(_on_error)


def _commands(lang: str, *, admin: bool = False) -> list[BotCommand]:
    found = i18n.command_descriptions(lang, admin=admin)
    return [BotCommand(n, render.isolate(d) if lang == "ar" else d) for n, d in found]


async def publish_commands(bot: Bot, admins: Iterable[int] = ()) -> None:
    """setMyCommands: the English list as the default, the Arabic one for Arabic-UI clients; in each
    admin's private chat (BotCommandScopeChat) the lists with the admin commands. An admin who never
    opened a chat with the bot is skipped (logged)."""
    await bot.set_my_commands(_commands("en"))
    await bot.set_my_commands(_commands("ar"), language_code="ar")
    for admin_id in sorted(admins):
        scope = BotCommandScopeChat(admin_id)
        try:
            await bot.set_my_commands(_commands("en", admin=True), scope=scope)
            await bot.set_my_commands(_commands("ar", admin=True), scope=scope, language_code="ar")
        except BadRequest as e:
            log.warning("admin %s: the admin command menu was not set (%s)", admin_id, e)
