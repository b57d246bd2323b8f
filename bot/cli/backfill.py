"""`bayan backfill`: walk the enabled sources' history (or one source's) back in time, store it, never
announce it (`bot.backfill` owns the walk).

On a terminal every source gets a progress bar (tqdm: pages, items, statements, the oldest date
reached); otherwise, and when a source is done, one plain line per source (`backfill.describe`).
`--json` prints one JSON array instead, one object per source. `--dry-run` walks into a throwaway
in-memory database: nothing is stored. Exit 0 when the run happened, even if sources failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from datetime import date
from typing import Any

from bot import backfill, config, service
from bot.cli.common import dump, find_source
from bot.models import Settings, Source


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    cfg = config.read_config(settings.config_path)
    sources = list(cfg.sources)
    if args.source is None:
        sources = [s for s in sources if s.enabled]
    else:
        sources = [replace(find_source(sources, args.source), enabled=True)]
    options = backfill.Options(
        since=date.fromisoformat(args.since) if args.since else None,
        max_pages=args.max_pages,
        restart=args.restart,
        delay=cfg.backfill_delay if args.delay is None else args.delay,
    )
    settings = replace(settings, user_agent=cfg.user_agent, http_timeout=cfg.timeout, per_host=cfg.per_host)
    db_path = ":memory:" if args.dry_run else settings.db_path
    show = _Display(sources, bars=not args.json and sys.stdout.isatty(), quiet=args.json)
    try:
        results = asyncio.run(_run(settings, db_path, sources, options, show))
    finally:
        show.close()
    if args.json:
        dump([progress_json(p, dry_run=args.dry_run) for p in results])
    elif args.dry_run:
        print("dry run: nothing was stored")
    return 0


async def _run(
    settings: Settings, db_path: str, sources: list[Source], options: backfill.Options, show: _Display
) -> list[backfill.Progress]:
    async with service.runtime_for(settings, sources, db_path) as ctx:
        return await backfill.backfill(ctx, sources, options, on_page=show.page, on_done=show.done)


class _Display:
    """Progress bars on a terminal, a plain line per source when it is done."""

    def __init__(self, sources: list[Source], *, bars: bool, quiet: bool) -> None:
        self._bars: dict[str, Any] = {}
        self._quiet = quiet
        if bars:
            from tqdm import tqdm  # here: only a terminal run draws bars

            for position, source in enumerate(sources):
                self._bars[source.id] = tqdm(
                    desc=source.id, unit=" pages", position=position, leave=False, file=sys.stdout
                )

    def page(self, p: backfill.Progress) -> None:
        bar = self._bars.get(p.source_id)
        if bar is None:
            return
        bar.update(p.pages - bar.n)
        reached = p.reached.isoformat() if p.reached else "-"
        bar.set_postfix_str(f"items={p.items} statements={p.statements} reached={reached}")

    def done(self, p: backfill.Progress) -> None:
        bar = self._bars.pop(p.source_id, None)
        if bar is not None:
            bar.close()
        if not self._quiet:
            print(backfill.describe(p), flush=True)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


def progress_json(p: backfill.Progress, *, dry_run: bool = False) -> dict[str, object]:
    """One object of `bayan backfill --json` (keys are a contract)."""
    return {
        "source": p.source_id,
        "layout": p.layout,
        "pages": p.pages,
        "items": p.items,
        "statements": p.statements,
        "failed": p.failed,
        "reached": p.reached.isoformat() if p.reached else None,
        "done": p.done,
        "stopped": p.stopped,
        "error": p.error,
        "note": p.note,
        "dry_run": dry_run,
    }
