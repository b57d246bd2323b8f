"""bot.storage: opening, migrations, the Store thread, source health, save_poll and statement queries.

Real SQLite only (":memory:" and tmp_path files). Outbox tests live in test_storage_outbox.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import storage
from bot.models import (
    BayanError,
    Item,
    ItemRecord,
    RegistryOrg,
    SignatureRecord,
    Source,
)
from bot.names import normalize
from bot.storage import cluster, shingles
from tests.factories import NOW, record, write

LATER = NOW + timedelta(hours=1)


def counts(db: storage.Db) -> dict[str, int]:
    tables = ["items", "pages", "statements", "statement_sources", "signatures", "individuals", "orgs"]
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


# ───────────────────────────── opening and migrations ─────────────────────────────


def test_migrations_apply_from_empty_and_are_idempotent(tmp_path: Path) -> None:
    path = str(tmp_path / "nested" / "dir" / "bayan.db")
    first = storage.open_db(path)
    names = [m.name for m in storage.migrations.applied(first)]
    storage.migrations.apply(first)
    assert [m.name for m in storage.migrations.applied(first)] == names
    first.close()
    second = storage.open_db(path)
    assert (
        [m.name for m in storage.migrations.applied(second)]
        == names
        == [
            "m001_initial",
            "m002_statements_fts",
            "m003_org_queries",
            "m004_statement_evidence",
            "m005_cluster_reasons",
            "m006_chat_subscriber_language",
            "m007_registry_fixes",
            "m009_source_alerts",
            "m011_reviews",
            "m013_cluster_days",
            "m015_meta",
            "m017_backfill_state",
        ]
    )
    assert {"statements", "deliveries", "statements_fts"} <= set(second.table_names())
    second.close()


def test_m005_fills_the_text_hash_of_statements_stored_before_it(tmp_path: Path) -> None:
    path = str(tmp_path / "bayan.db")
    db = storage.open_db(path)
    body = "نص طويل بما يكفي " * 10
    [long, short] = storage.save_poll(db, write(record("a", body_norm=body), record("b", body_norm="قصير")))
    for sql in (  # back to the schema of m004, as a database of the previous release
        "DROP INDEX statements_text_sha", "DROP INDEX items_clustered",
        "ALTER TABLE statements DROP COLUMN text_sha", "ALTER TABLE items DROP COLUMN cluster_reason",
        "DELETE FROM _sqlite_migrations WHERE name = 'm005_cluster_reasons'",
    ):  # fmt: skip
        db.execute(sql)
    db.conn.commit()
    db.close()
    db = storage.open_db(path)
    hashes = dict(db.execute("SELECT id, text_sha FROM statements").fetchall())
    assert hashes == {long: shingles.text_sha("بيان مشترك", body), short: None}
    again = record("a-new-link", body_norm=body)  # the same page text under another key and link
    assert storage.save_poll(db, write(again)) == []
    db.close()


def test_file_db_uses_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    db = storage.open_db(str(tmp_path / "b.db"))
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    db.close()


def test_unusable_paths_raise_bayan_error_naming_the_path(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 300)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for path in [str(tmp_path), str(junk), str(a_file / "sub" / "x.db")]:
        with pytest.raises(BayanError) as err:
            storage.open_db(path)
        assert path in str(err.value)
        assert "\n" not in str(err.value)


# ───────────────────────────── Store ─────────────────────────────


def _thread_name(db: storage.Db) -> str:
    return threading.current_thread().name


def _slow_increment(db: storage.Db, log: list[str]) -> int:
    log.append("enter")
    row = db.execute("SELECT COUNT(*) FROM chats").fetchone()
    time.sleep(0.01)
    db.execute("INSERT INTO chats (chat_id, updated_at) VALUES (?, 'x')", [row[0] + 1])
    log.append("exit")
    return int(row[0]) + 1


async def test_store_calls_run_on_one_sqlite_thread_and_serialise(tmp_path: Path) -> None:
    store = storage.Store(str(tmp_path / "s.db"))
    try:
        names = await asyncio.gather(*(store.call(_thread_name) for _ in range(5)))
        assert len(set(names)) == 1 and names[0].startswith("sqlite")
        assert names[0] != threading.current_thread().name
        log: list[str] = []
        results = await asyncio.gather(*(store.call(_slow_increment, log) for _ in range(8)))
        assert sorted(results) == list(range(1, 9))  # no lost update: calls never overlapped
        assert log == ["enter", "exit"] * 8
        assert store.run(storage.count_rows).chats == 8
    finally:
        await store.aclose()
    with pytest.raises(BayanError, match="closed"):
        await store.call(_thread_name)


def test_store_sync_use_and_bad_path(tmp_path: Path) -> None:
    with storage.Store(str(tmp_path / "s.db")) as store:
        assert store.run(_thread_name).startswith("sqlite")
        assert store.run(storage.list_statements, limit=5) == []
    with pytest.raises(BayanError, match="closed"):
        store.run(_thread_name)
    with pytest.raises(BayanError, match=str(tmp_path)):
        storage.Store(str(tmp_path))


# ───────────────────────────── sources and health ─────────────────────────────


def test_sync_sources_and_health_defaults(db: storage.Db) -> None:
    storage.sync_sources(
        db, [Source(id="a", url="https://a"), Source(id="b", url="https://b", enabled=False)]
    )
    storage.sync_sources(db, [Source(id="a", url="https://a2", name="A")])
    assert db.execute("SELECT id, url, name, enabled FROM sources ORDER BY id").fetchall() == [
        ("a", "https://a2", "A", 1),
        ("b", "https://b", None, 0),
    ]
    health = storage.get_health(db, "a")
    assert health.error_count == 0 and health.last_ok is None and not health.baseline_done
    assert [h.source_id for h in storage.list_health(db)] == ["a", "b"]


def test_failure_never_overwrites_validators(db: storage.Db) -> None:
    storage.save_poll(db, write(announce=False))
    ok = storage.get_health(db, "src")
    assert (ok.etag, ok.content_sha, ok.last_ok, ok.baseline_done) == ('"e1"', "sha1", NOW, True)
    until = LATER + timedelta(minutes=5)
    storage.record_failure(
        db, "src", now=LATER, error="HTTP 503", kind="http", next_check=LATER, retry_until=until
    )
    h = storage.record_failure(db, "src", now=LATER, error="0 items", kind="empty", next_check=LATER)
    assert (h.etag, h.last_modified, h.content_sha, h.last_ok) == (ok.etag, ok.last_modified, "sha1", NOW)
    assert (h.error_count, h.empty_count, h.error_kind, h.last_error) == (2, 1, "empty", "0 items")
    assert h.next_check == LATER and h.baseline_done
    storage.record_not_modified(db, "src", now=LATER, next_check=LATER + timedelta(hours=1))
    h = storage.get_health(db, "src")
    assert (h.error_count, h.empty_count, h.last_ok, h.etag) == (0, 0, LATER, '"e1"')


def test_failure_of_a_never_polled_source_creates_its_state(db: storage.Db) -> None:
    h = storage.record_failure(
        db, "new", now=NOW, error="boom", kind="network", next_check=LATER, retry_until=LATER
    )
    assert (h.error_count, h.retry_until, h.etag, h.baseline_done) == (1, LATER, None, False)
    assert [x.source_id for x in storage.list_health(db)] == ["new"]


# ───────────────────────────── items and save_poll ─────────────────────────────


def test_unseen_keys_checks_more_than_999_keys(db: storage.Db) -> None:
    keys = [f"k{i}" for i in range(2500)]
    storage.save_poll(db, write(*(ItemRecord(item=Item(key=k, url=f"https://x/{k}")) for k in keys[:1200])))
    unseen = storage.unseen_keys(db, "src", [*keys, "k5"])
    assert unseen == set(keys[1200:])
    assert storage.unseen_keys(db, "other", keys[:3]) == set(keys[:3])


def test_save_poll_stores_a_statement_and_dedupes(db: storage.Db) -> None:
    sigs = (SignatureRecord("Org B", 1), SignatureRecord("Org A", 0, role="issuer"))
    poll = write(record("s1", signatures=sigs), record("n1", is_statement=False), ItemRecord(Item("n2", "u")))
    ids = storage.save_poll(db, poll)
    assert len(ids) == 1
    before = counts(db)
    assert before == {
        "items": 3,
        "pages": 1,
        "statements": 1,
        "statement_sources": 1,
        "signatures": 2,
        "individuals": 2,
        "orgs": 2,
    }
    assert storage.save_poll(db, poll) == []
    assert counts(db) == before
    linked = db.execute("SELECT item_key, statement_id FROM items ORDER BY item_key").fetchall()
    assert linked == [("n1", None), ("n2", None), ("s1", ids[0])]


def test_save_poll_is_atomic(db: storage.Db) -> None:
    bad = record("s2", signatures=(SignatureRecord("Ghost", 0, org_id=9999),))  # FK violation
    with pytest.raises(sqlite3.IntegrityError):
        storage.save_poll(db, write(record("s1", signatures=(SignatureRecord("Org A", 0),)), bad))
    assert set(counts(db).values()) == {0}
    assert storage.get_health(db, "src").etag is None
    assert storage.unseen_keys(db, "src", ["s1", "s2"]) == {"s1", "s2"}
    with pytest.raises(sqlite3.IntegrityError):  # a CHECK constraint too
        storage.save_poll(db, write(record("s3", signatures=(SignatureRecord("X", 0, role="author"),))))
    assert set(counts(db).values()) == {0}


def test_provisional_orgs_are_created_reused_and_kept(db: storage.Db) -> None:
    storage.seed_registry(db, [RegistryOrg(slug="stj", ar="سوريون", en="STJ")])
    stj = storage.find_org_id(db, "stj")
    assert stj is not None
    sigs = (SignatureRecord("Unknown Org", 0), SignatureRecord("STJ", 1, org_id=stj, score=0.97))
    [first] = storage.save_poll(db, write(record("s1", signatures=sigs)))
    [second] = storage.save_poll(db, write(record("s2", signatures=(SignatureRecord("UNKNOWN org", 0),))))
    prov = db.execute("SELECT id, name, provisional FROM orgs WHERE provisional = 1").fetchall()
    assert len(prov) == 1 and prov[0][1:] == ("Unknown Org", 1)
    origin = db.execute("SELECT origin FROM org_names WHERE org_id = ?", [prov[0][0]]).fetchone()[0]
    assert origin == "signature"
    by_stmt = db.execute(
        "SELECT statement_id, org_id FROM signatures ORDER BY statement_id, position"
    ).fetchall()
    assert by_stmt == [(first, prov[0][0]), (first, stj), (second, prov[0][0])]
    storage.seed_registry(db, [RegistryOrg(slug="stj", ar="سوريون", en="STJ")])
    org = storage.get_org(db, prov[0][0])
    assert org is not None and org.provisional and org.name == "Unknown Org"
    assert (prov[0][0], "Unknown Org") in storage.org_index_entries(db)


def test_find_existing_statement_hook_unions_into_the_existing_statement(
    db: storage.Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage.add_subscription(db, 1, None, "all", None, now=NOW)
    [sid] = storage.save_poll(db, write(record("s1", signatures=(SignatureRecord("A", 0),))))
    hook = "bot.storage.statements._find_existing_statement"
    monkeypatch.setattr(hook, lambda db, rec, w: cluster.Match(sid, "a test says so"))
    copy = record("c1", signatures=(SignatureRecord("A", 0), SignatureRecord("B", 1)))
    assert storage.save_poll(db, write(copy, source="mirror")) == []
    st = storage.get_statement(db, sid)
    assert st is not None
    assert st.signatories == ("A", "B") and st.sources == ("src", "mirror")
    assert st.urls == ("https://example.org/s1", "https://example.org/c1")
    assert db.execute("SELECT change, raw_name FROM signature_changes").fetchall() == [("added", "B")]
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 1
    assert db.execute("SELECT statement_id FROM items WHERE item_key = 'c1'").fetchone()[0] == sid
    assert st.cluster_reason == "mirror: a test says so"


def test_withdrawal_is_recorded_against_the_issuer(db: storage.Db) -> None:
    rec = record("w1", signatures=(SignatureRecord("Signer", 0), SignatureRecord("Issuer", 1, role="issuer")))
    assert rec.statement is not None
    rec = replace(rec, statement=replace(rec.statement, kind="withdrawal", withdrawn_from="Old coalition"))
    [sid] = storage.save_poll(db, write(rec))
    issuer = storage.find_org_id(db, "Issuer")
    assert db.execute("SELECT statement_id, org_id, from_text FROM withdrawals").fetchall() == [
        (sid, issuer, "Old coalition")
    ]


# ───────────────────────────── statement queries ─────────────────────────────


def test_list_statements_order_json_and_source_filter(db: storage.Db) -> None:
    storage.save_poll(db, write(record("old", published=date(2025, 1, 1)), record("undated", published=None)))
    sigs = (SignatureRecord("Second", 1), SignatureRecord("First", 0))
    storage.save_poll(db, write(record("new", published=date(2026, 1, 25), signatures=sigs), source="other"))
    listed = storage.list_statements(db)
    assert [s.url.rsplit("/", 1)[1] for s in listed] == ["new", "old", "undated"]
    newest = listed[0].to_json()
    assert set(newest) == {
        "id", "title", "url", "source", "published", "kind", "issuer", "signatories", "individuals",
        "urls", "sources", "language", "lead", "first_seen", "announced", "confidence", "evidence",
        "cluster_reason", "review",
    }  # fmt: skip
    assert newest["signatories"] == ["First", "Second"] and newest["individuals"] == ["Ahmad", "Layla"]
    assert newest["published"] == "2026-01-25" and newest["first_seen"] == NOW.isoformat()
    assert newest["sources"] == ["other"] and newest["announced"] is True
    assert [s.source for s in storage.list_statements(db, source="src", limit=1)] == ["src"]
    assert storage.get_statement(db, 999) is None


def test_statement_page_and_counts(db: storage.Db) -> None:
    [with_page] = storage.save_poll(db, write(record("p")))
    [without] = storage.save_poll(db, write(record("q", page=False)))
    pages = storage.reextract_targets(db, [with_page, without])
    assert pages == [(with_page, b"<html>x</html>", "text/html", "https://example.org/p")]
    got = storage.count_rows(db)
    assert got.statements == 2 and got.items == 2 and got.pending_deliveries == 0


def test_statements_fts_uses_trigrams_on_normalised_text(db: storage.Db) -> None:
    storage.save_poll(db, write(record("f", body_norm="تدين المنظمات لحقوق الانسان الانتهاكات")))
    found = list(db.table("statements").search("حقوق الانسان", quote=True))
    assert len(found) == 1


# ───────────────────────────── organisations ─────────────────────────────


def test_seed_registry_is_idempotent_and_get_org(db: storage.Db) -> None:
    reg = [
        RegistryOrg(slug="sa", ar="الأرشيف السوري", en="Syrian Archive", acronyms=("SA",), aliases=("TSA",))
    ]
    storage.seed_registry(db, reg)
    entries = storage.org_index_entries(db)
    storage.seed_registry(db, reg)
    assert storage.org_index_entries(db) == entries
    org_id = storage.find_org_id(db, "sa")
    assert org_id is not None
    assert {name for i, name in entries if i == org_id} == {"الأرشيف السوري", "Syrian Archive", "SA", "TSA"}
    org = storage.get_org(db, org_id)
    assert org is not None
    assert (org.name, org.name_en, org.acronyms, org.aliases, org.provisional) == (
        "الأرشيف السوري",
        "Syrian Archive",
        ("SA",),
        ("TSA",),
        False,
    )
    storage.seed_registry(db, [RegistryOrg(slug="sa", ar="الأرشيف السوري", acronyms=("SA",))])
    assert {n for i, n in storage.org_index_entries(db) if i == org_id} == {"الأرشيف السوري", "SA"}
    assert storage.get_org(db, 12345) is None


def test_add_config_aliases_by_slug_or_name_never_create_an_org(db: storage.Db) -> None:
    storage.seed_registry(db, [RegistryOrg(slug="sa", en="Syrian Archive")])
    added = storage.add_config_aliases(
        db, [("sa", "Archive"), ("syrian archive", "SyrArch"), ("New Org", "NO")]
    )
    assert added == 2
    sa = storage.find_org_id(db, "sa")
    assert sa is not None and storage.find_org_id(db, "new org") is None
    assert storage.find_org_id(db, "SyrArch") == sa
    assert len(storage.list_orgs(db)) == 1
    assert storage.add_config_aliases(db, [("sa", "Archive")]) == 0


def test_sync_config_gives_aliases_to_the_sources_org_and_merges_orgs_named_after_the_source(
    db: storage.Db,
) -> None:
    storage.seed_registry(db, [RegistryOrg(slug="sa", ar="الأرشيف السوري", en="Syrian Archive")])
    # what an older sync left: an organisation named after the source's display name, config names only
    db.execute(
        "INSERT INTO orgs (name, provisional, created_at) VALUES ('الأرشيف – بيانات', 0, '2026-01-01')"
    )
    old = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
    db.execute(
        "INSERT INTO org_names VALUES (?, ?, 'الأرشيف – بيانات', 'name', 'config')",
        [normalize("الأرشيف – بيانات"), old],
    )
    source = Source(id="sa-ar", url="https://example.org/feed", name="الأرشيف – بيانات", org="sa",
                    aliases=("SA", "أرشيف سوريا"))  # fmt: skip
    storage.sync_config(
        db, [source, Source(id="x", url="https://example.org/x", org="nobody", aliases=("X",))]
    )
    sa = storage.find_org_id(db, "sa")
    assert [o.slug for o in storage.list_orgs(db)] == ["sa"]
    assert storage.canonical_id(db, old) == sa
    assert storage.find_org_id(db, "أرشيف سوريا") == sa and storage.find_org_id(db, "X") is None
