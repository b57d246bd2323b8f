"""The human review of doubtful extractions (tables ``reviews``, ``review_decisions``; ``statements.hidden``):
what a poll queues, the decisions a poll must not overwrite, and the rules of both (listing, deciding and
releasing are ``review_queue``, which needs the stored statements).

Rules (issue 14; the policy is ``models.ReviewPolicy``):
- A poll queues a statement whose certainty is below the threshold ("doubtful") and a non-statement close to
  it ("candidate": stored hidden, with what it would be as a statement). With ``hold`` a doubtful statement
  gets no deliveries until accepted (``decide``) or until ``hold_until`` passes (``release_holds``: pushed,
  marked unreviewed); a candidate is announced when accepted. Either is released at most once
  (``reviews.released_at``); a baseline poll queues but never pushes (``push`` 0).
- A decision is kept per statement and page hash and applied in the same transaction: rejected → hidden (out
  of lists, search, signed, profiles, exports) and its pending deliveries dropped; accepted → shown, with the
  reviewer's kind, issuer and signatories. Extraction never overwrites it: a poll that reads the statement's
  own page again with the same hash changes nothing, a changed hash re-opens the item saying what changed
  (``reopen``), and ``bayan reextract`` keeps the decided fields (``pipeline.reextract``).
- The admins are told once when the queue grows from empty (``review_alert``: ``notified`` marks the open
  items they know of).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.models import (
    Decision,
    ItemRecord,
    PageRecord,
    PollWrite,
)
from bot.storage._conv import one, parse_ts, scalars, ts

HIDDEN_IDS = "SELECT id FROM statements WHERE hidden = 1"  # small: the partial index statements_hidden


# ───────────────────────────── what a poll queues ─────────────────────────────


def is_candidate(record: ItemRecord, write: PollWrite) -> bool:
    """A non-statement close enough to the threshold to be stored hidden and reviewed."""
    st = record.statement
    return bool(
        st is not None
        and not st.is_statement
        and write.review
        and write.review.doubtful(st.confidence, False)
    )


def queue_new(
    db: Database, write: PollWrite, record: ItemRecord, statement_id: int, page_id: int | None
) -> bool:
    """Queue a statement a poll just created when it is doubtful (or a candidate); True when its deliveries
    wait for the review (held, or a candidate)."""
    st, policy = record.statement, write.review
    if st is None or policy is None or not policy.doubtful(st.confidence, st.is_statement):
        return False
    candidate = not st.is_statement
    held = candidate or policy.hold
    until = None if candidate or not policy.hold else write.now + timedelta(seconds=policy.hold_max)
    db.execute(
        """INSERT OR IGNORE INTO reviews (statement_id, reason, page_id, page_sha, held, hold_until, push,
             released_at, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            statement_id,
            "candidate" if candidate else "doubtful",
            page_id,
            record.page.sha256 if record.page else "",
            int(held),
            ts(until),
            int(write.announce),
            None if held or not write.announce else ts(write.now),
            ts(write.now),
        ],
    )
    if held:
        db.execute("UPDATE statements SET announced = 0 WHERE id = ?", [statement_id])
    return held


def is_pending_candidate(db: Database, statement_id: int) -> bool:
    """A hidden candidate no reviewer accepted yet."""
    sql = "SELECT 1 FROM reviews WHERE statement_id = ? AND reason = 'candidate' AND state = 'open'"
    return bool(scalars(db, sql, [statement_id]))


def decision_of(db: Database, statement_id: int) -> Decision | None:
    """The latest decision on a statement (any page hash)."""
    row = one(
        db,
        "SELECT * FROM review_decisions WHERE statement_id = ? ORDER BY decided_at DESC, rowid DESC LIMIT 1",
        [statement_id],
    )
    return _decision(row) if row else None


def _decision(row: dict[str, Any]) -> Decision:
    names = json.loads(row["signatories"]) if row["signatories"] is not None else None
    return Decision(
        statement_id=int(row["statement_id"]),
        is_statement=bool(row["is_statement"]),
        by=row["decided_by"],
        at=parse_ts(row["decided_at"]) or datetime.min,
        page_sha=row["page_sha"],
        kind=row["kind"],
        issuer=row["issuer"],
        signatories=tuple(names) if names is not None else None,
    )


def reopen(
    db: Database, statement_id: int, page: PageRecord, changed: str, proposal: dict[str, Any], now: datetime
) -> bool:
    """A decided statement's own page came back with another hash: the item is open again, saying what
    changed, with the new page and extraction (``proposal``) to accept; the decision stays in force until
    the next one. False when that page hash was already decided or is already the open one."""
    known = scalars(db, "SELECT 1 FROM review_decisions WHERE statement_id = ? AND page_sha = ?",
                    [statement_id, page.sha256])  # fmt: skip
    review = one(db, "SELECT state, page_sha FROM reviews WHERE statement_id = ?", [statement_id])
    if known or (review and review["state"] == "open" and review["page_sha"] == page.sha256):
        return False
    cur = db.execute(
        "INSERT INTO pages (url, fetched_at, sha256, content_type, body) VALUES (?, ?, ?, ?, ?)",
        [page.url, ts(now), page.sha256, page.content_type, page.body],
    )
    db.execute(
        """UPDATE reviews SET state = 'open', page_id = ?, page_sha = ?, changed = ?, proposal = ?,
             notified = 0, opened_at = ?, skipped_at = NULL WHERE statement_id = ?""",
        [
            cur.lastrowid,
            page.sha256,
            changed,
            json.dumps(proposal, ensure_ascii=False),
            ts(now),
            statement_id,
        ],
    )
    return True


def review_state(db: Database, statement_id: int, hidden: bool) -> str | None:
    """None (never queued), "open", "accepted" or "rejected" (StoredStatement.review)."""
    state = scalars(db, "SELECT state FROM reviews WHERE statement_id = ?", [statement_id])
    if not state:
        return None
    if state[0] == "open":
        return "open"
    return "rejected" if hidden else "accepted"
