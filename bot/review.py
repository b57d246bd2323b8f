"""A reviewer's decision, as Telegram (/review) and the command line (`bayan review`) apply it.

Owns what both front ends share: checking a decision (yes/no, the kind, an issuer, a list of signatories),
resolving the reviewer's names to organisations the way a poll does (``pipeline.resolve_signatures``), the
text of the admins' "the queue is no longer empty" message, and the labelled page of a reviewed item in the
schema of ../shared/corpus (`bayan review export --format corpus`). The rules of the queue and of the
decisions are ``bot.storage.reviews``.
"""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from bot import orgs, pipeline, storage
from bot.models import BayanError, Decision, Kind, ReviewItem, Statement

KINDS: tuple[str, ...] = get_args(Kind)  # withdrawal, open_letter, joint, single
MAX_NAMES = 500  # signatories in one corrected list
QUEUE_ALERT = "The review queue has items again: send /review to see the first one."


def check_kind(kind: str | None) -> Kind | None:
    """``kind`` as a Kind, or a BayanError naming the kinds."""
    if kind is None:
        return None
    for known in KINDS:
        if kind == known:
            return known  # type: ignore[return-value]
    raise BayanError(f"unknown kind {kind!r} (use {', '.join(KINDS)})")


def parse_names(text: str) -> tuple[str, ...]:
    """A list of signatories, one per line (blank lines, list bullets and numbers dropped, no repeats)."""
    names = []
    for line in text.splitlines():
        name = line.strip().lstrip("-•*·").strip()
        head, dot, rest = name.partition(".")
        if dot and head.isdigit():
            name = rest.strip()
        if name:
            names.append(name)
    found = tuple(dict.fromkeys(names))
    if len(found) > MAX_NAMES:
        raise BayanError(f"{len(found)} signatories: at most {MAX_NAMES} in one list")
    return found


def apply(
    db: storage.Db,
    index: orgs.OrgIndex,
    statement_id: int,
    *,
    is_statement: bool,
    by: str,
    now: datetime,
    kind: str | None = None,
    issuer: str | None = None,
    signatories: tuple[str, ...] | None = None,
) -> tuple[ReviewItem, bool]:
    """Apply one decision (storage.decide); (the item as it is now, True when its pushes were released
    now). An issuer given alone for a statement of at most one signatory becomes its one signatory."""
    item = storage.get_review(db, statement_id)
    if item is None:
        raise BayanError(f"statement {statement_id} is not in the review queue (see `bayan review`)")
    checked = check_kind(kind)
    issuer = " ".join(issuer.split()) if issuer else None
    if issuer and signatories is None and len(item.statement.signatories) <= 1:
        signatories = (issuer,)
    records = None
    if signatories is not None:
        st = Statement(is_statement=True, issuer=issuer or item.statement.issuer, signatories=signatories)
        records = pipeline.resolve_signatures(st, index)
    decision = Decision(statement_id, is_statement, by, now, kind=checked, issuer=issuer,
                        signatories=signatories)  # fmt: skip
    released = storage.decide(db, decision, records, now)
    after = storage.get_review(db, statement_id)
    assert after is not None
    return after, released


def corpus_case(item: ReviewItem, case_id: str) -> dict[str, object]:
    """The expected JSON of a reviewed page in the schema of ../shared/corpus (README: expected-result
    schema): what the reviewer decided, the names as stored."""
    st, decision = item.statement, item.decision
    yes = decision.is_statement if decision else item.reason == "doubtful"
    single = yes and st.kind != "joint" and len(st.signatories) <= 1
    by = f"{decision.by} on {decision.at.date().isoformat()}" if decision else "nobody"
    return {
        "id": case_id,
        "source_url": st.url,
        "origin": "real",
        "language": st.language or "mixed",
        "is_statement": yes,
        "kind": st.kind if yes else None,
        "title": st.title,
        "published": st.published.isoformat() if yes and st.published else None,
        "issuer": (st.issuer or (st.signatories[0] if st.signatories else None)) if single else None,
        "signatories": list(st.signatories) if yes else [],
        "individuals": list(st.individuals) if yes else [],
        "notes": f"Reviewed in Bayan by {by} (statement {st.id}, page sha256 {item.page_sha[:12]}); "
        f"the extractor had said {item.reason} at confidence {st.confidence:.2f}.",
    }
