"""The issuer of a single-organisation statement.

Owns, in order of trust: the closing signature (an organisation line among the last lines, after
dropping date/place lines, role lines such as "رئيس مجلس الأمناء" / "Media Office" and people signing for
the organisation; "رئيس الرابطة …" gives "الرابطة …"), "صادر عن …" / "Issued by …", the opening sentence
("يعلن مركز …", "“…” يتقدم", "X welcomes …"), an organisation before the colon of the title, and the most
frequent subject of statement verbs ("AAPSO confirms … AAPSO rejects"). Contains no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from bot.extract.text import Line, clean_name, fold, folded, is_date_line, words

_MARKS = folded("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
ORG_WORD = folded(
    r"(?:^|[\s(\"“«])(?:و?ل?ال|لل)?(?:منظمه|مركز|شبكه|رابطه|جمعيه|هيئه|حزب|مجلس|منبر|تحالف|ائتلاف|اتحاد|مؤسسه"
    r"|موسسه|لجنه|ممثليه|تجمع|حركه|منتدي|مبادره|فريق|نقابه"
    r"|مرصد|معهد|جبهه|تيار|منصه|الدفاع المدني|وحده|اكاديميه"
    r"|برنامج|مشروع|حمله|بيت)\b"
    r"|\b(?:organi[sz]ations?|association|center|centre"
    r"|network|society|league|union|coalition|council|committee"
    r"|foundation|institute|forum|party|movement|group|initiative"
    r"|campaign|alliance|federation|platform|solidarity"
    r"|trust|programme|program|project|observatory|syndicate|consortium|archive|commission|watch|collective"
    r"|ngo|cso)s?\b",
    re.I,
)
_ACRONYM = folded(r"^[A-Z][A-Z&-]{1,9}$|\([A-Z][A-Za-z&-]{1,9}\)")
_ROLE = folded(
    r"^(?:نائب\s+)?(?:رئيس|رئيسة|المدير(?:ه)?(?:\s+التنفيذي(?:ه)?|\s+العام(?:ه)?)?|مدير(?:ه)?(?:\s+عام)?"
    r"|الامين(?:ه)?\s+العام(?:ه)?|الناطق(?:\s+الرسمي)?(?:\s+باسم)?"
    r"|المتحدث(?:\s+الرسمي)?(?:\s+باسم)?|المنسق(?:ه)?"
    r"(?:\s+العام(?:ه)?)?|منسق(?:ه)?|عن|باسم|(?:ال)?مكتب\s+(?:ال)?(?:اعلامي"
    r"|سياسي|تنفيذي|صحفي)|مجلس\s+(?:ال)?(?:امناء|اداره)"
    r"|(?:ال)?هيئه\s+(?:ال)?(?:اداريه|تنفيذيه|سياسيه|العامه)"
    r"|(?:ال)?امانه\s+(?:ال)?عامه|(?:ال)?لجنه\s+(?:ال)?(?:تنفيذيه|مركزيه)"
    r"|(?:ال)?قياده\s+(?:ال)?(?:عامه|مركزيه)|vice[- ]president"
    r"|president|chair(?:man|woman|person)?|(?:executive\s+)?director"
    r"|secretary[- ]general|spokes(?:person|man|woman)|coordinator|media\s+office|press\s+office|secretariat"
    r"|board(?:\s+of\s+(?:trustees|directors))?|executive\s+(?:committee|board)|on\s+behalf\s+of|the\s+board)"
    r"(?:\s+(?:of|for)\b)?(?:\s*[,،:\-–—]\s*|\s+|$)",
    re.I,
)
_GLUED_LAM = re.compile(  # "المكتب الإعلامي لمنظمة …": the "ل" of the role's genitive is not part of the name
    r"^ل(?=(?:منظم|مركز|شبك|رابط|جمعي|هيئ|مؤسس|موسس|اتحاد|تجمع|لجن|حرك|منتد|تحالف|ائتلاف|مجموع|مبادر|فريق"
    r"|نقاب|مجلس|منبر|حزب|معهد|مرصد)\w)"
)
_PERSON = folded(
    r"^(?:الدكتور(?:ه)?|د\.|الاستاذ(?:ه)?|المحامي(?:ه)?|المهندس(?:ه)?|الشيخ|السيد(?:ه)?"
    r"|dr\.?|mr\.?|mrs\.?|ms\.?|prof\.?|professor|sheikh)\s",
    re.I,
)
_BYLINE = folded(
    r"^(?:source|sources|المصدر|المصادر|via|photo|صوره|تصوير|اعداد|تحرير|ترجمه|by|بقلم|كتب)\b", re.I
)
_JOB_WORD = folded(
    r"\b(?:director|manager|officer|coordinator|researcher|adviser|advisor|consultant|lawyer|journalist|writer"
    r"|editor|analyst|specialist|assistant|associate|fellow|intern|head|lead|chair\w*|president|founder"
    r"|spokes\w+)\b|(?:^|\s)(?:ال)?(?:مدير|مديره|منسق|منسقه|باحث|باحثه|محامي|محاميه|مستشار|مستشاره|كاتب|كاتبه"
    r"|صحفي|صحفيه|مسوول|مسووله|رييس|رييسه|عضو|مسؤول|مسؤوله)(?=\s|$|[،,])",
    re.I,
)
_DASH = re.compile(r"\s[–—-]\s")
_SENTENCE = re.compile(r"(?:\S+\s+){5,}\S+[.!?؟]$")
ISSUED = folded(r"^(?:بيان\s+)?صادر\s+(?:عن|من)\s*:?\s*|^(?:statement\s+)?issued\s+by\s*:?\s*", re.I)
_AR_OPEN = folded(
    r"^و?(?:يعلن|تعلن|ترحب|يرحب|يتقدم|تتقدم|تدين|يدين|يوكد"
    r"|توكد|يطالب|تطالب|تدعو|يدعو|يستنكر|تستنكر|يعرب|تعرب|ينعي"
    r"|تنعي|يهني|تهني|تتابع|يتابع|تعبر|يعبر|يرفض|ترفض|تحذر|يحذر|تناشد|يناشد|تحيي|يحيي|تشجب|يشجب|تبدي|يبدي)\s+"
)
_AR_STOP = folded(
    r"^(?:في|على|علي|عن|الى|إلى|من|مع|بعد|قبل|ضد|حول|امام|لدى|لدي|منذ|عبر|بشده|ببالغ|بخالص|بكل|بأشد|بعمق|بقلق"
    r"|بحزن|بارتياح|بفخر|بمزيد|بشكل|اليوم|مجددا|مرة|مره|ايضا|أيضا|كافة|جميع)$"
)
EN_VERBS = (
    r"(?:welcomes|condemns|announces|calls|urges|expresses"
    r"|reiterates|demands|rejects?|denounces|affirms|confirms"
    r"|mourns|congratulates|appeals|stresses|warns|regrets|deplores|supports|applauds|follows|considers?"
    r"|believes?|hopes|declares|emphasi[sz]es|notes|is\s+(?:deeply\s+)?(?:concerned|alarmed|outraged))\b"
)
_EN_SUBJECT = folded(
    r"\b((?:[A-Z][\w'’&-]*|of|for|and|the|in|on)(?:\s+(?:[A-Z][\w'’&-]*|of|for|and|the|in|on|\([A-Z]+\)))*)"
    rf"\s+(?:\w+ly\s+|also\s+)?{EN_VERBS}"
)
_DATELINE = re.compile(r"^[^.—–]{2,60}?\b\d{4}\s*[—–]\s*")  # "Gaziantep, 18 September 2024 — "
_PRONOUNS = {"it", "he", "she", "they", "we", "this", "that", "the", "and", "i", "you", "which", "who"}


class Issuer(NamedTuple):
    name: str | None
    source: str | None  # signature | issued | opening | title | subject | hint


def demark(text: str) -> str:
    return _MARKS.sub("", text)


def org_like(name: str, context: str = "") -> bool:
    """An organisation name: has an organisation word or an acronym, or is named elsewhere in ``context``."""
    if not name or words(name) > 14 or not re.search(r"[^\W\d_]{2}", name):
        return False
    key = fold(name).strip(" .")
    if _ACRONYM.search(name):
        return True
    if words(name) == 1:  # "Dawlaty" when named again; never a bare "المركز" / "the Centre"
        return not key.startswith(("ال", "the")) and len(key) >= 4 and key in fold(context)
    return bool(ORG_WORD.search(key)) or (len(key) >= 6 and key in fold(context))


def _strip_role(text: str) -> str:
    """ "رئيس الرابطة …" → "الرابطة …"; a line that is only a role ("رئيس مجلس الأمناء") → ""."""
    rest = text
    for _ in range(3):
        m = _ROLE.match(fold(rest))
        if not m:
            break
        rest = _GLUED_LAM.sub("", re.sub(r"^لل", "ال", " ".join(rest.split()[words(m.group(0)) :])))
    return rest


def closing_signature(lines: list[Line], title: str | None) -> str | None:
    """The organisation that signs at the end, after the body (role, person and date lines skipped)."""
    tail = max(len(lines) - 8, 0)
    if not any(words(line.text) >= 15 for line in lines[: tail + 7]):
        return None
    for index in range(len(lines) - 1, tail - 1, -1):
        line = lines[index]
        text = ISSUED.sub("", line.text).strip()
        if words(text) > 25:
            return None
        if not text or line.tag == "li" or is_date_line(text) or _not_a_signature(line, lines):
            continue
        person = _PERSON.match(fold(text)) or _BYLINE.match(fold(text)) or _person_with_role(text)
        candidate = "" if person else _strip_role(text)
        if not candidate or words(candidate) > 12 or ":" in candidate or _SENTENCE.search(candidate):
            continue
        others = "\n".join([title or ""] + [ln.text for i, ln in enumerate(lines) if i != index])
        if org_like(candidate, others):
            return clean_name(candidate)
    return None


def _person_with_role(text: str) -> bool:
    """ "Sara Nasser – Senior Researcher, Impunity Watch", "سامر العلي – كاتب وصحفي": a person and an office
    (a staff list, a speaker, an author), never the organisation signing. "المكتب الإعلامي – منظمة X" has a
    role on the left and is not matched."""
    parts = _DASH.split(text, maxsplit=1)
    if len(parts) < 2 or not 2 <= words(parts[0]) <= 4:
        return False
    left, right = fold(parts[0]), fold(parts[1])
    if ORG_WORD.search(left) or _ACRONYM.search(parts[0]) or _ROLE.match(left):
        return False
    return bool(_JOB_WORD.search(" ".join(right.split()[:4])))


def _not_a_signature(line: Line, lines: list[Line]) -> bool:
    """A long link, a link without an organisation word ("Download the report (PDF)") or a cell of a grid
    (an agenda's speaker column, a report's table) never signs the page."""
    if line.link and (words(line.text) > 6 or not ORG_WORD.search(fold(line.text))):
        return True
    if line.tag in ("td", "th") and line.group:
        return any(other.group == line.group and other.col > 0 for other in lines)
    return False


def issued_by(lines: list[Line]) -> str | None:
    for line in lines[:4] + lines[-4:]:
        text = demark(line.text)
        m = ISSUED.match(text)
        if m and words(text[m.end() :]) <= 14 and text[m.end() :].strip():
            return clean_name(text[m.end() :])
    return None


def opening_subject(lines: list[Line]) -> str | None:
    """The organisation of the first sentence: "يعلن مركز … انسحابه", "X welcomes …"."""
    for line in lines[:4]:
        text = _DATELINE.sub("", demark(line.text))
        if words(text) < 6:
            continue
        m = _AR_OPEN.match(fold(text))
        found = _ar_phrase(text.split()[1:]) if m else _en_phrase(text)
        if found and org_like(found, " ".join(x.text for x in lines[4:])):
            return clean_name(found)
        return None  # only the first paragraph opens the text
    return None


def _ar_phrase(tokens: list[str]) -> str | None:
    """The organisation opening ``tokens``: quoted, or the words up to a preposition or a verbal noun."""
    if tokens and tokens[0][:1] in '“"«':
        quoted = re.match(r"[“\"«]([^”\"»]{3,120})[”\"»]", " ".join(tokens))
        return quoted.group(1) if quoted else None
    phrase: list[str] = []
    for i, token in enumerate(tokens[:12]):
        bare = token.strip("،,.:؛")
        key = fold(bare)
        after = fold(tokens[i + 1]) if i + 1 < len(tokens) else ""
        in_name = (key == "من" and after in ("اجل", "اجل،")) or (
            key == "في" and after and not after.startswith("ال")
        )
        suffixed = not bare.startswith("ال") and re.search(r"(?:ه|ها|هم)$", bare) is not None
        if (_AR_STOP.match(key) and not in_name) or bare.startswith("بال") or (suffixed and phrase):
            break
        phrase.append(bare)
        if bare != token:
            break
    return " ".join(phrase) or None


def _en_phrase(text: str) -> str | None:
    m = _EN_SUBJECT.match(text)
    if not m:
        return None
    subject = re.sub(r"^(?:the|and|of|for|in|on)\s+", "", m.group(1), flags=re.I)
    return subject if fold(subject) not in _PRONOUNS else None


def frequent_subject(body: str) -> str | None:
    counts = Counter(
        re.sub(r"^(?:the|and|of|for|in|on)\s+", "", m.group(1), flags=re.I)
        for m in _EN_SUBJECT.finditer(body)
    )
    for subject, n in counts.most_common(3):
        if n >= 2 and fold(subject) not in _PRONOUNS and org_like(subject, body):
            return subject
    return None


def title_prefix(title: str | None) -> str | None:
    if not title:
        return None
    head, sep, _ = title.partition(":")
    head = head.strip()
    return head if sep and 1 <= words(head) <= 10 and org_like(head) else None


def find_issuer(lines: list[Line], title: str | None, body: str, site: str | None = None) -> Issuer:
    """The first found, in order of trust; last, the site's own name when it is an organisation's
    (og:site_name "منظمة بنفسج": an organisation's site speaks for it)."""
    for source, found in (
        ("signature", closing_signature(lines, title)),
        ("issued", issued_by(lines)),
        ("opening", opening_subject(lines)),
        ("title", title_prefix(title)),
        ("subject", frequent_subject(body[:30_000])),
        ("site", clean_name(site) if site and org_like(site) else None),
    ):
        if found:
            return Issuer(found, source)
    return Issuer(None, None)
