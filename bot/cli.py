"""The `bayan` command line (also `python -m bot`): argument parsing and one function per subcommand.

A composition root for one-shot commands: it reads the environment once (config.load_settings), opens the
store, and calls the same code the service runs. Every command takes --config and --db and fails with a
one-line error and a non-zero exit. Subcommands of the organisation registry live in cli_orgs.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TextIO

from bot import __version__, app, cli_orgs, config, storage
from bot.models import BayanError, ConfigError, Hints, PollResult, Settings, Source

log = logging.getLogger("bayan")

Handler = Callable[[argparse.Namespace, Settings], int]
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = []
EXTRA_COMMANDS.append(cli_orgs.register)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `bayan` command; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage errors (exit 2), --help and --version (exit 0) return, not raise
        return e.code if isinstance(e.code, int) else 2
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = _settings(args)
        _setup_logging(settings.log_level)
        return int(args.handler(args, settings))
    except ConfigError as e:
        print(config.format_problems(e), file=sys.stderr)
        return 1
    except BayanError as e:
        print(f"bayan: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _settings(args: argparse.Namespace) -> Settings:
    settings = config.load_settings(os.environ)
    if getattr(args, "db", None):
        settings = replace(settings, db_path=args.db)
    if getattr(args, "config", None):
        settings = replace(settings, config_path=args.config)
    return settings


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram", "pypdf"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="feeds file (env BAYAN_CONFIG)")
    common.add_argument("--db", default=argparse.SUPPRESS, help="SQLite file (env BAYAN_DB)")
    parser = argparse.ArgumentParser(
        prog="bayan",
        parents=[common],
        description="Bayan: statements of Syrian civil society and who signed them.",
    )
    parser.add_argument("--version", action="version", version=f"bayan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_service_commands(sub, common)
    _add_query_commands(sub, common)
    for add in EXTRA_COMMANDS:
        add(sub, common)
    return parser


def _add_service_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="the service: scheduler (+ Telegram bot with a token)")
    p.set_defaults(handler=cmd_run)
    p = sub.add_parser("poll", parents=[common], help="poll the sources once")
    p.add_argument("--once", action="store_true", help="one cycle (the default and only mode)")
    p.add_argument("--source", metavar="ID", help="only this source")
    p.add_argument("--dry-run", action="store_true", help="throwaway in-memory database; print what is found")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_poll)
    p = sub.add_parser("check-config", parents=[common], help="validate the environment and feeds.yaml")
    p.add_argument("--fetch", action="store_true", help="also fetch each enabled source once")
    p.set_defaults(handler=cmd_check_config)
    p = sub.add_parser("extract", parents=[common], help="extract one page (file or URL)")
    p.add_argument("target", metavar="PATH_OR_URL")
    p.add_argument("--json", action="store_true")
    p.add_argument("--language", choices=["ar", "en"])
    p.add_argument("--statements-only", action="store_true")
    p.set_defaults(handler=cmd_extract)


def _add_query_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("statements", parents=[common], help="stored statements, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--source", metavar="ID")
    p.set_defaults(handler=cmd_statements)
    p = sub.add_parser("export", parents=[common], help="open data: one row per statement × signatory")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--since", metavar="YYYY-MM-DD", type=_iso_date, help="statements published since")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.set_defaults(handler=cmd_export)
    p = sub.add_parser("sources", parents=[common], help="configured sources and their health")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_sources)


# ───────────────────────────── commands ─────────────────────────────


def _read_config(settings: Settings) -> tuple[Settings, list[Source]]:
    """feeds.yaml: its sources, and its fetch-wide defaults (user agent, timeout) folded into the settings."""
    cfg = config.read_config(settings.config_path)
    return replace(settings, user_agent=cfg.user_agent, http_timeout=cfg.timeout), list(cfg.sources)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    settings, sources = _read_config(settings)
    return asyncio.run(app.run_service(settings, sources))


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    settings, sources = _read_config(settings)
    sources = _select_sources(sources, args.source)
    results, statements = asyncio.run(app.poll_once(settings, sources, dry_run=args.dry_run))
    if args.json:
        print(json.dumps([_result_json(r) for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(app.format_result(r))
    for st in statements:
        print(json.dumps(st.to_json(), ensure_ascii=False))
    return 0


def _select_sources(sources: list[Source], source_id: str | None) -> list[Source]:
    if source_id is None:
        return [s for s in sources if s.enabled]
    chosen = [s for s in sources if s.id == source_id]
    if not chosen:
        known = ", ".join(s.id for s in sources[:10])
        raise BayanError(
            f"unknown source id {source_id!r} (known: {known}{', …' if len(sources) > 10 else ''})"
        )
    return [replace(chosen[0], enabled=True)]


def _result_json(r: PollResult) -> dict[str, object]:
    return {
        "source": r.source_id,
        "new_items": r.new_items,
        "new_statements": r.new_statements,
        "announced": r.announced,
        "not_modified": r.not_modified,
        "baseline": r.baseline,
        "deferred_until": r.deferred_until.isoformat() if r.deferred_until else None,
        "error": r.error,
        "error_kind": r.error_kind,
    }


def cmd_check_config(args: argparse.Namespace, settings: Settings) -> int:
    sources = config.read_sources(settings.config_path)
    enabled = [s for s in sources if s.enabled]
    print(f"{settings.config_path}: {len(sources)} sources, {len(enabled)} enabled — OK")
    print(
        f"database: {settings.db_path}; Telegram: "
        + ("token set" if settings.token else "no token (console mode)")
    )
    if args.fetch:
        for line in asyncio.run(app.check_fetch(enabled)):
            print(line)
    return 0


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    hints = Hints(language=args.language, statements_only=args.statements_only)
    statement = asyncio.run(app.extract_target(args.target, hints))
    if args.json:
        print(json.dumps(statement.to_json(), ensure_ascii=False))
        return 0
    data = statement.to_json()
    for key in ("is_statement", "kind", "title", "published", "language", "issuer", "lead"):
        print(f"{key}: {data[key]}")
    print(f"signatories ({len(statement.signatories)}):")
    for name in statement.signatories:
        print(f"  - {name}")
    if statement.individuals:
        print(f"individuals ({len(statement.individuals)}):")
        for name in statement.individuals:
            print(f"  - {name}")
    return 0


def cmd_statements(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit < 1:
        raise BayanError("--limit must be at least 1")
    db = open_existing_db(settings.db_path)
    rows = storage.list_statements(db, limit=args.limit, source=args.source)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        date = r.published.isoformat() if r.published else "----------"
        who = r.issuer or f"{len(r.signatories)} signatories"
        print(f"{r.id:>5}  {date}  {r.kind or '-':<11} {r.title or '(no title)'} — {who} — {r.url}")
    return 0


def _iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


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
    sources = config.read_sources(settings.config_path)
    db = open_existing_db(settings.db_path)
    healths = {h.source_id: h for h in storage.list_health(db)}
    rows = [app.source_row(s, healths.get(s.id)) for s in sources]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        state = "enabled " if row["enabled"] else "disabled"
        err = f" errors={row['error_count']} last_error={row['last_error']}" if row["error_count"] else ""
        print(f"{row['id']:<28} {state} last_ok={row['last_ok'] or '-'} next={row['next_check'] or '-'}{err}")
    return 0


def open_existing_db(path: str) -> storage.Db:
    """Open the database for a query command (created empty when missing, so a fresh clone works)."""
    if path != ":memory:" and Path(path).is_dir():
        raise BayanError(f"database path {path} is a directory")
    return storage.open_db(path)
