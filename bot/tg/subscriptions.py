"""A chat's subscriptions: /subscribe, /unsubscribe, /subscriptions and their buttons.

A chat (or forum topic) follows everything, an organisation, a keyword or a source; organisation names go
through ``handler.find_org`` and are shown in the reader's language. In groups only the chat's
administrators subscribe and unsubscribe (``chat_admin``); the first subscriber's Telegram language becomes
the chat's push language until /lang. ``/unsubscribe all`` asks first. callback_data carries ids only
(``so:{org}``, ``src:{source}``, ``u:{subscription}``, ``sa``, ``sn``, ``ua``, ``uk``). Registered by
``routes.register``; holds no SQL.
"""

from __future__ import annotations

from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup

from bot import orgs, storage
from bot.models import Subscription
from bot.tg import i18n, render
from bot.tg.handler import (
    PROMPT_TTL,
    Click,
    Prompt,
    Req,
    Spec,
    button,
    find_org,
    ints,
    org_label,
    source_name,
)

_KINDS = {"all": "all", "org": "org", "keyword": "keyword", "source": "source"}
_KINDS |= {"الكل": "all", "منظمة": "org", "كلمة": "keyword", "مصدر": "source"}


def _kind_value(args: list[str]) -> tuple[str | None, str]:
    kind = _KINDS.get(args[0].lower()) if args else None
    return kind, " ".join(args[1:]).strip()


async def _add(req: Req, kind: str, value: str | None, done: str, **kw: Any) -> None:
    _, created = await req.deps.store.call(
        storage.add_subscription,
        req.chat_id,
        req.thread_id,
        kind,
        value,
        now=req.deps.now(),
        language=req.user_language,
        **kw,
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
    rows = [[button(render.plain(i18n.t("sub_kind_all", req.lang)), "sa")]]
    rows += [sources[i : i + 2] for i in range(0, len(sources), 2)]
    rows.append([button(render.plain(i18n.t("btn_org", req.lang)), "sn")])
    return InlineKeyboardMarkup(rows)


def describe(sub: Subscription, lang: str, names: dict[int, str] | None = None) -> str:
    """A subscription as plain text ("organisation: X", X from ``names`` by org id when there)."""
    key = f"sub_kind_{sub.kind}"
    value = (names or {}).get(sub.org_id or 0) or sub.value or ""
    return render.plain(i18n.t(key, lang) if sub.kind == "all" else i18n.t(key, lang, value=value))


async def _org_names(req: Req, subs: list[Subscription]) -> dict[int, str]:
    """The followed organisations' names in the reader's language (registry name, else the stored one)."""
    ids = [s.org_id for s in subs if s.kind == "org" and s.org_id is not None]
    found = await req.deps.store.call(storage.orgs_by_ids, ids) if ids else []
    return {o.id: o.display_name(req.lang) for o in found}


async def _matching(req: Req, subs: list[Subscription], kind: str, value: str) -> list[Subscription]:
    hits = [s for s in subs if s.kind == kind and orgs.normalize(s.value or "") == orgs.normalize(value)]
    if hits or kind != "org":
        return hits
    org_id = orgs.resolve(value, await req.deps.org_index()).org_id
    org = await req.deps.store.call(storage.get_org, org_id) if org_id is not None else None
    return [s for s in subs if org is not None and s.kind == "org" and s.value == org.name]


async def _remove(req: Req, subs: list[Subscription], everything: bool = False) -> None:
    names = await _org_names(req, subs)
    for sub in subs:
        await req.deps.store.call(
            storage.remove_subscription, sub.chat_id, sub.thread_id, sub.kind, sub.value
        )
    what = ", ".join(describe(s, req.lang, names) for s in subs)
    done = i18n.t("unsub_all_done", req.lang) if everything else i18n.t("unsub_done", req.lang, what=what)
    await req.show(done if subs else i18n.t("unsub_none", req.lang))


async def unsubscribe(req: Req) -> None:
    """/unsubscribe all | org NAME | keyword WORD | source ID; without an argument, buttons to pick one."""
    subs = await req.deps.store.call(storage.list_subscriptions, req.chat_id, req.thread_id)
    kind, value = _kind_value(req.args)
    if not req.args and subs:
        names = await _org_names(req, subs)
        rows = [[button(describe(s, req.lang, names), f"u:{s.id}")] for s in subs]
        await req.reply(i18n.t("unsub_choose", req.lang), InlineKeyboardMarkup(rows))
    elif not req.args or (kind == "all" and not value and not subs):
        await req.reply(i18n.t("subs_empty", req.lang))
    elif kind == "all" and not value:
        await req.reply(i18n.t("unsub_all_confirm", req.lang, n=len(subs)), _confirm_all(req.lang))
    elif kind is None or not value:
        await req.reply(i18n.t("missing_argument", req.lang, usage=i18n.usage("unsubscribe", req.lang)))
    else:
        await _remove(req, await _matching(req, subs, kind, value))


async def subscriptions(req: Req) -> None:
    """/subscriptions: what this chat (forum topic) follows."""
    subs = await req.deps.store.call(storage.list_subscriptions, req.chat_id, req.thread_id)
    names = await _org_names(req, subs)
    lines = [i18n.t("subs_header", req.lang)]
    lines += [render.esc(f"• {describe(s, req.lang, names)}") for s in subs]
    await req.reply_all(render.pack(lines, sep="\n") if subs else [i18n.t("subs_empty", req.lang)])


async def click_all(req: Req, args: list[str]) -> None:
    await _add(req, "all", None, i18n.t("sub_all", req.lang))


async def click_source(req: Req, args: list[str]) -> None:
    await _subscribe_source(req, ":".join(args))


async def click_follow(req: Req, args: list[str]) -> None:
    if (ids := ints(args, 1)) is not None:
        await _subscribe_org_id(req, ids[0])


def _confirm_all(lang: str) -> InlineKeyboardMarkup:
    yes = button(render.plain(i18n.t("btn_unsub_all", lang)), "ua")
    return InlineKeyboardMarkup([[yes, button(render.plain(i18n.t("btn_keep", lang)), "uk")]])


async def click_name_prompt(req: Req, args: list[str]) -> None:
    """ "An organisation…": the clicker's reply to the prompt is the name (routes._plain_text)."""
    if req.user is not None:
        expires = req.deps.now() + PROMPT_TTL
        asked = await req.reply(i18n.t("org_prompt", req.lang), ForceReply(selective=False))
        req.state.prompts[(req.chat_id, req.user.id)] = Prompt(asked.message_id, expires)


async def click_unsubscribe(req: Req, args: list[str]) -> None:
    subs = await req.deps.store.call(storage.list_subscriptions, req.chat_id, req.thread_id)
    await _remove(req, [s for s in subs if [s.id] == ints(args, 1)])


async def click_unsubscribe_all(req: Req, args: list[str]) -> None:
    """ "Yes, cancel all" under /unsubscribe all."""
    subs = await req.deps.store.call(storage.list_subscriptions, req.chat_id, req.thread_id)
    await _remove(req, subs, everything=True)


async def click_keep(req: Req, args: list[str]) -> None:
    await req.show(i18n.t("unsub_all_kept", req.lang))


SPECS: tuple[Spec, ...] = (
    Spec("subscribe", subscribe, chat_admin=True),
    Spec("unsubscribe", unsubscribe, chat_admin=True),
    Spec("subscriptions", subscriptions),
)
CLICKS: dict[str, Click] = {  # callback prefix → what it runs (not counted by the rate limit; chat admins)
    "sa": Click(click_all, False, chat_admin=True),
    "src": Click(click_source, False, chat_admin=True),
    "so": Click(click_follow, False, chat_admin=True),
    "sn": Click(click_name_prompt, False, chat_admin=True),
    "u": Click(click_unsubscribe, False, chat_admin=True),
    "ua": Click(click_unsubscribe_all, False, chat_admin=True),
    "uk": Click(click_keep, False, chat_admin=True),
}
