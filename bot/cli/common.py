"""What several `bayan` commands share: opening the database, reading feeds.yaml, choosing sources,
checking arguments, printing JSON, and reading one page to extract (a file or a URL).

Every error is a BayanError (one line, exit 2 from `bot.cli.main`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import config, extract, fetch, storage
from bot.models import BayanError, FetchError, Hints, Settings, Source, Statement


def open_existing_db(path: str) -> storage.Db:
    """Open the database for a query command (created empty when missing, so a fresh clone works)."""
    if path != ":memory:" and Path(path).is_dir():
        raise BayanError(f"database path {path} is a directory")
    return storage.open_db(path)


def open_db(settings: Settings) -> storage.Db:
    """The database of a command, with the shipped registry seeded when it holds none yet."""
    db = open_existing_db(settings.db_path)
    if not storage.list_orgs(db, limit=1):
        storage.seed_registry(db, config.read_registry())
    return db


def read_config(settings: Settings) -> tuple[Settings, list[Source]]:
    """feeds.yaml: its sources, and its fetch-wide defaults (user agent, timeout) folded into the settings."""
    cfg = config.read_config(settings.config_path)
    return replace(settings, user_agent=cfg.user_agent, http_timeout=cfg.timeout), list(cfg.sources)


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
        known = ", ".join(s.id for s in listed[:10])
        more = ", …" if len(listed) > 10 else ""
        raise BayanError(f"unknown source id {source_id!r} (known: {known or 'none'}{more})")
    return found


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise BayanError("--limit must be at least 1")


def dump(data: Any) -> None:
    """Print ``data`` as indented JSON, Arabic as is."""
    print(json.dumps(data, ensure_ascii=False, indent=2))


async def extract_target(target: str, hints: Hints) -> Statement:
    """`bayan extract`: a local file or an http(s) URL, PDF or HTML or plain text."""
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
