"""Joint issuers named outside a signatory block: in the opening sentence, above the title, or signing
on consecutive lines at the end.

Owns three layouts of a statement of two or more organisations that carries no "Signatories" heading:
an inline list in the opening sentence ("X، Y، Z يبدون …", "The A (FIDH), the B (OMCT) and the C express
…", "تعرب X وY، وهو …، عن …", "أصدر كل من X وY بيانا", "Eight organisations – A, B … and H – have …"),
a run of organisation lines above the statement word or the title, and two or three organisation lines
closing the text ("المكتب السياسي لحزب X" / "المكتب السياسي للحزب Y"). Two lines that name one
organisation in two scripts (Arabic and English) are one organisation. Contains no I/O.
"""

from __future__ import annotations

import re

from bot.extract.cues import AR_PRESENT, DATELINE
from bot.extract.issuer import Candidate, name_like, tidy
from bot.extract.text import Line, fold, folded, script_share, words

_AR_PLURAL = (
    r"(?:ي|ت)(?:بدون|عربون|عربان|طالبون|طالبان|دينون|دينان|علنون|علنان|وكدون|دعون|دعوان"
    r"|ستنكرون|رفضون|عبرون|ناشدون)"
)
_AR_VERB = folded(rf"^(?:و|ف)?(?:{AR_PRESENT}|{_AR_PLURAL})$")
_EN_PLURAL = re.compile(
    r"\s(?:express|call|condemn|urge|welcome|demand|reject|denounce|appeal|stand|reiterate|are|have|jointly)\b"
)
_KULL = folded(r"(?:^|\s)(?:اصدر(?:ت)?|وقع(?:ت)?|اعلن(?:ت)?)\s+كل\s+من\s+(?P<x>.+?)\s+(?:بيان|على|علي|عن)")
_DASHED = re.compile(
    r"\b(?:organi[sz]ations|groups|ngos|networks)\s+[–—-]\s+(?P<x>[^–—]{10,600}?)\s+[–—-]\s+\w"
)
_END = folded(r"^(?:و)?(?:وهو|وهي|وهم|الذي|التي|which|who|whose)\b", re.I)


def joint_issuers(lines: list[Line], cands: list[Candidate]) -> list[str]:
    """Two or more organisations issuing the statement together (empty when there is one or none)."""
    for names in (_opening_list(lines), _run(cands, "top"), _run(cands, "signature")):
        distinct = _distinct(names)
        if len(distinct) >= 2:
            return distinct
    return []


def _distinct(names: list[str]) -> list[str]:
    """Names in order, one per organisation (a name in the other script beside it counts once)."""
    out: list[str] = []
    for name in names:
        key = fold(name)
        if any(key == fold(o) or key in fold(o) or fold(o) in key for o in out):
            continue
        share = script_share(name) or 0.0
        if out and all(abs(share - (script_share(o) or 0.0)) > 0.5 for o in out):
            continue  # "المجلس السرياني العالمي" / "World Syriac Council": one body, two scripts
        out.append(name)
    return out


def _run(cands: list[Candidate], source: str) -> list[str]:
    """Candidates of one source on consecutive lines (the longest run)."""
    found = sorted({(c.line, c.name) for c in cands if c.source == source})
    best: list[tuple[int, str]] = []
    current: list[tuple[int, str]] = []
    for item in found:
        if current and item[0] - current[-1][0] > 1:
            current = []
        current.append(item)
        if len(current) > len(best):
            best = list(current)
    return [name for _, name in best]


def _opening_list(lines: list[Line]) -> list[str]:
    for line in lines[:10]:
        if words(line.text) < 8 or line.link:
            continue
        text = _undateline(line.text)
        first = re.split(r"(?<=[.!?؟])\s", text, maxsplit=1)[0]
        return _listed(first)
    return []


def _undateline(text: str) -> str:
    m = DATELINE.match(text)
    return text[m.end() :].lstrip() if m and words(text[: m.end()]) <= 10 else text


def _listed(sentence: str) -> list[str]:
    """The organisations listed as the subject of the sentence."""
    key = fold(sentence)
    for pattern in (_KULL, _DASHED):
        m = pattern.search(key if pattern is _KULL else sentence)
        if m:
            span = m.group("x")
            return _org_items(
                _words_of(sentence, key, m.start("x"), m.end("x")) if pattern is _KULL else span
            )
    tokens = sentence.split()
    keys = [fold(t).strip("،,.:") for t in tokens]
    if keys and _AR_VERB.match(keys[0]):  # verb first: the subject follows it
        return _org_items(" ".join(tokens[1:]))
    for j in range(1, min(len(keys), 60)):  # subject first: up to the verb
        if _AR_VERB.match(keys[j]):
            return _org_items(" ".join(tokens[:j]))
    m = _EN_PLURAL.search(sentence)
    if m and re.match(r"^(?:The\s+)?[A-Z]", sentence):
        return _org_items(sentence[: m.start()])
    return []


def _words_of(plain: str, key: str, start: int, end: int) -> str:
    first = words(key[:start])
    return " ".join(plain.split()[first : first + words(key[start:end])])


def _org_items(span: str) -> list[str]:
    """The leading run of organisation names of a comma/"و"/"and" list, up to the first item that is not
    one ("، وهو برنامج …" ends it)."""
    out: list[str] = []
    for part in _split_outside_parens(span):
        if _END.match(fold(part).strip()):
            break
        for item in _CONJ.split(part):
            name = tidy(re.sub(r"^(?:and|&)\s+", "", item.strip(), flags=re.I))
            if not name_like(name):
                return out if len(out) >= 2 else []
            out.append(name)
    return out if len(out) >= 2 else []


_CONJ = re.compile(  # a conjunction between two names, outside parentheses
    r"\s+(?:and|&)\s+(?=(?:the\s+)?[A-Z])(?![^()]*\))"
    r"|\s+و\s*(?=(?:ال)?(?:منظم|مركز|رابط|جمعي|شبك|هيئ|مؤسس|اتحاد|تجمع|لجن|حرك|منتد|تحالف|ائتلاف|مجموع"
    r"|مبادر|فريق|نقاب|مجلس|منبر|حزب|معهد|مرصد|تيار|فيدرالي|فدرالي))(?![^()]*\))"
)


def _split_outside_parens(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if ch in ",،;؛" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]
