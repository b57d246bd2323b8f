"""`bayan run`, `bayan poll` and `bayan check-config`: the service, one poll cycle, the configuration.

`poll_once` runs the scheduler's own cycle on the configured database (or, with --dry-run, a throwaway
in-memory one where every statement is announced) and returns the statements each source stored;
`check_fetch` fetches each source once. `poll --json` is one JSON array, one object per source.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace

from bot import console, fetch, scheduler, service, storage
from bot.cli.common import dump, find_source, read_config
from bot.models import ConfigError, PollResult, Settings, Source, StoredStatement


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    settings, sources = read_config(settings)
    return asyncio.run(service.run_service(settings, sources))


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    settings, sources = read_config(settings)
    if args.source is None:
        sources = [s for s in sources if s.enabled]
    else:
        sources = [replace(find_source(sources, args.source), enabled=True)]
    results, stored = asyncio.run(poll_once(settings, sources, dry_run=args.dry_run))
    if args.json:
        dump([{**result_json(r), "statements": [s.to_json() for s in stored[r.source_id]]} for r in results])
        return 0
    for r in results:
        print(console.format_result(r))
        for st in stored[r.source_id]:
            print(console.new_statement_line(st))
            if args.dry_run:
                _print_signatories(st)
    return 0


def _print_signatories(st: StoredStatement) -> None:
    """A dry run shows every name found: what a real poll would store."""
    if st.signatories:
        print("      signatories: " + console.isolate("، ".join(st.signatories)))
    if st.individuals:
        print("      individuals: " + console.isolate("، ".join(st.individuals)))


async def poll_once(
    settings: Settings, sources: list[Source], *, dry_run: bool = False
) -> tuple[list[PollResult], dict[str, list[StoredStatement]]]:
    """One cycle over the sources, and the statements each source stored (by source id)."""
    if dry_run:
        sources = [replace(s, announce_first_poll=True) for s in sources]
    db_path = ":memory:" if dry_run else settings.db_path
    async with service.runtime_for(settings, sources, db_path) as ctx:
        results = await scheduler.run_cycle(ctx, sources)
        found: dict[str, list[StoredStatement]] = {}
        for r in results:
            ids = list(r.statement_ids)
            found[r.source_id] = await ctx.store.call(storage.statements_by_ids, ids) if ids else []
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
    """Exit 0: the configuration is valid (and, with --fetch, every enabled source answered and parsed);
    1: a problem (listed on stderr) or a source that failed (its FAILED line)."""
    settings, sources = read_config(settings)
    check_selectors(settings.config_path, sources)
    enabled = [s for s in sources if s.enabled]
    print(f"{settings.config_path}: {len(sources)} sources, {len(enabled)} enabled — OK")
    print(
        f"database: {settings.db_path}; Telegram: "
        + ("token set" if settings.token else "no token (console mode)")
    )
    if not args.fetch:
        return 0
    failed = 0
    for ok, line in asyncio.run(check_fetch(settings, enabled)):
        print(line, flush=True)
        failed += not ok
    if failed:
        print(f"{failed} of {len(enabled)} sources failed")
    return 1 if failed else 0


def check_selectors(path: str, sources: list[Source]) -> None:
    """Every CSS selector must parse (nothing is fetched); a ConfigError lists those that don't."""
    from bot import parse  # here: `bayan poll` and `run` load the parsers only when a feed changed

    problems = [
        f"{path}:{s.line}: source '{s.id}': key '{key}': {problem}" if s.line else f"{path}: {problem}"
        for s in sources
        for key, problem in parse.selector_problems(s)
    ]
    if problems:
        raise ConfigError(problems)


async def check_fetch(settings: Settings, sources: list[Source]) -> list[tuple[bool, str]]:
    """Fetch each source once as a poll reads it (its url, then each fallback URL, then its html_fallback
    page): (ok, "ID: OK status type — N items"), with what failed before when a fallback answered, or
    (False, "ID: FAILED — why", every URL tried)."""
    client = fetch.make_client(
        user_agent=settings.user_agent or fetch.USER_AGENT, timeout=settings.http_timeout or 20.0
    )
    fetcher = fetch.Fetcher(client, per_host=settings.per_host or fetch.PER_HOST)
    lines: list[tuple[bool, str]] = []
    try:
        for source in sources:
            lines.append(await _check_source(fetcher, source))
    finally:
        await client.aclose()
    return lines


async def _check_source(fetcher: fetch.Fetcher, source: Source) -> tuple[bool, str]:
    from bot import parse

    tries = [(source.url, source)] + [(url, source) for url in source.fallback_urls]
    if source.html_fallback is not None:
        url, selectors = source.html_fallback
        tries.append((url, replace(source, type="page", selectors=selectors)))
    failed: list[str] = []
    for url, as_read in tries:
        try:
            got = await fetcher.fetch(url, fetch.source_policy(source))
            items = parse.parse_items(got, as_read)
        except Exception as e:  # report every source, whatever went wrong
            # the source's url as before; a fallback's error is named by its URL unless it names it
            plain = url == source.url or url in str(e)
            failed.append(str(e) if plain else f"{url}: {e}")
            continue
        via = f" (from {url}; before it: {'; '.join(failed)})" if failed else ""
        count = console.plural(len(items), "item")
        return True, f"{source.id}: OK {got.status} {got.content_type} — {count}{via}"
    return False, f"{source.id}: FAILED — {'; '.join(failed)}"
