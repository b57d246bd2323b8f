"""What several `bayan` commands share: opening the database, reading feeds.yaml, choosing sources,
checking arguments, printing JSON, and reading one page to extract (a file or a URL).

Every error is a BayanError (one line, exit 2 from `bot.cli.main`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import config, fetch, storage
from bot.models import BayanError, FetchError, Hints, Settings, Source, Statement


def open_existing_db(path: str) -> storage.Db:
    """Open the database of a read-only command; a missing file is an error, never created here."""
    if path != ":memory:" and Path(path).is_dir():
        raise BayanError(f"database path {path} is a directory")
    if path != ":memory:" and not Path(path).exists():
        raise BayanError(f"no database at {path}; run `bayan poll --once` or set BAYAN_DB")
    return storage.open_db(path)


def open_db(settings: Settings, *, create: bool = False) -> storage.Db:
    """The database of a command, with the shipped registry seeded when it holds none yet; ``create``
    (commands that write registry fixes) makes it when missing, read-only commands never do."""
    if create and settings.db_path != ":memory:" and Path(settings.db_path).is_dir():
        raise BayanError(f"database path {settings.db_path} is a directory")
    db = storage.open_db(settings.db_path) if create else open_existing_db(settings.db_path)
    if not storage.list_orgs(db, limit=1):
        registry = config.registry_file()
        storage.seed_registry_if_changed(db, registry.sha256, registry.orgs)
    return db


def registry_db(settings: Settings) -> storage.Db:
    """The database for reading organisation names: the configured one when it exists, else an
    in-memory one holding the shipped registry (a read needs no file created)."""
    exists = settings.db_path == ":memory:" or Path(settings.db_path).exists()
    return open_db(settings if exists else replace(settings, db_path=":memory:"))


def read_config(settings: Settings) -> tuple[Settings, list[Source]]:
    """feeds.yaml: its sources, and its fetch-wide defaults (user agent, timeout, connections per host)
    folded into the settings."""
    cfg = config.read_config(settings.config_path)
    settings = replace(settings, user_agent=cfg.user_agent, http_timeout=cfg.timeout, per_host=cfg.per_host)
    return settings, list(cfg.sources)


def configured_sources(settings: Settings) -> dict[str, Source]:
    """The configured sources by id, when the config file exists (extraction hints need no more)."""
    if not Path(settings.config_path).is_file():
        return {}
    return {s.id: s for s in config.read_sources(settings.config_path)}


def find_source(sources: list[Source] | dict[str, Source], source_id: str) -> Source:
    """The configured source ``source_id``; a BayanError naming the known ones otherwise."""
    listed = list(sources.values()) if isinstance(sources, dict) else sources
    found = next((s for s in listed if s.id == source_id), None)
    if found is None:
        raise unknown_source(source_id, [s.id for s in listed])
    return found


def unknown_source(source_id: str, known_ids: list[str]) -> BayanError:
    """The error of an unknown ``--source`` (the same in every command), naming the first known ids."""
    known = ", ".join(known_ids[:10])
    more = ", …" if len(known_ids) > 10 else ""
    return BayanError(f"unknown source id {source_id!r} (known: {known or 'none'}{more})")


def limit_footer(shown: int, total: int) -> str | None:
    """The last line of a list cut by --limit ("showing 20 of 85 (--limit N to see more)"), else None."""
    return f"showing {shown} of {total} (--limit N to see more)" if total > shown else None


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise BayanError("--limit must be at least 1")


def dump(data: Any) -> None:
    """Print ``data`` as indented JSON, Arabic as is."""
    print(json.dumps(data, ensure_ascii=False, indent=2))


async def extract_target(target: str, hints: Hints) -> Statement:
    """`bayan extract`: a local file or an http(s) URL, PDF or HTML or plain text (a URL's redirects to
    other origins follow the link rule of bot.netguard)."""
    from bot import extract  # here: the other commands never load the extractor

    if target.startswith(("http://", "https://")):
        client = fetch.make_client()
        try:
            got = await fetch.Fetcher(client).fetch(target)
        finally:
            await client.aclose()
        text = extract.document_text(got.body, got.content_type)
        return extract.extract_statement(text, replace(hints, url=got.url))
    path = Path(target)
    if not path.is_file():
        raise FetchError(target, "no such file", kind="http")
    return extract.extract_statement(extract.document_text(path.read_bytes()), hints)
