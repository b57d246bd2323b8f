"""Who issues a single-organisation statement: every place a page may name it, as candidates.

Owns the candidate issuers and where each was found (its ``source``): the closing signature (role, place,
date and person lines skipped; a split "المكتب السياسي" / "للحزب …" joined), "صادر عن …" / "Issued by …",
the issuer block at the top ("بيان صحفي / organisation / department / date"), "إننا في …" / "We, X,",
the subject of the opening sentence (verb-subject Arabic, subject-verb English, after a dateline), the
subjects of statement verbs anywhere, the title ("بيان صادر عن X حول …", "Statement by X", "X: …",
"X Condemns …"), an editorial lead ("أصدر X بيانا … هذا نصه"), the site name and the source's hints.
Which candidate wins is not decided here: bot.extract.features describes each one and the fitted
issuer model (bot.extract.model) ranks them. Contains no I/O.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from bot.extract.cues import (
    AR_PAST,
    AR_PRESENT,
    DATELINE,
    EN_PAST,
    EN_VERBS,
    FIRST_PERSON,
    OFFICE,
    ORG_WORD,
    PLACE,
    REPRINT,
    SALUTATION,
    STATEMENT_WORD,
    WE_IN,
)
from bot.extract.site import names_host
from bot.extract.text import Line, clean_name, fold, folded, is_date_line, quoted_lines, unquote, words

_MARKS = folded("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
_ACRONYM = folded(r"^[A-Z][A-Z&-]{1,9}$|\([A-Z][A-Za-z&-]{1,9}\)")
_ORGAN = (  # an organ or office of the organisation: "المكتب السياسي ل…", "Executive Office of the …"
    r"(?:نائب\s+)?(?:رئيس|رئيسه|المدير(?:ه)?(?:\s+التنفيذي(?:ه)?|\s+العام(?:ه)?)?|مدير(?:ه)?(?:\s+عام)?"
    r"|الامين(?:ه)?\s+العام(?:ه)?|الناطق(?:\s+الرسمي)?(?:\s+باسم)?|المتحدث(?:\s+الرسمي)?(?:\s+باسم)?"
    r"|المنسق(?:ه)?(?:\s+العام(?:ه)?)?|منسق(?:ه)?|المشرف(?:\s+العام)?|عن|باسم"
    r"|(?:ال)?مكتب(?:\s+(?:ال)?(?:اعلام|الاعلام|العلاقات))?\s*(?:ال)?(?:اعلامي|سياسي|تنفيذي|صحفي|مركزي|المركزي)"
    r"|(?:ال)?مكتب(?=\s+ل)|(?:ال)?مكتب\s+(?:ال)?(?:اعلام|الاعلام|العلاقات)(?:\s+(?:ال)?عامه)?"
    r"|(?:صادر|صادره|تصدر|صدر|يصدر)\s+عن|اجتماع|(?:ال)?هيئه\s+(?:ال)?قياديه|(?:ال)?لجنه\s+(?:ال)?اعلاميه"
    r"|(?:ال)?امانه\s+(?:ال)?اعلام|(?:ال)?سكرتاريه(?:\s+(?:ال)?(?:عامه|تنفيذيه))?"
    r"|(?:ال)?مكتبان\s+(?:ال)?سياسيان|مجلس\s+(?:ال)?(?:امناء|اداره)|(?:ال)?مجلس\s+(?:ال)?(?:سياسي|تنفيذي)(?=\s+لل|\s*$)|(?:ال)?هيئه\s+(?:ال)?(?:اداريه|تنفيذيه"
    r"|سياسيه|الرياسه|رياسه)|(?:ال)?امانه\s+(?:ال)?عامه|(?:ال)?لجنه\s+(?:ال)?(?:تنفيذيه|مركزيه)"
    r"|(?:ال)?قياده\s+(?:ال)?(?:عامه|مركزيه)|(?:ال)?دائره\s+(?:ال)?(?:اعلام\w*|علاقات\w*)(?:\s+والاتصال)?"
    r"|vice[- ]president|president|chair(?:man|woman|person)?|(?:executive\s+)?director|secretary[- ]general"
    r"|spokes(?:person|man|woman)|coordinator|(?:the\s+)?(?:media|press|political|executive)\s+(?:office|bureau)"
    r"|secretariat|board(?:\s+of\s+(?:trustees|directors))?|executive\s+(?:committee|board|office)"
    r"|chief of staff"
    r"|on\s+behalf\s+of|the\s+board)"
)
ROLE = folded(rf"^{_ORGAN}(?:\s+(?:of|for|في)\b)?(?:\s+the\b)?(?:\s*[,،:\-–—]\s*|\s+|$)", re.I)
_ROLE_ONLY = folded(rf"^{_ORGAN}\s*$", re.I)
_ROLE_TAIL = folded(  # "المجلس السرياني العالمي – إعلام", "X - Media Office", "X - المشرف العام"
    rf"\s[-–—|/]\s*(?:اعلام|الاعلام|{_ORGAN})\s*(?::.*)?$",
    re.I,
)
_ORG_STEMS = (  # how an organisation's name starts, without "ال"
    r"(?:منظم|مركز|شبك|رابط|جمعي|هيئ|مؤسس|موسس|موتمر|مؤتمر|اتحاد|تجمع|لجن|حرك|منتد|تحالف|ائتلاف|مجموع|مبادر|فريق"
    r"|نقاب|مجلس|منبر|حزب|معهد|مرصد|تيار|اعلان|إعلان)"
)
_GLUED_LAM = re.compile(rf"^ل(?={_ORG_STEMS})")  # "لحزب …" → "حزب …"
_GLUED_WAW = re.compile(rf"^و(?={_ORG_STEMS})")  # "ورابطة علماء …" → "رابطة علماء …"


def _nominative(text: str) -> str:
    """An organisation named in the genitive after a statement word or an office: "للحزب …" → "الحزب …",
    "لمنظمة …" → "منظمة …"."""
    return _GLUED_LAM.sub("", re.sub(r"^لل", "ال", text))


_PERSON = folded(
    r"^(?:الدكتور(?:ه)?|د\.|الاستاذ(?:ه)?|المحامي(?:ه)?|المهندس(?:ه)?|الشيخ|السيد(?:ه)?"
    r"|مار|الاب|المطران|الاسقف|القس|البطريرك"
    r"|dr\.?|mr\.?|mrs\.?|ms\.?|prof\.?|professor|sheikh|fr\.|father|rev\.?|reverend)\s",
    re.I,
)
_BYLINE = folded(
    r"^(?:source|sources|المصدر|المصادر|via|photo|صوره|تصوير|اعداد|تحرير|ترجمه|by|بقلم|كتب|reporting)\b", re.I
)
_JOB_WORD = folded(
    r"\b(?:director|manager|officer|coordinator|researcher|adviser|advisor|consultant|lawyer|journalist|writer"
    r"|editor|analyst|specialist|assistant|associate|fellow|intern|head|lead|chair\w*|president|founder"
    r"|spokes\w+|chief)\b|(?:^|\s)(?:ال)?(?:مدير|مديره|منسق|منسقه|باحث|باحثه|محامي|محاميه|مستشار|مستشاره|كاتب"
    r"|كاتبه|صحفي|صحفيه|مسوول|مسووله|رييس|رييسه|عضو|مسؤول|مسؤوله"
    r"|مطران|اسقف|كاهن|قس|قسيس|بطريرك|راعي|امام)(?=\s|$|[،,])"  # clergy sign for their church
    r"|\b(?:archbishop|bishop|priest|pastor|imam|patriarch)\b",
    re.I,
)
_CONTACT = folded(r"contact|للتواصل|للاستفسار|inquir|enquir|\btel\b|phone|هاتف|e-?mail|بريد", re.I)
_CONTACT_HEAD = folded(
    r"^(?:for (?:more information|media|press)|press contact|media contact|contact|للتواصل|للاستفسار)", re.I
)
_DASH = re.compile(r"\s[–—-]\s")
_SENTENCE = re.compile(r"(?:\S+\s+){5,}\S+[.!?؟]$")
ISSUED = folded(r"^(?:بيان\s+)?صادر\s+(?:عن|من)\s*:?\s*|^(?:statement\s+)?issued\s+by\s*:?\s*", re.I)
_AR_STOP = folded(
    r"^(?:في|على|علي|عن|الى|إلى|من|مع|بعد|قبل|ضد|حول|امام|لدى|لدي|منذ|عبر|بشده|ببالغ|بخالص|بكل|بأشد|بعمق|بقلق"
    r"|بحزن|بارتياح|بفخر|بمزيد|بشكل|بقوه|بحذر|باهتمام|اليوم|امس|مجددا|مرة|مره|ايضا|أيضا|كافة|جميع|كل|اذ|إذ|حيث"
    r"|الذي|التي|الذين|وهو|وهي|ان|أن|إن|انه|انها|عن|بان|بأن|لما|ما|كما|هذا|هذه|ذلك|تلك|السلطه|السلطات|النظام"
    r"|الحكومه|المجتمع|الشعب|المدنيين|الاسبوع|الشهر|العام|صباح|مساء|يوم|بتعزيه|بالتعازي|عن|عبر"
    r"|والتي|والذي|والذين|وذلك|اي|أي|بيانا|تصريحا|نداء)$"
)
_KEEP_FI = folded(
    r"^(?:سوريا|سوريه|سورية|لبنان|العراق|تركيا|الاردن|كردستان|كوردستان|اوروبا|المهجر|الخارج"
    r"|الداخل|المانيا|فرنسا|بريطانيا|امريكا|الولايات|السويد|مصر)"
)
# the small words inside an English name; "a", "an" and "to" only before a capital ("Coalition for a
# Democratic Syria", "Committee to Protect Journalists")
_EN_LINK = r"(?:of|for|and|the|in|on|(?:a|an|to)(?=\s+[A-Z]))"
_EN_SUBJECT = re.compile(
    r"(?:^|(?<=[.;:!?,]\s)|(?<=[–—-]\s))(?:(?:The|the)\s+)?"
    rf"(?P<name>[A-Z][\w'’&.-]*(?:\s+(?:[A-Z][\w'’&.-]*|{_EN_LINK}|de|des|du|al-\w+|el-\w+))*"
    r"(?:\s+\(\s*[\"“”']?(?:[A-Z][A-Za-z&-]{1,12})?[\"“”']?\s*\)){0,2})"
    rf"(?:,\s+[A-Z]{{2,8}},?)?\s+(?:(?:\w+ly|also|further|therefore|hereby|today|now)\s+)?"
    rf"(?:{EN_VERBS}|{EN_PAST}|(?:has|have)\s+(?:declared|decided|suspended|announced|called|issued)"
    r"|(?i:statement|press\s+release|declaration)\s+(?:on|about|regarding|concerning)\b)"
)
_EN_OPENING = re.compile(
    rf"^(?:The\s+)?(?P<name>[A-Z][\w'’&.-]*(?:\s+(?:[A-Z][\w'’&.-]*|{_EN_LINK})){{0,8}}"
    r"(?:\s+\(\s*[\"“”']?(?:[A-Z][A-Za-z&-]{1,12})?[\"“”']?\s*\)){0,2})(?:,\s|\s+(?:is|are)\s+(?:a|an|the)\s)"
)
_EN_TITLE_SUBJECT = re.compile(  # title case: "SAMS Condemns …", "TDA Calls on …"
    rf"^(?:The\s+)?(?P<name>[A-Z][\w'’&.-]*(?:\s+(?:[A-Z][\w'’&.-]*|{_EN_LINK})){{0,8}}"
    r"(?:\s+\(\s*[\"“”']?(?:[A-Z][A-Za-z&-]{1,12})?[\"“”']?\s*\)){0,2})"
    rf"\s+(?i:{EN_VERBS}|joins|issues|statement)"
)
_LEAD = folded(
    r"^(?:[^\s:]{2,20}(?:\s+[^\s:]{2,20}){0,2}\s*:\s*)?(?:و)?اصدر(?:ت)?\s+(?:كل\s+من\s+)?(?P<rest>.+?)[،,]?\s+(?:اليوم[،,]?\s+)?بيان(?:ا|ا\s|\s|$)"
    r"|^(?:the\s+)?(?P<en>[A-Z][^,.;:]{2,100}?)\s+(?:has\s+)?issued\s+(?:a|an|the following)\s",
    re.I,
)
# "بيان المجلس …", "بيان للمجلس …", "بيان لمنظمة …", "بيان شبكة …" (a construct)
_OF_ORG = rf"(?:ال|لل|ل(?={_ORG_STEMS})|(?={_ORG_STEMS}))"
_TITLE_PATTERNS = (
    folded(
        r"^(?:بيان|تصريح|نداء|بلاغ|توضيح|ايضاح|مذكره|مناشده)(?:\s+\S+)?\s+(?:صادر\s+)?(?:عن|من)\s+(?P<x>.+?)"
        r"(?:\s+(?:حول|بشان|بخصوص|في|الى|إلى|ل|عن|ضد)\s.*)?$"
    ),
    folded(
        r"^(?:statement|letter|appeal|press release|message)\s+(?:by|from|of)\s+(?:the\s+)?(?P<x>.+?)"
        r"(?:\s+(?:on|about|regarding|concerning|to|in|condemning)\s.*)?$",
        re.I,
    ),
    folded(r"\bon behalf of\s+(?:the\s+)?(?P<x>\S.+?)\s*$"),
    folded(
        r"^(?:نص\s+)?(?:ال)?رساله\s+(?:التي\s+)?(?:وجهتها|بعثتها|ارسلتها|من)\s+(?P<x>.+?)\s+(?:الي|إلى|الى)\s"
    ),
    folded(
        rf"^(?:بيان|تصريح)\s+(?P<x>{_OF_ORG}\S+(?:\s+\S+){{1,8}}?)(?:\s+|\s*\.{{2,}}\s*)(?:حول|بشان|بخصوص|في|المتعلق)\s"
    ),
    folded(rf"^(?:بيان|تصريح)\s+(?P<x>{_OF_ORG}\S+(?:\s+\S+){{1,8}})\s*$"),  # the title is "بيان X" alone
    # "البيان التأسيسي لحركة …": a definite statement word, its adjective, then "ل" and the organisation
    # (not a meeting: "البيان الختامي للمؤتمر العام … للمنظمة …" is the organisation's)
    folded(
        rf"^ال(?:بيان|تصريح|نداء)\s+ال\S+\s+(?!لل?(?:موتمر|مؤتمر|اجتماع|دوره|لقاء))"
        rf"(?P<x>(?:لل|ل(?={_ORG_STEMS}))\S+(?:\s+\S+){{0,8}}?)"
        r"(?:\s+(?:حول|بشان|بخصوص|في|المتعلق)\s.*)?$"
    ),
    folded(r"^(?P<x>(?:ال)?\S+(?:\s+\S+){1,8}?)\s+(?:بيان|تصريح|نداء)\s"),
)
_PRONOUNS = {  # pronouns, and the honorific pronouns of clergy and officials ("غبطته", "سماحته")
    "غبطته",
    "سماحته",
    "فضيلته",
    "نيافته",
    "قداسته",
    "سيادته",
    "it",
    "he",
    "she",
    "they",
    "we",
    "this",
    "that",
    "the",
    "and",
    "i",
    "you",
    "which",
    "who",
    "there",
}


class Candidate(NamedTuple):
    """One place the page names a possible issuer: the name as written, where, and at which line
    (-1 for the title, the site name and hints)."""

    name: str
    source: str  # signature | issued | top | we_in | opening | subject | title | lead | byline | site | hint
    line: int
    cut: int = 0  # words dropped from the end of the phrase found (a shorter reading of its boundary)


def demark(text: str) -> str:
    return _MARKS.sub("", text)


# a demonstrative, a time word or a preposition opens a clause, never a name ("هذا المجلس باطل", "في الحركة")
_NOT_A_START = folded(
    r"^(?:هذا|هذه|ذلك|تلك|هولاء|بعد|قبل|منذ|خلال|عقب|اثر|بالتعاون|و?(?:بما|مما|كما|لما)|في|على|الى|إلى|عن"
    r"|this|these|that|those"
    r"|after|before|since|home|الصفحة الرئيسية|الرئيسية"  # … or is a menu ("الصفحة الرئيسية البطريركية …")
    r"|during)\s|^.*?\d\s*[-/]\s*\d|^\d",  # …or holds a date ("للفترة 22-24 / حزيران") or opens with a count
    re.I,
)
_TAILS = (  # a statement word or an occasion after the name: "X البيان التالي", "X في ذكرى تأسيسها …"
    folded(r"\s+(?:(?:ال)?بيان|بيانا|(?:ال)?تصريح|نص)(?:\s+(?:التالي|الاتي|الختامي|الصحفي))?\s*$"),
    folded(r"\s+(?:في\s+(?:ال)?ذكري|ب?مناسبه)(?:\s.*)?$"),
    re.compile(r"\s+\S+\s+\*\s.*$"),  # a slogan: "X حرية * اشتراكية * وحدة"
    folded(rf"\s+{AR_PRESENT}\s.*$"),  # a clause after a signature: "X تطرح هذه الرسالة …"
)
# a time after the name: "X on Monday", "X this week", "X today" (not "… Justice Today")
_TIME_TAIL = re.compile(
    r"\s+(?:(?:on|this|last|late|early)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    r"|week|weekend|month|year|morning|afternoon|evening|night)|today|yesterday|tonight)\b.*$"
)


def org_like(name: str, context: str = "") -> bool:
    """An organisation name: has an organisation word or an acronym, or is named elsewhere in ``context``;
    in Latin script it is also capitalised like a name ("Member organisations" is not one)."""
    if not name or words(name) > 14 or not re.search(r"[^\W\d_]{2}", name) or PLACE.match(fold(name)):
        return False
    if _NOT_A_START.match(fold(name)) or FIRST_PERSON.match(fold(name)) or "©" in name:
        return False  # a clause ("نعلم جميعاً أن …"), a copyright line
    if re.search(r"[A-Za-z]", name) and not re.search(r"[\u0600-\u06ff]", name) and not name_like(name):
        return False
    key = fold(name).strip(" .")
    if _ACRONYM.search(name):
        return True
    if words(name) == 1:  # "Dawlaty" when named again; never a bare "منظمة" / "the Centre", nor "aohr."
        capital = not re.match(r"[a-z]", name)
        generic = bool(ORG_WORD.fullmatch(key)) or key.startswith(("ال", "the"))
        return capital and not generic and len(key) >= 4 and fold(context).count(key) >= 2
    if words(key) == 2 and key.startswith("ال") and ORG_WORD.search(key) and fold(context).count(key) < 2:
        return False  # "المنظمة السورية" alone is too generic unless repeated
    if ORG_WORD.search(key):
        return True
    latin_ok = name_like(name) if re.search(r"[A-Za-z]", name) else True
    return latin_ok and len(key) >= 6 and fold(context).count(key) >= 2


_SMALL = frozenset(
    [
        "of",
        "for",
        "the",
        "and",
        "in",
        "on",
        "to",
        "against",
        "without",
        "de",
        "des",
        "du",
        "la",
        "le",
        "al",
        "el",
        "its",
        "their",
    ]
)


def name_like(name: str) -> bool:
    """An organisation's name: an Arabic phrase with an organisation word, or English words that are
    capitalised but for small words ("Alongside the majority of … organisations" is not a name)."""
    if not name or words(name) > 12 or _NOT_A_START.match(fold(name)):
        return False
    if re.search(r"[\u0600-\u06ff]", name):
        return bool(ORG_WORD.search(fold(name)))
    tokens = [t for t in re.findall(r"[A-Za-z][\w'’-]*", name) if t.lower() not in _SMALL]
    return bool(tokens) and sum(1 for t in tokens if t[0].isupper()) / len(tokens) >= 0.75


_EN_ORGAN_TAIL = re.compile(  # an organ after a name that ends in an organisation word
    r"^(?P<org>\S+(?:\s+\S+)*?\s+(?:Federation|Party|Union|Movement|Network|Coalition|Organi[sz]ation"
    r"|Association|Alliance|Congress|League|Front|Council|Forum))"
    r"(?:\s+[A-Z][\w.-]*){0,3}\s+(?:Bureau|(?:Central|Executive|Steering|Coordinating)\s+Committee"
    r"|(?:Press|Media|Political)\s+Office|Secretariat|Presidency|Leadership)$"
)


def tidy(raw: str) -> str:
    """A candidate as it should be reported: quotes, a leading "The"/"و", a statement word ("بيان ل…"), an
    organ prefix ("المكتب السياسي ل…"), a role tail ("– إعلام"), what follows the name in its sentence
    (statement words, occasions, an object, a time, a gloss in the other script) and surrounding
    punctuation removed."""
    name = _balanced(clean_name(demark(raw)).strip(" \"'“”«»"))
    name = re.sub(r"\s*\(\s*\)", "", name)  # a parenthesis emptied of its quoted acronym
    name = _drop_tail(name)
    for tail in _TAILS:
        m = tail.search(fold(name))
        if m and words(fold(name)[: m.start()]) >= 2:
            name = " ".join(name.split()[: words(fold(name)[: m.start()])])
    name = _object_cut(_statement_head(name))
    m = _TIME_TAIL.search(name)
    if m and words(name[: m.start()]) >= 2:
        name = name[: m.start()]
    name = strip_role(name)
    name = re.sub(
        r"^(?:(?:joint\s+)?(?:statement|declaration|letter)\s+(?:by|of|from)\s+)?(?:the\s+)?",
        "",
        name,
        flags=re.I,
    )
    name = re.sub(
        r"(?<=[A-Za-z])(?:\s+(?:of|for|and|the|in|on|to|a|an))+$", "", name
    )  # "National Bloc on the"
    name = re.sub(r"^و(?=ال)", "", name)
    name = _GLUED_WAW.sub("", name)
    name = re.sub(r",\s+[A-Z]{2,8}$", "", name)  # "European Syriac Union, ESU"
    # "X Federation Central Committee" → "X Federation"
    name = _EN_ORGAN_TAIL.sub(r"\g<org>", name)
    if re.search(r"[\u0600-\u06ff]", name):  # "مركز … – Centre …": the name in the other script is a gloss
        name = re.sub(r"\s+[-–—|/]\s*[A-Za-z][A-Za-z .,&'’()-]*$", "", name)
    return clean_name(name).strip(" \"'“”«»")


_NAME_ADJECTIVES = frozenset(  # adjectives of organisation names that are not nisba forms ("… المستقلة")
    folded(
        "المستقلة المستقل الحرة الحر الأحرار العليا الأعلى الكبرى العامة العام الموحدة الموحد المتحدة الجديدة"
        " المعارضة المعارض الديمقراطية الأهلية"
    ).pattern.split()
)
_NISBA = re.compile(r"^ال\S*(?:ي|يه|يين|يون|يات)$")  # a definite nisba adjective: "الديمقراطية", "السوريين"
_NOT_A_NOUN_START = re.compile(r"^(?:و|ل|ب|ف|في$|من$|عن$|غير$)")  # "… السورية غير الحكومية"


_STATEMENT_HEAD = re.compile(
    r"^(?:ال)?(?:بيان|تصريح|نداء|بلاغ)(?:\s+(?:ال)?صحفي)?(?:\s+(?:ال)?صادر(?:ة)?)?(?:\s+(?:عن|من))?\s+(?=\S+\s+\S)"
)


def _statement_head(name: str) -> str:
    """ "بيان للمجلس الوطني …", "بيان صادر عن مكتب …" → the organisation after the statement word."""
    rest = _STATEMENT_HEAD.sub("", name)
    return _nominative(rest) if rest != name else name


def _object_cut(name: str) -> str:
    """A noun after the name's closing adjective starts the sentence's object ("تدين X الديمقراطية الجريمة …",
    "X السوريين حملة الاعتقالات"): adjectives agree in definiteness, so the name ends there."""
    tokens = name.split()
    keys = [fold(t) for t in tokens]
    lone = len(keys) >= 2 and keys[0].startswith("ال") and bool(ORG_WORD.fullmatch(" " + keys[0]))
    # "تتابع المنظمة أوضاع …": the organisation word alone, then its object (an indefinite noun)
    noun = lone and bool(re.match(r"^[\u0600-\u06ff]", keys[1])) and not keys[1].startswith("ال")
    if noun and not _NOT_A_NOUN_START.match(keys[1]):
        return tokens[0]
    for k in range(2, len(tokens)):
        if k == 2 and not ORG_WORD.match(" " + keys[0]):
            continue  # a two-word name ends early only after an organisation word ("اللوبي النسوي دول …")
        prev, word = keys[k - 1], keys[k]
        if not (_NISBA.match(prev) or prev in _NAME_ADJECTIVES) or not re.match(r"^[\u0600-\u06ff]", word):
            continue
        definite = word.startswith("ال")
        if (
            (definite and not _NISBA.match(word) and word not in _NAME_ADJECTIVES)
            or (not definite and not _NOT_A_NOUN_START.match(word))
            or word.startswith("بال")  # "X الديمقراطي بالاجتماع الذي …": a phrase of the sentence
        ):
            return " ".join(tokens[:k])
    return name


def _balanced(name: str) -> str:
    """Parentheses kept where they pair up ("Society (SAMS)"), dropped at an edge where they do not."""
    name = name.strip()
    while name.endswith("(") or (name.endswith(")") and name.count(")") > name.count("(")):
        name = name[:-1].rstrip()
    while name.startswith(")") or (name.startswith("(") and name.count("(") > name.count(")")):
        name = name[1:].lstrip()
    if name.count("(") > name.count(")"):
        name += ")"
    return name


def _drop_tail(name: str) -> str:
    """ "المجلس السرياني العالمي – إعلام" → "المجلس السرياني العالمي" (a role after a dash)."""
    m = _ROLE_TAIL.search(fold(name))
    if not m:
        return name
    kept = words(fold(name)[: m.start()])
    return " ".join(name.split()[:kept]) if kept else name


def without_paren(name: str) -> str | None:
    """ "المنظمة السورية لحقوق الإنسان ( سواسية )" → the name without its trailing parenthesis."""
    m = re.match(r"^(.{3,}?)\s*[-–—,]?\s*\([^()]{1,40}\)\s*$", name)
    return m.group(1).strip(" -–—,") if m else None


def strip_role(text: str) -> str:
    """ "رئيس الرابطة …" → "الرابطة …"; "المكتب السياسي للحزب …" → "الحزب …"; a role alone → ""."""
    rest = text
    for _ in range(3):
        m = ROLE.match(fold(rest))
        if not m or not m.group(0).strip():
            break
        taken = len(m.group(0).split())
        rest = _nominative(" ".join(rest.split()[taken:]))
    return rest.strip()


def issuer_candidates(
    lines: list[Line],
    title: str | None,
    site: str | None,
    hint_names: tuple[str, ...] = (),
    meta: tuple[str, ...] = (),
    host: str | None = None,
) -> list[Candidate]:
    """Every candidate issuer of the page, in the order of the passes above (duplicates kept: where a
    name is found twice is evidence)."""
    body = "\n".join(line.text for line in lines)
    found: list[Candidate] = []
    found += _signature(lines, title)
    found += _issued(lines)
    found += _top_block(lines, title)
    found += _we_in(lines)
    found += _behalf(lines)
    found += _openings(lines)
    found += _subjects(lines)
    found += _title(title)
    found += _lead(lines)
    found += _about(lines)
    found += _owner_named(body, host)
    found += _expansions(found, body)
    found += [Candidate(text, "byline", -1) for text in meta if not is_date_line(text)]
    if site:
        found.append(Candidate(site, "site", -1))
    context = body + "\n" + (title or "")
    # the source's own name always; its other names (English, aliases) only where the page uses them
    seen = fold(context)
    found += [Candidate(n, "hint", -1) for i, n in enumerate(hint_names) if i == 0 or fold(n) in seen]
    out: list[Candidate] = []
    for cand in found:
        for variant in _variants(cand):
            name = tidy(variant.name)
            if not name or fold(name) in _PRONOUNS:
                continue
            phrase = cand.source in _PHRASES and name_like(name)
            if org_like(name, context) or (phrase and (words(name) >= 2 or names_host(name, host))):
                out.append(variant._replace(name=name))
    return out


_PHRASES = frozenset(["opening", "subject", "we_in", "lead", "title", "about", "owner"])
_RUN = re.compile(
    r"[A-Z][\w'’&-]*(?:[ \t]+(?:(?:of|for|and|the|in|on|to)[ \t]+(?:(?:a|an)[ \t]+)?)?[A-Z][\w'’&-]*){0,7}"
)


def _owner_named(body: str, host: str | None) -> list[Candidate]:
    """The site's owner where the text names it: in a run of capitalised words, the shortest and the
    longest start that the host spells, and the shortest carried on to an organisation word ("Oxfam" and
    "Oxfam GB Media Team" on oxfam.org.uk, "MSF" on msf.org, "Syrian British Council" on
    syrianbritish.org)."""
    if not host:
        return []
    out: dict[str, Candidate] = {}
    for m in _RUN.finditer(body[:20_000]):
        words_ = m.group(0).split()
        # the run may open with a capitalised word of the sentence ("Since Access Center for …")
        for start in range(min(2, len(words_))):
            _owner_starts(words_[start:], host, out)
    return list(out.values())


def _owner_starts(tokens: list[str], host: str, out: dict[str, Candidate]) -> None:
    """The starts of one run of capitalised words that the host spells, added to ``out``."""
    ends = [
        k
        for k in range(1, len(tokens) + 1)
        if tokens[k - 1] not in _SMALL_WORDS and names_host(" ".join(tokens[:k]), host)
    ]
    if not ends:
        return
    org = next((k for k in range(ends[0], min(ends[0] + 3, len(tokens)) + 1)
                if ORG_WORD.search(fold(tokens[k - 1]))), ends[0])  # fmt: skip
    for k in {ends[0], ends[-1], org}:
        name = " ".join(tokens[:k])
        out.setdefault(name, Candidate(name, "owner", -1))


_ABOUT = re.compile(r"^(?:about|نبذة عن|نبذه عن)\s+(?:the\s+)?(?P<name>[^.!?؟]{2,90}?)\s*[:.]?$", re.I)


def _about(lines: list[Line]) -> list[Candidate]:
    """A press release's closing boilerplate: an "About the X" heading, and the subject of the paragraph
    under it ("The X is a …", "X responds to …")."""
    out: list[Candidate] = []
    for index, line in enumerate(lines):
        m = _ABOUT.match(line.text.strip())
        if not m or line.link or words(line.text) > 12:
            continue
        out.append(Candidate(m.group("name"), "about", index))
        after = lines[index + 1].text if index + 1 < len(lines) else ""
        first = re.split(r"(?<=[.!?؟])\s", after, maxsplit=1)[0]
        name = _sentence_subject(first) or _en_head(re.sub(r"^(?:The|the)\s+", "", first))
        if name and words(name) >= 2:
            out.append(Candidate(name, "about", index + 1))
    return out


_CAPITAL = re.compile(r"[A-Z][\w'’&-]*")
_SMALL_WORDS = frozenset(["of", "for", "to", "the", "and", "on", "in", "at", "de", "du", "des", "la", "et"])


def _expansions(found: list[Candidate], body: str) -> list[Candidate]:
    """The written-out form of an acronym candidate, where the text spells it ("IRC" → "International
    Rescue Committee"): a run of capitalised words (small words between them) whose initials are the
    acronym. It keeps the acronym's source and line."""
    out: list[Candidate] = []
    done: set[str] = set()
    for cand in found:
        acronym = cand.name.strip()
        if not re.fullmatch(r"[A-Z]{2,8}", acronym) or acronym in done:
            continue
        if any(f"({acronym})" in other.name for other in found):
            continue  # "Syrian … Society (SAMS)" is written out already
        done.add(acronym)
        tokens = body[:20_000].split()
        for start, token in enumerate(tokens):
            if token[:1] != acronym[0] or not _CAPITAL.fullmatch(token.strip(",.;:")):
                continue
            name = _spelled(tokens[start:], acronym)
            if name:
                out.append(cand._replace(name=name))
                break
    return out


def _spelled(tokens: list[str], acronym: str) -> str | None:
    """The words from the start of ``tokens`` whose capitalised initials are exactly ``acronym``."""
    taken: list[str] = []
    initials = ""
    for token in tokens[: 3 * len(acronym) + 2]:
        bare = token.strip(',.;:()"“”')
        if bare in _SMALL_WORDS and taken:
            taken.append(bare)
            continue
        if not _CAPITAL.fullmatch(bare):
            break
        initials += bare[0]
        taken.append(bare)
        if not acronym.startswith(initials):
            return None
        if initials == acronym:
            return " ".join(taken) if len(taken) >= 2 else None
        if bare != token.strip('()"“”'):
            break
    return None


def _variants(cand: Candidate) -> list[Candidate]:
    """The candidate, without its trailing parenthesis, and (for a phrase cut out of a sentence, whose end
    is uncertain) its shorter readings down to two words."""
    out = [cand]
    bare = without_paren(cand.name)
    if bare:
        out.append(cand._replace(name=bare, cut=1))
    if cand.source in _PHRASES and not re.search(r"[A-Za-z]", cand.name):
        tokens = cand.name.split()
        out += [
            cand._replace(name=" ".join(tokens[:n]), cut=len(tokens) - n)
            for n in range(len(tokens) - 1, 1, -1)
        ]
    return out


# ───────────────────────────── signature and issuer block ─────────────────────────────


def _signature(lines: list[Line], title: str | None) -> list[Candidate]:
    """Organisation lines among the last lines, after the body (up to three: a joint signature)."""
    tail = max(len(lines) - 8, 0)
    if not any(words(line.text) >= 12 for line in lines[: tail + 7]):
        return []
    out: list[Candidate] = []
    contact = next(
        (i for i in range(tail, len(lines)) if _CONTACT_HEAD.search(fold(lines[i].text))), len(lines)
    )
    skip = -1
    for index in range(contact - 1, tail - 1, -1):
        line = lines[index]
        text = ISSUED.sub("", line.text).strip()
        if words(text) > 25:
            break
        if _CONTACT.search(fold(text)) or index == skip:
            continue
        if index > tail and re.match(r"^(?:في|in)\s", fold(text)) and words(text) <= 5:
            line = replace(lines[index - 1], text=f"{lines[index - 1].text} {text}")
            index, skip = index - 1, index - 1  # "حزب …" / "في الداخل": the place ends the name above
        name = _signature_line(line, index, lines)
        if name:
            out.append(Candidate(name, "signature", index))
        if len(out) == 3:
            break
    return out


def _signature_line(line: Line, index: int, lines: list[Line]) -> str | None:
    text = ISSUED.sub("", line.text).strip()
    if not text or line.tag in ("li", "h1", "h2", "h3", "h4", "h5", "h6") or _not_a_signature(line, lines):
        return None
    if is_date_line(text):
        return None
    key = fold(text)
    if _PERSON.match(key) or _BYLINE.match(key) or _person_with_role(text) or _ROLE_ONLY.match(key):
        return None
    if index and re.match(r"^لل?\S", text) and _ROLE_ONLY.search(fold(_strip_date(lines[index - 1].text))):
        text = _nominative(text)  # "المكتب السياسي" / "للحزب …": the organisation in the genitive
    candidate = strip_role(_drop_tail(text))
    if not candidate or words(candidate) > 12 or ":" in candidate or _SENTENCE.search(candidate):
        return None
    if candidate != text and not (ORG_WORD.search(fold(candidate)) or _ACRONYM.search(candidate)):
        return None  # "المشرف العام : وليد جداع", "رئيس المجلس / جورج غرزاني": a person for the organisation
    return candidate


def _strip_date(text: str) -> str:
    """ "قامشلو : 23 /6/ 2016 المكتب السياسي" → "المكتب السياسي" (a place/date prefix on a role line)."""
    return re.sub(r"^.*\d{4}\s*م?\s*", "", text).strip() or text


def _person_with_role(text: str) -> bool:
    """ "Sara Nasser – Senior Researcher, Impunity Watch": a person and an office, never the organisation."""
    parts = _DASH.split(text, maxsplit=1)
    if len(parts) < 2 or not 2 <= words(parts[0]) <= 4:
        return False
    left, right = fold(parts[0]), fold(parts[1])
    if ORG_WORD.search(left) or _ACRONYM.search(parts[0]) or ROLE.match(left):
        return False
    return bool(_JOB_WORD.search(" ".join(right.split()[:4])))


def _not_a_signature(line: Line, lines: list[Line]) -> bool:
    """A long link, a link without an organisation word or a cell of a grid never signs the page."""
    if line.link and (words(line.text) > 6 or not ORG_WORD.search(fold(line.text))):
        return True
    if line.tag in ("td", "th") and line.group:
        return any(other.group == line.group and other.col > 0 for other in lines)
    return False


def _issued(lines: list[Line]) -> list[Candidate]:
    out: list[Candidate] = []
    for index, line in [*enumerate(lines[:8]), *list(enumerate(lines))[-4:]]:
        text = demark(line.text)
        m = ISSUED.match(text)
        if m and words(text[m.end() :]) <= 14 and text[m.end() :].strip():
            out.append(Candidate(text[m.end() :], "issued", index))
    return out


def _top_block(lines: list[Line], title: str | None) -> list[Candidate]:
    """Short organisation lines before the first paragraph of the text ("بيان صحفي / X / department")."""
    out: list[Candidate] = []
    for index, line in enumerate(lines[:12]):
        text = line.text
        if words(text) >= 14 or line.tag == "li" or (words(text) >= 6 and text.rstrip()[-1:] in ".!؟?"):
            break
        key = fold(text)
        if fold(title or "") == key or is_date_line(text) or STATEMENT_WORD.fullmatch(" " + key + " "):
            continue
        if line.link or _ROLE_ONLY.match(key) or ":" in text.rstrip(":") or _PERSON.match(key):
            continue
        if SALUTATION.match(key) or OFFICE.search(key):
            continue  # a recipient of a letter ("الأمين العام للاتحاد …")
        if any(_verb(k.strip("،,.:؛"), past=True) for k in key.split()):
            continue  # a sentence ("X يعزي أهالي الشهداء"), not an issuer line
        if ORG_WORD.search(key) or _ACRONYM.search(text):
            out.append(Candidate(text, "top", index))
    return out


# ───────────────────────────── the opening and the text ─────────────────────────────


_BREADCRUMB = re.compile(r"^(?:[^»›]{1,40}\s[»›]\s)+")  # "الرئيسية » البيانات » …": the steps above the post


def _paragraphs(lines: list[Line], limit: int) -> list[tuple[int, str]]:
    """The first ``limit`` lines of running text (six words or more), datelines removed."""
    out: list[tuple[int, str]] = []
    for index, (line, quoted) in enumerate(zip(lines, quoted_lines(lines), strict=True)):
        if words(line.text) >= 6 and not (line.link or quoted) and line.tag not in ("td", "th"):
            out.append((index, _undateline(_BREADCRUMB.sub("", demark(unquote(line.text))))))
            if len(out) == limit:
                break
    return out


def _undateline(text: str) -> str:
    """ "Washington, DC – November 12, 2023 – The …" → "The …"; "(agency) – Cairo – …" likewise."""
    for _ in range(3):
        m = DATELINE.match(text)
        if not m or words(text[: m.end()]) > 10:
            break
        text = text[m.end() :].lstrip()
    return re.sub(r"^\d{1,2}[|/.-]\d{1,2}[|/.-]\d{4}\s+\S+(?:\s+\S+)?\s*\.", "", text).strip()


def _we_in(lines: list[Line]) -> list[Candidate]:
    """ "إننا في X …", "نحن في X", "تابعنا في X …", "We, X, …", "We at X …"."""
    out: list[Candidate] = []
    for index, text in _paragraphs(lines, 40):
        key = fold(text)
        for m in WE_IN.finditer(key):
            group = "ar" if m.group("ar") else "at" if m.group("at") else "en"
            tokens = text.split()[words(key[: m.start(group)]) :]
            name = _ar_phrase(tokens) if group == "ar" else _en_head(" ".join(tokens))
            if name:
                out.append(Candidate(name, "we_in", index))
    return out


def _openings(lines: list[Line]) -> list[Candidate]:
    """The subject of the first sentence of the first three paragraphs."""
    out: list[Candidate] = []
    for index, text in _paragraphs(lines, 3):
        first = re.split(r"(?<=[.!?؟])\s", text, maxsplit=1)[0]
        name = _sentence_subject(first)
        if name:
            out.append(Candidate(name, "opening", index))
    return out


def _subjects(lines: list[Line]) -> list[Candidate]:
    """Subjects of present-tense statement verbs anywhere in the text ("تيار المستقبل السوري يدين …",
    "… يتقدم اتحاد طلبة سوريا بتعزية …", "In light of …, The Day After calls on …", "SAMS urges …")."""
    out: list[Candidate] = []
    for index, text in _paragraphs(lines, 60):
        for sentence in re.split(r"(?<=[.!?؟])\s+", text):
            name = _sentence_subject(sentence, present_only=True)
            if name:
                out.append(Candidate(name, "subject", index))
            out += [Candidate(n, "subject", index) for n in _inner_subjects(sentence) if n != name]
    return out


def _inner_subjects(sentence: str) -> list[str]:
    """Statement verbs inside the sentence followed by an organisation (Arabic), or an English
    organisation subject after a comma."""
    found: list[str] = []
    tokens = sentence.split()
    keys = [fold(t).strip("،,.:؛") for t in tokens]
    for k in range(1, len(keys) - 1):
        if _verb(keys[k], past=False) and ORG_WORD.search(" " + keys[k + 1]):
            phrase = _ar_phrase(tokens[k + 1 :])
            if phrase:
                found.append(phrase)
    for m in _EN_SUBJECT.finditer(sentence):
        if (
            m.start() > 0
            and not re.search(EN_PAST, m.group(0))
            and fold(m.group("name")).split()[0] not in _PRONOUNS
        ):
            found.append(m.group("name"))
    return found


def _sentence_subject(sentence: str, *, present_only: bool = False) -> str | None:
    """The organisation a sentence opens with: "تطالب X …", "إن X يدين …", "X إذ تدين …", "X calls on …"."""
    plain = sentence.strip(' "“”«»')
    tokens = plain.split()
    keys = [fold(t).strip("،,.:؛") for t in tokens]
    i = 0
    if keys and (keys[0] in _WE or keys[0] == "we"):
        return None  # "إننا في X …": the we_in pass reads it
    while i < len(keys) and keys[i] in _PARTICLES:
        i += 1
    if i < len(keys) and _verb(keys[i], past=not present_only):
        return _ar_phrase(tokens[i + 1 :])
    end = 0  # where the name ended before a clause: "X والتي تمثل …، إذ تدين", "X؛ وقيامًا بواجبها …؛ لتؤكد"
    for j in range(i + 1, min(len(keys), i + 18)):
        if _verb(keys[j], past=False) or (keys[j] in ("اذ", "إذ") and j + 1 < len(keys)):
            name = _GLUED_WAW.sub("", " ".join(tokens[i : end or j]).strip("،,؛"))
            return name if ORG_WORD.search(fold(name)) else None
        if end:
            if j - end > 14:
                break
            continue
        if keys[j] in _RELATIVE:
            end = j
            continue
        if keys[j] in _PARTICLES or (_AR_STOP.match(keys[j]) and keys[j] not in ("في", "من")):
            break
        if tokens[j].endswith(("،", "؛", ",")) and ORG_WORD.search(fold(_GLUED_WAW.sub("", tokens[i]))):
            end = j + 1
    em = _EN_SUBJECT.search(plain[:300])
    if em and em.start() <= 40 and not (present_only and re.search(EN_PAST, em.group(0))):
        name = em.group("name")
        if fold(name).split()[0] not in _PRONOUNS:
            return name
    if not present_only:  # "Alkarama, in collaboration with …, referred …", "The X (SAWA) is a …"
        om = _EN_OPENING.match(plain)
        if om and fold(om.group("name")).split()[0] not in _PRONOUNS and name_like(om.group("name")):
            return om.group("name")
    return None


_RELATIVE = frozenset(["والتي", "التي", "والذي", "الذي", "وهي", "وهو"])
_WE = frozenset(["اننا", "فاننا", "واننا", "نحن", "ونحن", "مازلنا", "تابعنا"])
_PARTICLES = frozenset(["و", "ف", "ان", "إن", "فان", "وان", "كما", "لقد", "وقد", "قد"])
_PRESENT_VERB = folded(rf"^(?:و|ف)?ل?{AR_PRESENT}(?:ون|ان)?$")  # "لتؤكد": the emphatic lam
_PAST_VERB = folded(rf"^(?:و|ف)?(?:{AR_PAST}|علم|علمت)$")


def _verb(key: str, *, past: bool) -> bool:
    return bool(_PRESENT_VERB.match(key) or (past and _PAST_VERB.match(key)))


def _ar_phrase(tokens: list[str]) -> str | None:
    """The organisation opening ``tokens``: quoted, or the words up to a preposition, a verb or a clause."""
    if tokens and tokens[0][:1] in '“"«':
        quoted = re.match(r"[“\"«]([^”\"»]{3,120})[”\"»]", " ".join(tokens))
        return quoted.group(1) if quoted else None
    phrase: list[str] = []
    for i, token in enumerate(tokens[:14]):
        if phrase and re.fullmatch(r"\([^()\s]{2,12}\)[،,]?", token):  # "… في أوروبا (KCE)": its short form
            phrase.append(token.rstrip("،,"))
            continue
        bare = token.strip('،,.:؛()"“”')
        key = fold(bare)
        after = fold(tokens[i + 1]).strip("،,.:؛") if i + 1 < len(tokens) else ""
        before = fold(tokens[i - 1]).strip("،,.:؛") if i else ""
        in_name = (
            (key == "من" and after.startswith("اجل"))
            or (key == "في" and bool(_KEEP_FI.match(after)))
            or (key == "في" and bool(phrase) and _office_of(fold(phrase[0]), after))
            or (key == "عن" and bool(re.search(r"(?:الدفاع|المدافعين|دفاع)$", before)))
        )
        if key in ("في", "من", "عن") and in_name:
            phrase.append(bare)
            continue
        # a prepositional masdar ends the subject: "… بتحية", "… بإنشاء", "… بالإفراج"
        tail = bare.startswith(("بال", "لل", "بت", "بم", "بإ", "با")) and phrase and i > 2
        # an indefinite organisation word governs the noun after it: "منظمة المجتمع المدني"
        genitive = bool(phrase) and _construct_head(phrase[-1]) and key.startswith("ال")
        if (_AR_STOP.match(key) and not in_name and not genitive) or tail:
            break
        if key.startswith("وب") and _AR_STOP.match(key[1:]):
            break  # "… وبشدة", "… وبقوة": a manner adverb after the subject, not a second name
        if re.match(rf"^(?:و)?(?:{AR_PRESENT}|ن\w{{2,}})$", key) and phrase and not key.startswith("ال"):
            break  # a verb: the subject ended
        if key.startswith("بال") and phrase:
            break  # "بالإفراج", "بالتعازي": a prepositional phrase, the subject ended
        if phrase and not bare.startswith("ال") and re.search(r"(?:ه|ها|هم|هما)$", bare) and len(bare) >= 4:
            break  # "موافقته", "تضامنها": a noun with a pronoun, the predicate has begun
        phrase.append(bare)
        if bare != token.strip('()"“”') and token.rstrip()[-1:] in "،,.:؛":
            break
    return " ".join(phrase) or None


def _construct_head(token: str) -> bool:
    """An organisation word without the article ("منظمة", "شبكة"): the first term of a construct."""
    key = fold(token)
    return not key.startswith(("ال", "لل")) and bool(ORG_WORD.match(" " + key))


_OFFICE = folded(r"^(?:ال)?(?:مكتب|لجنه|دائره|امانه|هيئه|فرع|ممثليه)$")


def _office_of(head: str, after: str) -> bool:
    """ "مكتب حقوق الإنسان في المجلس …", "اللجنة الإعلامية في الرابطة …": an office of an organisation, whose
    name goes on after "في"."""
    named = after.startswith("ال") or bool(re.match(_ORG_STEMS, after))  # "… في الحزب", "… في حزب"
    return bool(_OFFICE.match(head)) and bool(ORG_WORD.match(" " + after)) and named


def _en_head(text: str) -> str | None:
    m = re.match(
        rf"(?:the\s+)?([A-Z][\w'’&-]*(?:\s+(?:[A-Z][\w'’&-]*|{_EN_LINK}))*"
        r"(?:\s+\([A-Z]{2,10}\))?)",
        text,
    )
    return m.group(1) if m else None


def _title(title: str | None) -> list[Candidate]:
    if not title:
        return []
    out: list[Candidate] = []
    key = fold(demark(title))
    plain = demark(title)
    for pattern in _TITLE_PATTERNS:
        m = pattern.search(key)
        if m:
            name = _same_span(plain, key, m.start("x"), m.end("x"))
            out.append(Candidate(_nominative(name), "title", -1))  # "بيان لمنظمة X" → "منظمة X"
    head, sep, _ = plain.partition(":")
    if sep and 1 <= words(head) <= 10:
        out.append(Candidate(head, "title", -1))
    for part in re.split(r"\s+[–—-]\s+", plain)[1:]:  # "بيان تضامن – منظمة … - (ماف)"
        if ORG_WORD.search(fold(part)):
            out.append(Candidate(part, "title", -1))
    em = _EN_TITLE_SUBJECT.match(plain)
    if em and fold(em.group("name")).split()[0] not in _PRONOUNS:
        out.append(Candidate(em.group("name"), "title", -1))
    subject = _sentence_subject(plain, present_only=True)
    if subject:
        out.append(Candidate(subject, "title", -1))
    return out


def _same_span(plain: str, key: str, start: int, end: int) -> str:
    """The words of ``plain`` at the word positions of key[start:end] (folding keeps word counts)."""
    first = words(key[:start])
    count = words(key[start:end])
    return " ".join(plain.split()[first : first + count])


def _first_org(text: str) -> list[str]:
    """The first organisation an editorial lead names ("عقدت الرابطة … اجتماعها … وأذاع البيان التالي")."""
    tokens = text.split()
    for k, token in enumerate(tokens[:30]):
        key = fold(token).strip("،,.:؛")
        if ORG_WORD.match(" " + key):
            name = _ar_phrase(tokens[k:])
            return [name] if name and words(name) >= 2 else []
    return []


_BEHALF = re.compile(
    r"\b(?i:on behalf of)\s+(?:the\s+)?(?:[\d,.]+\s+(?:members|staff|supporters)\s+of\s+)?"
    r"(?:the\s+)?(?P<name>[A-Z].{2,120})"
)


def _behalf(lines: list[Line]) -> list[Candidate]:
    """ "On behalf of the 3,000 members of X, we write …": the organisation a letter speaks for."""
    out: list[Candidate] = []
    for index, text in _paragraphs(lines, 12):
        for m in _BEHALF.finditer(text):
            name = _en_head(m.group("name"))
            if name and words(name) >= 2:
                out.append(Candidate(name, "we_in", index))
    return out


def _lead(lines: list[Line]) -> list[Candidate]:
    out: list[Candidate] = []
    for index, text in _paragraphs(lines, 2):
        key = fold(text)
        m = _LEAD.match(key) if re.search(r"^(?:\S+\s*:\s*)?(?:و)?اصدر", key) else _LEAD.match(text)
        if not m:
            if REPRINT.search(key):
                out += [Candidate(name, "lead", index) for name in _first_org(text)]
            continue
        if m.group("rest"):
            tokens = text.split()[words(key) - words(key[m.start("rest") :]) :]
            name = _ar_phrase([*tokens[: words(m.group("rest"))], "في"])
            if name:
                out.append(Candidate(name, "lead", index))
        elif m.group("en"):
            out.append(Candidate(m.group("en"), "lead", index))
    return out


__all__ = [
    "AR_PAST",
    "EN_PAST",
    "ISSUED",
    "ROLE",
    "Candidate",
    "demark",
    "issuer_candidates",
    "org_like",
    "strip_role",
    "tidy",
]


_ACRONYM_TAIL = re.compile(r"\s*[-–—]?\s*\(\s*[^()\s]{2,12}\s*\)\s*$")


def issuer_form(name: str) -> str:
    """A chosen issuer as reported: without the one-word short form in parentheses that follows its full
    name ("X (ACR)", "X – ( ACR )" → "X"); a name of one word keeps it. Lists keep every name as written
    (docs/extraction.md, "Names")."""
    m = _ACRONYM_TAIL.search(name)
    if not m or (re.search(r"[A-Za-z]", m.group(0)) and len(re.findall(r"[A-Z]", m.group(0))) < 2):
        return name  # "World Council of Arameans (Syriacs)": a word in parentheses, not a short form
    bare = name[: m.start()]
    return bare if words(bare) >= 2 else name
