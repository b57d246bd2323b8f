"""What users ask the bot: /signed, /org, /latest, /search, /statement and /sources, with paging buttons.

Organisation names go through ``handler.find_org`` (one winner, else "did you mean" buttons); callback_data
carries ids only (``s:{org}:{page}``, ``o:{org}``, ``p:{org}``). Registered by ``routes.register``; holds no
SQL.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import orgs, storage
from bot.models import BayanError
from bot.tg import i18n, render
from bot.tg.handler import Click, Req, Spec, button, find_org, ints, org_label, source_name

PAGE = 5  # statements per /signed page
SEARCH_LIMIT = 10
SEARCH_MIN = 3  # characters of a normalised search text
LATEST_DEFAULT, LATEST_MAX = 5, 20


def _pager(org_id: int, page: int, pages: int, lang: str) -> InlineKeyboardMarkup | None:
    row = [button(render.plain(i18n.t("btn_prev", lang)), f"s:{org_id}:{page - 1}")] if page > 0 else []
    if page + 1 < pages:
        row.append(button(render.plain(i18n.t("btn_next", lang)), f"s:{org_id}:{page + 1}"))
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
    await req.show(render.render_list(found, req.lang, header)[0], _pager(org_id, page, pages, req.lang))


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
    follow = [button(render.plain(i18n.t("btn_signed", req.lang)), f"s:{org_id}:0")]
    follow.append(button(render.plain(i18n.t("btn_follow", req.lang)), f"so:{org_id}"))
    await req.show(render.render_org_profile(profile, req.lang), InlineKeyboardMarkup([follow]))


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
    await req.reply_all(render.render_list(found, req.lang, i18n.t("latest_header", req.lang)))


async def search(req: Req) -> None:
    """/search TEXT: statements containing every word (search syntax is plain text here)."""
    query = orgs.normalize(req.text)
    try:
        found = await req.deps.store.call(storage.search_statements, query, limit=SEARCH_LIMIT)
        total = await req.deps.store.call(storage.count_search, query)
    except BayanError:  # no word of 3 characters or more
        await req.reply(i18n.t("fts_too_short", req.lang, min=SEARCH_MIN))
        return
    header = i18n.t("search_header", req.lang, query=req.text) + " · " + i18n.count(total, "result", req.lang)
    await req.reply_all(render.render_list(found, req.lang, header))


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
    await req.reply_all(render.render_statement_full(st, req.lang, source_name=name))


async def sources(req: Req) -> None:
    """/sources: the followed sources by name with their health in words; admins also get the ids, the
    raw last errors and the URLs."""
    configured = {s.id: s for s in req.deps.sources()}
    rows = await req.deps.store.call(storage.list_health)
    shown = [r for r in rows if r.source_id in configured and configured[r.source_id].enabled] or rows
    if req.is_admin:
        urls = {i: s.url for i, s in configured.items()}
        await req.reply_all(render.render_health(shown, req.lang, urls=urls))
        return
    names = {r.source_id: source_name(req.deps, r.source_id, req.lang) for r in shown}
    await req.reply_all(render.render_sources(shown, names, req.lang))


async def click_signed(req: Req, args: list[str]) -> None:
    if (ids := ints(args, 2) or ints(args, 1)) is not None:
        await _signed_page(req, ids[0], ids[1] if len(ids) > 1 else 0)


async def click_profile(req: Req, args: list[str]) -> None:
    if (ids := ints(args, 1)) is not None:
        await _profile(req, ids[0])


SPECS: tuple[Spec, ...] = (
    Spec("signed", signed, needs_arg=True, query=True),
    Spec("org", org, needs_arg=True, query=True),
    Spec("latest", latest, query=True),
    Spec("search", search, needs_arg=True, query=True),
    Spec("statement", statement, needs_arg=True, query=True),
    Spec("sources", sources, query=True),
)
CLICKS: dict[str, Click] = {  # callback prefix → what it runs (counted by the rate limit)
    "s": Click(click_signed, True),
    "o": Click(click_signed, True),
    "p": Click(click_profile, True),
}
