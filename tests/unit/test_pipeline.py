"""The poll decisions of bot.pipeline that are pure functions, and the hints a source gives its pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import orgs, pipeline, storage
from bot.models import (
    Hints,
    Item,
    ItemRecord,
    PageRecord,
    PollWrite,
    RegistryOrg,
    Source,
    SourceAlert,
    Statement,
    Validators,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


DAY = timedelta(days=1)
OK = SourceAlert("s")
TOLD = SourceAlert(
    "s", state="told", since=NOW - timedelta(hours=5), alerted_at=NOW - timedelta(hours=5), failures=6
)


@pytest.mark.parametrize(
    ("before", "ok", "count", "after", "kind"),
    [
        (OK, False, 4, OK, None),  # below the threshold: nothing said, nothing remembered
        (OK, False, 5, SourceAlert("s", "told", NOW, NOW, 5), "failing"),  # the fifth failure in a row
        (TOLD, False, 7, replace(TOLD, failures=7), None),  # told today already
        (
            replace(TOLD, alerted_at=NOW - DAY),
            False,
            9,
            replace(TOLD, alerted_at=NOW, failures=7),
            "still_failing",
        ),
        (TOLD, True, 0, replace(TOLD, ok_streak=1), None),  # one success amid failures: flapping, not over
        (replace(TOLD, ok_streak=1), True, 0, SourceAlert("s", alerted_at=TOLD.alerted_at), "recovered"),
        (replace(TOLD, ok_streak=1), False, 1, replace(TOLD, failures=7), None),  # failed again: streak reset
        # failing again less than a day after the last failing alert: a quiet spell, then no "recovered"
        (
            SourceAlert("s", alerted_at=NOW - DAY / 2),
            False,
            5,
            SourceAlert("s", "quiet", NOW, NOW - DAY / 2, 5),
            None,
        ),
        (
            SourceAlert("s", "quiet", NOW, NOW - DAY, 8, 1),
            True,
            0,
            SourceAlert("s", alerted_at=NOW - DAY),
            None,
        ),
        (
            SourceAlert("s", "quiet", NOW, NOW - DAY, 8),
            False,
            2,
            SourceAlert("s", "told", NOW, NOW, 9),
            "still_failing",
        ),
    ],
)
def test_admin_alert_rule(
    before: SourceAlert, ok: bool, count: int, after: SourceAlert, kind: str | None
) -> None:
    assert pipeline.admin_alert(before, ok=ok, error_count=count, now=NOW) == (after, kind)


def test_source_hints_carry_every_name_once_and_the_display_name() -> None:
    src = Source(
        id="kite", url="https://k.example/feed", name="جمعية الطائرة", name_en="Kite", aliases=("Kite", "KA"),
        language="ar", statements_only=True,
    )  # fmt: skip
    hints = src.hints(url="https://k.example/1", published=date(2026, 1, 2))
    assert hints == Hints(
        language="ar", statements_only=True, source_name="جمعية الطائرة", url="https://k.example/1",
        published=date(2026, 1, 2), org_names=("جمعية الطائرة", "Kite", "KA"),
    )  # fmt: skip
    assert src.display_name("en") == "Kite" and src.display_name("ar") == "جمعية الطائرة"
    bare = Source(id="bare", url="https://b.example/feed")
    assert bare.hints().source_name is None and bare.display_name("en") == "bare"


async def test_poll_context_adds_the_registry_names_of_the_source_org() -> None:
    store = storage.Store(":memory:")
    try:
        reg = [RegistryOrg(slug="kite", ar="جمعية الطائرة الورقية", en="Kite Association", acronyms=("KA",))]
        await store.call(storage.seed_registry, reg)
        ctx = pipeline.PollContext(fetcher=None, store=store)  # type: ignore[arg-type]  # no fetch here
        src = Source(id="k", url="https://k.example/feed", name="الطائرة", org="kite")
        hints = await ctx.hints(src, Item(key="1", url="https://k.example/1"))
        assert hints.source_name == "الطائرة"
        assert hints.org_names == ("الطائرة", "جمعية الطائرة الورقية", "Kite Association", "KA")
        unknown = await ctx.hints(
            Source(id="u", url="https://u.example/f", org="nobody"), Item(key="2", url="https://u.example/2")
        )
        assert unknown.org_names == ()
    finally:
        store.close()


SIGNED_PAGE = """<html><head><title>بيان مشترك حول المياه</title></head><body><article>
<h1>بيان مشترك حول المياه</h1><p>تطالب المنظمات الموقعة أدناه بضمان وصول المياه إلى المخيمات دون تأخير.</p>
<p>المنظمات الموقعة:</p><ul><li>جمعية الطائرة الورقية</li><li>شبكة الينابيع</li><li>رابطة النخيل</li></ul>
</article></body></html>"""


def test_confidence_and_evidence_are_stored_and_rewritten_by_reextraction() -> None:
    db = storage.open_db(":memory:")
    src = Source(id="s", url="https://s.example/feed", name="جمعية الطائرة الورقية")
    storage.sync_config(db, [src])
    body = SIGNED_PAGE.encode("utf-8")
    item = Item(key="k1", url="https://s.example/1", title="بيان مشترك حول المياه")
    first = Statement(
        is_statement=True, kind="joint", title=item.title, signatories=("جمعية الطائرة الورقية",),
        confidence=0.61, evidence=("names2:+3.42", "reports:-2.01"), body="x",
    )  # fmt: skip
    record = ItemRecord(item=item, page=PageRecord(item.url, body, "sha", "text/html"), statement=first)
    write = PollWrite("s", NOW, NOW, Validators(), (record,))
    [sid] = storage.save_poll(db, write)
    stored = storage.get_statement(db, sid)
    assert stored is not None and stored.confidence == 0.61
    assert stored.evidence == ("names2:+3.42", "reports:-2.01")
    [page] = storage.reextract_targets(db, [sid])
    index = orgs.OrgIndex(storage.org_index_entries(db))
    report = pipeline.reextract(db, page, {"s": src}, index)
    again = storage.get_statement(db, sid)
    assert again is not None and len(again.signatories) == 3 and "+شبكة الينابيع" in report.line()
    assert again.confidence > 0.5 and again.evidence and all(":" in e for e in again.evidence)


def test_source_hints_of_the_cli_and_reextraction_are_those_of_a_poll() -> None:
    db = storage.open_db(":memory:")
    storage.seed_registry(db, [RegistryOrg(slug="kite", ar="جمعية الطائرة الورقية", acronyms=("KA",))])
    src = Source(id="k", url="https://k.example/feed", name="الطائرة", org="kite")
    hints = pipeline.source_hints(db, src, url="https://k.example/1")
    assert (
        hints.org_names == ("الطائرة", "جمعية الطائرة الورقية", "KA") and hints.url == "https://k.example/1"
    )
    assert pipeline.source_hints(db, Source(id="n", url="https://n.example/f")).org_names == ()


def test_a_signatory_one_number_off_a_known_name_keeps_its_own_signature() -> None:
    """Issue 10 item 11: "منظمة اختبار 100" was resolved to "منظمة اختبار 10" and vanished from the list."""
    db = storage.open_db(":memory:")
    reg = [
        RegistryOrg(slug="t10", ar="منظمة اختبار 10"),
        RegistryOrg(slug="north", ar="رابطة أطباء الشمال الأحرار"),
    ]
    storage.seed_registry(db, [*reg, RegistryOrg(slug="sham", ar="رابطة أطباء الشام الأحرار")])
    index = orgs.OrgIndex(storage.org_index_entries(db))
    names = ("منظمة اختبار 10", "منظمة اختبار 100", "رابطة أطباء الشامل الأحرار")
    found = pipeline.resolve_signatures(Statement(is_statement=True, signatories=names), index)
    assert [s.org_id for s in found] == [storage.find_org_id(db, "t10"), None, None]  # None: provisional
    item = Item(key="k", url="https://s.example/1", title="t")
    st = Statement(is_statement=True, title="t", signatories=names)
    [sid] = storage.save_poll(
        db, PollWrite("s", NOW, NOW, Validators(), (ItemRecord(item, statement=st, signatures=found),))
    )
    stored = storage.get_statement(db, sid)
    assert stored is not None and stored.signatories == names
