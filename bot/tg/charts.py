"""/chart [ORG]: a picture of an organisation's statements per month, kinds and top co-signers, or without a
name of the whole field (statements per month, most active signatories), sent with sendPhoto.

The name resolves like /org (``handler.find_org``: a clear winner, else "did you mean" buttons ``c:{org}``,
else "not found"). The data is read on the DB thread, the PNG drawn in a worker thread (``bot.charts``,
one at a time), so the event loop keeps serving; the command runs as a task (``Spec.block=False``).
Nothing stored yet: a sentence instead of a picture. Without the optional extra bayan[charts]: a polite
reply. Registered by ``routes.register``; holds no SQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot import charts, storage
from bot.models import Activity, BayanError
from bot.tg import i18n, render
from bot.tg.handler import Click, Req, Spec, find_org, ints, org_label


async def chart(req: Req) -> None:
    """/chart ORG: that organisation's chart; /chart: the whole field's."""
    if charts.missing() is not None:
        await req.reply(i18n.t("chart_unavailable", req.lang))
        return
    if not req.text:
        activity = await req.deps.store.call(storage.field_activity)
        if not activity.total:
            await req.reply(i18n.t("chart_no_data", req.lang))
            return
        await _send(req, charts.render_field, activity)
        return
    org_id = await find_org(req, req.text, "c")
    if org_id is not None:
        await _org_chart(req, org_id)


async def _org_chart(req: Req, org_id: int) -> None:
    try:
        activity = await req.deps.store.call(storage.org_activity, org_id)
    except BayanError:  # merged away or deleted since the button was sent
        return
    if activity.org is not None and not activity.total:
        await req.reply(i18n.t("chart_no_data_org", req.lang, name=org_label(activity.org, req.lang)))
        return
    await _send(req, charts.render_org, activity)


async def _send(req: Req, draw: Callable[[Activity, str], bytes], activity: Activity) -> None:
    try:
        png = await asyncio.to_thread(draw, activity, req.lang)
    except charts.ChartsUnavailable:
        await req.reply(i18n.t("chart_unavailable", req.lang))
        return
    await req.photo(png, render.render_chart_caption(activity, req.lang))


async def click_chart(req: Req, args: list[str]) -> None:
    if (ids := ints(args, 1)) is not None:
        await _org_chart(req, ids[0])


SPECS: tuple[Spec, ...] = (Spec("chart", chart, query=True, block=False),)
CLICKS: dict[str, Click] = {"c": Click(click_chart, True)}  # a "did you mean" button of /chart
