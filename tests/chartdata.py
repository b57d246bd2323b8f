"""A fixture history for the chart tests (and docs/chart-org.png): invented organisations and statements,
stored through Bayan's storage API.

Two years of statements (March 2024 – February 2026) of every kind: the Arabic-named "رابطة الحقوقيين
المستقلين" (LIJ) signs most of them, with a changing set of co-signers; a quiet month in between; three
organisations ("Lonely Group", and two whose names begin "Women Now") are in the registry and signed
nothing. ``python -m tests.chartdata org en OUT.png`` draws a chart of the fixture (docs/chart-org.png is
one).
"""

from __future__ import annotations

import sys
import zlib
from datetime import UTC, date, datetime, timedelta

from bot import orgs, storage
from bot.models import (
    Item,
    ItemRecord,
    PollWrite,
    RegistryOrg,
    SignatureRecord,
    Source,
    Statement,
    Validators,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
MAIN = "lij"  # the organisation charted: its slug
REGISTRY = [
    RegistryOrg("lij", ar="رابطة الحقوقيين المستقلين", en="League of Independent Jurists", acronyms=("LIJ",)),
    RegistryOrg("nwc", ar="شبكة نساء من أجل الكرامة", en="Women for Dignity Network", acronyms=("WDN",)),
    RegistryOrg("ffr", ar="منتدى الفرات للحقوق", acronyms=("FFR",)),  # no English name
    RegistryOrg("hcd", ar="مركز حلب للتوثيق", en="Aleppo Documentation Centre"),
    RegistryOrg("sdi", ar="مبادرة الساحل للحوار", en="Coast Dialogue Initiative"),
    RegistryOrg("ypa", ar="جمعية الشباب للمناصرة", en="Youth Advocacy Association", acronyms=("YAA",)),
    RegistryOrg("mjp", ar="منصة العدالة الانتقالية والمساءلة في سوريا", en="Transitional Justice Platform"),
    RegistryOrg("lonely", en="Lonely Group"),
    RegistryOrg("wnd", en="Women Now for Development"),  # with nwc: "Women" is ambiguous
    RegistryOrg("wnn", en="Women Now Network"),
]
PARTNERS = ["nwc", "ffr", "hcd", "sdi", "ypa", "mjp"]
KINDS = ("joint", "joint", "single", "open_letter", "joint", "withdrawal")
SOURCE = Source(id="lij-ar", url="https://lij.example.org/feed/", name="رابطة الحقوقيين المستقلين")
MONTHS = 24
QUIET = 9  # the month index with no statement


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk of a PNG, after checking the magic bytes and the IHDR's CRC."""
    assert data[:8] == PNG_MAGIC, data[:8]
    length, kind = int.from_bytes(data[8:12], "big"), data[12:16]
    assert kind == b"IHDR" and length == 13
    body = data[16 : 16 + length]
    assert int.from_bytes(data[29:33], "big") == zlib.crc32(kind + body)
    return int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")


def record(n: int, day: date, kind: str, signers: list[tuple[str, int | None]]) -> ItemRecord:
    """Statement number ``n``; a signer without an id becomes a provisional organisation."""
    title = f"بيان رقم {n} حول حقوق المعتقلين"
    st = Statement(
        is_statement=True,
        kind=kind,  # type: ignore[arg-type]
        title=title,
        published=day,
        language="ar",
        signatories=tuple(name for name, _ in signers),
        lead="نص تمهيدي",
        body=f"نص البيان رقم {n} للمنظمات الموقعة",
        confidence=0.9,
    )
    sigs = tuple(SignatureRecord(name, i, org_id=org_id) for i, (name, org_id) in enumerate(signers))
    return ItemRecord(
        item=Item(key=f"k{n}", url=f"https://lij.example.org/s/{n}", title=title, published=day),
        statement=st,
        signatures=sigs,
        title_norm=orgs.normalize(title),
        body_norm=orgs.normalize(st.body),
    )


def records(ids: dict[str, int]) -> list[ItemRecord]:
    """The fixture statements: ``(month % 4) + 1`` per month except the quiet one, kinds in turn, the main
    organisation on all of them, partner i on every (i + 1)-th."""
    found: list[ItemRecord] = []
    n = 0
    for month in range(MONTHS):
        if month == QUIET:
            continue
        first = date(2024 + (2 + month) // 12, (2 + month) % 12 + 1, 3)
        for k in range(month % 4 + 1):
            n += 1
            signers: list[tuple[str, int | None]] = [("رابطة الحقوقيين المستقلين", ids[MAIN])]
            signers += [(slug, ids[slug]) for i, slug in enumerate(PARTNERS) if n % (i + 2) == 0]
            kind = KINDS[n % len(KINDS)] if len(signers) > 1 else "single"
            found.append(record(n, first + timedelta(days=6 * k), kind, signers))
    return found


def build(db: storage.Db) -> dict[str, int]:
    """Seed the registry and store the fixture history; the organisation ids by slug."""
    storage.seed_registry(db, REGISTRY, now=NOW)
    storage.sync_sources(db, [SOURCE])
    ids = {o.slug: storage.find_org_id(db, o.slug) for o in REGISTRY}
    assert all(ids.values())
    resolved = {slug: int(i) for slug, i in ids.items() if i is not None}
    storage.save_poll(
        db, PollWrite(SOURCE.id, NOW, NOW + timedelta(hours=1), Validators(), tuple(records(resolved)))
    )
    return resolved


def main(argv: list[str]) -> int:
    """``python -m tests.chartdata org|field en|ar OUT.png``: draw a chart of the fixture."""
    from bot import charts

    which, lang, out = argv
    db = storage.open_db(":memory:")
    ids = build(db)
    if which == "field":
        picture = charts.render_field(storage.field_activity(db), lang)
    else:
        picture = charts.render_org(storage.org_activity(db, ids[MAIN]), lang)
    with open(out, "wb") as f:
        f.write(picture)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
