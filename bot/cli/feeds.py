"""`bayan sources export --opml` and `bayan sources import FILE.opml [--append]`: the feed sources to and
from OPML, the format feed readers exchange subscriptions in (`bot.opml` reads and writes it).

Import prints the feeds.yaml entries of the feeds no source polls yet; ``--append`` splices them into
feeds.yaml after its last source (`config.edit`: the file's comments and layout stay) once the result
passes the checks of `bayan check-config` (nothing is written otherwise).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot import config, opml, storage
from bot.cli.common import read_config
from bot.cli.poll import check_selectors
from bot.config.edit import append_sources
from bot.models import BayanError, Settings, utcnow


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Every feed source of feeds.yaml (enabled or not) as one OPML 2.0 document."""
    _, sources = read_config(settings)
    text = opml.render_opml(sources, title="Bayan sources", created=utcnow())
    if not args.out:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as e:
        raise BayanError(f"cannot write {args.out}: {e.strerror or e}") from None
    count = sum(1 for s in sources if opml.is_feed(s))
    print(f"bayan: wrote {count} feeds to {args.out}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Print (or with --append add) the entries of the OPML file's feeds that are not configured yet."""
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise BayanError(f"cannot read {args.file}: {e.strerror or e}") from None
    feeds = opml.read_opml(data, args.file)
    _, sources = read_config(settings)
    new, already = opml.plan_import(feeds, sources, _stored_ids(settings.db_path))
    summary = f"{args.file}: {len(feeds)} feeds, {already} configured already, {len(new)} new"
    if not new:
        print(f"{summary}; nothing to add", file=sys.stderr)
        return 0
    note = f"imported from {Path(args.file).name} on {utcnow().date().isoformat()}"
    if not args.append:
        sys.stdout.write(opml.entries_yaml(new, note=note))
        print(f"{summary} (paste the entries under sources: in {settings.config_path})", file=sys.stderr)
        return 0
    _append(settings, lambda indent: opml.entries_yaml(new, indent=indent, note=note))
    print(f"{summary}; added to {settings.config_path}: {', '.join(e.id for e in new)}")
    cfg = config.read_config(settings.config_path)
    enabled = sum(1 for s in cfg.sources if s.enabled)
    print(f"{settings.config_path}: {len(cfg.sources)} sources, {enabled} enabled — OK")
    return 0


def _stored_ids(db_path: str) -> list[str]:
    """The source ids the database has a history for (a removed source's id is not reused), when it
    exists."""
    if db_path == ":memory:" or not Path(db_path).is_file():
        return []
    db = storage.open_db(db_path)
    try:
        return storage.known_source_ids(db)
    finally:
        db.close()


def _append(settings: Settings, entries: Callable[[int], str]) -> None:
    """Splice the entries into feeds.yaml, check the result as `bayan check-config` does, then replace the
    file in one rename (same permissions); a result with problems is a ConfigError and nothing changes."""
    path = Path(settings.config_path)
    text = path.read_text(encoding="utf-8-sig")
    updated = append_sources(text, entries, str(path))
    checked = config.load_config(updated, str(path))
    check_selectors(str(path), list(checked.sources))
    fd, tmp = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(updated)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path.resolve())
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise BayanError(f"cannot write {path}: {e.strerror or e}") from None
