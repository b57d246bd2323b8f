"""Configured sources and their polling health (tables ``sources`` and ``source_state``).

A success resets ``error_count`` and ``empty_count`` and stamps ``last_ok_at``; a failure only counts and
records the error: validators, ``content_sha`` and ``last_ok_at`` are never overwritten by a failed poll.
``last_error`` / ``error_kind`` keep the latest error seen, even after a later success.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlite_utils import Database

from bot.models import Source, SourceHealth, Validators
from bot.storage._conv import one, parse_ts, rows, ts
from bot.storage.orgs import add_config_aliases, find_org_id, merge_config_orgs

log = logging.getLogger(__name__)


def sync_sources(db: Database, sources: list[Source]) -> None:
    """Upsert the configured sources; sources no longer configured stay, with enabled = 0.

    A source whose interval changed since the last sync is rescheduled (``_reschedule``), so the new
    interval takes effect at this start rather than after the next check stored under the old one.
    """
    with db.atomic():
        before = {r["id"]: r["interval"] for r in rows(db, "SELECT id, interval FROM sources")}
        db.execute("UPDATE sources SET enabled = 0")
        for s in sources:
            db.execute(
                """INSERT INTO sources (id, name, name_en, url, type, language, enabled, org, interval)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en,
                     url = excluded.url, type = excluded.type, language = excluded.language,
                     enabled = excluded.enabled, org = excluded.org, interval = excluded.interval""",
                [s.id, s.name, s.name_en, s.url, s.type, s.language, int(s.enabled), s.org, s.interval],
            )
            if before.get(s.id) is not None and before[s.id] != s.interval:
                _reschedule(db, s)


def _reschedule(db: Database, source: Source) -> None:
    """Next check = the last poll + the new interval; a server's Retry-After (retry_until) stays a floor.
    The next failure computes its backoff from the new interval again (pipeline.next_check_failed)."""
    row = one(db, "SELECT last_polled_at, retry_until FROM source_state WHERE source_id = ?", [source.id])
    last = parse_ts(row["last_polled_at"]) if row else None
    if row is None or last is None:
        return
    nxt = last + timedelta(seconds=source.interval)
    retry_until = parse_ts(row["retry_until"])
    if retry_until is not None and retry_until > nxt:
        nxt = retry_until
    db.execute("UPDATE source_state SET next_check_at = ? WHERE source_id = ?", [ts(nxt), source.id])


def sync_config(db: Database, sources: list[Source]) -> None:
    """The configured sources, and the aliases they give their organisation (``aliases:`` in feeds.yaml).

    Aliases attach to the source's ``org`` (a registry slug); a source without ``org`` gives them to the
    organisation known by exactly its name. No organisation is ever created here: an unknown ``org`` is
    logged and its aliases left out. Organisations an older sync created from a display name are merged
    into the source's ``org``.
    """
    sync_sources(db, sources)
    pairs: list[tuple[int | str, str]] = []
    for s in sources:
        owner = find_org_id(db, s.org) if s.org else _named_org(db, s)
        if owner is None:
            if s.org:
                log.warning("feeds.yaml source %r: org %r is not in the organisation registry", s.id, s.org)
            continue
        merge_config_orgs(db, [n for n in (s.name, s.name_en) if n], owner)
        pairs += [(owner, alias) for alias in s.aliases]
    if pairs:
        add_config_aliases(db, pairs)


def _named_org(db: Database, source: Source) -> int | None:
    for name in (source.name, source.name_en):
        found = find_org_id(db, name) if name else None
        if found is not None:
            return found
    return None


def _health(source_id: str, row: dict[str, Any] | None) -> SourceHealth:
    if row is None:
        return SourceHealth(source_id=source_id)
    return SourceHealth(
        source_id=source_id,
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_sha=row["content_sha"],
        last_ok=parse_ts(row["last_ok_at"]),
        last_error=row["last_error"],
        error_kind=row["error_kind"],
        error_count=row["error_count"],
        empty_count=row["empty_count"],
        next_check=parse_ts(row["next_check_at"]),
        retry_until=parse_ts(row["retry_until"]),
        baseline_done=bool(row["baseline_done"]),
    )


def get_health(db: Database, source_id: str) -> SourceHealth:
    """The health of one source (all defaults for a source never polled)."""
    return _health(source_id, one(db, "SELECT * FROM source_state WHERE source_id = ?", [source_id]))


def list_health(db: Database) -> list[SourceHealth]:
    """Health of every configured or ever-polled source, by source id."""
    found = rows(
        db,
        """SELECT ids.id AS sid, st.* FROM
             (SELECT id FROM sources UNION SELECT source_id FROM source_state) AS ids
           LEFT JOIN source_state st ON st.source_id = ids.id ORDER BY ids.id""",
    )
    return [_health(r["sid"], r if r["source_id"] is not None else None) for r in found]


def _ensure_state(db: Database, source_id: str) -> None:
    db.execute("INSERT OR IGNORE INTO source_state (source_id) VALUES (?)", [source_id])


def record_failure(
    db: Database,
    source_id: str,
    *,
    now: datetime,
    error: str,
    kind: str,
    next_check: datetime,
    retry_until: datetime | None = None,
    counts: tuple[int, int] | None = None,
) -> SourceHealth:
    """Count one failed poll (``empty_count`` too when kind == "empty"); keeps validators and last_ok.

    ``counts``: the (error_count, empty_count) to store instead of one more than the stored ones (the
    health a poller kept in memory while the database refused writes, ``pipeline.PollContext.health``)."""
    empty = int(kind == "empty")
    with db.atomic():
        _ensure_state(db, source_id)
        db.execute(
            """UPDATE source_state SET last_error = :error, error_kind = :kind,
                 error_count = COALESCE(:errors, error_count + 1),
                 empty_count = COALESCE(:empties, empty_count + :empty), next_check_at = :next,
                 retry_until = :until, last_polled_at = :now
               WHERE source_id = :sid""",
            {
                "error": error,
                "kind": kind,
                "errors": counts[0] if counts else None,
                "empties": counts[1] if counts else None,
                "empty": empty,
                "next": ts(next_check),
                "until": ts(retry_until),
                "now": ts(now),
                "sid": source_id,
            },
        )
    return get_health(db, source_id)


def record_not_modified(
    db: Database, source_id: str, *, now: datetime, next_check: datetime, retry_until: datetime | None = None
) -> None:
    """A 304 (or unchanged body) is a success: error_count = 0, last_ok = now; validators are kept."""
    record_not_modified_many(db, [NotModifiedRow(source_id, now, next_check, retry_until)])


class NotModifiedRow(NamedTuple):
    """One unchanged poll to record (``record_not_modified_many``)."""

    source_id: str
    now: datetime
    next_check: datetime
    retry_until: datetime | None = None


def record_not_modified_many(db: Database, polls: Iterable[NotModifiedRow]) -> None:
    """``record_not_modified`` for many sources in one transaction: one ``executemany`` per statement.

    The batch a poll cycle collects (``pipeline.HealthBatch``): what it writes is timestamps and the
    counters a success resets, so a batch lost in a crash costs only those.
    """
    params = [(ts(p.now), ts(p.next_check), ts(p.retry_until), ts(p.now), p.source_id) for p in polls]
    if not params:
        return
    with db.atomic():
        db.conn.executemany(
            "INSERT OR IGNORE INTO source_state (source_id) VALUES (?)", [(p[-1],) for p in params]
        )
        db.conn.executemany(
            """UPDATE source_state SET error_count = 0, empty_count = 0, last_ok_at = ?, next_check_at = ?,
                 retry_until = ?, last_polled_at = ? WHERE source_id = ?""",
            params,
        )


def record_success(
    db: Database,
    source_id: str,
    *,
    now: datetime,
    next_check: datetime,
    validators: Validators,
    retry_until: datetime | None = None,
    refused: str | None = None,
) -> None:
    """A full successful poll (used by save_poll): new validators, counters reset, baseline done.

    ``refused``: a link the poll did not follow (the link rule); it becomes ``last_error`` with kind
    "refused" while the error count stays 0 (the source itself is healthy).
    """
    db.execute(  # one statement: a new row gets these values, an existing one is updated to them
        """INSERT INTO source_state (source_id, etag, last_modified, content_sha, last_ok_at, error_count,
             empty_count, next_check_at, retry_until, baseline_done, last_polled_at)
           VALUES (:id, :etag, :lm, :sha, :now, 0, 0, :next, :retry, 1, :now)
           ON CONFLICT(source_id) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
             content_sha = excluded.content_sha, last_ok_at = excluded.last_ok_at, error_count = 0,
             empty_count = 0, next_check_at = excluded.next_check_at, retry_until = excluded.retry_until,
             baseline_done = 1, last_polled_at = excluded.last_polled_at""",
        {
            "id": source_id,
            "etag": validators.etag,
            "lm": validators.last_modified,
            "sha": validators.content_sha,
            "now": ts(now),
            "next": ts(next_check),
            "retry": ts(retry_until),
        },
    )
    if refused is not None:
        db.execute(
            "UPDATE source_state SET last_error = ?, error_kind = 'refused' WHERE source_id = ?",
            [refused, source_id],
        )


def clamp_schedule(
    db: Database, next_check_limits: dict[str, datetime], retry_limit: datetime
) -> list[tuple[str, str, datetime, datetime]]:
    """Bring stored times that lie too far ahead back to their limit: a source's ``next_check_at`` to
    ``next_check_limits[source id]`` (sources not listed are left alone), every ``retry_until`` to
    ``retry_limit``. Returns (source id, column, stored, new) per change."""
    changed: list[tuple[str, str, datetime, datetime]] = []
    with db.atomic():
        for row in rows(db, "SELECT source_id, next_check_at, retry_until FROM source_state"):
            sid = row["source_id"]
            limits = (("next_check_at", next_check_limits.get(sid)), ("retry_until", retry_limit))
            for column, limit in limits:
                stored = parse_ts(row[column])
                if limit is None or stored is None or stored <= limit:
                    continue
                db.execute(f"UPDATE source_state SET {column} = ? WHERE source_id = ?", [ts(limit), sid])
                changed.append((sid, column, stored, limit))
    return changed
