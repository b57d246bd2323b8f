"""A fake Telegram Bot API server (aiohttp) that the real python-telegram-bot client talks to over loopback.

In-process use (tests)::

    async with FakeBotAPI() as fake:
        app = ApplicationBuilder().token(fake.token).base_url(fake.base_url)...build()
        fake.user_sends("/start", user_id=42)
        call = await fake.wait_for("sendMessage", chat_id=42)

As a process (acceptance tests): ``python -m tests.fakes.fake_bot_api --port 0 --token T`` prints its port as
the first stdout line and is driven through JSON control endpoints under ``/_fake/`` (see ``_control_post``).

Behaviour honoured for PTB (docs/libraries.md): a real long poll for ``getUpdates`` (offset confirmation
drops older updates, ``timeout``/``limit``/``allowed_updates``; a new poll answers a still pending one with
409 like Telegram), form-urlencoded/multipart/JSON bodies with JSON-encoded non-string params, private chat
id = user id, ``is_bot``, ``chat_instance``, dates in seconds, pending polls woken on stop and
``shutdown_timeout=0.5``. Telegram's validation without setup: HTML checked against the allowed tags, text
length counted in UTF-16 units after entity parsing, ``sendPhoto`` with an uploaded PNG/JPEG (its size read
from the file, the bytes kept in ``photos``, the caption ≤ 1024 units), ``chat not found`` for chats
marked unknown, stale callback query ids, 401 for a wrong token, 404 for unknown methods (listed in
``unhandled``). Errors on demand: ``flood`` (optionally for one chat), ``block``, ``kick``, ``fail_parse``,
``migrate``, ``fail_next``; ``slow``: a loaded Bot API that carries out the call (the message is delivered)
but answers late.

Chats and users: ``getChatMember`` answers each user's status in a chat (``set_member``: creator,
administrator, member, left, kicked; "member" unless set); users carry a ``language_code`` in messages and
button presses; a press may come too late (``user_clicks(stale=True)``: answerCallbackQuery then fails as
Telegram's "query is too old"); a message may reply to another (``reply_to``), and in a forum topic a
message that replies to nothing replies to the topic's first message, as in Telegram (topic ids are taken
from the chat's message ids); an anonymous group admin writes as the group itself (``anonymous_admin``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import itertools
import json
import re
import signal
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

JSONDict = dict[str, Any]

DEFAULT_USER_ID = 1001
MAX_TEXT_UNITS = 4096
MAX_CAPTION_UNITS = 1024
SHUTDOWN_TIMEOUT = 0.5
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
STALE_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
PARSE_ERROR = "Bad Request: can't parse entities: "
BLOCKED = "Forbidden: bot was blocked by the user"
KICKED_GROUP = "Forbidden: bot was kicked from the group chat"
KICKED_SUPERGROUP = "Forbidden: bot was kicked from the supergroup chat"
KICKED_CHANNEL = "Forbidden: bot was kicked from the channel chat"
# Params whose values are plain strings even when they look like JSON ("text=123" stays "123").
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "language_code", "action",
        "url", "secret_token", "title", "description", "short_description", "name", "emoji", "query",
        "custom_emoji_id", "business_connection_id", "message_effect_id", "photo", "document", "audio",
        "video", "sticker", "animation", "voice", "ip_address", "custom_title",
    }
)  # fmt: skip
SIMPLE_ACTIONS = frozenset(
    {"user_sends", "member_update", "channel_post", "flood", "block", "unblock", "kick", "fail_parse"}
    | {"migrate", "unknown_chat", "mark", "set_member", "slow"}
)
ANONYMOUS_ADMIN_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "left", "kicked"})
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_messages", "can_pin_messages",
)  # fmt: skip
ADMIN_NOT_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories", "can_edit_stories",
    "can_delete_stories",
)  # fmt: skip
# Update types Telegram delivers when allowed_updates is unset or [].
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional ``parameters``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Call:
    """One request to the Bot API: decoded params, arrival time (monotonic) and, once answered, the status."""

    method: str
    params: JSONDict
    at: float
    status: int | None = None
    response: JSONDict | None = None
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # uploaded files by field name

    @property
    def ok(self) -> bool:
        return self.status == 200

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        if self.method.lower() != method.lower():
            return False
        return all(_same(self.params.get(key), value) for key, value in params.items())

    def to_json(self) -> JSONDict:
        return {
            "method": self.method,
            "params": self.params,
            "at": self.at,
            "status": self.status,
            "response": self.response,
        }


@dataclass
class _Rule:
    """An injected failure: answer ``method`` with an error ``times`` times while ``when(params)`` holds."""

    method: str
    error: ApiError
    times: int = 1
    when: Callable[[JSONDict], bool] | None = None


@dataclass
class _Delay:
    """A slow answer: calls of ``method`` (for ``chat_id`` when set) are carried out, then answered after
    ``seconds``, ``times`` times."""

    method: str
    seconds: float
    times: int = 1
    chat_id: int | str | None = None


class _Signal:
    """A broadcast 'something changed' for waiters: fire() wakes everyone waiting on the current event."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def fire(self) -> None:
        self.event.set()
        self.event = asyncio.Event()


def _same(actual: Any, expected: Any) -> bool:
    return bool(actual == expected or str(actual) == str(expected))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit for text length and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def chat_key(chat_id: Any) -> int | str:
    """Normalise a chat id: numeric strings become ints, ``@channel`` names stay strings."""
    if isinstance(chat_id, bool):
        raise ValueError(f"bad chat id {chat_id!r}")
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


# ------------------------------------------------------------------------------------------ HTML parse mode

_TAG_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
    "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji", "tg-time": "date_time",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL_RE = re.compile(r"[<&]")
_NAME_RE = re.compile(r"</?([^\s>/]*)")
_ATTRS = r"""(?:\s+[a-zA-Z_-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*"""
_START_RE = re.compile(rf"<([a-zA-Z][a-zA-Z0-9-]*)({_ATTRS})\s*>")
_ATTR_RE = re.compile(r"""([a-zA-Z_-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_END_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]*);")


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int
    language: str | None = None


@dataclass
class _HtmlParser:
    """Telegram's HTML parse mode (tdlib's rules, error texts as the Bot API reports them)."""

    src: str
    out: list[str] = field(default_factory=list)
    units: int = 0
    stack: list[_OpenTag] = field(default_factory=list)
    entities: list[JSONDict] = field(default_factory=list)

    def run(self) -> tuple[str, list[JSONDict]]:
        pos = 0
        while (found := _SPECIAL_RE.search(self.src, pos)) is not None:
            self._emit(self.src[pos : found.start()])
            pos = self._special(found.start())
        self._emit(self.src[pos:])
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _special(self, i: int) -> int:
        if self.src[i] == "&":
            return self._entity(i)
        if self.src.startswith("</", i):
            return self._end_tag(i)
        return self._start_tag(i)

    def _emit(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.units += utf16_len(text)

    def _byte(self, i: int) -> int:
        return len(self.src[:i].encode("utf-8"))

    def _fail(self, message: str) -> None:
        raise ApiError(400, PARSE_ERROR + message)

    def _entity(self, i: int) -> int:
        m = _ENTITY_RE.match(self.src, i)
        if m is None:  # a lone '&' is kept as text, like Telegram does
            self._emit("&")
            return i + 1
        self._emit(self._decode_entity(m.group(1), i))
        return m.end()

    def _decode_entity(self, name: str, i: int) -> str:
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code)
            return f"&{name};"
        if name not in _NAMED_ENTITIES:
            self._fail(f'Unsupported HTML entity "&{name};" at byte offset {self._byte(i)}')
        return _NAMED_ENTITIES[name]

    def _unquote(self, raw: str, i: int) -> str:
        if raw[:1] in "\"'" and len(raw) >= 2:
            raw = raw[1:-1]
        return _ENTITY_RE.sub(lambda m: self._decode_entity(m.group(1), i), raw)

    def _start_tag(self, i: int) -> int:
        name_match = _NAME_RE.match(self.src, i)
        name = name_match.group(1).lower() if name_match else ""
        if name not in _TAG_TYPES:
            self._fail(f'Unsupported start tag "{name}" at byte offset {self._byte(i)}')
        m = _START_RE.match(self.src, i)
        if m is None:
            self._fail(f"Unclosed start tag at byte offset {self._byte(i)}")
        assert m is not None
        attrs = {k.lower(): self._unquote(v, i) for k, v in _ATTR_RE.findall(m.group(2))}
        self._check_attrs(name, attrs)
        self.stack.append(_OpenTag(name, attrs, self.units))
        return m.end()

    def _check_attrs(self, name: str, attrs: dict[str, str]) -> None:
        if name == "span" and attrs.get("class") != "tg-spoiler":
            self._fail('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            self._fail('Tag "tg-emoji" must have attribute "emoji-id"')
        if name == "tg-time" and not attrs.get("unix", "").isdigit():
            self._fail('Tag "tg-time" must have attribute "unix"')

    def _end_tag(self, i: int) -> int:
        m = _END_RE.match(self.src, i)
        if m is None:
            self._fail(f"Unclosed end tag at byte offset {self._byte(i)}")
        assert m is not None
        name = m.group(1).lower()
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte(i)}")
        top = self.stack.pop()
        if top.name != name:
            where = f"Unmatched end tag at byte offset {self._byte(i)}"
            self._fail(f'{where}, expected "</{top.name}>", found "</{name}>"')
        self._close(top)
        return m.end()

    def _close(self, tag: _OpenTag) -> None:
        length = self.units - tag.offset
        language = tag.attrs.get("class", "")
        in_pre = bool(self.stack) and self.stack[-1].name == "pre"
        if tag.name == "code" and in_pre and language.startswith("language-"):
            self.stack[-1].language = language.removeprefix("language-")
            return
        if length <= 0 or (tag.name == "a" and not tag.attrs.get("href")):
            return
        entity: JSONDict = {"type": _TAG_TYPES[tag.name], "offset": tag.offset, "length": length}
        if tag.name == "a":
            entity["url"] = tag.attrs["href"]
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.name == "tg-time":
            entity["unix_time"] = int(tag.attrs["unix"])
        self.entities.append(entity)


def image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG (its IHDR) or a baseline/progressive JPEG (its SOF marker), else None."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(content) and content[i] == 0xFF:
        marker, length = content[i + 1], int.from_bytes(content[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(content[i + 7 : i + 9], "big"), int.from_bytes(
                content[i + 5 : i + 7], "big"
            )
        i += 2 + length
    return None


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into (plain text, entities); ApiError 400 "can't parse entities: …" if invalid."""
    return _HtmlParser(text).run()


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims surrounding whitespace of a message; shift and clip the entities to match."""
    stripped = text.strip()
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] - lead + entity["length"], total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# ------------------------------------------------------------------------------------------ request decoding


def _decode_value(name: str, value: Any) -> Any:
    """Non-string params arrive JSON-encoded in forms (``chat_id=42``, ``reply_markup={…}``): decode."""
    if not isinstance(value, str) or name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request, files: dict[str, bytes] | None = None) -> JSONDict:
    """Params from the query string and a form-urlencoded, multipart or JSON body; files as small dicts
    (their bytes go to ``files`` by field name when given)."""
    raw: JSONDict = dict(request.query)
    typed: JSONDict = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            typed = body if isinstance(body, dict) else {}
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    if files is not None:
                        files[key] = content
                    typed[key] = {"filename": value.filename, "content_type": value.content_type,
                                  "size": len(content)}  # fmt: skip
                else:
                    raw[key] = value
    params = {key: _decode_value(key, value) for key, value in raw.items()}
    params.update(typed)
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _control_error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


# ------------------------------------------------------------------------------------------------ the fake


class FakeBotAPI:
    """The fake Bot API: start()/stop() or ``async with``; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST",
        username: str = "bayan_test_bot",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.username = username
        self.host = host
        self.port = port
        self.bot_user: JSONDict = {
            "id": int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456,
            "is_bot": True,
            "first_name": "Bayan Test",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.unhandled: list[Call] = []
        self.messages: defaultdict[int | str, list[JSONDict]] = defaultdict(list)
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.photos: dict[str, bytes] = {}  # file_id → the bytes of every photo sent
        self.conflicts = 0
        self._init_state()

    def _init_state(self) -> None:
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(7_000_000_001)
        self._message_ids: defaultdict[int | str, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._chats: dict[int | str, JSONDict] = {}
        self._member_status: dict[int | str, str] = {}
        self._user_status: dict[tuple[int | str, int], str] = {}  # (chat, user) → getChatMember status
        self._topics: set[tuple[int | str, int]] = set()  # (chat, thread id) of the forum topics seen
        self._open_queries: set[str] = set()
        self._allowed: list[str] | None = None
        self._rules: list[_Rule] = []
        self._delays: list[_Delay] = []
        self._blocked: dict[int | str, str] = {}
        self._migrated: dict[int | str, int] = {}
        self._unknown: set[int | str] = set()
        self._fail_parse = 0
        self._mark = 0
        self._poll_gen = 0
        self._poll_request: web.Request | None = None
        self._active_polls = 0
        self._stopping = False
        self._updates_signal = _Signal()
        self._calls_signal = _Signal()
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Injected updates not yet confirmed by a getUpdates ``offset``."""
        return copy.deepcopy(self._updates)

    @property
    def polling(self) -> int:
        """Number of getUpdates requests currently held open (long polls in progress)."""
        return self._active_polls

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        app.router.add_get("/_fake/{what}", self._control_get)
        app.router.add_post("/_fake/{action}", self._control_post)
        return app

    async def start(self) -> FakeBotAPI:
        self._stopping = False
        self._runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Wake pending long polls (they answer []), then shut the server down."""
        self._stopping = True
        self._updates_signal.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -------------------------------------------------------------------------------------------- dispatch

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        method = request.match_info["method"]
        files: dict[str, bytes] = {}
        call = Call(method, await read_params(request, files), time.monotonic(), files=files)
        self.calls.append(call)
        try:
            result = await self._answer(call, request)
        except ApiError as error:
            call.status, call.response = error.status, error.body()
        else:
            await self._answer_late(call)  # done (a message is delivered) but not yet answered
            call.status, call.response = 200, {"ok": True, "result": result}
        self._calls_signal.fire()
        return web.json_response(call.response, status=call.status)

    async def _answer(self, call: Call, request: web.Request) -> Any:
        method, params = call.method.lower(), call.params
        self._check_rules(method, params)
        self._check_chat(method, params)
        if method == "getupdates":
            return await self._get_updates(params, request)
        if method == "sendphoto":
            return self._send_photo(params, call.files)
        handler = self._handlers().get(method)
        if handler is None:
            self.unhandled.append(call)
            raise ApiError(404, "Not Found: method not found")
        return handler(params)

    def _handlers(self) -> dict[str, Callable[[JSONDict], Any]]:
        return {
            "getme": lambda p: self.bot_user,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": lambda p: self.commands.get(self._commands_key(p), []),
            "deletemycommands": lambda p: self.commands.pop(self._commands_key(p), None) is not None or True,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "getchatmember": self._get_chat_member,
            "sendchataction": lambda p: True,
            "getchat": self._get_chat,
            "close": lambda p: True,
            "logout": lambda p: True,
        }

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        return web.json_response(ApiError(404, "Not Found: file not found").body(), status=404)

    # -------------------------------------------------------------------------------------------- failures

    def _check_rules(self, method: str, params: JSONDict) -> None:
        for rule in list(self._rules):
            if rule.method.lower() == method and (rule.when is None or rule.when(params)):
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                raise rule.error

    def _check_chat(self, method: str, params: JSONDict) -> None:
        if "chat_id" not in params:
            if method in {"sendmessage", "sendchataction", "getchat"}:
                raise ApiError(400, "Bad Request: chat_id is empty")
            return
        key = chat_key(params["chat_id"])
        if key in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[key]},
            )
        if key in self._unknown:
            raise ApiError(400, "Bad Request: chat not found")
        if key in self._blocked and method != "getchat":
            raise ApiError(403, self._blocked[key])

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        times: int = 1,
        when: Callable[[JSONDict], bool] | None = None,
        parameters: JSONDict | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` for which ``when(params)`` holds with this error."""
        self._rules.append(_Rule(method, ApiError(status, description, parameters), times, when))

    def flood(self, method: str, retry_after: int, times: int = 1, chat_id: int | str | None = None) -> None:
        """429 "Too Many Requests: retry after N" with ``parameters.retry_after`` (PTB raises RetryAfter);
        with ``chat_id``, only for calls to that chat."""
        description = f"Too Many Requests: retry after {retry_after}"
        when = None if chat_id is None else (lambda p: _same(p.get("chat_id"), chat_id))
        self.fail_next(method, 429, description, times, when, parameters={"retry_after": retry_after})

    def slow(self, method: str, seconds: float, times: int = 1, chat_id: int | str | None = None) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` when set) take effect at once (a message is
        delivered) but are answered after ``seconds``: a loaded Bot API, or a client that times out first."""
        self._delays.append(_Delay(method, seconds, times, chat_id))

    async def _answer_late(self, call: Call) -> None:
        for delay in list(self._delays):
            chat = delay.chat_id
            if delay.method.lower() == call.method.lower() and (
                chat is None or _same(call.params.get("chat_id"), chat)
            ):
                delay.times -= 1
                if delay.times <= 0:
                    self._delays.remove(delay)
                await asyncio.sleep(delay.seconds)  # the fake's latency, as the test asked
                return

    def block(self, chat_id: int | str) -> None:
        """Every call for this chat → 403 "bot was blocked by the user" until unblock()."""
        self._blocked[chat_key(chat_id)] = BLOCKED

    def kick(self, chat_id: int | str) -> None:
        """Every call for this chat → 403 "bot was kicked from the … chat" until unblock()."""
        key = chat_key(chat_id)
        kind = self._chat(key)["type"]
        kicked = {"supergroup": KICKED_SUPERGROUP, "channel": KICKED_CHANNEL}
        self._blocked[key] = kicked.get(kind, KICKED_GROUP)

    def unblock(self, chat_id: int | str) -> None:
        self._blocked.pop(chat_key(chat_id), None)

    def fail_parse(self, times: int = 1) -> None:
        """The next ``times`` HTML sends/edits fail with 400 "can't parse entities" whatever their text."""
        self._fail_parse += times

    def migrate(self, chat_id: int | str, new_id: int) -> None:
        """Calls for ``chat_id`` → 400 "group chat was upgraded…" + ``migrate_to_chat_id`` (ChatMigrated)."""
        self._migrated[chat_key(chat_id)] = new_id
        self._chats[new_id] = {"id": new_id, "type": "supergroup", "title": f"Supergroup {new_id}"}

    def unknown_chat(self, chat_id: int | str) -> None:
        """Mark a chat unknown to the bot: calls for it → 400 "chat not found"."""
        self._unknown.add(chat_key(chat_id))

    # ------------------------------------------------------------------------------------------ getUpdates

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int) or isinstance(offset, bool) or offset == 0:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _select(self, limit: int) -> list[JSONDict]:
        allowed = set(self._allowed or [])
        picked = []
        for update in self._updates:
            kind = next(key for key in update if key != "update_id")
            if (kind in allowed) if allowed else (kind not in NOT_DEFAULT_UPDATES):
                picked.append(copy.deepcopy(update))
        return picked[:limit]

    def _supersede_poll(self, request: web.Request) -> int:
        """A new poll answers a pending one with 409 (counted as a conflict if its client is still there)."""
        if self._active_polls:
            old = self._poll_request
            if old is not None and old.transport is not None and not old.transport.is_closing():
                self.conflicts += 1
            self._poll_gen += 1
            self._updates_signal.fire()
        self._poll_request = request
        return self._poll_gen

    async def _get_updates(self, params: JSONDict, request: web.Request) -> list[JSONDict]:
        self._confirm(params.get("offset"))
        if isinstance(params.get("allowed_updates"), list):
            self._allowed = list(params["allowed_updates"])
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        generation = self._supersede_poll(request)
        self._active_polls += 1
        try:
            while True:
                event = self._updates_signal.event
                if generation != self._poll_gen:
                    raise ApiError(409, CONFLICT)
                batch = self._select(limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._stopping:
                    return batch
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            self._active_polls -= 1

    def _webhook_info(self, params: JSONDict) -> JSONDict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _delete_webhook(self, params: JSONDict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    # -------------------------------------------------------------------------------------- chats and users

    def _chat(self, chat_id: int | str) -> JSONDict:
        """The chat: registered by an injection, else derived from the id (>0 private, -100… supergroup)."""
        key = chat_key(chat_id)
        if key in self._chats:
            return dict(self._chats[key])
        if isinstance(key, str):
            fake_id = -1001000000000 - abs(hash(key)) % 10**9
            return {"id": fake_id, "type": "channel", "title": key, "username": key.lstrip("@")}
        if key > 0:
            return {"id": key, "type": "private", "first_name": f"User {key}", "username": f"user{key}"}
        if key <= -1_000_000_000_000:
            return {"id": key, "type": "supergroup", "title": f"Supergroup {key}"}
        return {"id": key, "type": "group", "title": f"Group {key}"}

    def _register_chat(self, chat_id: int, chat_type: str | None, thread_id: int | None = None) -> JSONDict:
        chat = self._chat(chat_id)
        if chat_type and chat_type != chat["type"]:
            chat = {"id": chat_id, "type": chat_type, "title": f"{chat_type.title()} {chat_id}"}
        if thread_id is not None:
            chat["is_forum"] = True
            self._open_topic(chat_id, thread_id)
        self._chats[chat_id] = chat
        return dict(chat)

    def _open_topic(self, chat_id: int, thread_id: int) -> None:
        """A topic's id is the id of the message that created it: later messages get larger ids."""
        if (chat_id, thread_id) not in self._topics:
            self._topics.add((chat_id, thread_id))
            ids = self._message_ids[chat_key(chat_id)]
            self._message_ids[chat_key(chat_id)] = itertools.count(max(next(ids), thread_id + 1))

    def _topic_root(self, chat: JSONDict, thread_id: int) -> JSONDict:
        """The service message that created a forum topic (what a non-reply in the topic replies to)."""
        return {
            "message_id": thread_id,
            "date": int(time.time()),
            "chat": chat,
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": f"Topic {thread_id}", "icon_color": 7322096},
        }

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for ``user_id`` in ``chat_id`` (default "member")."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unsupported member status {status!r}")
        self._user_status[(chat_key(chat_id), user_id)] = status

    def _get_chat_member(self, params: JSONDict) -> JSONDict:
        user_id = int(params["user_id"])
        status = self._user_status.get((chat_key(params["chat_id"]), user_id), "member")
        return self._member(status, self._user(user_id))

    @staticmethod
    def _user(user_id: int, username: str | None = None, language_code: str | None = "en") -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        user["username"] = username or f"user{user_id}"
        if language_code:
            user["language_code"] = language_code
        return user

    def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params["chat_id"])
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat

    # ------------------------------------------------------------------------------------------- commands

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not isinstance(scope, dict) or scope == {"type": "default"} or not scope:
            return "default"
        if set(scope) == {"type"}:
            return str(scope["type"])
        return json.dumps(scope, sort_keys=True)

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        return self._scope_key(params.get("scope")), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be an array")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    def commands_for(self, language_code: str = "", scope: str = "default") -> list[JSONDict]:
        """Commands stored by setMyCommands for a scope (its ``type``: "all_private_chats"…) and language."""
        return self.commands.get((scope, language_code), [])

    # ------------------------------------------------------------------------------------------- messages

    def _render_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        """Validate ``text`` like Telegram: HTML entities, then 1..4096 UTF-16 units after trimming."""
        raw = params.get("text")
        if raw is None or not str(raw).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        raw = str(raw)
        entities: list[JSONDict] = list(params.get("entities") or [])
        if str(params.get("parse_mode") or "").lower() == "html":
            if self._fail_parse:
                self._fail_parse -= 1
                raise ApiError(400, PARSE_ERROR + 'Unsupported start tag "injected" at byte offset 0')
            raw, entities = parse_html(raw)
        text, entities = _strip_text(raw, entities)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT_UNITS:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities

    @staticmethod
    def _inline_markup(params: JSONDict) -> JSONDict | None:
        markup = params.get("reply_markup")
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _new_message(self, chat_id: int | str, sender: JSONDict | None, text: str) -> JSONDict:
        message: JSONDict = {
            "message_id": next(self._message_ids[chat_key(chat_id)]),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
        }
        if sender is not None:
            message["from"] = sender
        message["text"] = text
        return message

    def _send_message(self, params: JSONDict) -> JSONDict:
        key = chat_key(params["chat_id"])
        text, entities = self._render_text(params)
        message = self._new_message(key, self.bot_user, text)
        if entities:
            message["entities"] = entities
        if (markup := self._inline_markup(params)) is not None:
            message["reply_markup"] = markup
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        self.messages[key].append(message)
        return copy.deepcopy(message)

    def _render_caption(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        """Validate ``caption`` like Telegram: HTML entities, then ≤ 1024 UTF-16 units after trimming."""
        raw = str(params.get("caption") or "")
        entities: list[JSONDict] = list(params.get("caption_entities") or [])
        if raw and str(params.get("parse_mode") or "").lower() == "html":
            raw, entities = parse_html(raw)
        text, entities = _strip_text(raw, entities)
        if utf16_len(text) > MAX_CAPTION_UNITS:
            raise ApiError(400, "Bad Request: message caption is too long")
        return text, entities

    def _send_photo(self, params: JSONDict, files: dict[str, bytes]) -> JSONDict:
        """sendPhoto with an uploaded PNG or JPEG (multipart ``photo``): recorded with its size as Telegram
        reports a PhotoSize, its bytes in ``photos``; other bytes are IMAGE_PROCESS_FAILED, and a file id or
        URL (nothing uploaded) is refused like an unknown one."""
        key = chat_key(params["chat_id"])
        content = files.get("photo")
        if content is None and params.get("photo"):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if content is None:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        size = image_size(content)
        if size is None:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption, entities = self._render_caption(params)
        message = self._new_message(key, self.bot_user, "")
        del message["text"]
        file_id = f"photo-{len(self.photos) + 1}"
        message["photo"] = [
            {"file_id": file_id, "file_unique_id": file_id, "width": size[0], "height": size[1],
             "file_size": len(content)}
        ]  # fmt: skip
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        self.photos[file_id] = content
        self.messages[key].append(message)
        return copy.deepcopy(message)

    def _find_message(self, chat_id: Any, message_id: Any) -> JSONDict | None:
        for message in self.messages.get(chat_key(chat_id), []):
            if _same(message["message_id"], message_id):
                return message
        return None

    def _message_to_edit(self, params: JSONDict) -> JSONDict:
        message = self._find_message(params.get("chat_id"), params.get("message_id"))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            self._render_text(params)
            return True
        message = self._message_to_edit(params)
        text, entities = self._render_text(params)
        markup = self._inline_markup(params)
        current = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if (text, entities, markup) == current:
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = text
        self._set_optional(message, "entities", entities or None)
        self._set_optional(message, "reply_markup", markup)  # no reply_markup removes the keyboard
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        markup = self._inline_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        self._set_optional(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    @staticmethod
    def _set_optional(target: JSONDict, key: str, value: Any) -> None:
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise ApiError(400, STALE_QUERY)
        self._open_queries.discard(query_id)
        return True

    # ------------------------------------------------------------------------------------------- recording

    def sent(self, chat_id: int | str | None = None, include_failed: bool = False) -> list[JSONDict]:
        """Params of sendMessage calls (answered 200 unless ``include_failed``), optionally for one chat."""
        return [
            call.params
            for call in self.calls
            if call.method.lower() == "sendmessage"
            and (include_failed or call.ok)
            and (chat_id is None or _same(call.params.get("chat_id"), chat_id))
        ]

    def mark(self) -> None:
        """wait_for()/wait_for_count() consider only calls recorded after this point (injections mark too)."""
        self._mark = len(self.calls)

    # ------------------------------------------------------------------------------------------- injection

    def _push_update(self, kind: str, payload: JSONDict) -> JSONDict:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self.mark()
        self._updates_signal.fire()
        return copy.deepcopy(update)

    def user_sends(
        self,
        text: str,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str | None = None,
        thread_id: int | None = None,
        language_code: str | None = "en",
        username: str | None = None,
        reply_to: JSONDict | None = None,
        anonymous_admin: bool = False,
    ) -> JSONDict:
        """A user writes ``text`` (in the private chat unless ``chat_id``); "/cmd" gets a bot_command.

        ``reply_to``: the message (e.g. a bot message's ``result``) this one replies to; in a forum topic a
        message without one replies to the topic's first message. ``anonymous_admin``: sent as the group."""
        key = user_id if chat_id is None else chat_id
        chat = self._register_chat(key, chat_type, thread_id)
        sender = ANONYMOUS_ADMIN_BOT if anonymous_admin else self._user(user_id, username, language_code)
        message = self._new_message(key, dict(sender), text)
        message["chat"] = chat
        if anonymous_admin:
            message["sender_chat"] = dict(chat)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])}]
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = copy.deepcopy(reply_to)
        elif thread_id is not None:
            message["reply_to_message"] = self._topic_root(chat, thread_id)
        return self._push_update("message", message)

    def user_clicks(
        self,
        message: JSONDict,
        data: str,
        user_id: int | None = None,
        language_code: str | None = "en",
        stale: bool = False,
    ) -> JSONDict:
        """A user presses the inline button with ``callback_data == data`` under ``message`` (must exist);
        ``stale``: the press reaches the bot too late, so answerCallbackQuery fails ("query is too old")."""
        chat_id = message["chat"]["id"]
        current = self._find_message(chat_id, message["message_id"]) or message
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [button.get("callback_data") for row in rows for button in row]
        if data not in buttons:
            where = f"message {message['message_id']} in chat {chat_id}"
            raise AssertionError(f"no button with callback_data {data!r} in {where}: {buttons}")
        if user_id is None:
            user_id = chat_id if isinstance(chat_id, int) and chat_id > 0 else DEFAULT_USER_ID
        query_id = str(next(self._query_ids))
        if not stale:
            self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": self._user(user_id, language_code=language_code),
            "message": copy.deepcopy(current),
            "chat_instance": str(abs(hash(("chat_instance", chat_id))) % 10**18),
            "data": data,
        }
        return self._push_update("callback_query", query)

    def member_update(self, chat_id: int, status: str, user_id: int | None = None) -> JSONDict:
        """my_chat_member: the bot becomes kicked/left/member/administrator; kicked/left also block sends."""
        chat = self._register_chat(chat_id, None)
        actor = user_id if user_id is not None else (chat_id if chat_id > 0 else DEFAULT_USER_ID)
        old = self._member_status.get(chat_id, "member" if chat["type"] == "private" else "left")
        self._member_status[chat_id] = status
        if status == "kicked" and chat["type"] == "private":
            self.block(chat_id)
        elif status in {"kicked", "left"}:
            self.kick(chat_id)
        else:
            self.unblock(chat_id)
        payload = {
            "chat": chat,
            "from": self._user(actor),
            "date": int(time.time()),
            "old_chat_member": self._member(old, self.bot_user),
            "new_chat_member": self._member(status, self.bot_user),
        }
        return self._push_update("my_chat_member", payload)

    @staticmethod
    def _member(status: str, user: JSONDict) -> JSONDict:
        """A ChatMember object of ``user`` with the fields Telegram sends for ``status``."""
        member: JSONDict = {"user": user, "status": status}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update(dict.fromkeys(ADMIN_RIGHTS, True))
            member.update(dict.fromkeys(ADMIN_NOT_RIGHTS, False))
        elif status == "creator":
            member["is_anonymous"] = False
        elif status not in {"member", "left"}:
            raise ValueError(f"unsupported member status {status!r}")
        return member

    def channel_post(self, chat_id: int, text: str) -> JSONDict:
        """A post in a channel where the bot is a member."""
        chat = self._register_chat(chat_id, "channel")
        message = self._new_message(chat_id, None, text)
        message["chat"] = chat
        message["sender_chat"] = chat
        return self._push_update("channel_post", message)

    # --------------------------------------------------------------------------------------------- waiting

    async def wait_for(self, method: str, timeout: float = 5.0, **params: Any) -> Call:
        """First answered call of ``method`` whose params contain ``params``, recorded since the last mark."""
        return (await self.wait_for_count(method, 1, timeout, **params))[0]

    async def wait_for_count(self, method: str, n: int, timeout: float = 5.0, **params: Any) -> list[Call]:
        """The first ``n`` answered matching calls since the last mark, else AssertionError listing calls."""
        deadline = time.monotonic() + timeout
        while True:
            event = self._calls_signal.event
            seen = self.calls[self._mark :]
            found = [c for c in seen if c.status is not None and c.matches(method, params)]
            remaining = deadline - time.monotonic()
            if len(found) >= n:
                return found[:n]
            if remaining <= 0:
                raise AssertionError(self._describe_miss(method, n, params, timeout, len(found)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _describe_miss(self, method: str, n: int, params: JSONDict, timeout: float, found: int) -> str:
        seen = self.calls[self._mark :]
        polls = sum(1 for c in seen if c.method.lower() == "getupdates")
        lines = [
            f"expected {n} {method} call(s) matching {params!r} within {timeout}s, found {found}; "
            f"calls since the last mark ({polls} getUpdates not shown):"
        ]
        for call in seen:
            if call.method.lower() != "getupdates":
                shown = json.dumps(call.params, ensure_ascii=False)[:300]
                lines.append(f"  {call.method} {shown} -> {call.status}")
        return "\n".join(lines)

    # ---------------------------------------------------------------------------------- control endpoints

    async def _control_get(self, request: web.Request) -> web.Response:
        """GET /_fake/calls[?method=], sent[?chat_id=], messages[?chat_id=], unhandled, commands, updates."""
        what, query = request.match_info["what"], request.query
        chat = chat_key(query["chat_id"]) if "chat_id" in query else None
        if what == "calls":
            method = query.get("method", "").lower()
            return _ok([c.to_json() for c in self.calls if method in ("", c.method.lower())])
        if what == "sent":
            return _ok(self.sent(chat))
        if what == "messages":
            if chat is not None:
                return _ok(self.messages.get(chat, []))
            return _ok({str(key): value for key, value in self.messages.items()})
        if what == "unhandled":
            return _ok([c.to_json() for c in self.unhandled])
        if what == "commands":
            stored = self.commands.items()
            return _ok([{"scope": s, "language_code": lang, "commands": c} for (s, lang), c in stored])
        if what == "updates":
            return _ok(self.pending_updates)
        return _control_error(404, f"Not Found: no control endpoint {what!r}")

    async def _control_post(self, request: web.Request) -> web.Response:
        """POST /_fake/<action> with a JSON object of keyword arguments: /_fake/user_sends {"text": "/start"}.

        Actions: user_sends, user_clicks {chat_id, message_id, data, user_id?, language_code?, stale?},
        member_update, channel_post, flood, block, unblock, kick, fail_parse, migrate, unknown_chat, mark,
        set_member {chat_id, user_id, status},
        fail_next {method, status, description, times?, parameters?, params?: subset the call must match},
        wait {method, timeout?, count?, params?} → the matching calls, or 408 with the calls seen.
        """
        action = request.match_info["action"]
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict):
            return _control_error(400, "Bad Request: body must be a JSON object")
        try:
            if action == "wait":
                return await self._control_wait(body)
            return _ok(self._control_action(action, body))
        except KeyError as error:
            return _control_error(404 if error.args == (action,) else 400, f"Bad Request: missing {error}")
        except (TypeError, ValueError, AssertionError) as error:
            return _control_error(400, f"Bad Request: {error}")

    def _control_action(self, action: str, body: JSONDict) -> Any:
        if action == "user_clicks":
            message = self._find_message(body["chat_id"], body["message_id"])
            if message is None:
                raise AssertionError(f"no bot message {body['message_id']} in chat {body['chat_id']}")
            extra = {k: body[k] for k in ("language_code", "stale") if k in body}
            return self.user_clicks(message, body["data"], body.get("user_id"), **extra)
        if action == "fail_next":
            subset = body.pop("params", None) or {}
            return self.fail_next(**body, when=lambda p: all(_same(p.get(k), v) for k, v in subset.items()))
        if action not in SIMPLE_ACTIONS:
            raise KeyError(action)
        function: Callable[..., Any] = getattr(self, action)
        return function(**body)

    async def _control_wait(self, body: JSONDict) -> web.Response:
        method, timeout = str(body["method"]), float(body.get("timeout", 5.0))
        try:
            count, params = int(body.get("count", 1)), body.get("params", {})
            calls = await self.wait_for_count(method, count, timeout, **params)
        except AssertionError as error:
            return _control_error(408, str(error))
        return _ok([call.to_json() for call in calls])


# --------------------------------------------------------------------------------------------- process mode


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API for tests (prints its port first).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--username", default="bayan_test_bot")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeBotAPI(args.token, args.username, host=args.host, port=args.port)
    await fake.start()
    print(fake.port, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
