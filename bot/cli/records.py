"""`bayan statements`, `bayan statement`, `bayan export` and `bayan sources`: what the database holds,
for people and for other programs (the JSON keys and the export columns are a contract)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from typing import TextIO

from bot import config, console, storage
from bot.cli.common import (
    check_limit,
    configured_sources,
    dump,
    limit_footer,
    open_existing_db,
    unknown_source,
)
from bot.models import BackfillState, Settings, Source, SourceHealth, StatementDetail


def cmd_statements(args: argparse.Namespace, settings: Settings) -> int:
    check_limit(args.limit)
    db = open_existing_db(settings.db_path)
    if args.source is not None:
        known = sorted({*configured_sources(settings), *storage.known_source_ids(db)})
        if args.source not in known:
            raise unknown_source(args.source, known)
    rows = storage.list_statements(db, limit=args.limit, source=args.source)
    if args.json:
        dump([r.to_json() for r in rows])
        return 0
    if not rows:
        print(f"no statements from source {args.source}" if args.source else _NOTHING_YET)
        return 0
    for r in rows:
        print(console.statement_line(r))
    if footer := limit_footer(len(rows), storage.count_statements(db, source=args.source)):
        print(footer)
    return 0


_NOTHING_YET = "no statements stored yet (run `bayan poll --once`)"


def cmd_statement(args: argparse.Namespace, settings: Settings) -> int:
    detail = storage.statement_detail(open_existing_db(settings.db_path), args.id)
    if detail is None:
        print(f"bayan: no statement with id {args.id} (see `bayan statements`)", file=sys.stderr)
        return 1
    if args.json:
        dump(detail.to_json())
        return 0
    for line in statement_lines(detail):
        print(line)
    return 0


def statement_lines(detail: StatementDetail) -> list[str]:
    """`bayan statement ID` for people: the fields, each signature (name as written → organisation), the
    individuals and the sources that carried it."""
    st, iso = detail.statement, console.isolate
    day = st.published.isoformat() if st.published else "undated"
    lines = [
        f"statement {st.id}: {iso(st.title or '(no title)')}",
        f"  {st.kind or 'statement'} · {iso(day)} · language {st.language or '-'} · "
        f"announced {'yes' if st.announced else 'no'} · confidence {st.confidence:.2f}",
        f"  {iso(st.url)}",
    ]
    if st.issuer:
        lines.append(f"  issuer: {iso(st.issuer)}")
    if st.lead:
        lines.append(f"  {iso(st.lead)}")
    lines.append(f"signatories: {len(detail.signatures) or 'none'}")
    for n, sig in enumerate(detail.signatures, 1):
        org = sig.org
        tag = f"[{org.slug}]" if org.slug else "[provisional]" if org.provisional else ""
        role = " (issuer)" if sig.role == "issuer" else ""
        same = sig.name_as_written == org.name
        target = "" if same else f" → {iso(org.name)}"
        lines.append(f"  {n:>3}. {iso(sig.name_as_written)}{target} {tag} (org {org.id}){role}".rstrip())
    if st.individuals:
        lines.append(f"individuals: {len(st.individuals)}")
        lines += [f"  {n:>3}. {iso(name)}" for n, name in enumerate(st.individuals, 1)]
    lines.append(f"sources: {len(detail.copies)}")
    for copy in detail.copies:
        seen = copy.first_seen.isoformat() if copy.first_seen else "-"
        lines.append(f"  {copy.source}  {iso(copy.url)}  first seen {seen}")
    return lines


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Statements × signatories as CSV (UTF-8 with BOM in a file, so spreadsheets show Arabic) or JSON."""
    db = open_existing_db(settings.db_path)
    rows = storage.export_signatures(db, since=args.since)
    if not args.out:
        _write_export(sys.stdout, args.format, rows)
        return 0
    encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
    with open(args.out, "w", encoding=encoding, newline="") as out:
        _write_export(out, args.format, rows)
    print(f"bayan: wrote {args.out}", file=sys.stderr)
    return 0


def _write_export(out: TextIO, fmt: str, rows: Iterator[dict[str, object]]) -> None:
    if fmt == "json":
        json.dump(list(rows), out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    writer = csv.DictWriter(out, fieldnames=storage.EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    """Each source's health; a database that refuses writes is named on stderr (the JSON stays a list)."""
    sources = config.read_sources(settings.config_path)
    db = open_existing_db(settings.db_path)
    problem = storage.write_problem(db) if settings.db_path != ":memory:" else None
    if problem is not None:
        print(f"bayan: database not writable: {problem} ({settings.db_path})", file=sys.stderr)
    healths = {h.source_id: h for h in storage.list_health(db)}
    walks, oldest = storage.list_backfill(db), storage.oldest_statements(db)
    rows = [
        {**source_row(s, healths.get(s.id)), **history_row(walks.get(s.id), oldest.get(s.id))}
        for s in sources
    ]
    if args.json:
        dump(rows)
        return 0
    for source, row in zip(sources, rows, strict=True):
        state = "enabled " if row["enabled"] else "disabled"
        every = f"every {console.format_duration(source.interval)}"
        err = f" errors={row['error_count']} last_error={row['last_error']}" if row["error_count"] else ""
        history = f" history={row['oldest_statement'] or '-'} backfill={row['backfill_state'] or '-'}"
        print(
            f"{row['id']:<28} {state} {every:<11} last_ok={row['last_ok'] or '-'} "
            f"next={row['next_check'] or '-'}{history}{err}"
        )
    if not rows:
        print(f"no sources in {settings.config_path}")
    return 0


def history_row(walk: BackfillState | None, oldest: date | None) -> dict[str, object]:
    """How far back a source's history goes (`bayan sources --json`, after the health keys):
    ``oldest_statement`` (the date of its oldest stored statement), ``backfill_state`` (null: never
    backfilled, "partial": a walk to continue, "done"), ``backfill_reached`` (the oldest date the walk
    met), ``backfill_pages``, ``backfill_items``, ``backfill_statements``, ``backfill_updated``."""
    return {
        "oldest_statement": oldest.isoformat() if oldest else None,
        "backfill_state": None if walk is None else "done" if walk.done else "partial",
        "backfill_reached": walk.reached.isoformat() if walk and walk.reached else None,
        "backfill_pages": walk.pages if walk else 0,
        "backfill_items": walk.items if walk else 0,
        "backfill_statements": walk.statements if walk else 0,
        "backfill_updated": walk.updated_at.isoformat() if walk and walk.updated_at else None,
    }


def source_row(source: Source, health: SourceHealth | None) -> dict[str, object]:
    """A `bayan sources --json` row (id, last_ok, error_count, last_error, next_check: a contract;
    interval in seconds)."""
    h = health or SourceHealth(source.id)

    def iso(d: datetime | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "id": source.id,
        "name": source.name or source.name_en,
        "url": source.url,
        "type": source.type,
        "enabled": source.enabled,
        "interval": int(source.interval) if source.interval.is_integer() else source.interval,
        "last_ok": iso(h.last_ok),
        "error_count": h.error_count,
        "last_error": h.last_error,
        "error_kind": h.error_kind,
        "next_check": iso(h.next_check),
        "deferred_until": iso(h.retry_until),
        "baseline_done": h.baseline_done,
    }
