"""bot.storage organisation features: signed_by / count_signed_by, org_profile, search_statements, and the
registry fixes (merge_orgs, add_alias, list_orgs, find_orgs_by_name, org_counts). Real SQLite only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import config, orgs, storage
from bot.models import (
    BayanError,
    Item,
    ItemRecord,
    PageRecord,
    PollWrite,
    RegistryOrg,
    SignatureRecord,
    Statement,
    Validators,
)

NOW = datetime(2026, 1, 26, 10, 0, tzinfo=UTC)
REGISTRY = [
    RegistryOrg(slug="stj", ar="سوريون من أجل الحقيقة والعدالة", en="Syrians for Truth and Justice",
                acronyms=("STJ",)),
    RegistryOrg(slug="snhr", ar="الشبكة السورية لحقوق الإنسان", en="Syrian Network for Human Rights"),
    RegistryOrg(slug="alhaq", ar="مؤسسة الحق", en="Al-Haq"),
    RegistryOrg(slug="haq-centre", ar="مركز الحق للدراسات"),
    RegistryOrg(slug="madaniya", ar="مدنية", en="Madaniya", aliases=("منصة مدنية",)),
]  # fmt: skip


@pytest.fixture
def db(db: storage.Db) -> storage.Db:
    """conftest's database with this file's small registry."""
    storage.seed_registry(db, REGISTRY, now=NOW)
    return db


def oid(db: storage.Db, slug: str) -> int:
    found = storage.find_org_id(db, slug)
    assert found is not None
    return found


def record(
    key: str,
    signers: list[int | str],
    *,
    title: str | None = None,
    published: date | None = date(2026, 1, 20),
    body: str = "نص البيان",
    kind: str = "joint",
) -> ItemRecord:
    """A statement record; signers are org ids (resolved) or names (left to storage: provisional)."""
    title = title or f"بيان رقم {key} حول الوضع"
    sigs = tuple(
        SignatureRecord(
            f"org {s}" if isinstance(s, int) else s, pos, org_id=s if isinstance(s, int) else None
        )
        for pos, s in enumerate(signers)
    )
    url = f"https://example.org/{key}"
    st = Statement(
        is_statement=True, kind=kind, title=title, published=published, language="ar",
        signatories=tuple(s.raw_name for s in sigs), body=body,
    )  # fmt: skip
    return ItemRecord(
        item=Item(key=key, url=url, title=title, published=published),
        page=PageRecord(url, b"<html></html>", "sha", "text/html"),
        statement=st,
        signatures=sigs,
        title_norm=orgs.normalize(title),
        body_norm=orgs.normalize(body),
    )


def save(db: storage.Db, *records: ItemRecord, now: datetime = NOW, source: str = "src") -> list[int]:
    write = PollWrite(source, now, now + timedelta(hours=1), Validators(), records=records)
    return storage.save_poll(db, write)


def expected_order(db: storage.Db, ids: set[int]) -> list[int]:
    """Newest first, computed here: published desc, undated last, then first seen desc, id desc."""
    found = [s for s in storage.list_statements(db, limit=10_000) if s.id in ids]
    assert len(found) == len(ids)
    by_seen = sorted(found, key=lambda s: (s.first_seen, s.id), reverse=True)
    dated = sorted((s for s in by_seen if s.published), key=lambda s: s.published or date.min, reverse=True)
    return [s.id for s in dated] + [s.id for s in by_seen if s.published is None]


# ───────────────────────────── signed_by ─────────────────────────────


def _corpus(db: storage.Db) -> tuple[int, int, int, dict[int, set[int]]]:
    """40 statements: 'busy' signs 30, 'rare' 3, 'mid' every 4th; varied dates, some undated."""
    busy, rare, mid = oid(db, "stj"), oid(db, "snhr"), oid(db, "alhaq")
    signed: dict[int, set[int]] = {busy: set(), rare: set(), mid: set()}
    for i in range(40):
        who = (
            ([busy] if i % 4 != 3 else [])
            + ([rare] if i in (5, 17, 33) else [])
            + ([mid] if i % 4 == 0 else [])
        )
        published = None if i % 9 == 0 else date(2025, 1, 1) + timedelta(days=(i * 37) % 300)
        [sid] = save(
            db, record(f"s{i}", [*who, "Other Org"], published=published), now=NOW + timedelta(minutes=i)
        )
        for o in who:
            signed[o].add(sid)
    return busy, rare, mid, signed


@pytest.mark.parametrize("limit", [1, 3, 10, 50])
def test_signed_by_any_pages_newest_first_with_both_plans(db: storage.Db, limit: int) -> None:
    _, rare, mid, signed = _corpus(db)
    for org, ids in signed.items():
        want = expected_order(db, ids)
        got: list[int] = []
        for offset in range(0, len(want) + limit, limit):
            got += [s.id for s in storage.signed_by(db, [org], limit=limit, offset=offset)]
        assert got == want
        assert storage.count_signed_by(db, [org]) == len(ids)
    both = signed[rare] | signed[mid]
    assert [s.id for s in storage.signed_by(db, [rare, mid], limit=50)] == expected_order(db, both)
    assert storage.count_signed_by(db, [rare, mid, rare]) == len(both)


def test_signed_by_all_and_edge_cases(db: storage.Db) -> None:
    busy, rare, mid, signed = _corpus(db)
    for pair in ([busy, mid], [busy, rare], [mid, busy], [busy, rare, mid]):
        common = set.intersection(*(signed[o] for o in pair))
        assert [s.id for s in storage.signed_by(db, pair, mode="all", limit=50)] == expected_order(db, common)
        assert storage.count_signed_by(db, pair, mode="all") == len(common)
    assert storage.signed_by(db, [busy, 99_999], mode="all") == []
    assert storage.count_signed_by(db, [busy, 99_999], mode="all") == 0
    assert len(storage.signed_by(db, [busy, 99_999], limit=50)) == len(signed[busy])
    assert storage.signed_by(db, []) == [] and storage.count_signed_by(db, []) == 0
    assert storage.signed_by(db, [busy], limit=0) == []
    with pytest.raises(BayanError, match="mode"):
        storage.signed_by(db, [busy], mode="some")
    first = storage.signed_by(db, [busy], limit=1)[0]
    assert set(first.to_json()) >= {"id", "title", "signatories", "urls", "sources"}
    assert "org " + str(busy) in first.signatories


def test_merged_organisations_count_as_their_target(db: storage.Db) -> None:
    stj = oid(db, "stj")
    [a, b] = save(db, record("a", [stj, "Syrians 4 Truth"]), record("b", ["Syrians 4 Truth", "X Org"]))
    prov = storage.find_org_id(db, "Syrians 4 Truth")
    assert prov is not None and prov != stj
    kept = storage.merge_orgs(db, stj, prov)
    assert kept.id == stj and "Syrians 4 Truth" in kept.aliases
    assert (
        {s.id for s in storage.signed_by(db, [prov])}
        == {a, b}
        == {s.id for s in storage.signed_by(db, [stj])}
    )
    assert storage.count_signed_by(db, [prov, stj]) == 2
    assert storage.signed_by(db, [prov, stj], mode="all", limit=5) == storage.signed_by(db, [stj], limit=5)
    st_a = storage.get_statement(db, a)
    assert st_a is not None and st_a.signatories == ("org " + str(stj),)  # one row per org and statement
    assert storage.org_counts(db, [stj, prov]) == {stj: 2, prov: 2}


# ───────────────────────────── registry fixes ─────────────────────────────


def test_merge_moves_everything_and_is_idempotent(db: storage.Db) -> None:
    stj = oid(db, "stj")
    save(db, record("a", ["STJ-Syria", "Other"]))
    prov = storage.find_org_id(db, "STJ-Syria")
    assert prov is not None
    storage.add_subscription(db, 7, None, "org", "STJ-Syria", now=NOW, org_id=prov)
    storage.merge_orgs(db, stj, prov)
    assert db.execute("SELECT org_id FROM subscriptions").fetchone()[0] == stj
    assert db.execute("SELECT merged_into FROM orgs WHERE id = ?", [prov]).fetchone()[0] == stj
    assert all(i != prov for i, _ in storage.org_index_entries(db))
    assert (stj, "STJ-Syria") in storage.org_index_entries(db)
    assert storage.merge_orgs(db, stj, prov).id == stj  # again: a no-op
    assert storage.merge_orgs(db, prov, stj).id == stj  # already one organisation
    with pytest.raises(BayanError, match="itself"):
        storage.merge_orgs(db, stj, stj)
    with pytest.raises(BayanError, match="unknown organisation id 4242"):
        storage.merge_orgs(db, stj, 4242)
    storage.seed_registry(db, REGISTRY)  # a restart re-seeds: the fix stays
    assert (stj, "STJ-Syria") in storage.org_index_entries(db)
    assert storage.canonical_id(db, prov) == stj and storage.org_group(db, prov) == [stj, prov]


def test_merging_registry_orgs_keeps_the_merged_names_across_reseeds(db: storage.Db) -> None:
    alhaq, centre = oid(db, "alhaq"), oid(db, "haq-centre")
    storage.merge_orgs(db, alhaq, centre)
    storage.seed_registry(db, REGISTRY)
    names = {n for i, n in storage.org_index_entries(db) if i == alhaq}
    assert "مركز الحق للدراسات" in names and all(i != centre for i, _ in storage.org_index_entries(db))


def test_fixes_persist_in_the_database_file(tmp_path: Path) -> None:
    path = str(tmp_path / "b.db")
    db = storage.open_db(path)
    storage.seed_registry(db, REGISTRY)
    save(db, record("a", ["سوريون من اجل الحقيقه"]))
    storage.add_alias(db, oid(db, "stj"), "سوريون من أجل الحقيقة")
    db.close()
    again = storage.open_db(path)
    stj = oid(again, "stj")
    assert [o.id for o in storage.find_orgs_by_name(again, orgs.normalize("سوريون من أجل الحقيقة"))] == [stj]
    assert storage.count_signed_by(again, [stj]) == 1
    again.close()


def test_add_alias_merges_exact_provisional_names_only(db: storage.Db) -> None:
    alhaq = oid(db, "alhaq")
    save(db, record("a", ["مؤسسه الحق - فلسطين", "مركز الحق", "مؤسسة الحق فلسطين للتنمية", "الحق"]))
    provisional = {o.name for o in storage.list_orgs(db, provisional_only=True)}
    assert provisional == {"مؤسسه الحق - فلسطين", "مركز الحق", "مؤسسة الحق فلسطين للتنمية", "الحق"}
    merged = storage.add_alias(db, alhaq, "مؤسسة الحَق – فلسطين")
    assert merged == 1
    left = {o.name for o in storage.list_orgs(db, provisional_only=True)}
    assert left == {"مركز الحق", "مؤسسة الحق فلسطين للتنمية", "الحق"}  # look-alikes untouched
    st = storage.signed_by(db, [alhaq])
    assert len(st) == 1 and "مؤسسه الحق - فلسطين" in st[0].signatories
    org = storage.get_org(db, alhaq)
    assert org is not None and "مؤسسة الحَق – فلسطين" in org.aliases
    assert storage.add_alias(db, alhaq, "مؤسسة الحق – فلسطين") == 0  # same key again


def test_add_alias_refuses_names_of_other_orgs_and_bad_input(db: storage.Db) -> None:
    alhaq = oid(db, "alhaq")
    with pytest.raises(BayanError, match="already a name of organisation"):
        storage.add_alias(db, alhaq, "مركز الحق للدراسات")
    with pytest.raises(BayanError, match="letter or digit"):
        storage.add_alias(db, alhaq, " – ")
    with pytest.raises(BayanError, match="unknown organisation id"):
        storage.add_alias(db, 999, "x")
    assert [o.slug for o in storage.find_orgs_by_name(db, orgs.normalize("مركز الحق للدراسات"))] == [
        "haq-centre"
    ]


def test_real_registry_look_alikes_are_never_merged_by_alias() -> None:
    """The data README's look-alikes: an alias added to one side never pulls in the other."""
    db = storage.open_db(":memory:")
    storage.seed_registry(db, config.read_registry())
    look_alikes = ["Synergy", "المرصد", "مدنيون للعدالة والسلام", "حزب الجمهورية"]
    [sid] = save(
        db, record("a", [*look_alikes, "مركز عدل لحقوق الإنسان"])
    )  # the last: registry adel-center-hr
    aliases = {
        "synergy-hevdesti": "Synergy Association",
        "sohr": "المرصد السوري",
        "madaniya": "مدنيون",
        "syrian-republican-party": "حزب الجمهوريه السوري",
        "dad-kurdish-hr": "عدل",
    }
    for slug, alias in aliases.items():
        assert storage.add_alias(db, oid(db, slug), alias) == 0
    assert {o.name for o in storage.list_orgs(db, provisional_only=True)} == set(look_alikes)
    assert {s.id for s in storage.signed_by(db, [oid(db, "adel-center-hr")])} == {sid}
    assert storage.signed_by(db, [oid(db, "dad-kurdish-hr")]) == []
    with pytest.raises(BayanError):  # a registry name of the other twin
        storage.add_alias(db, oid(db, "synergy-hevdesti"), "Synergy for Justice")
    db.close()


def test_list_orgs_counts_and_find_by_name(db: storage.Db) -> None:
    stj = oid(db, "stj")
    save(db, record("a", [stj, "Zeta Org"]), record("b", [stj]))
    listed = storage.list_orgs(db)
    assert [o.provisional for o in listed] == sorted(o.provisional for o in listed)
    assert listed[-1].name == "Zeta Org" and listed[-1].provisional
    assert len(storage.list_orgs(db, limit=2)) == 2
    assert [o.name for o in storage.list_orgs(db, provisional_only=True)] == ["Zeta Org"]
    counts = storage.org_counts(db)
    zeta = storage.find_org_id(db, "zeta org")
    assert zeta is not None and counts[stj] == 2 and counts[zeta] == 1 and oid(db, "snhr") not in counts
    assert storage.org_counts(db, [oid(db, "snhr")]) == {oid(db, "snhr"): 0}
    assert [o.id for o in storage.find_orgs_by_name(db, "stj")] == [stj]  # acronym and slug
    assert [o.id for o in storage.find_orgs_by_name(db, orgs.normalize("Syrians for Truth and Justice"))] == [
        stj
    ]
    assert storage.find_orgs_by_name(db, "nothing") == []
    assert storage.orgs_by_ids(db, [zeta, 12345, stj])[0].id == zeta


# ───────────────────────────── profile ─────────────────────────────


def test_org_profile(db: storage.Db) -> None:
    stj, snhr, alhaq = oid(db, "stj"), oid(db, "snhr"), oid(db, "alhaq")
    save(
        db,
        record("a", [stj, snhr, alhaq], published=date(2024, 3, 1)),
        record("b", [stj, snhr], published=date(2025, 6, 1), kind="open_letter"),
        record("c", [stj], published=None),
        record("d", [snhr]),
    )
    w = record("w", [stj], title="بيان انسحاب من منصة مدنية", published=date(2025, 7, 1), kind="withdrawal")
    assert w.statement is not None
    save(db, replace(w, statement=replace(w.statement, withdrawn_from="منصة مدنية")))
    profile = storage.org_profile(db, stj)
    assert profile.org.slug == "stj"
    assert profile.count == 4
    assert profile.first == date(2024, 3, 1) and profile.last == NOW.date()  # undated: first seen
    assert profile.kinds == {"joint": 2, "open_letter": 1, "withdrawal": 1}
    assert [c[:2] for c in profile.co_signers] == [("الشبكة السورية لحقوق الإنسان", 2), ("مؤسسة الحق", 1)]
    assert profile.co_signers[1].for_reader("en") == "Al-Haq"  # the registry's English name
    assert list(profile.withdrawals) == [("بيان انسحاب من منصة مدنية", "منصة مدنية", date(2025, 7, 1))]
    empty = storage.org_profile(db, oid(db, "madaniya"))
    assert (empty.count, empty.first, empty.kinds, list(empty.co_signers)) == (0, None, {}, [])
    with pytest.raises(BayanError, match="unknown organisation id"):
        storage.org_profile(db, 31337)


# ───────────────────────────── search ─────────────────────────────


def _search_ids(db: storage.Db, query: str, **kw: int) -> list[int]:
    return [s.id for s in storage.search_statements(db, orgs.normalize(query), **kw)]


def test_search_folds_arabic_spellings_and_proclitics(db: storage.Db) -> None:
    [a, b, c] = save(
        db,
        record("a", [], title="بيان المنظمة حول الإنسان", body="تدين منظمة العفو الانتهاكات بحق المدنيين"),
        record(
            "b",
            [],
            title="Joint statement on detainees",
            body="The undersigned organisations call for release",
        ),
        record("c", [], title="رسالة مفتوحة", body="للمنظمات السورية وللمجتمع المدني مسؤولية"),
    )
    assert _search_ids(db, "المنظمه") == [a]  # proclitic ال dropped: finds منظمة and المنظمة
    assert _search_ids(db, "منظمة") == [a]
    assert _search_ids(db, "الأنسان") == [a]  # hamza and ta marbuta folded on both sides
    assert _search_ids(db, "الْإِنْسَان") == [a]  # harakat
    assert _search_ids(db, "والمدنيين") == [a]
    assert _search_ids(db, "للمنظمات") == [c]  # لل dropped, and a substring of a longer word
    assert _search_ids(db, "منظمات") == [c]
    assert _search_ids(db, "DETAINEES") == [b]
    assert _search_ids(db, "undersigned release") == [b]  # every word required
    assert _search_ids(db, "undersigned nothing") == []
    assert storage.count_search(db, orgs.normalize("منظم")) == 2


@pytest.mark.parametrize(
    "query",
    ['"', '"unbalanced', "AND", "foo AND bar", "NEAR(one two)", "NOT this", "abc*", "(paren", "title:xyz",
     "a OR b OR c", "^start", "x' OR '1'='1", "حقوق -- الانسان", '""""""', "{col1 col2}: word"],
)  # fmt: skip
def test_fts_syntax_in_queries_is_harmless(db: storage.Db, query: str) -> None:
    [sid] = save(
        db, record("a", [], title="NEAR AND OR NOT statement", body="abc* (paren) title:xyz one two")
    )
    for q in (query, orgs.normalize(query)):
        try:
            found = storage.search_statements(db, q)
        except BayanError as e:
            assert str(e) == "query too short: at least 3 characters"
        else:
            assert all(s.id == sid for s in found)
            assert storage.count_search(db, q) == len(found)


def test_search_finds_operator_words_as_text(db: storage.Db) -> None:
    [sid] = save(db, record("a", [], title="NEAR AND OR NOT statement", body="abc* (paren) one two"))
    assert _search_ids(db, "NEAR(one two)") == [sid]
    assert _search_ids(db, '"and" OR') == [sid]  # "or" is too short and dropped; "and" is a word
    assert _search_ids(db, "paren)") == [sid]


def test_search_rejects_short_queries(db: storage.Db) -> None:
    for q in ["", "  ", "ab", "في", "و ب", "a b c"]:
        with pytest.raises(BayanError) as err:
            storage.search_statements(db, orgs.normalize(q))
        assert str(err.value) == "query too short: at least 3 characters"
        with pytest.raises(BayanError):
            storage.count_search(db, orgs.normalize(q))


def test_search_pages_newest_first_with_both_plans(db: storage.Db) -> None:
    ids = set()
    for i in range(30):
        published = None if i % 7 == 0 else date(2025, 1, 1) + timedelta(days=(i * 53) % 200)
        body = "common words here" + (" rareword" if i in (3, 11) else "")
        ids |= set(
            save(db, record(f"s{i}", [], body=body, published=published), now=NOW + timedelta(minutes=i))
        )
    want = expected_order(db, ids)
    for limit in (1, 4, 30):
        got: list[int] = []
        for offset in range(0, 32, limit):
            got += _search_ids(db, "common", limit=limit, offset=offset)
        assert got == want
    rare = _search_ids(db, "rareword", limit=10)
    assert len(rare) == 2 and rare == expected_order(db, set(rare))
    assert storage.count_search(db, "common") == 30 and _search_ids(db, "common", limit=0) == []


def test_index_entries_after_an_id_are_only_the_newer_organisations() -> None:
    db = storage.open_db(":memory:")
    storage.seed_registry(db, [RegistryOrg(slug="a", ar="منظمة أ"), RegistryOrg(slug="b", en="Org B")])
    everything = storage.org_index_entries(db)
    top = max(i for i, _ in everything)
    new_id = storage.provisional_org(db, "مبادرة لم يسمع بها أحد", datetime.now(UTC))
    assert storage.org_index_entries(db, after_id=top) == [(new_id, "مبادرة لم يسمع بها أحد")]
    assert len(storage.org_index_entries(db)) == len(everything) + 1
    db.close()


# ───────────────────────────── registry seed by file hash (issue 12 item 4) ─────────────────────────────


def registry_names(db: storage.Db, slug: str) -> list[str]:
    return [
        str(r["name"])
        for r in db.query(
            """SELECT n.name FROM org_names n JOIN orgs o ON o.id = n.org_id
               WHERE o.slug = ? AND n.origin = 'registry' ORDER BY n.name""",
            [slug],
        )
    ]


def test_the_registry_is_seeded_again_only_when_its_file_hash_changes(db: storage.Db) -> None:
    loads: list[int] = []

    def load() -> list[RegistryOrg]:
        loads.append(1)
        return REGISTRY

    assert storage.seed_registry_if_changed(db, "a" * 64, load, now=NOW) is True
    db.execute("DELETE FROM org_names WHERE name = 'منصة مدنية'")  # drift a seed would undo
    assert storage.seed_registry_if_changed(db, "a" * 64, load, now=NOW) is False
    assert len(loads) == 1, "an unchanged file is not even parsed"
    assert "منصة مدنية" not in registry_names(db, "madaniya")
    assert storage.seed_registry_if_changed(db, "b" * 64, load, now=NOW) is True
    assert len(loads) == 2 and "منصة مدنية" in registry_names(db, "madaniya")
    stored = [r["value"] for r in db.query("SELECT value FROM meta WHERE key = 'registry_sha256'")]
    assert stored == [f"{storage.orgs.REGISTRY_SEED_VERSION}:{'b' * 64}"]


def test_a_registry_that_fails_to_load_stores_no_hash(db: storage.Db) -> None:
    def broken() -> list[RegistryOrg]:
        raise BayanError("orgs.yaml:3: invalid YAML")

    with pytest.raises(BayanError):
        storage.seed_registry_if_changed(db, "c" * 64, broken, now=NOW)
    assert list(db.query("SELECT * FROM meta")) == []
