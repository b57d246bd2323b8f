"""The database schema: the ``Migrations("bayan")`` set and its DDL.

Owns every CREATE statement. Add a new ``mNNN_*`` function for any schema change (never edit an applied one);
each runs in a transaction with its bookkeeping row (sqlite-utils 4). Conventions: see ``_conv``.
Chat ids are not foreign keys (alerts may target admins that never wrote to the bot, and migrated chats
are rewritten in place); source ids are not either (a source removed from feeds.yaml keeps its history).
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.storage.shingles import text_sha

migrations = Migrations("bayan")

_SOURCES = [
    """CREATE TABLE sources (
        id TEXT PRIMARY KEY, name TEXT, name_en TEXT, url TEXT NOT NULL, type TEXT NOT NULL,
        language TEXT, enabled INTEGER NOT NULL DEFAULT 1, org TEXT)""",
    """CREATE TABLE source_state (
        source_id TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, content_sha TEXT, last_ok_at TEXT,
        last_error TEXT, error_kind TEXT, error_count INTEGER NOT NULL DEFAULT 0,
        empty_count INTEGER NOT NULL DEFAULT 0, next_check_at TEXT, retry_until TEXT,
        baseline_done INTEGER NOT NULL DEFAULT 0, last_polled_at TEXT)""",
    """CREATE TABLE pages (
        id INTEGER PRIMARY KEY, url TEXT NOT NULL, fetched_at TEXT NOT NULL, sha256 TEXT NOT NULL,
        content_type TEXT NOT NULL, body BLOB NOT NULL)""",
]

_ORGS = [
    """CREATE TABLE orgs (
        id INTEGER PRIMARY KEY, slug TEXT UNIQUE, name TEXT NOT NULL, name_en TEXT, website TEXT, kind TEXT,
        provisional INTEGER NOT NULL DEFAULT 0, merged_into INTEGER REFERENCES orgs(id),
        created_at TEXT NOT NULL)""",
    """CREATE TABLE org_names (
        name_norm TEXT NOT NULL, org_id INTEGER NOT NULL REFERENCES orgs(id), name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'alias' CHECK (kind IN ('name', 'acronym', 'alias')),
        origin TEXT NOT NULL CHECK (origin IN ('registry', 'config', 'admin', 'signature')),
        PRIMARY KEY (name_norm, org_id))""",
    "CREATE INDEX org_names_org ON org_names(org_id)",
]

_STATEMENTS = [
    """CREATE TABLE statements (
        id INTEGER PRIMARY KEY, title TEXT, url TEXT NOT NULL, published TEXT, language TEXT, kind TEXT,
        issuer TEXT, lead TEXT, body TEXT NOT NULL DEFAULT '', title_norm TEXT NOT NULL DEFAULT '',
        body_norm TEXT NOT NULL DEFAULT '', confidence REAL NOT NULL DEFAULT 0,
        page_id INTEGER REFERENCES pages(id), source_id TEXT NOT NULL, first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL, announced INTEGER NOT NULL DEFAULT 0, withdrawn_from TEXT)""",
    "CREATE INDEX statements_newest ON statements(published, first_seen_at)",
    """CREATE TABLE items (
        source_id TEXT NOT NULL, item_key TEXT NOT NULL, url TEXT NOT NULL, title TEXT, published TEXT,
        first_seen_at TEXT NOT NULL, statement_id INTEGER REFERENCES statements(id),
        PRIMARY KEY (source_id, item_key))""",
    """CREATE TABLE statement_sources (
        statement_id INTEGER NOT NULL REFERENCES statements(id), source_id TEXT NOT NULL, url TEXT NOT NULL,
        first_seen_at TEXT NOT NULL, PRIMARY KEY (statement_id, url))""",
    "CREATE INDEX statement_sources_source ON statement_sources(source_id, statement_id)",
    """CREATE TABLE signatures (
        statement_id INTEGER NOT NULL REFERENCES statements(id), org_id INTEGER NOT NULL REFERENCES orgs(id),
        raw_name TEXT NOT NULL, position INTEGER NOT NULL,
        role TEXT NOT NULL DEFAULT 'signatory' CHECK (role IN ('signatory', 'issuer')),
        match_score REAL NOT NULL DEFAULT 0, first_seen_at TEXT NOT NULL,
        PRIMARY KEY (statement_id, org_id))""",
    "CREATE INDEX signatures_org ON signatures(org_id, statement_id)",
    """CREATE TABLE individuals (
        statement_id INTEGER NOT NULL REFERENCES statements(id), name TEXT NOT NULL,
        position INTEGER NOT NULL, PRIMARY KEY (statement_id, name))""",
    """CREATE TABLE signature_changes (
        id INTEGER PRIMARY KEY, statement_id INTEGER NOT NULL REFERENCES statements(id),
        org_id INTEGER REFERENCES orgs(id), raw_name TEXT,
        change TEXT NOT NULL CHECK (change IN ('added', 'removed')), at TEXT NOT NULL)""",
    "CREATE INDEX signature_changes_statement ON signature_changes(statement_id)",
    """CREATE TABLE withdrawals (
        id INTEGER PRIMARY KEY, statement_id INTEGER NOT NULL REFERENCES statements(id),
        org_id INTEGER REFERENCES orgs(id), from_text TEXT, from_org_id INTEGER REFERENCES orgs(id))""",
    "CREATE INDEX withdrawals_statement ON withdrawals(statement_id)",
]

_OUTBOX = [
    """CREATE TABLE chats (
        chat_id INTEGER PRIMARY KEY, language TEXT, active INTEGER NOT NULL DEFAULT 1, title TEXT, type TEXT,
        updated_at TEXT)""",
    """CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, thread_id INTEGER,
        kind TEXT NOT NULL CHECK (kind IN ('all', 'org', 'keyword', 'source')), value TEXT, value_norm TEXT,
        org_id INTEGER REFERENCES orgs(id), active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL)""",
    """CREATE UNIQUE INDEX subscriptions_unique
        ON subscriptions(chat_id, COALESCE(thread_id, 0), kind, COALESCE(value, ''))""",
    "CREATE INDEX subscriptions_match ON subscriptions(active, kind)",
    """CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY, statement_id INTEGER REFERENCES statements(id), alert_text TEXT,
        chat_id INTEGER NOT NULL, thread_id INTEGER,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dropped')),
        attempts INTEGER NOT NULL DEFAULT 0, next_try_at TEXT NOT NULL, created_at TEXT NOT NULL,
        sent_at TEXT, last_error TEXT, CHECK ((statement_id IS NULL) <> (alert_text IS NULL)))""",
    """CREATE UNIQUE INDEX deliveries_unique ON deliveries(statement_id, chat_id, COALESCE(thread_id, 0))
        WHERE statement_id IS NOT NULL""",
    "CREATE INDEX deliveries_due ON deliveries(status, next_try_at)",
    "CREATE INDEX deliveries_chat ON deliveries(chat_id, status)",
]


@migrations()
def m001_initial(db: Database) -> None:
    """Every table (docs/architecture.md, Database tables)."""
    for sql in _SOURCES + _ORGS + _STATEMENTS + _OUTBOX:
        db.execute(sql)


@migrations()
def m002_statements_fts(db: Database) -> None:
    """FTS5 over the normalised title and body; trigram tokens so Arabic proclitics don't hide words."""
    db.table("statements").enable_fts(["title_norm", "body_norm"], create_triggers=True, tokenize="trigram")


_M003 = [
    # signed_by / search: newest first without a sort (the same ORDER BY as list_statements)
    """CREATE INDEX statements_order
        ON statements((published IS NULL), published DESC, first_seen_at DESC, id DESC)""",
    "CREATE INDEX statements_title ON statements(title_norm)",  # clustering by equal normalised title
    "CREATE INDEX statement_sources_url ON statement_sources(url)",  # clustering by canonical URL
    "CREATE INDEX withdrawals_org ON withdrawals(org_id)",
    "CREATE INDEX orgs_merged ON orgs(merged_into)",
    # NULL = from the statement's own page; else the url of the copy (another source) that contributed it
    "ALTER TABLE signatures ADD COLUMN via TEXT",
]


@migrations()
def m003_org_queries(db: Database) -> None:
    """Indexes of the organisation queries and clustering; signatures.via (which copy added a signature)."""
    for sql in _M003:
        db.execute(sql)


@migrations()
def m004_statement_evidence(db: Database) -> None:
    """statements.evidence: the cues that weighed most in the extraction decision (a JSON list of
    "cue:+weight" strings), kept beside its confidence for a later review of doubtful statements."""
    db.execute("ALTER TABLE statements ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'")


# re-index a statement only when its indexed text changes (m002's trigger fired on any column: every
# `announced` or `text_sha` write re-indexed the row; m005's backfill alone took 81 s on 100,000 statements)
_FTS_UPDATE = """CREATE TRIGGER "statements_au" AFTER UPDATE OF "title_norm", "body_norm" ON "statements"
BEGIN
  INSERT INTO "statements_fts" ("statements_fts", rowid, "title_norm", "body_norm")
    VALUES('delete', old.rowid, old."title_norm", old."body_norm");
  INSERT INTO "statements_fts" (rowid, "title_norm", "body_norm")
    VALUES (new.rowid, new."title_norm", new."body_norm");
END"""


@migrations()
def m005_cluster_reasons(db: Database) -> None:
    """items.cluster_reason: why an item was taken as a stored statement (issue 10 item 4);
    statements.text_sha: the page text hash (normalised title and body) that makes one source's item under
    a changed link the same item (item 5), filled in for the statements already stored; the full-text
    update trigger fires only on the indexed columns."""
    db.execute('DROP TRIGGER "statements_au"')
    db.execute(_FTS_UPDATE)
    db.execute("ALTER TABLE items ADD COLUMN cluster_reason TEXT")
    db.execute("CREATE INDEX items_clustered ON items(statement_id) WHERE cluster_reason IS NOT NULL")
    db.execute("ALTER TABLE statements ADD COLUMN text_sha TEXT")
    stored = db.execute("SELECT id, title_norm, body_norm FROM statements").fetchall()
    db.conn.executemany(
        "UPDATE statements SET text_sha = ? WHERE id = ?",
        [(text_sha(title, body), sid) for sid, title, body in stored],
    )
    db.execute("CREATE INDEX statements_text_sha ON statements(text_sha) WHERE text_sha IS NOT NULL")


@migrations()
def m006_chat_subscriber_language(db: Database) -> None:
    """chats.subscriber_language: the Telegram language of the user who subscribed the chat (its first
    subscription); pushes use it until ``/lang`` sets chats.language. Numbered m006: m005 is reserved for
    the storage work of issue 10."""
    db.execute("ALTER TABLE chats ADD COLUMN subscriber_language TEXT")


_M007 = [
    # the interval last configured: a changed one reschedules the next check at the next start
    "ALTER TABLE sources ADD COLUMN interval REAL",
    # 1 = renamed with `bayan orgs rename`: a registry re-seed keeps that name
    "ALTER TABLE orgs ADD COLUMN renamed INTEGER NOT NULL DEFAULT 0",
    # every merge of one organisation into another, with what it moved (JSON), so it can be undone
    """CREATE TABLE org_merges (
        id INTEGER PRIMARY KEY, keep_id INTEGER NOT NULL REFERENCES orgs(id),
        gone_id INTEGER NOT NULL REFERENCES orgs(id), at TEXT NOT NULL, undone_at TEXT,
        moved TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX org_merges_gone ON org_merges(gone_id)",
    "CREATE INDEX org_merges_keep ON org_merges(keep_id)",
]


@migrations()
def m007_registry_fixes(db: Database) -> None:
    """sources.interval (a changed interval takes effect at the next start), orgs.renamed (a rename
    survives the registry re-seed) and org_merges (recorded merges, undone by `bayan orgs unmerge`).
    Numbered m007, leaving m005 and m006 to changes made alongside."""
    for sql in _M007:
        db.execute(sql)


@migrations()
def m009_source_alerts(db: Database) -> None:
    """source_alerts: what the admins were told about each source's failures, so that the alert rule
    (pipeline.admin_alert: started failing, reminders at most daily, recovered) holds across restarts.
    (Numbered m009: m005 and m008 are left to changes made alongside.)"""
    db.execute(
        """CREATE TABLE source_alerts (
            source_id TEXT PRIMARY KEY,
            state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'told', 'quiet')),
            since TEXT, alerted_at TEXT, failures INTEGER NOT NULL DEFAULT 0,
            ok_streak INTEGER NOT NULL DEFAULT 0)"""
    )


_M011 = [
    # 1 = not shown in lists, search, signed, profiles or exports: a candidate not yet accepted, or a
    # statement a reviewer rejected (few rows: the partial index answers "which ids are hidden")
    "ALTER TABLE statements ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX statements_hidden ON statements(id) WHERE hidden = 1",
    # the review queue: one row per statement ever queued (storage.reviews has the rules)
    """CREATE TABLE reviews (
        statement_id INTEGER PRIMARY KEY REFERENCES statements(id),
        reason TEXT NOT NULL CHECK (reason IN ('doubtful', 'candidate')),
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'decided')),
        page_id INTEGER REFERENCES pages(id), page_sha TEXT NOT NULL DEFAULT '',
        held INTEGER NOT NULL DEFAULT 0, hold_until TEXT, push INTEGER NOT NULL DEFAULT 0,
        released_at TEXT, unreviewed INTEGER NOT NULL DEFAULT 0, changed TEXT, proposal TEXT,
        notified INTEGER NOT NULL DEFAULT 0, opened_at TEXT NOT NULL, skipped_at TEXT)""",
    "CREATE INDEX reviews_open ON reviews(state, skipped_at, opened_at)",
    "CREATE INDEX reviews_held ON reviews(hold_until) WHERE held = 1 AND released_at IS NULL",
    # the decisions of people, never overwritten by an extraction: one per statement and page hash
    """CREATE TABLE review_decisions (
        statement_id INTEGER NOT NULL REFERENCES statements(id), page_sha TEXT NOT NULL,
        is_statement INTEGER NOT NULL, kind TEXT, issuer TEXT, signatories TEXT,
        decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, PRIMARY KEY (statement_id, page_sha))""",
]


@migrations()
def m011_reviews(db: Database) -> None:
    """The human review of doubtful extractions (issue 14): statements.hidden, the queue (reviews) and the
    decisions (review_decisions, keyed by statement and page hash). Numbered m011: two above the highest
    migration when it was written (m009), leaving m010 to the storage work done alongside."""
    for sql in _M011:
        db.execute(sql)


# clustering's candidate look-ups, bounded by the ±30-day window (issue 12 item 2): signatures carry their
# statement's day (its date, else the day it was first seen) so that "statements in the window signed by
# org X" is one range of an index, not every statement X ever signed; the same for equal titles
_M013 = [
    "ALTER TABLE signatures ADD COLUMN day TEXT",
    """UPDATE signatures SET day = (SELECT COALESCE(s.published, substr(s.first_seen_at, 1, 10))
         FROM statements s WHERE s.id = signatures.statement_id)""",
    "CREATE INDEX signatures_org_day ON signatures(org_id, day, statement_id)",
    # every writer of signatures sets day (cluster._insert_signature, merges._RESTORE_SIGNATURE): a trigger
    # filling it in would run for every signature row of every poll
    # a statement whose date changes (re-extraction) moves its signatures with it
    """CREATE TRIGGER statements_day AFTER UPDATE OF published, first_seen_at ON statements
       WHEN old.published IS NOT new.published OR old.first_seen_at IS NOT new.first_seen_at BEGIN
         UPDATE signatures SET day = COALESCE(new.published, substr(new.first_seen_at, 1, 10))
         WHERE statement_id = new.id;
       END""",
    """CREATE INDEX statements_title_day
         ON statements(title_norm, COALESCE(published, substr(first_seen_at, 1, 10)))""",
    "DROP INDEX statements_title",
    # FTS5 merges a level's segments when `automerge` of them are there (default 4): every indexed text is
    # written again once per level, log4(statements) times; 16 halves the levels (a new statement costs
    # 1.16x at 10,000 stored what it costs at 100, against 1.55x: bench/history.py)
    "INSERT INTO statements_fts (statements_fts, rank) VALUES ('automerge', 16)",
]


@migrations()
def m013_cluster_days(db: Database) -> None:
    """signatures.day (the day of its statement) with the index (org_id, day) and the index (title_norm,
    day) of statements: clustering's candidates are looked up within the window, whatever the size of
    the history; the full-text index merges 16 segments at a time. (Numbered m013, two above the
    highest when it was written, m011.)"""
    for sql in _M013:
        db.execute(sql)


@migrations()
def m015_meta(db: Database) -> None:
    """meta: one value per key about the database itself; ``registry_sha256`` is the version and SHA-256
    of the registry file last seeded (storage.orgs.seed_registry_if_changed: an unchanged file is not
    seeded again at each start). Numbered m015: two above the highest when it was written (m013)."""
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m017_backfill_state(db: Database) -> None:
    """backfill_state: how far ``bayan backfill`` walked each source's history (its layout, the JSON
    cursor of the next page, done, what it stored, the oldest date reached), so that a second run
    continues where the first stopped (``storage.backfill``)."""
    db.execute(
        """CREATE TABLE backfill_state (
             source_id TEXT PRIMARY KEY, layout TEXT NOT NULL, cursor TEXT,
             done INTEGER NOT NULL DEFAULT 0, pages INTEGER NOT NULL DEFAULT 0,
             items INTEGER NOT NULL DEFAULT 0, statements INTEGER NOT NULL DEFAULT 0, reached TEXT,
             started_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_error TEXT)"""
    )
