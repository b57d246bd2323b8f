"""Is the page a statement, and of which kind; what a withdrawal leaves.

Owns the statement score (evidence for: a signatory block, a closing signature or "صادر عن", a statement
word in the title or kicker, the page's own first-person voice, named recipients, organisation-subject
statement verbs, a statements-only source; against: reported speech about a statement, event invitations,
listing and about pages), the kind (withdrawal > open_letter > joint/single, as in the corpus README) and
the body the withdrawal leaves. Quoted passages never count as the page's own voice. Contains no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.extract.issuer import EN_VERBS, ORG_WORD, demark
from bot.extract.text import Line, fold, folded, unquote, words

THRESHOLD = 2.0
SCAN = (
    30_000  # characters of text read for cue words: a statement's voice shows early; keeps huge pages cheap
)

_STATEMENT_WORD = folded(
    r"(?:^|[\s:،,(\"“])(?:ال)?(?:بيان|بيانا|تصريح|نداء|رساله"
    r"|مناشده|اعلان|مذكره|عريضه|توضيح|ايضاح)(?:$|[\s:،,)\"”])"
    r"|\bfor immediate release\b"
    r"|\b(?:statement|letter|appeal|declaration|press release|communiq\w*|clarification|petition|message to"
    r"|message about|call (?:for|on|to))\b",
    re.I,
)
_FIRST_PERSON = folded(
    r"(?:^|\s)و?(?:نحن|اننا|نعلن|نطالب|ندعو|نوكد|ندين|نرفض|نحمل"
    r"|نناشد|نعبر|نرحب|نتقدم|نجدد|نشدد|نحذر|نستنكر|نامل|نعتبر"
    r"|نلتزم|نتوجه|نهيب|نثمن|نطلب|نعرب|ننسحب|نجمد|نعلق)(?=\s|$|[،,.])|\b(?:we|our|ourselves)\b",
    re.I,
)
_DEMAND = folded(
    r"(?:^|\s)و?(?:نطالب|ندعو|نناشد|ندين|نستنكر|نرفض|نحذر|نحمل|نشجب|نجدد|نعرب|نهيب)(?=\s|$|[،,.])"
    r"|\bwe\s+(?:\w+ly\s+|also\s+|therefore\s+)?(?:call|urge|demand|condemn|denounce|reject|appeal|deplore"
    r"|renew|reiterate|warn|hold)\b",
    re.I,
)
_AR_ORG_VERB = folded(
    r"(?:^|[\s.،])و?(?:يعلن|تعلن|ترحب|يرحب|يتقدم|تتقدم|تدين"
    r"|يدين|يطالب|تطالب|تدعو|يدعو|يستنكر|تستنكر|يعرب|تعرب|تعبر"
    r"|يعبر|يرفض|ترفض|تحذر|يحذر|تناشد|يناشد|تشجب|يشجب|تبدي"
    r"|يبدي|تحمل|يحمل|يوكد|توكد)\s+(?:ال|هيئ|منظم|مركز|شبك|رابط"
    r"|جمعي|منبر|تحالف|اتحاد|مجلس|حزب|لجن|مؤسس)"
)
_EN_ORG_VERB = folded(
    rf"(?:\b(?!(?:It|He|She|They|We|This|That|I|You)\b)[A-Z][\w'’&-]*|\([A-Z]{{2,}}\))"
    rf"\s+(?:\w+ly\s+|also\s+)?{EN_VERBS}"
)
_REPORT = folded(
    r"\b(?:said|says|told|according to|reportedly|quoted"
    r"|the statement (?:added|noted|stated|read|continued))\b"
    r"|\bthe text (?:continued|added)\b|\b(?:has|have|had) (?:released|issued|published) (?:a |an )?(?:\w+ )?"
    r"(?:statement|appeal|letter|petition)\b|\bin (?:a|their|its) (?:joint )?statement\b"
    r"|\b(?:statement|letter|appeal|petition|signatories"
    r"|organi[sz]ations|groups) (?:added|noted|called|stressed"
    r"|urged|warned|demanded|stated|continued|concluded)\b"
    r"|(?:^|\s)و?(?:قال|قالت|اضاف|اضافت|ذكر|ذكرت|اشار|اشارت|افاد|افادت|اوضح|اوضحت|صرح|صرحت)(?=\s)"
    r"|نقلا عن|(?:^|\s)بحسب(?=\s)|حسب ما|وفقا لما|التوقيع علي"
    r"|(?:^|\s)و?(?:جاء في|اعتبر|دعا|طالب|شدد|لفت|ختم|تابع)(?:ت)?\s(?:في\s)?(?:ال)?بيان"
    r"|(?:^|\s)و?وقع(?:ت)?\s[^.]{0,60}(?:بيانا|عريضه|البيان)"
    r"|(?:^|\s)و?اصدر(?:ت)?\s[^.]{0,60}بيانا|(?:^|\s)و?اكد(?:ت)?\s[^.]{0,80}\sان\s|(?:^|\s)سيعقد|ومن المقرر",
    re.I,
)
_NARRATION = folded(  # an opening that narrates an activity or a publication: news, not a declaration
    r"\b(?:held|hosted|organi[sz]ed|convened|conducted|launched|participated|took part|published|released"
    r"|documented|interviewed|visited|met with)\b|(?:^|\s)و?(?:نظم|نظمت|عقد|عقدت|اقام|اقامت|استضاف|استضافت"
    r"|شارك|شاركت|اطلق|اطلقت|نشر|نشرت|وثق|وثقت|التقي|التقت|زار|زارت|افتتح|افتتحت)(?=\s)",
    re.I,
)
_BYLINE = folded(r"^(?:by|written by|بقلم|كتب|كتبت|بواسطه)\s*:?\s+(?P<who>[^·|,،\d]+)", re.I)
_NOT_PERSON = folded(
    r"\b(?:admin\w*|editors?|editorial|staff|team|desk|agenc\w+|newsroom|reporters?|correspondents?)\b"
    r"|(?:^|\s)(?:ال)?(?:تحرير|محرر|فريق|مراسل|مراسلو|اداره)|[&@]",
    re.I,
)
_TITLE_VERB = folded(
    r"\b(?:condemns?|welcomes?|calls (?:on|for)|urges?|demands?"
    r"|rejects?|denounces?|deplores?|mourns?|announces?"
    r"|appeals?|warns?)\b"
    r"|(?:^|\s)(?:تدين|يدين|ترحب|يرحب|تطالب|يطالب|تدعو|يدعو"
    r"|تستنكر|يستنكر|ترفض|يرفض|تعلن|يعلن|تنعى|ينعى|تحذر|يحذر"
    r"|تناشد|يناشد|تشجب|يشجب)(?=\s)",
    re.I,
)
_EVENT = folded(
    r"تدعوكم|ندعوكم|يدعوكم|للوقوف معنا|للمشاركه معنا|في تمام الساعه"
    r"|(?:^|\s)في الساعه|\binvites? you\b|\bjoin us\b"
    r"|\bat \d{1,2}(?::\d\d)?\s?(?:am|pm)\b|\bregister (?:here|now)\b"
    r"|\badd your name\b|\bsign (?:the|our|this) petition\b|\bsign now\b|\bpeople have signed\b|اضف اسمك",
    re.I,
)
_NOTICE_TITLE = folded(
    r"\bvacanc|\bjob (?:opportunit|offer|opening|advert)|\bwe.?re hiring\b|^careers?\b"
    r"|\bcall for (?:applications|proposals|consultants|expressions? of interest)"
    r"|\bterms of reference\b|(?:^|\s)(?:وظيفه|وظائف|شاغر|شاغره|فرصه عمل|فرص عمل|توظيف)(?=$|[\s:،])"
    r"|دعوه (?:ل|ال)تقديم|^(?:agenda\b|(?:conference|event|workshop|forum) (?:agenda|programme|program)\b"
    r"|programme of\b|program of\b|برنامج (?:ال)?(?:موتمر|ندوه|ورشه|فعاليه|فعاليات|ملتقي|منتدي|جلسات)"
    r"|جدول (?:ال)?اعمال)",
    re.I,
)
_JOB = folded(
    r"\bhow to apply\b|\bto apply(?:,| for\b)|\bapply (?:now|online|by|before|here)\b"
    r"|\bsend (?:your|a|their) (?:cv|resume|application)|\bcover letter\b|\bshortlisted\b"
    r"|\bqualified candidates\b|\bjob description\b"
    r"|السيره الذاتيه|للتقديم (?:علي|على)|التقدم (?:الي|إلى|ل)(?:ال)?وظيفه|المتقدمين والمتقدمات",
    re.I,
)
_ABOUT_TITLE = folded(
    r"^(?:من نحن|عن المنظمه|عن المركز|about|about us|who we are"
    r"|تاريخ|history|our history|رويتنا|vision|mission"
    r"|contact|اتصل بنا)\b",
    re.I,
)
_SALUTATION = folded(
    r"^[-–•]?\s*(?:dear\b|to\s*:|to (?:the|h\.\s?e|his|her|mr|ms|mrs|dr)\b|mr\.?\s|mrs\.?\s|ms\.?\s|h\.\s?e\."
    r"|his excellency|her excellency|your excellenc|excellenc|السيد|السيده|الساده|سعاده|معالي|فخامه|حضره"
    r"|الى (?:السيد|الساده|معالي|فخامه|سعاده|حضره))",
    re.I,
)
_OFFICE = folded(
    r"secretary[- ]general|الامين العام|special envoy|المبعوث|high commissioner|high representative"
    r"|المفوض السامي"
    r"|security council|مجلس الامن|commissioner|president of|رييس (?:مجلس|الجمهوريه|الوزراء)|minister|وزير",
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


@dataclass(frozen=True)
class Evidence:
    """What the score is made of (kept for tests and confidence)."""

    score: float
    recipients: bool


def opening_line(lines: list[Line]) -> str:
    """The first ten words of the first substantive paragraph (kickers, bylines and date lines skipped): where
    the subject and main verb of a news lead sit."""
    for line in lines[:5]:
        if words(line.text) >= 8 and not line.link:
            return " ".join(re.split(r"(?<=[.!?؟])\s", line.text, maxsplit=1)[0].split()[:10])
    return ""


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


def recipients_at_top(lines: list[Line]) -> bool:
    """Named recipients before the body starts ("Dear …", "السيد الأمين العام …", "To: …")."""
    for line in lines[:6]:
        key = fold(line.text)
        if words(key) > 20:
            return False
        if "الراي العام" in key or "public opinion" in key:
            continue
        if _SALUTATION.match(key) or (words(key) <= 15 and _OFFICE.search(key)):
            return True
    return False


def _cap(count: int, each: float, cap: float) -> float:
    return min(count * each, cap)


def statement_score(lines: list[Line], title: str | None, names: int, issuer_source: str | None,
                    teasers: int, statements_only: bool, inline: bool = False,
                    byline: str | None = None) -> Evidence:  # fmt: skip
    """Positive evidence minus negative evidence; a statement from THRESHOLD up."""
    text = "\n".join(line.text for line in lines if not line.link)[:SCAN]  # links are references, not voice
    own = fold(unquote(text))
    kicker = " ".join(fold(line.text) for line in lines[:2] if words(line.text) <= 12)
    recipients = recipients_at_top(lines)
    reports = len(_REPORT.findall(own))
    if inline and reports >= 2 and not _FIRST_PERSON.search(own):
        names = 0  # a news report naming some signers in a sentence: they sign a statement not on the page
    score = 5.0 if names >= 2 else 2.5 if names == 1 else 0.0
    score += {"signature": 2.5, "issued": 2.5, "opening": 1.5, "subject": 0.5}.get(issuer_source or "", 0.0)
    score += 1.5 if _STATEMENT_WORD.search(fold(title or "")) or _STATEMENT_WORD.search(kicker) else 0.0
    score += 1.5 if recipients else 0.0
    score += 1.5 if issuer_source == "site" and _DEMAND.search(own) else 0.0  # the site's own demands
    score += _cap(len(_FIRST_PERSON.findall(own)), 0.5, 1.5)
    score += 1.0 if _TITLE_VERB.search(fold(title or "")) else 0.0
    org_verbs = len(_AR_ORG_VERB.findall(own)) + len(_EN_ORG_VERB.findall(unquote(text)))
    score += 2.0 if org_verbs >= 3 else 1.0 if org_verbs == 2 else 0.0
    score += 2.0 if statements_only else 0.0
    score -= _cap(reports, 1.0, 4.0)
    score -= 1.5 if _NARRATION.search(fold(opening_line(lines))) else 0.0
    signed = issuer_source in ("signature", "issued")
    score -= 1.5 if not signed and person_byline(lines, byline) else 0.0  # an authored article
    score -= _cap(len(_EVENT.findall(own)), 2.5, 3.0)
    score -= 3.0 if _ABOUT_TITLE.match(fold(title or "")) or _NOTICE_TITLE.search(fold(title or "")) else 0.0
    score -= _cap(len(_JOB.findall(own)), 1.5, 3.0)
    if names >= 2:  # a signatory block under its own heading: the page carries a statement (even in a report)
        score = max(score, THRESHOLD + 0.5)
    elif teasers >= 3:  # a listing page: linked titles with teasers
        score -= 10.0
    return Evidence(score, recipients)


def kind_of(lines: list[Line], title: str | None, names: int, recipients: bool) -> str:
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
