"""Open-data export: one row per (statement, signatory), for researchers' spreadsheets and notebooks.

Rows carry the statement (id, date, kind, title, url, first source), the organisation as written on the
page, and the registry organisation it resolved to (id, slug, name, provisional). Merged organisations are
reported as the one they were merged into. Streams rows; never loads the whole table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

EXPORT_COLUMNS = (
    "statement_id", "published", "kind", "title", "url", "source", "role", "position", "name_as_written",
    "org_id", "org_slug", "org_name", "org_name_en", "provisional",
)  # fmt: skip

_EXPORT = """
    SELECT s.id AS statement_id, s.published, s.kind, s.title, s.url, s.source_id AS source,
      g.role, g.position, g.raw_name AS name_as_written,
      COALESCE(m.id, o.id) AS org_id, COALESCE(m.slug, o.slug) AS org_slug,
      COALESCE(m.name, o.name) AS org_name, COALESCE(m.name_en, o.name_en) AS org_name_en,
      COALESCE(m.provisional, o.provisional) AS provisional
    FROM statements s JOIN signatures g ON g.statement_id = s.id JOIN orgs o ON o.id = g.org_id
    LEFT JOIN orgs m ON m.id = o.merged_into
    WHERE (:since IS NULL OR s.published >= :since)
    ORDER BY s.published IS NULL, s.published DESC, s.id DESC, g.position"""


def export_signatures(db: Database, *, since: str | None = None) -> Iterator[dict[str, Any]]:
    """Every signature of every statement (published on or after ``since``, YYYY-MM-DD), newest first."""
    for row in db.query(_EXPORT, {"since": since}):
        row["provisional"] = bool(row["provisional"])
        yield row
