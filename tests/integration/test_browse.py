"""`bayan browse` in Datasette (issue 13 item 2), through Datasette's own test client on an invented
history stored with Bayan's storage API (tests/browse_data.py): every canned query answers with rows,
any name of an organisation finds it, the facets are there, the metadata describes the tables in English
and Arabic, and nothing can be written through Datasette."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import browse
from bot.cli.main import main
from tests import browse_data

IJL_STATEMENTS = [5, 2, 1]  # newest first: the open letter, the appeal, the first joint statement


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "bayan.db"
    browse_data.build(str(path))
    return path


@pytest.fixture
async def ds(db_path: Path) -> Any:
    instance = browse.build(str(db_path))
    yield instance
    instance.get_database(browse.DB_NAME).close()


async def rows(ds: Any, path: str) -> list[dict[str, Any]]:
    sep = "&" if "?" in path else "?"
    r = await ds.client.get(f"/{browse.DB_NAME}/{path}{sep}_shape=array")
    assert r.status_code == 200, r.text
    found = r.json()
    assert isinstance(found, list)
    return found


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("signed_by", "?name=IJL"),
        ("co_signers", "?name=IJL"),
        ("statements_per_month", ""),
        ("withdrawals", ""),
        ("signature_changes", ""),
    ],
)
async def test_every_canned_query_returns_rows(ds: Any, query: str, args: str) -> None:
    assert await rows(ds, f"{query}.json{args}")


@pytest.mark.parametrize(
    "name",
    ["IJL", "ijl", "Independent Jurists League", "رابطة الحقوقيين المستقلين", "رابطه الحقوقيين المستقلين"],
)
async def test_signed_by_finds_an_organisation_by_any_of_its_names(ds: Any, name: str) -> None:
    found = await rows(ds, f"signed_by.json?name={name}")
    assert [r["statement_id"] for r in found] == IJL_STATEMENTS
    assert {r["organisation_en"] for r in found} == {"Independent Jurists League"}
    assert found[-1]["role"] == "issuer" and found[-1]["day"] == "2025-11-03"
    assert await rows(ds, "signed_by.json?name=Nobody at all") == []


async def test_co_signers_are_counted(ds: Any) -> None:
    found = await rows(ds, "co_signers.json?name=CWN")
    together = {r["co_signer_en"]: r["statements_together"] for r in found}
    # the first statement's list lost CMC when read again (signature_changes); YDF joined it
    assert together == {
        "Independent Jurists League": 2,
        "Clean Water Coalition": 1,
        "Youth Dialogue Forum": 1,
    }
    assert found[0]["co_signer_en"] == "Independent Jurists League"


async def test_statements_per_month(ds: Any) -> None:
    found = await rows(ds, "statements_per_month.json")
    assert [(r["month"], r["statements"]) for r in found] == [
        ("2026-02", 2),
        ("2026-01", 1),
        ("2025-12", 1),
        ("2025-11", 1),
    ]
    assert found[0]["withdrawal"] == 1 and found[0]["open_letter"] == 1


async def test_withdrawals_say_what_was_left(ds: Any) -> None:
    (row,) = await rows(ds, "withdrawals.json")
    assert row["organisation_en"] == "Youth Dialogue Forum"
    assert row["left_what_en"] == "Clean Water Coalition" and row["left_as_written"] == "تحالف المياه النظيفة"


async def test_signature_changes_after_publication(ds: Any) -> None:
    found = await rows(ds, "signature_changes.json")
    changes = {(r["change"], r["name_as_written"]) for r in found}
    assert changes == {
        ("added", "منتدى الشباب للحوار"),
        ("removed", "مركز الذاكرة المدنية"),
        ("removed", browse_data.PROVISIONAL),
    }
    assert {r["statement_id"] for r in found} == {1}
    assert {r["days_after_first_seen"] for r in found} == {3.0}


async def test_statements_have_the_facets(ds: Any) -> None:
    r = await ds.client.get(f"/{browse.DB_NAME}/statements.json")
    facets = r.json()["facet_results"]
    assert set(facets) >= {"kind", "source_id", "language", "published"}
    counts = {f: {v["value"]: v["count"] for v in facets[f]["results"]} for f in facets}
    assert counts["kind"] == {"joint": 2, "single": 1, "withdrawal": 1, "open_letter": 1}
    assert counts["language"] == {"ar": 3, "en": 2}
    assert counts["source_id"] == {"ijl-ar": 2, "cwn-en": 2, "news-ar": 1}
    assert facets["published"]["type"] == "year" and counts["published"] == {"2026": 3, "2025": 2}
    chosen = await ds.client.get(f"/{browse.DB_NAME}/statements.json?published__startswith=2025&_shape=array")
    assert sorted(s["id"] for s in chosen.json()) == [1, 2]


async def test_metadata_describes_tables_in_english_and_arabic(ds: Any) -> None:
    meta = (await ds.client.get("/-/metadata.json")).json()
    tables = meta["databases"][browse.DB_NAME]["tables"]
    assert tables["statements"]["title"] == "Statements · البيانات"
    assert "الاسم" in tables["org_names"]["columns"]["name"]
    assert tables["chats"] == {"hidden": True}
    page = await ds.client.get(f"/{browse.DB_NAME}/signatures")
    assert page.status_code == 200
    assert "Signatures · التواقيع" in page.text and "the name as the statement wrote it" in page.text
    index = await ds.client.get(f"/{browse.DB_NAME}")
    assert "Statements per month · البيانات في كل شهر" in index.text
    assert ">chats<" not in index.text  # the bot's own tables are not listed


async def test_nothing_is_written_through_datasette(ds: Any, db_path: Path) -> None:
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    database = ds.get_database(browse.DB_NAME)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await database.execute_write("INSERT INTO meta (key, value) VALUES ('x', 'y')")
    sql = "DELETE FROM statements"
    r = await ds.client.get(f"/{browse.DB_NAME}.json", params={"sql": sql})
    assert r.status_code == 400
    assert (await ds.client.get(f"/{browse.DB_NAME}.json?sql=select count(*) n from statements")).json()[
        "rows"
    ] == [[5]]
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before


def test_browse_without_a_database_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.db"
    assert main(["browse", "--db", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"bayan: no database at {missing}; run `bayan poll --once` or set BAYAN_DB"
    assert not missing.exists()


def test_browse_without_the_extra_says_how_to_install(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot

    monkeypatch.setitem(sys.modules, "datasette", None)  # `import datasette` raises ImportError
    monkeypatch.delitem(sys.modules, "bot.browse")  # imported again, as in a process without the extra
    monkeypatch.delattr(bot, "browse")
    assert main(["browse", "--db", str(db_path), "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "bayan: bayan browse needs Datasette: pip install 'bayan[browse]'"
