"""The review queue in storage (bot.storage.reviews, review_queue) and bot.review, on a real SQLite database:
what a poll queues and holds, decisions (who, when, permanent), releases exactly once, rejected statements
out of lists, search, signed and exports, a changed page re-opening the item, the admins told once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot import orgs, pipeline, review, storage
from bot.config import load_config
from bot.models import (
    BayanError,
    ConfigError,
    ItemRecord,
    PageRecord,
    ReviewPolicy,
    SignatureRecord,
    StoredPage,
)
from bot.names import normalize
from tests.factories import NOW, record, write

HOLD = ReviewPolicy(threshold=0.7, hold=True, hold_max=6 * 3600)
LATER = NOW + timedelta(hours=1)


def doubtful(key: str, confidence: float = 0.6, **kw: object) -> ItemRecord:
    """A statement record the extractor is not sure of (one provisional signatory)."""
    sigs = (SignatureRecord("Rabita of Invented Lawyers", 0, role="issuer"),)
    rec = record(key, signatures=sigs, body_norm=f"text of {key} about detainees", **kw)  # type: ignore[arg-type]
    assert rec.statement is not None
    st = replace(rec.statement, confidence=confidence, kind="single", issuer="Rabita of Invented Lawyers")
    return replace(rec, statement=st)


def candidate(key: str, confidence: float = 0.4) -> ItemRecord:
    rec = doubtful(key)
    assert rec.statement is not None
    return replace(rec, statement=replace(rec.statement, is_statement=False, confidence=confidence))


def pending(db: storage.Db, sid: int) -> int:
    return int(
        db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE statement_id = ? AND status = 'pending'", [sid]
        ).fetchone()[0]
    )


@pytest.fixture
def sub(db: storage.Db) -> storage.Db:
    """The database with two chats subscribed to everything."""
    for chat in (501, 502):
        storage.add_subscription(db, chat, None, "all", None, now=NOW)
    return db


def decide(db: storage.Db, sid: int, yes: bool, **kw: object) -> bool:
    index = orgs.OrgIndex(storage.org_index_entries(db))
    return review.apply(db, index, sid, is_statement=yes, by="cli:tester", now=LATER, **kw)[1]  # type: ignore[arg-type]


# ───────────────────────────── policy and configuration ─────────────────────────────


def test_certainty_is_the_probability_of_what_was_decided() -> None:
    assert HOLD.doubtful(0.6, True) and not HOLD.doubtful(0.75, True)
    assert HOLD.doubtful(0.4, False) and not HOLD.doubtful(0.2, False)  # 1 - 0.2 = 0.8 is sure enough


def test_feeds_yaml_review_defaults_and_errors_with_lines() -> None:
    base = "sources:\n  - id: a\n    url: https://example.org/feed\n"
    assert load_config(base).sources[0].review == ReviewPolicy(0.7, True, 6 * 3600.0)
    cfg = load_config("defaults:\n  review: {threshold: 0.8, hold: false, hold_max: 2h}\n" + base)
    assert cfg.sources[0].review == ReviewPolicy(0.8, False, 7200.0) == cfg.review
    bad = (
        "defaults:\n  review:\n    threshold: 1.5\n    hold: maybe\n    hold_max: soon\n    colour: red\n"
        + base
    )
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    assert err.value.problems == [
        "feeds.yaml:3: defaults: review: key 'threshold': 1.5 is not a threshold (use a number above 0.5 "
        "and at most 1, e.g. 0.7)",
        "feeds.yaml:4: defaults: review: key 'hold': 'maybe' is not a boolean (use true or false)",
        "feeds.yaml:5: defaults: review: key 'hold_max': bad duration 'soon' (use 90s, 30m, 1h, 1d, 1h30m "
        "or a number of seconds)",
        "feeds.yaml:6: defaults: review: key 'colour': unknown key (use threshold, hold, hold_max)",
    ]
    with pytest.raises(ConfigError) as err:
        load_config(base + "    review: {threshold: 0.9}\n")
    assert err.value.problems == [
        "feeds.yaml:4: source 'a': key 'review': set it under defaults: instead (it applies to every source)"
    ]


# ───────────────────────────── holding and releasing ─────────────────────────────


def test_a_held_statement_is_pushed_once_after_acceptance(sub: storage.Db) -> None:
    sure, doubt = record("sure"), doubtful("doubt")
    ids = storage.save_poll(sub, replace(write(sure, doubt), review=HOLD))
    assert len(ids) == 2
    assert [pending(sub, i) for i in ids] == [2, 0]  # the confident one goes out, the doubtful one waits
    assert storage.held_ids(sub, ids) == {ids[1]}
    assert [i.statement.id for i in storage.review_queue(sub)] == [ids[1]]
    assert storage.get_statement(sub, ids[1]).review == "open"  # type: ignore[union-attr]
    assert decide(sub, ids[1], True) is True
    assert pending(sub, ids[1]) == 2
    assert decide(sub, ids[1], True, kind="joint") is False  # decided again: never pushed twice
    assert pending(sub, ids[1]) == 2
    assert storage.release_holds(sub, NOW + timedelta(days=2)) == []
    item = storage.get_review(sub, ids[1])
    assert item is not None and item.state == "decided" and item.decision is not None
    assert (item.decision.by, item.decision.at, item.decision.kind) == ("cli:tester", LATER, "joint")
    assert storage.review_queue(sub) == []


def test_a_rejected_held_statement_is_never_pushed_and_leaves_search_and_signed(sub: storage.Db) -> None:
    (sid,) = storage.save_poll(sub, replace(write(doubtful("doubt")), review=HOLD))
    org = storage.find_orgs_by_name(sub, normalize("Rabita of Invented Lawyers"))
    assert storage.signed_by(sub, [o.id for o in org]) and storage.count_search(sub, "detainees") == 1
    assert decide(sub, sid, False) is False
    assert pending(sub, sid) == 0
    assert storage.release_holds(sub, NOW + timedelta(days=2)) == []  # hold_max never pushes a rejected one
    assert pending(sub, sid) == 0
    assert storage.list_statements(sub) == [] and storage.count_statements(sub) == 0
    assert storage.search_statements(sub, "detainees") == [] and storage.count_search(sub, "detainees") == 0
    ids = [o.id for o in org]
    assert storage.signed_by(sub, ids) == [] and storage.count_signed_by(sub, ids) == 0
    assert storage.org_profile(sub, ids[0]).count == 0
    assert list(storage.export_signatures(sub)) == []
    assert storage.get_statement(sub, sid).review == "rejected"  # type: ignore[union-attr]


def test_hold_max_pushes_unreviewed_once_and_a_late_acceptance_adds_nothing(sub: storage.Db) -> None:
    (sid,) = storage.save_poll(sub, replace(write(doubtful("doubt")), review=HOLD))
    assert storage.release_holds(sub, NOW + timedelta(hours=5)) == [] and pending(sub, sid) == 0
    assert storage.release_holds(sub, NOW + timedelta(hours=6)) == [sid]
    assert pending(sub, sid) == 2
    assert storage.release_holds(sub, NOW + timedelta(hours=7)) == []
    assert storage.get_review(sub, sid).state == "open"  # type: ignore[union-attr]  # still to review
    assert decide(sub, sid, True) is False and pending(sub, sid) == 2


def test_without_hold_a_doubtful_statement_is_pushed_and_still_queued(sub: storage.Db) -> None:
    (sid,) = storage.save_poll(sub, replace(write(doubtful("doubt")), review=replace(HOLD, hold=False)))
    assert pending(sub, sid) == 2 and storage.held_ids(sub, [sid]) == set()
    assert [i.statement.id for i in storage.review_queue(sub)] == [sid]
    assert decide(sub, sid, True) is False and pending(sub, sid) == 2
    decide(sub, sid, False)  # rejected after the push: unsent rows dropped, out of the lists
    assert pending(sub, sid) == 0 and storage.list_statements(sub) == []


def test_a_baseline_queues_but_an_acceptance_never_pushes_it(sub: storage.Db) -> None:
    (sid,) = storage.save_poll(sub, replace(write(doubtful("doubt"), announce=False), review=HOLD))
    assert storage.review_queue(sub)[0].statement.id == sid
    assert decide(sub, sid, True) is False and pending(sub, sid) == 0


def test_a_near_threshold_non_statement_is_hidden_until_accepted_then_announced_once(sub: storage.Db) -> None:
    ids = storage.save_poll(sub, replace(write(candidate("cand"), candidate("far", 0.1)), review=HOLD))
    assert ids == []  # not statements
    (item,) = storage.review_queue(sub)
    assert item.reason == "candidate" and item.statement.signatories == ("Rabita of Invented Lawyers",)
    sid = item.statement.id
    assert storage.list_statements(sub) == [] and storage.count_search(sub, "detainees") == 0
    assert storage.release_holds(sub, NOW + timedelta(days=3)) == []  # a candidate is never pushed unreviewed
    assert decide(sub, sid, True, kind="single") is True
    assert pending(sub, sid) == 2
    assert [s.id for s in storage.list_statements(sub)] == [sid]
    assert decide(sub, sid, True) is False and pending(sub, sid) == 2


def test_a_decided_correction_of_issuer_and_signatories(sub: storage.Db) -> None:
    (sid,) = storage.save_poll(sub, replace(write(doubtful("doubt")), review=HOLD))
    decide(sub, sid, True, kind="joint", signatories=("Invented Union of Teachers", "Invented Doctors Forum"))
    st = storage.get_statement(sub, sid)
    assert st is not None and st.kind == "joint"
    assert st.signatories == ("Invented Union of Teachers", "Invented Doctors Forum")
    with pytest.raises(BayanError, match="unknown kind 'memo'"):
        decide(sub, sid, True, kind="memo")
    assert review.parse_names("1. First org\n\n- Second org\n  First org\n") == ("First org", "Second org")


def test_the_admins_are_told_once_when_the_queue_grows_from_empty(sub: storage.Db) -> None:
    def alerts() -> int:
        return int(sub.execute("SELECT COUNT(*) FROM deliveries WHERE alert_text IS NOT NULL").fetchone()[0])

    assert storage.review_alert(sub, [7, 8], "queue", NOW) is False  # empty
    storage.save_poll(sub, replace(write(doubtful("a"), doubtful("b")), review=HOLD))
    assert storage.review_alert(sub, [7, 8], "queue", NOW) is True and alerts() == 2
    storage.save_poll(sub, replace(write(doubtful("c")), review=HOLD))
    assert storage.review_alert(sub, [7, 8], "queue", NOW) is False and alerts() == 2  # it was not empty
    for n, item in enumerate(storage.review_queue(sub)):
        decide(sub, item.statement.id, n % 2 == 0)
    assert storage.count_open(sub) == 0
    storage.save_poll(sub, replace(write(doubtful("d")), review=HOLD))
    assert storage.review_alert(sub, [7, 8], "queue", NOW) is True and alerts() == 4


# ───────────────────────────── decisions are permanent ─────────────────────────────


PAGE = (
    b"<html><body><article><h1>Statement on the detainees</h1><p>We, the Rabita of Invented Lawyers, call "
    b"for the release of every detainee held without trial and for access of families to the prisons.</p>"
    b"<p>Rabita of Invented Lawyers</p></article></body></html>"
)


def test_reextract_keeps_the_decision(sub: storage.Db) -> None:
    rec = doubtful("doubt")
    rec = replace(rec, page=PageRecord(rec.item.url, PAGE, "sha-one", "text/html"))
    (sid,) = storage.save_poll(sub, replace(write(rec), review=HOLD))
    decide(sub, sid, True, kind="open_letter", issuer="Invented Union of Teachers")
    index = orgs.OrgIndex(storage.org_index_entries(sub))
    (page,) = storage.reextract_targets(sub, [sid])
    pipeline.reextract(sub, page, {}, index)
    st = storage.get_statement(sub, sid)
    assert st is not None and (st.kind, st.issuer) == ("open_letter", "Invented Union of Teachers")
    assert st.signatories == ("Invented Union of Teachers",)
    decide(sub, sid, False)
    report = pipeline.reextract(sub, StoredPage(sid, PAGE, "text/html", rec.item.url), {}, index)
    assert report.skipped == "rejected by a reviewer (cli:tester)"
    assert storage.list_statements(sub) == []


def test_the_same_page_again_keeps_the_decision_a_changed_one_reopens(sub: storage.Db) -> None:
    rec = doubtful("doubt")
    rec = replace(rec, page=PageRecord(rec.item.url, b"<html>one</html>", "sha-one", "text/html"))
    (sid,) = storage.save_poll(sub, replace(write(rec), review=HOLD))
    decide(sub, sid, True, kind="joint", signatories=("Invented Union of Teachers", "Invented Doctors Forum"))
    same = replace(rec, item=replace(rec.item, key="doubt-again"))  # the same URL under a new key
    storage.save_poll(sub, replace(write(same), review=HOLD))
    st = storage.get_statement(sub, sid)
    assert st is not None and st.signatories == ("Invented Union of Teachers", "Invented Doctors Forum")
    assert storage.review_queue(sub) == []
    changed = replace(
        same,
        item=replace(rec.item, key="doubt-third"),
        page=PageRecord(rec.item.url, b"<html>two</html>", "sha-two", "text/html"),
    )
    storage.save_poll(sub, replace(write(changed), review=HOLD))
    (item,) = storage.review_queue(sub)
    assert item.statement.id == sid and item.page_sha == "sha-two"
    assert item.changed is not None and item.changed.startswith("the page changed: ")
    assert "+Rabita of Invented Lawyers" in item.changed and "−Invented Doctors Forum" in item.changed
    st = storage.get_statement(sub, sid)  # the decision holds until the next one
    assert st is not None and st.kind == "joint" and len(st.signatories) == 2
    decide(sub, sid, True)  # accepted as the new page says
    st = storage.get_statement(sub, sid)
    assert st is not None and st.signatories == ("Rabita of Invented Lawyers",)


def test_the_review_message_is_escaped_right_to_left_and_fits(sub: storage.Db) -> None:
    import unicodedata

    from bot.tg import render

    names = tuple(f"منظمة متخيلة رقم {i} <b>" for i in range(40))
    rec = doubtful("doubt")
    assert rec.statement is not None
    rec = replace(
        rec,
        statement=replace(rec.statement, title="بيان <script>x</script> & حول", signatories=names),
        signatures=tuple(SignatureRecord(n, i) for i, n in enumerate(names)),
    )
    (sid,) = storage.save_poll(sub, replace(write(rec), review=HOLD))
    item = storage.get_review(sub, sid)
    assert item is not None
    for lang in ("ar", "en"):
        text = render.render_review(item, lang, 3, "مصدر")
        assert "<script>" not in text and "&lt;script&gt;" in text and render.tg_len(text) <= 4096
        assert "15. " in text and "16. " not in text  # the first 15 names, then how many more
    ar = render.plain(render.render_review(item, "ar", 3))
    for line in filter(None, ar.split("\n")):
        assert line[0] == "\u200f" or unicodedata.bidirectional(line[0]) in ("R", "AL"), line
