"""Organisation-name text: one folding for matching and search, and splitting a name from its acronym.

Owns `normalize` (Arabic and Latin names folded the same way: NFKC, harakat and other combining marks,
tatweel, أ/إ/آ/ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي, Arabic-Indic digits, quotes and punctuation, "&" → "and",
a leading "the", a detached "و" joined to its word, a few British spellings; idempotent), `normalize_text`
(the same folding for long texts, uncached), `split_name_and_acronym`, `acronym` and `paren_split`.

Must not: know about organisations, indexes or scores (that is `orgs`), or do any I/O. Imports only the
stdlib and `bot.marks` (its generated table), so every module may fold text the same way.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

from bot import marks

# ───────────────────────────── normalisation ─────────────────────────────


def _scan_marks() -> list[tuple[int, int]]:
    """Every combining mark (Mn, Me) and format character (Cf: ZWNJ, RLM, …) of this Python's Unicode
    database, as (first, last) ranges: the slow way (≈ 1.1 M lookups), for a database `marks` was not
    generated from."""
    ranges: list[tuple[int, int]] = []
    for c in range(sys.maxunicode + 1):
        if unicodedata.category(chr(c)) in ("Mn", "Me", "Cf"):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1] = (ranges[-1][0], c)
            else:
                ranges.append((c, c))
    return ranges


def _table_ranges() -> list[tuple[int, int]]:
    """The generated table `bot.marks` as (first, last) ranges."""
    pairs = (item.partition("-") for item in marks.RANGES.split())
    return [(int(a, 16), int(b or a, 16)) for a, _, b in pairs]


def _mark_class() -> re.Pattern[str]:
    """The marks `normalize_text` drops: the generated table `bot.marks` (scanned anew when Python's
    Unicode database is another one), plus tatweel and the Arabic marks."""
    ranges = _table_ranges() if unicodedata.unidata_version == marks.UNICODE_VERSION else _scan_marks()
    body = "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return re.compile(f"[{body}\u0640\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")


_MARKS = _mark_class()
_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ک": "ك"}
    | {a: str(i % 10) for i, a in enumerate("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")}
)
_APOSTROPHES = re.compile("['’‘`´ʼʻ]")
_NON_WORD = re.compile(r"[\W_]+")
_DETACHED_WAW = re.compile(r"(?<!\S)و (?=\S)")
_LEADING_THE = re.compile(r"^(?:the )+")
# Names are cached (they recur: the registry's, a coalition's members); a longer string is a text (a title,
# a body's start) seen once, and holding it would only grow memory: 300 characters and 65,536 entries held
# ≈ 12 MB more at the end of a first cycle of 10,000 new sources (bench/new_sources.py).
_CACHE_MAX_LEN = 120
_CACHE_ENTRIES = 1 << 13


def normalize_text(s: str) -> str:
    """Fold a text for matching and full-text search; keeps every word, in order. Uncached."""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", s).casefold())
    s = _MARKS.sub("", s).translate(_FOLD)
    s = _APOSTROPHES.sub("", s).replace("&", " and ")
    s = _NON_WORD.sub(" ", s).strip()
    return _DETACHED_WAW.sub("و", s)


_SPELLINGS = {"centre": "center", "centres": "centers", "organisation": "organization"}
_SPELLINGS |= {"organisations": "organizations", "defence": "defense", "programme": "program"}
_BRITISH = re.compile(r"\b(?:" + "|".join(_SPELLINGS) + r")\b")


def _normalize(s: str) -> str:
    folded = _LEADING_THE.sub("", normalize_text(s))
    return _BRITISH.sub(lambda m: _SPELLINGS[m.group()], folded) if "e" in folded else folded


_normalize_cached = lru_cache(maxsize=_CACHE_ENTRIES)(_normalize)


def normalize(s: str) -> str:
    """Fold a name (or a short text) for matching: `normalize_text` minus a leading "the", with British
    spellings of a few name words made American (centre → center, organisation → organization). Idempotent."""
    return _normalize(s) if len(s) > _CACHE_MAX_LEN else _normalize_cached(s)


# ───────────────────────────── acronyms ─────────────────────────────

_PAREN = re.compile(r"[(\[]\s*([^()\[\]]*?)\s*[)\]]")
_LATIN_ACRONYM = re.compile(r"[A-Z0-9][A-Za-z0-9&.\-]{1,11}")
_ARABIC_ACRONYM = re.compile(r"[\u0621-\u064a]{2,5}")
_SEPARATORS = "-–—/|:"


def _is_latin_acronym(token: str) -> bool:
    if not _LATIN_ACRONYM.fullmatch(token):
        return False
    upper = sum(c.isupper() for c in token)
    return upper >= 2 and upper >= sum(c.islower() for c in token)


def paren_split(raw: str) -> tuple[str, str] | None:
    """(text outside, text inside) of the last non-empty parenthesised group, or None."""
    groups = [m for m in _PAREN.finditer(raw) if m.group(1).strip()]
    if not groups:
        return None
    last = groups[-1]
    outside = (raw[: last.start()] + " " + raw[last.end() :]).strip(" " + _SEPARATORS)
    return " ".join(outside.split()), last.group(1).strip()


def _edge_split(text: str) -> tuple[str, str] | None:
    """A Latin acronym before or after a separator ("X – FSLA", "FFHR/Birati"), or a short Arabic one
    after it ("… – ماف"): (name, acronym)."""
    for sep in _SEPARATORS:
        head, found, tail = text.rpartition(sep)
        head, tail = head.strip(), tail.strip()
        if found and head and (_is_latin_acronym(tail) or _ARABIC_ACRONYM.fullmatch(tail)):
            return head, tail
        head, found, tail = text.partition(sep)
        head, tail = head.strip(), tail.strip()
        if found and tail and _is_latin_acronym(head):
            return tail, head
    return None


def split_name_and_acronym(raw: str) -> tuple[str, str | None]:
    """("Syrians for Truth and Justice (STJ)") → ("Syrians for Truth and Justice", "STJ").

    A parenthesised single word, a Latin acronym before/after a dash or slash, or a short Arabic word after
    one counts. A string that is only an acronym gives (raw, acronym); no acronym gives (raw, None)."""
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if _is_latin_acronym(text):
        return text, text
    inner = paren_split(text)
    if inner is not None and len(inner[1].split()) == 1 and len(inner[1]) <= 12:
        return (inner[0] or text), inner[1]
    edge = _edge_split(text)
    if edge is not None:
        return edge
    return text, None


def acronym(s: str) -> str | None:
    """The acronym in a name: "(STJ)", "( DAR )", "(ليليت)", "… – FSLA", or the whole of "SNHR"; else None."""
    return split_name_and_acronym(s)[1]
