"""`bayan health`: is the service alive? For a container's HEALTHCHECK, a systemd timer or a monitor.

Healthy (exit 0) when feeds.yaml reads, the database can be written (a real committed write that
leaves nothing behind: `storage.write_problem`) and some enabled source was polled recently: within
``--max-age``, by default twice the shortest enabled interval plus `MARGIN` (a cycle may start a little
late and take a while).
Otherwise exit 1 with one line saying why. ``--json`` prints one object (keys `ok, message, database,
writable, last_poll, age, max_age`: times ISO-8601 UTC, durations in seconds) and exits the same way.
It never creates the database (a missing one is unhealthy).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import config, console, storage
from bot.cli.common import dump
from bot.models import BayanError, ConfigError, Settings, Source, utcnow

MARGIN = 600.0  # seconds added to twice the shortest interval


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    report = check(settings, max_age=_max_age(args.max_age), now=utcnow())
    if args.json:
        dump(report)
    elif report["ok"]:
        print(report["message"])
    else:
        print(f"bayan health: {report['message']}", file=sys.stderr)
    return 0 if report["ok"] else 1


def _max_age(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return config.parse_duration(text)
    except ValueError as e:
        raise BayanError(f"--max-age: {e}") from None


def check(settings: Settings, *, max_age: float | None, now: datetime) -> dict[str, Any]:
    """The health report (see the module doc); never raises for an unhealthy state."""
    report: dict[str, Any] = {
        "ok": False,
        "message": "",
        "database": settings.db_path,
        "writable": False,
        "last_poll": None,
        "age": None,
        "max_age": max_age,
    }
    try:
        enabled = [s for s in config.read_sources(settings.config_path) if s.enabled]
    except ConfigError as e:
        return {**report, "message": (e.problems or [str(e)])[0]}
    if not enabled:
        return {**report, "message": f"{settings.config_path}: no enabled sources (nothing is polled)"}
    limit = max_age if max_age is not None else default_max_age(enabled)
    report["max_age"] = limit
    db, problem = _open_writable(settings.db_path)
    if db is None:
        return {**report, "message": problem}
    report["writable"] = True
    try:
        last = storage.last_poll(db, [s.id for s in enabled])
    finally:
        db.close()
    return _verdict(report, last, limit, now, explicit=max_age is not None)


def default_max_age(enabled: list[Source]) -> float:
    """Twice the shortest interval of the enabled sources, plus MARGIN."""
    return 2 * min(s.interval for s in enabled) + MARGIN


def _open_writable(path: str) -> tuple[storage.Db | None, str]:
    """The database at ``path`` once a write to it committed, else None and why."""
    if path != ":memory:" and not Path(path).is_file():
        what = "is a directory" if Path(path).is_dir() else "does not exist (bayan run creates it)"
        return None, f"database {path} {what}"
    try:
        db = storage.open_db(path)
    except BayanError as e:  # a read-only file fails already here: opening sets WAL mode, migrates
        text = str(e)
        if "readonly" in text or "unable to open" in text:  # a read-only file, or folder for the WAL files
            return None, f"database {path} is not writable: {text.rsplit(': ', 1)[-1]}"
        return None, text
    reason = storage.write_problem(db)
    if reason is not None:
        db.close()
        return None, f"database {path} is not writable: {reason}"
    return db, ""


def _verdict(
    report: dict[str, Any], last: datetime | None, limit: float, now: datetime, *, explicit: bool
) -> dict[str, Any]:
    dur = console.format_duration
    db = report["database"]
    if last is None:
        return {**report, "message": f"database {db}: no source polled yet (bayan run polls at start)"}
    age = max((now - last).total_seconds(), 0.0)
    report = {**report, "last_poll": last.isoformat(), "age": round(age, 3)}
    if age > limit:
        rule = "--max-age" if explicit else f"2 × the shortest interval + {dur(MARGIN)}; --max-age changes it"
        return {**report, "message": f"last poll {dur(age)} ago, more than {dur(limit)} ({rule})"}
    message = f"ok: database {db} writable; last poll {dur(age)} ago (limit {dur(limit)})"
    return {**report, "ok": True, "message": message}
