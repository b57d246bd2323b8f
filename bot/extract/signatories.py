"""Signatory blocks: headings, the names under them, and inline "endorsed by A, B and C" sentences.

Owns the recognition of signatory headings (الموقعون، المنظمات الموقعة، قائمة الموقعين، Signatories,
Signed by, The undersigned …), organisation/individual sub-sections, and the collection of names from
<ul>/<ol> items, one-name <p>s or <br> lines, tables (category header cells, meta columns dropped) and
inline comma lists, up to where the list ends. Other lists (demands, victims) and names in running text
are never read.
Contains no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.extract.cues import ORG_WORD
from bot.extract.text import (
    Line,
    clean_name,
    fold,
    folded,
    is_date_line,
    plausible_name,
    separators,
    split_inline,
    words,
)

_SIG = folded(
    r"(?<![^\s/(])(?:و?ال)?موقع(?:ون|ين|ات|ه|و|ي)(?![^\s:/)])"
    r"|التوقيعات|التواقيع|(?:^|\s)(?:وقع|وقعت|يوقع)\s+علي?"
    r"|\bsignator(?:y|ies)\b|\bsigned\b|\bundersigned\b|\bco-?signed\b|\bendorsed\s+by\b|\bsigners\b"
    r"|\bendorsements?\b|\bsignataires\b|\binitiat(?:ing|ors)\b|\bco-?sponsor(?:s|ed|ing)?\b"
    r"|(?:^|\s)(?:ال)?مستقيل(?:ون|ين|ات)(?![^\s:/)])|\bresign(?:ing|ed) members\b",
    re.I,
)
_IND_STRONG = folded(
    r"individual|personal|\bpersons?\b|\bpeople\b|in (?:their"
    r"|his|her) own (?:name|capacity)|الافراد|افراد|بصف(?:ت|ه)"
    r"|شخصي|الشخصيات|شخصيات",
    re.I,
)
_IND_WEAK = folded(r"الاعضاء|اعضاء|المستقيل|ناشط|\bactivists\b|\bmembers\b|\bexperts\b|\bdefenders\b", re.I)
_ORG = folded(
    r"organi[sz]ations?|\bgroups\b|associations|networks|\bngos\b|\bcsos\b|institutions|coalitions|منظمات"
    r"|الجهات|المؤسسات|مؤسسات|الهيئات|الجمعيات|الروابط|المنسحب|التجمعات|الاحزاب|النقابات|الشبكات|الكيانات",
    re.I,
)
_META_COLUMN = folded(
    r"^(?:country|countries|البلد|الدوله|الدول|website|web|url|الموقع الالكتروني|acronym|الاختصار|no\.?|#|n°"
    r"|number|الرقم|الرقم التسلسلي|م|type|النوع|city|المدينه|location|المكان|logo|الشعار|date|التاريخ|email"
    r"|role|position|الصفه|المنصب|based in|المقر)$",
    re.I,
)
_CHROME_LINE = folded(
    r"^(?:share|شارك|مشاركه|read more|اقرا المزيد|اقرا ايضا"
    r"|tags|related|posted in|filed under|category|categories"
    r"|التصنيف|الوسوم|print|طباعه|email|e-mail|phone|tel|هاتف"
    r"|contact|للتواصل|للمزيد|for more|more info|©|copyright"
    r"|(?:for\s+)?(?:media|press)\s+(?:contacts?|inquiries|enquiries)|(?:ال)?تواصل\s+(?:ال)?اعلامي|للاستفسارات"
    r"|جميع الحقوق|all rights|source|المصدر|photo|صوره|download|تحميل|previous|next|السابق|التالي)\b",
    re.I,
)
_TRIGGER_EN = folded(
    r"\b(?:is|are|was|were|has been|have been)\s+(?:jointly\s+"
    r"|also\s+)?(?:endorsed|signed|co-signed|supported)\s+by"
    r"\s*:?\s+(?P<rest>.+)$",
    re.I,
)
_TRIGGER_UN = re.compile(
    r"\bshare the views expressed in (?:this|the) statement\s*:\s*(?P<rest>.+)$"
    r"|\bstatement\*?\s+submitted\s+by\s+(?P<sub>.+?),?\s+(?:non-governmental organi[sz]ations?|ngos?)"
    r"\s+(?:in|with|without)\s+(?:general|special|roster)?\s*consultative status",
    re.I,
)
_NOT_SIG = folded(r"^(?:recent|latest|new|newest|اخر|احدث)\b", re.I)
_PERSON_LINE = re.compile(
    r"^(?P<name>(?:(?:dr|prof|mr|mrs|ms|eng|av)\.?\s+)?(?:[A-Z][\w'’.-]+\s+){1,3}[A-Z][\w'’.-]+)\s+[–—-]\s+"
    r"(?P<role>.+)$"
)
_ROLE = re.compile(
    r"^(?:professor|lecturer|journalist|writer|author|director|lawyer|attorney|judge|activist|researcher"
    r"|founder|co-founder|member|chair|president|coordinator|human rights defender|doctor|physician"
    r"|artist|former|executive|head|senior|independent|expert|academic|survivor|ceo)\b",
    re.I,
)
_TRIGGER_AR = folded(r"(?:وقع|وقعت|يوقع)\s+(?:علي|على)\s+(?:هذا|هذه)?\s*\S+\s*(?:كل من)?\s*:\s*(?P<rest>.+)$")
_ISSUED_BY = re.compile(
    r"^(?:بيان\s+(?:مشترك\s+)?)?صادر[ةه]?\s+(?:عن|من)\s*:?\s*(?P<rest>.+)$"
    r"|^(?:joint\s+)?(?:statement|letter|appeal)\s+(?:issued\s+|signed\s+)?by\s*:?\s*(?P<en>.+)$",
    re.I,
)
_LABEL = re.compile(r"^\s*\S+(?:\s+\S+){0,2}\s*:\s*\S")
_HEAD_TAGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6", "th"])
_COUNTED = folded(r"^(?:\d+|more than|over|dozens|hundreds|several|عدد|عشرات|مئات|اكثر من)\b", re.I)
_PARTIAL = folded(  # "signed by A, B and C, among others": a reporter's sample of the signers, not the block
    r"(?:\b(?:among(?:st)? others|and (?:many |several )?others|etc)|(?:^|\s)(?:و?غيرها|و?غيرهم|واخرين|واخرون"
    r"|وسواها))\W*$|^(?:including|such as|among them|من بينها|منها|بينها|ومنها)\b",
    re.I,
)


@dataclass
class Signatures:
    """Names found under signatory headings (``headed``) or in an inline endorsement sentence."""

    orgs: list[str] = field(default_factory=list)
    individuals: list[str] = field(default_factory=list)
    headed: bool = False
    inline: bool = False  # every name so far came from an inline sentence ("وقّع على البيان كل من: …")
    seen: set[tuple[bool, str]] = field(default_factory=set)

    def add(self, raw: str, mode: str) -> int:
        name = clean_name(raw)
        if not plausible_name(name):
            return 0
        person = _PERSON_LINE.match(name)
        role = person and (mode == "ind" or _ROLE.match(person.group("role")))
        if person and role and not ORG_WORD.search(fold(person.group("name"))):
            name, mode = person.group("name"), "ind"  # "Name – title, affiliation" in a mixed list
        target = self.individuals if mode == "ind" else self.orgs
        key = (mode == "ind", fold(name))
        if key in self.seen:
            return 0
        self.seen.add(key)
        target.append(name)
        return 1


def heading_kind(line: Line, *, strict: bool = False) -> tuple[str | None, str]:
    """("sig" | "ind" | "org" | None, inline text after the colon) for a possible heading line.

    ``strict`` (inside a block): only heading elements, bold lines or lines with a colon qualify."""
    head, sep, rest = line.text.partition(":")
    key = fold(head).strip(" -–—/|*•.")
    if not key or len(key) > 70 or words(key) > 9 or _NOT_SIG.match(key):
        return None, ""
    if not (line.tag in _HEAD_TAGS or sep or (not strict and (line.heading or words(key) <= 4))):
        return None, ""
    sig = bool(_SIG.search(key))
    if _IND_STRONG.search(key) or (_IND_WEAK.search(key) and not _ORG.search(key) and words(key) <= 6):
        return ("ind", rest) if sig or words(key) <= 6 else (None, "")
    if sig:
        return "sig", rest
    if _ORG.search(key) and words(key) <= 5 and (line.heading or sep or words(key) <= 2):
        return "org", rest
    return None, ""


def _subheading(line: Line) -> bool:
    """A heading element, or a short line ending with a colon (not bold alone: names can be bold)."""
    n = words(line.text)
    return (line.tag in _HEAD_TAGS and n <= 10) or (line.text.rstrip().endswith(":") and n <= 8)


def _list_follows(lines: list[Line], i: int) -> bool:
    """After a sub-heading at ``i``: does another run of names follow (a second group of signatories)?"""
    if _CHROME_LINE.match(fold(lines[i].text)) or i + 1 >= len(lines):
        return False
    nxt = lines[i + 1]
    return nxt.tag in ("li", "td") or (words(nxt.text) <= 8 and not _stop(nxt) and not nxt.text.endswith(":"))


def _inline_list(line: Line) -> bool:
    parts = len(split_inline(line.text)) if separators(line.text) else 1
    return line.tag not in ("li", "td", "th") and parts >= 3 and words(line.text) / parts <= 10


def _stop(line: Line) -> bool:
    text = line.text
    if words(text) > 14 or len(text) > 150 or is_date_line(text):
        return True
    if text.endswith(".") and words(text) >= 7:
        return True
    return bool(_CHROME_LINE.match(fold(text)))


def _punctuated_item(lines: list[Line], i: int) -> bool:
    """A long name closing with "." in a list whose items end with punctuation ("X،" / "Y."), not a
    closing sentence: the item before it ends with a mark too and it names an organisation."""
    text, before = lines[i].text, lines[i - 1].text.rstrip() if i else ""
    return (
        text.endswith(".")
        and 7 <= words(text) <= 12
        and before[-1:] in ".،,;؛"
        and bool(ORG_WORD.search(fold(text)))
        and not is_date_line(text)
        and not _CHROME_LINE.match(fold(text))
    )


def find_signatories(lines: list[Line]) -> Signatures:
    """Every signatory block of the page (headed blocks first, then inline endorsement sentences)."""
    found = Signatures()
    i = 0
    while i < len(lines):
        kind, rest = heading_kind(lines[i])
        if kind == "sig" or (kind == "ind" and _SIG.search(fold(lines[i].text))):
            sentence = _sentence_heading(lines[i], rest)
            i = _collect(lines, i, "ind" if kind == "ind" else "org", rest, found)
            found.inline = sentence and (found.inline or not found.headed)
            found.headed = True
            continue
        _trigger(lines[i].text, found)
        i += 1
    if not found.orgs and not found.individuals:
        _tail_sections(lines, found)
    return found


def _sentence_heading(line: Line, rest: str) -> bool:
    """ "ووقّع على البيان كل من: أ، ب، وج" in a paragraph: names run on in a sentence, as a reporter writes."""
    return bool(rest.strip()) and not line.heading and bool(_TRIGGER_AR.search(fold(line.text)))


def _trigger(text: str, found: Signatures) -> None:
    """Inline lists introduced in a sentence: "… is endorsed by A, B and C", "وقّع على البيان كل من: أ، ب"
    and a joint issuer line "صادر عن: أ، ب، وج" / "Joint statement by A, B and C" (two names at least)."""
    un = _TRIGGER_UN.search(text)
    if un:
        for name in split_inline((un.group("rest") or un.group("sub")).rstrip(". ")):
            found.headed = bool(found.add(name, "org")) or found.headed
        return
    en, ar = _TRIGGER_EN.search(text), _TRIGGER_AR.search(fold(text))
    joint = _ISSUED_BY.match(text) if not (en or ar) else None
    if en:
        rest = en.group("rest")
    elif ar:
        rest = text.partition(":")[2]
    elif joint:
        rest = joint.group("rest") or joint.group("en")
    else:
        return
    names = split_inline(rest.rstrip(". "))
    if en and not all(re.match(r"^(?:the\s+)?[A-Z0-9\u0600-\u06ff]", n) and words(n) <= 10 for n in names):
        return  # "… was supported by UOSSM until the end of March": a sentence, not a list of names
    if (
        _COUNTED.match(fold(rest))
        or _PARTIAL.search(fold(rest.strip()))
        or (joint and (len(names) < 2 or words(text) > 60))
    ):
        return
    for name in names:
        if found.add(name, "org"):
            found.inline = found.inline or not found.headed
            found.headed = True


def _collect(lines: list[Line], start: int, mode: str, rest: str, found: Signatures) -> int:
    """Names after the heading at ``start``; returns the index of the first line not consumed."""
    got = sum(found.add(name, mode) for name in split_inline(rest)) if rest.strip() else 0
    i = start + 1
    while i < len(lines):
        line = lines[i]
        if _list_ended(lines, i):
            break
        if line.tag in ("td", "th") and line.group:
            i, added = _table(lines, i, mode, found)
            got += added
            continue
        if got and _CHROME_LINE.match(fold(line.text)):
            break  # "Tags: …", "For media inquiries:" after the names
        kind, inline = heading_kind(line, strict=True)
        if kind:
            mode = "ind" if kind == "ind" else "org"
            got += sum(found.add(name, mode) for name in split_inline(inline)) if inline.strip() else 0
        elif _subheading(line) and not _inline_list(line):
            if got and not _list_follows(lines, i):
                break
        elif line.text.rstrip().endswith(":") or _LABEL.match(line.text):
            pass  # an introduction ("… signed by the following organisations:") or a "Country: Germany" line
        elif _inline_list(line):
            got += sum(found.add(name, mode) for name in split_inline(line.text))
        elif _stop(line) and not _punctuated_item(lines, i):
            break
        else:
            got += found.add(line.text, mode)
        i += 1
    return i


def _list_ended(lines: list[Line], i: int) -> bool:
    """A plain line right after a <ul>/<ol> of names ("More on Syria" link, a note) ends the block,
    unless it heads another group of names."""
    line, before = lines[i], lines[i - 1]
    if before.tag != "li" or line.tag in ("li", "td", "th") or line.group == before.group:
        return False
    return not (heading_kind(line, strict=True)[0] or _subheading(line) or line.heading)


def _table(lines: list[Line], start: int, mode: str, found: Signatures) -> tuple[int, int]:
    """Read the table whose cells start at ``start``: header cells name columns, meta columns are dropped."""
    group = lines[start].group
    end = start
    while end < len(lines) and lines[end].group == group and lines[end].tag in ("td", "th"):
        end += 1
    cells = lines[start:end]
    modes: dict[int, str] = {}
    for cell in cells:
        if cell.tag == "th" and cell.col not in modes:
            kind, _ = heading_kind(cell)
            key = fold(cell.text).strip(" :.")
            modes[cell.col] = "skip" if _META_COLUMN.match(key) else ("ind" if kind == "ind" else mode)
    columns = {c.col for c in cells}
    for col in columns:
        values = [c.text for c in cells if c.col == col and c.tag == "td"]
        numbers = values and all(re.fullmatch(r"[\d٠-٩.\-)(]+", v.strip()) for v in values)
        repeated = len(columns) > 1 and len(values) >= 3 and len(set(values)) <= len(values) / 2
        if numbers or (repeated and all(words(v) <= 2 for v in values)):  # numbering, or countries / types
            modes[col] = "skip"
    added = 0
    for cell in cells:
        col_mode = modes.get(cell.col, mode)
        if cell.tag == "td" and col_mode != "skip":
            added += found.add(cell.text, col_mode)
    return end, added


def _tail_sections(lines: list[Line], found: Signatures) -> None:
    """Bare "Organisations" + "Individuals" sections (both) count when their lists close the text."""
    for i, line in enumerate(lines):
        kind, rest = heading_kind(line)
        if kind not in ("org", "ind") or (not line.heading and not line.text.endswith(":")):
            continue
        trial = Signatures()
        end = _collect(lines, i, kind, rest, trial)
        closes = end >= len(lines) - 1 or bool(
            _CHROME_LINE.match(fold(lines[end].text))
        )  # then contacts, tags
        if closes and trial.orgs and trial.individuals:
            found.orgs, found.individuals, found.seen = trial.orgs, trial.individuals, trial.seen
            found.headed = True
        return
