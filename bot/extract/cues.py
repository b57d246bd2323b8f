"""Cue vocabularies of the statement decision: the words that show a page's own voice or a report.

Owns the regular expressions the features are counted with (bot.extract.features): statement words,
first-person plural, own-voice demands, statement verbs with an organisation subject (Arabic verb-subject
and English subject-verb, present tense), reporting and narration verbs, event, job, notice and about
vocabularies, salutations and offices, datelines, source credits, teaser links and reprint markers. Every
pattern is written for folded text (bot.extract.text.fold), so hamza, ta marbuta and case do not matter.
A cue is a feature, not a verdict: its weight comes from bench/fit_weights.py. Contains no I/O.
"""

from __future__ import annotations

import re

from bot.extract.text import folded

# ───────────────────────────── organisation words and verbs ─────────────────────────────

ORG_WORD = folded(
    r"(?:^|[\s(\"“«])(?:و?ل?ال|لل)?(?:منظمه|مركز|موتمر|شبكه|رابطه|جمعيه|هيئه|حزب|مجلس|منبر|تحالف|ائتلاف|اتحاد|مؤسسه"
    r"|موسسه|لجنه|ممثليه|تجمع|حركه|منتدي|مبادره|فريق|نقابه|جماعه|كتله|مفوضيه|لوبي"
    r"|مرصد|معهد|جبهه|تيار|منصه|الدفاع المدني|وحده|اكاديميه"
    r"|برنامج|مشروع|حمله|بيت|اعلان|فيدراليه|الفيدراليه|الفدراليه|مكتب|مجمع|كنيسه|بطريركيه|مطرانيه|ابرشيه)\b"
    r"|\b(?:organi[sz]ations?|association|center|centre"
    r"|network|society|league|union|coalition|council|committee"
    r"|foundation|institute|forum|party|movement|group|initiative"
    r"|campaign|alliance|federation|platform|solidarity|declaration|task force|consortium"
    r"|congress|church|patriarchate|diocese|observatory"
    r"|trust|programme|program|project|observatory|syndicate|archive|commission|watch|collective"
    r"|ngo|cso)s?\b",
    re.I,
)
# third-person present-tense statement verbs (Arabic: masculine y-, feminine t-)
_AR_STEMS = (
    r"علن|دين|طالب|دعو|ستنكر|عرب|عبر|رفض|حذر|ناشد|شجب|بدي|حمل|وكد|رحب|تقدم|تابع|نعي|هني|جدد|ثمن|عزي"
    r"|توجه|وجه|شدد|تمني|بين|وضح|ندد|ري|لفت|هيب|علق|جمد|نسحب|طرح|رد"
)
AR_PRESENT = rf"(?:ي|ت)(?:{_AR_STEMS})"
AR_PAST = (
    r"(?:ادان|ادانت|طالب|طالبت|دعا|دعت|استنكر|استنكرت|اعرب|اعربت|عبر|عبرت|رفض|رفضت|حذر|حذرت|ناشد|ناشدت"
    r"|اكد|اكدت|رحب|رحبت|اعلن|اعلنت|قال|قالت|اصدر|اصدرت|شجب|شجبت|ندد|نددت)"
)
EN_VERBS = (
    r"(?:welcomes|condemns|announces|calls|urges|expresses|extends|reaffirms|reiterates|demands|rejects?"
    r"|denounces|affirms|confirms|mourns|congratulates|appeals|stresses|warns|regrets|deplores|supports"
    r"|applauds|follows|considers?|believes?|hopes|declares|emphasi[sz]es|notes|holds|describes|stands"
    r"|recommends|views|commends|salutes|asks|requests|insists|reminds|highlights|submits|strongly|unequivocally"
    r"|is\s+(?:deeply\s+|gravely\s+)?(?:concerned|alarmed|outraged|following|saddened|shocked|appalled|dismayed"
    r"|horrified|disturbed|troubled))\b"
)
EN_PAST = r"(?:condemned|said|called|urged|expressed|issued|stated|reported|announced|welcomed|denounced)\b"

AR_ORG_VERB = folded(
    rf"(?:^|[\s.،])و?{AR_PRESENT}\s+(?:ال|هيئ|منظم|مركز|شبك|رابط|جمعي|منبر|تحالف|اتحاد|مجلس|حزب|لجن|مؤسس|تيار)"
)
AR_SUBJECT_VERB = folded(  # "تيار المستقبل السوري يدين …": the subject before the verb, a point per line
    rf"^(?:ان\s+|فان\s+|و)?(?:ال)?\S+(?:\s+\S+){{0,9}}\s+(?:اذ\s+)?{AR_PRESENT}(?=\s)"
)
EN_ORG_VERB = re.compile(
    rf"(?:\b(?!(?:It|He|She|They|We|This|That|I|You|There)\b)[A-Z][\w'’&-]*|\([A-Z]{{2,}}\))"
    rf"\s+(?:\w+ly\s+|also\s+|further\s+)?{EN_VERBS}"
)

PLACE = folded(  # places that stand alone on a signature or dateline line (never an organisation)
    r"^(?:دمشق|حلب|ادلب|إدلب|حمص|حماه|حماة|اللاذقيه|طرطوس|درعا|السويداء|القنيطره|الرقه|دير الزور"
    r"|الحسكه|قامشلو"
    r"|القامشلي|عفرين|كوباني|عين العرب|منبج|الباب|اعزاز|جرابلس|سوريا|سوريه|سورية|بيروت|عمان|عمّان"
    r"|اسطنبول|غازي عنتاب"
    r"|عنتاب|انقره|اربيل|هولير|السليمانيه|القاهره|باريس|لندن|برلين|جنيف|بروكسل|واشنطن|نيويورك|ستوكهولم|لاهاي|امستردام"
    r"|damascus|aleppo|idlib|homs|hama|latakia|tartus|daraa|raqqa|deir ez-zor|hasakah|qamishli"
    r"|afrin|kobani|syria"
    r"|beirut|amman|istanbul|gaziantep|ankara|erbil|cairo|paris|london|berlin|geneva|brussels"
    r"|washington|new york"
    r"|stockholm|the hague|amsterdam)(?:\s*[,،/-]\s*\S+)?\s*[.,،]?$",
    re.I,
)

# ───────────────────────────── the page's own voice ─────────────────────────────

STATEMENT_WORD = folded(
    r"(?:^|[\s:،,(\"“|])(?:ال)?(?:بيان|بيانا|تصريح|نداء|رساله"
    r"|مناشده|اعلان|مذكره|عريضه|توضيح|ايضاح|بلاغ)(?:$|[\s:،,)\"”.|])"
    r"|\bfor immediate release\b"
    r"|\b(?:statement|letter|appeal|declaration|press release|communiq\w*|clarification|petition|message to"
    r"|message about|call (?:for|on|to)|announcement)\b",
    re.I,
)
FILED = folded(  # a category or breadcrumb that files the post among statements ("بيانات", "القسم : بيانات",
    # "الرئيسية » البيانات الرسمية » …", "News / Press Releases"); the page's title is not one
    r"(?:^|[\s/|»›>:،-])(?:ال)?(?:بيانات|تصريحات|بلاغات)"
    r"|\b(?:press releases|press statements|statements|news releases|communiqu[eé]s)\b",
    re.I,
)
FIRST_PERSON = folded(
    r"(?:^|\s)و?(?:نحن|اننا|لنا|نعلن|نطالب|ندعو|نوكد|ندين|نرفض|نحمل"
    r"|نناشد|نعبر|نرحب|نتقدم|نجدد|نشدد|نحذر|نستنكر|نامل|نعتبر|نتابع|نثمن|نشجب|نعلم|ننسحب|نجمد|نعلق"
    r"|نلتزم|نتوجه|نهيب|نطلب|نعرب|نتمني|نعيد|نؤكد|نري|نتذكر|نكرر|ناسف|نتضامن|نقف|نحيي|نعتذر)(?=\s|$|[،,.])|\b(?:we|our|ourselves)\b",
    re.I,
)
DEMAND = folded(
    r"(?:^|\s)و?(?:نطالب|ندعو|نناشد|ندين|نستنكر|نرفض|نحذر|نحمل|نشجب|نجدد|نعرب|نهيب)(?=\s|$|[،,.])"
    r"|\bwe\s+(?:\w+ly\s+|also\s+|therefore\s+)?(?:call|urge|demand|condemn|denounce|reject|appeal|deplore"
    r"|renew|reiterate|warn|hold|salute|stand|believe)\b",
    re.I,
)
WE_IN = folded(  # "إننا في الحزب …", "نحن في …", "تابعنا في …", "We, the X,", "We at X"
    r"(?:^|[\s.،])(?:ف?اننا|نحن|ما زلنا|مازلنا|تابعنا|نتابع|نعلن)\s+في\s+(?P<ar>[^،,.:؛]{4,120})"
    r"|\bwe,?\s+(?:at|in)\s+(?P<at>[A-Z][^,.;:]{2,100})"
    r"|\bwe,\s+(?:the\s+)?(?P<en>[A-Z][^,.;:]{2,100}),",
    re.I,
)

# ───────────────────────────── reports about a statement ─────────────────────────────

REPORT = folded(
    r"\b(?:said|says|told|according to|reportedly|quoted"
    r"|the statement (?:added|noted|stated|read|reads|continued|said|concluded|renewed)|said the statement)\b"
    r"|\bthe text (?:continued|added)\b|\b(?:has|have|had) (?:released|issued|published) (?:a |an )?(?:\w+ )?"
    r"(?:statement|appeal|letter|petition|report)\b|\bin (?:a|their|its) (?:joint )?statement\b"
    r"|\bissued (?:a|an) (?:\w+ )?(?:statement|telegram|report)\b"
    r"|\b(?:statement|letter|appeal|petition|signatories|report"
    r"|organi[sz]ations|groups|network) (?:added|noted|called|stressed"
    r"|urged|warned|demanded|stated|continued|concluded)\b"
    r"|(?:^|\s)و?(?:قال|قالت|اضاف|اضافت|ذكر|ذكرت|اشار|اشارت|افاد|افادت|اوضح|اوضحت|صرح|صرحت|لفتت|تابعت)(?=\s)"
    r"|نقلا عن|(?:^|\s)بحسب(?=\s)|حسب ما|وفقا لما|التوقيع علي|في بيان (?:له|لها|لهم)"
    r"|(?:^|\s)و?(?:جاء في|اعتبر|دعا|طالب|شدد|لفت|ختم|تابع|اكد|اوضح|اشار)(?:ت)?\s(?:في\s)?(?:ال)?بيان"
    r"|(?:^|\s)و?وقع(?:ت|وا)?\s[^.]{0,60}(?:بيانا|عريضه|البيان)"
    r"|(?:^|\s)و?اصدر(?:ت)?\s[^.]{0,60}بيانا(?!\s[^.]{0,80}(?:هذا نصه|وهذا نص|ننشر))"
    r"|(?:^|\s)و?اكد(?:ت)?\s[^.]{0,80}\sان\s|(?:^|\s)سيعقد|ومن المقرر|عبر بيان"
    # speaking to the outlet that publishes the page: "في حديث لتلفزيون …", "في تصريح خاص لـ…"
    r"|(?:في|خلال)\s(?:حديث|تصريح|مقابله|لقاء|اتصال)(?:\s(?:خاص|هاتفي))?\s(?:ل|مع\s)(?!(?:ه|ها|هم)(?:\s|$))\S{3,}",
    re.I,
)
PAST_OPENING = folded(  # a news lead: the organisation did something ("أدان الائتلاف …", "X condemned …")
    rf"^(?:و)?{AR_PAST}\s+(?:ال|هيئ|منظم|مركز|شبك|رابط|جمعي|منبر|تحالف|اتحاد|مجلس|حزب|لجن|مؤسس|فرع|عدد|مجموع)"
    rf"|^(?:the\s+)?(?:[A-Z][\w'’&-]*\s+){{1,8}}(?:\([A-Z]+\)\s+)?(?:on \w+ |has |have |had )?{EN_PAST}",
)
NARRATION = folded(  # an opening that narrates an activity or a publication: news, not a declaration
    r"\b(?:held|hosted|organi[sz]ed|convened|conducted|launched|participated|took part|published|released"
    r"|documented|interviewed|visited|met with|killed|arrested|holds|hosts|organi[sz]es|convenes|launches"
    r"|participates|visits|meets|trains|concludes|issue[sd] (?:a |an )?(?:\w+ )?statement)\b"
    r"|(?:^|\s)و?(?:نظم|نظمت|عقد|عقدت|اقام|اقامت|استضاف|استضافت|شارك|شاركت|اطلق|اطلقت|نشر|نشرت|وثق|وثقت|التقي"
    r"|التقت|زار|زارت|افتتح|افتتحت|تظاهر|انطلقت|استشهد|اعلنت مجموعه|اطلقت المنظمات|ينظم|تنظم|يعقد|تعقد|يقيم"
    r"|تقيم|يستضيف|تستضيف|يشارك|تشارك|يطلق|تطلق|يزور|تزور|يلتقي|تلتقي|يختتم|تختتم|اختتم|اختتمت)(?=\s)",
    re.I,
)
COUNTED_SIGNERS = folded(  # "500 figures signed a petition", "17 organisations condemn …": a report's count
    r"(?:^|\s)(?:\d+|قرابه|نحو|اكثر من|عشرات|مئات)\s+(?:\d+\s+)?(?:شخصيه|منظمه|جمعيه|عضوا|ناشطا|من)"
    r"[^.]{0,60}(?:وقع|وقعوا|يوقع|انسحاب)|\b\d+ (?:\w+ )?(?:organi[sz]ations|groups|ngos|signatures)\b",
    re.I,
)
CREDIT = folded(  # a news credit: source, agency, reporter, a wire byline
    r"^(?:source|sources|المصدر|المصادر)\s*:|^\(?source:|^reporting by\b|^by [A-Z]|^بقلم\b|^كتب(?:ت)?\s"
    r"|\b(?:agenzia|agence|agency|press|news|reuters|afp|ap|sana)\b[^.]{0,30}\d{1,2}[./]\d{1,2}[./]\d{2,4}"
    r"|(?:^|\s)(?:وكالات|وكاله|مراسل(?:نا|ه)?|متابعات)(?:\s|$|[|،])|^[^\s]+\s*[_-]\s*(?:متابعات|خاص)\b",
    re.I,
)
PROFILE = folded(  # an opening that describes what an organisation is: a profile or about page
    r"^(?:the\s+)?[A-Z][^,.;:]{1,80}?\s+(?:\([^)]*\)\s+)?(?:is|was)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,5}"
    r"(?:organi[sz]ation|ngo|group|network|movement|party|coalition|project|initiative|association|platform"
    r"|foundation|non-profit|nonprofit)\b"
    r"|^[^.،:]{3,80}\s(?:هو|هي)\s+(?:ال)?(?:حركه|منظمه|تجمع|حزب|تيار|شبكه|مشروع|مبادره|جمعيه|موسسه|مؤسسه"
    r"|ائتلاف|تحالف|هيئه)(?:\s|$)",
)
WIRE_DATELINE = re.compile(  # "Qamishli (Agenzia Fides) – …", "دمشق (وكالة …) - …": a news agency's dateline
    r"^[^\s(]{2,25}(?:\s+[^\s(]{2,25})?\s*\((?![^)]*\d{4})[^)]{2,40}\)\s*[-–—]\s"
)
# a press release's footer: "For more information, please contact …", "Press Contact:"
PRESS_CONTACT = folded(
    r"\b(?:for\s+(?:more|further)\s+information|(?:media|press)\s+(?:inquiries|enquiries|queries))\b"
    r"[^.\n]{0,60}\bcontact|\b(?:media|press)\s+contacts?\s*:|(?:^|\s)(?:للتواصل|للاستفسار)(?:ات)?\s*:",
    re.I,
)
INTERVIEW = folded(r"\bin an interview\b|\binterview(?:ed)? with\b|(?:^|\s)(?:التقينا|حوار مع|لقاء مع)", re.I)
REPRINT = folded(  # an editorial lead that announces the text that follows
    r"هذا نصه|وهذا نص|ننشر(?:\s+\S+)?\s+(?:نص|هذا|(?:ال)?بيان)|النص الكامل"
    r"|جاء في (?:ال)?بيان\s*:|نص (?:ال)?بيان\s*:"
    r"|(?:ال)?(?:بيان|تصريح|نداء) (?:ال)?(?:تالي|اتي)|(?:فيما|ما|و?تاليا|وفي ما) يلي نص|و?تاليا نص"
    r"|\bthe following (?:statement|press release|declaration)\b"
    r"|\breads as follows\b|\bfull text\b|\bthe text of the\b|\bwe publish this\b",
    re.I,
)

# ───────────────────────────── other kinds of page ─────────────────────────────

EVENT = folded(
    r"تدعوكم|ندعوكم|يدعوكم|للوقوف معنا|للمشاركه معنا|في تمام الساعه"
    r"|(?:^|\s)في الساعه|\binvites? you\b|\bjoin us\b"
    r"|\bat \d{1,2}(?::\d\d)?\s?(?:am|pm)\b(?! local)|\bregister (?:here|now)\b"
    r"|\badd your name\b|\bsign (?:the|our|this) petition\b|\bsign now\b|\bpeople have signed\b|اضف اسمك"
    r"|\bsign onto this letter\b|\bdeadline for signatures\b|\brsvp\b|\bwebinar\b|\bon zoom\b"
    r"|\bregistration\b"
    r"|(?:^|\s)(?:ندوه|ورشه عمل|ورشه|محاضره|ويبينار|للتسجيل|رابط التسجيل|عبر زوم)(?=\s|$)",
    re.I,
)
NOTICE_TITLE = folded(
    r"\bvacanc|\bjob (?:opportunit|offer|opening|advert)|\bwe.?re hiring\b|^careers?\b"
    r"|\bcall for (?:applications|proposals|consultants|expressions? of interest)"
    r"|\bterms of reference\b|(?:^|\s)(?:وظيفه|وظائف|شاغر|شاغره|فرصه عمل|فرص عمل|توظيف)(?=$|[\s:،])"
    r"|دعوه (?:ل|ال)تقديم|^(?:agenda\b|(?:conference|event|workshop|forum) (?:agenda|programme|program)\b"
    r"|programme of\b|program of\b|برنامج (?:ال)?(?:موتمر|ندوه|ورشه|فعاليه|فعاليات|ملتقي|منتدي|جلسات)"
    r"|جدول (?:ال)?اعمال)",
    re.I,
)
JOB = folded(
    r"\bhow to apply\b|\bto apply(?:,| for\b)|\bapply (?:now|online|by|before|here)\b"
    r"|\bsend (?:your|a|their) (?:cv|resume|application)|\bcover letter\b|\bshortlisted\b"
    r"|\bqualified candidates\b|\bjob description\b|\bdeadline for applications\b"
    r"|السيره الذاتيه|للتقديم (?:علي|على)|التقدم (?:الي|إلى|ل)(?:ال)?وظيفه|المتقدمين والمتقدمات",
    re.I,
)
ARCHIVE_TITLE = folded(  # a CMS's tag, category or date archive: several posts, none of them the page's own
    r"^(?:tag|category|archives?|month|year|author|الوسم|وسم|التصنيف|تصنيف|ارشيف|الارشيف)\s*:"
    r"|\bposts? (?:tagged|filed|in category)\b|مواضيع تم تصنيفها|(?:^|\s)ارشيف (?:ال)?(?:بيانات|اخبار)"
    r"|^(?:press releases|statements|news|البيانات الصحفيه|البيانات|بيانات صحفيه|الاخبار)(?:\s*[-–|:]|$)",
    re.I,
)
ABOUT_TITLE = folded(
    r"^(?:من نحن|عن المنظمه|عن المركز|about|about us|who we are|our story|our team|team|قصتنا"
    r"|فريقنا|فريق العمل"
    r"|تاريخ|history|our history|رويتنا|vision|mission|our work|what we do|partners|شركاؤنا"
    r"|contact|اتصل بنا)\b",
    re.I,
)
TEASER_LINK = folded(
    r"^(?:read more|continue reading|more|اقرا المزيد|المزيد|اكمل القراءه|التفاصيل)\W*$", re.I
)
SALUTATION = folded(
    r"^[-–•]?\s*(?:dear\b|to\s*:|to (?:the|h\.\s?e|his|her|mr|ms|mrs|dr)\b|mr\.?\s|mrs\.?\s|ms\.?\s|h\.\s?e\."
    r"|his excellency|her excellency|your excellenc|excellenc|president [A-Z]|السيد|السيده|الساده|سعاده"
    r"|معالي|فخامه|حضره|الاستاذ|الى (?:السيد|الساده|معالي|فخامه|سعاده|حضره))",
    re.I,
)
OFFICE = folded(
    r"secretary[- ]general|الامين العام|special envoy|المبعوث|high commissioner|high representative"
    r"|المفوض السامي|the white house"
    r"|security council|مجلس الامن|commissioner|president of|رييس (?:مجلس|الجمهوريه|الوزراء)|minister|وزير",
    re.I,
)
DATELINE = (
    re.compile(  # "Washington, DC – November 12, 2023 – ", "Geneva, Switzerland- ", "كوبنهاغن، … 2012 –"
        # ("--" is a dash typed as two hyphens)
        r"^\(?[^\s:;!?]{2,25}(?:[\s,،/]+[^\s:;!?]{2,25}){0,3}(?:\s*\([^)]{2,40}\))?\s*(?:--|[-–—])\s"
        r"|^[^.:;!?]{2,60}\d{4}\s*[-–—.]\s"
        r"|^[A-Z][^.:;!?]{1,40},\s[^.:;!?]{0,25}\d{4}(?=[A-Z])"  # "New York, December 5, 2011The …" (glued)
        # "CITY—The …": a city in capitals glued to the text by a dash
        r"|^[A-Z][A-Z'.-]{2,20}(?:[\s,]+[A-Z][A-Z'.-]{1,20}){0,2}\s*(?:--|[–—])\s*(?=[A-Z\u0600-\u06ff])"
    )
)
