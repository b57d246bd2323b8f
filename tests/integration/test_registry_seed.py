"""The registry seed at start (`service.open_runtime`, as `bayan run` and `bayan poll` do, on a real SQLite
file): an unchanged registry file is not seeded again, a changed one is (issue 12 item 4). The registry
here is our own two-organisation file in place of bot/data/orgs.yaml."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot import service
from bot.config import load

pytestmark = pytest.mark.integration

REGISTRY = """\
organisations:
  - id: cedar-rights
    ar: منظمة الأرز للحقوق
    en: Cedar Rights Organisation
    acronyms: [CRO]
  - id: river-voices
    ar: أصوات النهر
"""


def open_and_close(db: Path) -> None:
    async def run() -> None:
        async with service.open_runtime(str(db), []):
            pass

    asyncio.run(run())


def names(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM org_names WHERE origin = 'registry'")}


def test_a_start_does_not_seed_an_unchanged_registry_again(tmp_path: Path) -> None:
    """The shipped registry: a registry name deleted between two starts stays deleted (no re-seed)."""
    db = tmp_path / "bayan.db"
    open_and_close(db)
    before = names(db)
    gone = sorted(before)[0]
    with sqlite3.connect(db) as conn:  # a change a re-seed would undo
        conn.execute("DELETE FROM org_names WHERE name = ?", [gone])
    open_and_close(db)
    assert names(db) == before - {gone}, "the same registry file was seeded again"


def test_a_start_reseeds_a_changed_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry, db = tmp_path / "orgs.yaml", tmp_path / "bayan.db"
    registry.write_text(REGISTRY, encoding="utf-8")
    monkeypatch.setattr(load, "REGISTRY_PATH", str(registry))
    open_and_close(db)
    assert names(db) == {"منظمة الأرز للحقوق", "Cedar Rights Organisation", "CRO", "أصوات النهر"}
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM org_names WHERE name = 'CRO'")
    registry.write_text(REGISTRY + "  - id: olive-branch\n    en: Olive Branch Network\n", encoding="utf-8")
    open_and_close(db)
    assert {"CRO", "Olive Branch Network"} <= names(db), "a changed file re-seeds"
