"""Inbound Telegram: commands, inline buttons and membership changes, all registered here (``register``).

Owns the plumbing every handler shares — ``Req`` (the chat's language, forum thread, admin check, replies),
the per-user query rate limit, argument checks, the channel-post command router, the error handler — and
/start, /help, /lang. Subscriptions and queries live in ``commands_query``, admin commands in
``commands_admin``; both import this module, so ``register`` imports them when it runs. Handlers stay thin:
parse → storage/orgs → reply with an i18n/notify render (Telegram-HTML, escaped, ≤ 4096, previews off).
Never broadcasts (the outbox does) and holds no SQL (bot.storage does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n, notify, orgs, storage
from bot.models import PollResult, Source, utcnow

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
Markup = InlineKeyboardMarkup | ForceReply | None
MAX_ARG = 200  # characters of a command's argument text
PROMPT_TTL = timedelta(minutes=10)  # how long "send me an organisation's name" waits for the answer
_STATE = "bayan"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_CHANNEL_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+(.*))?", re.S)


def rtl_line(html_line: str, lang: str) -> str:
    """A line of an Arabic message that starts with Latin (a /command): prefixed with RLM."""
    return i18n.RLM + html_line if i18n.norm_lang(lang) == "ar" else html_line


def button(label: str, data: str) -> InlineKeyboardButton:
    """An inline button: plain label (≤ 60 chars); callback_data made of ids, ≤ 64 bytes (checked)."""
    assert len(data.encode()) <= 64, data
    return InlineKeyboardButton(notify.shorten(label, 60), callback_data=data)


@dataclass
class BotDeps:
    """What the handlers need, built by the composition root."""

    store: storage.Store
    admins: frozenset[int]
    org_index: Callable[[], Awaitable[orgs.OrgIndex]]  # cached OrgIndex of storage.org_index_entries
    poll_now: Callable[[str | None], Awaitable[list[PollResult]]]  # returns once the pushes are done
    reload: Callable[[], Awaitable[str]]  # re-reads feeds.yaml; returns a summary; raises ConfigError
    sources: Callable[[], list[Source]]
    wake: asyncio.Event  # set after creating deliveries
    now: Callable[[], datetime] = utcnow
    rate: int = 10  # queries per user …
    rate_window: float = 60.0  # … per this many seconds

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources() if s.id == source_id), None)


class RateLimiter:
    """Token bucket per key: ``rate`` queries per ``window`` seconds; "warn" once when a key runs dry."""

    def __init__(self, rate: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.window, self.clock = max(1, rate), window, clock
        self._buckets: dict[int, tuple[float, float, bool]] = {}  # key → (tokens, at, warned)

    def check(self, key: int) -> Literal["ok", "warn", "silent"]:
        now = self.clock()
        tokens, at, warned = self._buckets.get(key, (float(self.rate), now, False))
        tokens = min(float(self.rate), tokens + (now - at) * self.rate / self.window)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now, False)
            return "ok"
        self._buckets[key] = (tokens, now, True)
        return "silent" if warned else "warn"


ClickFn = Callable[["Req", list[str]], Awaitable[None]]


@dataclass
class _State:
    deps: BotDeps
    limiter: RateLimiter
    handlers: dict[str, Handler] = field(default_factory=dict)  # command → wrapped handler
    clicks: dict[str, tuple[ClickFn, bool]] = field(default_factory=dict)  # prefix → (fn, rate-limited)
    prompts: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (chat, user) → expiry
    on_name: Callable[[Req], Awaitable[None]] | None = None  # the answer to an org-name prompt


def _state(context: Context) -> _State:
    return cast(_State, context.bot_data[_STATE])


@dataclass
class Req:
    """One command or button press: where it came from, who sent it, which language to answer in."""

    state: _State
    message: Message  # the command message, or the message carrying the pressed button
    user: User | None
    lang: str
    args: list[str] = field(default_factory=list)
    query: CallbackQuery | None = None

    @property
    def deps(self) -> BotDeps:
        return self.state.deps

    @property
    def chat_id(self) -> int:
        return self.message.chat_id

    @property
    def thread_id(self) -> int | None:
        return self.message.message_thread_id if self.message.is_topic_message else None

    @property
    def text(self) -> str:
        return " ".join(self.args).strip()

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.id in self.deps.admins

    async def reply(self, text: str, markup: Markup = None) -> Message:
        """Send ``text`` (Telegram-HTML) to the same chat and forum thread."""
        return await self.message.reply_text(
            text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW, reply_markup=markup
        )

    async def reply_all(self, chunks: Sequence[str], markup: Markup = None) -> None:
        for i, chunk in enumerate(chunks):
            await self.reply(chunk, markup if i == len(chunks) - 1 else None)

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was pressed; for a command, reply."""
        if self.query is None:
            await self.reply(text, markup)
            return
        try:
            await self.query.edit_message_text(
                text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW, reply_markup=markup
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise

    async def allowed(self) -> bool:
        """The per-user query rate limit (channels: per chat); the first refusal is said, later ones not."""
        verdict = self.state.limiter.check(self.user.id if self.user else self.chat_id)
        if verdict == "warn":
            await self.reply(i18n.t("rate_limited", self.lang))
        return verdict == "ok"

    async def too_long(self, name: str) -> bool:
        """Over MAX_ARG characters: say so with the usage line."""
        if len(self.text) <= MAX_ARG:
            return False
        await self.reply(
            i18n.t("argument_too_long", self.lang, max=MAX_ARG) + "\n" + usage_line(name, self.lang)
        )
        return True


async def _request(update: Update, context: Context) -> Req | None:
    """The Req of an update: language = the chat's stored one, else the user's, else Arabic."""
    state, message, user = _state(context), update.effective_message, update.effective_user
    if not isinstance(message, Message):
        return None
    chat = await state.deps.store.call(storage.get_chat, message.chat_id)
    lang = (chat.language if chat else None) or (user.language_code if user else None) or "ar"
    return Req(state, message, user, i18n.norm_lang(lang), list(context.args or []), update.callback_query)


# ───────────────────────────── command specs and checks ─────────────────────────────


@dataclass(frozen=True)
class Spec:
    """A command: its handler and the checks run before it (admin, rate limit, argument)."""

    name: str
    fn: Callable[[Req], Awaitable[None]]
    needs_arg: bool = False
    admin: bool = False
    query: bool = False  # counted by the per-user rate limit
    block: bool = True  # False: runs as a task (long admin commands)


def usage_line(name: str, lang: str) -> str:
    return rtl_line(notify.esc(i18n.usage(name, lang)), lang)


async def _admitted(req: Req, spec: Spec) -> bool:
    if spec.admin and not req.is_admin:
        await req.reply(i18n.t("admin_only", req.lang))
        return False
    if (spec.query and not await req.allowed()) or await req.too_long(spec.name):
        return False
    if spec.needs_arg and not req.text:
        await req.reply(i18n.t("missing_argument", req.lang, usage=i18n.usage(spec.name, req.lang)))
        return False
    return True


def _handler(spec: Spec) -> Handler:
    async def handle(update: Update, context: Context) -> None:
        req = await _request(update, context)
        if req is not None and await _admitted(req, spec):
            await spec.fn(req)

    handle.__doc__ = spec.fn.__doc__
    return handle


# ───────────────────────────── chat commands ─────────────────────────────


async def start(req: Req) -> None:
    """/start: introduction and the command list; remembers the chat."""
    chat, now = req.message.chat, req.deps.now()
    await req.deps.store.call(storage.upsert_chat, chat.id, now=now, title=chat.title, type=chat.type)
    await req.reply(i18n.t("start", req.lang))


async def help_(req: Req) -> None:
    """/help: every command (the admin ones too, for admins)."""
    await req.reply(i18n.t("help_admin" if req.is_admin else "help", req.lang))


async def lang(req: Req) -> None:
    """/lang ar|en: the language of this chat's replies and pushes."""
    code = req.text.lower()
    if code not in ("ar", "en"):
        await req.reply(i18n.t("lang_usage", req.lang))
        return
    await req.deps.store.call(storage.upsert_chat, req.chat_id, now=req.deps.now(), language=code)
    await req.reply(i18n.t("lang_set", code))


SPECS: tuple[Spec, ...] = (Spec("start", start), Spec("help", help_), Spec("lang", lang))


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
    named, ours = _addressed(message.text, context.bot)
    if ours or (not named and message.chat.type == ChatType.PRIVATE):
        req = await _request(update, context)
        if req is not None:
            await req.reply(i18n.t("unknown_command", req.lang))


async def _channel_command(update: Update, context: Context) -> None:
    """A command posted in a channel where the bot is an admin (CommandHandler sees only messages)."""
    message = update.effective_message
    found = _CHANNEL_COMMAND.fullmatch(message.text or "") if message else None
    if found is None or (found[2] and found[2].lower() != (context.bot.username or "").lower()):
        return
    context.args = (found[3] or "").split()
    handler = _state(context).handlers.get(found[1].lower())
    await (handler or _unknown_command)(update, context)


async def _plain_text(update: Update, context: Context) -> None:
    """A plain message: the organisation name the sender was asked for ("an organisation…" button)."""
    state, message, user = _state(context), update.effective_message, update.effective_user
    if message is None or user is None or not message.text or state.on_name is None:
        return
    expiry = state.prompts.pop((message.chat_id, user.id), None)
    if expiry is None or expiry < state.deps.now():
        return
    context.args = message.text.split()
    req = await _request(update, context)
    if req is not None and not await req.too_long("subscribe"):
        await state.on_name(req)


async def _on_click(update: Update, context: Context) -> None:
    """Inline buttons: callback_data is "prefix:arg…" (ids only, ≤ 64 bytes)."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    prefix, _, rest = (query.data or "").partition(":")
    entry = _state(context).clicks.get(prefix)
    req = await _request(update, context) if entry else None
    if entry is None or req is None or (entry[1] and not await req.allowed()):
        return
    await entry[0](req, rest.split(":") if rest else [])


async def _member_changed(update: Update, context: Context) -> None:
    """The bot was added to, promoted in, or removed from a chat: keep chats.active in step."""
    change, deps = update.my_chat_member, _state(context).deps
    if change is None:
        return
    chat, status = change.chat, change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await deps.store.call(storage.deactivate_chat, chat.id, f"bot {status}")
    elif status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
        await deps.store.call(storage.upsert_chat, chat.id, now=deps.now(), title=chat.title, type=chat.type)


async def _on_error(update: object, context: Context) -> None:
    """Log first (with the traceback), then apologise politely: never a stack trace to the user."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    user = update.effective_user
    lang = i18n.norm_lang(user.language_code if user and user.language_code else "ar")
    with contextlib.suppress(TelegramError):
        await update.effective_message.reply_text(i18n.t("internal_error", lang), parse_mode=ParseMode.HTML)


def register(app: AnyApp, deps: BotDeps) -> None:
    """Every handler of the bot, and one error handler."""
    from bot import commands_admin, commands_query  # they import this module: not at the top

    specs = (*SPECS, *commands_query.SPECS, *commands_admin.SPECS)
    state = _State(deps, RateLimiter(deps.rate, deps.rate_window), on_name=commands_query.on_org_name)
    state.handlers = {spec.name: _handler(spec) for spec in specs}
    state.clicks = dict(commands_query.CLICKS)
    app.bot_data[_STATE] = state
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


async def publish_commands(bot: Bot) -> None:
    """setMyCommands: the English list as the default, the Arabic one for Arabic-UI clients."""
    await bot.set_my_commands([BotCommand(n, d) for n, d in i18n.command_descriptions("en")])
    await bot.set_my_commands(
        [BotCommand(n, d) for n, d in i18n.command_descriptions("ar")], language_code="ar"
    )
