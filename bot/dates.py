"""Date parsing for Arabic (MSA and Levantine) and English pages.

Owns `parse_date` (one date from a short string, with an optional strptime hint) and `find_dates` (every
date in a longer text, with its position). Understands ISO dates and datetimes; English "January 26, 2026",
"Jun 27, 2023", "26 January 2026"; Arabic "20 أيار 2024", "27 تشرين الثاني/نوفمبر 2025",
"04 / نيسان / أبريل / 2019", "أيار (5) 2024", an optional "من"; numeric d/m/y, d-m-y, d.m.y; Arabic-Indic
and extended digits; a day and month without a year (the latest such date not after `today`).
Invalid dates give None. The public functions never raise: each is a thin wrapper over an unwrapped
function (`_parse_date`, `_find_dates`) that holds the logic and which tests call directly, so a bug fails
them; the wrapper logs what it absorbed (a one-line warning on this module's logger, the input shortened)
and returns None or []. No I/O other than that log line; imports only the stdlib.
"""

from __future__ import annotations

import logging
import re
import reprlib
from datetime import date, datetime
from functools import lru_cache

_log = logging.getLogger(__name__)
_REPR = reprlib.Repr()
_REPR.maxstring = 80  # the input in a log line: its start and end, never a whole page

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹–—\\", "01234567890123456789--/")  # dashes and "\\" too
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
_DROP = re.compile("[\u0640\u064b-\u065f\u0670\u200e\u200f\u200b\u061c]")  # tatweel, harakat, bidi marks

_MONTHS: dict[str, int] = {}


def _add(month: int, *names: str) -> None:
    for name in names:
        _MONTHS[name] = month


_add(1, "january", "jan", "يناير", "كانون الثاني", "كانون ثاني", "جانفي")
_add(2, "february", "feb", "فبراير", "شباط", "فيفري")
_add(3, "march", "mar", "مارس", "اذار")
_add(4, "april", "apr", "ابريل", "نيسان", "افريل")
_add(5, "may", "مايو", "ايار", "ماي")
_add(6, "june", "jun", "يونيو", "يونيه", "حزيران", "جوان")
_add(7, "july", "jul", "يوليو", "يوليه", "تموز", "جويلية")
_add(8, "august", "aug", "اغسطس", "اب", "اوت", "غشت")
_add(9, "september", "sep", "sept", "سبتمبر", "ايلول")
_add(10, "october", "oct", "اكتوبر", "تشرين الاول", "تشرين اول")
_add(11, "november", "nov", "نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر")
_add(12, "december", "dec", "ديسمبر", "كانون الاول", "كانون اول", "دجنبر")

_MONTH_ALT = "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in sorted(_MONTHS, key=len, reverse=True))
_MON = rf"(?<![^\W\d_])(?:{_MONTH_ALT})(?![^\W\d_])\.?"
_SEP = r"[\s/,،\-.]*"
_DAY = r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\d)"
_YEAR = r"(?P<y>\d{4})(?!\d)"
_MNUM = r"(?:\s*\(\s*\d{1,2}\s*\))?"
_SECOND = rf"(?:\s*[/\-]?\s*{_MON})?"

_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(rf"{_DAY}{_SEP}(?:من\s+)?(?P<mon>{_MON}){_MNUM}{_SECOND}{_MNUM}{_SEP}{_YEAR}", re.I),
    re.compile(rf"(?P<mon>{_MON}){_MNUM}\s*{_DAY}\s*[,،]?\s*{_YEAR}", re.I),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\s*(?P<s>[/.\-|])\s*(?P<m>\d{1,2})\s*(?P=s)\s*(?P<y>\d{4})(?!\d)"),
)
_YEARLESS = re.compile(rf"{_DAY}\s*(?:من\s+)?(?P<mon>{_MON})(?!{_SEP}\(?\d)", re.I)


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """Digits to ASCII, hamza folded, marks dropped; with the original index of every kept character
    (None when nothing was dropped, so that indexes are unchanged)."""
    if not _DROP.search(text):
        return text.translate(_DIGITS).translate(_FOLD), None
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if _DROP.match(ch):
            continue
        chars.append(ch.translate(_DIGITS).translate(_FOLD))
        index.append(i)
    return "".join(chars), index


def _month(name: str) -> int | None:
    key = re.sub(r"\s+", " ", name.lower().rstrip("."))
    return _MONTHS.get(key)


def _make(y: int, m: int, d: int) -> date | None:
    if not 1800 <= y <= 2200:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _from_match(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    y, d = int(groups["y"]), int(groups["d"])
    if groups.get("mon"):
        m = _month(groups["mon"])
        return _make(y, m, d) if m else None
    m = int(groups["m"])
    if "s" in groups and m > 12 >= d:  # d/m/y is the rule; m/d/y only when d/m/y cannot be
        d, m = m, d
    return _make(y, m, d)


def _yearless(match: re.Match[str], today: date) -> date | None:
    m = _month(match.group("mon"))
    d = int(match.group("d"))
    if not m:
        return None
    for year in (today.year, today.year - 1, today.year - 2, today.year - 3, today.year - 4):
        found = _make(year, m, d)
        if found and found <= today:
            return found
    return None


def _find_dates(text: str, *, today: date | None = None, yearless: bool = True) -> list[tuple[int, date]]:
    """find_dates without the safety net: a bug here raises."""
    norm, index = _normalise(text)
    spans: list[tuple[int, int, date]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(norm):
            found = _from_match(match)
            if found:
                spans.append((match.start(), match.end(), found))
    if yearless:
        ref = today or date.today()
        for match in _YEARLESS.finditer(norm):
            found = _yearless(match, ref)
            if found:
                spans.append((match.start(), match.end(), found))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, date]] = []
    end = -1
    for start, stop, found in spans:
        if start >= end:
            out.append((index[start] if index else start, found))
            end = stop
    return out


def _strptime(text: str, fmt: str) -> date | None:
    for candidate in (text.strip(), _normalise(text.strip())[0]):
        try:
            return datetime.strptime(candidate, fmt).date()
        except (ValueError, TypeError):
            continue
    return None


def _parse_date(text: str, *, today: date | None = None, fmt: str | None = None) -> date | None:
    """parse_date without the safety net: a bug here raises."""
    if fmt:
        hinted = _strptime(text, fmt)
        if hinted:
            return hinted
    found = _find_dates(text, today=today)
    return found[0][1] if found else None


def _swallowed(name: str, text: object, error: Exception) -> None:
    """Log an exception the public functions absorbed: one line, the input shortened, no traceback."""
    _log.warning("%s(%s) failed: %s: %s", name, _REPR.repr(text), type(error).__name__, error)


def find_dates(text: str, *, today: date | None = None, yearless: bool = True) -> list[tuple[int, date]]:
    """Every date in ``text`` as (start offset in ``text``, date), in order of appearance; never raises
    (on a bug, logs a warning and returns []). A short text's answer is kept (`_found`): the extractor
    asks about the same lines of a page several times."""
    try:
        if len(text) > _CACHED_CHARS:
            return _find_dates(text, today=today, yearless=yearless)
        # without yearless dates ``today`` changes nothing; with them, the day it stands for is the key
        ref = (today or date.today()) if yearless else None
        return list(_found(text, ref, yearless))
    except Exception as error:  # a date parser must never take a page down
        _swallowed("find_dates", text, error)
        return []


_CACHED_CHARS = 200  # texts kept by _found: lines and short paragraphs, never a whole page


@lru_cache(maxsize=4096)
def _found(text: str, today: date | None, yearless: bool) -> tuple[tuple[int, date], ...]:
    return tuple(_find_dates(text, today=today, yearless=yearless))


def parse_date(text: str, *, today: date | None = None, fmt: str | None = None) -> date | None:
    """The first date in ``text`` (``fmt``, a strptime format, tried first); None when there is none;
    never raises (on a bug, logs a warning and returns None)."""
    try:
        return _parse_date(text, today=today, fmt=fmt)
    except Exception as error:
        _swallowed("parse_date", text, error)
        return None
