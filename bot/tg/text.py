"""Telegram text: UTF-16 length, HTML escaping, links, bidi isolation, shortening, splitting and packing.

Owns what every outgoing message obeys whatever it says: `tg_len` (UTF-16 units after entity parsing, what
the 4096 limit counts), `esc`, `link` (http(s) only, href escaped), `isolate` (Latin runs of Arabic lines in
U+2068…U+2069; `isolate_html` the same for Telegram-HTML, with ISO dates), `shorten`, `split_text`
(plain text → escaped chunks cut at natural breaks) and `pack`
(HTML blocks → messages ≤ ``LIMIT``, never cut inside a tag).

Must not: know statements, organisations or UI strings (that is `render` and `i18n`), do I/O or import
telegram. Pure; imports only bot.i18n (bidi helpers) and the stdlib.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.tg.i18n import FSI, PDI, has_rtl

LIMIT = 4096  # sendMessage text, UTF-16 units after entity parsing
MARGIN = 50  # kept free when cutting plain text (emoji counting is unverified live)
URL_MAX = 2048

_TAG = re.compile(r"<[^>]*>")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE = re.compile(r"[.!?؟؛۔]+(?=\s)|\n")
_SPACE = re.compile(r"\s+")
_BRACKETS = frozenset("()[]{}«»")
_RUN_BREAK = frozenset(("R", "AL", "B", "S", "LRI", "RLI", "FSI", "PDI", "LRE", "RLE", "LRO", "RLO", "PDF"))


# ───────────────────────────── length, escaping, links, direction ─────────────────────────────


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (Telegram's unit): BMP characters 1, astral ones (most emoji) 2."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def plain(fragment_html: str) -> str:
    """The text Telegram shows for an HTML fragment: tags stripped, entities unescaped."""
    return html.unescape(_TAG.sub("", fragment_html))


def tg_len(fragment_html: str) -> int:
    """UTF-16 code units of ``fragment_html`` after entity parsing (what the 4096 limit counts)."""
    return utf16_len(plain(fragment_html))


def esc(text: str) -> str:
    """Escape text for Telegram HTML (``<``, ``>``, ``&``)."""
    return html.escape(text, quote=False)


def linkable(url: str) -> bool:
    """True for an http(s) URL Telegram can carry in an href (no spaces or controls, ≤ URL_MAX)."""
    if not url or len(url) > URL_MAX or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def link(url: str, label: str) -> str:
    """``<a href>`` for http(s) URLs (href escaped with quote=True); anything else → the escaped label."""
    url = url.strip()
    text = label or url
    if not linkable(url):
        return esc(text)
    return f'<a href="{html.escape(url, quote=True)}">{esc(text)}</a>'


def _latin_spans(line: str) -> list[tuple[int, int]]:
    """Spans that start and end with a strong LTR character (digits may end them), never crossing RTL text."""
    spans: list[tuple[int, int]] = []
    start = end = -1
    for i, ch in enumerate(line):
        cls = unicodedata.bidirectional(ch)
        if cls == "L":
            start, end = (i if start < 0 else start), i + 1
        elif cls == "EN" and start >= 0:
            end = i + 1
        elif (cls in _RUN_BREAK or ch in _BRACKETS) and start >= 0:
            spans.append((start, end))
            start = -1
    if start >= 0:
        spans.append((start, end))
    return spans


def _widen(line: str, start: int, end: int) -> tuple[int, int]:
    """Keep tag-looking text together: '<b>' and '</x>' stay inside the isolate."""
    while start > 0 and line[start - 1] in "</":
        start -= 1
    if end < len(line) and line[end] == ">":
        end += 1
    return start, end


def isolate(text: str, *, always: bool = False) -> str:
    """Wrap Latin runs in U+2068…U+2069 in every line that has Arabic (or every line when ``always``)."""
    out = []
    for line in text.split("\n"):
        if always or has_rtl(line):
            for start, end in reversed(_latin_spans(line)):
                start, end = _widen(line, start, end)
                line = f"{line[:start]}{FSI}{line[start:end]}{PDI}{line[end:]}"
        out.append(line)
    return "\n".join(out)


_ISOLATES_OPEN = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI (closed by PDI)
_TAG_SPLIT = re.compile(r"(<[^>]*>)")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?(?: UTC)?")


def _isolated(text: str) -> list[bool]:
    """For each character: is it inside an isolate already (between FSI/LRI/RLI and its PDI)?"""
    depth, inside = 0, []
    for ch in text:
        if ch == PDI and depth:
            depth -= 1
        inside.append(depth > 0)
        if ch in _ISOLATES_OPEN:
            depth += 1
    return inside


def _isolate_segment(text: str) -> str:
    """Plain text: Latin runs (a /command with its arguments, an id) and ISO dates/times in FSI…PDI,
    leaving what an isolate already holds as it is."""
    inside = _isolated(text)
    spans = [_widen(text, a, b) for a, b in _latin_spans(text)] + [
        m.span() for m in _DATE_TIME.finditer(text)
    ]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if not inside[s[0]]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = f"{text[:start]}{FSI}{text[start:end]}{PDI}{text[end:]}"
    return text


def isolate_html(fragment_html: str) -> str:
    """``isolate`` for Telegram-HTML: in every line with Arabic, each text run outside the tags has its
    Latin runs (/commands, ids) and ISO dates in FSI…PDI; tags, hrefs and existing isolates are untouched.
    Idempotent, so a message may pass through it twice."""
    out = []
    for line in fragment_html.split("\n"):
        if has_rtl(plain(line)):
            parts = _TAG_SPLIT.split(line)
            line = "".join(
                p if i % 2 else esc(_isolate_segment(html.unescape(p))) for i, p in enumerate(parts)
            )
        out.append(line)
    return "\n".join(out)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ≤ ``limit`` characters at a word boundary, with '…' when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.،؛:;-—") + "…"


# ───────────────────────────── splitting and packing ─────────────────────────────


def _prefix_chars(text: str, budget: int) -> int:
    """How many characters of ``text`` fit in ``budget`` UTF-16 units."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > budget:
            return i
    return len(text)


def _cut_point(text: str, budget: int) -> int:
    """Where to cut: a paragraph break, else a sentence end, else a space (late enough), else a hard cut."""
    fit = max(1, _prefix_chars(text, budget))
    low = fit // 2
    for pattern in (_PARAGRAPH, _SENTENCE, _SPACE):
        ends = [m.end() for m in pattern.finditer(text, 0, fit) if m.end() > low]
        if ends:
            return ends[-1]
    spaces = [m.end() for m in _SPACE.finditer(text, 0, fit) if m.start() > 0]
    if spaces:
        return spaces[-1]
    while fit > 1 and (unicodedata.combining(text[fit]) or text[fit] in "\u200d\ufe0f"):
        fit -= 1  # keep a letter with its marks and an emoji with its joiner
    return fit


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Plain text → escaped HTML chunks ≤ ``limit`` UTF-16 units, cut MARGIN early at natural breaks."""
    budget = max(2, limit - min(MARGIN, limit // 4))
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        cut = len(rest) if utf16_len(rest) <= budget else _cut_point(rest, budget)
        piece, rest = rest[:cut].strip(), rest[cut:].strip()
        if piece:
            chunks.append(esc(piece))
    return chunks


def pack(blocks: Sequence[str], limit: int = LIMIT, sep: str = "\n\n") -> list[str]:
    """Greedily join self-contained HTML blocks into messages ≤ ``limit``; never cuts inside a tag.

    A block longer than the limit is sent as its plain text, split by split_text (formatting is lost).
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    sep_len = tg_len(sep)
    for block in blocks:
        if not plain(block).strip():
            continue
        n = tg_len(block)
        if n > limit:
            pieces = split_text(plain(block), limit)
            block = pieces.pop()
            n = tg_len(block)
            chunks += [sep.join(current), *pieces] if current else pieces
            current, size = [], 0
        if current and size + sep_len + n > limit:
            chunks.append(sep.join(current))
            current, size = [], 0
        size += n + (sep_len if current else 0)
        current.append(block)
    if current:
        chunks.append(sep.join(current))
    return chunks
