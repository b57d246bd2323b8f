"""The metadata of `bayan browse` follows the schema (storage.browse_tables): every table the migrations
create is described (or hidden), with a line for each of its columns and none for a column that is not
there, a title and column labels in English and Arabic, and facets and labels naming real columns."""

from __future__ import annotations

import re

from bot import storage
from bot.storage import browse
from bot.storage.browse_tables import FACETS, HIDDEN, LABELS, SORT_DESC, TABLES

ARABIC = re.compile(r"[\u0600-\u06ff]")


def schema_columns() -> dict[str, list[str]]:
    db = storage.open_db(":memory:")
    try:
        names = db.table_names()
        shadow = {t for t in names if t.startswith("statements_fts")}
        skip = {"_sqlite_migrations", *shadow}
        return {t: list(db.table(t).columns_dict) for t in names if t not in skip}
    finally:
        db.close()


def test_every_table_and_column_is_described() -> None:
    columns = schema_columns()
    assert set(columns) == set(TABLES) | set(HIDDEN)
    for table, (title, description, described) in TABLES.items():
        assert list(described) == columns[table], table
        unlabelled = [c for c, text in described.items() if " · " not in text or not ARABIC.search(text)]
        assert unlabelled == [], f"{table}: no Arabic label for {unlabelled}"
        assert " · " in title and ARABIC.search(title), title
        assert description.strip()


def test_facets_labels_and_sorts_name_real_columns() -> None:
    columns = schema_columns()
    for table, facets in FACETS.items():
        for facet in facets:
            column = facet if isinstance(facet, str) else next(iter(facet.values()))
            assert column in columns[table], (table, facet)
    for table, column in {**LABELS, **SORT_DESC}.items():
        assert column in columns[table], (table, column)


def test_metadata_has_the_canned_queries_with_titles_in_both_languages() -> None:
    meta = browse.metadata("bayan")["databases"]["bayan"]
    assert set(meta["queries"]) == {
        "signed_by",
        "co_signers",
        "statements_per_month",
        "withdrawals",
        "signature_changes",
    }
    for query in meta["queries"].values():
        assert ARABIC.search(query["title"]) and query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    assert meta["tables"]["statements"]["facets"] == ["kind", "source_id", "language", {"year": "published"}]
