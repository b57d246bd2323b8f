"""Charts (issue 13 item 3): what storage counts for them (``org_activity``, ``field_activity``) and the PNGs
``bot.charts`` draws from a fixture history stored through Bayan's storage API (tests/chartdata.py).

Every chart is checked as a PNG (magic bytes, IHDR width and height); warnings are errors in this suite,
so a glyph missing from the font fails the test."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot import charts, storage
from bot.models import Activity, CoSigner, Org
from bot.tg import i18n
from tests import chartdata
from tests.chartdata import png_size


@pytest.fixture
def history() -> tuple[storage.Db, dict[str, int]]:
    db = storage.open_db(":memory:")
    return db, chartdata.build(db)


# ───────────────────────────── what storage counts ─────────────────────────────


def test_org_activity_counts_every_month_kinds_and_co_signers(
    history: tuple[storage.Db, dict[str, int]],
) -> None:
    db, ids = history
    got = storage.org_activity(db, ids["lij"])
    assert got.org is not None and got.org.slug == "lij"
    assert got.total == 58 == sum(n for _, n in got.months)
    assert len(got.months) == chartdata.MONTHS and got.months[0] == ("2024-03", 1)
    assert got.months[-1][0] == "2026-02" and dict(got.months)["2024-12"] == 0  # the quiet month is there
    assert got.kinds == {"joint": 23, "single": 23, "open_letter": 10, "withdrawal": 2}
    assert [c.name_en for c in got.top][:2] == ["Women for Dignity Network", None]  # ffr has no English name
    assert [c.shared for c in got.top] == sorted((c.shared for c in got.top), reverse=True)
    assert got.orgs == len(chartdata.PARTNERS)
    assert (got.first, got.last) == (date(2024, 3, 3), date(2026, 2, 21))


def test_a_partner_counts_only_what_it_signed(history: tuple[storage.Db, dict[str, int]]) -> None:
    db, ids = history
    got = storage.org_activity(db, ids["nwc"])
    assert got.total == 29 and got.top[0].name == "رابطة الحقوقيين المستقلين"
    assert storage.org_activity(db, ids["lonely"]).total == 0


def test_field_activity_ranks_the_most_active_signatories(history: tuple[storage.Db, dict[str, int]]) -> None:
    db, _ = history
    got = storage.field_activity(db)
    assert got.org is None and got.total == 58 and got.orgs == 7
    assert [(c.name, c.shared) for c in got.top[:2]] == [
        ("رابطة الحقوقيين المستقلين", 58),
        ("شبكة نساء من أجل الكرامة", 29),
    ]
    assert len(storage.field_activity(db, top=3).top) == 3
    assert storage.field_activity(storage.open_db(":memory:")) == Activity()


def test_months_between_crosses_years_and_fills_gaps() -> None:
    from bot.storage.activity import months_between

    assert months_between({"2024-11": 2, "2025-02": 1}) == (
        ("2024-11", 2),
        ("2024-12", 0),
        ("2025-01", 0),
        ("2025-02", 1),
    )
    assert months_between({}) == ()


# ───────────────────────────── drawing ─────────────────────────────

needs_extra = pytest.mark.skipif(
    charts.missing() is not None, reason="the extra bayan[charts] is not installed"
)


@needs_extra
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_each_chart_is_a_png_of_the_expected_size(
    history: tuple[storage.Db, dict[str, int]], lang: str
) -> None:
    db, ids = history
    org_png = charts.render_org(storage.org_activity(db, ids["lij"]), lang)
    field_png = charts.render_field(storage.field_activity(db), lang)
    assert png_size(org_png) == png_size(field_png) == (charts.WIDTH, charts.HEIGHT)
    assert org_png != field_png


def _org(name: str, name_en: str | None = None) -> Org:
    return Org(id=1, slug=None, name=name, name_en=name_en)


@needs_extra
def test_edge_histories_still_draw() -> None:
    """Ten years of months with names far longer than a bar's label; one month; nobody ranked."""
    decade = tuple((f"{2015 + i // 12}-{i % 12 + 1:02d}", i % 7) for i in range(120))
    long_names = tuple(
        CoSigner("منظمة " + "طويلة الاسم جداً " * 8 + str(i), 50 - i, "Org " * 30) for i in range(10)
    )
    long = Activity(
        months=decade, kinds={"joint": 300}, top=long_names, total=300, orgs=10, org=_org("طويلة " * 40)
    )
    single = Activity(months=(("2026-01", 1),), kinds={"single": 1}, total=1, org=_org("Solo", "Solo"))
    empty = Activity(months=(("2026-01", 1),), total=1, first=date(2026, 1, 5), last=date(2026, 1, 5))
    drawn = [charts.render_org(long, "ar"), charts.render_field(replace(long, org=None), "en")]
    drawn += [charts.render_org(single, "en"), charts.render_field(empty, "ar")]
    assert all(png_size(p) == (charts.WIDTH, charts.HEIGHT) for p in drawn)


def test_the_month_axis_has_at_most_twelve_labels_on_the_calendar() -> None:
    decade = [f"{2015 + i // 12}-{i % 12 + 1:02d}" for i in range(120)]
    ticks = charts.month_ticks(decade)
    assert [label for _, label in ticks] == [str(y) for y in range(2015, 2025)]
    two_years = charts.month_ticks(decade[2:26])
    assert len(two_years) <= 12 and all(
        label[5:] in ("01", "03", "05", "07", "09", "11") for _, label in two_years
    )
    assert charts.month_ticks(["2024-02"]) == [(0, "2024-02")] and charts.month_ticks([]) == []


def test_labels_are_in_the_readers_language() -> None:
    activity = Activity(total=58, orgs=6, first=date(2024, 3, 3), last=date(2026, 2, 21), org=_org("x"))
    assert charts.subtitle(activity, "en") == "58 statements · with 6 organisations · 2024-03-03 – 2026-02-21"
    arabic = charts.subtitle(activity, "ar")
    assert arabic.startswith("58 بياناً · مع 6 منظمات · من ")
    assert "\u200e2024-03-03\u200e" in arabic  # a date stays left to right among Arabic words
    assert charts.org_title(Org(1, "رابطة", "League", acronyms=("LIJ",)), "en") == "League (LIJ)"
    assert charts.org_title(Org(1, "رابطة", "League", acronyms=("LIJ",)), "ar") == "رابطة (LIJ)"
    assert i18n.plain("chart_per_month", "ar") == "البيانات في كل شهر"


@needs_extra
def test_arabic_reaches_matplotlib_in_the_order_it_lays_out() -> None:
    """matplotlib with libraqm (3.11+) orders and shapes text itself: it gets the logical text and a mark
    for the direction. Without it, the text arrives shaped (presentation forms) in visual order."""
    text = "رابطة الحقوقيين (LIJ)"
    shown = charts.shape(text, "R")
    if charts.lays_out_text():
        assert shown == "\u200f" + text
    else:
        assert shown.startswith("(LIJ)") and all(not "\u0600" <= ch <= "\u06ff" for ch in shown)
    assert charts.shape("Women for Dignity", "R") == "Women for Dignity"


@needs_extra
def test_the_font_is_the_one_inside_matplotlib() -> None:
    regular, bold = charts._fonts()
    for font in (regular, bold):
        assert Path(font.get_file()).is_file() and "mpl-data" in str(font.get_file())


def test_without_the_extra_drawing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "arabic_reshaper", None)  # an import of it now fails
    assert charts.missing() == "arabic_reshaper"
    with pytest.raises(charts.ChartsUnavailable, match=r"pip install 'bayan\[charts\]'"):
        charts.render_field(Activity(months=(("2026-01", 1),), total=1), "en")


@needs_extra
def test_charts_drawn_from_several_threads_at_once_are_whole(
    history: tuple[storage.Db, dict[str, int]],
) -> None:
    """The bot draws in worker threads: concurrent requests each get a whole picture."""
    from concurrent.futures import ThreadPoolExecutor

    db, ids = history
    activity = storage.org_activity(db, ids["lij"])
    with ThreadPoolExecutor(4) as pool:
        pictures = list(pool.map(lambda lang: charts.render_org(activity, lang), ["en", "ar"] * 2))
    assert all(png_size(p) == (charts.WIDTH, charts.HEIGHT) for p in pictures)
    assert pictures[0] == pictures[2] and pictures[1] == pictures[3]
