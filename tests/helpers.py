"""Helpers tests import as functions (pytest fixtures live in conftest.py, which no test imports):
reading fixture files, and waiting on a condition with a deadline instead of sleeping blindly."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(relpath: str) -> bytes:
    return (FIXTURES / relpath).read_bytes()


async def eventually(
    check: Callable[[], Any] | Callable[[], Awaitable[Any]], timeout: float = 5.0, interval: float = 0.01
) -> Any:
    """Poll ``check`` until it returns a truthy value or the deadline passes (then fail, showing the last)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
        await asyncio.sleep(interval)


def wait_until(check: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
    """Synchronous eventually(): poll ``check`` with a deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
        time.sleep(interval)


class Clock:
    """A settable clock: what the sender, the scheduler or the bot take for "now" in a test."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


@asynccontextmanager
async def polling(app: Any) -> AsyncIterator[Any]:
    """A python-telegram-bot Application started and polling its Bot API (the fake one) while the block
    runs; stopped after it, whatever happens."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def quiet_deps(
    store: Any,
    sources: Callable[[], list[Any]],
    *,
    index: Any = None,
    org_index: Callable[[], Awaitable[Any]] | None = None,
    admins: frozenset[int] = frozenset(),
    **extra: Any,
) -> Any:
    """``BotDeps`` for a bot suite that never polls nor reloads: ``poll_now`` finds nothing, ``reload``
    says nothing, and the organisation index is ``index`` (or what ``org_index`` answers)."""
    from bot.tg import handler  # here: suites that never start a bot do not load python-telegram-bot

    async def fixed_index() -> Any:
        return index

    async def poll_now(source: str | None) -> list[Any]:
        return []

    async def reload() -> str:
        return ""

    return handler.BotDeps(
        store, admins, org_index or fixed_index, poll_now, reload, sources, asyncio.Event(), **extra
    )
