"""bot.dates: the formats met on the sources, invalid input, and a generated round-trip.

The public functions swallow every exception (they log it), so the property tests call the unwrapped
`_parse_date` / `_find_dates`, and every test fails if the public functions logged a swallowed error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import dates
from bot.dates import _find_dates, _parse_date, find_dates, parse_date

TODAY = date(2026, 2, 1)
FORMATS = [None, "%d/%m/%Y", "%Y-%m-%d", "%B %d, %Y", "%d.%m.%Y %H:%M", "%", "%Q"]


@pytest.fixture(autouse=True)
def _nothing_swallowed(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A public function that absorbed an exception logged it: that fails the test."""
    yield
    swallowed = [r.getMessage() for r in caplog.records if r.name == dates.__name__]
    assert swallowed == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-11", date(2026, 1, 11)),
        ("2026-01-11T10:00:00+03:00", date(2026, 1, 11)),
        ("January 26, 2026", date(2026, 1, 26)),
        ("Jun 27, 2023", date(2023, 6, 27)),
        ("26 January 2026", date(2026, 1, 26)),
        ("Posted on: December 19, 2016 at 7:47 am", date(2016, 12, 19)),
        ("updated: January 9, 2025", date(2025, 1, 9)),
        ("Mon, 26 Jan 2026 10:00:00 +0000", date(2026, 1, 26)),
        ("20 أيار 2024", date(2024, 5, 20)),
        ("20 مايو 2024", date(2024, 5, 20)),
        ("٢٠ مايو ٢٠٢٤", date(2024, 5, 20)),
        ("٨ أكتوبر ٢٠٢٤", date(2024, 10, 8)),
        ("۸ اکتوبر ۲۰۲۴".replace("ک", "ك"), date(2024, 10, 8)),
        ("27 تشرين الثاني/نوفمبر 2025", date(2025, 11, 27)),
        ("04 / نيسان / أبريل / 2019", date(2019, 4, 4)),
        ("20 أيار (5) 2024", date(2024, 5, 20)),
        ("3 من آذار 2020", date(2020, 3, 3)),
        ("5 آب 2019", date(2019, 8, 5)),
        ("1 كانون الثاني 2020", date(2020, 1, 1)),
        ("12 كانون الأول 2020", date(2020, 12, 12)),
        ("9 يونيه 2021", date(2021, 6, 9)),
        ("9 يوليه 2021", date(2021, 7, 9)),
        ("9 ابريل 2021", date(2021, 4, 9)),
        ("9 اغسطس 2021", date(2021, 8, 9)),
        ("31/12/2020", date(2020, 12, 31)),
        ("03/04/2020", date(2020, 4, 3)),
        ("3-4-2020", date(2020, 4, 3)),
        ("3.4.2020", date(2020, 4, 3)),
        ("18 أغسطس", date(2025, 8, 18)),
        ("18 يناير", date(2026, 1, 18)),
        ("دمشق في ٩/٢/٢٠٢٣", date(2023, 2, 9)),
    ],
)
def test_formats(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["", "no date here", "32/1/2020", "29 شباط 2023", "2023-02-30", "31 April 2020", "12345", "Page 2 of 10"],
)
def test_no_date(text: str) -> None:
    assert parse_date(text, today=TODAY) is None
    assert _parse_date(text, today=TODAY) is None


def test_fmt_hint_is_tried_first() -> None:
    assert parse_date("04/03/2020", fmt="%m/%d/%Y") == date(2020, 4, 3)
    assert parse_date("04/03/2020") == date(2020, 3, 4)
    assert parse_date("٠٤/٠٣/٢٠٢٠", fmt="%m/%d/%Y") == date(2020, 4, 3)
    assert parse_date("2020-03-04", fmt="%d.%m.%Y") == date(2020, 3, 4)  # bad hint falls back


def test_find_dates_positions_in_original_text() -> None:
    text = "نُشر في 20 أيار 2024 — وفي 2026-01-11 و 3/4/2020"
    found = find_dates(text, today=TODAY)
    assert [d for _, d in found] == [date(2024, 5, 20), date(2026, 1, 11), date(2020, 4, 3)]
    assert text[found[0][0] :].startswith("20 أيار")
    assert text[found[1][0] :].startswith("2026")


def test_find_dates_without_yearless() -> None:
    assert find_dates("18 أغسطس", today=TODAY, yearless=False) == []
    assert _find_dates("18 أغسطس", today=TODAY, yearless=False) == []


def test_wrappers_log_and_return_empty_when_the_logic_raises(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug in the parser")

    monkeypatch.setattr(dates, "_find_dates", broken)
    monkeypatch.setattr(dates, "_parse_date", broken)
    page = "بيان " * 500
    with caplog.at_level(logging.WARNING, logger=dates.__name__):
        assert find_dates(page) == []
        assert parse_date(page, fmt="%d/%m/%Y") is None
    lines = [r.getMessage() for r in caplog.records if r.name == dates.__name__]
    assert len(lines) == 2
    assert lines[0].startswith("find_dates('بيان") and lines[1].startswith("parse_date('بيان")
    assert all("RuntimeError: bug in the parser" in line and len(line) < 200 for line in lines)
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in caplog.records)
    caplog.clear()  # logged on purpose: not a swallowed bug for _nothing_swallowed


EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December"]  # fmt: skip
MSA = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
       "نوفمبر", "ديسمبر"]  # fmt: skip
LEV = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
       "تشرين الثاني", "كانون الأول"]  # fmt: skip
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

RENDERERS: list[Callable[[date], str]] = [
    lambda d: d.isoformat(),
    lambda d: f"{d.isoformat()}T12:30:00Z",
    lambda d: f"{EN[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"{EN[d.month - 1][:3]} {d.day}, {d.year}",
    lambda d: f"{d.day} {EN[d.month - 1]} {d.year}",
    lambda d: f"Posted on: {EN[d.month - 1]} {d.day}, {d.year} at 7:47 am",
    lambda d: f"{d.day} {MSA[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {LEV[d.month - 1]} {d.year}",
    lambda d: f"{d.day:02d} {LEV[d.month - 1]}/{MSA[d.month - 1]} {d.year}",
    lambda d: f"{d.day:02d} / {LEV[d.month - 1]} / {MSA[d.month - 1]} / {d.year}",
    lambda d: f"{d.day} {LEV[d.month - 1]} ({d.month}) {d.year}",
    lambda d: f"{d.day} من {LEV[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {MSA[d.month - 1]} {d.year}".translate(INDIC),
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
    lambda d: f"{d.day}.{d.month}.{d.year}".translate(INDIC),
]


# any text, and text around a rendered date (random text alone seldom reaches the date logic)
TEXTS = st.text() | st.builds(
    lambda before, day, render, after: before + render(day) + after,
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(RENDERERS),
    st.text(max_size=20),
)


@given(TEXTS, st.sampled_from(FORMATS), st.booleans())
def test_never_raises(text: str, fmt: str | None, yearless: bool) -> None:
    """The unwrapped functions themselves: a bug raises here instead of being logged and hidden."""
    found = _find_dates(text, today=TODAY, yearless=yearless)
    starts = [start for start, _ in found]
    assert starts == sorted(set(starts)) and all(0 <= start < len(text) for start in starts)
    assert all(date(1800, 1, 1) <= day <= date(2200, 12, 31) for _, day in found)
    _parse_date(text, today=TODAY, fmt=fmt)
    parse_date(text)
    find_dates(text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(RENDERERS))
def test_round_trip(day: date, render: Callable[[date], str]) -> None:
    assert parse_date(f"بتاريخ {render(day)} .", today=TODAY) == day


@given(st.dates(min_value=date(2021, 2, 2), max_value=TODAY), st.sampled_from([EN, MSA, LEV]))
def test_yearless_is_latest_not_after_today(day: date, names: list[str]) -> None:
    got = parse_date(f"{day.day} {names[day.month - 1]}", today=TODAY)
    assert got is not None and got <= TODAY and (got.month, got.day) == (day.month, day.day)
    assert got.year in (TODAY.year, TODAY.year - 1) or (day.month, day.day) == (2, 29)


def test_a_line_asked_again_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extractor asks find_dates about the same lines of a page several times (17 calls, 7 texts on
    the bench's page): a short text's answer is kept, a copy handed out each time; a yearless date keys
    on the day it is resolved against."""
    calls: list[str] = []
    real = dates._find_dates

    def counting(text: str, **kw: object) -> list[tuple[int, date]]:
        calls.append(text)
        return real(text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(dates, "_find_dates", counting)
    line = "صدر في 3 آذار 2031 عن المكتب رقم 77"
    first = find_dates(line, yearless=False)
    first.append((0, date(1999, 1, 1)))  # a caller's change is its own
    assert find_dates(line, yearless=False) == [(7, date(2031, 3, 3))]
    assert calls == [line]
    assert find_dates("في 18 أغسطس", today=date(2031, 9, 1)) == [(3, date(2031, 8, 18))]
    assert find_dates("في 18 أغسطس", today=date(2031, 8, 1)) == [(3, date(2030, 8, 18))]
    page = "سطر " * 100  # a whole page's text is parsed each time, never kept
    find_dates(page, yearless=False)
    find_dates(page, yearless=False)
    assert calls.count(page) == 2
