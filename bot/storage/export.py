"""Open-data export: one row per (statement, signatory), for researchers' spreadsheets and notebooks.

Rows carry the statement (id, date, kind, title, url, first source), the signatory as written on the
page, and for an organisation the registry organisation it resolved to (id, slug, name, provisional).
Merged organisations are reported as the one they were merged into. Individual signatories follow the
organisations of their statement, with role "individual" and no organisation columns. Streams rows;
never loads the whole table.
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
    SELECT * FROM (
      SELECT s.id AS statement_id, s.published, s.kind, s.title, s.url, s.source_id AS source,
        g.role, g.position, g.raw_name AS name_as_written,
        COALESCE(m.id, o.id) AS org_id, COALESCE(m.slug, o.slug) AS org_slug,
        COALESCE(m.name, o.name) AS org_name, COALESCE(m.name_en, o.name_en) AS org_name_en,
        COALESCE(m.provisional, o.provisional) AS provisional, 0 AS person
      FROM statements s JOIN signatures g ON g.statement_id = s.id JOIN orgs o ON o.id = g.org_id
      LEFT JOIN orgs m ON m.id = o.merged_into
      WHERE s.hidden = 0 AND (:since IS NULL OR s.published >= :since)
      UNION ALL
      SELECT s.id, s.published, s.kind, s.title, s.url, s.source_id, 'individual', i.position, i.name,
        NULL, NULL, NULL, NULL, NULL, 1
      FROM statements s JOIN individuals i ON i.statement_id = s.id
      WHERE s.hidden = 0 AND (:since IS NULL OR s.published >= :since))
    ORDER BY published IS NULL, published DESC, statement_id DESC, person, position"""


def export_signatures(db: Database, *, since: str | None = None) -> Iterator[dict[str, Any]]:
    """Every signature of every statement (published on or after ``since``, YYYY-MM-DD), newest first;
    a statement's organisations in page order, then its individuals."""
    for row in db.query(_EXPORT, {"since": since}):
        person = row.pop("person")
        row["provisional"] = None if person else bool(row["provisional"])
        yield row
