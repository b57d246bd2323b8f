"""The review queue and the decisions (tables ``reviews`` and ``review_decisions``): listing, skipping,
deciding, releasing held pushes and telling the admins. The rules are in ``bot.storage.reviews``; this
module adds what needs the stored statement (``statements.get_statement``) and its signatures (``cluster``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.models import BayanError, Decision, ReviewItem, SignatureRecord, StoredStatement
from bot.storage import cluster
from bot.storage._conv import one, parse_ts, rows, scalars, ts
from bot.storage.outbox import add_alert, create_deliveries
from bot.storage.reviews import decision_of
from bot.storage.statements import get_statement

# ───────────────────────────── the queue ─────────────────────────────


def count_open(db: Database) -> int:
    return int(scalars(db, "SELECT COUNT(*) FROM reviews WHERE state = 'open'")[0])


def review_queue(db: Database, *, limit: int = 50, state: str = "open") -> list[ReviewItem]:
    """The open items, oldest first, skipped ones last (``state`` "decided": the reviewed ones)."""
    found = rows(
        db,
        """SELECT statement_id FROM reviews WHERE state = ?
           ORDER BY skipped_at IS NOT NULL, skipped_at, opened_at, statement_id LIMIT ?""",
        [state, limit],
    )
    items = [get_review(db, int(r["statement_id"])) for r in found]
    return [i for i in items if i is not None]


def get_review(db: Database, statement_id: int) -> ReviewItem | None:
    """One item of the queue (open or decided), with its statement as it would be accepted."""
    row = one(db, "SELECT * FROM reviews WHERE statement_id = ?", [statement_id])
    stored = get_statement(db, statement_id) if row else None
    if row is None or stored is None:
        return None
    proposal = json.loads(row["proposal"]) if row["proposal"] else None
    if proposal is not None:
        names = tuple(s["raw_name"] for s in proposal["signatures"])
        stored = replace(stored, kind=proposal["kind"], issuer=proposal["issuer"], signatories=names,
                         signatory_names=())  # fmt: skip
    return ReviewItem(
        statement=stored,
        reason=row["reason"],
        state=row["state"],
        opened_at=parse_ts(row["opened_at"]),
        page_sha=row["page_sha"],
        held=bool(row["held"]) and row["released_at"] is None,
        hold_until=parse_ts(row["hold_until"]),
        released=row["released_at"] is not None,
        changed=row["changed"],
        decision=decision_of(db, statement_id),
        named=_named(db, statement_id, stored),
    )


def _named(db: Database, statement_id: int, stored: StoredStatement) -> tuple[str, ...]:
    """The organisations the page names (its signatories and issuer): the issuer choices."""
    names = [stored.issuer or "", *stored.signatories]
    owner = scalars(
        db, "SELECT o.name FROM sources s JOIN orgs o ON o.slug = s.org WHERE s.id = ?", [stored.source]
    )
    return tuple(dict.fromkeys(n for n in [*names, *owner] if n))[:8]


def skip_review(db: Database, statement_id: int, now: datetime) -> None:
    """Put an open item behind the others."""
    db.execute("UPDATE reviews SET skipped_at = ? WHERE statement_id = ?", [ts(now), statement_id])


# ───────────────────────────── decisions ─────────────────────────────


def decide(
    db: Database, decision: Decision, signatures: tuple[SignatureRecord, ...] | None, now: datetime
) -> bool:
    """Apply and record a reviewer's decision in ONE transaction; True when it released the statement's
    pushes now (accepted while held, or a candidate accepted: announced once). ``signatures``: the
    reviewer's list resolved (None: as extracted, or as the re-opened page's extraction)."""
    with db.atomic():
        review = one(db, "SELECT * FROM reviews WHERE statement_id = ?", [decision.statement_id])
        if review is None:
            raise BayanError(
                f"statement {decision.statement_id} is not in the review queue (see `bayan review`)"
            )
        proposal = json.loads(review["proposal"]) if review["proposal"] else None
        if signatures is None and proposal is not None:
            signatures = tuple(SignatureRecord(**s) for s in proposal["signatures"])
        kind = decision.kind or (proposal["kind"] if proposal else None)
        issuer = decision.issuer or (proposal["issuer"] if proposal else None)
        sets = ["hidden = :hidden", "updated_at = :now"]
        sets += ["kind = :kind"] if kind else []
        sets += ["issuer = :issuer"] if issuer else []
        sets += ["page_id = :page"] if review["page_id"] else []
        db.execute(
            f"UPDATE statements SET {', '.join(sets)} WHERE id = :id",
            {"hidden": int(not decision.is_statement), "now": ts(now), "kind": kind, "issuer": issuer,
             "page": review["page_id"], "id": decision.statement_id},
        )  # fmt: skip
        if signatures is not None and decision.is_statement:
            cluster.replace_signatures(db, decision.statement_id, signatures, now, keep_if_empty=False)
        row = one(db, "SELECT kind, issuer FROM statements WHERE id = ?", [decision.statement_id]) or {}
        own = scalars(
            db,
            "SELECT raw_name FROM signatures WHERE statement_id = ? AND via IS NULL ORDER BY position, rowid",
            [decision.statement_id],
        )  # what readers now see: the decision a later extraction keeps
        kept = replace(decision, page_sha=review["page_sha"], kind=row.get("kind"), issuer=row.get("issuer"),
                       signatories=tuple(own) if decision.is_statement else decision.signatories)  # fmt: skip
        _record(db, kept, now)
        db.execute(
            "UPDATE reviews SET state = 'decided', changed = NULL, proposal = NULL WHERE statement_id = ?",
            [decision.statement_id],
        )
        if not decision.is_statement:
            db.execute(
                "UPDATE deliveries SET status = 'dropped', last_error = 'rejected by a reviewer' "
                "WHERE statement_id = ? AND status = 'pending'",
                [decision.statement_id],
            )
            return False
        return _release(db, review, now, unreviewed=False)


def _record(db: Database, decision: Decision, now: datetime) -> None:
    names = (
        json.dumps(list(decision.signatories), ensure_ascii=False)
        if decision.signatories is not None
        else None
    )
    db.execute(
        """INSERT OR REPLACE INTO review_decisions (statement_id, page_sha, is_statement, kind, issuer,
             signatories, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [decision.statement_id, decision.page_sha, int(decision.is_statement), decision.kind, decision.issuer,
         names, decision.by, ts(decision.at or now)],
    )  # fmt: skip


def _release(db: Database, review: dict[str, Any], now: datetime, *, unreviewed: bool) -> bool:
    """Create the deliveries of a queued statement once (its poll's, not a baseline's); True when created."""
    if review["released_at"] is not None or not review["held"]:
        return False
    cur = db.execute(
        "UPDATE reviews SET released_at = ?, unreviewed = ? WHERE statement_id = ? AND released_at IS NULL",
        [ts(now), int(unreviewed), review["statement_id"]],
    )
    if cur.rowcount != 1 or not review["push"]:
        return False
    source = scalars(db, "SELECT source_id FROM statements WHERE id = ?", [review["statement_id"]])
    create_deliveries(db, int(review["statement_id"]), str(source[0]), now)
    db.execute("UPDATE statements SET announced = 1 WHERE id = ?", [review["statement_id"]])
    return True


def release_holds(db: Database, now: datetime) -> list[int]:
    """Held doubtful statements whose hold_max passed, still unreviewed: pushed now, marked unreviewed (a
    candidate is never pushed unreviewed). Returns the statements whose deliveries were created."""
    due = rows(
        db,
        """SELECT * FROM reviews WHERE held = 1 AND released_at IS NULL AND reason = 'doubtful'
             AND state = 'open' AND hold_until <= ?""",
        [ts(now)],
    )
    released = []
    with db.atomic():
        for review in due:
            if _release(db, review, now, unreviewed=True):
                released.append(int(review["statement_id"]))
    return released


def held_ids(db: Database, ids: list[int]) -> set[int]:
    """Of these statements, those whose pushes wait for a review."""
    if not ids:
        return set()
    marks = ", ".join("?" * len(ids))
    sql = f"""SELECT statement_id FROM reviews
              WHERE held = 1 AND released_at IS NULL AND statement_id IN ({marks})"""
    return {int(i) for i in scalars(db, sql, ids)}


def review_alert(db: Database, admins: list[int], text: str, now: datetime) -> bool:
    """When the queue grew from empty (open items none of which the admins were told of), queue ``text``
    to every admin, once; the open items are then known to them. True when alerts were queued."""
    with db.atomic():
        told = scalars(db, "SELECT COUNT(*) FROM reviews WHERE state = 'open' AND notified = 1")[0]
        new = db.execute("UPDATE reviews SET notified = 1 WHERE state = 'open' AND notified = 0").rowcount
        if told or not new or not admins:
            return False
        for admin in admins:
            add_alert(db, admin, text, now)
    return True


def reviewed_pages(db: Database) -> list[tuple[ReviewItem, bytes, str, str]]:
    """Every decided item with its page (body, content type, url), for `bayan review export`."""
    out = []
    for item in review_queue(db, limit=1_000_000, state="decided"):
        page = one(
            db,
            """SELECT p.body, p.content_type, p.url FROM statements s JOIN pages p ON p.id = s.page_id
               WHERE s.id = ?""",
            [item.statement.id],
        )
        if page is not None:
            out.append((item, bytes(page["body"]), str(page["content_type"]), str(page["url"])))
    return out
