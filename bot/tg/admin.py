"""Admin commands (user id in BAYAN_ADMINS; everyone else gets a polite refusal from ``handler``):
/status (counts, failing sources, outbox backlog, sends that timed out, a database that refuses writes),
/reload (feeds.yaml again) and /poll [ID] (poll now; a source whose server asked to wait is reported as
deferred, until when and after which error).

Registered by ``handler.register``; the refusal, rate limit and argument checks happen there. /poll runs
as a task (``block=False``) so a long poll never holds up other users' commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from bot import storage
from bot.models import ConfigError, PollResult
from bot.tg import i18n, render
from bot.tg.handler import Req, Spec, rtl_line


async def status(req: Req) -> None:
    """/status: row counts, outbox backlog, timed-out sends, the database's write error, failing sources
    (the health kept in memory wins over the stored one)."""
    store = req.deps.store
    counts = await store.call(storage.count_rows)
    maybe = await store.call(storage.count_maybe_delivered)
    memory = req.deps.health()
    health = [memory.get(h.source_id, h) for h in await store.call(storage.list_health)]
    failing = [h for h in health if h.error_count or h.empty_count]
    summary = i18n.t(
        "status_counts",
        req.lang,
        statements=counts.statements,
        orgs=counts.orgs,
        provisional=counts.provisional_orgs,
        sources=counts.sources,
        chats=counts.chats,
        subscriptions=counts.subscriptions,
        pending=counts.pending_deliveries,
        sent=counts.sent_deliveries,
    )
    text = f"{i18n.t('status_header', req.lang)}\n{summary}"
    if maybe:
        text += "\n" + i18n.t("status_maybe_delivered", req.lang, n=maybe)
    if store.write_error is not None:
        text += "\n" + i18n.t("status_unwritable", req.lang, reason=store.write_error)
    if not failing and store.write_error is None:
        await req.reply(f"{text}\n{i18n.t('status_healthy', req.lang)}")
        return
    await req.reply_all([text, *(render.render_health(failing, req.lang) if failing else [])])


async def reload(req: Req) -> None:
    """/reload: re-read feeds.yaml; on problems the old configuration stays and they are listed."""
    try:
        summary = await req.deps.reload()
    except ConfigError as error:
        head, lines = i18n.t("reload_failed", req.lang), error.problems
    else:
        head, lines = i18n.t("reload_done", req.lang), summary.splitlines()
    await req.reply_all(render.split_text("\n".join([render.plain(head), *lines])))


def _report(results: Sequence[PollResult], lang: str, why: dict[str, str | None]) -> list[str]:
    """The outcome of a poll: totals, then one line per failed or deferred source (``why``: the error
    that made the server ask to wait, by source id)."""
    errors = [r for r in results if not r.ok]
    deferred = [r for r in results if r.ok and r.deferred_until is not None]
    totals = i18n.t(
        "poll_report",
        lang,
        sources=i18n.count(len(results), "source", lang),
        statements=i18n.count(sum(r.new_statements for r in results), "new_statement", lang),
        announced=sum(r.announced for r in results),
        errors=i18n.count(len(errors), "error", lang),
        deferred=len(deferred),
    )
    lines = [
        f"❌ <code>{render.esc(r.source_id)}</code>: {render.esc(render.shorten(r.error or '', 200))}"
        for r in errors
    ]
    lines += [_deferred_line(r, lang, why.get(r.source_id)) for r in deferred]
    lines = [rtl_line(line, lang) for line in lines]
    return render.pack([totals, *lines], sep="\n")


def _deferred_line(result: PollResult, lang: str, error: str | None) -> str:
    """⏸ id: deferred until <UTC time>: the server asked to wait (Retry-After) after: <error>."""
    assert result.deferred_until is not None
    until = result.deferred_until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    line = f"⏸ <code>{render.esc(result.source_id)}</code>: {i18n.t('poll_deferred', lang, until=until)}"
    if error:
        line += " " + i18n.t("poll_deferred_after", lang, error=render.shorten(error, 200))
    return line


async def _deferral_reasons(req: Req, results: Sequence[PollResult]) -> dict[str, str | None]:
    """The stored last error of each deferred source: why its server asked to wait."""
    why: dict[str, str | None] = {}
    for r in results:
        if r.ok and r.deferred_until is not None:
            why[r.source_id] = (await req.deps.store.call(storage.get_health, r.source_id)).last_error
    return why


async def poll(req: Req) -> None:
    """/poll [ID]: poll every source (or one) now; "polling…" at once, edited into the outcome when done
    (``deps.poll_now`` returns once the pushes it triggered were sent)."""
    source_id = req.text or None
    if source_id is not None and req.deps.source(source_id) is None:
        await req.reply(i18n.t("unknown_source", req.lang, source=source_id))
        return
    polling = await req.reply(i18n.t("polling", req.lang))
    results = await req.deps.poll_now(source_id)
    req.deps.wake.set()  # in case the poll queued deliveries the sender has not seen yet
    first, *rest = _report(results, req.lang, await _deferral_reasons(req, results))
    await req.edit(polling, first)
    await req.reply_all(rest)


SPECS: tuple[Spec, ...] = (
    Spec("status", status, admin=True),
    Spec("reload", reload, admin=True),
    Spec("poll", poll, admin=True, block=False),
)
