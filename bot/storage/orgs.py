"""Organisations and every name they are known by (tables ``orgs`` and ``org_names``).

``org_names`` is the exact-match index: (normalised name, org) with the name as written, its kind (name,
acronym, alias) and its origin (registry, config, admin, signature). Normalisation is the caller's
``norm`` function (``orgs.normalize`` in production): storage computes nothing linguistic itself.
Provisional organisations (created from unknown signatory names) are never deleted, only merged
(``merged_into``); merged organisations are left out of the resolver index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlite_utils import Database

from bot.models import Org, RegistryOrg
from bot.storage._conv import one, rows, scalars, ts_or_now

Norm = Callable[[str], str]


def _add_name(db: Database, org_id: int, name: str, norm: Norm, kind: str, origin: str) -> bool:
    """Insert one org_names row (kept as is when that name is already known for the org)."""
    key = norm(name).strip() or name.strip()
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
           ON CONFLICT(slug) DO UPDATE SET name = excluded.name, name_en = excluded.name_en,
             website = excluded.website, kind = excluded.kind, provisional = 0""",
        [org.slug, org.ar or org.en or org.slug, org.en, org.website, org.kind, created_at],
    )
    return int(scalars(db, "SELECT id FROM orgs WHERE slug = ?", [org.slug])[0])


def seed_registry(
    db: Database, orgs: list[RegistryOrg], norm: Norm = str.casefold, *, now: datetime | None = None
) -> int:
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
                _add_name(db, org_id, name, norm, kind, "registry")
    return len(orgs)


def find_org_id(db: Database, name_or_slug: str, norm: Norm = str.casefold) -> int | None:
    """The (unmerged) organisation with this slug, or else with exactly this normalised name."""
    by_slug = scalars(db, "SELECT id FROM orgs WHERE slug = ? AND merged_into IS NULL", [name_or_slug])
    if by_slug:
        return int(by_slug[0])
    by_name = scalars(
        db,
        """SELECT n.org_id FROM org_names n JOIN orgs o ON o.id = n.org_id
           WHERE n.name_norm = ? AND o.merged_into IS NULL ORDER BY o.provisional, n.org_id LIMIT 1""",
        [norm(name_or_slug).strip() or name_or_slug.strip()],
    )
    return int(by_name[0]) if by_name else None


def _create_org(db: Database, name: str, norm: Norm, *, provisional: bool, origin: str, now: str) -> int:
    cur = db.execute(
        "INSERT INTO orgs (name, provisional, created_at) VALUES (?, ?, ?)",
        [name.strip(), int(provisional), now],
    )
    org_id = int(cur.lastrowid or 0)
    _add_name(db, org_id, name, norm, "name", origin)
    return org_id


def add_config_aliases(
    db: Database, pairs: Iterable[tuple[str, str]], norm: Norm = str.casefold, *, now: datetime | None = None
) -> int:
    """Add feeds.yaml aliases: (organisation slug or name, alias) pairs, origin "config".

    An organisation found by neither slug nor exact name is created (not provisional: the config vouches
    for it). Returns the number of names added.
    """
    created_at = ts_or_now(now)
    added = 0
    with db.atomic():
        for owner, alias in pairs:
            org_id = find_org_id(db, owner, norm)
            if org_id is None:
                org_id = _create_org(db, owner, norm, provisional=False, origin="config", now=created_at)
            added += _add_name(db, org_id, alias, norm, "alias", "config")
    return added


def provisional_org(db: Database, raw_name: str, norm: Norm, now: datetime) -> int:
    """The org a signatory name nobody resolved belongs to: an existing exact-name match, or a new
    provisional org named ``raw_name`` (org_names origin "signature")."""
    existing = find_org_id(db, raw_name, norm)
    if existing is not None:
        return existing
    return _create_org(db, raw_name, norm, provisional=True, origin="signature", now=ts_or_now(now))


def org_index_entries(db: Database) -> list[tuple[int, str]]:
    """(org id, name as written) for every stored name, acronym and alias of every unmerged org."""
    found = rows(
        db,
        """SELECT n.org_id, n.name FROM org_names n JOIN orgs o ON o.id = n.org_id
           WHERE o.merged_into IS NULL
           UNION SELECT id, name FROM orgs WHERE merged_into IS NULL
           UNION SELECT id, name_en FROM orgs WHERE merged_into IS NULL AND name_en IS NOT NULL
           ORDER BY 1, 2""",
    )
    return [(int(r["org_id"]), str(r["name"])) for r in found]


def get_org(db: Database, org_id: int) -> Org | None:
    """One organisation with its acronyms and aliases (names other than its main ones)."""
    row = one(db, "SELECT * FROM orgs WHERE id = ?", [org_id])
    if row is None:
        return None
    names = rows(db, "SELECT name, kind FROM org_names WHERE org_id = ? ORDER BY rowid", [org_id])
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
