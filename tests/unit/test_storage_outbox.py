"""bot.storage outbox: chats, subscriptions, deliveries created by save_poll, and the sender's updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import storage
from bot.models import RegistryOrg, SignatureRecord
from tests.factories import NOW, record, write


def delivered(db: storage.Db) -> list[tuple[int, int | None, int]]:
    """(chat, thread, statement) of every delivery, sorted."""
    return sorted(db.execute("SELECT chat_id, thread_id, statement_id FROM deliveries").fetchall(), key=str)


def test_subscriptions_are_unique_per_chat_thread_kind_value(db: storage.Db) -> None:
    sub, created = storage.add_subscription(db, 10, None, "all", None, now=NOW)
    assert created and (sub.chat_id, sub.thread_id, sub.kind, sub.value, sub.active) == (
        10,
        None,
        "all",
        None,
        True,
    )
    again, created = storage.add_subscription(db, 10, None, "all", None, now=NOW)
    assert not created and again.id == sub.id
    topic, created = storage.add_subscription(db, 10, 7, "all", None, now=NOW)
    assert created and topic.id != sub.id and topic.thread_id == 7
    storage.add_subscription(db, 10, None, "keyword", "عفو", value_norm="عفو", now=NOW)
    assert [s.kind for s in storage.list_subscriptions(db, 10, None)] == ["all", "keyword"]
    assert [s.id for s in storage.list_subscriptions(db, 10, 7)] == [topic.id]
    assert storage.remove_subscription(db, 10, None, "all", None)
    assert not storage.remove_subscription(db, 10, None, "all", None)
    back, created = storage.add_subscription(db, 10, None, "all", None, now=NOW)
    assert created and back.id == sub.id and back.active


def test_baseline_poll_creates_no_deliveries(db: storage.Db) -> None:
    storage.add_subscription(db, 1, None, "all", None, now=NOW)
    [sid] = storage.save_poll(db, write(record("b1"), announce=False))
    assert delivered(db) == []
    st = storage.get_statement(db, sid)
    assert st is not None and not st.announced


def test_deliveries_for_each_kind_of_subscription_without_duplicates(db: storage.Db) -> None:
    storage.seed_registry(db, [RegistryOrg(slug="a", en="Org A"), RegistryOrg(slug="z", en="Org Z")])
    org_a, org_z = storage.find_org_id(db, "a"), storage.find_org_id(db, "z")
    subs = [
        (1, None, "all", None, {}),
        (2, None, "source", "src", {}),
        (3, None, "org", "a", {"org_id": org_a}),
        (4, None, "keyword", "Amnesty", {"value_norm": "amnesty"}),
        (5, 9, "all", None, {}),  # a forum topic of chat 5
        (5, None, "all", None, {}),  # chat 5 without topic: a separate destination
        (1, None, "org", "a", {"org_id": org_a}),  # chat 1 matches twice: still one delivery
        (6, None, "source", "other", {}),
        (7, None, "org", "z", {"org_id": org_z}),
        (8, None, "keyword", "ceasefire", {"value_norm": "ceasefire"}),
    ]
    for chat, thread, kind, value, extra in subs:
        storage.add_subscription(db, chat, thread, kind, value, now=NOW, **extra)  # type: ignore[arg-type]
    storage.add_subscription(db, 9, None, "all", None, now=NOW)
    storage.remove_subscription(db, 9, None, "all", None)  # inactive: nothing
    rec = record(
        "s1", signatures=(SignatureRecord("Org A", 0, org_id=org_a),), body_norm="on the amnesty law"
    )
    [sid] = storage.save_poll(db, write(rec))
    assert delivered(db) == sorted([(1, None, sid), (2, None, sid), (3, None, sid), (4, None, sid),
                                    (5, 9, sid), (5, None, sid)], key=str)  # fmt: skip
    assert storage.create_deliveries(db, sid, "src", NOW) == 0  # unique per (statement, chat, thread)
    assert len(delivered(db)) == 6


def test_due_deliveries_and_sender_updates(db: storage.Db) -> None:
    storage.upsert_chat(db, 1, now=NOW, language="en", title="T", type="group")
    storage.add_subscription(db, 1, None, "all", None, now=NOW)
    [sid] = storage.save_poll(db, write(record("s1")))
    alert = storage.add_alert(db, 2, "source x failing", NOW + timedelta(seconds=1))
    assert storage.due_deliveries(db, NOW - timedelta(seconds=1), 10) == []
    due = storage.due_deliveries(db, NOW + timedelta(seconds=5), 10)
    assert [(d.statement_id, d.alert_text, d.language) for d in due] == [
        (sid, None, "en"),
        (None, "source x failing", None),
    ]
    storage.reschedule(db, due[0].id, NOW + timedelta(minutes=1), "RetryAfter")
    assert [d.id for d in storage.due_deliveries(db, NOW + timedelta(seconds=5), 10)] == [alert]
    later = storage.due_deliveries(db, NOW + timedelta(minutes=2), 10)
    assert [(d.id, d.attempts) for d in later] == [(alert, 0), (due[0].id, 1)]
    storage.mark_sent(db, due[0].id, NOW)
    storage.drop_delivery(db, alert, "chat not found")
    assert storage.due_deliveries(db, NOW + timedelta(days=1), 10) == []
    assert db.execute("SELECT status, last_error FROM deliveries ORDER BY id").fetchall() == [
        ("sent", "RetryAfter"),
        ("dropped", "chat not found"),
    ]


def test_deactivate_chat_drops_pending_and_stops_future_deliveries(db: storage.Db) -> None:
    storage.add_subscription(db, 1, None, "all", None, now=NOW)
    storage.save_poll(db, write(record("s1")))
    storage.deactivate_chat(db, 1, "Forbidden")
    chat = storage.get_chat(db, 1)
    assert chat is not None and not chat.active
    assert storage.list_subscriptions(db, 1) == []
    assert db.execute("SELECT status FROM deliveries").fetchall() == [("dropped",)]
    storage.save_poll(db, write(record("s2")))
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 1


def test_migrate_chat_moves_subscriptions_and_pending_rows(db: storage.Db) -> None:
    storage.upsert_chat(db, -1, now=NOW, language="ar")
    storage.add_subscription(db, -1, None, "all", None, now=NOW)
    storage.add_subscription(db, -1, None, "source", "src", now=NOW)
    storage.add_subscription(db, -100, None, "all", None, now=NOW)  # the supergroup already has this one
    storage.save_poll(db, write(record("s1")))
    storage.migrate_chat(db, -1, -100)
    assert sorted(s.kind for s in storage.list_subscriptions(db, -100)) == ["all", "source"]
    assert storage.list_subscriptions(db, -1) == []
    pending = storage.due_deliveries(db, NOW, 10)
    assert [(d.chat_id, d.language) for d in pending] == [(-100, "ar")]  # the language moves too
    old = storage.get_chat(db, -1)
    assert old is not None and not old.active


def test_upsert_chat_keeps_language_unless_given(db: storage.Db) -> None:
    storage.upsert_chat(db, 5, now=NOW, language="ar")
    chat = storage.upsert_chat(db, 5, now=datetime(2026, 2, 1, tzinfo=UTC), title="renamed")
    assert (chat.language, chat.active) == ("ar", True)
    assert storage.upsert_chat(db, 5, now=NOW, language="en").language == "en"
    assert storage.get_chat(db, 6) is None


def test_next_due_and_pending_count_for_statements(db: storage.Db) -> None:
    assert storage.next_due_at(db) is None
    storage.add_subscription(db, 5, None, "all", None, now=NOW)
    [sid] = storage.save_poll(db, write(record("n1")))
    assert storage.count_pending_for(db, [sid]) == 1 and storage.count_pending_for(db, []) == 0
    [row] = storage.due_deliveries(db, NOW, 10)
    later = NOW + timedelta(minutes=5)
    storage.reschedule(db, row.id, later, "429")
    assert storage.next_due_at(db) == later
    assert storage.count_pending_for(db, [sid]) == 1  # scheduled for a retry: still to be sent
    storage.mark_sent(db, row.id, later)
    assert storage.count_pending_for(db, [sid]) == 0
    assert storage.next_due_at(db) is None
