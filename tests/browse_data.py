"""A small invented history for `bayan browse` (tests/integration/test_browse.py and the screenshot in
docs/browse.png), stored through Bayan's own storage API: five organisations (made-up names, Arabic and
English, acronyms), three sources, five statements of every kind, a withdrawal, a provisional signatory
and a signature list that changes when a second source carries the same page.

    python -m tests.browse_data /tmp/browse.db     # write it to a file

docs/browse.png and docs/browse-statements.png are this database in Chromium (Debian's `chromium`, fonts
from `fonts-noto-core`): `bayan browse --db /tmp/browse.db --port 8766`, then `chromium --headless
--no-sandbox --hide-scrollbars --window-size=1280,760 --screenshot=docs/browse.png
"http://127.0.0.1:8766/bayan/signed_by?name=رابطه الحقوقيين المستقلين"` (1280x1900 for
`/bayan/statements?_col=title&_col=published&_col=language&_col=kind&_col=source_id`).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta

from bot import storage
from bot.models import (
    Item,
    ItemRecord,
    PageRecord,
    PollWrite,
    SignatureRecord,
    Source,
    Statement,
    Validators,
)
from bot.names import normalize_text

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

ORGS = {  # key: (Arabic name, English name, acronym)
    "ijl": ("رابطة الحقوقيين المستقلين", "Independent Jurists League", "IJL"),
    "cwn": ("شبكة نساء الساحل", "Coastal Women Network", "CWN"),
    "cmc": ("مركز الذاكرة المدنية", "Civic Memory Center", "CMC"),
    "ydf": ("منتدى الشباب للحوار", "Youth Dialogue Forum", "YDF"),
    "cwc": ("تحالف المياه النظيفة", "Clean Water Coalition", "CWC"),
}
PROVISIONAL = "جمعية الأمل الصغيرة"

SOURCES = [
    Source(id="ijl-ar", url="https://ijl.example.org/feed", name="رابطة الحقوقيين المستقلين", language="ar"),
    Source(id="cwn-en", url="https://cwn.example.org/feed", name="Coastal Women Network", language="en"),
    Source(id="news-ar", url="https://news.example.org/statements", type="page", language="ar"),
]

# (key, source, day, kind, language, title, signatories (issuer first when given), issuer, withdrawn from)
STATEMENTS = [
    (
        "s1",
        "ijl-ar",
        date(2025, 11, 3),
        "joint",
        "ar",
        "بيان مشترك حول حماية المدنيين في الساحل",
        ["ijl", "cwn", "cmc", PROVISIONAL],
        "ijl",
        None,
    ),
    (
        "s2",
        "ijl-ar",
        date(2025, 12, 10),
        "joint",
        "ar",
        "نداء مشترك من أجل الإفراج عن المعتقلين",
        ["ijl", "cmc", "ydf"],
        None,
        None,
    ),
    (
        "s3",
        "cwn-en",
        date(2026, 1, 15),
        "single",
        "en",
        "Statement on access to clean water",
        ["cwc"],
        "cwc",
        None,
    ),
    (
        "s4",
        "news-ar",
        date(2026, 2, 2),
        "withdrawal",
        "ar",
        "بيان انسحاب منتدى الشباب للحوار من تحالف المياه النظيفة",
        ["ydf"],
        "ydf",
        "تحالف المياه النظيفة",
    ),
    (
        "s5",
        "cwn-en",
        date(2026, 2, 20),
        "open_letter",
        "en",
        "Open letter to the special envoy",
        ["cwn", "ijl", "cwc"],
        None,
        None,
    ),
]


def build(path: str) -> None:
    """Create the database at ``path`` with the history above."""
    db = storage.open_db(path)
    try:
        storage.sync_sources(db, SOURCES)
        ids = {}
        for key, (ar, en, acronym) in ORGS.items():
            ids[key] = storage.add_org(db, ar, name_en=en, acronyms=(acronym,), now=NOW).id
        for n, (key, source, day, kind, lang, title, signers, issuer, left) in enumerate(STATEMENTS):
            sigs = _signatures(signers, ids, issuer)
            st = _statement(kind, lang, title, day, signers, issuer, left)
            storage.save_poll(db, _write(source, NOW + timedelta(hours=n), _record(key, st, sigs)))
        # the same page on another source, its list changed: CMC and the provisional name gone, YDF added
        again = ["ijl", "cwn", "ydf"]
        st = _statement("joint", "ar", STATEMENTS[0][5], STATEMENTS[0][2], again, "ijl", None)
        storage.save_poll(
            db, _write("news-ar", NOW + timedelta(days=3), _record("s1", st, _signatures(again, ids, "ijl")))
        )
    finally:
        db.close()


def _signatures(signers: list[str], ids: dict[str, int], issuer: str | None) -> tuple[SignatureRecord, ...]:
    return tuple(
        SignatureRecord(
            raw_name=ORGS[s][0] if s in ORGS else s,
            position=pos,
            org_id=ids.get(s),
            score=100.0 if s in ids else 0.0,
            role="issuer" if s == issuer else "signatory",
        )
        for pos, s in enumerate(signers)
    )


def _statement(
    kind: str, lang: str, title: str, day: date, signers: list[str], issuer: str | None, left: str | None
) -> Statement:
    names = tuple(ORGS[s][0] if s in ORGS else s for s in signers)
    return Statement(
        is_statement=True,
        kind=kind,  # type: ignore[arg-type]
        title=title,
        published=day,
        language=lang,
        issuer=ORGS[issuer][0] if issuer else None,
        signatories=names,
        lead=f"{title}.",
        body=f"{title}. " + "، ".join(names),
        confidence=0.93,
        withdrawn_from=left,
    )


def _record(key: str, st: Statement, sigs: tuple[SignatureRecord, ...]) -> ItemRecord:
    url = f"https://statements.example.org/{key}"
    page = PageRecord(
        url=url, body=f"<html><h1>{st.title}</h1></html>".encode(), sha256=key, content_type="text/html"
    )
    return ItemRecord(
        item=Item(key=key, url=url, title=st.title, published=st.published),
        page=page,
        statement=st,
        signatures=sigs,
        title_norm=normalize_text(st.title or ""),
        body_norm=normalize_text(st.body),
    )


def _write(source: str, now: datetime, record: ItemRecord) -> PollWrite:
    return PollWrite(
        source_id=source,
        now=now,
        next_check=now + timedelta(minutes=30),
        validators=Validators(etag=None, last_modified=None, content_sha=None),
        records=(record,),
        announce=False,
    )


if __name__ == "__main__":
    build(sys.argv[1])
