"""`bayan signed / org / orgs / search / reextract` through bot.cli.main.main, against a real database file
(built with storage, or by polling loopback sources) — the JSON shapes are a contract."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot import config, orgs, storage
from bot.cli.main import main
from bot.models import Item, ItemRecord, PageRecord, PollWrite, SignatureRecord, Statement, Validators

pytestmark = pytest.mark.integration

NOW = datetime(2026, 1, 26, 10, 0, tzinfo=UTC)
STATEMENT_KEYS = {
    "id", "title", "url", "source", "published", "kind", "issuer", "signatories", "individuals", "urls",
    "sources", "language", "lead", "first_seen", "announced", "confidence", "evidence", "cluster_reason",
    "review",
}  # fmt: skip
ORG_KEYS = {"id", "slug", "name", "name_en", "acronyms", "aliases", "website", "provisional"}

AR_PAGE = """<html><head><meta property="article:published_time" content="2026-01-11T10:00:00+00:00"></head>
<body><article><h1>بيان مشترك حول حماية المدنيين في الشمال السوري</h1>
<p>تطالب المنظمات الموقعة أدناه بحماية المدنيين ووقف الانتهاكات فوراً.</p>
<p>المنظمات الموقعة:</p><ul><li>سوريون من أجل الحقيقة والعدالة</li><li>الشبكة السورية لحقوق الإنسان</li>
<li>الأرشيف السوري</li><li>بيتنا</li><li>اليوم التالي</li><li>منظمة مجهولة للتنمية</li></ul>
</article></body></html>"""
EN_PAGE = """<html><head><meta property="article:published_time" content="2026-01-12T10:00:00+00:00"></head>
<body><article><h1>Joint Statement: Protect Civilians in Northern Syria</h1>
<p>The undersigned organisations call for the protection of civilians and an immediate end to violations.</p>
<p>Signatories:</p><ul><li>Syrians for Truth and Justice (STJ)</li><li>Syrian Network for Human Rights</li>
<li>Syrian Archive</li><li>Baytna</li><li>The Day After</li><li>An unknown development group</li></ul>
</article></body></html>"""
FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item></channel></rss>"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _record(key: str, title: str, names: list[str], index: orgs.OrgIndex, **kw: object) -> ItemRecord:
    url = f"https://example.org/{key}"
    sigs = tuple(
        SignatureRecord(
            n,
            i,
            org_id=orgs.resolve(n, index).org_id,
            role="issuer" if n == kw.get("issuer") else "signatory",
        )
        for i, n in enumerate(names)
    )
    st = Statement(is_statement=True, title=title, language="ar", signatories=tuple(names), body=title,
                   **{"kind": "joint", "published": date(2026, 1, 20), **kw})  # type: ignore[arg-type]  # fmt: skip
    page = PageRecord(url, AR_PAGE.encode(), "sha", "text/html; charset=utf-8")
    item = Item(key=key, url=url, title=title, published=st.published)
    return ItemRecord(item, page, st, sigs, orgs.normalize(title), orgs.normalize(title))


@pytest.fixture
def db_file(tmp_path: Path) -> dict[str, object]:
    """A database with three statements: one whose stored page lists one more signatory than was stored."""
    path = str(tmp_path / "bayan.db")
    db = storage.open_db(path)
    storage.seed_registry(db, config.read_registry())
    index = orgs.OrgIndex(storage.org_index_entries(db))
    aso = "مركز آسو للاستشارات والدراسات الاستراتيجية"
    records = (
        _record("s1", "بيان مشترك حول حماية المدنيين في الشمال السوري",
                ["سوريون من أجل الحقيقة والعدالة", "الشبكة السورية لحقوق الإنسان"], index),
        _record("s2", "Statement on detainees and the disappeared", ["Syrians for Truth and Justice",
                "Synergy for Justice", "Provisional Friends Org"], index, published=date(2026, 1, 22)),
        _record("s3", "بيان انسحاب من منصة مدنية", [aso], index, kind="withdrawal", issuer=aso,
                withdrawn_from="منصة مدنية", published=date(2026, 1, 24)),
    )  # fmt: skip
    write = PollWrite("src", NOW, NOW + timedelta(hours=1), Validators(), records=records)
    ids = storage.save_poll(db, write)
    db.close()
    return {"db": path, "ids": ids, "cfg": str(tmp_path / "no-feeds.yaml")}


def args(db_file: dict[str, object], *argv: str) -> list[str]:
    return [*argv, "--db", str(db_file["db"]), "--config", str(db_file["cfg"])]


# ───────────────────────────── signed ─────────────────────────────


@pytest.mark.parametrize(
    "name", ["STJ", "stj", "Syrians for Truth & Justice", "سوريون من اجل الحقيقه و العداله"]
)
def test_signed_json_by_any_spelling(
    db_file: dict[str, object], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    s1, s2, _ = db_file["ids"]  # type: ignore[misc]
    code, out, _ = run(capsys, *args(db_file, "signed", name, "--json"))
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"organisation", "statements"}
    assert set(data["organisation"]) == ORG_KEYS and data["organisation"]["slug"] == "stj"
    assert [s["id"] for s in data["statements"]] == [s2, s1]  # newest first
    assert all(set(s) == STATEMENT_KEYS for s in data["statements"])
    code, out, _ = run(capsys, *args(db_file, "signed", name, "--json", "--limit", "1"))
    assert [s["id"] for s in json.loads(out)["statements"]] == [s2]


def test_signed_all_and_text_output(db_file: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    s1, _, _ = db_file["ids"]  # type: ignore[misc]
    code, out, _ = run(capsys, *args(db_file, "signed", "STJ", "--all", "SNHR", "--json"))
    data = json.loads(out)
    assert code == 0 and [s["id"] for s in data["statements"]] == [s1]
    assert [o["slug"] for o in data["organisations"]] == ["stj", "snhr"]
    code, out, _ = run(capsys, *args(db_file, "signed", "Syrian Network for Human Rights"))
    assert code == 0 and ": 1 statement\n" in out and "بيان مشترك حول حماية المدنيين" in out


def test_signed_ambiguous_and_unknown_names_exit_1(
    db_file: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *args(db_file, "signed", "Synergy", "--json"))
    data = json.loads(out)
    assert code == 1 and data["error"] == "ambiguous"
    assert {"synergy-hevdesti", "synergy-for-justice"} <= {c["slug"] for c in data["candidates"]}
    assert all(set(c) == ORG_KEYS | {"score"} for c in data["candidates"])
    code, out, err = run(capsys, *args(db_file, "signed", "Synergy"))
    assert code == 1 and out == "" and "ambiguous" in err and "synergy-for-justice" in err
    code, out, _ = run(capsys, *args(db_file, "signed", "Qwxz Zzyzx Vvq", "--json"))
    assert code == 1 and json.loads(out)["error"] == "unknown"
    code, out, err = run(capsys, *args(db_file, "signed", "Qwxz Zzyzx Vvq"))
    assert code == 1 and "unknown organisation 'Qwxz Zzyzx Vvq'" in err
    code, _, err = run(capsys, *args(db_file, "signed", "STJ", "--all", "Qwxz Zzyzx Vvq"))
    assert code == 1 and "unknown" in err
    code, _, err = run(capsys, *args(db_file, "signed", "STJ", "--limit", "0"))
    assert code == 2 and err.count("\n") == 1


# ───────────────────────────── org / orgs ─────────────────────────────


def test_org_profile_json_and_text(db_file: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *args(db_file, "org", "ASO", "--json"))
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"organisation", "count", "first", "last", "kinds", "co_signers", "withdrawals"}
    assert data["organisation"]["slug"] == "aso-center" and data["count"] == 1
    assert data["kinds"] == {"withdrawal": 1} and data["first"] == data["last"] == "2026-01-24"
    assert data["withdrawals"] == [
        {"title": "بيان انسحاب من منصة مدنية", "from": "منصة مدنية", "date": "2026-01-24"}
    ]
    code, out, _ = run(capsys, *args(db_file, "org", "STJ", "--json"))
    data = json.loads(out)
    assert data["count"] == 2 and {"name": "الشبكة السورية لحقوق الإنسان", "count": 1} in data["co_signers"]
    code, out, _ = run(capsys, *args(db_file, "org", "سوريون من أجل الحقيقة والعدالة"))
    assert code == 0 and "statements: 2 (2026-01-20 … 2026-01-22)" in out and "co-signers:" in out
    code, _, err = run(capsys, *args(db_file, "org", "Synergy"))
    assert code == 1 and "ambiguous" in err


def test_orgs_list_alias_and_merge(db_file: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *args(db_file, "orgs", "list", "--provisional", "--json"))
    provisional = json.loads(out)
    assert code == 0 and [o["name"] for o in provisional] == ["Provisional Friends Org"]
    assert set(provisional[0]) == ORG_KEYS | {"statements"} and provisional[0]["statements"] == 1
    code, out, _ = run(capsys, *args(db_file, "orgs", "alias", "snhr", "Provisional Friends Org"))
    assert code == 0 and "merged 1 provisional" in out
    code, out, _ = run(capsys, *args(db_file, "signed", "Provisional Friends Org", "--json"))
    assert json.loads(out)["organisation"]["slug"] == "snhr"
    code, out, _ = run(capsys, *args(db_file, "orgs", "list", "--provisional", "--json"))
    assert json.loads(out) == []
    code, out, _ = run(capsys, *args(db_file, "orgs", "merge", "STJ", "Synergy for Justice"))
    assert code == 0 and out.startswith("merged ")
    code, out, _ = run(capsys, *args(db_file, "org", "STJ", "--json"))
    assert json.loads(out)["count"] == 2  # both statements, counted once
    code, _, err = run(capsys, *args(db_file, "orgs", "merge", "STJ", "STJ"))
    assert code == 2 and "itself" in err
    code, out, _ = run(capsys, *args(db_file, "orgs", "list"))
    assert code == 0 and "[stj]" in out and "synergy-for-justice" not in out
    code, _, err = run(capsys, *args(db_file, "orgs", "alias", "STJ", "الشبكة السورية لحقوق الإنسان"))
    assert code == 2 and "already a name of organisation" in err


# ───────────────────────────── search ─────────────────────────────


def test_search_json_and_errors(db_file: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    s1, s2, s3 = db_file["ids"]  # type: ignore[misc]
    code, out, _ = run(capsys, *args(db_file, "search", "المدنيين", "--json"))
    assert code == 0 and [s["id"] for s in json.loads(out)] == [s1]
    assert all(set(s) == STATEMENT_KEYS for s in json.loads(out))
    code, out, _ = run(capsys, *args(db_file, "search", "مدنيه", "--json"))  # ة/ه folded, inside مدنية
    assert [s["id"] for s in json.loads(out)] == [s3]
    code, out, _ = run(capsys, *args(db_file, "search", 'detainees AND "(NEAR*', "--json"))
    assert code == 0 and json.loads(out) == []  # "near" is a word here, and no statement has it
    code, out, _ = run(capsys, *args(db_file, "search", "DETAINEES"))
    assert code == 0 and out.startswith("1 statement matches") and str(s2) in out
    code, out, err = run(capsys, *args(db_file, "search", "ab"))
    assert code == 2 and err == "bayan: query too short: at least 3 characters\n"


# ───────────────────────────── reextract ─────────────────────────────


def test_reextract_reports_changes_then_nothing(
    db_file: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    s1, _, _ = db_file["ids"]  # type: ignore[misc]
    code, out, _ = run(capsys, *args(db_file, "reextract", str(s1), "--json"))
    [report] = json.loads(out)
    assert code == 0 and report["id"] == s1
    assert report["added"] == ["الأرشيف السوري", "بيتنا", "اليوم التالي", "منظمة مجهولة للتنمية"]
    assert report["removed"] == [] and "lead" in report["changed"]
    code, out, _ = run(capsys, *args(db_file, "reextract", str(s1)))
    assert code == 0 and out == f"{s1}: unchanged\n"
    code, out, _ = run(capsys, *args(db_file, "statements", "--json"))
    stored = {s["id"]: s for s in json.loads(out)}
    assert len(stored[s1]["signatories"]) == 6 and stored[s1]["announced"] is True
    code, out, err = run(capsys, *args(db_file, "reextract", str(s1), "999"))
    assert code == 1 and out == f"{s1}: unchanged\n" and "statement 999" in err


def test_reextract_all_lines(db_file: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *args(db_file, "reextract"))
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert all(line.split(":")[0].isdigit() for line in lines)
    # Arabic names isolated (issue 11 item 14), Latin ones as written
    assert "+\u2068الأرشيف السوري\u2069" in lines[0] and "−Provisional Friends Org" in lines[1]


# ───────────────────────────── polled end to end ─────────────────────────────


def test_polled_arabic_and_english_copies_answer_signed_once(
    httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = httpserver.url_for("").rstrip("/")
    for lang, page, title in (("ar", AR_PAGE, "بيان مشترك"), ("en", EN_PAGE, "Joint statement")):
        feed = FEED.format(title=title, link=f"{base}/{lang}/1", guid=f"{lang}1")
        httpserver.expect_request(f"/{lang}.xml").respond_with_data(feed, content_type="application/rss+xml")
        httpserver.expect_request(f"/{lang}/1").respond_with_data(
            page, content_type="text/html; charset=utf-8"
        )
    cfg = tmp_path / "feeds.yaml"
    entries = [
        f"  - id: site-{lang}\n    url: {base}/{lang}.xml\n    language: {lang}\n"
        "    announce_first_poll: true\n"
        for lang in ("ar", "en")
    ]
    cfg.write_text("sources:\n" + "".join(entries), encoding="utf-8")
    db = str(tmp_path / "bayan.db")
    assert main(["poll", "--once", "--config", str(cfg), "--db", db]) == 0
    capsys.readouterr()
    for name in ("STJ", "Syrian Archive", "الأرشيف السوري"):
        code, out, _ = run(capsys, "signed", name, "--json", "--db", db, "--config", str(cfg))
        statements = json.loads(out)["statements"]
        assert code == 0 and len(statements) == 1, name
        assert sorted(statements[0]["sources"]) == ["site-ar", "site-en"]
