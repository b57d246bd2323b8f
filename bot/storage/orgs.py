"""Organisations and every name they are known by (tables ``orgs`` and ``org_names``).

``org_names`` is the exact-match index: (normalised name, org) with the name as written, its kind (name,
acronym, alias) and its origin (registry, config, admin, signature). Names are normalised here, with
``bot.names.normalize`` (the same folding the resolver uses), so every writer stores the same keys.
Provisional organisations (created from unknown signatory names) are never deleted, only merged
(``merged_into``); merged organisations are left out of the resolver index. Registry fixes (``merge_orgs``,
``add_alias``) are rows like everything else: they persist and move the stored signatures with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.models import BayanError, Org, RegistryOrg
from bot.names import normalize
from bot.storage._conv import chunks, one, rows, scalars, ts_or_now
from bot.storage.merges import record_merge, snapshot_merge


def _add_name(db: Database, org_id: int, name: str, kind: str, origin: str) -> bool:
    """Insert one org_names row (kept as is when that name is already known for the org)."""
    key = normalize(name).strip() or name.strip()
    if not key:
        return False
    cur = db.execute(
        """INSERT INTO org_names (name_norm, org_id, name, kind, origin) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(name_norm, org_id) DO NOTHING""",
        [key, org_id, name.strip(), kind, origin],
    )
    return cur.rowcount == 1


def _upsert_registry_org(db: Database, org: RegistryOrg, created_at: str) -> int:
    db.execute(
        """INSERT INTO orgs (slug, name, name_en, website, kind, provisional, created_at)
           VALUES (?, ?, ?, ?, ?, 0, ?)
           ON CONFLICT(slug) DO UPDATE SET
             name = CASE orgs.renamed WHEN 1 THEN orgs.name ELSE excluded.name END,
             name_en = CASE orgs.renamed WHEN 1 THEN orgs.name_en ELSE excluded.name_en END,
             website = excluded.website, kind = excluded.kind, provisional = 0""",
        [org.slug, org.ar or org.en or org.slug, org.en, org.website, org.kind, created_at],
    )
    return int(scalars(db, "SELECT id FROM orgs WHERE slug = ?", [org.slug])[0])


def seed_registry(db: Database, orgs: list[RegistryOrg], *, now: datetime | None = None) -> int:
    """Upsert the shipped registry by slug, with its names, acronyms and aliases (origin "registry").

    Idempotent: registry names no longer listed are removed; names of other origins are kept.
    Returns the number of registry organisations.
    """
    created_at = ts_or_now(now)
    with db.atomic():
        for org in orgs:
            org_id = _upsert_registry_org(db, org, created_at)
            db.execute("DELETE FROM org_names WHERE org_id = ? AND origin = 'registry'", [org_id])
            names = [(n, "name") for n in (org.ar, org.en) if n]
            names += [(a, "acronym") for a in org.acronyms] + [(a, "alias") for a in org.aliases]
            for name, kind in names:
                _add_name(db, org_id, name, kind, "registry")
    return len(orgs)


# Bump when seed_registry or the name folding it stores changes: every database then re-seeds once.
REGISTRY_SEED_VERSION = 1


def seed_registry_if_changed(
    db: Database, sha256: str, load: Callable[[], list[RegistryOrg]], *, now: datetime | None = None
) -> bool:
    """Seed the registry from ``load()`` unless this database was last seeded from a file with this
    SHA-256 (and this REGISTRY_SEED_VERSION): an unchanged file is neither parsed nor seeded again.
    The hash is stored (table ``meta``) in the seed's own transaction. True when it seeded."""
    key = f"{REGISTRY_SEED_VERSION}:{sha256}"
    if scalars(db, "SELECT value FROM meta WHERE key = 'registry_sha256'") == [key]:
        return False
    orgs = load()
    with db.atomic():
        seed_registry(db, orgs, now=now)
        db.execute(
            """INSERT INTO meta (key, value) VALUES ('registry_sha256', ?)
               ON CONFLICT(key) DO UPDATE SET value = excluded.value""",
            [key],
        )
    return True


def find_org_id(db: Database, name_or_slug: str) -> int | None:
    """The (unmerged) organisation with this slug, or else with exactly this normalised name (registry
    ones first, then the lowest id). One statement: it runs for every unresolved signatory name."""
    found = scalars(
        db,
        """SELECT id FROM (
             SELECT id, 0 AS by_name, 0 AS provisional FROM orgs WHERE slug = :slug AND merged_into IS NULL
             UNION ALL
             SELECT n.org_id, 1, o.provisional FROM org_names n JOIN orgs o ON o.id = n.org_id
               WHERE n.name_norm = :norm AND o.merged_into IS NULL)
           ORDER BY by_name, provisional, id LIMIT 1""",
        {"slug": name_or_slug, "norm": normalize(name_or_slug).strip() or name_or_slug.strip()},
    )
    return int(found[0]) if found else None


def _create_org(db: Database, name: str, *, provisional: bool, origin: str, now: str) -> int:
    cur = db.execute(
        "INSERT INTO orgs (name, provisional, created_at) VALUES (?, ?, ?)",
        [name.strip(), int(provisional), now],
    )
    org_id = int(cur.lastrowid or 0)
    _add_name(db, org_id, name, "name", origin)
    return org_id


def add_config_aliases(db: Database, pairs: Iterable[tuple[int | str, str]]) -> int:
    """Add feeds.yaml aliases: (organisation id, slug or name; alias) pairs, origin "config".

    Only organisations already stored (the registry's, found by slug or exact name) get aliases: the
    config never creates one. Returns the number of names added.
    """
    added = 0
    with db.atomic():
        for owner, alias in pairs:
            org_id = owner if isinstance(owner, int) else find_org_id(db, owner)
            if org_id is not None:
                added += _add_name(db, org_id, alias, "alias", "config")
    return added


def merge_config_orgs(db: Database, names: Iterable[str], into: int) -> int:
    """Merge into ``into`` the organisations an older feeds.yaml sync created from a source's display
    name: no slug, not provisional, every name of config origin. Returns the number merged."""
    keys = sorted({normalize(n).strip() for n in names} - {""})
    if not keys:
        return 0
    marks = ", ".join("?" * len(keys))
    found = scalars(
        db,
        f"""SELECT DISTINCT o.id FROM orgs o JOIN org_names n ON n.org_id = o.id
            WHERE n.name_norm IN ({marks}) AND o.slug IS NULL AND o.provisional = 0
              AND o.merged_into IS NULL AND o.id != ?
              AND NOT EXISTS (SELECT 1 FROM org_names x WHERE x.org_id = o.id AND x.origin != 'config')""",
        [*keys, into],
    )
    with db.atomic():
        for gone in found:
            _move_org(db, into, int(gone))
    return len(found)


def provisional_org(db: Database, raw_name: str, now: datetime) -> int:
    """The org a signatory name nobody resolved belongs to: an existing exact-name match, or a new
    provisional org named ``raw_name`` (org_names origin "signature")."""
    existing = find_org_id(db, raw_name)
    if existing is not None:
        return existing
    return _create_org(db, raw_name, provisional=True, origin="signature", now=ts_or_now(now))


def org_index_entries(db: Database, *, after_id: int = 0) -> list[tuple[int, str]]:
    """(org id, name as written) for every stored name, acronym and alias of every unmerged org; with
    ``after_id``, only of the organisations created after that id (to extend an index already built)."""
    found = rows(
        db,
        """SELECT n.org_id, n.name FROM org_names n JOIN orgs o ON o.id = n.org_id
           WHERE o.merged_into IS NULL AND o.id > :after
           UNION SELECT id, name FROM orgs WHERE merged_into IS NULL AND id > :after
           UNION SELECT id, name_en FROM orgs
             WHERE merged_into IS NULL AND name_en IS NOT NULL AND id > :after
           ORDER BY 1, 2""",
        {"after": after_id},
    )
    return [(int(r["org_id"]), str(r["name"])) for r in found]


def get_org(db: Database, org_id: int) -> Org | None:
    """One organisation with its acronyms and aliases (names other than its main ones)."""
    found = orgs_by_ids(db, [org_id])
    return found[0] if found else None


def orgs_by_ids(db: Database, org_ids: Sequence[int]) -> list[Org]:
    """The organisations with these ids, in the order given (unknown ids are left out)."""
    wanted = list(dict.fromkeys(org_ids))
    found: dict[int, dict[str, Any]] = {}
    names: dict[int, list[dict[str, Any]]] = {}
    for part in chunks(wanted):
        marks = ", ".join("?" * len(part))
        found.update((r["id"], r) for r in rows(db, f"SELECT * FROM orgs WHERE id IN ({marks})", part))
        for n in rows(
            db, f"SELECT org_id, name, kind FROM org_names WHERE org_id IN ({marks}) ORDER BY rowid", part
        ):
            names.setdefault(n["org_id"], []).append(n)
    return [_org(found[i], names.get(i, [])) for i in wanted if i in found]


def _org(row: dict[str, Any], names: list[dict[str, Any]]) -> Org:
    main = {row["name"], row["name_en"]}
    return Org(
        id=row["id"],
        name=row["name"],
        name_en=row["name_en"],
        slug=row["slug"],
        acronyms=tuple(dict.fromkeys(n["name"] for n in names if n["kind"] == "acronym")),
        aliases=tuple(
            dict.fromkeys(n["name"] for n in names if n["kind"] == "alias" and n["name"] not in main)
        ),
        website=row["website"],
        provisional=bool(row["provisional"]),
    )


# ───────────────────────────── registry fixes ─────────────────────────────


def canonical_id(db: Database, org_id: int) -> int | None:
    """The organisation ``org_id`` stands for now: itself, or the one it was merged into (None: unknown)."""
    seen: set[int] = set()
    current: int | None = org_id
    while current is not None and current not in seen:
        seen.add(current)
        row = one(db, "SELECT merged_into FROM orgs WHERE id = ?", [current])
        if row is None:
            return None
        if row["merged_into"] is None:
            return current
        current = int(row["merged_into"])
    return current


def org_group(db: Database, org_id: int) -> list[int]:
    """The canonical organisation of ``org_id`` first, then every organisation merged into it."""
    keep = canonical_id(db, org_id)
    if keep is None:
        return []
    merged = scalars(
        db,
        """WITH RECURSIVE g(id) AS (SELECT ? UNION SELECT o.id FROM orgs o JOIN g ON o.merged_into = g.id)
           SELECT id FROM g""",
        [keep],
    )
    return [keep, *(int(i) for i in merged if i != keep)]


def _canonical_or_raise(db: Database, org_id: int) -> int:
    found = canonical_id(db, org_id)
    if found is None:
        raise BayanError(f"unknown organisation id {org_id}")
    return found


def merge_orgs(db: Database, keep_id: int, merge_id: int) -> Org:
    """Merge organisation ``merge_id`` into ``keep_id`` and return the kept organisation.

    Signatures, names (kept as aliases of ``keep_id``), subscriptions, withdrawals and change records move
    to the kept organisation; the merged one stays, marked ``merged_into`` (so do those merged into it).
    Merging organisations that are already one is a no-op; merging one into itself raises BayanError.
    """
    if keep_id == merge_id:
        raise BayanError("cannot merge an organisation into itself")
    with db.atomic():
        keep, gone = _canonical_or_raise(db, keep_id), _canonical_or_raise(db, merge_id)
        if keep != gone:
            _move_org(db, keep, gone)
    org = get_org(db, keep)
    assert org is not None
    return org


_MOVE_ORG = [
    """UPDATE signatures SET role = 'issuer' WHERE org_id = :keep AND statement_id IN (
         SELECT statement_id FROM signatures WHERE org_id = :gone AND role = 'issuer')""",
    "UPDATE OR IGNORE signatures SET org_id = :keep WHERE org_id = :gone",
    "DELETE FROM signatures WHERE org_id = :gone",  # statements both had signed keep their first row
    "UPDATE signature_changes SET org_id = :keep WHERE org_id = :gone",
    "UPDATE withdrawals SET org_id = :keep WHERE org_id = :gone",
    "UPDATE withdrawals SET from_org_id = :keep WHERE from_org_id = :gone",
    "UPDATE subscriptions SET org_id = :keep WHERE org_id = :gone",
    # registry names become admin names: a registry re-seed only rewrites the kept org's own names
    """UPDATE OR IGNORE org_names SET org_id = :keep,
         kind = CASE kind WHEN 'name' THEN 'alias' ELSE kind END,
         origin = CASE origin WHEN 'registry' THEN 'admin' ELSE origin END
       WHERE org_id = :gone""",
    """UPDATE orgs SET provisional = provisional * (SELECT provisional FROM orgs WHERE id = :gone)
       WHERE id = :keep""",
    "UPDATE orgs SET merged_into = :keep WHERE id = :gone OR merged_into = :gone",
]


def _move_org(db: Database, keep: int, gone: int) -> None:
    """Every merge goes through here, and is recorded with what it moved (``storage.merges``: undone by
    `bayan orgs unmerge`)."""
    moved = snapshot_merge(db, keep, gone)
    for sql in _MOVE_ORG:
        db.execute(sql, {"keep": keep, "gone": gone})
    record_merge(db, keep, gone, moved)


def add_alias(db: Database, org_id: int, name: str) -> int:
    """Add ``name`` as an alias of the organisation (origin "admin"), then re-resolve stored signatures:
    provisional organisations known by exactly this normalised name are merged into it.

    Raises BayanError when the name is empty, the organisation unknown, or the name already belongs to
    another non-provisional organisation (merge them instead). Returns the number of organisations merged.
    """
    key = normalize(name).strip()
    if not key:
        raise BayanError("an alias needs at least one letter or digit")
    with db.atomic():
        keep = _canonical_or_raise(db, org_id)
        _refuse_taken(db, keep, key, name)
        _add_name(db, keep, name, "alias", "admin")
        provisional = scalars(
            db,
            """SELECT DISTINCT o.id FROM org_names n JOIN orgs o ON o.id = n.org_id
               WHERE n.name_norm = ? AND o.provisional = 1 AND o.merged_into IS NULL AND o.id != ?
               ORDER BY o.id""",
            [key, keep],
        )
        for gone in provisional:
            _move_org(db, keep, int(gone))
    return len(provisional)


def _refuse_taken(db: Database, keep: int, key: str, name: str) -> None:
    owner = one(
        db,
        """SELECT o.id, o.name FROM org_names n JOIN orgs o ON o.id = n.org_id
           WHERE n.name_norm = ? AND o.provisional = 0 AND o.merged_into IS NULL AND o.id != ?
           ORDER BY o.id LIMIT 1""",
        [key, keep],
    )
    if owner is not None:
        raise BayanError(
            f"{name!r} is already a name of organisation {owner['id']} ({owner['name']}); merge them instead"
        )


def find_orgs_by_name(db: Database, name_norm: str) -> list[Org]:
    """Organisations (as they are now, merged ones replaced by their target) known by exactly this
    normalised name, or with this slug; registry organisations first."""
    ids = scalars(
        db,
        """SELECT DISTINCT COALESCE(o.merged_into, o.id) FROM org_names n JOIN orgs o ON o.id = n.org_id
           WHERE n.name_norm = :n
           UNION SELECT COALESCE(merged_into, id) FROM orgs WHERE slug = :n""",
        {"n": name_norm.strip()},
    )
    canonical = {canonical_id(db, int(i)) for i in ids} - {None}
    found = orgs_by_ids(db, sorted(i for i in canonical if i is not None))
    return sorted(found, key=lambda o: (o.provisional, o.id))


def list_orgs(db: Database, *, provisional_only: bool = False, limit: int | None = None) -> list[Org]:
    """Unmerged organisations, registry ones first, by name (only provisional ones when asked)."""
    ids = scalars(
        db,
        """SELECT id FROM orgs WHERE merged_into IS NULL AND (:prov = 0 OR provisional = 1)
           ORDER BY provisional, name, id LIMIT :limit""",
        {"prov": int(provisional_only), "limit": -1 if limit is None else limit},
    )
    return orgs_by_ids(db, [int(i) for i in ids])


def org_counts(db: Database, org_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Number of statements signed per organisation: every one that signed any (``org_ids`` None), else
    those asked for (merged ones counted for their target)."""
    if org_ids is not None:
        return {i: _group_count(db, org_group(db, i)) for i in org_ids}
    sql = """SELECT COALESCE(o.merged_into, o.id) AS org, COUNT(DISTINCT s.statement_id) AS n
             FROM signatures s JOIN orgs o ON o.id = s.org_id GROUP BY org"""
    return {int(r["org"]): int(r["n"]) for r in rows(db, sql)}


def _group_count(db: Database, group: list[int]) -> int:
    if not group:
        return 0
    marks = ", ".join("?" * len(group))
    sql = f"SELECT COUNT(DISTINCT statement_id) FROM signatures WHERE org_id IN ({marks})"
    return int(scalars(db, sql, group)[0])
