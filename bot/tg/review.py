"""/review (bot admins only): the review queue in Telegram, one item at a time, with its buttons.

Buttons (callback ``rv:ACTION:ID[:ARG]``): ✓ statement (``y``), ✗ not a statement (``n``), a kind (``k``),
the issuer (``i``: the organisations the page names, ``ip`` one of them, ``is`` "send a name"), the
signatories (``sa`` accept, ``sc`` reply with the corrected list, one per line) and skip (``s``). Every
decision is applied at once through ``bot.review.apply`` (recorded as ``telegram:<user id>`` with the
time), so a correction after ✓ changes the statement but never pushes it again. ✓ and ✗ show what the
decision did and send the next item; a correction re-renders the item; skip shows the next one. A reply is
taken from the admin who pressed the button, as an answer to the bot's question (``handler.Prompt``).
"""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardMarkup

from bot import review, storage
from bot.models import BayanError, ReviewItem
from bot.tg import i18n, render
from bot.tg.handler import PROMPT_TTL, Click, Prompt, Req, Spec, button, ints

_KIND_CODES = {"s": "single", "j": "joint", "o": "open_letter", "w": "withdrawal"}


def _markup(item: ReviewItem, lang: str) -> InlineKeyboardMarkup:
    sid = item.statement.id
    kinds = [button(i18n.kind_label(kind, lang), f"rv:k:{sid}:{code}") for code, kind in _KIND_CODES.items()]
    return InlineKeyboardMarkup(
        [
            [
                button(i18n.t("btn_rv_yes", lang), f"rv:y:{sid}"),
                button(i18n.t("btn_rv_no", lang), f"rv:n:{sid}"),
            ],
            kinds[:2],
            kinds[2:],
            [button(i18n.t("btn_rv_issuer", lang), f"rv:i:{sid}")],
            [
                button(i18n.t("btn_rv_sig_ok", lang), f"rv:sa:{sid}"),
                button(i18n.t("btn_rv_sig_fix", lang), f"rv:sc:{sid}"),
            ],
            [button(i18n.t("btn_rv_skip", lang), f"rv:s:{sid}")],
        ]
    )


async def _render(req: Req, item: ReviewItem) -> tuple[str, InlineKeyboardMarkup]:
    waiting = await req.deps.store.call(storage.count_open)
    src = req.deps.source(item.statement.source)
    name = src.display_name(req.lang) if src is not None else None
    return render.render_review(item, req.lang, waiting, name), _markup(item, req.lang)


async def _show_next(req: Req, *, edit: bool) -> None:
    """The first open item (edited into the pressed message with ``edit``), else "nothing is waiting"."""
    queue = await req.deps.store.call(storage.review_queue, limit=1)
    if not queue:
        text = i18n.t("review_empty", req.lang)
        await (req.show(text) if edit else req.reply(text))
        return
    text, markup = await _render(req, queue[0])
    await (req.show(text, markup) if edit else req.reply(text, markup))


async def review_cmd(req: Req) -> None:
    """/review: the next item of the queue with its buttons."""
    await _show_next(req, edit=False)


async def _decide(
    req: Req,
    sid: int,
    *,
    kind: str | None = None,
    issuer: str | None = None,
    signatories: tuple[str, ...] | None = None,
    is_statement: bool = True,
) -> tuple[ReviewItem, bool] | None:
    """Apply a decision by the pressing admin; None (said) when the item is gone or the input is bad."""
    assert req.user is not None
    index = await req.deps.org_index()
    by, now = f"telegram:{req.user.id}", req.deps.now()
    try:
        done = await req.deps.store.call(
            review.apply, index, sid, is_statement=is_statement, by=by, now=now, kind=kind, issuer=issuer,
            signatories=signatories,
        )  # fmt: skip
    except BayanError:
        await req.reply(i18n.t("review_gone", req.lang))
        return None
    if done[1]:
        req.deps.wake.set()  # its pushes were queued
    return done


async def click(req: Req, args: list[str]) -> None:
    """Every review button: admins only (a stale or forged one does nothing)."""
    if not req.is_admin or req.user is None or len(args) < 2 or not args[1].isdecimal():
        return
    action, sid, rest = args[0], int(args[1]), args[2:]
    if action in ("y", "n"):
        done = await _decide(req, sid, is_statement=action == "y")
        if done is not None:
            await req.show(render.render_review_done(done[0].statement, req.lang, action == "y", done[1]))
            await _show_next(req, edit=False)
    elif action == "s":
        await req.deps.store.call(storage.skip_review, sid, req.deps.now())
        await _show_next(req, edit=True)
    elif action in ("k", "sa", "ip"):
        await _correct(req, sid, action, rest)
    elif action == "i":
        await _issuer_choices(req, sid)
    elif action in ("is", "sc"):
        await _ask(req, sid, action)


async def _correct(req: Req, sid: int, action: str, rest: list[str]) -> None:
    """A kind, the extracted signatories or an issuer picked from the page: accepted with it, re-shown."""
    kind = issuer = None
    if action == "k":
        if not rest or rest[0] not in _KIND_CODES:
            return
        kind = _KIND_CODES[rest[0]]
    elif action == "ip":
        item = await req.deps.store.call(storage.get_review, sid)
        picked = ints(rest, 1)
        if item is None or picked is None or picked[0] >= len(item.named):
            return
        issuer = item.named[picked[0]]
    done = await _decide(req, sid, kind=kind, issuer=issuer)
    if done is not None:
        text, markup = await _render(req, done[0])
        await req.show(text, markup)


async def _issuer_choices(req: Req, sid: int) -> None:
    item = await req.deps.store.call(storage.get_review, sid)
    if item is None:
        await req.show(i18n.t("review_gone", req.lang))
        return
    rows = [[button(name, f"rv:ip:{sid}:{n}")] for n, name in enumerate(item.named)]
    rows.append([button(i18n.t("btn_rv_name", req.lang), f"rv:is:{sid}")])
    rows.append([button(i18n.t("btn_rv_back", req.lang), f"rv:b:{sid}")])
    await req.show(i18n.t("review_issuer_pick", req.lang), InlineKeyboardMarkup(rows))


async def click_back(req: Req, sid: int) -> None:
    item = await req.deps.store.call(storage.get_review, sid)
    if item is not None:
        text, markup = await _render(req, item)
        await req.show(text, markup)


async def _ask(req: Req, sid: int, action: str) -> None:
    """ "Send a name" / "correct the signatories": a question the pressing admin answers by replying."""
    assert req.user is not None
    key = "review_issuer_prompt" if action == "is" else "review_sig_prompt"
    asked = await req.reply(i18n.t(key, req.lang), ForceReply(selective=True))

    async def answer(reply: Req, text: str) -> None:
        if not reply.is_admin:
            return
        if action == "is":
            done = await _decide(reply, sid, is_statement=True, issuer=text)
        else:
            try:
                names = review.parse_names(text)
            except BayanError as e:
                await reply.reply(render.esc(str(e)))
                return
            done = await _decide(reply, sid, is_statement=True, signatories=names)
        if done is not None:
            shown, markup = await _render(reply, done[0])
            await reply.reply(shown, markup)

    req.state.prompts[(req.chat_id, req.user.id)] = Prompt(
        asked.message_id, req.deps.now() + PROMPT_TTL, answer, "review_prompt_expired"
    )


async def _click(req: Req, args: list[str]) -> None:
    if args[:1] == ["b"] and req.is_admin and len(args) == 2 and args[1].isdecimal():
        await click_back(req, int(args[1]))
        return
    await click(req, args)


SPECS: tuple[Spec, ...] = (Spec("review", review_cmd, admin=True),)
CLICKS: dict[str, Click] = {"rv": Click(_click, False)}


def queue_alert() -> str:
    """The admins' message when the queue grows from empty: Arabic, then English (alerts are plain)."""
    return "\n".join(render.plain(i18n.t("review_alert", lang)) for lang in ("ar", "en"))
