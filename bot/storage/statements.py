"""Items seen, statements stored by a poll, and the statement queries (tables ``items``, ``pages``,
``statements``, ``statement_sources``, ``signatures``, ``individuals``, ``withdrawals``).

``save_poll`` is the single write of a successful poll: one transaction, so a crash or a constraint
violation leaves nothing of that poll behind (the items stay unseen and are retried next poll).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.models import (
    ItemRecord,
    PageRecord,
    PollWrite,
    RowCounts,
    SignatoryName,
    SignatureRecord,
    Statement,
    StoredStatement,
)
from bot.storage import cluster, reviews, shingles
from bot.storage._conv import atomic, chunks, day, one, parse_day, parse_ts, rows, scalars, ts
from bot.storage.integrity import unwritable_reason
from bot.storage.outbox import create_deliveries
from bot.storage.sources import record_success


def unseen_keys(db: Database, source_id: str, keys: list[str]) -> set[str]:
    """The keys never seen for this source, checked against every item key ever stored for it."""
    wanted = list(dict.fromkeys(keys))
    seen: set[str] = set()
    for part in chunks(wanted):
        marks = ", ".join("?" * len(part))
        sql = f"SELECT item_key FROM items WHERE source_id = ? AND item_key IN ({marks})"
        seen.update(scalars(db, sql, [source_id, *part]))
    return set(wanted) - seen


def unseen_keys_many(db: Database, asks: Sequence[tuple[str, list[str]]]) -> list[set[str]]:
    """``unseen_keys`` for several (source id, keys) at once, in order: one call to the DB thread for the
    polls that ask together (``pipeline.PollContext.unseen``)."""
    return [unseen_keys(db, source_id, keys) for source_id, keys in asks]


def save_poll(db: Database, write: PollWrite) -> list[int]:
    """Store one successful poll in ONE transaction; returns the ids of the statements it created.

    Items already seen are skipped entirely. A new item whose record holds a statement (is_statement)
    gets its page, statement, source row, signatures (unresolved names → provisional orgs), individuals
    and withdrawal. The source state is updated as a success (baseline done; a refused link of the poll
    becomes its last_error).
    With ``write.announce`` every new statement gets its pending deliveries.
    """
    created: list[int] = []
    waiting: set[int] = set()  # queued for review: their deliveries wait for the decision
    with atomic(db):
        for record in write.records:
            if not _insert_item(db, write, record):
                continue
            if reviews.is_candidate(record, write):
                _save_candidate(db, write, record)
                continue
            saved = _save_record(db, write, record)
            if saved is not None:
                statement_id, page_id = saved
                created.append(statement_id)
                if reviews.queue_new(db, write, record, statement_id, page_id):
                    waiting.add(statement_id)
        if write.health:  # a backfill leaves the poll's validators, schedule and health alone
            record_success(
                db,
                write.source_id,
                now=write.now,
                next_check=write.next_check,
                validators=write.validators,
                refused=write.refused[-1] if write.refused else None,
            )
        if write.announce:
            for statement_id in created:
                if statement_id not in waiting:
                    create_deliveries(db, statement_id, write.source_id, write.now)
    return created


def _save_candidate(db: Database, write: PollWrite, record: ItemRecord) -> None:
    """A non-statement close to the review threshold: stored hidden with what it would be as a statement,
    and queued (unless it is a copy of a stored statement: that one is what readers see)."""
    match = _find_existing_statement(db, record, write)
    if match is not None:
        return
    page_id = _insert_page(db, record.page, write.now) if record.page else None
    statement_id = _insert_statement(db, write, record, page_id, hidden=True)
    _add_source(db, statement_id, write.source_id, record.item.url, write.now)
    _add_signatures(db, statement_id, record.signatures, write.now, log_changes=False)
    _link_item(db, write.source_id, record.item.key, statement_id)
    reviews.queue_new(db, write, record, statement_id, page_id)


def save_polls(db: Database, writes: Sequence[PollWrite]) -> list[list[int] | Exception]:
    """Store several polls in ONE transaction (group commit: one commit and one flush of the full-text
    index for all of them), each in a savepoint of its own: a poll that fails is rolled back alone and
    its exception is returned in its place; the others are committed. The created ids per poll.

    A write the database refuses (read-only, full: ``integrity.unwritable_reason``) is no poll's own
    failure, and SQLite may have rolled the whole transaction back: it is raised for the whole batch."""
    out: list[list[int] | Exception] = []
    with atomic(db):
        for write in writes:
            try:
                out.append(save_poll(db, write))
            except Exception as e:  # this poll's savepoint was rolled back; the others go on
                if unwritable_reason(e) is not None or not db.conn.in_transaction:
                    raise
                out.append(e)
    return out


def _insert_item(db: Database, write: PollWrite, record: ItemRecord) -> bool:
    item = record.item
    cur = db.execute(
        """INSERT OR IGNORE INTO items (source_id, item_key, url, title, published, first_seen_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [write.source_id, item.key, item.url, item.title, day(item.published), ts(write.now)],
    )
    return cur.rowcount == 1


def _find_existing_statement(db: Database, record: ItemRecord, write: PollWrite) -> cluster.Match | None:
    """Cross-source clustering: the stored statement this record is a copy of, and why (see ``cluster``)."""
    return cluster.find_existing(db, record, write)


def _save_record(db: Database, write: PollWrite, record: ItemRecord) -> tuple[int, int | None] | None:
    """Store the statement of one new item; returns its id and its page's when a new statement was created.

    A copy of a stored statement (``cluster.find_existing``: same URL, same page text, or a like text
    with the same title or signatories) adds its source row (not for the same item under another link)
    and its signatures to that statement, records why on its item and creates no deliveries."""
    st = record.statement
    if st is None or not st.is_statement:
        return None
    match = _find_existing_statement(db, record, write)
    if match is not None and reviews.is_pending_candidate(db, match.statement_id):
        match = None  # a hidden candidate never absorbs a statement read as one
    if match is not None:
        existing = match.statement_id
        if not match.same_item:
            _add_source(db, existing, write.source_id, record.item.url, write.now)
        if cluster.is_refetch(db, existing, record) and reviews.decision_of(db, existing) is not None:
            _decided_refetch(db, existing, record, write.now)  # a person's decision is never overwritten
        elif cluster.is_refetch(db, existing, record):  # its own page again: its list replaces the old one
            cluster.replace_signatures(db, existing, record.signatures, write.now, keep_if_empty=True)
        else:  # a copy elsewhere: union
            _add_signatures(db, existing, record.signatures, write.now, log_changes=True, via=record.item.url)
        _add_individuals(db, existing, st.individuals)
        _link_item(db, write.source_id, record.item.key, existing, match.reason)
        return None
    page_id = _insert_page(db, record.page, write.now) if record.page else None
    statement_id = _insert_statement(db, write, record, page_id)
    _add_source(db, statement_id, write.source_id, record.item.url, write.now)
    on = day(st.published or record.item.published) or (ts(write.now) or "")[:10]  # as signatures.day
    cluster.add_signatures(db, statement_id, record.signatures, write.now, log=False, on=on)
    _add_individuals(db, statement_id, st.individuals)
    if st.kind == "withdrawal" or st.withdrawn_from:  # a new statement has no withdrawals rows to replace
        cluster.record_withdrawal(db, statement_id, st, write.source_id)
    _link_item(db, write.source_id, record.item.key, statement_id)
    return statement_id, page_id


def _decided_refetch(db: Database, statement_id: int, record: ItemRecord, now: datetime) -> None:
    """A reviewed statement's own page read again: the same page hash changes nothing; another one re-opens
    the review with what changed (the decision stays until the next one)."""
    decision = reviews.decision_of(db, statement_id)
    stored = get_statement(db, statement_id)
    st = record.statement
    if record.page is None or decision is None or stored is None or st is None:
        return
    if record.page.sha256 == decision.page_sha:
        return
    reviews.reopen(db, statement_id, record.page, _what_changed(stored, st), _proposal(record), now)


def _what_changed(stored: StoredStatement, st: Statement) -> str:
    """ "the page changed: title …; kind joint → single; +A; −B" (or "the page changed: text only")."""
    parts = []
    if st.title and st.title != stored.title:
        parts.append(f"title {st.title!r}")
    if st.kind != stored.kind:
        parts.append(f"kind {stored.kind} → {st.kind}")
    if st.issuer != stored.issuer:
        parts.append(f"issuer {stored.issuer} → {st.issuer}")
    old, new = set(stored.signatories), set(st.signatories)
    parts += [f"+{n}" for n in st.signatories if n not in old]
    parts += [f"−{n}" for n in stored.signatories if n not in new]
    return "the page changed: " + ("; ".join(parts) if parts else "text only")


def _proposal(record: ItemRecord) -> dict[str, Any]:
    st = record.statement
    assert st is not None
    return {
        "kind": st.kind,
        "issuer": st.issuer,
        "signatures": [asdict(s) for s in record.signatures],
    }


def _insert_page(db: Database, page: PageRecord, now: datetime) -> int:
    cur = db.execute(
        "INSERT INTO pages (url, fetched_at, sha256, content_type, body) VALUES (?, ?, ?, ?, ?)",
        [page.url, ts(now), page.sha256, page.content_type, page.body],
    )
    return int(cur.lastrowid or 0)


def _insert_statement(
    db: Database, write: PollWrite, record: ItemRecord, page_id: int | None, *, hidden: bool = False
) -> int:
    st, item = record.statement, record.item
    assert st is not None
    cur = db.execute(
        """INSERT INTO statements (title, url, published, language, kind, issuer, lead, body, title_norm,
             body_norm, confidence, evidence, page_id, source_id, first_seen_at, updated_at, announced,
             withdrawn_from, text_sha, hidden)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            st.title or item.title,
            item.url,
            day(st.published or item.published),
            st.language,
            st.kind,
            st.issuer,
            st.lead,
            st.body,
            record.title_norm,
            record.body_norm,
            st.confidence,
            json.dumps(list(st.evidence), ensure_ascii=False),
            page_id,
            write.source_id,
            ts(write.now),
            ts(write.now),
            int(write.announce and not hidden),
            st.withdrawn_from,
            shingles.text_sha(record.title_norm, record.body_norm),
            int(hidden),
        ],
    )
    return int(cur.lastrowid or 0)


def _add_source(db: Database, statement_id: int, source_id: str, url: str, now: datetime) -> None:
    db.execute(
        """INSERT OR IGNORE INTO statement_sources (statement_id, source_id, url, first_seen_at)
           VALUES (?, ?, ?, ?)""",
        [statement_id, source_id, url, ts(now)],
    )


def _add_signatures(
    db: Database,
    statement_id: int,
    signatures: tuple[SignatureRecord, ...],
    now: datetime,
    *,
    log_changes: bool,
    via: str | None = None,
) -> None:
    """Insert signatures (an org already signed keeps its first row); log additions when asked. ``via``:
    the URL of the copy that contributed them (None: the statement's own page)."""
    cluster.add_signatures(db, statement_id, signatures, now, log=log_changes, via=via)


def _add_individuals(db: Database, statement_id: int, names: tuple[str, ...]) -> None:
    for position, name in enumerate(names):
        db.execute(
            "INSERT OR IGNORE INTO individuals (statement_id, name, position) VALUES (?, ?, ?)",
            [statement_id, name, position],
        )


def _link_item(
    db: Database, source_id: str, item_key: str, statement_id: int, reason: str | None = None
) -> None:
    db.execute(
        "UPDATE items SET statement_id = ?, cluster_reason = ? WHERE source_id = ? AND item_key = ?",
        [statement_id, reason, source_id, item_key],
    )


# ───────────────────────────── queries ─────────────────────────────


def _stored(db: Database, row: dict[str, Any]) -> StoredStatement:
    sid = row["id"]
    signed = rows(
        db,
        """SELECT g.raw_name, g.role, o.provisional, o.name, o.name_en
           FROM signatures g JOIN orgs o0 ON o0.id = g.org_id
           JOIN orgs o ON o.id = COALESCE(o0.merged_into, o0.id)
           WHERE g.statement_id = ? ORDER BY g.position, g.rowid""",
        [sid],
    )
    signatories = [r["raw_name"] for r in signed]
    names = [
        SignatoryName(r["raw_name"], None, None, r["role"])
        if r["provisional"]
        else SignatoryName(r["raw_name"], r["name"], r["name_en"], r["role"])
        for r in signed
    ]
    individuals = scalars(db, "SELECT name FROM individuals WHERE statement_id = ? ORDER BY position", [sid])
    carried = rows(
        db,
        "SELECT source_id, url FROM statement_sources WHERE statement_id = ? ORDER BY first_seen_at, rowid",
        [sid],
    )
    clustered = rows(
        db,
        """SELECT source_id, cluster_reason FROM items WHERE statement_id = ? AND cluster_reason IS NOT NULL
           ORDER BY first_seen_at, rowid""",
        [sid],
    )
    reasons = dict.fromkeys(f"{c['source_id']}: {c['cluster_reason']}" for c in clustered)
    return StoredStatement(
        id=sid,
        title=row["title"],
        url=row["url"],
        source=row["source_id"],
        published=parse_day(row["published"]),
        kind=row["kind"],
        issuer=row["issuer"],
        signatories=tuple(signatories),
        individuals=tuple(individuals),
        urls=tuple(dict.fromkeys(c["url"] for c in carried)),
        sources=tuple(dict.fromkeys(c["source_id"] for c in carried)),
        language=row["language"],
        lead=row["lead"],
        first_seen=parse_ts(row["first_seen_at"]),
        announced=bool(row["announced"]),
        confidence=float(row["confidence"]),
        evidence=tuple(json.loads(row["evidence"] or "[]")),
        signatory_names=tuple(names),
        cluster_reason="; ".join(reasons) or None,
        review=reviews.review_state(db, sid, bool(row.get("hidden"))),
    )


def list_statements(db: Database, *, limit: int = 20, source: str | None = None) -> list[StoredStatement]:
    """The newest statements (published date desc, undated last, then first seen desc), optionally only
    those carried by ``source``."""
    found = rows(
        db,
        """SELECT * FROM statements s
           WHERE s.hidden = 0 AND (:source IS NULL OR EXISTS (
             SELECT 1 FROM statement_sources ss WHERE ss.statement_id = s.id AND ss.source_id = :source))
           ORDER BY s.published IS NULL, s.published DESC, s.first_seen_at DESC, s.id DESC LIMIT :limit""",
        {"source": source, "limit": limit},
    )
    return [_stored(db, r) for r in found]


def get_statement(db: Database, statement_id: int) -> StoredStatement | None:
    row = one(db, "SELECT * FROM statements WHERE id = ?", [statement_id])
    return _stored(db, row) if row else None


_COUNTS = {
    "sources": "SELECT COUNT(*) FROM sources WHERE enabled = 1",
    "items": "SELECT COUNT(*) FROM items",
    "statements": "SELECT COUNT(*) FROM statements WHERE hidden = 0",
    "orgs": "SELECT COUNT(*) FROM orgs WHERE merged_into IS NULL",
    "provisional_orgs": "SELECT COUNT(*) FROM orgs WHERE provisional = 1 AND merged_into IS NULL",
    "signatures": "SELECT COUNT(*) FROM signatures",
    "chats": "SELECT COUNT(*) FROM chats WHERE active = 1",
    "subscriptions": "SELECT COUNT(*) FROM subscriptions WHERE active = 1",
    "pending_deliveries": "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'",
    "sent_deliveries": "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'",
}


def count_rows(db: Database) -> RowCounts:
    """Row counts for /status (enabled sources, active chats/subscriptions, pending deliveries, …)."""
    return RowCounts(**{name: int(scalars(db, sql)[0]) for name, sql in _COUNTS.items()})
