"""The commands users reach for (issue 11, item 15), through main(argv) against a database filled by
polling loopback sources: `bayan statement ID`, registry fixes that can be previewed and undone
(`orgs add / rename / merge --dry-run / unmerge`), their YAML export surviving a database reset, and
individual signatories in `bayan export`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.cli.main import main

pytestmark = pytest.mark.integration

TITLE = "بيان مشترك حول حماية المدنيين"
KITE = "جمعية الطائرة الورقية للتنمية"  # an invented name: a provisional organisation after the poll
PAGE = f"""<html><head><meta property="article:published_time" content="2026-01-11T10:00:00+00:00"></head>
<body><article><h1>{TITLE}</h1>
<p>تطالب المنظمات والشخصيات الموقعة أدناه بحماية المدنيين ووقف الانتهاكات فوراً.</p>
<p>المنظمات الموقعة:</p><ul><li>سوريون من أجل الحقيقة والعدالة</li><li>الشبكة السورية لحقوق الإنسان</li>
<li>{KITE}</li></ul>
<p>الأفراد الموقعون:</p><ul><li>سلمى الراوي</li><li>كريم الحداد</li></ul>
</article></body></html>"""
FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item></channel></rss>"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def polled(httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """--config/--db of a database after one poll of two sources carrying the same statement page."""
    for name in ("a", "b"):  # src-b carries a copy of the page under its own address
        link = httpserver.url_for(f"/{name}/1")
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            FEED.format(title=TITLE, link=link, guid=f"{name}1"), content_type="application/rss+xml"
        )
        httpserver.expect_request(f"/{name}/1").respond_with_data(
            PAGE, content_type="text/html; charset=utf-8"
        )
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(
        "sources:\n"
        + "".join(f"  - id: src-{n}\n    url: {httpserver.url_for(f'/{n}.xml')}\n" for n in ("a", "b")),
        encoding="utf-8",
    )
    argv = ["--config", str(cfg), "--db", str(tmp_path / "bayan.db")]
    for source in ("src-a", "src-b"):  # one after the other: the second finds the statement stored
        assert main(["poll", "--once", "--source", source, *argv]) == 0
    capsys.readouterr()
    return argv


def test_statement_shows_every_signatory_and_every_source(
    polled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "statement", "1", "--json", *polled)
    assert code == 0
    data = json.loads(out)
    assert (
        data["id"] == 1 and data["title"] == TITLE and data["individuals"] == ["سلمى الراوي", "كريم الحداد"]
    )
    sigs = data["signatures"]
    assert [s["name_as_written"] for s in sigs] == [
        "سوريون من أجل الحقيقة والعدالة",
        "الشبكة السورية لحقوق الإنسان",
        KITE,
    ]
    assert [s["org"]["slug"] for s in sigs[:2]] == ["stj", "snhr"]
    assert sigs[2]["org"]["provisional"] is True
    assert {c["source"] for c in data["copies"]} == {"src-a", "src-b"}
    code, out, _ = run(capsys, "statement", "1", *polled)
    assert code == 0
    assert "signatories: 3" in out and "[stj]" in out and "[provisional]" in out
    assert "individuals: 2" in out and "sources: 2" in out and "src-b" in out
    code, out, err = run(capsys, "statement", "99", *polled)
    assert code == 1 and out == "" and err == "bayan: no statement with id 99 (see `bayan statements`)\n"


def test_export_includes_individual_signatories(
    polled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", "--format", "json", *polled)
    assert code == 0
    rows = json.loads(out)
    people = [r for r in rows if r["role"] == "individual"]
    assert [r["name_as_written"] for r in people] == ["سلمى الراوي", "كريم الحداد"]
    assert all(r["org_id"] is None and r["statement_id"] == 1 for r in people)
    assert len(rows) == 5 and [r["role"] for r in rows[:3]] == ["signatory"] * 3
