"""What every Telegram handler shares: ``Req`` (the chat's language, forum thread, admin checks, replies),
``Spec`` (a command and the checks run before it), ``BotDeps`` (what the composition root hands in), the
per-user query rate limit, the argument checks, the chat-administrator cache (``ChatAdmins``: in groups
only a chat's administrators change its subscriptions and language) and the open name prompts.

Every reply of an Arabic message passes through ``render.isolate_html``: /commands, ids and dates inside
Arabic text keep their left-to-right order. Arguments users type lose their bidi control characters.

The handlers themselves live in ``routes`` (/start, /help, /lang and the routing), ``queries``,
``subscriptions`` and ``admin``; all of them import this module and it imports none of them. Handlers stay
thin: parse → storage/orgs → reply with a render (Telegram-HTML, escaped, ≤ 4096, previews off). Never
broadcasts (the outbox does) and holds no SQL (bot.storage does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple, cast

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot import orgs, storage
from bot.models import Org, PollResult, Source, SourceHealth, utcnow
from bot.tg import i18n, render

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
Markup = InlineKeyboardMarkup | ForceReply | None
MAX_ARG = 200  # characters of a command's argument text
PROMPT_TTL = timedelta(minutes=10)  # how long "send me an organisation's name" waits for the answer
ADMIN_TTL = 60.0  # seconds a getChatMember answer (is this user a chat administrator?) is reused
GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
STATE_KEY = "bayan"  # the key of the bot's State in PTB's bot_data
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def rtl_line(html_line: str, lang: str) -> str:
    """A line of an Arabic message that starts with Latin (a /command): prefixed with RLM."""
    return i18n.RLM + html_line if i18n.norm_lang(lang) == "ar" else html_line


def button(label: str, data: str) -> InlineKeyboardButton:
    """An inline button: plain label (≤ 60 chars); callback_data made of ids, ≤ 64 bytes (checked)."""
    assert len(data.encode()) <= 64, data
    return InlineKeyboardButton(render.shorten(label, 60), callback_data=data)


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
    health: Callable[[], Mapping[str, SourceHealth]] = (
        dict  # health the database refused (PollContext.health)
    )
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


class ChatAdmins:
    """Is a user an administrator (or the creator) of a chat? getChatMember, each answer kept ``ttl`` s.

    A failed getChatMember counts as "no" and is not kept (the next press asks again)."""

    def __init__(self, ttl: float = ADMIN_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}  # (chat, user) → (admin, until)

    async def check(self, bot: Any, chat_id: int, user_id: int) -> bool:
        now = self.clock()
        known = self._known.get((chat_id, user_id))
        if known is not None and known[1] > now:
            return known[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as error:
            log.warning("getChatMember chat=%s user=%s failed: %s", chat_id, user_id, error)
            return False
        admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
        if len(self._known) > 10_000:
            self._known = {k: v for k, v in self._known.items() if v[1] > now}
        self._known[(chat_id, user_id)] = (admin, now + self.ttl)
        return admin


class Prompt(NamedTuple):
    """An open question the bot asked one user: the bot's message that asked it, and until when.
    ``answer``: what the reply's text is for (None: an organisation's name, ``State.on_name``);
    ``expired``: the i18n key said to a late answer."""

    message_id: int
    expires: datetime
    answer: Callable[[Req, str], Awaitable[None]] | None = None
    expired: str = "prompt_expired"


ClickFn = Callable[["Req", list[str]], Awaitable[None]]


class Click(NamedTuple):
    """What an inline button's callback prefix runs, whether the rate limit counts it, and whether in
    groups only the chat's administrators may press it."""

    fn: ClickFn
    counted: bool
    chat_admin: bool = False


@dataclass
class State:
    """The bot's shared state in PTB's bot_data: dependencies, rate limiter, handlers, open prompts."""

    deps: BotDeps
    limiter: RateLimiter
    handlers: dict[str, Handler] = field(default_factory=dict)  # command → wrapped handler
    clicks: dict[str, Click] = field(default_factory=dict)  # callback prefix → what it runs
    prompts: dict[tuple[int, int], Prompt] = field(default_factory=dict)  # (chat, user) → open question
    on_name: Callable[[Req], Awaitable[None]] | None = None  # the answer to an org-name prompt
    chat_admins: ChatAdmins = field(default_factory=ChatAdmins)
    error_alert_at: float | None = None  # monotonic time of the last "a command failed" admin alert


def state_of(context: Context) -> State:
    return cast(State, context.bot_data[STATE_KEY])


@dataclass
class Req:
    """One command or button press: where it came from, who sent it, which language to answer in."""

    state: State
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

    @property
    def user_language(self) -> str | None:
        """The sender's Telegram language as "ar"/"en" (None when Telegram gave none)."""
        code = self.user.language_code if self.user else None
        return i18n.norm_lang(code) if code else None

    async def manages_chat(self) -> bool:
        """May the sender change this chat's subscriptions and language? Private chats and channels: yes;
        groups and supergroups: its administrators only (an anonymous admin posts as the group itself)."""
        chat = self.message.chat
        if chat.type not in GROUPS:
            return True
        sender_chat = self.message.sender_chat if self.query is None else None
        if sender_chat is not None and sender_chat.id == chat.id:
            return True
        if self.user is None:
            return False
        return await self.state.chat_admins.check(self.message.get_bot(), chat.id, self.user.id)

    def outgoing(self, text: str, limit: int = render.LIMIT) -> str:
        """``text`` as sent: in Arabic, /commands, ids and dates isolated (unless that overflows)."""
        if self.lang != "ar":
            return text
        isolated = render.isolate_html(text)
        return isolated if render.tg_len(isolated) <= limit else text

    async def reply(self, text: str, markup: Markup = None) -> Message:
        """Send ``text`` (Telegram-HTML) to the same chat and forum thread."""
        return await self.message.reply_text(
            self.outgoing(text),
            parse_mode=ParseMode.HTML,
            link_preview_options=_NO_PREVIEW,
            reply_markup=markup,
        )

    async def photo(self, png: bytes, caption: str) -> Message:
        """Send a picture with a Telegram-HTML caption (≤ render.CAPTION_LIMIT) to the same chat and
        forum thread; "sending a photo…" shows in the chat meanwhile."""
        with contextlib.suppress(TelegramError):
            await self.message.get_bot().send_chat_action(
                self.chat_id, ChatAction.UPLOAD_PHOTO, message_thread_id=self.thread_id
            )
        return await self.message.reply_photo(
            png, caption=self.outgoing(caption, render.CAPTION_LIMIT), parse_mode=ParseMode.HTML
        )

    async def reply_all(self, chunks: Sequence[str], markup: Markup = None) -> None:
        for i, chunk in enumerate(chunks):
            await self.reply(chunk, markup if i == len(chunks) - 1 else None)

    async def edit(self, message: Message, text: str) -> None:
        """Replace the text of a message the bot sent ("polling…" → the report); a reply if that fails."""
        try:
            await message.edit_text(text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.warning(
                    "chat=%s: editing message %s failed (%s)", self.chat_id, message.message_id, error
                )
                await self.reply(text)

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was pressed; for a command, reply."""
        if self.query is None:
            await self.reply(text, markup)
            return
        try:
            await self.query.edit_message_text(
                self.outgoing(text),
                parse_mode=ParseMode.HTML,
                link_preview_options=_NO_PREVIEW,
                reply_markup=markup,
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


async def request_of(update: Update, context: Context) -> Req | None:
    """The Req of an update: language = the chat's /lang choice, else the user's, else the subscriber's,
    else Arabic; arguments without bidi control characters."""
    state, message, user = state_of(context), update.effective_message, update.effective_user
    if not isinstance(message, Message):
        return None
    chat = await state.deps.store.call(storage.get_chat, message.chat_id)
    lang = (
        (chat.language if chat else None)
        or (user.language_code if user else None)
        or (chat.subscriber_language if chat else None)
        or "ar"
    )
    args = [a for a in (i18n.strip_bidi(arg) for arg in context.args or []) if a]
    return Req(state, message, user, i18n.norm_lang(lang), args, update.callback_query)


# ───────────────────────────── command specs and checks ─────────────────────────────


@dataclass(frozen=True)
class Spec:
    """A command: its handler and the checks run before it (admin, chat admin, rate limit, argument)."""

    name: str
    fn: Callable[[Req], Awaitable[None]]
    needs_arg: bool = False
    admin: bool = False
    chat_admin: bool = False  # in groups: only the chat's administrators
    query: bool = False  # counted by the per-user rate limit
    block: bool = True  # False: runs as a task (long admin commands)


def usage_line(name: str, lang: str) -> str:
    return rtl_line(render.esc(i18n.usage(name, lang)), lang)


async def _admitted(req: Req, spec: Spec) -> bool:
    if spec.admin and not req.is_admin:
        await req.reply(i18n.t("admin_only", req.lang))
        return False
    if spec.chat_admin and not await req.manages_chat():
        await req.reply(i18n.t("group_admins_only", req.lang))
        return False
    if (spec.query and not await req.allowed()) or await req.too_long(spec.name):
        return False
    if spec.needs_arg and not req.text:
        await req.reply(i18n.t("missing_argument", req.lang, usage=i18n.usage(spec.name, req.lang)))
        return False
    return True


def wrap(spec: Spec) -> Handler:
    """The PTB callback of a command: the sender's open prompt closed, the Req built, the checks run, then
    the command."""

    async def handle(update: Update, context: Context) -> None:
        end_prompt(update, context)
        req = await request_of(update, context)
        if req is not None and await _admitted(req, spec):
            await spec.fn(req)

    handle.__doc__ = spec.fn.__doc__
    return handle


def end_prompt(update: Update, context: Context) -> None:
    """A command closes the sender's open name prompt in that chat."""
    message, user = update.effective_message, update.effective_user
    if message is not None and user is not None:
        state_of(context).prompts.pop((message.chat_id, user.id), None)


# ───────────────────────────── names users type ─────────────────────────────


def source_name(deps: BotDeps, source_id: str, lang: str) -> str:
    """A source's name in ``lang`` (feeds.yaml name / name_en), else its id."""
    src = deps.source(source_id)
    return src.display_name(lang) if src is not None else source_id


def org_label(org: Org, lang: str) -> str:
    """An organisation's name in ``lang``, with its first acronym."""
    name = org.display_name(lang)
    return f"{name} ({org.acronyms[0]})" if org.acronyms and org.acronyms[0] not in name else name


async def find_org(req: Req, name: str, action: str) -> int | None:
    """The org ``name`` means (resolved, or the clear winner of ``orgs.suggest``); otherwise "did you mean"
    buttons (``action:{id}``), or "not found" with a /search hint when no candidate is close enough."""
    index = await req.deps.org_index()
    match = orgs.resolve(name, index)
    if match.org_id is not None:
        return match.org_id
    suggestion = orgs.suggest(name, index)
    if suggestion.winner is not None:
        return suggestion.winner
    found = [await req.deps.store.call(storage.get_org, i) for i, _ in suggestion.candidates]
    labels = [(org.id, org_label(org, req.lang)) for org in found if org is not None]
    if not labels:
        await req.show(i18n.t("unknown_org", req.lang, name=name))
        return None
    markup = InlineKeyboardMarkup([[button(label, f"{action}:{org_id}")] for org_id, label in labels])
    await req.show(
        i18n.t("ambiguous_org", req.lang, name=name, options=[label for _, label in labels]), markup
    )
    return None


def ints(args: list[str], n: int) -> list[int] | None:
    """``n`` integer button arguments, else None (stale or forged callback_data)."""
    if len(args) != n or not all(a.isdecimal() and len(a) <= 12 for a in args):
        return None
    return [int(a) for a in args]
