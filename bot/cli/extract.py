"""`bayan extract` (one page: a file or a URL, HTML, plain text or PDF) and `bayan reextract` (the stored
pages again, after the extractor improved).

`extract --source ID` gives the page the hints a poll of that configured source would give it (its
organisation's names, language, statements_only); re-extraction itself is `pipeline.reextract`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace

from bot import console, orgs, pipeline, storage
from bot.cli.common import (
    configured_sources,
    dump,
    extract_target,
    find_source,
    open_existing_db,
    registry_db,
)
from bot.models import Hints, Settings, Statement


def _hints(args: argparse.Namespace, settings: Settings) -> Hints:
    """--source's hints as a poll gives them (registry names of its ``org:`` read from the database, or
    from the shipped registry when there is none yet), then --language and --statements-only on top."""
    hints = Hints()
    if args.source:
        source = find_source(configured_sources(settings), args.source)
        hints = pipeline.source_hints(registry_db(settings), source) if source.org else source.hints()
    if args.language:
        hints = replace(hints, language=args.language)
    if args.statements_only:
        hints = replace(hints, statements_only=True)
    return hints


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    statement = asyncio.run(extract_target(args.target, _hints(args, settings)))
    if args.json:
        print(json.dumps(statement.to_json(), ensure_ascii=False))
        return 0
    for line in readable(statement):
        print(line)
    return 0


def readable(st: Statement) -> list[str]:
    """`bayan extract` without --json: one field a line, words instead of Python values (yes/no, "-"),
    names one a line, every text field isolated so Arabic keeps the line's order."""

    def text(value: object) -> str:
        return console.isolate(value) if value not in (None, "") else "-"

    lines = [f"statement: {'yes' if st.is_statement else 'no'} (confidence {st.confidence:.2f})"]
    published = st.published.isoformat() if st.published else None
    fields = {"kind": st.kind, "title": st.title, "published": published, "language": st.language}
    fields |= {"issuer": st.issuer, "lead": st.lead}
    lines += [f"{key}: {text(value)}" for key, value in fields.items()]
    if st.withdrawn_from:
        lines.append(f"withdrawn from: {text(st.withdrawn_from)}")
    lines.append("evidence: " + (", ".join(st.evidence) or "-"))
    for key, names in (("signatories", st.signatories), ("individuals", st.individuals)):
        lines.append(f"{key}: {len(names) or 'none'}")
        lines += [f"  - {console.isolate(name)}" for name in names]
    return lines


def cmd_reextract(args: argparse.Namespace, settings: Settings) -> int:
    db = open_existing_db(settings.db_path)
    pages = storage.reextract_targets(db, args.ids or None)
    missing = sorted(set(args.ids) - {p.statement_id for p in pages})
    sources = configured_sources(settings)
    index = orgs.OrgIndex(storage.org_index_entries(db))
    reports = [pipeline.reextract(db, page, sources, index) for page in pages]
    if args.json:
        dump([r.to_json() for r in reports] + [{"id": i, "error": "no stored page"} for i in missing])
    else:
        for report in reports:
            print(report.line(console.isolate_rtl))
        if not reports and not missing:
            print("no stored pages to re-extract (run `bayan poll --once`)")
    for i in missing:
        print(f"bayan: statement {i}: not found or no stored page", file=sys.stderr)
    return 1 if missing else 0
