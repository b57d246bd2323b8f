"""Composition root of the Telegram half of `bayan run`: PTB application, commands, poller, sender, alerts.

Owns the manual PTB lifecycle (docs/libraries.md: ``run_polling()`` would own the loop): ``async with app`` →
setMyCommands → ``app.start()`` → long polling → the scheduler's Poller → the outbox sender task → wait for
``stop`` → everything stopped in reverse order. Also wires what the commands need (``BotDeps``:
/poll that returns once the pushes are sent, /reload), queues admin alerts for failing sources, and keeps
the bot token out of the logs.

Two Bot objects talk to the Bot API, each with its own HTTPXRequest (SEND_TIMEOUT s read/write, enough for a
loaded Bot API): the application's bot answers commands (AIORateLimiter with retries), the push bot
(``push_bot``) is the outbox sender's, with no PTB limiter: a chat's 429 goes back to the outbox, which
reschedules it, so replies never wait behind a throttled push.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults, ExtBot
from telegram.request import HTTPXRequest

from bot import config, pipeline, scheduler, storage
from bot.console import log_result, startup_lines
from bot.models import AlertKind, PollResult, Settings, Source, SourceAlert, SourceHealth
from bot.tg import review, routes, sender
from bot.tg.handler import BotDeps

log = logging.getLogger("bayan.bot")

AnyApp = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query", "my_chat_member"]
POLL_WAIT = 120.0  # /poll waits at most this long for the pushes of what it found
SENDER_GRACE = 10.0  # seconds the sender may take to finish its message in flight at shutdown
QUIET_LOGGERS = ("telegram", "httpx", "httpcore")  # log request URLs (with the token) below WARNING
SEND_TIMEOUT = 30.0  # read/write seconds of a Bot API call (PTB's default 5 s times out on a loaded server)
CONNECT_TIMEOUT = 10.0  # connect and connection-pool seconds (a request that waited this long was not sent)
REPLY_POOL = 256  # connections of the application's bot (PTB's own default)
PUSH_POOL = 2 * sender.CONCURRENCY  # connections of the push bot: more than the sender's workers


# ───────────────────────────── building ─────────────────────────────


def file_url(api_url: str) -> str | None:
    """The file endpoint next to an API base URL: ".../bot" → ".../file/bot" (None when not of that form)."""
    return api_url.removesuffix("/bot") + "/file/bot" if api_url.endswith("/bot") else None


def send_request(pool: int, timeout: float = SEND_TIMEOUT) -> HTTPXRequest:
    """An HTTPXRequest for Bot API calls: ``timeout`` s to read and write, CONNECT_TIMEOUT to connect."""
    return HTTPXRequest(
        connection_pool_size=pool,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=CONNECT_TIMEOUT,
        pool_timeout=CONNECT_TIMEOUT,
    )


def build_application(settings: Settings, *, timeout: float = SEND_TIMEOUT) -> AnyApp:
    """The PTB application that answers commands: our API URL, its own request with ``timeout`` s to read and
    write, rate limiter with retries, HTML and no link previews, no JobQueue."""
    assert settings.token, "build_application needs a token"
    builder = ApplicationBuilder().token(settings.token).base_url(settings.api_url)
    files = file_url(settings.api_url)
    if files is not None:
        builder = builder.base_file_url(files)
    defaults = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
    limiter = AIORateLimiter(max_retries=3)
    builder = builder.request(send_request(REPLY_POOL, timeout))
    return builder.rate_limiter(limiter).defaults(defaults).job_queue(None).build()


def push_bot(settings: Settings, *, timeout: float = SEND_TIMEOUT) -> ExtBot[None]:
    """The outbox sender's bot: its own connections and ``timeout``, no PTB rate limiter (the sender paces,
    and owns the retries of a 429 so that they never hold the replies to commands)."""
    assert settings.token, "push_bot needs a token"
    request = send_request(PUSH_POOL, timeout)
    files = file_url(settings.api_url)
    if files is None:  # PTB's default file URL, as for the application's bot
        return ExtBot(settings.token, base_url=settings.api_url, request=request)
    return ExtBot(settings.token, base_url=settings.api_url, base_file_url=files, request=request)


# ───────────────────────────── the token stays out of the logs ─────────────────────────────


class TokenFilter(logging.Filter):
    """Replaces the bot token with "<token>" in a record's message and traceback."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


@contextlib.contextmanager
def hidden_token(token: str) -> Iterator[TokenFilter]:
    """While inside: the root handlers scrub the token; telegram/httpx loggers stay at WARNING or above."""
    token_filter = TokenFilter(token)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(token_filter)
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
    try:
        yield token_filter
    finally:
        for handler in handlers:
            handler.removeFilter(token_filter)


# ───────────────────────────── the running bot ─────────────────────────────


class BotRuntime:
    """What the handlers and the scheduler share while the bot runs: poller, wake event, alert memory."""

    def __init__(self, settings: Settings, ctx: pipeline.PollContext, sources: list[Source]) -> None:
        self.settings = settings
        self.ctx = ctx
        self.wake = asyncio.Event()
        self.stop = asyncio.Event()
        self.poller = scheduler.Poller(ctx, sources, on_result=self.on_result)
        self.alert_lock = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()

    def deps(self) -> BotDeps:
        return BotDeps(
            store=self.ctx.store,
            admins=self.settings.admins,
            org_index=self.ctx.org_index,
            poll_now=self.poll_now,
            reload=self.reload,
            sources=self.current_sources,
            wake=self.wake,
            now=self.ctx.now,
            health=lambda: self.ctx.health,
        )

    def current_sources(self) -> list[Source]:
        return list(self.poller.sources.values())

    def source_name(self, source_id: str, lang: str) -> str | None:
        source = self.poller.sources.get(source_id)
        return source.display_name(lang) if source is not None and (source.name or source.name_en) else None

    async def poll_now(self, source_id: str | None = None) -> list[PollResult]:
        """/poll: poll now, then return once the pushes of the new statements are sent (or on shutdown)."""
        results = await self.poller.poll_now(source_id)
        ids = [i for r in results if r.announced for i in r.statement_ids]
        if ids:
            self.wake.set()
            await _first(sender.wait_idle(self.ctx.store, ids, POLL_WAIT), self.stop.wait())
        return results

    async def reload(self) -> str:
        """/reload and SIGHUP: read feeds.yaml again (ConfigError propagates), then Poller.reload."""
        sources = await asyncio.to_thread(config.read_sources, self.settings.config_path)
        return await self.poller.reload(sources)

    def on_result(self, source: Source, result: PollResult) -> None:
        """Every poll's result: logged; with admins, checked for an alert (a deferral polled nothing)."""
        log_result(result)
        if self.ctx.store.write_error is not None:
            self.wake.set()  # the sender pauses and tells the admins (the outbox cannot take an alert)
        if self.settings.admins and result.deferred_until is None:
            self._spawn(self.check_health(source, result))
        if self.settings.admins and result.new_items:
            self._spawn(self.check_review())

    async def check_review(self) -> None:
        """One message to the admins when the review queue grew from empty (storage.review_alert); not
        while the database refuses writes (the queue then did not grow)."""
        admins = sorted(self.settings.admins)
        try:
            told = await self.ctx.store.call(
                storage.review_alert, admins, review.queue_alert(), self.ctx.now()
            )
        except storage.NotWritable as e:
            log.info("review alert not stored: %s", e)
            return
        if told:
            log.info("review queue no longer empty: admins told")
            self.wake.set()

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def check_health(self, source: Source, result: PollResult) -> None:
        """pipeline.admin_alert on the stored alert state; the new state and its alerts stored together.
        While the database refuses writes nothing is decided (the sender tells the admins of that); the
        failures counted in memory meanwhile count once it takes writes."""
        try:
            await self._check_health(source, result)
        except storage.NotWritable as e:
            log.info("source=%s: alert state not stored: %s", source.id, e)

    async def _check_health(self, source: Source, result: PollResult) -> None:
        if self.ctx.store.write_error is not None:
            return
        async with self.alert_lock:  # one read-decide-write at a time: results may come in together
            health = await pipeline.current_health(self.ctx, source.id)
            before = await self.ctx.store.call(storage.get_source_alert, source.id)
            now = self.ctx.now()
            after, kind = pipeline.admin_alert(before, ok=result.ok, error_count=health.error_count, now=now)
            if after == before:
                return
            text = alert_text(kind, source, result, health, after) if kind else None
            messages = [(admin, text) for admin in sorted(self.settings.admins)] if text else []
            await self.ctx.store.call(storage.save_source_alert, after, messages, now=now)
        if kind:
            log.warning("source=%s: %s, admins alerted", source.id, kind.replace("_", " "))
            self.wake.set()

    async def serve(
        self, bot: Bot, stop: asyncio.Event, hup: asyncio.Event | None = None, pushes: Bot | None = None
    ) -> None:
        """Poller and sender (sending with ``pushes``, else ``bot``) until ``stop`` is set (``hup``: SIGHUP,
        a reload); then both stopped
        (pending alert checks cancelled)."""
        await self.poller.start()
        outbox = asyncio.create_task(
            sender.run_sender(
                pushes or bot,
                self.ctx.store,
                self.wake,
                now=self.ctx.now,
                names=self.source_name,
                stop=self.stop,
                admins=self.settings.admins,
            )
        )
        if hup is not None:
            self._spawn(scheduler.reload_on(hup, self.reload))
        enabled = sum(1 for s in self.current_sources() if s.enabled)
        print(f"bayan: monitoring {enabled} sources, Telegram bot @{bot.username} running", flush=True)
        sources, planned = self.current_sources(), self.poller.first_runs
        for line in startup_lines(sources, self.poller.planned_from, planned, self.ctx.now()):
            print(line, flush=True)
        try:
            await stop.wait()
        finally:
            self.stop.set()  # the sender finishes the message in flight (a send held by a long 429 is cut)
            await self.poller.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(outbox), SENDER_GRACE)
            for task in [outbox, *self.tasks]:
                task.cancel()
            await asyncio.gather(outbox, *self.tasks, return_exceptions=True)


def alert_text(
    kind: AlertKind, source: Source, result: PollResult, health: SourceHealth, alert: SourceAlert
) -> str:
    """The plain text of an admin alert about a source (render.render_alert adds the header)."""
    name = f"{source.id} ({source.display_name('en')})"
    if kind == "recovered":
        return f"Source {name} recovered: polled OK {pipeline.RECOVER_AT} times in a row.\nURL: {source.url}"
    last_ok = health.last_ok.isoformat() if health.last_ok else "never"
    if kind == "failing":
        head = f"Source {name} failed {health.error_count} times in a row"
    else:
        since = alert.since.isoformat() if alert.since else "?"
        head = (
            f"Source {name} still failing: {alert.failures} failed polls since {since}, "
            f"the last {health.error_count} in a row"
        )
    error = result.error or ""
    where = "" if source.url in error else f" URL: {source.url}"  # the URL named once
    return f"{head} ({result.error_kind}): {error}\nLast OK: {last_ok}.{where}"


async def _first(*waits: Awaitable[Any]) -> None:
    """Wait until the first of ``waits`` finishes; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ───────────────────────────── entry point ─────────────────────────────


async def run_bot(
    settings: Settings,
    sources: list[Source],
    ctx: pipeline.PollContext,
    stop: asyncio.Event,
    hup: asyncio.Event | None = None,
) -> int:
    """`bayan run` with a token: the bot, the poller and the sender until ``stop``; ``hup`` set = reload
    feeds.yaml (SIGHUP). The exit code."""
    assert settings.token, "run_bot needs a token"
    with hidden_token(settings.token):
        application = build_application(settings)
        runtime = BotRuntime(settings, ctx, sources)
        ctx.on_announced = lambda ids: runtime.wake.set()
        routes.register(application, runtime.deps())
        try:
            async with application, push_bot(settings) as pushes:
                await _publish_commands(application.bot, settings.admins)
                await _run(application, runtime, stop, hup, pushes)
        except (
            InvalidToken,
            NetworkError,
        ) as e:  # at startup (getMe); later ones are handled where they occur
            await application.bot.request.shutdown()  # PTB skips its shutdown when initialize() failed
            if isinstance(e, InvalidToken):
                log.error("Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)")
            else:
                log.error("cannot reach the Telegram Bot API at %s: %s", settings.api_url, e)
            return 1
    print("bayan: stopped", flush=True)
    return 0


async def _publish_commands(bot: Bot, admins: frozenset[int]) -> None:
    try:
        await routes.publish_commands(bot, admins)
    except TelegramError as e:  # the menu is a convenience: never fail the start for it
        log.warning("setMyCommands failed: %s", e)


async def _run(
    application: AnyApp, runtime: BotRuntime, stop: asyncio.Event, hup: asyncio.Event | None, pushes: Bot
) -> None:
    updater = application.updater
    assert updater is not None
    await application.start()
    try:
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await runtime.serve(application.bot, stop, hup, pushes)
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
