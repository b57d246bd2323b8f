"""What users ask the bot: subscriptions (/subscribe, /unsubscribe, /subscriptions and their buttons) and
queries (/signed, /org, /latest, /search, /statement, /sources, with paging and "did you mean" buttons).

Organisation names go through ``orgs.resolve`` (one winner) or ``orgs.search_candidates`` ("did you mean"
buttons); callback_data carries ids only (``s:{org}:{page}``, ``o:{org}``, ``p:{org}``, ``so:{org}``,
``src:{source}``, ``u:{subscription}``, ``sa``, ``sn``). Registered by ``commands.register``; holds no SQL.
"""

from __future__ import annotations

from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup

from bot import i18n, notify, orgs, storage
from bot.commands import PROMPT_TTL, BotDeps, ClickFn, Req, Spec, button
from bot.models import BayanError, Org, Subscription

PAGE = 5  # statements per /signed page
SEARCH_LIMIT = 10
SEARCH_MIN = 3  # characters of a normalised search text
LATEST_DEFAULT, LATEST_MAX = 5, 20
_KINDS = {"all": "all", "org": "org", "keyword": "keyword", "source": "source"}
_KINDS |= {"الكل": "all", "منظمة": "org", "كلمة": "keyword", "مصدر": "source"}


def source_name(deps: BotDeps, source_id: str, lang: str) -> str:
    """A source's name in ``lang`` (feeds.yaml name / name_en), else its id."""
    src = deps.source(source_id)
    names = () if src is None else (src.name, src.name_en) if lang == "ar" else (src.name_en, src.name)
    return next((n for n in names if n), source_id)


# ───────────────────────────── organisations ─────────────────────────────


def org_label(org: Org, lang: str) -> str:
    """An organisation's name in ``lang``, with its first acronym."""
    name = (org.name_en or org.name) if lang == "en" else org.name
    return f"{name} ({org.acronyms[0]})" if org.acronyms and org.acronyms[0] not in name else name


async def find_org(req: Req, name: str, action: str) -> int | None:
    """The org ``name`` means; otherwise show "did you mean" buttons (``action:{id}``) or "unknown"."""
    index = await req.deps.org_index()
    match = orgs.resolve(name, index)
    if match.org_id is not None:
        return match.org_id
    found = [await req.deps.store.call(storage.get_org, i) for i, _ in orgs.search_candidates(name, index)]
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


# ───────────────────────────── subscriptions ─────────────────────────────


def _kind_value(args: list[str]) -> tuple[str | None, str]:
    kind = _KINDS.get(args[0].lower()) if args else None
    return kind, " ".join(args[1:]).strip()


async def _add(req: Req, kind: str, value: str | None, done: str, **kw: Any) -> None:
    _, created = await req.deps.store.call(
        storage.add_subscription, req.chat_id, req.thread_id, kind, value, now=req.deps.now(), **kw
    )
    await req.show(done if created else i18n.t("sub_exists", req.lang))


async def _subscribe_org_id(req: Req, org_id: int) -> None:
    org = await req.deps.store.call(storage.get_org, org_id)
    if org is not None:
        done = i18n.t("sub_org", req.lang, name=org_label(org, req.lang))
        await _add(req, "org", org.name, done, value_norm=orgs.normalize(org.name), org_id=org.id)


async def _subscribe_org(req: Req, name: str) -> None:
    org_id = await find_org(req, name, "so")
    if org_id is not None:
        await _subscribe_org_id(req, org_id)


async def on_org_name(req: Req) -> None:
    """The answer to the "an organisation…" prompt: subscribe to that organisation."""
    await _subscribe_org(req, req.text)


async def _subscribe_source(req: Req, source_id: str) -> None:
    if req.deps.source(source_id) is None:
        await req.show(i18n.t("unknown_source", req.lang, source=source_id))
        return
    name = source_name(req.deps, source_id, req.lang)
    await _add(req, "source", source_id, i18n.t("sub_source", req.lang, source=name))


async def subscribe(req: Req) -> None:
    """/subscribe all | org NAME | keyword WORD | source ID; without an argument, a keyboard."""
    kind, value = _kind_value(req.args)
    if not req.args:
        await req.reply(i18n.t("sub_choose", req.lang), await _keyboard(req))
    elif kind is None:
        await req.reply(i18n.t("sub_usage", req.lang))
    elif kind == "all":
        await _add(req, "all", None, i18n.t("sub_all", req.lang))
    elif not value or (kind == "keyword" and not orgs.normalize(value)):
        await req.reply(i18n.t("sub_usage", req.lang))
    elif kind == "org":
        await _subscribe_org(req, value)
    elif kind == "keyword":
        done = i18n.t("sub_keyword", req.lang, keyword=value)
        await _add(req, "keyword", value, done, value_norm=orgs.normalize(value))
    else:
        await _subscribe_source(req, value)


async def _keyboard(req: Req) -> InlineKeyboardMarkup:
    """All · the sources of the latest statements (then the configured ones) · "an organisation…"."""
    latest = await req.deps.store.call(storage.list_statements, limit=30)
    ids = [st.source for st in latest] + [s.id for s in req.deps.sources() if s.enabled]
    ids = [i for i in dict.fromkeys(ids) if req.deps.source(i) and len(i.encode()) <= 60][:6]
    sources = [button(source_name(req.deps, i, req.lang), f"src:{i}") for i in ids]
    rows = [[button(notify.plain(i18n.t("sub_kind_all", req.lang)), "sa")]]
    rows += [sources[i : i + 2] for i in range(0, len(sources), 2)]
    rows.append([button(notify.plain(i18n.t("btn_org", req.lang)), "sn")])
    return InlineKeyboardMarkup(rows)


def describe(sub: Subscription, lang: str) -> str:
    """A subscription as plain text ("organisation: X")."""
    key = f"sub_kind_{sub.kind}"
    return notify.plain(i18n.t(key, lang) if sub.kind == "all" else i18n.t(key, lang, value=sub.value or ""))


async def _matching(req: Req, subs: list[Subscription], kind: str, value: str) -> list[Subscription]:
    hits = [s for s in subs if s.kind == kind and orgs.normalize(s.value or "") == orgs.normalize(value)]
    if hits or kind != "org":
        return hits
    org_id = orgs.resolve(value, await req.deps.org_index()).org_id
    org = await req.deps.store.call(storage.get_org, org_id) if org_id is not None else None
    return [s for s in subs if org is not None and s.kind == "org" and s.value == org.name]


async def _remove(req: Req, subs: list[Subscription], everything: bool = False) -> None:
    for sub in subs:
        await req.deps.store.call(
            storage.remove_subscription, sub.chat_id, sub.thread_id, sub.kind, sub.value
        )
    what = ", ".join(describe(s, req.lang) for s in subs)
    done = i18n.t("unsub_all_done", req.lang) if everything else i18n.t("unsub_done", req.lang, what=what)
    await req.show(done if subs else i18n.t("unsub_none", req.lang))


async def unsubscribe(req: Req) -> None:
    """/unsubscribe all | org NAME | keyword WORD | source ID; without an argument, buttons to pick one."""
    subs = await req.deps.store.call(storage.list_subscriptions, req.chat_id, req.thread_id)
    kind, value = _kind_value(req.args)
    if not req.args and subs:
        rows = [[button(describe(s, req.lang), f"u:{s.id}")] for s in subs]
        await req.reply(i18n.t("unsub_choose", req.lang), InlineKeyboardMarkup(rows))
    elif not req.args:
        await req.reply(i18n.t("subs_empty", req.lang))
    elif kind == "all" and not value:
        await _remove(req, subs, everything=True)
    elif kind is None or not value:
        await req.reply(i18n.t("missing_argument", req.lang, usage=i18n.usage("unsubscribe", req.lang)))
    else:
        await _remove(req, await _matching(req, subs, kind, value))


async def subscriptions(req: Req) -> None:
    """/subscriptions: what this chat (forum topic) follows."""
    subs = await req.deps.store.call(storage.list_subscriptions, req.chat_id, req.thread_id)
    lines = [i18n.t("subs_header", req.lang)] + [notify.esc(f"• {describe(s, req.lang)}") for s in subs]
    await req.reply_all(notify.pack(lines, sep="\n") if subs else [i18n.t("subs_empty", req.lang)])


async def click_all(req: Req, args: list[str]) -> None:
    await _add(req, "all", None, i18n.t("sub_all", req.lang))


async def click_source(req: Req, args: list[str]) -> None:
    await _subscribe_source(req, ":".join(args))


async def click_follow(req: Req, args: list[str]) -> None:
    if (ids := ints(args, 1)) is not None:
        await _subscribe_org_id(req, ids[0])


async def click_name_prompt(req: Req, args: list[str]) -> None:
    """ "An organisation…": the clicker's next plain message here is the name (private chats, replies)."""
    if req.user is not None:
        req.state.prompts[(req.chat_id, req.user.id)] = req.deps.now() + PROMPT_TTL
        await req.reply(i18n.t("org_prompt", req.lang), ForceReply(selective=False))


async def click_unsubscribe(req: Req, args: list[str]) -> None:
    subs = await req.deps.store.call(storage.list_subscriptions, req.chat_id, req.thread_id)
    await _remove(req, [s for s in subs if [s.id] == ints(args, 1)])


# ───────────────────────────── queries ─────────────────────────────


def _pager(org_id: int, page: int, pages: int, lang: str) -> InlineKeyboardMarkup | None:
    row = [button(notify.plain(i18n.t("btn_prev", lang)), f"s:{org_id}:{page - 1}")] if page > 0 else []
    if page + 1 < pages:
        row.append(button(notify.plain(i18n.t("btn_next", lang)), f"s:{org_id}:{page + 1}"))
    return InlineKeyboardMarkup([row]) if row else None


async def _signed_page(req: Req, org_id: int, page: int) -> None:
    """One page of an organisation's statements, with previous/next buttons."""
    org = await req.deps.store.call(storage.get_org, org_id)
    if org is None:
        return
    total = await req.deps.store.call(storage.count_signed_by, [org_id])
    pages = max(1, -(-total // PAGE))
    page = min(max(page, 0), pages - 1)
    found = await req.deps.store.call(storage.signed_by, [org_id], limit=PAGE, offset=page * PAGE)
    header = i18n.t("signed_header", req.lang, name=org_label(org, req.lang)) + f" ({total})"
    if pages > 1:
        header += " · " + i18n.t("page", req.lang, page=page + 1, pages=pages)
    await req.show(notify.render_list(found, req.lang, header)[0], _pager(org_id, page, pages, req.lang))


async def signed(req: Req) -> None:
    """/signed NAME: the statements an organisation signed, newest first, PAGE per page with buttons."""
    org_id = await find_org(req, req.text, "o")
    if org_id is not None:
        await _signed_page(req, org_id, 0)


async def _profile(req: Req, org_id: int) -> None:
    try:
        profile = await req.deps.store.call(storage.org_profile, org_id)
    except BayanError:  # merged away or deleted since the button was sent
        return
    follow = [button(notify.plain(i18n.t("btn_signed", req.lang)), f"s:{org_id}:0")]
    follow.append(button(notify.plain(i18n.t("btn_follow", req.lang)), f"so:{org_id}"))
    await req.show(notify.render_org_profile(profile, req.lang), InlineKeyboardMarkup([follow]))


async def org(req: Req) -> None:
    """/org NAME: an organisation's profile (statements, co-signers, withdrawals)."""
    org_id = await find_org(req, req.text, "p")
    if org_id is not None:
        await _profile(req, org_id)


async def latest(req: Req) -> None:
    """/latest [N]: the newest N statements (default 5, at most 20)."""
    if req.text and not (req.text.isdecimal() and len(req.text) < 6):
        await req.reply(i18n.t("missing_argument", req.lang, usage="/latest 10"))
        return
    n = min(max(int(req.text or LATEST_DEFAULT), 1), LATEST_MAX)
    found = await req.deps.store.call(storage.list_statements, limit=n)
    await req.reply_all(notify.render_list(found, req.lang, i18n.t("latest_header", req.lang)))


async def search(req: Req) -> None:
    """/search TEXT: statements containing every word (search syntax is plain text here)."""
    query = orgs.normalize(req.text)
    try:
        found = await req.deps.store.call(storage.search_statements, query, limit=SEARCH_LIMIT)
        total = await req.deps.store.call(storage.count_search, query)
    except BayanError:  # no word of 3 characters or more
        await req.reply(i18n.t("fts_too_short", req.lang, min=SEARCH_MIN))
        return
    header = (
        i18n.t("search_header", req.lang, query=req.text) + " · " + i18n.t("results_n", req.lang, n=total)
    )
    await req.reply_all(notify.render_list(found, req.lang, header))


async def statement(req: Req) -> None:
    """/statement ID: one statement with every signatory (several messages when long)."""
    if not (req.text.isdecimal() and len(req.text) <= 12):
        await req.reply(i18n.t("bad_statement_id", req.lang))
        return
    st = await req.deps.store.call(storage.get_statement, int(req.text))
    if st is None:
        await req.reply(i18n.t("statement_not_found", req.lang, id=int(req.text)))
        return
    name = source_name(req.deps, st.source, req.lang)
    await req.reply_all(notify.render_statement_full(st, req.lang, source_name=name))


async def sources(req: Req) -> None:
    """/sources: the followed sources and their health."""
    enabled = {s.id for s in req.deps.sources() if s.enabled}
    rows = await req.deps.store.call(storage.list_health)
    await req.reply_all(notify.render_health([r for r in rows if r.source_id in enabled] or rows, req.lang))


async def click_signed(req: Req, args: list[str]) -> None:
    if (ids := ints(args, 2) or ints(args, 1)) is not None:
        await _signed_page(req, ids[0], ids[1] if len(ids) > 1 else 0)


async def click_profile(req: Req, args: list[str]) -> None:
    if (ids := ints(args, 1)) is not None:
        await _profile(req, ids[0])


SPECS: tuple[Spec, ...] = (
    Spec("subscribe", subscribe),
    Spec("unsubscribe", unsubscribe),
    Spec("subscriptions", subscriptions),
    Spec("signed", signed, needs_arg=True, query=True),
    Spec("org", org, needs_arg=True, query=True),
    Spec("latest", latest, query=True),
    Spec("search", search, needs_arg=True, query=True),
    Spec("statement", statement, needs_arg=True, query=True),
    Spec("sources", sources, query=True),
)
CLICKS: dict[str, tuple[ClickFn, bool]] = {  # prefix → (handler, counted by the rate limit)
    "sa": (click_all, False),
    "src": (click_source, False),
    "so": (click_follow, False),
    "sn": (click_name_prompt, False),
    "u": (click_unsubscribe, False),
    "s": (click_signed, True),
    "o": (click_signed, True),
    "p": (click_profile, True),
}
