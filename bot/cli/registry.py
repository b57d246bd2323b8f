"""`bayan orgs add / rename / unmerge / export / import`: registry fixes at run time that can be undone
and carried over a database reset.

`orgs export` writes every fix made with the CLI (organisations added, renamed, merged, aliases) as
YAML; `orgs import FILE` applies such a file to this database (a fresh one included: it is created
and seeded), skipping what is already there. The storage side is `storage.registry` and
`storage.merges`; organisation names are resolved as in `bayan signed` (`cli.orgs.find_org`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from bot import console, storage
from bot.cli.common import open_db, open_existing_db
from bot.cli.orgs import NameNotResolved, find_org, not_resolved, org_label
from bot.models import BayanError, Settings

SECTIONS = {"added": ("name",), "renamed": ("org",), "merges": ("keep", "merge"), "aliases": ("org", "alias")}
HEADER = """\
# Registry fixes made with `bayan orgs` (written by `bayan orgs export`). Apply them to this or to a
# fresh database with `bayan orgs import FILE`. An organisation is named by its slug, or by the first
# name it was stored under.
"""


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    db = open_db(settings, create=True)
    org = storage.add_org(db, args.name, name_en=args.en, acronyms=tuple(args.acronym), website=args.website)
    print(f"added {org.id} ({console.isolate(org_label(org))})")
    return 0


def cmd_rename(args: argparse.Namespace, settings: Settings) -> int:
    if not args.name and not args.en:
        raise BayanError("give the new name, --en NAME_EN, or both")
    db = open_db(settings, create=True)
    try:
        org = find_org(db, args.org)
    except NameNotResolved as e:
        return not_resolved(e, False)
    renamed = storage.rename_org(db, org.id, args.name, args.en)
    print(f"renamed {org.id}: {console.isolate(org_label(org))} → {console.isolate(org_label(renamed))}")
    return 0


def cmd_unmerge(args: argparse.Namespace, settings: Settings) -> int:
    db = open_existing_db(settings.db_path)
    keep = storage.unmerge(db, args.gone)
    kept, back = storage.get_org(db, keep), storage.get_org(db, args.gone)
    assert kept is not None and back is not None
    print(
        f"unmerged {back.id} ({console.isolate(org_label(back))}) "
        f"from {kept.id} ({console.isolate(org_label(kept))})"
    )
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    fixes = storage.registry_fixes(open_existing_db(settings.db_path))
    text = HEADER + yaml.safe_dump({"version": 1, **fixes}, allow_unicode=True, sort_keys=False, width=110)
    if not args.out:
        sys.stdout.write(text)
        return 0
    Path(args.out).write_text(text, encoding="utf-8")
    count = sum(len(v) for v in fixes.values())
    print(f"bayan: wrote {console.plural(count, 'fix', 'fixes')} to {args.out}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    fixes = read_fixes(args.file)
    db = open_db(settings, create=True)
    with db.atomic():
        notes = storage.apply_fixes(db, fixes)
    for note in notes:
        print(note)
    if not notes:
        print(f"{args.file}: no fixes")
    return 0


def read_fixes(path: str) -> dict[str, list[dict[str, Any]]]:
    """An `orgs export` file, checked: a mapping of the four sections, each a list of mappings with
    their required text keys. Any problem is one BayanError naming the file and the entry."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise BayanError(f"{path}: cannot read ({e.strerror or e})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise BayanError(
            f"{path}{where}: not YAML ({getattr(e, 'problem', None) or 'syntax error'})"
        ) from None
    if not isinstance(doc, dict) or doc.get("version", 1) != 1:
        raise BayanError(f"{path}: not a `bayan orgs export` file (a mapping with version: 1)")
    unknown = sorted(set(doc) - {"version", *SECTIONS})
    if unknown:
        raise BayanError(f"{path}: unknown key {unknown[0]!r} (use {', '.join(SECTIONS)})")
    fixes: dict[str, list[dict[str, Any]]] = {}
    for section, required in SECTIONS.items():
        entries = doc.get(section) or []
        if not isinstance(entries, list):
            raise BayanError(f"{path}: {section!r} must be a list")
        for n, entry in enumerate(entries, 1):
            missing = [
                k for k in required if not isinstance(entry, dict) or not isinstance(entry.get(k), str)
            ]
            if missing:
                raise BayanError(f"{path}: {section} entry {n}: {missing[0]!r} missing or not a text")
        fixes[section] = entries
    return fixes
