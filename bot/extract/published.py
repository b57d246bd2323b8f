"""The publication date of a statement page.

Owns the order of trust among the dates a page shows: the page's own metadata and post-meta elements,
the feed's date, a date line at the top (above or under the title: "Posted on: …", "صدر بتاريخ …"), a
post date glued to the start of the text ("06|04|2011 …"), a dateline opening a paragraph ("Geneva,
9 January 2008 – …", "كوبنهاغن، … 16 شباط 2012 –"), then a date line in the closing signature. Dates
inside running sentences are dates of events and never count; dates after tomorrow are typos.
Contains no I/O.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.dates import find_dates
from bot.extract.text import Line, is_date_line, words

_AFTER_DATE = re.compile(r"^\s*(?:م\b|AD\b)?\s*[-–—.|]")


def published(
    lines: list[Line], page_dates: list[date], hint: date | None, *, today: date | None = None
) -> date | None:
    """The first plausible date in the order of trust above."""
    latest = (today or date.today()) + timedelta(days=2)
    candidates: list[date] = list(page_dates)
    if hint:
        candidates.append(hint)
    candidates += _date_lines(_head(lines))
    candidates += _glued(lines[:3])
    candidates += _datelines(lines)
    candidates += _date_lines(lines[-6:])
    return next((d for d in candidates if d <= latest), None)


def _head(lines: list[Line]) -> list[Line]:
    """The lines above the text: up to six, before the first paragraph of twenty words or more."""
    out: list[Line] = []
    for line in lines[:6]:
        if words(line.text) >= 20:
            break
        out.append(line)
    return out


def _date_lines(lines: list[Line]) -> list[date]:
    out: list[date] = []
    for line in lines:
        if is_date_line(line.text):
            out += [d for _, d in find_dates(line.text, yearless=False)]
    return out


def _glued(lines: list[Line]) -> list[date]:
    """A numeric post date at the very start of a paragraph, glued to its first words."""
    for line in lines:
        found = find_dates(line.text[:14], yearless=False)
        if found and found[0][0] == 0 and re.match(r"^\d", line.text.translate(_DIGITS)):
            return [found[0][1]]
    return []


def _datelines(lines: list[Line]) -> list[date]:
    """A date in the first words of one of the first paragraphs, followed by a dash or a full stop."""
    out: list[date] = []
    for line in [ln for ln in lines[:8] if words(ln.text) >= 8][:3]:
        head = line.text[:120]
        for start, found in find_dates(head, yearless=False):
            tail = head[start:]
            m = re.match(r"^\S+(?:\s+\S+){0,3}?\s*\d{4}", tail.translate(_DIGITS))
            if m and _AFTER_DATE.match(tail[m.end() :]) and words(head[:start]) <= 10:
                out.append(found)
                break
    return out


_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
