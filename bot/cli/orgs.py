"""`bayan` subcommands of the organisation features: signed, org, orgs (merge / alias / list) and search.

Names are resolved like the bot does: an id, a slug, or any spelling through orgs.resolve, else the clear
winner of orgs.suggest, over the stored names. An ambiguous or unknown name prints what was found and exits 1;
other errors are BayanErrors (one line, exit 2, from `bot.cli.main`).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import Any, NoReturn

from bot import console, orgs, storage
from bot.cli.common import check_limit, dump, limit_footer, open_db, open_existing_db
from bot.models import BayanError, Org, Settings

STRONG = 80.0  # two candidates this close make an unresolved name ambiguous rather than unknown


class NameNotResolved(BayanError):
    """A user's organisation name matched no organisation, or several: ``candidates`` are (org, score)."""

    def __init__(self, query: str, candidates: list[tuple[Org, float]], *, ambiguous: bool) -> None:
        what = "ambiguous organisation name" if ambiguous else "unknown organisation"
        super().__init__(f"{what} {query!r}")
        self.query = query
        self.candidates = candidates
        self.ambiguous = ambiguous


# ───────────────────────────── names ─────────────────────────────


def find_org(db: storage.Db, name: str, index: orgs.OrgIndex | None = None) -> Org:
    """The organisation a user means by ``name`` (id, slug, or any spelling); raises NameNotResolved."""
    text = name.strip()
    found = storage.canonical_id(db, int(text)) if text.isdigit() else None
    if found is None:
        found = next((o.id for o in storage.find_orgs_by_name(db, text) if o.slug == text), None)
    if found is None:
        index = index or orgs.OrgIndex(storage.org_index_entries(db))
        match = orgs.resolve(text, index)
        suggestion = orgs.suggest(text, index) if match.org_id is None else None
        found = match.org_id if suggestion is None else suggestion.winner
        if found is None:
            _unresolved(db, text, suggestion, ambiguous=match.ambiguous)
    org = storage.get_org(db, storage.canonical_id(db, found) or found)
    assert org is not None
    return org


def _unresolved(
    db: storage.Db, text: str, suggestion: orgs.Suggestion | None, *, ambiguous: bool
) -> NoReturn:
    scored = list(suggestion.candidates) if suggestion is not None else []
    by_id = {o.id: o for o in storage.orgs_by_ids(db, [i for i, _ in scored])}
    candidates = [(by_id[i], s) for i, s in scored if i in by_id]
    ambiguous = (ambiguous and bool(candidates)) or sum(s >= STRONG for _, s in candidates) >= 2
    raise NameNotResolved(text, candidates, ambiguous=ambiguous)


def not_resolved(e: NameNotResolved, as_json: bool) -> int:
    """Print an unresolved name (candidates included) and return exit code 1."""
    cands = [{**o.to_json(), "score": s} for o, s in e.candidates]
    if as_json:
        error = "ambiguous" if e.ambiguous else "unknown"
        print(json.dumps({"error": error, "query": e.query, "candidates": cands}, ensure_ascii=False))
        return 1
    what = "ambiguous organisation name" if e.ambiguous else "unknown organisation"
    print(f"bayan: {what} '{iso(e.query)}'", file=sys.stderr)
    if e.candidates:
        print("did you mean:" if not e.ambiguous else "candidates:", file=sys.stderr)
        for o, s in e.candidates:
            print(f"  {o.id:>5}  {org_label(o)}  ({s:.0f})", file=sys.stderr)
    else:
        search = f"bayan search {shlex.quote(e.query)}"  # plain: isolates would be copied into a shell
        print(f"no organisation comes close; search the statements' text: {search}", file=sys.stderr)
    return 1


def org_label(o: Org) -> str:
    """ "name / English name [slug]" for a terminal, each name isolated (console.isolate)."""
    names = iso(o.name) + (f" / {iso(o.name_en)}" if o.name_en and o.name_en != o.name else "")
    return names + (f" [{o.slug}]" if o.slug else " [provisional]" if o.provisional else "")


def iso(text: object) -> str:
    return console.isolate_rtl(text)


# ───────────────────────────── commands ─────────────────────────────


def cmd_signed(args: argparse.Namespace, settings: Settings) -> int:
    check_limit(args.limit)
    db = open_db(settings)
    index = orgs.OrgIndex(storage.org_index_entries(db))
    try:
        chosen = [find_org(db, n, index) for n in [args.name, *args.all]]
    except NameNotResolved as e:
        return not_resolved(e, args.json)
    ids = [o.id for o in chosen]
    mode = "all" if args.all else "any"
    found = storage.signed_by(db, ids, mode=mode, limit=args.limit)
    if args.json:
        data: dict[str, Any] = {
            "organisation": chosen[0].to_json(),
            "statements": [s.to_json() for s in found],
        }
        if args.all:
            data["organisations"] = [o.to_json() for o in chosen]
        dump(data)
        return 0
    total = storage.count_signed_by(db, ids, mode=mode)
    print(" + ".join(org_label(o) for o in chosen) + f": {console.plural(total, 'statement')}")
    for st in found:
        print(console.statement_line(st))
    if not found:
        print("no stored statement was signed by " + ("all of them" if args.all else "it"))
    if footer := limit_footer(len(found), total):
        print(footer)
    return 0


def cmd_org(args: argparse.Namespace, settings: Settings) -> int:
    db = open_db(settings)
    try:
        org = find_org(db, args.name)
    except NameNotResolved as e:
        return not_resolved(e, args.json)
    profile = storage.org_profile(db, org.id)
    if args.json:
        dump(profile.to_json())
        return 0
    print(f"{org_label(org)}  (id {org.id})")
    if org.acronyms or org.aliases:
        print("also: " + ", ".join(iso(n) for n in [*org.acronyms, *org.aliases]))
    first, last = (d.isoformat() if d else "-" for d in (profile.first, profile.last))
    print(f"statements: {profile.count} ({first} … {last})" if profile.count else "statements: none stored")
    print("kinds: " + (", ".join(f"{k} {n}" for k, n in profile.kinds.items()) or "-"))
    print("co-signers: " + (", ".join(f"{iso(c.name)} ({c.shared})" for c in profile.co_signers) or "-"))
    for w in profile.withdrawals:
        when = w.date.isoformat() if w.date else "----------"
        print(f"withdrew {when}: from {iso(w.left or '?')} — {iso(w.title or '(no title)')}")
    return 0


def cmd_orgs_merge(args: argparse.Namespace, settings: Settings) -> int:
    db = open_db(settings, create=not args.dry_run)
    try:
        keep, gone = find_org(db, args.keep), find_org(db, args.merge)
    except NameNotResolved as e:
        return not_resolved(e, False)
    if args.dry_run:
        plan = storage.merge_plan(db, keep.id, gone.id)
        print(
            f"would merge {gone.id} ({console.isolate(gone.name)}) "
            f"into {keep.id} ({console.isolate(keep.name)}): "
            f"{console.plural(plan.signatures, 'signature')} move, {plan.shared} statements both signed, "
            f"{console.plural(plan.names, 'name')}, {console.plural(plan.subscriptions, 'subscription')}, "
            f"{console.plural(plan.withdrawals, 'withdrawal')}; nothing changed"
        )
        return 0
    kept = storage.merge_orgs(db, keep.id, gone.id)
    print(
        f"merged {gone.id} ({iso(gone.name)}) into {kept.id} ({iso(kept.name)}); "
        f"undo: bayan orgs unmerge {gone.id}"
    )
    return 0


def cmd_orgs_alias(args: argparse.Namespace, settings: Settings) -> int:
    db = open_db(settings, create=True)
    try:
        org = find_org(db, args.org)
    except NameNotResolved as e:
        return not_resolved(e, False)
    merged = storage.add_alias(db, org.id, args.alias)
    tail = f"; merged {merged} provisional organisation(s) with that name" if merged else ""
    print(f"added '{iso(args.alias)}' to {org.id} ({iso(org.name)}){tail}")
    return 0


def cmd_orgs_list(args: argparse.Namespace, settings: Settings) -> int:
    check_limit(args.limit)
    db = open_db(settings)
    found = storage.list_orgs(db, provisional_only=args.provisional, limit=args.limit)
    counts = storage.org_counts(db)
    if args.json:
        dump([{**o.to_json(), "statements": counts.get(o.id, 0)} for o in found])
        return 0
    for o in found:
        print(f"{o.id:>5}  {counts.get(o.id, 0):>5}  {org_label(o)}")
    if not found:
        print("no provisional organisations" if args.provisional else "no organisations")
    elif args.limit and (footer := limit_footer(len(found), _org_total(db, args.provisional))):
        print(footer)
    return 0


def _org_total(db: storage.Db, provisional: bool) -> int:
    return len(storage.list_orgs(db, provisional_only=provisional))


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    check_limit(args.limit)
    db = open_existing_db(settings.db_path)
    found = storage.search_statements(db, orgs.normalize(args.text), limit=args.limit)
    if args.json:
        dump([s.to_json() for s in found])
        return 0
    if not found:
        print(f"no statements match '{iso(args.text)}'")
        return 0
    total = storage.count_search(db, orgs.normalize(args.text))
    print(f"{console.plural(total, 'statement')} match{'es' if total == 1 else ''} '{iso(args.text)}'")
    for st in found:
        print(console.statement_line(st))
    if footer := limit_footer(len(found), total):
        print(footer)
    return 0
