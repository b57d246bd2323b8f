"""Read queries of the charts (`/chart`, `bayan chart`): statements per month, their kinds and the
organisations that signed most, for one organisation (``org_activity``) or for every stored statement
(``field_activity``).

A statement's month is that of its published date, else of the day it was first seen (the profile's
rule, ``queries._DAY``). Hidden statements (``reviews.HIDDEN_IDS``) are left out, and merged organisations
count as the one they were merged into, as in ``queries.org_profile``.
"""

from __future__ import annotations

from sqlite_utils import Database

from bot.models import Activity, CoSigner
from bot.storage._conv import one, parse_day, rows, scalars
from bot.storage.orgs import org_group, orgs_by_ids
from bot.storage.queries import _DAY, _marks, org_profile
from bot.storage.reviews import HIDDEN_IDS

TOP = 10  # organisations in a chart's ranking


def months_between(found: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """Every month from the first to the last key of ``found`` ("YYYY-MM" → count), 0 where absent."""
    if not found:
        return ()
    year, month = (int(p) for p in min(found).split("-"))
    last = max(found)
    out: list[tuple[str, int]] = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        out.append((key, found.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def _per_month(db: Database, where: str, params: list[int]) -> tuple[tuple[str, int], ...]:
    found = rows(
        db,
        f"SELECT substr({_DAY}, 1, 7) AS m, COUNT(*) AS n FROM statements s WHERE {where} GROUP BY m",
        params,
    )
    return months_between({str(r["m"]): int(r["n"]) for r in found if r["m"]})


def org_activity(db: Database, org_id: int) -> Activity:
    """One organisation's chart: its statements per month, kinds, its TOP co-signers (the profile's) and
    how many organisations ever signed with it. Raises BayanError for an unknown id."""
    profile = org_profile(db, org_id)
    group = org_group(db, profile.org.id)
    mine = f"""SELECT DISTINCT statement_id FROM signatures WHERE org_id IN ({_marks(group)})
               AND statement_id NOT IN ({HIDDEN_IDS})"""
    partners = scalars(
        db,
        f"""SELECT COUNT(DISTINCT COALESCE(o.merged_into, o.id))
            FROM signatures g JOIN orgs o ON o.id = g.org_id
            WHERE g.statement_id IN ({mine}) AND g.org_id NOT IN ({_marks(group)})""",
        [*group, *group],
    )[0]
    return Activity(
        months=_per_month(db, f"s.id IN ({mine})", group),
        kinds=dict(profile.kinds),
        top=profile.co_signers[:TOP],
        total=profile.count,
        orgs=int(partners),
        first=profile.first,
        last=profile.last,
        org=profile.org,
    )


def field_activity(db: Database, *, top: int = TOP) -> Activity:
    """Every stored statement: per month, kinds, the ``top`` organisations that signed most, and how many
    organisations signed any."""
    visible = "s.hidden = 0"
    span = f"SELECT COUNT(*) AS n, MIN({_DAY}) AS first, MAX({_DAY}) AS last FROM statements s"
    stats = one(db, f"{span} WHERE {visible}")
    assert stats is not None
    kinds = rows(
        db,
        f"""SELECT COALESCE(s.kind, 'unknown') AS kind, COUNT(*) AS n FROM statements s WHERE {visible}
            GROUP BY 1 ORDER BY n DESC, kind""",
    )
    signed = f"""SELECT COALESCE(o.merged_into, o.id) AS org, COUNT(DISTINCT g.statement_id) AS n
                 FROM signatures g JOIN orgs o ON o.id = g.org_id
                 WHERE g.statement_id NOT IN ({HIDDEN_IDS}) GROUP BY org"""
    ranked = rows(db, f"SELECT org, n FROM ({signed}) ORDER BY n DESC, org LIMIT ?", [top])
    names = {o.id: o for o in orgs_by_ids(db, [int(r["org"]) for r in ranked])}
    leaders = tuple(
        CoSigner(names[int(r["org"])].name, int(r["n"]), names[int(r["org"])].name_en)
        for r in ranked
        if int(r["org"]) in names
    )
    return Activity(
        months=_per_month(db, visible, []),
        kinds={str(r["kind"]): int(r["n"]) for r in kinds},
        top=leaders,
        total=int(stats["n"]),
        orgs=int(scalars(db, f"SELECT COUNT(*) FROM ({signed})")[0]),
        first=parse_day(stats["first"]),
        last=parse_day(stats["last"]),
    )
