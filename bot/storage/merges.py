"""Recorded merges of organisations (table ``org_merges``): what one merge moved, so it can be undone.

``orgs._move_org`` (every merge: `bayan orgs merge`, an alias that absorbs provisional organisations,
a config sync) takes a ``snapshot_merge`` of what is about to move and records it (``record_merge``).
``unmerge`` puts those rows back on the merged organisation; what happened since (new signatures of the
kept one) stays. ``merge_plan`` is the same snapshot counted, for `bayan orgs merge --dry-run`. Lists
travel as JSON arrays (``json_each``), so no id list meets SQLite's variable limit.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.models import BayanError, MergePlan
from bot.storage._conv import one, rows, scalars, ts_or_now

_KEEPS = "SELECT statement_id FROM signatures WHERE org_id = :keep"
_IDS = {
    "signature_changes": "SELECT id FROM signature_changes WHERE org_id = :gone",
    "withdrawals": "SELECT id FROM withdrawals WHERE org_id = :gone",
    "withdrawals_from": "SELECT id FROM withdrawals WHERE from_org_id = :gone",
    "subscriptions": "SELECT id FROM subscriptions WHERE org_id = :gone",
    "merged_below": "SELECT id FROM orgs WHERE merged_into = :gone",
    "moved_signatures": f"""SELECT statement_id FROM signatures WHERE org_id = :gone
        AND statement_id NOT IN ({_KEEPS})""",
    "made_issuer": """SELECT statement_id FROM signatures WHERE org_id = :keep AND role != 'issuer'
        AND statement_id IN (SELECT statement_id FROM signatures WHERE org_id = :gone AND role = 'issuer')""",
}
_ROWS = {
    "dropped_signatures": f"""SELECT statement_id, raw_name, position, role, match_score, first_seen_at, via
        FROM signatures WHERE org_id = :gone AND statement_id IN ({_KEEPS})""",
    "names": """SELECT name_norm, kind, origin FROM org_names WHERE org_id = :gone
        AND name_norm NOT IN (SELECT name_norm FROM org_names WHERE org_id = :keep)""",
}


def snapshot_merge(db: Database, keep: int, gone: int) -> dict[str, Any]:
    """What merging ``gone`` into ``keep`` will move (read before the move)."""
    args = {"keep": keep, "gone": gone}
    moved: dict[str, Any] = {key: scalars(db, sql, args) for key, sql in _IDS.items()}
    moved |= {key: rows(db, sql, args) for key, sql in _ROWS.items()}
    keep_row = one(db, "SELECT provisional FROM orgs WHERE id = ?", [keep])
    moved["keep_provisional"] = int(keep_row["provisional"]) if keep_row else 0
    return moved


def record_merge(
    db: Database, keep: int, gone: int, moved: dict[str, Any], *, now: datetime | None = None
) -> int:
    """Store one merge and what it moved; returns its id."""
    cur = db.execute(
        "INSERT INTO org_merges (keep_id, gone_id, at, moved) VALUES (?, ?, ?, ?)",
        [keep, gone, ts_or_now(now), json.dumps(moved, ensure_ascii=False)],
    )
    return int(cur.lastrowid or 0)


def merge_plan(db: Database, keep: int, gone: int) -> MergePlan:
    """`bayan orgs merge --dry-run`: what a merge of ``gone`` into ``keep`` would move, counted."""
    moved = snapshot_merge(db, keep, gone)
    return MergePlan(
        keep_id=keep,
        gone_id=gone,
        signatures=len(moved["moved_signatures"]),
        shared=len(moved["dropped_signatures"]),
        names=len(moved["names"]),
        subscriptions=len(moved["subscriptions"]),
        withdrawals=len({*moved["withdrawals"], *moved["withdrawals_from"]}),
    )


# (table, column set back to the merged org, the id column, the snapshot list of ids)
_UNDO_IDS = [
    ("signatures", "org_id", "statement_id", "moved_signatures"),
    ("signature_changes", "org_id", "id", "signature_changes"),
    ("withdrawals", "org_id", "id", "withdrawals"),
    ("withdrawals", "from_org_id", "id", "withdrawals_from"),
    ("subscriptions", "org_id", "id", "subscriptions"),
    ("orgs", "merged_into", "id", "merged_below"),
]
_RESTORE_SIGNATURE = """INSERT OR IGNORE INTO signatures
    (statement_id, org_id, raw_name, position, role, match_score, first_seen_at, via, day)
    VALUES (:statement_id, :gone, :raw_name, :position, :role, :match_score, :first_seen_at, :via,
      (SELECT COALESCE(s.published, substr(s.first_seen_at, 1, 10)) FROM statements s
       WHERE s.id = :statement_id))"""


def _undo(db: Database, keep: int, gone: int, moved: dict[str, Any]) -> None:
    """Put back on ``gone`` what one merge moved to ``keep`` (the snapshot ``moved``)."""
    for table, column, key, listed in _UNDO_IDS:
        db.execute(
            f"""UPDATE {table} SET {column} = ? WHERE {column} = ?
                AND {key} IN (SELECT value FROM json_each(?))""",
            [gone, keep, json.dumps(moved[listed])],
        )
    db.execute(
        """UPDATE signatures SET role = 'signatory' WHERE org_id = ?
           AND statement_id IN (SELECT value FROM json_each(?))""",
        [keep, json.dumps(moved["made_issuer"])],
    )
    for sig in moved["dropped_signatures"]:
        db.execute(_RESTORE_SIGNATURE, {**sig, "gone": gone})
    for name in moved["names"]:
        db.execute(
            "UPDATE org_names SET org_id = ?, kind = ?, origin = ? WHERE name_norm = ? AND org_id = ?",
            [gone, name["kind"], name["origin"], name["name_norm"], keep],
        )
    db.execute("UPDATE orgs SET merged_into = NULL WHERE id = ?", [gone])
    db.execute("UPDATE orgs SET provisional = ? WHERE id = ?", [moved["keep_provisional"], keep])


def last_merge(db: Database, gone: int) -> dict[str, Any] | None:
    """The latest merge of ``gone`` that was not undone."""
    return one(
        db,
        "SELECT * FROM org_merges WHERE gone_id = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
        [gone],
    )


def unmerge(db: Database, gone: int, *, now: datetime | None = None) -> int:
    """Undo the latest recorded merge of organisation ``gone``; returns the id it had been merged into.

    Raises BayanError when ``gone`` has no recorded merge, or when the kept organisation was merged into
    a third one since (undo that first)."""
    with db.atomic():
        merge = last_merge(db, gone)
        state = one(db, "SELECT merged_into FROM orgs WHERE id = ?", [gone])
        if merge is None or state is None or state["merged_into"] != merge["keep_id"]:
            raise BayanError(
                f"organisation {gone} is not merged into another by a recorded merge: nothing to undo"
            )
        keep = int(merge["keep_id"])
        above = one(db, "SELECT merged_into FROM orgs WHERE id = ?", [keep])
        if above is not None and above["merged_into"] is not None:
            raise BayanError(
                f"organisation {keep} was merged into {above['merged_into']} since: unmerge {keep} first"
            )
        _undo(db, keep, gone, json.loads(merge["moved"]))
        db.execute("UPDATE org_merges SET undone_at = ? WHERE id = ?", [ts_or_now(now), merge["id"]])
    return keep


def recorded_merges(db: Database) -> list[dict[str, Any]]:
    """Every recorded merge not undone whose merged organisation is still merged, oldest first."""
    return rows(
        db,
        """SELECT m.id, m.keep_id, m.gone_id, m.at, m.moved FROM org_merges m JOIN orgs o ON o.id = m.gone_id
           WHERE m.undone_at IS NULL AND o.merged_into = m.keep_id ORDER BY m.id""",
    )
