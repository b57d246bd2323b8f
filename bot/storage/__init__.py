"""The storage package: the only code that touches SQLite (every SQL string of Bayan lives here).

Callers write ``from bot import storage`` and use the functions re-exported below. Every function takes
a ``Db`` first and is synchronous; async code runs them on the DB thread with ``await store.call(fn, ...)``.
They return ``bot.models`` dataclasses, never sqlite-utils Table objects.
"""

from bot.storage.db import Db, Store, open_db
from bot.storage.orgs import (
    Norm,
    add_config_aliases,
    find_org_id,
    get_org,
    org_index_entries,
    provisional_org,
    seed_registry,
)
from bot.storage.outbox import (
    add_alert,
    add_subscription,
    create_deliveries,
    deactivate_chat,
    drop_delivery,
    due_deliveries,
    get_chat,
    list_subscriptions,
    mark_sent,
    migrate_chat,
    remove_subscription,
    reschedule,
    upsert_chat,
)
from bot.storage.schema import migrations
from bot.storage.sources import (
    get_health,
    list_health,
    record_failure,
    record_not_modified,
    record_success,
    sync_sources,
)
from bot.storage.statements import (
    count_rows,
    get_statement,
    list_statements,
    save_poll,
    statement_page,
    unseen_keys,
)

__all__ = [
    "Db",
    "Norm",
    "Store",
    "add_alert",
    "add_config_aliases",
    "add_subscription",
    "count_rows",
    "create_deliveries",
    "deactivate_chat",
    "drop_delivery",
    "due_deliveries",
    "find_org_id",
    "get_chat",
    "get_health",
    "get_org",
    "get_statement",
    "list_health",
    "list_statements",
    "list_subscriptions",
    "mark_sent",
    "migrate_chat",
    "migrations",
    "open_db",
    "org_index_entries",
    "provisional_org",
    "record_failure",
    "record_not_modified",
    "record_success",
    "remove_subscription",
    "reschedule",
    "save_poll",
    "seed_registry",
    "statement_page",
    "sync_sources",
    "unseen_keys",
    "upsert_chat",
]
