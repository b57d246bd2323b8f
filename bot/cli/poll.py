"""`bayan run`, `bayan poll` and `bayan check-config`: the service, one poll cycle, the configuration.

`poll_once` runs the scheduler's own cycle on the configured database (or, with --dry-run, a throwaway
in-memory one where every statement is announced); `check_fetch` fetches each source once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import replace

from bot import config, console, fetch, parse, scheduler, service, storage
from bot.cli.common import find_source, read_config
from bot.models import PollResult, Settings, Source, StoredStatement


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
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


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    settings, sources = read_config(settings)
    return asyncio.run(service.run_service(settings, sources))


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    settings, sources = read_config(settings)
    if args.source is None:
        sources = [s for s in sources if s.enabled]
    else:
        sources = [replace(find_source(sources, args.source), enabled=True)]
    results, statements = asyncio.run(poll_once(settings, sources, dry_run=args.dry_run))
    if args.json:
        print(json.dumps([result_json(r) for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            print(console.format_result(r))
    for st in statements:
        print(json.dumps(st.to_json(), ensure_ascii=False))
    return 0


async def poll_once(
    settings: Settings, sources: list[Source], *, dry_run: bool = False
) -> tuple[list[PollResult], list[StoredStatement]]:
    """One cycle over the sources; with dry_run, also the statements found."""
    if dry_run:
        sources = [replace(s, announce_first_poll=True) for s in sources]
    db_path = ":memory:" if dry_run else settings.db_path
    runtime = service.open_runtime(
        db_path, sources, user_agent=settings.user_agent, timeout=settings.http_timeout
    )
    async with runtime as ctx:
        results = await scheduler.run_cycle(ctx, sources)
        found: list[StoredStatement] = []
        if dry_run:
            ids = [i for r in results for i in r.statement_ids]
            found = [s for s in [await ctx.store.call(storage.get_statement, i) for i in ids] if s]
        return results, found


def result_json(r: PollResult) -> dict[str, object]:
    """One object of `bayan poll --json` (keys are a contract)."""
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
        for line in asyncio.run(check_fetch(enabled)):
            print(line)
    return 0


async def check_fetch(sources: list[Source]) -> list[str]:
    """Fetch each source once: status, type and item count, or what went wrong."""
    client = fetch.make_client()
    fetcher = fetch.Fetcher(client)
    lines: list[str] = []
    try:
        for source in sources:
            try:
                got = await fetcher.fetch(source.url)
                items = parse.parse_items(got, source)
                lines.append(f"{source.id}: OK {got.status} {got.content_type} — {len(items)} items")
            except Exception as e:  # report every source, whatever went wrong
                lines.append(f"{source.id}: FAILED — {e}")
    finally:
        await client.aclose()
    return lines
