"""Registry fixes made at run time (`bayan orgs add / rename`), and all of them as data for
`bayan orgs export` (added organisations, renames, recorded merges, admin aliases).

An organisation is referred to by its slug when it has one, else by the first name it was stored under
(a provisional organisation's name as written, an added one's name): the same reference finds it again
in a fresh database once the registry is seeded or a poll has met the name again.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.models import BayanError, Org
from bot.names import normalize
from bot.storage._conv import one, rows, scalars, ts_or_now
from bot.storage.merges import recorded_merges
from bot.storage.orgs import (
    _add_name,
    _canonical_or_raise,
    _create_org,
    _move_org,
    _refuse_taken,
    add_alias,
    canonical_id,
    find_org_id,
    get_org,
    merge_orgs,
)


def _key(name: str, what: str) -> str:
    key = normalize(name).strip()
    if not key:
        raise BayanError(f"{what} needs at least one letter or digit")
    return key


def add_org(
    db: Database,
    name: str,
    *,
    name_en: str | None = None,
    acronyms: tuple[str, ...] = (),
    website: str | None = None,
    now: datetime | None = None,
) -> Org:
    """A new (not provisional) organisation named ``name`` (names of origin "admin"); provisional
    organisations known by exactly one of its names are merged into it. Raises BayanError when a name
    already belongs to another non-provisional organisation."""
    names = [(name, "name"), *((n, "name") for n in [name_en] if n), *((a, "acronym") for a in acronyms)]
    with db.atomic():
        for text, _ in names:
            _refuse_taken(db, 0, _key(text, "a name"), text)
        org_id = _create_org(db, name, provisional=False, origin="admin", now=ts_or_now(now))
        db.execute("UPDATE orgs SET name_en = ?, website = ? WHERE id = ?", [name_en, website, org_id])
        for text, kind in names[1:]:
            _add_name(db, org_id, text, kind, "admin")
        _absorb_provisional(db, org_id, [_key(text, "a name") for text, _ in names])
    org = get_org(db, org_id)
    assert org is not None
    return org


def _absorb_provisional(db: Database, org_id: int, keys: list[str]) -> None:
    marks = ", ".join("?" * len(keys))
    found = scalars(
        db,
        f"""SELECT DISTINCT o.id FROM org_names n JOIN orgs o ON o.id = n.org_id
            WHERE n.name_norm IN ({marks})
            AND o.provisional = 1 AND o.merged_into IS NULL AND o.id != ? ORDER BY o.id""",
        [*keys, org_id],
    )
    for gone in found:
        _move_org(db, org_id, int(gone))


def rename_org(db: Database, org_id: int, name: str | None, name_en: str | None = None) -> Org:
    """Give the organisation a new main name (and/or English name); the old one stays a name it is
    found by. Marked ``renamed``: a registry re-seed keeps it. Raises BayanError when the name belongs to
    another non-provisional organisation."""
    with db.atomic():
        keep = _canonical_or_raise(db, org_id)
        for text in (name, name_en):
            if text:
                _refuse_taken(db, keep, _key(text, "a name"), text)
                _add_name(db, keep, text, "name", "admin")
        db.execute(
            """UPDATE orgs SET name = COALESCE(?, name), name_en = COALESCE(?, name_en), renamed = 1,
                 provisional = 0 WHERE id = ?""",
            [name.strip() if name else None, name_en.strip() if name_en else None, keep],
        )
    org = get_org(db, keep)
    assert org is not None
    return org


def org_ref(db: Database, org_id: int) -> str:
    """The reference of an organisation in an export: its slug, else the first name it was stored under."""
    row = one(db, "SELECT slug, name FROM orgs WHERE id = ?", [org_id])
    if row is None:
        raise BayanError(f"unknown organisation id {org_id}")
    if row["slug"]:
        return str(row["slug"])
    first = scalars(
        db, "SELECT name FROM org_names WHERE org_id = ? AND kind = 'name' ORDER BY rowid LIMIT 1", [org_id]
    )
    return str(first[0]) if first else str(row["name"])


def find_ref(db: Database, ref: str) -> int | None:
    """The unmerged organisation an export's reference names (slug or exact normalised name), if stored."""
    return find_org_id(db, ref)


def registry_fixes(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every registry fix made at run time, in the order `orgs import` applies them: organisations
    added, renamed, merges (each with the merged organisation's names), then admin aliases."""
    added = rows(
        db,
        """SELECT o.id, o.name_en, o.website FROM orgs o WHERE o.provisional = 0 AND o.slug IS NULL
             AND (SELECT origin FROM org_names n WHERE n.org_id = o.id AND n.kind = 'name'
                  ORDER BY rowid LIMIT 1) = 'admin' ORDER BY o.id""",
    )
    renamed = rows(db, "SELECT id, name, name_en FROM orgs WHERE renamed = 1 ORDER BY id")
    merged = [_merge_entry(db, m) for m in recorded_merges(db)]
    aliases = rows(
        db,
        """SELECT n.org_id, n.name FROM org_names n JOIN orgs o ON o.id = n.org_id
           WHERE n.origin = 'admin' AND n.kind != 'name' AND o.merged_into IS NULL ORDER BY n.rowid""",
    )
    return {
        "added": [
            _drop_none({"name": org_ref(db, r["id"]), "name_en": r["name_en"], "website": r["website"]})
            for r in added
        ],
        "renamed": [
            _drop_none({"org": org_ref(db, r["id"]), "name": r["name"], "name_en": r["name_en"]})
            for r in renamed
        ],
        "merges": merged,
        "aliases": [{"org": org_ref(db, r["org_id"]), "alias": r["name"]} for r in aliases],
    }


def _merge_entry(db: Database, merge: dict[str, Any]) -> dict[str, Any]:
    gone, keep = int(merge["gone_id"]), int(merge["keep_id"])
    moved = json.dumps([n["name_norm"] for n in json.loads(merge["moved"])["names"]])
    names = scalars(
        db,
        """SELECT name FROM org_names WHERE org_id = ?
             OR (org_id = ? AND name_norm IN (SELECT value FROM json_each(?))) ORDER BY rowid""",
        [gone, keep, moved],
    )
    names = [str(n) for n in dict.fromkeys(names)]
    return {"keep": org_ref(db, keep), "merge": org_ref(db, gone), "names": names}


def _drop_none(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None}


def apply_fixes(db: Database, fixes: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Apply an export's fixes (``registry_fixes``' shape) in its order; what is already there is left as
    is. Returns one line per fix: what was done or why not. Organisations not stored yet are handled so
    the fix holds when they appear: a merged one's names become aliases of the kept one, a renamed one
    is added under its new name with its old one as a name."""
    notes: list[str] = []
    for e in fixes.get("added", []):
        if find_org_id(db, e["name"]) is not None:
            notes.append(f"add {e['name']!r}: already there")
            continue
        add_org(db, e["name"], name_en=e.get("name_en"), website=e.get("website"))
        notes.append(f"added {e['name']!r}")
    for e in fixes.get("renamed", []):
        org_id = find_ref(db, e["org"])
        if org_id is None:
            org_id = add_org(db, e["org"]).id
        renamed = rename_org(db, org_id, e.get("name"), e.get("name_en"))
        notes.append(f"renamed {e['org']!r} to {renamed.name!r}")
    for e in fixes.get("merges", []):
        notes.append(_apply_merge(db, e))
    for e in fixes.get("aliases", []):
        notes.append(_apply_alias(db, e["org"], e["alias"]))
    return notes


def _apply_merge(db: Database, entry: dict[str, Any]) -> str:
    keep = find_ref(db, entry["keep"])
    if keep is None:
        return f"merge {entry['merge']!r} into {entry['keep']!r}: skipped, {entry['keep']!r} is not stored"
    gone = find_ref(db, entry["merge"])
    if gone is not None and canonical_id(db, gone) != keep:
        merge_orgs(db, keep, gone)
    for name in entry.get("names", []):
        if find_org_id(db, name) != keep:
            with contextlib.suppress(BayanError):  # another organisation's own name: left to it
                add_alias(db, keep, name)
    return f"merged {entry['merge']!r} into {entry['keep']!r}"


def _apply_alias(db: Database, ref: str, alias: str) -> str:
    org_id = find_ref(db, ref)
    if org_id is None:
        return f"alias {alias!r} of {ref!r}: skipped, {ref!r} is not stored"
    if find_org_id(db, alias) == org_id:
        return f"alias {alias!r} of {ref!r}: already there"
    try:
        add_alias(db, org_id, alias)
    except BayanError as e:
        return f"alias {alias!r} of {ref!r}: skipped, {e}"
    return f"added alias {alias!r} to {ref!r}"
