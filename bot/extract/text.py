"""Text helpers shared by the extraction passes: the Line record, folding, names, sentences, script.

Owns the `Line` record (one line of page text with its structural context), the folding used for
matching cue words (never for output), name cleaning (numbering, bullets, trailing punctuation),
inline-list splitting, quote removal, sentence splitting, lead selection, date lines and the language
guess. Contains no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.dates import find_dates


@dataclass(frozen=True)
class Line:
    """One line of page text. ``block``: id of the element it sits in (the <br> lines of one <p> share it);
    ``group``: id of the enclosing list or table (0 = none); ``row``/``col``: table cell position."""

    text: str
    tag: str = "p"
    block: int = 0
    group: int = 0
    heading: bool = False
    link: bool = False
    row: int = -1
    col: int = -1
    quote: bool = False  # inside a <blockquote>


_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u061c\u202a-\u202e]")
_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "’": "'", "‘": "'"}
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_FOLD_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
)


def folded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A regex for folded text, written with ordinary Arabic spelling (its letters are folded too)."""
    return re.compile(pattern.translate(_FOLD_LETTERS), flags)


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Matching key: NFKC, marks and tatweel dropped, hamza/ta-marbuta folded, ASCII digits, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = _MARKS.sub("", text).translate(_FOLD).translate(_DIGITS)
    return re.sub(r"\s+", " ", text).strip().lower()


def squash(text: str) -> str:
    """Whitespace (incl. no-break and zero-width spaces) collapsed to single spaces, trimmed."""
    return re.sub(r"[\s\u00a0\u200b]+", " ", text).strip()


def words(text: str) -> int:
    return len(text.split())


# ───────────────────────────── names ─────────────────────────────

_NUMBERING = re.compile(r"^\s*[(\[]?\s*[0-9٠-٩۰-۹]{1,3}\s*[)\].\-–—:/]+\s*")
_BARE_NUMBER = re.compile(r"^\s*[0-9٠-٩۰-۹]{1,3}\s+(?=\D)")
_BULLETS = re.compile(r"^[\s•·\-–—*▪◦●○■□►▸▹✓✔➢➤→»>]+")
_TRAIL = re.compile(r"[\s.,;:،؛\-–—]+$")
_URLISH = re.compile(r"https?://|www\.|@\w+\.\w|\+?\d[\d\s\-()]{7,}\d")


def clean_name(raw: str) -> str:
    """A signatory as written, minus list numbering, bullets and surrounding punctuation."""
    name = squash(raw)
    for _ in range(2):
        name = _BULLETS.sub("", name)
        name = _NUMBERING.sub("", name)
    name = _TRAIL.sub("", name).strip()
    if name.count("(") < name.count(")") and name.startswith(")"):
        name = name[1:].strip()
    return name


_LIST_NOTE = re.compile(
    r"^[(\[][^()\[\]]*[)\]]$|الترتيب الابجدي|حسب الترتيب|ترتيب ابجدي|\balphabetical(?:ly)?\b"
    r"|\bin no particular order\b",
    re.I,
)


_NOT_A_NAME_START = re.compile(  # a demand or a link in a list, not a name
    r"^(?:to|and|or|the|a|an|in|on|for|with|by|from|of)\s|^(?i:read|click|download|share|follow)\b"
)


def plausible_name(name: str) -> bool:
    """Short enough, has letters, is not a link, e-mail, phone number or a note on the list ("(in
    alphabetical order)")."""
    if not name or len(name) > 150 or words(name) > 14:
        return False
    if not re.search(r"[^\W\d_]", name) or _URLISH.search(name) or _LIST_NOTE.search(fold(name)):
        return False
    if any(unicodedata.category(c) == "So" for c in name):  # emoji, "©": view counters, reactions, copyright
        return False
    if _NOT_A_NAME_START.match(name):  # "to impose sanctions on …", "Read the full statement"
        return False
    return fold(name) not in {"and", "و", "etc", "الخ", "وغيرها", "others"}


def _split_outside_parens(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        if ch in ",،;؛|·•" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


_AR_ORG_START = (
    r"(?:ال)?(?:منظم|مركز|رابط|جمعي|شبك|هيئ|مؤسس|اتحاد|تجمع|لجن|حرك|منتد|تحالف|ائتلاف|مجموع|مبادر|فريق|"
    r"نقاب|مجلس|منبر|حزب|معهد|مرصد)"
)
_AR_CONJ = re.compile(rf"\s+و\s*(?={_AR_ORG_START})")
_GLUED_WA = re.compile(rf"^و\s*(?=ال|{_AR_ORG_START})")
_EN_CONJ = re.compile(r"\s+(?:and|&)\s+(?=\S)", re.I)


def _strip_conjunction(part: str) -> tuple[str, bool]:
    m = re.match(r"^(?:and|&)\s+(.+)$", part, re.I)
    if m:
        return m.group(1), True
    m = re.match(r"^و\s+(.+)$", part)
    if m:
        return m.group(1), True
    if _GLUED_WA.match(part):
        return _GLUED_WA.sub("", part), True
    return part, False


_INLINE_NUMBER = re.compile(r"(?:^|(?<=\s))(?:\((?P<a>[0-9٠-٩]{1,3})\)|(?P<b>[0-9٠-٩]{1,3})\s*[-.)–])\s*")


_DASH_SEP = re.compile(r"\s+[-–—]\s+")


def _dash_run(text: str) -> list[str] | None:
    """ "A - B - C" on one line with no other separator: the items (at least three, each short)."""
    items = [p.strip() for p in _DASH_SEP.split(text)]
    if len(items) < 3 or not all(items) or any(words(p) > 8 for p in items):
        return None
    return items


def _numbered_run(text: str) -> list[str] | None:
    """ "1- A 2- B 3- C" / "١- أ ٢- ب ٣- ج" / "(1) A (2) B (3) C" written on one line: the items, when the
    numbers run 1, 2, 3 … from the start of the text (at least three of them); otherwise None."""
    cuts: list[tuple[int, int]] = []
    for m in _INLINE_NUMBER.finditer(text):
        if int(m.group("a") or m.group("b")) == len(cuts) + 1 and (cuts or not text[: m.start()].strip()):
            cuts.append((m.start(), m.end()))
    if len(cuts) < 3:
        return None
    ends = [start for start, _ in cuts[1:]] + [len(text)]
    items = [text[begin:end].strip() for (_, begin), end in zip(cuts, ends, strict=True)]
    return items if all(items) else None


def split_inline(text: str) -> list[str]:
    """Split "A, B, C and D" / "أ، ب، وج" into names (commas inside parentheses do not split);
    a numbered run "1- A 2- B 3- C" splits at its numbers only."""
    numbered = _numbered_run(text)
    if numbered:
        return numbered
    parts = _split_outside_parens(text)
    if not parts:
        return []
    if len(parts) == 1:
        parts = _dash_run(parts[0]) or parts
    glued = [p for p in parts[1:] if _GLUED_WA.match(p)]
    if len(glued) >= 2:  # "أ، وب، وج": the conjunction is glued to every name after the first
        parts = parts[:1] + [_GLUED_WA.sub("", p) if _GLUED_WA.match(p) else p for p in parts[1:]]
    last, had_conj = _strip_conjunction(parts[-1])
    parts[-1] = last
    if not had_conj and len(parts) >= 2:  # "A, B and C": the last conjunction separates two names
        found = list(_AR_CONJ.finditer(last)) or list(_EN_CONJ.finditer(last))
        if found:
            cut = found[-1]
            parts[-1:] = [last[: cut.start()].strip(), last[cut.end() :].strip()]
    return [p for p in parts if p]


def separators(text: str) -> int:
    numbered = _numbered_run(text)
    if numbered:
        return len(numbered) - 1
    parts = _split_outside_parens(text)
    dashed = _dash_run(parts[0]) if len(parts) == 1 else None
    return len(dashed or parts) - 1


# ───────────────────────────── sentences, quotes, lead ─────────────────────────────

_QUOTED = re.compile(r"“[^“”\n]{0,1500}”|«[^«»\n]{0,1500}»|\"[^\"\n]{0,1500}\"|”[^“”\n]{0,400}”")
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")


_OPEN_Q = '“«"„'
_CLOSE_Q = '”»"'


def quoted_lines(lines: list[Line]) -> list[bool]:
    """Which lines are quoted passages: a <blockquote>, or the paragraphs of a quotation that opens at
    the start of one paragraph and closes at the end of a later one (one that never closes is not)."""
    out: list[bool] = []
    opened = -1  # the line where the open quotation began
    for index, line in enumerate(lines):
        text = line.text.strip()
        if opened < 0 and text[:1] in _OPEN_Q and not _closes(text[1:]):
            opened = index
            out.append(True)
            continue
        out.append(opened >= 0 or line.quote)
        if opened >= 0 and text[-1:] in _CLOSE_Q:
            opened = -1
    if opened >= 0:  # a quotation that never closes is a stray mark, not a quoted passage
        out[opened:] = [line.quote for line in lines[opened:]]
    return out


def _closes(text: str) -> bool:
    return any(q in text for q in "”»") or text.count('"') % 2 == 1


def unquote(text: str) -> str:
    """The text without quoted passages (what others said is not the page's own voice)."""
    return _QUOTED.sub(" ", text)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def lead_of(paragraphs: list[str], limit: int = 350) -> str | None:
    """First one or two sentences of the first real paragraph, at most ``limit`` characters."""
    for para in paragraphs:
        if words(para) < 8:
            continue
        parts = sentences(para)
        lead = parts[0]
        if len(parts) > 1 and len(lead) + len(parts[1]) + 1 <= limit:
            lead = f"{lead} {parts[1]}"
        if len(lead) > limit:
            cut = lead[:limit].rsplit(" ", 1)[0]
            lead = cut.rstrip(" ,،;؛:") + "…"
        return lead
    return None


# ───────────────────────────── dates in lines ─────────────────────────────

_NUMERIC_DATE = re.compile(r"\d{1,4}\s*[/.\-\\]\s*\d{1,2}\s*[/.\-\\]\s*\d{1,4}")


def is_date_line(text: str) -> bool:
    """A short line that is (mostly) a date, possibly with a place: "عمّان، 29 تموز 2006", "Nov 16th, 2015"."""
    if len(text) > 60 or words(text) > 8:
        return False
    if find_dates(text, yearless=False):
        return True
    return bool(_NUMERIC_DATE.search(fold(text))) and words(text) <= 5


# ───────────────────────────── language ─────────────────────────────


def script_share(text: str) -> float | None:
    """Share of Arabic letters among Arabic and Latin letters (None when there are none)."""
    arabic = len(re.findall(r"[\u0600-\u06ff\u0750-\u077f]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    total = arabic + latin
    return arabic / total if total else None


def language_of(body: str, names: list[str]) -> str | None:
    """ar / en / mixed from the script of the text; a list mostly in the other script makes it mixed."""
    share = script_share(body[:20_000])
    if share is None:
        return None
    lang = "ar" if share >= 0.85 else "en" if share <= 0.15 else "mixed"
    if lang != "mixed" and names:
        shares = [script_share(n) for n in names]
        other = sum(1 for s in shares if s is not None and (s < 0.5 if lang == "ar" else s > 0.5))
        if other / len(names) >= 0.2:
            lang = "mixed"
    return lang
