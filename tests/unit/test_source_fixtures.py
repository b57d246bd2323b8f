"""Fixtures of shipped sources (README, "Adding a source", step 4): tests/fixtures/feeds/<id>.<ext>, where
<id> is a source of the shipped feeds.yaml, is parsed with that source's own configuration (type,
selectors, date format); <id>.expected.json, when there, lists the items expected (title, url, published),
newest first. `pytest -k <id>` runs the one of a source. The other files of that folder are fixtures of
tests/unit/test_parse.py."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from bot import config, parse
from bot.models import Fetched

ROOT = Path(__file__).resolve().parents[2]
FEEDS = ROOT / "tests" / "fixtures" / "feeds"
SOURCES = {s.id: s for s in config.read_sources(str(ROOT / "feeds.yaml"))}
TYPES = {".xml": "application/rss+xml", ".rss": "application/rss+xml", ".json": "application/json",
         ".html": "text/html; charset=utf-8"}  # fmt: skip
FIXTURES = sorted(p for p in FEEDS.iterdir() if p.stem in SOURCES and p.suffix in TYPES)


def test_shipped_sources_have_fixtures() -> None:
    assert {"syrianforum-usa-en", "aso-en"} <= {p.stem for p in FIXTURES}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_parses_with_its_source(path: Path) -> None:
    source = SOURCES[path.stem]
    body = path.read_bytes()
    got = Fetched(
        url=source.url, status=200, content_type=TYPES[path.suffix], body=body, text=body.decode("utf-8"),
        encoding="utf-8", sha256=hashlib.sha256(body).hexdigest(),
    )  # fmt: skip
    items = parse.parse_items(got, source, today=date(2026, 2, 1))
    assert items, f"{path.name}: no items with the configuration of source {source.id!r}"
    assert all(i.url.startswith(("http://", "https://")) and i.title for i in items)
    expected_file = path.with_suffix(".expected.json")
    if expected_file.exists():
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        found = [
            {"title": i.title, "url": i.url, "published": i.published and i.published.isoformat()}
            for i in items
        ]
        assert found == expected
