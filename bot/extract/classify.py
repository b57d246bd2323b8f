"""The kind of a statement, what a withdrawal leaves, and whether a named author writes the page.

Owns the kind (withdrawal > open_letter > joint/single, as in the corpus conventions: docs/extraction.md),
the body a withdrawal leaves, and the person byline cue ("By Lina Haddad": an article, not an
organisation's voice). Quoted passages never count as the page's own voice. Contains no I/O.
"""

from __future__ import annotations

import re

from bot.extract.cues import ORG_WORD
from bot.extract.issuer import demark
from bot.extract.text import Line, fold, folded, unquote, words
from bot.models import Kind

SCAN = 30_000

_BYLINE = folded(r"^(?:by|written by|بقلم|كتب|كتبت|بواسطه)\s*:?\s+(?P<who>[^·|,،\d]+)", re.I)
_NOT_PERSON = folded(
    r"\b(?:admin\w*|editors?|editorial|staff|team|desk|agenc\w+|newsroom|reporters?|correspondents?)\b"
    r"|(?:^|\s)(?:ال)?(?:تحرير|محرر|فريق|مراسل|مراسلو|اداره)|[&@]",
    re.I,
)
_LETTER = folded(
    r"open letter|رساله مفتوحه|(?:this|our) (?:joint |open )?letter|(?:هذه|هذا) الرساله|رسالتنا",
    re.I,
)
_TITLE_LETTER = folded(r"\bletter\b|\bmessage (?:to|about)\b|رساله|مذكره", re.I)
_WITHDRAWAL = folded(
    r"انسحاب(?:ه|ها|هم|نا)(?:\s+\S+){0,2}\s+من\s|(?:ي|ت|ن)نسحب(?:ون)?\s+من\s"
    r"|(?:ال)?انسحاب\s+من\s+(?:ال)?(?:منص|ائتلاف|تحالف|مجلس"
    r"|هيئ|اتحاد|شبك|فيدراسيون|فدرالي|منبر|لجن|تجمع|جبه|مرجعي|عضوي)"
    r"|نستقيل\s+من\s|استقالتنا\s+من\s|(?:نعلن|تعلن|يعلن|يعلنون|اعلن|اعلنوا)\s+استقالت\w*\s+من\s"
    r"|تعليق\s+(?:ال)?(?:عضوي|مشارك|عمل|نشاط)|(?:ي|ت|ن)علق\s+(?:ال)?(?:عضوي|مشارك|عمل|نشاط)"
    r"|تجميد\s+(?:ال)?(?:عضوي|عمل|نشاط|مشارك)|(?:ي|ت|ن)جمد\s+(?:ال)?(?:عضوي|عمل|نشاط|مشارك)"
    r"|\bwithdraw(?:s|ing|al|n)?\s+(?:(?:its|our|their)\s+(?:membership"
    r"|participation|representatives?)\s+)?from\b"
    r"|\b(?:suspend|freez)\w*\s+(?:its|our|their"
    r"|all)?\s*(?:membership|participation|activities|activity|work)\b"
    r"|\bleav(?:e|es|ing)\s+the\s+(?:coalition|platform|council|network|alliance|federation|union)\b"
    r"|\bwe\s+(?:hereby\s+)?resign\s+from\b|\b(?:announce|submit)\w*\s+(?:our|their)\s+resignations?\s+from\b"
    r"|\b(?:end|terminat)\w*\s+(?:its|our|their)\s+membership\b",
    re.I,
)
_LEFT = (
    re.compile(
        r"(?:انسحاب\w*|ينسحب|تنسحب|ننسحب)(?:\s+(?:الكامل|النهائي|رسميا))?\s+من\s+(?P<x>[^،,.:;؛\n]{3,90})"
    ),
    re.compile(r"عضوي\w*(?:\s+\S+)?\s+في\s+(?P<x>[^،,.:;؛\n]{3,90})"),
    re.compile(r"withdraw\w*\s+(?:\w+\s+){0,3}?from\s+(?:the\s+)?(?P<x>[^,.;:\n]{3,90})", re.I),
    re.compile(r"membership\s+(?:in|of)\s+(?:the\s+)?(?P<x>[^,.;:\n]{3,90})", re.I),
)
_LEFT_END = re.compile(
    r"\s+(?:و?(?:حتى|بسبب|احتجاجا|نظرا|وذلك|على|علي|اعتبارا|ابتداء"
    r"|بعد|لعدم)|because|due|in protest|after|until)\b.*$"
)


def person_byline(lines: list[Line], byline: str | None = None) -> bool:
    """A named author at the top ("By Lina Haddad", "بقلم: سامر العلي"): an article, not an organisation's
    voice. Site accounts and desks ("By admin", "كتب المحرر", "by SNHR") are not persons."""
    for text in ([byline] if byline else []) + [line.text for line in lines[:4]]:
        m = _BYLINE.match(fold(text))
        if m and words(text) <= 12:
            who = m.group("who").strip()
            if 2 <= words(who) <= 4 and not (ORG_WORD.search(who) or _NOT_PERSON.search(who)):
                return not re.search(r"\b[A-Z]{2,}\b", text)
    return False


def kind_of(lines: list[Line], title: str | None, names: int, recipients: bool) -> Kind:
    """withdrawal > open_letter > joint (two or more signatories) > single."""
    text = fold(unquote("\n".join(line.text for line in lines)[:SCAN]))
    head = fold(title or "")
    if _WITHDRAWAL.search(head) or _WITHDRAWAL.search(text):
        return "withdrawal"
    if _TITLE_LETTER.search(head) or recipients or _LETTER.search(text):
        return "open_letter"
    return "joint" if names >= 2 else "single"


def withdrawn_from(lines: list[Line], title: str | None) -> str | None:
    """The platform, coalition or body a withdrawal leaves (best effort)."""
    for text in [line.text for line in lines[:8]] + [title or ""]:
        plain = demark(text)
        for pattern in _LEFT:
            m = pattern.search(plain)
            if m:
                left = re.sub(r"\s*#\s*", " ", _LEFT_END.sub("", m.group("x"))).strip(' "“”«»')
                left = re.sub(r"^(?:ال)?عضوي\S*\s+(?:في\s+)?|^membership\s+(?:in|of)\s+(?:the\s+)?", "", left)
                if 1 <= words(left) <= 10:
                    return left
    return None
