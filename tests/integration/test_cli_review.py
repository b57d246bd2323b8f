"""`bayan review` through main(argv): a loopback site polled into a real database file with every statement
doubtful (threshold 1.0), then the queue listed, decided (who and when recorded), a held statement pushed
exactly once after acceptance, a rejected one gone from search and signed, reextract keeping the decision,
and the reviewed pages exported in the schema of ../shared/corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot import storage
from bot.cli.main import main
from bot.models import utcnow

pytestmark = pytest.mark.integration

PAGES = {
    "/s/1": """<html><head><title>بيان</title></head><body><article><h1>بيان حول المعتقلين في السجون</h1>
<p>تطالب رابطة المحامين المتخيلة بالإفراج الفوري عن جميع المعتقلين وتمكين عائلاتهم من زيارتهم.</p>
<p>رابطة المحامين المتخيلة</p></article></body></html>""",
    "/s/2": """<html><head><title>بيان</title></head><body><article><h1>بيان مشترك حول حماية المدنيين</h1>
<p>تطالب المنظمات الموقعة أدناه بحماية المدنيين ووقف الانتهاكات فوراً في الشمال.</p>
<p>المنظمات الموقعة:</p><ul><li>جمعية المعلمين المتخيلة</li><li>منتدى الأطباء المتخيل</li></ul>
</article></body></html>""",
}
FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>بيان حول المعتقلين في السجون</title><link>{base}/s/1</link><guid>s1</guid></item>
<item><title>بيان مشترك حول حماية المدنيين</title><link>{base}/s/2</link><guid>s2</guid></item>
</channel></rss>"""
SCHEMA_KEYS = {
    "id", "source_url", "origin", "language", "is_statement", "kind", "title", "published", "issuer",
    "signatories", "individuals", "notes",
}  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def polled(httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED.format(base=base), content_type="application/rss+xml"
    )
    for path, page in PAGES.items():
        httpserver.expect_request(path).respond_with_data(page, content_type="text/html; charset=utf-8")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        "defaults:\n  review: {threshold: 1.0, hold: true, hold_max: 6h}\n"
        f"sources:\n  - id: site\n    url: {base}/feed.xml\n    language: ar\n"
        "    announce_first_poll: true\n",
        encoding="utf-8",
    )
    db_path = str(tmp_path / "bayan.db")
    db = storage.open_db(db_path)
    storage.add_subscription(db, 777, None, "all", None, now=utcnow())
    db.close()
    code, _, err = run(capsys, "poll", "--once", "--config", str(config), "--db", db_path)
    assert code == 0, err
    return db_path, str(config)


def deliveries(db_path: str) -> list[tuple[int, str]]:
    db = storage.open_db(db_path)
    try:
        return [(int(r[0]), str(r[1])) for r in db.execute("SELECT statement_id, status FROM deliveries")]
    finally:
        db.close()


def test_review_list_decide_push_once_reject_and_reextract(
    polled: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db_path, config = polled
    code, out, _ = run(capsys, "review", "--json", "--db", db_path)
    queue = json.loads(out)
    assert code == 0 and len(queue) == 2
    assert all(i["held"] and i["state"] == "open" and i["reason"] == "doubtful" for i in queue)
    assert all(i["evidence"] and 0 < i["confidence"] < 1 for i in queue)
    assert deliveries(db_path) == []  # held: nothing pushed before a review
    single, joint = sorted(queue, key=lambda i: len(i["signatories"]))
    code, text, _ = run(capsys, "review", "--db", db_path)
    assert code == 0 and f"{single['id']} · statement (" in text and "held until" in text

    names = tmp_path / "names.txt"
    names.write_text("جمعية المعلمين المتخيلة\n\nمنتدى الأطباء المتخيل\nرابطة المحامين المتخيلة\n", "utf-8")
    argv = ["review", str(joint["id"]), "--statement", "yes", "--kind", "joint", "--signatories", str(names)]
    code, out, err = run(capsys, *argv, "--json", "--db", db_path)
    decided = json.loads(out)
    assert code == 0, err
    assert decided["announced_now"] is True and decided["state"] == "decided"
    assert decided["decision"]["by"].startswith("cli:") and decided["decision"]["at"]
    assert decided["signatories"] == [
        "جمعية المعلمين المتخيلة",
        "منتدى الأطباء المتخيل",
        "رابطة المحامين المتخيلة",
    ]
    assert deliveries(db_path) == [(joint["id"], "pending")]
    code, out, _ = run(capsys, "review", str(joint["id"]), "--statement", "yes", "--db", db_path)
    assert code == 0 and deliveries(db_path) == [(joint["id"], "pending")]  # exactly once

    code, out, _ = run(capsys, "review", str(single["id"]), "--statement", "no", "--db", db_path)
    assert code == 0 and "rejected" in out
    code, out, _ = run(capsys, "search", "المعتقلين", "--json", "--db", db_path)
    assert json.loads(out) == []
    code, out, _ = run(capsys, "signed", "رابطة المحامين المتخيلة", "--json", "--db", db_path)
    assert [s["id"] for s in json.loads(out)["statements"]] == [joint["id"]]
    assert deliveries(db_path) == [(joint["id"], "pending")]

    code, out, _ = run(capsys, "reextract", "--json", "--config", config, "--db", db_path)
    assert code == 0
    code, out, _ = run(capsys, "statements", "--json", "--db", db_path)
    (kept,) = json.loads(out)
    assert kept["id"] == joint["id"] and kept["kind"] == "joint" and kept["review"] == "accepted"
    assert kept["signatories"] == decided["signatories"]
    assert run(capsys, "review", "--json", "--db", db_path)[1].strip() == "[]"


def test_review_errors_are_one_line(polled: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    db_path, _ = polled
    code, _, err = run(capsys, "review", "999", "--statement", "yes", "--db", db_path)
    assert code == 1 and err.strip() == "bayan: statement 999 is not in the review queue (see `bayan review`)"
    (first, *_) = json.loads(run(capsys, "review", "--json", "--db", db_path)[1])
    code, _, err = run(capsys, "review", str(first["id"]), "--db", db_path)
    assert code == 2 and err.strip() == "bayan: say --statement yes or --statement no"
    argv = ["review", str(first["id"]), "--statement", "yes", "--signatories", "/nonexistent/x"]
    code, _, err = run(capsys, *argv, "--db", db_path)
    assert code == 2 and err.startswith("bayan: cannot read the signatories file /nonexistent/x")
    code, _, err = run(capsys, "review", "export", "--db", db_path)
    assert code == 2 and "--out DIR" in err


def test_review_export_writes_the_corpus_schema(
    polled: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db_path, _ = polled
    first, second = json.loads(run(capsys, "review", "--json", "--db", db_path)[1])
    run(capsys, "review", str(first["id"]), "--statement", "yes", "--db", db_path)
    run(capsys, "review", str(second["id"]), "--statement", "no", "--db", db_path)
    out_dir = tmp_path / "reviewed"
    code, out, err = run(
        capsys, "review", "export", "--format", "corpus", "--out", str(out_dir), "--db", db_path
    )
    assert code == 0, err
    assert out.startswith("2 reviewed pages written to ")
    cases = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(out_dir.glob("*.json"))}
    assert len(cases) == 2 and all(set(c) == SCHEMA_KEYS for c in cases.values())
    yes = cases[f"V{first['id']:05d}"]
    no = cases[f"V{second['id']:05d}"]
    assert yes["is_statement"] is True and yes["signatories"] == first["signatories"]
    assert no["is_statement"] is False and no["signatories"] == [] and no["kind"] is None
    assert (out_dir / f"V{first['id']:05d}.html").read_text("utf-8").startswith("<html>")
    repo = Path(__file__).resolve().parents[2] / "reviewed-export"
    code, _, err = run(capsys, "review", "export", "--out", str(repo), "--db", db_path)
    assert code == 2 and "inside a git repository" in err and not repo.exists()
