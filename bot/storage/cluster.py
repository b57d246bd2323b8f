"""How a new or re-read statement relates to what is stored: copies of one statement on several sources
(clustering), signature lists that change (logged in ``signature_changes``), withdrawals, and
re-extraction of stored statements.

A record is a copy of a stored statement when, in this order:
1. one of its URLs is already a source URL of that statement (any date: it is the same page);
2. its page text hash (``shingles.text_sha``: normalised title and body, a body of ≥ 100 characters) is
   that of a stored statement: when its source already carries it, the same item under a link that
   changed (a session id; no source URL is added), else a copy;
3. a candidate — within ±30 days of its date, the same normalised title (≥ 12 characters, and not when
   both sides name signatories and share none) or the same signatories (Jaccard ≥ 0.8 over organisation
   ids, ≥ 5 on each side; or over registry organisations only, which EN and AR copies resolve to alike
   while each language's unknown names become different provisional orgs) — has a like text
   (``shingles``, signatories' names left out): for another URL of the same source the same text
   (Jaccard ≥ 0.8), on another source an overlap ≥ 0.6 (and a Jaccard ≥ 0.2). Two different statements
   of one coalition share their signatories and a weekly update its title, but not their texts. Texts
   that cannot be compared leave the cue alone: in two scripts (a translation) within 7 days; too short
   to compare at all.
At most 10 candidates are compared (nearest date / best overlap first). Why a record was clustered is
kept in ``items.cluster_reason`` (``bayan statements --json`` key ``cluster_reason``).
A copy from another page only adds signatures (``signatures.via`` = its URL); the statement's own page read
again (same URL) or re-extracted replaces the statement's own signatures, logging who was added / removed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.models import (
    BayanError,
    ItemRecord,
    PollWrite,
    ReextractReport,
    SignatureRecord,
    Statement,
    StoredPage,
)
from bot.names import normalize
from bot.storage import shingles
from bot.storage._conv import day, one, rows, scalars, ts
from bot.storage.orgs import canonical_id, find_org_id, provisional_org

WINDOW_DAYS = 30
MIN_TITLE_CHARS = 12
MIN_ORGS = 5
MIN_JACCARD = 0.8
SAME_TEXT = 0.8  # Jaccard of two URLs of one source that are one statement
COPY_TEXT = 0.6  # overlap of a copy on another source…
COPY_JACCARD = 0.2  # …that is not only a short text inside a long one
TRANSLATION_DAYS = 7
MAX_CANDIDATES = 10  # stored texts compared per new statement

# ───────────────────────────── clustering ─────────────────────────────


@dataclass(frozen=True)
class Match:
    """The stored statement a record is a copy of, and why (``items.cluster_reason``). ``same_item``: the
    record is that statement's own item again under another link (its page text hash): no new source URL."""

    statement_id: int
    reason: str
    same_item: bool = False


@dataclass(frozen=True)
class _Signers:
    """A record's signatories as organisation ids; names nobody resolved count as distinct new orgs."""

    known: frozenset[int]
    unknown: int

    @property
    def size(self) -> int:
        return len(self.known) + self.unknown


def _signers(record: ItemRecord) -> _Signers:
    known = frozenset(s.org_id for s in record.signatures if s.org_id is not None)
    unknown = {s.raw_name.strip().casefold() for s in record.signatures if s.org_id is None}
    return _Signers(known, len(unknown))


def find_existing(db: Database, record: ItemRecord, write: PollWrite) -> Match | None:
    """The stored statement ``record`` is a copy of, and why (see the module doc), else None."""
    st = record.statement
    if st is None:
        return None
    found = _by_url(db, record)
    if found is not None:
        return Match(found, "same URL")
    by_text = _by_text_sha(db, record, write.source_id)
    if by_text is not None:
        return by_text
    when = st.published or record.item.published or write.now.date()
    mine: shingles.Text | None = None  # made for the first candidate: most new statements have none
    for sid, cue in _candidates(db, record, when):
        if mine is None:
            mine = shingles.text_of(record.body_norm, (*st.signatories, *st.individuals))
        reason = _judge(db, sid, cue, mine, write.source_id, when)
        if reason is not None:
            return Match(sid, reason)
    return None


def _urls(record: ItemRecord) -> list[str]:
    urls = [record.item.url, record.page.url if record.page else ""]
    return [u for u in dict.fromkeys(urls) if u]


def _by_url(db: Database, record: ItemRecord) -> int | None:
    urls = _urls(record)
    if not urls:
        return None
    marks = ", ".join("?" * len(urls))
    found = scalars(db, f"SELECT MIN(statement_id) FROM statement_sources WHERE url IN ({marks})", urls)
    return int(found[0]) if found and found[0] is not None else None


def _by_text_sha(db: Database, record: ItemRecord, source_id: str) -> Match | None:
    """A statement with the record's page text hash: the same item again when its source carries it,
    else a copy of it (preferring the first)."""
    sha = shingles.text_sha(record.title_norm, record.body_norm)
    if sha is None:
        return None
    found = rows(
        db,
        """SELECT s.id, EXISTS (SELECT 1 FROM statement_sources ss WHERE ss.statement_id = s.id
             AND ss.source_id = ?) AS carried
           FROM statements s WHERE s.text_sha = ? ORDER BY carried DESC, s.id LIMIT 1""",
        [source_id, sha],
    )
    if not found:
        return None
    if found[0]["carried"]:
        return Match(int(found[0]["id"]), "same page text on this source", same_item=True)
    return Match(int(found[0]["id"]), "same page text")


def _window(when: date) -> dict[str, str]:
    lo, hi = when - timedelta(days=WINDOW_DAYS), when + timedelta(days=WINDOW_DAYS)
    return {"lo": lo.isoformat(), "hi": hi.isoformat(), "day": when.isoformat()}


# a statement's day: its date, else the day it was first seen (``signatures.day`` holds the same, m013)
_DAY = "COALESCE(s.published, substr(s.first_seen_at, 1, 10))"


def _candidates(db: Database, record: ItemRecord, when: date) -> list[tuple[int, str]]:
    """Stored statements that may be the record's (same title, or the same signatories), each with the cue
    that found it; the nearest in date / the best overlap first, at most MAX_CANDIDATES texts to compare."""
    found: dict[int, str] = {}
    for sid in _by_title(db, record, when):
        found.setdefault(sid, "same title")
    for sid, score in _by_signatories(db, _signers(record), when):
        found.setdefault(sid, f"signatories {score:.2f}")
    return list(found.items())[:MAX_CANDIDATES]


def _judge(db: Database, sid: int, cue: str, mine: shingles.Text, source_id: str, when: date) -> str | None:
    """Why candidate ``sid`` is the record's statement, or None: its text must be like the record's (the
    same text for another URL of the same source); texts that cannot be compared leave the cue alone to
    decide, within TRANSLATION_DAYS for two scripts (a statement and its translation)."""
    row = one(
        db,
        f"""SELECT substr(s.body_norm, 1, :chars) AS body, {_DAY} AS day,
             EXISTS (SELECT 1 FROM statement_sources ss WHERE ss.statement_id = s.id
               AND ss.source_id = :source) AS carried
           FROM statements s WHERE s.id = :id""",
        {"chars": shingles.MAX_CHARS, "source": source_id, "id": sid},
    )
    if row is None:
        return None
    names = scalars(
        db,
        """SELECT raw_name FROM signatures WHERE statement_id = :id
           UNION ALL SELECT name FROM individuals WHERE statement_id = :id""",
        {"id": sid},
    )
    theirs = shingles.text_of(str(row["body"] or ""), names)
    alike = shingles.likeness(mine, theirs)
    if row["carried"]:  # another URL of the same source: one statement only if it is the same text
        return f"{cue}, same text {alike.jaccard:.2f}" if alike and alike.jaccard >= SAME_TEXT else None
    if alike is not None:
        copy = alike.overlap >= COPY_TEXT and alike.jaccard >= COPY_JACCARD
        return f"{cue}, text {alike.overlap:.2f}" if copy else None
    if mine.comparable and theirs.comparable:  # two scripts: a translation, published about together
        days = abs((when - date.fromisoformat(str(row["day"]))).days)
        return f"{cue}, translation ({days} days apart)" if days <= TRANSLATION_DAYS else None
    return f"{cue}, texts too short to compare"


def _by_title(db: Database, record: ItemRecord, when: date) -> list[int]:
    """Statements of the window with the record's title (index statements_title_day: a title recurring
    for years costs only its statements of the window), nearest in date first, unless both sides name
    signatories and share none."""
    if len(record.title_norm.strip()) < MIN_TITLE_CHARS:
        return []
    found = rows(
        db,
        f"""SELECT s.id AS sid,
              (SELECT group_concat(g.org_id) FROM signatures g WHERE g.statement_id = s.id) AS orgs
            FROM statements s WHERE s.title_norm = :title AND {_DAY} BETWEEN :lo AND :hi
            ORDER BY abs(julianday({_DAY}) - julianday(:day)), s.id LIMIT :cap""",
        {**_window(when), "title": record.title_norm.strip(), "cap": MAX_CANDIDATES},
    )
    known = _signers(record).known
    out = []
    for r in found:
        stored = {int(o) for o in str(r["orgs"]).split(",")} if r["orgs"] else set()
        if not known or not stored or known & stored:
            out.append(int(r["sid"]))
    return out


# candidates: statements of the window signed by one of the probe organisations (index signatures_org_day);
# then, for each, its signatures counted against the record's organisations
_OVERLAP = """
    WITH c(sid) AS (SELECT DISTINCT statement_id FROM signatures
                    WHERE org_id IN ({probe}) AND day BETWEEN :lo AND :hi)
    SELECT g.statement_id AS sid, SUM(g.org_id IN ({ids})) AS shared,
      SUM(g.org_id IN ({ids}) AND o.provisional = 0) AS shared_reg,
      COUNT(*) AS total, SUM(o.provisional = 0) AS total_reg
    FROM c JOIN signatures g ON g.statement_id = c.sid JOIN orgs o ON o.id = g.org_id
    GROUP BY g.statement_id"""


def _jaccard(shared: int, mine: int, theirs: int) -> float:
    """Jaccard of two sets of sizes ``mine`` and ``theirs`` sharing ``shared``; 0 unless both have ≥ 5."""
    if mine < MIN_ORGS or theirs < MIN_ORGS:
        return 0.0
    return shared / (mine + theirs - shared)


def _probe_size(known: int, size: int) -> int:
    """How many of a set's ``known`` organisations (of ``size`` in all: the rest match nothing stored) a
    probe takes so that every stored set with a Jaccard ≥ MIN_JACCARD shares at least one of them.

    Jaccard J = s / (size + theirs − s) ≥ t with s ≤ theirs gives s ≥ t × size: the stored set shares at
    least ⌈t × size⌉ of the known ones, so any ``known − ⌈t × size⌉ + 1`` of them include one it shares
    (prefix filtering). 0: no stored set can reach the threshold."""
    if size < MIN_ORGS:
        return 0
    need = math.ceil(MIN_JACCARD * size - 1e-9)
    return max(known - need + 1, 0)


def _by_signatories(db: Database, signers: _Signers, when: date) -> list[tuple[int, float]]:
    """Statements whose signatories overlap the record's (Jaccard ≥ 0.8), best first, at most
    MAX_CANDIDATES: over all organisation ids, or over registry ones only (each language's unknown names
    become different provisional orgs, so EN/AR copies agree on their registry organisations).

    Only the statements of the window signed by a probe of the record's organisations are scored: for
    each Jaccard, the fewest of its organisations every qualifying set must share one of
    (``_probe_size``), newest organisations first (provisional ones, the least shared)."""
    if signers.size < MIN_ORGS or not signers.known:
        return []
    ids = sorted(signers.known, reverse=True)
    marks = ", ".join("?" * len(ids))
    registry = [
        int(i) for i in scalars(db, f"SELECT id FROM orgs WHERE provisional = 0 AND id IN ({marks})", ids)
    ]
    registry.sort(reverse=True)
    probe = set(ids[: _probe_size(len(ids), signers.size)])
    probe.update(registry[: _probe_size(len(registry), len(registry))])
    if not probe:
        return []
    params: dict[str, Any] = {**_window(when), **{f"o{i}": org for i, org in enumerate(ids)}}
    params.update({f"p{i}": org for i, org in enumerate(sorted(probe))})
    named = ", ".join(f":o{i}" for i in range(len(ids)))
    probed = ", ".join(f":p{i}" for i in range(len(probe)))
    scored = []
    for r in rows(db, _OVERLAP.format(ids=named, probe=probed), params):
        score = max(
            _jaccard(int(r["shared"]), signers.size, int(r["total"])),
            _jaccard(int(r["shared_reg"]), len(registry), int(r["total_reg"])),
        )
        if score >= MIN_JACCARD:
            scored.append((-score, int(r["sid"])))
    return [(sid, -neg) for neg, sid in sorted(scored)[:MAX_CANDIDATES]]


def is_refetch(db: Database, statement_id: int, record: ItemRecord) -> bool:
    """The record is the statement's own page read again (its first URL), not a copy on another page."""
    own = scalars(db, "SELECT url FROM statements WHERE id = ?", [statement_id])
    return bool(own) and own[0] in _urls(record)


# ───────────────────────────── signatures ─────────────────────────────


def _log(db: Database, statement_id: int, org_id: int, raw_name: str, change: str, now: datetime) -> None:
    db.execute(
        "INSERT INTO signature_changes (statement_id, org_id, raw_name, change, at) VALUES (?, ?, ?, ?, ?)",
        [statement_id, org_id, raw_name, change, ts(now)],
    )


def _day_of(db: Database, statement_id: int) -> str | None:
    """The statement's day as its signatures carry it (``signatures.day``)."""
    found = scalars(db, f"SELECT {_DAY} FROM statements s WHERE s.id = ?", [statement_id])
    return str(found[0]) if found and found[0] is not None else None


def _insert_signature(
    db: Database,
    statement_id: int,
    org_id: int,
    sig: SignatureRecord,
    now: datetime,
    via: str | None,
    on: str | None,
) -> bool:
    cur = db.execute(
        """INSERT INTO signatures (statement_id, org_id, raw_name, position, role, match_score,
             first_seen_at, via, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(statement_id, org_id) DO NOTHING""",
        [statement_id, org_id, sig.raw_name, sig.position, sig.role, sig.score, ts(now), via, on],
    )
    return cur.rowcount == 1


def add_signatures(
    db: Database,
    statement_id: int,
    signatures: tuple[SignatureRecord, ...],
    now: datetime,
    *,
    log: bool,
    via: str | None = None,
    on: str | None = None,
) -> list[str]:
    """Insert signatures (unresolved names → provisional orgs; an org that already signed keeps its row);
    with ``log``, additions go to signature_changes. Returns the names added. ``on``: the statement's day
    (``signatures.day``) when the caller knows it (a statement it just created), else it is read."""
    added = []
    if on is None and signatures:
        on = _day_of(db, statement_id)
    for sig in signatures:
        org_id = sig.org_id if sig.org_id is not None else provisional_org(db, sig.raw_name, now)
        if _insert_signature(db, statement_id, org_id, sig, now, via, on):
            added.append(sig.raw_name)
            if log:
                _log(db, statement_id, org_id, sig.raw_name, "added", now)
    return added


def replace_signatures(
    db: Database,
    statement_id: int,
    signatures: tuple[SignatureRecord, ...],
    now: datetime,
    *,
    keep_if_empty: bool,
) -> tuple[list[str], list[str]]:
    """Make ``signatures`` the statement's own signatures; those added by copies (``via``) stay unless listed.
    Logs every addition and removal; returns (names added, names removed). With ``keep_if_empty`` an empty
    list changes nothing (a page that lost its list is more likely broken than unsigned)."""
    wanted: dict[int, SignatureRecord] = {}
    for sig in signatures:
        org_id = sig.org_id if sig.org_id is not None else provisional_org(db, sig.raw_name, now)
        wanted.setdefault(org_id, sig)
    if not wanted and keep_if_empty:
        return [], []
    current = {
        int(r["org_id"]): r
        for r in rows(
            db, "SELECT org_id, raw_name, via FROM signatures WHERE statement_id = ?", [statement_id]
        )
    }
    added = [
        sig.raw_name for o, sig in wanted.items() if _keep_or_add(db, statement_id, o, sig, now, current)
    ]
    removed = []
    for org_id, row in current.items():
        if org_id not in wanted and row["via"] is None:
            db.execute("DELETE FROM signatures WHERE statement_id = ? AND org_id = ?", [statement_id, org_id])
            _log(db, statement_id, org_id, row["raw_name"], "removed", now)
            removed.append(row["raw_name"])
    return added, removed


def _keep_or_add(
    db: Database, statement_id: int, org_id: int, sig: SignatureRecord, now: datetime, current: dict[int, Any]
) -> bool:
    """Update a signature the statement already has (it becomes its own), or add it; True when added."""
    if org_id in current:
        db.execute(
            """UPDATE signatures SET raw_name = ?, position = ?, role = ?, match_score = ?, via = NULL
               WHERE statement_id = ? AND org_id = ?""",
            [sig.raw_name, sig.position, sig.role, sig.score, statement_id, org_id],
        )
        return False
    _insert_signature(db, statement_id, org_id, sig, now, None, _day_of(db, statement_id))
    _log(db, statement_id, org_id, sig.raw_name, "added", now)
    return True


# ───────────────────────────── withdrawals ─────────────────────────────


def record_withdrawal(db: Database, statement_id: int, statement: Statement, source_id: str) -> int:
    """For a withdrawal (kind "withdrawal" or a ``withdrawn_from``): one withdrawals row per organisation
    that withdraws (the issuer; else the signatories; else the source's organisation), with what it
    withdraws from resolved by exact normalised name when exactly one organisation has it. Returns rows."""
    db.execute("DELETE FROM withdrawals WHERE statement_id = ?", [statement_id])
    if statement.kind != "withdrawal" and not statement.withdrawn_from:
        return 0
    from_id = _from_org(db, statement.withdrawn_from)
    who = [o for o in _withdrawers(db, statement_id, statement, source_id) if o != from_id] or [None]
    for org_id in who:
        db.execute(
            "INSERT INTO withdrawals (statement_id, org_id, from_text, from_org_id) VALUES (?, ?, ?, ?)",
            [statement_id, org_id, statement.withdrawn_from, from_id],
        )
    return len(who)


def _withdrawers(db: Database, statement_id: int, statement: Statement, source_id: str) -> list[int | None]:
    signed = rows(
        db,
        "SELECT org_id, role FROM signatures WHERE statement_id = ? ORDER BY position, rowid",
        [statement_id],
    )
    issuers = [int(r["org_id"]) for r in signed if r["role"] == "issuer"]
    if issuers:
        return list(issuers)
    by_name = find_org_id(db, statement.issuer) if statement.issuer else None
    if by_name is not None:
        return [by_name]
    if signed:
        return [int(r["org_id"]) for r in signed]
    owner = scalars(db, "SELECT org FROM sources WHERE id = ? AND org IS NOT NULL", [source_id])
    found = find_org_id(db, owner[0]) if owner else None
    return [found] if found is not None else []


def _from_org(db: Database, text: str | None) -> int | None:
    key = normalize(text).strip() if text else ""
    if not key:
        return None
    ids = {
        canonical_id(db, int(i))
        for i in scalars(db, "SELECT DISTINCT org_id FROM org_names WHERE name_norm = ?", [key])
    }
    ids.discard(None)
    return ids.pop() if len(ids) == 1 else None


# ───────────────────────────── re-extraction ─────────────────────────────


def reextract_targets(db: Database, ids: list[int] | None) -> list[StoredPage]:
    """The stored pages of the statements to re-extract: those asked for (``ids``), else every statement,
    that kept its page; by statement id."""
    sql = "SELECT s.id, p.body, p.content_type, p.url FROM statements s JOIN pages p ON p.id = s.page_id"
    params: list[int] = []
    if ids is not None:
        wanted = list(dict.fromkeys(ids))
        sql += f" WHERE s.id IN ({', '.join('?' * len(wanted))})" if wanted else " WHERE 0"
        params = wanted
    found = rows(db, sql + " ORDER BY s.id", params)
    return [StoredPage(int(r["id"]), bytes(r["body"]), str(r["content_type"]), str(r["url"])) for r in found]


_FIELDS = ("title", "published", "language", "kind", "issuer", "lead", "body", "withdrawn_from")


def _new_fields(row: dict[str, Any], statement: Statement) -> dict[str, Any]:
    """The stored columns of a re-extracted statement; an empty title or date keeps the stored one."""
    return {
        "title": statement.title or row["title"],
        "published": day(statement.published) or row["published"],
        "language": statement.language,
        "kind": statement.kind,
        "issuer": statement.issuer,
        "lead": statement.lead,
        "body": statement.body,
        "withdrawn_from": statement.withdrawn_from,
    }


def apply_reextraction(
    db: Database,
    statement_id: int,
    statement: Statement,
    signatures: list[SignatureRecord],
    *,
    title_norm: str,
    body_norm: str,
    now: datetime,
) -> ReextractReport:
    """Rewrite a stored statement from a new extraction of its page, in ONE transaction: its fields, its
    own signatures (changes logged), individuals and withdrawals. Never announces (no deliveries)."""
    with db.atomic():
        row = one(db, "SELECT * FROM statements WHERE id = ?", [statement_id])
        if row is None:
            raise BayanError(f"unknown statement id {statement_id}")
        new = _new_fields(row, statement)
        changed = [f for f in _FIELDS if row[f] != new[f]]
        sets = ", ".join(f"{f} = :{f}" for f in new)
        db.execute(
            f"""UPDATE statements SET {sets}, title_norm = :title_norm, body_norm = :body_norm,
                  text_sha = :sha, confidence = :confidence, evidence = :evidence, updated_at = :now
                WHERE id = :id""",
            {**new, "title_norm": title_norm, "body_norm": body_norm,
             "sha": shingles.text_sha(title_norm, body_norm), "confidence": statement.confidence,
             "evidence": json.dumps(list(statement.evidence), ensure_ascii=False),
             "now": ts(now), "id": statement_id},
        )  # fmt: skip
        if _replace_individuals(db, statement_id, statement.individuals):
            changed.append("individuals")
        added, removed = replace_signatures(db, statement_id, tuple(signatures), now, keep_if_empty=False)
        record_withdrawal(db, statement_id, statement, row["source_id"])
    return ReextractReport(statement_id, tuple(changed), tuple(added), tuple(removed))


def _replace_individuals(db: Database, statement_id: int, names: tuple[str, ...]) -> bool:
    """Make ``names`` the statement's individuals; True when they differ from the stored ones."""
    old = scalars(db, "SELECT name FROM individuals WHERE statement_id = ? ORDER BY position", [statement_id])
    new = list(dict.fromkeys(names))
    if old == new:
        return False
    db.execute("DELETE FROM individuals WHERE statement_id = ?", [statement_id])
    for position, name in enumerate(new):
        db.execute(
            "INSERT INTO individuals (statement_id, name, position) VALUES (?, ?, ?)",
            [statement_id, name, position],
        )
    return True
