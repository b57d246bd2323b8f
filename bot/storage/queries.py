"""Read queries of the organisation features: which statements organisations signed, an organisation's
profile, and full-text search over the statements (a search that SQLite fails checks the file and, when
only the full-text index is damaged, rebuilds it and searches again: ``integrity``).

Merged organisations count as the organisation they were merged into (``orgs.org_group``). Lists are newest
first, like ``list_statements``: published date descending, undated last, then first seen descending.
``signed_by`` picks its plan by how many signatures the organisations have: a rare organisation's
statements are fetched and sorted; a frequent one's are found by walking the ``statements_order`` index
newest first until the page is full (both stay within a few milliseconds on 100,000 statements).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from math import isqrt
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.models import (
    BayanError,
    CoSigner,
    OrgProfile,
    SignatoryRow,
    StatementCopy,
    StatementDetail,
    StoredStatement,
    WithdrawalRow,
)
from bot.storage import integrity
from bot.storage._conv import chunks, one, parse_day, parse_ts, rows, scalars
from bot.storage.orgs import canonical_id, get_org, org_group, orgs_by_ids
from bot.storage.reviews import HIDDEN_IDS
from bot.storage.statements import _stored, get_statement

T = TypeVar("T")

ORDER = "s.published IS NULL, s.published DESC, s.first_seen_at DESC, s.id DESC"
MODES = ("any", "all")
CO_SIGNERS = 10
# Arabic proclitics dropped from search words: the trigram index matches substrings, so "المنظمه"
# searched as "منظمه" also finds "منظمه", "للمنظمه" and "والمنظمه".
_PROCLITICS = ("وال", "بال", "فال", "كال", "ولل", "لل", "ال")
TOO_SHORT = "query too short: at least 3 characters"


# ───────────────────────────── signed by ─────────────────────────────


def _groups(db: Database, org_ids: list[int], mode: str) -> list[list[int]] | None:
    """One id group per distinct organisation asked for; None when nothing can match."""
    if mode not in MODES:
        raise BayanError(f"unknown mode {mode!r} (use any or all)")
    groups: dict[int, list[int]] = {}
    for org_id in dict.fromkeys(org_ids):
        group = org_group(db, org_id)
        if not group and mode == "all":
            return None
        if group:
            groups.setdefault(group[0], group)
    return list(groups.values()) or None


def _marks(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))


def _exists(group: list[int], column: str = "s.id") -> str:
    return (
        f"EXISTS (SELECT 1 FROM signatures g WHERE g.statement_id = {column} "
        f"AND g.org_id IN ({_marks(group)}))"
    )


def _capped_count(db: Database, ids: list[int], cap: int) -> int:
    sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM signatures WHERE org_id IN ({_marks(ids)}) LIMIT ?)"
    return int(scalars(db, sql, [*ids, cap])[0])


def _walk_threshold(db: Database, limit: int, offset: int) -> int:
    """Walking the index costs ≈ (offset+limit)·N/n probes, sorting the n matches costs ≈ n: walk when
    n² ≥ (offset+limit)·N (N = statements)."""
    max_id = int(scalars(db, "SELECT COALESCE(MAX(id), 0) FROM statements")[0])
    return isqrt((offset + limit) * max_id) + 1


def _page(db: Database, where: str, params: list[Any], *, walk: bool, limit: int, offset: int) -> list[int]:
    """Ids of one page of the statements matching ``where`` (about ``s``), newest first."""
    hint = "INDEXED BY statements_order" if walk else ""
    sql = f"""SELECT s.id FROM statements s {hint} WHERE s.id NOT IN ({HIDDEN_IDS}) AND {where}
              ORDER BY {ORDER} LIMIT ? OFFSET ?"""
    return [int(i) for i in scalars(db, sql, [*params, limit, offset])]


def _signed_ids(db: Database, groups: list[list[int]], mode: str, limit: int, offset: int) -> list[int]:
    """Ids of one page of statements signed by any / all of the groups, newest first."""
    if mode == "any":
        groups = [[i for g in groups for i in g]]
    threshold = _walk_threshold(db, limit, offset)
    sizes = [_capped_count(db, g, threshold) for g in groups]
    if min(sizes) >= threshold:
        where = " AND ".join(_exists(g) for g in groups)
        params = [i for g in groups for i in g]
        return _page(db, where, params, walk=True, limit=limit, offset=offset)
    anchor = groups[sizes.index(min(sizes))]
    others = [g for g in groups if g is not anchor]
    where = " AND ".join(
        [f"s.id IN (SELECT statement_id FROM signatures WHERE org_id IN ({_marks(anchor)}))"]
        + [_exists(g) for g in others]
    )
    params = [*anchor, *(i for g in others for i in g)]
    return _page(db, where, params, walk=False, limit=limit, offset=offset)


def statements_by_ids(db: Database, ids: list[int]) -> list[StoredStatement]:
    """The stored statements with these ids, in the order given (unknown ids are left out)."""
    found: dict[int, dict[str, Any]] = {}
    for part in chunks(ids):
        found.update(
            (r["id"], r)
            for r in rows(db, f"SELECT * FROM statements WHERE id IN ({_marks(list(part))})", part)
        )
    return [_stored(db, found[i]) for i in ids if i in found]


def signed_by(
    db: Database, org_ids: list[int], *, mode: str = "any", limit: int = 10, offset: int = 0
) -> list[StoredStatement]:
    """Statements signed by any (mode "any") or all (mode "all") of the organisations, newest first."""
    groups = _groups(db, org_ids, mode)
    if groups is None or limit <= 0:
        return []
    return statements_by_ids(db, _signed_ids(db, groups, mode, limit, max(offset, 0)))


def count_signed_by(db: Database, org_ids: list[int], *, mode: str = "any") -> int:
    """How many statements ``signed_by`` can page through."""
    groups = _groups(db, org_ids, mode)
    if groups is None:
        return 0
    if mode == "any":
        ids = [i for g in groups for i in g]
        sql = f"""SELECT COUNT(DISTINCT statement_id) FROM signatures WHERE org_id IN ({_marks(ids)})
                  AND statement_id NOT IN ({HIDDEN_IDS})"""
        return int(scalars(db, sql, ids)[0])
    anchor, others = groups[0], groups[1:]
    where = " AND ".join(_exists(g, "a.sid") for g in others) or "1"
    sql = f"""SELECT COUNT(*) FROM (SELECT DISTINCT statement_id AS sid FROM signatures
              WHERE org_id IN ({_marks(anchor)}) AND statement_id NOT IN ({HIDDEN_IDS})) a WHERE {where}"""
    return int(scalars(db, sql, [*anchor, *(i for g in others for i in g)])[0])


# ───────────────────────────── profile ─────────────────────────────

_DAY = "COALESCE(s.published, substr(s.first_seen_at, 1, 10))"


def org_profile(db: Database, org_id: int) -> OrgProfile:
    """An organisation's profile: the dates of its first and latest statements, kinds, the 10 most
    frequent co-signers and its withdrawals, newest first. Raises BayanError for an unknown id."""
    group = org_group(db, org_id)
    org = get_org(db, group[0]) if group else None
    if org is None:
        raise BayanError(f"unknown organisation id {org_id}")
    mine = f"""SELECT DISTINCT statement_id FROM signatures WHERE org_id IN ({_marks(group)})
               AND statement_id NOT IN ({HIDDEN_IDS})"""
    stats = one(
        db,
        f"""SELECT COUNT(*) AS n, MIN({_DAY}) AS first, MAX({_DAY}) AS last
            FROM statements s WHERE s.id IN ({mine})""",
        group,
    )
    assert stats is not None
    kinds = rows(
        db,
        f"""SELECT COALESCE(s.kind, 'unknown') AS kind, COUNT(*) AS n FROM statements s WHERE s.id IN ({mine})
            GROUP BY 1 ORDER BY n DESC, kind""",
        group,
    )
    return OrgProfile(
        org=org,
        count=int(stats["n"]),
        first=parse_day(stats["first"]),
        last=parse_day(stats["last"]),
        kinds={r["kind"]: int(r["n"]) for r in kinds},
        co_signers=_co_signers(db, group, mine),
        withdrawals=_withdrawals(db, group),
    )


def _co_signers(db: Database, group: list[int], mine: str) -> tuple[CoSigner, ...]:
    found = rows(
        db,
        f"""SELECT COALESCE(o.merged_into, o.id) AS org, COUNT(DISTINCT g.statement_id) AS n
            FROM signatures g JOIN orgs o ON o.id = g.org_id
            WHERE g.statement_id IN ({mine}) AND g.org_id NOT IN ({_marks(group)})
            GROUP BY org ORDER BY n DESC, org LIMIT {CO_SIGNERS}""",
        [*group, *group],
    )
    names = {o.id: o for o in orgs_by_ids(db, [int(r["org"]) for r in found])}
    return tuple(
        CoSigner(names[int(r["org"])].name, int(r["n"]), names[int(r["org"])].name_en)
        for r in found
        if int(r["org"]) in names
    )


def _withdrawals(db: Database, group: list[int]) -> tuple[WithdrawalRow, ...]:
    found = rows(
        db,
        f"""SELECT s.title, w.from_text, {_DAY} AS day
            FROM withdrawals w JOIN statements s ON s.id = w.statement_id
            WHERE w.org_id IN ({_marks(group)}) AND s.hidden = 0 ORDER BY day DESC, s.id DESC, w.id""",
        group,
    )
    return tuple(WithdrawalRow(r["title"], r["from_text"], parse_day(r["day"])) for r in found)


# ───────────────────────────── full-text search ─────────────────────────────


def _term(word: str) -> str:
    for prefix in _PROCLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def fts_query(query_norm: str) -> str:
    """The FTS5 MATCH expression of a normalised query: every word (proclitics dropped, ≥ 3 characters) as
    a quoted string, all required. Operators and punctuation in the input are only text. Raises
    BayanError when no word is long enough."""
    terms = [t for t in dict.fromkeys(_term(w) for w in query_norm.split()) if len(t) >= 3]
    if not terms:
        raise BayanError(TOO_SHORT)
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)


def search_statements(
    db: Database, query_norm: str, *, limit: int = 10, offset: int = 0
) -> list[StoredStatement]:
    """Statements whose normalised title or body contains every word of ``query_norm`` (normalised by the
    caller with orgs.normalize), newest first. Raises BayanError for a query without a 3-letter word."""
    match = fts_query(query_norm)
    if limit <= 0:
        return []
    offset = max(offset, 0)
    return _checked(db, lambda: _search_page(db, match, limit, offset))


def _search_page(db: Database, match: str, limit: int, offset: int) -> list[StoredStatement]:
    threshold = _walk_threshold(db, limit, offset)
    capped = "SELECT COUNT(*) FROM (SELECT 1 FROM statements_fts WHERE statements_fts MATCH ? LIMIT ?)"
    walk = int(scalars(db, capped, [match, threshold])[0]) >= threshold
    where = "s.id IN (SELECT rowid FROM statements_fts WHERE statements_fts MATCH ?)"
    return statements_by_ids(db, _page(db, where, [match], walk=walk, limit=limit, offset=offset))


def count_search(db: Database, query_norm: str) -> int:
    """How many statements ``search_statements`` can page through."""
    sql = f"SELECT COUNT(*) FROM statements_fts WHERE statements_fts MATCH ? AND rowid NOT IN ({HIDDEN_IDS})"
    match = fts_query(query_norm)
    return _checked(db, lambda: int(scalars(db, sql, [match])[0]))


def _checked(db: Database, query: Callable[[], T]) -> T:
    """Run a full-text query; when SQLite fails it, check the file (``integrity.check``: a damaged index
    is rebuilt and logged, other damage is a BayanError) and run it once more."""
    try:
        return query()
    except sqlite3.DatabaseError:
        integrity.check(db)
    try:
        return query()
    except sqlite3.DatabaseError as e:
        raise BayanError(f"search failed on database {integrity.db_file(db)}: {e}") from e


# ───────────────────────────── statement lists ─────────────────────────────


def count_statements(db: Database, *, source: str | None = None) -> int:
    """How many statements ``list_statements`` can list (those carried by ``source`` when given)."""
    sql = """SELECT COUNT(*) FROM statements s WHERE s.hidden = 0 AND (:source IS NULL OR EXISTS (
               SELECT 1 FROM statement_sources ss WHERE ss.statement_id = s.id AND ss.source_id = :source))"""
    return int(scalars(db, sql, {"source": source})[0])


def known_source_ids(db: Database) -> list[str]:
    """Every source id the database knows (configured once, or carrying a stored statement), sorted."""
    sql = "SELECT id FROM sources UNION SELECT source_id FROM statement_sources ORDER BY 1"
    return [str(i) for i in scalars(db, sql)]


def statement_detail(db: Database, statement_id: int) -> StatementDetail | None:
    """One statement with every signature (in page order, each with the organisation it stands for now)
    and every source that carried it, first seen first; None for an unknown id."""
    statement = get_statement(db, statement_id)
    if statement is None:
        return None
    found = rows(
        db,
        """SELECT position, role, raw_name, org_id, via FROM signatures WHERE statement_id = ?
           ORDER BY position, rowid""",
        [statement_id],
    )
    now_ids = {int(r["org_id"]): canonical_id(db, int(r["org_id"])) or int(r["org_id"]) for r in found}
    by_id = {o.id: o for o in orgs_by_ids(db, list(dict.fromkeys(now_ids.values())))}
    signatures = tuple(
        SignatoryRow(int(r["position"]), r["role"], r["raw_name"], by_id[now_ids[int(r["org_id"])]], r["via"])
        for r in found
    )
    copies = tuple(
        StatementCopy(r["source_id"], r["url"], parse_ts(r["first_seen_at"]))
        for r in rows(
            db,
            """SELECT source_id, url, first_seen_at FROM statement_sources WHERE statement_id = ?
               ORDER BY first_seen_at, rowid""",
            [statement_id],
        )
    )
    return StatementDetail(statement, signatures, copies)
