"""The database as `bayan browse` shows it in Datasette: the read-only connection, the SQL function of
the canned queries, and the metadata (titles in English and Arabic, table and column descriptions,
facets, canned queries).

Everything here is plain data and SQL over the schema of ``schema``, so it lives beside it; the Datasette
wiring that uses it is ``bot.browse``. ``tests/unit/test_browse_metadata.py`` checks that every column
of every listed table has a description: a migration that adds one must describe it here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.names import normalize
from bot.storage.browse_tables import FACETS, HIDDEN, LABELS, SORT_DESC, TABLES

NORM_FUNCTION = "bayan_norm"  # the SQL name of names.normalize (the fold of org_names.name_norm)


def connect_read_only(path: str) -> sqlite3.Connection:
    """A connection to the file at ``path`` that cannot write (``mode=ro`` plus ``query_only``), with
    ``bayan_norm``. Not ``immutable=1``: `bayan run` may be writing meanwhile, and SQLite's locks keep
    each read consistent only when it is told the file can change."""
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = 1")
    add_functions(conn)
    return conn


def add_functions(conn: sqlite3.Connection) -> None:
    """``bayan_norm(text)``: a name folded as Bayan folds every organisation name (names.normalize)."""
    conn.create_function(NORM_FUNCTION, 1, _norm, deterministic=True)


def _norm(text: object) -> str | None:
    return None if text is None else normalize(str(text))


def year_facet_sql(inner_sql: str, column: str, limit: int) -> str:
    """The counts per year (the first four characters of an ISO date) of ``column`` over ``inner_sql``."""
    col = '"' + column.replace('"', '""') + '"'
    return f"""SELECT substr({col}, 1, 4) AS value, COUNT(*) AS count FROM ({inner_sql})
               WHERE {col} GLOB '[0-9][0-9][0-9][0-9]*' GROUP BY value ORDER BY value DESC LIMIT {limit}"""


# ───────────────────────────── canned queries ─────────────────────────────

# the organisations known by the name :name: any row of org_names (Arabic or English name, acronym, alias,
# spelling met in a signatory list) folded alike, its slug or its id; a merged one stands for its target
_NAMED = """named(org_id) AS (
    SELECT DISTINCT COALESCE(o.merged_into, o.id) FROM org_names n JOIN orgs o ON o.id = n.org_id
    WHERE n.name_norm = bayan_norm(:name)
    UNION SELECT COALESCE(merged_into, id) FROM orgs
    WHERE slug = lower(trim(:name)) OR CAST(id AS TEXT) = trim(:name))"""

_DAY = "COALESCE(s.published, substr(s.first_seen_at, 1, 10))"

_SIGNED_BY = f"""WITH {_NAMED}
SELECT {_DAY} AS day, s.id AS statement_id, s.title, s.kind, g.role, g.raw_name AS name_as_written,
       o.name AS organisation, o.name_en AS organisation_en, s.source_id, s.url
FROM signatures g JOIN statements s ON s.id = g.statement_id JOIN orgs o ON o.id = g.org_id
WHERE g.org_id IN (SELECT org_id FROM named) AND s.hidden = 0
ORDER BY day DESC, s.id DESC"""

_CO_SIGNERS = f"""WITH {_NAMED},
mine(statement_id) AS (
    SELECT DISTINCT g.statement_id FROM signatures g JOIN statements s ON s.id = g.statement_id
    WHERE g.org_id IN (SELECT org_id FROM named) AND s.hidden = 0)
SELECT o.id AS org_id, o.name AS co_signer, o.name_en AS co_signer_en,
       COUNT(DISTINCT g.statement_id) AS statements_together, MIN(g.day) AS first, MAX(g.day) AS last
FROM signatures g JOIN orgs o ON o.id = g.org_id
WHERE g.statement_id IN (SELECT statement_id FROM mine) AND g.org_id NOT IN (SELECT org_id FROM named)
GROUP BY o.id ORDER BY statements_together DESC, o.name"""

_PER_MONTH = """SELECT substr(COALESCE(s.published, s.first_seen_at), 1, 7) AS month, COUNT(*) AS statements,
       SUM(s.kind = 'joint') AS joint, SUM(s.kind = 'single') AS single,
       SUM(s.kind = 'open_letter') AS open_letter, SUM(s.kind = 'withdrawal') AS withdrawal,
       SUM((SELECT COUNT(*) FROM signatures g WHERE g.statement_id = s.id)) AS signatures
FROM statements s WHERE s.hidden = 0
GROUP BY month ORDER BY month DESC"""

_WITHDRAWALS = f"""SELECT {_DAY} AS day, o.name AS organisation, o.name_en AS organisation_en,
       COALESCE(f.name, w.from_text) AS left_what, f.name_en AS left_what_en, w.from_text AS left_as_written,
       s.id AS statement_id, s.title, s.url
FROM withdrawals w JOIN statements s ON s.id = w.statement_id
     LEFT JOIN orgs o ON o.id = w.org_id LEFT JOIN orgs f ON f.id = w.from_org_id
WHERE s.hidden = 0 ORDER BY day DESC, s.id DESC, w.id"""

_CHANGES = f"""SELECT c.at AS changed_at, c.change, c.raw_name AS name_as_written, o.name AS organisation,
       o.name_en AS organisation_en, s.id AS statement_id, s.title, {_DAY} AS day,
       s.first_seen_at, ROUND(julianday(c.at) - julianday(s.first_seen_at), 1) AS days_after_first_seen, s.url
FROM signature_changes c JOIN statements s ON s.id = c.statement_id LEFT JOIN orgs o ON o.id = c.org_id
WHERE s.hidden = 0 ORDER BY c.at DESC, c.id DESC"""

_NAME_HINT = (
    " Type one of its names: Arabic or English, an acronym, an alias, or any spelling that folds to the"
    " same (hamza, ta marbuta, diacritics, “ال”, case), its slug or its id."
)

QUERIES: dict[str, dict[str, Any]] = {
    "signed_by": {
        "title": "Statements signed by an organisation · البيانات التي وقّعتها منظمة",
        "description": "Every statement the organisation signed or issued, newest first." + _NAME_HINT,
        "sql": _SIGNED_BY,
        "params": ["name"],
    },
    "co_signers": {
        "title": "Co-signers of an organisation · المنظمات التي شاركتها التوقيع",
        "description": "The organisations that signed the same statements, with how many they share and"
        " the first and last day they did." + _NAME_HINT,
        "sql": _CO_SIGNERS,
        "params": ["name"],
    },
    "statements_per_month": {
        "title": "Statements per month · البيانات في كل شهر",
        "description": "Statements by month of publication (the day first seen when undated), by kind,"
        " with the signatures they carry.",
        "sql": _PER_MONTH,
    },
    "withdrawals": {
        "title": "Withdrawals and what they left · الانسحابات وما انسحبت منه",
        "description": "Each organisation that announced a withdrawal, and what it left: the registry"
        " organisation when the name was recognised, else the name as the statement wrote it.",
        "sql": _WITHDRAWALS,
    },
    "signature_changes": {
        "title": "Signature changes after publication · تغييرات التواقيع بعد النشر",
        "description": "Signatories added to or removed from a statement after Bayan first stored it: its"
        " page listed other names when read again, or a copy on another source added some.",
        "sql": _CHANGES,
    },
}


# ───────────────────────────── metadata ─────────────────────────────

TITLE = "Bayan · بيان"
DESCRIPTION = (
    "Statements of Syrian civil-society organisations and who signed them, as Bayan stored them."
    " Read-only. · بيانات منظمات المجتمع المدني السوري ومن وقّعها."
)


def metadata(database: str) -> dict[str, Any]:
    """Datasette's metadata for the Bayan database served under the name ``database``."""
    tables: dict[str, Any] = {}
    for name, (title, description, columns) in TABLES.items():
        table: dict[str, Any] = {"title": title, "description": description, "columns": dict(columns)}
        if name in FACETS:
            table["facets"] = list(FACETS[name])
        if name in LABELS:
            table["label_column"] = LABELS[name]
        if name in SORT_DESC:
            table["sort_desc"] = SORT_DESC[name]
        tables[name] = table
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    queries = {name: {**q, "hide_sql": True} for name, q in QUERIES.items()}  # "Show SQL" reveals it
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "databases": {database: {"title": TITLE, "tables": tables, "queries": queries}},
    }
