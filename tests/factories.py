"""Record factories shared by the storage tests: one stored-statement record and one poll write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.models import Item, ItemRecord, PageRecord, PollWrite, SignatureRecord, Statement, Validators

NOW = datetime(2026, 1, 26, 10, 0, tzinfo=UTC)


def record(
    key: str,
    *,
    title: str = "بيان مشترك",
    signatures: tuple[SignatureRecord, ...] = (),
    body_norm: str = "",
    published: date | None = date(2026, 1, 20),
    is_statement: bool = True,
    page: bool = True,
) -> ItemRecord:
    url = f"https://example.org/{key}"
    st = Statement(
        is_statement=is_statement,
        kind="joint",
        title=title,
        published=published,
        language="ar",
        signatories=tuple(s.raw_name for s in signatures),
        individuals=("Ahmad", "Layla"),
        lead="lead",
        body="body text",
        confidence=0.9,
    )
    pg = PageRecord(url=url, body=b"<html>x</html>", sha256="abc", content_type="text/html") if page else None
    return ItemRecord(
        item=Item(key=key, url=url, title=title, published=published),
        page=pg,
        statement=st,
        signatures=signatures,
        title_norm=title,
        body_norm=body_norm,
    )


def write(*records: ItemRecord, source: str = "src", announce: bool = True, now: datetime = NOW) -> PollWrite:
    return PollWrite(
        source_id=source,
        now=now,
        next_check=now + timedelta(minutes=30),
        validators=Validators(etag='"e1"', last_modified="Mon, 26 Jan 2026 09:00:00 GMT", content_sha="sha1"),
        records=records,
        announce=announce,
    )
