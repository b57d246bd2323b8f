"""How alike two statement texts are, for clustering (``cluster``): shingled word 3-grams of the normalised
body, with the signatories' names taken out first (two different statements of one coalition share their
whole signatory list, which says nothing about their texts); and the page text hash of one text
(``text_sha``, stored in ``statements.text_sha``).

Pure and bounded: at most ``MAX_CHARS`` characters and ``MAX_WORDS`` words of a text, ``MAX_NAMES`` names.
A text with fewer than ``MIN_SHINGLES`` shingles, or two texts in different scripts (an Arabic statement
and its English version), cannot be compared: `likeness` says None and the caller decides on other cues.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.names import normalize

SHINGLE = 3  # words per shingle
MAX_CHARS = 40_000
MAX_WORDS = 3_000
MAX_NAMES = 300
MIN_SHINGLES = 8
MIN_HASH_CHARS = 100  # a shorter body (a teaser, a page shell) does not identify an item
_GAP = "\x00"  # where a name was: no shingle spans it


@dataclass(frozen=True)
class Text:
    """A text as compared: its shingles and its script ("arabic", "latin", or "" without letters)."""

    shingles: frozenset[str]
    script: str

    @property
    def comparable(self) -> bool:
        return len(self.shingles) >= MIN_SHINGLES


@dataclass(frozen=True)
class Likeness:
    """Jaccard (shared / all shingles) and overlap (shared / the smaller text's shingles: a copy inside a
    longer page, or a page without the preamble, still overlaps fully)."""

    jaccard: float
    overlap: float


def text_of(body_norm: str, names: Iterable[str] = ()) -> Text:
    """The comparable form of a normalised body (``bot.names.normalize``), without ``names``."""
    body = f" {body_norm[:MAX_CHARS]} "
    folded = {normalize(n).strip() for n in names if n}
    for name in sorted((n for n in folded if len(n) >= 3), key=len, reverse=True)[:MAX_NAMES]:
        body = body.replace(f" {name} ", f" {_GAP} ")
    words = body.split()[:MAX_WORDS]
    grams = frozenset(
        " ".join(words[i : i + SHINGLE])
        for i in range(len(words) - SHINGLE + 1)
        if _GAP not in words[i : i + SHINGLE]
    )
    return Text(grams, _script(body))


_ARABIC = re.compile("[\u0600-\u06ff]")
_LATIN = re.compile("[a-z]")  # normalised text is casefolded


def _script(text: str) -> str:
    sample = text[:4000]
    arabic, latin = len(_ARABIC.findall(sample)), len(_LATIN.findall(sample))
    return "arabic" if arabic > latin else "latin" if latin else ""


def likeness(a: Text, b: Text) -> Likeness | None:
    """How alike ``a`` and ``b`` are; None when they cannot be compared (too short, different scripts)."""
    if not (a.comparable and b.comparable) or a.script != b.script:
        return None
    shared = len(a.shingles & b.shingles)
    return Likeness(shared / len(a.shingles | b.shingles), shared / min(len(a.shingles), len(b.shingles)))


def text_sha(title_norm: str, body_norm: str) -> str | None:
    """The page text hash of a statement (normalised title and body); None for a body too short to tell
    two items apart."""
    if len(body_norm.strip()) < MIN_HASH_CHARS:
        return None
    return hashlib.sha256(f"{title_norm.strip()}\n{body_norm.strip()}".encode()).hexdigest()
