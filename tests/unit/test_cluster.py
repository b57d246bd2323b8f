"""bot.storage.cluster through save_poll: copies of one statement across sources and languages, changed
signatory lists (signature_changes), withdrawals, and re-extraction. Real SQLite only.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import config, orgs, storage
from bot.models import (
    BayanError,
    Item,
    ItemRecord,
    PageRecord,
    PollWrite,
    SignatureRecord,
    Statement,
    Validators,
)
from bot.storage import shingles
from tests.sites import DETENTION, DETENTION_EN, WATER, WEEKLY_HEAD, WEEKS

NOW = datetime(2026, 1, 26, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)


@pytest.fixture
def db(db: storage.Db) -> storage.Db:
    """conftest's database with the shipped registry and one subscriber to everything."""
    storage.seed_registry(db, config.read_registry(), now=NOW)
    storage.add_subscription(db, 1, None, "all", None, now=NOW)
    return db


@pytest.fixture
def index(db: storage.Db) -> orgs.OrgIndex:
    return orgs.OrgIndex(storage.org_index_entries(db))


def record(
    key: str,
    names: list[str],
    index: orgs.OrgIndex,
    *,
    title: str = "بيان",
    url: str | None = None,
    published: date | None = date(2026, 1, 20),
    language: str = "ar",
    kind: str = "joint",
    issuer: str | None = None,
    withdrawn_from: str | None = None,
    body: str | None = None,
) -> ItemRecord:
    """A record whose signatory names are resolved like the pipeline does; its body is its title and
    a word (too short to compare) unless given."""
    sigs = []
    for pos, name in enumerate(names):
        match = orgs.resolve(name, index)
        role = "issuer" if name == issuer else "signatory"
        sigs.append(SignatureRecord(name, pos, org_id=match.org_id, score=match.score, role=role))
    url = url or f"https://example.org/{key}"
    st = Statement(
        is_statement=True, kind=kind, title=title, published=published, language=language, issuer=issuer,
        signatories=tuple(names), body=body or f"{title} نص", withdrawn_from=withdrawn_from,
    )  # fmt: skip
    return ItemRecord(
        item=Item(key=key, url=url, title=title, published=published),
        page=PageRecord(url, b"<html></html>", "sha", "text/html"),
        statement=st,
        signatures=tuple(sigs),
        title_norm=orgs.normalize(title),
        body_norm=orgs.normalize(st.body),
    )


def save(db: storage.Db, *records: ItemRecord, source: str = "src", now: datetime = NOW) -> list[int]:
    write = PollWrite(source, now, now + timedelta(hours=1), Validators(), records=records)
    return storage.save_poll(db, write)


def one_value(db: storage.Db, sql: str, params: list[object] | None = None) -> object:
    return db.execute(sql, params or []).fetchone()[0]


AR = [
    "سوريون من أجل الحقيقة والعدالة",
    "الشبكة السورية لحقوق الإنسان",
    "الأرشيف السوري",
    "اليوم التالي",
    "بيتنا",
    "منظمة مجهولة للتنمية المحلية",
]
EN = [
    "Syrians for Truth and Justice",
    "Syrian Network for Human Rights (SNHR)",
    "Syrian Archive",
    "The Day After",
    "Baytna",
    "An unknown local development group",
]


# ───────────────────────────── clustering ─────────────────────────────


def test_arabic_and_english_copies_with_the_same_signatories_are_one_statement(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    ar = record("ar", AR, index, title="بيان مشترك حول الهجمات على المدنيين في الشمال")
    [sid] = save(db, ar)
    en = record("en", EN, index, title="Joint statement on attacks on civilians", language="en",
                published=date(2026, 1, 22))  # fmt: skip
    assert sum(s.org_id is not None for s in en.signatures) == 5  # the registry resolves both languages
    assert save(db, en, source="other-site", now=LATER) == []
    st = storage.get_statement(db, sid)
    assert st is not None
    assert st.sources == ("src", "other-site") and st.urls == (
        "https://example.org/ar",
        "https://example.org/en",
    )
    assert st.signatories == (*AR, EN[5])  # the unknown English name is a new org: added with its raw name
    assert one_value(db, "SELECT COUNT(*) FROM statements") == 1
    assert one_value(db, "SELECT COUNT(*) FROM deliveries") == 1  # the copy announced nothing
    changes = db.execute("SELECT change, raw_name, at FROM signature_changes").fetchall()
    assert changes == [("added", EN[5], LATER.isoformat(timespec="microseconds"))]
    assert one_value(db, "SELECT via FROM signatures WHERE raw_name = ?", [EN[5]]) == "https://example.org/en"
    assert one_value(db, "SELECT statement_id FROM items WHERE item_key = 'en'") == sid


def test_same_title_on_two_sources_is_one_statement(db: storage.Db, index: orgs.OrgIndex) -> None:
    title = "بيانٌ مشترك: أوقفوا التهجير القسري"
    [sid] = save(db, record("a", AR[:2], index, title=title))
    copy = record("b", [], index, title="بيان مشترك - أوقفوا التهجير القسري", published=None)  # undated
    assert save(db, copy, source="news", now=LATER) == []
    st = storage.get_statement(db, sid)
    assert st is not None and st.sources == ("src", "news") and st.signatories == tuple(AR[:2])
    assert st.cluster_reason == "news: same title, texts too short to compare"


def test_same_url_is_the_same_statement_whatever_the_date(db: storage.Db, index: orgs.OrgIndex) -> None:
    [sid] = save(db, record("a", AR[:1], index, title="بيان قصير", url="https://x.org/s/1"))
    again = record("other-key", AR[:1], index, title="عنوان آخر تماماً", url="https://x.org/s/1",
                   published=date(2027, 6, 1))  # fmt: skip
    assert save(db, again, source="x-feed", now=LATER) == []
    assert storage.get_statement(db, sid) is not None
    assert one_value(db, "SELECT COUNT(*) FROM statements") == 1


@pytest.mark.parametrize(
    ("second", "why"),
    [
        ({"title": "بيان مشترك حول الهجمات على المدنيين في الشمال", "published": date(2026, 3, 5)}, "window"),
        ({"title": "بيان صحفي", "names": AR[:1]}, "short title"),
        (
            {"title": "بيان مشترك حول الهجمات على المدنيين في الشمال", "names": ["Madaniya", "ASO"]},
            "disjoint",
        ),
        ({"title": "another", "names": [*AR[:4], "Madaniya", "ASO"]}, "overlap 4/8"),
        ({"title": "another", "names": AR[:4]}, "fewer than 5"),
        ({"title": "another", "names": AR[:5], "published": date(2025, 12, 1)}, "signatories out of window"),
    ],
)
def test_near_misses_stay_separate(
    db: storage.Db, index: orgs.OrgIndex, second: dict[str, object], why: str
) -> None:
    first_names = AR[:4] if why == "fewer than 5" else AR[:5] if why != "short title" else AR[:2]
    first_title = "بيان صحفي" if why == "short title" else "بيان مشترك حول الهجمات على المدنيين في الشمال"
    save(db, record("a", first_names, index, title=first_title))
    names = second.pop("names", AR[5:])
    rec = record("b", list(names), index, **second)  # type: ignore[arg-type]
    assert len(save(db, rec, source="other", now=LATER)) == 1, why
    assert one_value(db, "SELECT COUNT(*) FROM statements") == 2


def test_high_overlap_within_the_window_clusters(db: storage.Db, index: orgs.OrgIndex) -> None:
    [sid] = save(db, record("a", AR[:5], index, title="first"))
    near = record("b", [*AR[:5], "Madaniya"], index, title="second", published=date(2026, 2, 15))  # 5/6
    assert save(db, near, source="other", now=LATER) == []
    assert storage.count_signed_by(db, [storage.find_org_id(db, "madaniya") or 0]) == 1
    assert [s.id for s in storage.list_statements(db)] == [sid]


def test_a_refetch_of_the_same_page_records_who_was_added_and_removed(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    title = "بيان مشترك حول حماية الصحفيين في سوريا"
    [sid] = save(db, record("a", AR[:3], index, title=title))
    copy = record("c", [*EN[:3], "Madaniya"], index, title="Joint statement on journalists", language="en")
    save(db, copy, source="mirror", now=NOW + timedelta(days=1))  # another title, only 4 orgs: not a copy
    assert one_value(db, "SELECT COUNT(*) FROM statements") == 2
    refetch = record("a-v2", [AR[0], AR[2], AR[3]], index, title=title, url="https://example.org/a")
    assert save(db, refetch, now=LATER) == []
    st = storage.get_statement(db, sid)
    assert st is not None and st.signatories == (AR[0], AR[2], AR[3])
    at = LATER.isoformat(timespec="microseconds")
    changes = db.execute(
        "SELECT change, raw_name, at FROM signature_changes WHERE statement_id = ? ORDER BY id", [sid]
    ).fetchall()
    assert changes == [("added", AR[3], at), ("removed", AR[1], at)]
    empty = record("a-v3", [], index, title=title, url="https://example.org/a")
    save(db, empty, now=LATER + timedelta(days=1))  # a page that lost its list changes nothing
    assert (storage.get_statement(db, sid) or st).signatories == (AR[0], AR[2], AR[3])


def test_refetch_keeps_signatures_that_copies_added(db: storage.Db, index: orgs.OrgIndex) -> None:
    [sid] = save(db, record("a", AR[:5], index, title="Joint statement number one"))
    save(db, record("en", EN, index, title="another title", language="en"), source="en", now=LATER)
    refetch = record("a2", AR[:4], index, title="Joint statement number one", url="https://example.org/a")
    save(db, refetch, now=LATER + timedelta(days=1))
    st = storage.get_statement(db, sid)
    assert st is not None and st.signatories == (*AR[:4], EN[5])  # AR[4] removed, the copy's name kept


def text(*paragraphs: str, names: list[str] | tuple[str, ...] = ()) -> str:
    """A page body as the extractor gives it: paragraphs, then the signatory list."""
    return "\n".join([*paragraphs, "المنظمات الموقعة:", *names])


def test_the_same_signatories_with_another_text_are_another_statement(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    first = record("a", AR, index, title="بيان مشترك بشأن الاعتقال التعسفي", body=text(*DETENTION, names=AR))
    [a] = save(db, first)
    second = record("b", AR, index, title="بيان مشترك بشأن أزمة المياه", body=text(*WATER, names=AR),
                    published=date(2026, 1, 27))  # fmt: skip
    assert len(save(db, second, source="member", now=LATER)) == 1  # 6/6 signatories, another text
    same_title = record("c", AR, index, title="بيان مشترك بشأن الاعتقال التعسفي", published=date(2026, 1, 28),
                        body=text(*WEEKS[2], names=AR))  # fmt: skip
    assert len(save(db, same_title, source="third", now=LATER)) == 1  # same title and signatories too
    copy = record(
        "d", AR[::-1], index, title="نص البيان", body=text("ننشر البيان التالي.", *DETENTION, names=AR)
    )
    assert save(db, copy, source="fourth", now=LATER) == []  # the same text as the first: a copy
    st = storage.get_statement(db, a)
    assert st is not None and st.sources == ("src", "fourth")
    assert st.cluster_reason == "fourth: signatories 1.00, text 1.00"
    assert one_value(db, "SELECT COUNT(*) FROM statements") == 3


def test_another_link_of_the_same_source_is_the_same_statement_only_with_the_same_text(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    weekly = "التحديث الأسبوعي لرصد الانتهاكات"
    [first] = save(db, record("w1", AR[:1], index, title=weekly, body=text(WEEKLY_HEAD, *WEEKS[0])))
    week2 = record(
        "w2", AR[:1], index, title=weekly, body=text(WEEKLY_HEAD, *WEEKS[1]), published=date(2026, 1, 27)
    )
    assert len(save(db, week2, now=LATER)) == 1  # same title, same source, another text
    short = record("w3", AR[:1], index, title=weekly, published=date(2026, 1, 28))  # nothing to compare
    assert len(save(db, short, now=LATER)) == 1
    edited = text(WEEKLY_HEAD, *WEEKS[0], "تحديث: أفرج عن المعتقلين.")  # a new link, the same text edited
    moved = record("w1-moved", AR[:1], index, title=weekly, body=edited, url="https://example.org/new/w1")
    assert save(db, moved, now=LATER) == []
    st = storage.get_statement(db, first)
    assert st is not None and st.urls == ("https://example.org/w1", "https://example.org/new/w1")
    assert st.cluster_reason is not None and st.cluster_reason.startswith("src: same title, same text 0.")
    assert one_value(db, "SELECT COUNT(*) FROM deliveries") == 3


def test_the_same_page_text_under_a_new_link_is_the_same_item(db: storage.Db, index: orgs.OrgIndex) -> None:
    body = text(*DETENTION, names=AR[:2])
    [sid] = save(
        db, record("s?sid=1", AR[:2], index, title="بيان رقم 1", body=body, url="https://e.org/s?sid=1")
    )
    for n in range(2, 5):  # short title, 2 signatories: only the text says it is the same item
        again = record(
            f"s?sid={n}", AR[:2], index, title="بيان رقم 1", body=body, url=f"https://e.org/s?sid={n}"
        )
        assert save(db, again, now=LATER) == []
    st = storage.get_statement(db, sid)
    assert st is not None and st.urls == ("https://e.org/s?sid=1",)  # the changing links are not kept
    assert st.cluster_reason == "src: same page text on this source"
    assert one_value(db, "SELECT COUNT(*) FROM deliveries") == 1
    assert one_value(db, "SELECT COUNT(*) FROM items WHERE statement_id = ?", [sid]) == 4
    other = record("o", AR[:2], index, title="بيان رقم 1", body=body, url="https://other.org/s")
    assert save(db, other, source="other", now=LATER) == []  # another source, the same text: a copy
    st = storage.get_statement(db, sid)
    assert st is not None and st.urls == ("https://e.org/s?sid=1", "https://other.org/s")
    assert st.cluster_reason == "src: same page text on this source; other: same page text"


def test_a_translation_clusters_by_signatories_within_a_week_only(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    ar = record("ar", AR, index, title="بيان مشترك بشأن الاعتقال", body=text(*DETENTION, names=AR))
    [sid] = save(db, ar)
    soon = record("en", EN, index, title="Joint statement on detention", language="en",
                  body=text(*DETENTION_EN, names=EN), published=date(2026, 1, 22))  # fmt: skip
    assert save(db, soon, source="en-site", now=LATER) == []
    st = storage.get_statement(db, sid)
    assert st is not None and st.cluster_reason == "en-site: signatories 1.00, translation (2 days apart)"
    late = record("en2", EN, index, title="Joint statement on detentions", language="en",
                  body=text(*DETENTION_EN[1:], names=EN), published=date(2026, 1, 29))  # fmt: skip
    assert len(save(db, late, source="en-site-2", now=LATER)) == 1  # 9 days later: another statement


def test_at_most_ten_candidates_are_compared(db: storage.Db, index: orgs.OrgIndex) -> None:
    weekly = "التحديث الأسبوعي لرصد الانتهاكات"
    for n in range(12):  # twelve different texts under one title, all within the window
        words = " ".join(f"حدث{n}و{i}" for i in range(30))  # invented words: nothing shared
        save(db, record(f"w{n}", [], index, title=weekly, body=text(words),
                        published=date(2026, 1, 8 + n)), source=f"s{n}")  # fmt: skip
    statements: list[int] = []
    db.conn.set_trace_callback(lambda sql: statements.append(1) if "substr(s.body_norm" in sql else None)
    try:
        new = record("new", [], index, title=weekly, body=text(" ".join(f"جديد{i}" for i in range(30))))
        save(db, new, source="n")
    finally:
        db.conn.set_trace_callback(None)
    assert len(statements) == 10


# ───────────────────────────── withdrawals ─────────────────────────────


def test_withdrawal_like_seed_000_is_recorded_and_shown_in_the_profile(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    aso_name = "مركز آسو للاستشارات والدراسات الاستراتيجية"
    title = "بيان انسحاب من منصة مدنية"
    rec = record("w", [aso_name], index, title=title, kind="withdrawal", issuer=aso_name,
                 withdrawn_from="منصة \u201cمدنية\u201d")  # fmt: skip
    [sid] = save(db, rec)
    aso, madaniya = storage.find_org_id(db, "aso-center"), storage.find_org_id(db, "madaniya")
    rows = db.execute("SELECT statement_id, org_id, from_text, from_org_id FROM withdrawals").fetchall()
    assert rows == [(sid, aso, "منصة \u201cمدنية\u201d", madaniya)]
    assert aso is not None
    profile = storage.org_profile(db, aso)
    assert list(profile.withdrawals) == [
        ("بيان انسحاب من منصة مدنية", "منصة \u201cمدنية\u201d", date(2026, 1, 20))
    ]


def test_withdrawal_without_signatures_uses_the_issuer_name_or_the_source_org(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    by_issuer = record("w1", [], index, title="Withdrawal from a coalition", kind="withdrawal",
                       issuer="Syrian Archive", withdrawn_from="Some Coalition")  # fmt: skip
    storage.sync_sources(
        db, [config.load_sources("sources:\n  - id: aso-ar\n    url: https://a\n    org: aso-center\n")[0]]
    )
    by_source = record("w2", [], index, title="بيان توضيح وانسحاب من التحالف", kind="withdrawal")
    save(db, by_issuer)
    save(db, by_source, source="aso-ar")
    found = db.execute("SELECT org_id, from_text, from_org_id FROM withdrawals ORDER BY id").fetchall()
    assert found == [
        (storage.find_org_id(db, "syrian-archive"), "Some Coalition", None),
        (storage.find_org_id(db, "aso-center"), None, None),
    ]


def test_joint_withdrawal_lists_every_signatory_but_not_the_body_left(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    rec = record("w", [*AR[:3], "Madaniya"], index, title="Joint withdrawal from Madaniya", kind="withdrawal",
                 withdrawn_from="Madaniya")  # fmt: skip
    save(db, rec)
    who = [r[0] for r in db.execute("SELECT org_id FROM withdrawals ORDER BY id")]
    assert who == [storage.find_org_id(db, orgs.normalize(n)) for n in AR[:3]]
    assert storage.find_org_id(db, "madaniya") not in who


# ───────────────────────────── re-extraction ─────────────────────────────


def test_reextract_targets(db: storage.Db, index: orgs.OrgIndex) -> None:
    [a, b] = save(db, record("a", AR[:1], index, title="first statement here"),
                  record("b", AR[1:2], index, title="second statement here"))  # fmt: skip
    assert [t[0] for t in storage.reextract_targets(db, None)] == [a, b]
    assert storage.reextract_targets(db, [b, 999, b]) == [
        (b, b"<html></html>", "text/html", "https://example.org/b")
    ]
    assert storage.reextract_targets(db, []) == []


def test_apply_reextraction_rewrites_in_one_transaction_and_never_announces(
    db: storage.Db, index: orgs.OrgIndex
) -> None:
    [sid] = save(db, record("a", AR[:3], index, title="بيان مشترك حول الاعتقال التعسفي"))
    deliveries = one_value(db, "SELECT COUNT(*) FROM deliveries")
    stored = storage.get_statement(db, sid)
    assert stored is not None
    new = Statement(is_statement=True, kind="open_letter", title=None, published=None, language="ar",
                    signatories=(AR[0], AR[2], AR[3]), body="نص جديد عن الاختفاء القسري", lead="جديد",
                    individuals=("Ahmad",), confidence=0.8)  # fmt: skip
    sigs = [
        SignatureRecord(n, i, org_id=orgs.resolve(n, index).org_id) for i, n in enumerate(new.signatories)
    ]
    report = storage.apply_reextraction(
        db, sid, new, sigs, title_norm=orgs.normalize(stored.title or ""), body_norm=orgs.normalize(new.body),
        now=LATER,
    )  # fmt: skip
    assert report.to_json() == {
        "id": sid, "changed": ["kind", "lead", "body", "individuals"], "added": [AR[3]], "removed": [AR[1]]
    }  # fmt: skip
    st = storage.get_statement(db, sid)
    assert st is not None and st.title == stored.title and st.published == stored.published  # kept
    assert st.signatories == (AR[0], AR[2], AR[3]) and st.individuals == ("Ahmad",) and st.announced
    assert one_value(db, "SELECT COUNT(*) FROM deliveries") == deliveries
    assert [s.id for s in storage.search_statements(db, orgs.normalize("الاختفاء"))] == [sid]  # FTS follows
    assert storage.search_statements(db, orgs.normalize("نص البيان الاصلي")) == []
    again = storage.apply_reextraction(
        db, sid, new, sigs, title_norm="x", body_norm=orgs.normalize(new.body), now=LATER
    )
    assert again.to_json() == {"id": sid, "changed": [], "added": [], "removed": []}
    kinds = db.execute("SELECT change FROM signature_changes WHERE statement_id = ?", [sid]).fetchall()
    assert sorted(k[0] for k in kinds) == ["added", "removed"]


def test_apply_reextraction_is_atomic_and_checks_the_id(db: storage.Db, index: orgs.OrgIndex) -> None:
    [sid] = save(db, record("a", AR[:2], index, title="بيان مشترك حول الاعتقال التعسفي"))
    before = storage.get_statement(db, sid)
    new = Statement(is_statement=True, kind="single", title="changed", signatories=("Ghost",), body="b")
    with pytest.raises(sqlite3.IntegrityError):
        ghost = [SignatureRecord("Ghost", 0, org_id=99_999)]
        storage.apply_reextraction(db, sid, new, ghost, title_norm="changed", body_norm="b", now=LATER)
    assert storage.get_statement(db, sid) == before
    assert one_value(db, "SELECT COUNT(*) FROM signature_changes") == 0
    with pytest.raises(BayanError, match="unknown statement id"):
        storage.apply_reextraction(db, 4242, new, [], title_norm="", body_norm="", now=LATER)


def test_reextraction_can_turn_a_statement_into_a_withdrawal(db: storage.Db, index: orgs.OrgIndex) -> None:
    [sid] = save(db, record("a", ["ASO"], index, title="statement of aso centre"))
    assert one_value(db, "SELECT COUNT(*) FROM withdrawals") == 0
    st = Statement(
        is_statement=True, kind="withdrawal", signatories=("ASO",), withdrawn_from="مدنية", body="x"
    )
    sigs = [SignatureRecord("ASO", 0, org_id=storage.find_org_id(db, "aso-center"))]
    report = storage.apply_reextraction(db, sid, st, sigs, title_norm="t", body_norm="x", now=LATER)
    assert "kind" in report.changed and "withdrawn_from" in report.changed
    assert db.execute("SELECT org_id, from_org_id FROM withdrawals").fetchall() == [
        (storage.find_org_id(db, "aso-center"), storage.find_org_id(db, "madaniya"))
    ]
    storage.apply_reextraction(db, sid, replace(st, kind="single", withdrawn_from=None), sigs, title_norm="t",
                               body_norm="x", now=LATER)  # fmt: skip
    assert one_value(db, "SELECT COUNT(*) FROM withdrawals") == 0


# ───────────────────────────── text likeness ─────────────────────────────


def test_text_likeness_leaves_out_the_signatories_and_needs_one_script() -> None:
    a = shingles.text_of(orgs.normalize(text(*DETENTION, names=AR)), AR)
    b = shingles.text_of(orgs.normalize(text(*WATER, names=AR)), AR)
    with_names = shingles.text_of(orgs.normalize(text(*DETENTION, names=AR)))
    assert not any("الشبكه السوريه" in g for g in a.shingles)  # no shingle of a signatory's name
    assert any("الشبكه السوريه" in g for g in with_names.shingles)
    alike = shingles.likeness(a, b)
    assert alike is not None and alike.overlap < 0.05
    assert shingles.likeness(a, with_names) is not None
    en = shingles.text_of(orgs.normalize(text(*DETENTION_EN, names=EN)), EN)
    assert (a.script, en.script) == ("arabic", "latin") and shingles.likeness(a, en) is None
    short = shingles.text_of(orgs.normalize("بيان قصير جدا"))
    assert not short.comparable and shingles.likeness(a, short) is None
    assert shingles.text_sha("t", "x" * 99) is None and shingles.text_sha("t", "x" * 100) is not None


def test_text_likeness_is_bounded() -> None:
    huge = " ".join(f"w{i}" for i in range(200_000))
    t = shingles.text_of(huge, [f"name {i}" for i in range(5_000)])
    assert len(t.shingles) == shingles.MAX_WORDS - shingles.SHINGLE + 1
