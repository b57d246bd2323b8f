"""Arabic and English UI strings, statement-kind labels, dates and counted nouns for the bot.

Pure: imports only the stdlib, no I/O. ``t(key, lang, **kw)`` returns Telegram-HTML: templates may use the
allowed tags, and every keyword value is escaped here (and bidi-isolated when its script differs from the
message's, after its bidi control characters are removed: ``strip_bidi``), so callers pass raw user text.
Language rule: "ar" if ``lang`` starts with "ar", else "en".
Arabic templates start every line with Arabic or U+200F (RLM), so Telegram clients lay them out right to left.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from datetime import date

RLM = "\u200f"
FSI = "\u2068"
PDI = "\u2069"
_BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
)  # embeddings, overrides, isolates, LRM/RLM, ALM: never taken from user input
LANG_BUTTONS = (("ar", "العربية"), ("en", "English"))  # /lang buttons: each language in itself

# (name, arabic usage, english usage, arabic description, english description) — setMyCommands and /help.
_PUBLIC: tuple[tuple[str, str, str, str, str], ...] = (
    ("start", "", "", "التعريف بالبوت وبدء الاستخدام", "Introduction and first steps"),
    ("help", "", "", "قائمة الأوامر", "List of commands"),
    (
        "subscribe",
        "all | org اسم | keyword كلمة | source معرّف",
        "all | org NAME | keyword WORD | source ID",
        "الاشتراك في البيانات الجديدة: all للكل، أو org ثم اسم منظمة، "
        "أو keyword ثم كلمة، أو source ثم معرّف مصدر",
        "Get new statements: all, or org NAME, keyword WORD, source ID",
    ),
    (
        "unsubscribe",
        "all | org اسم | …",
        "all | org NAME | …",
        "إلغاء اشتراك بنفس صيغة /subscribe",
        "Cancel a subscription (same form as /subscribe)",
    ),
    ("subscriptions", "", "", "اشتراكات هذه المحادثة", "This chat's subscriptions"),
    (
        "signed",
        "اسم المنظمة",
        "ORGANISATION",
        "البيانات التي وقّعت عليها منظمة (اكتب اسمها بعد الأمر)",
        "Statements an organisation signed (name after the command)",
    ),
    (
        "org",
        "اسم المنظمة",
        "ORGANISATION",
        "ملف منظمة: بياناتها وشركاؤها وانسحاباتها (اكتب اسمها بعد الأمر)",
        "Organisation profile: statements, co-signers, withdrawals (name after the command)",
    ),
    (
        "chart",
        "[اسم المنظمة]",
        "[ORGANISATION]",
        "رسم بياني لبيانات منظمة كل شهر وأنواعها وشركائها؛ ومن دون اسم: لكل المنظمات",
        "Chart of an organisation's statements per month, kinds and co-signers; no name: everyone",
    ),
    ("latest", "", "", "أحدث البيانات", "Latest statements"),
    (
        "search",
        "كلمات",
        "WORDS",
        "البحث في نصوص البيانات (اكتب كلمات البحث بعد الأمر)",
        "Search the statements' text (words after the command)",
    ),
    (
        "statement",
        "رقم",
        "ID",
        "بيان كامل مع كل الموقّعين (اكتب رقمه بعد الأمر)",
        "A statement with all its signatories (ID after the command)",
    ),
    ("sources", "", "", "المصادر التي يتابعها البوت", "Sources the bot follows"),
    ("lang", "ar | en", "ar | en", "تغيير اللغة: ar أو en", "Change the language: ar or en"),
)
_ADMIN: tuple[tuple[str, str, str, str, str], ...] = (
    ("status", "", "", "حالة المصادر (للمشرفين)", "Source health (admins)"),
    ("reload", "", "", "إعادة تحميل الإعدادات (للمشرفين)", "Reload the configuration (admins)"),
    (
        "poll",
        "معرّف المصدر",
        "SOURCE",
        "جلب المصادر الآن، أو مصدر واحد بمعرّفه (للمشرفين)",
        "Poll all sources now, or one by ID (admins)",
    ),
    (
        "review",
        "",
        "",
        "مراجعة ما لم يتيقّن منه الاستخراج (للمشرفين)",
        "Review what extraction is unsure of (admins)",
    ),
)

_KINDS: dict[str, tuple[str, str]] = {
    "single": ("بيان", "Statement"),
    "joint": ("بيان مشترك", "Joint statement"),
    "withdrawal": ("بيان انسحاب", "Withdrawal statement"),
    "open_letter": ("رسالة مفتوحة", "Open letter"),
    "clarification": ("توضيح", "Clarification"),
}

_MONTHS_AR = (
    "كانون الثاني/يناير",
    "شباط/فبراير",
    "آذار/مارس",
    "نيسان/أبريل",
    "أيار/مايو",
    "حزيران/يونيو",
    "تموز/يوليو",
    "آب/أغسطس",
    "أيلول/سبتمبر",
    "تشرين الأول/أكتوبر",
    "تشرين الثاني/نوفمبر",
    "كانون الأول/ديسمبر",
)
_MONTHS_EN = tuple(
    "January February March April May June July August September October November December".split()  # noqa: SIM905
)

# key → (arabic, english). Keyword values are escaped by t(); templates are trusted HTML.
STRINGS: dict[str, tuple[str, str]] = {
    "start_intro": (
        "<b>أهلاً بك في «بيان»</b>\n"
        "يتابع البوت بيانات منظمات المجتمع المدني السوري، ويستخرج أسماء المنظمات الموقّعة عليها.\n"
        "أرسل /subscribe all لتصلك البيانات الجديدة، أو /help لعرض كل الأوامر.",
        "<b>Welcome to Bayan</b>\n"
        "This bot follows statements of Syrian civil-society organisations and extracts who signed them.\n"
        "Send /subscribe all to receive new statements, or /help for every command.",
    ),
    "help_header": ("<b>الأوامر</b>", "<b>Commands</b>"),
    "help_admin_header": ("<b>أوامر المشرفين</b>", "<b>Admin commands</b>"),
    "sub_usage": (
        "اكتب /subscribe all لكل البيانات، أو /subscribe org ثم اسم المنظمة، "
        "أو /subscribe keyword ثم كلمة، أو /subscribe source ثم معرّف المصدر.",
        "Send /subscribe all for every statement, or /subscribe org NAME, "
        "/subscribe keyword WORD, /subscribe source ID.",
    ),
    "sub_all": (
        "تم الاشتراك: ستصلك كل البيانات الجديدة في هذه المحادثة.",
        "Subscribed: every new statement will be posted in this chat.",
    ),
    "sub_org": (
        "تم الاشتراك: ستصلك البيانات الجديدة التي تخص منظمة «{name}».",
        "Subscribed: new statements involving “{name}” will be posted here.",
    ),
    "sub_keyword": (
        "تم الاشتراك: ستصلك البيانات الجديدة التي تتضمن «{keyword}».",
        "Subscribed: new statements mentioning “{keyword}” will be posted here.",
    ),
    "sub_source": (
        "تم الاشتراك: ستصلك البيانات الجديدة من المصدر «{source}».",
        "Subscribed: new statements from the source “{source}” will be posted here.",
    ),
    "sub_exists": ("هذه المحادثة مشتركة بذلك مسبقاً.", "This chat is already subscribed to that."),
    "unsub_done": ("تم إلغاء الاشتراك: {what}.", "Unsubscribed: {what}."),
    "unsub_all_done": (
        "تم إلغاء كل اشتراكات هذه المحادثة.",
        "All subscriptions of this chat were cancelled.",
    ),
    "unsub_none": ("لا يوجد اشتراك مطابق.", "There is no matching subscription."),
    "subs_header": ("<b>اشتراكات هذه المحادثة</b>", "<b>This chat's subscriptions</b>"),
    "subs_empty": (
        "لا توجد اشتراكات بعد. أرسل /subscribe all للبدء.",
        "No subscriptions yet. Send /subscribe all to start.",
    ),
    "sub_kind_all": ("كل البيانات", "all statements"),
    "sub_kind_org": ("منظمة: {value}", "organisation: {value}"),
    "sub_kind_keyword": ("كلمة: {value}", "keyword: {value}"),
    "sub_kind_source": ("مصدر: {value}", "source: {value}"),
    "lang_set": ("ستصلك الرسائل بالعربية من الآن.", "From now on I will write in English."),
    "lang_usage": ("اختر اللغة: /lang ar أو /lang en", "Choose a language: /lang ar or /lang en"),
    "group_admins_only": (
        "في المجموعات يغيّر مشرفو المجموعة وحدهم اشتراكات البوت ولغته.",
        "In a group only its administrators can change the bot's subscriptions and language.",
    ),
    "unsub_all_confirm": (
        "هل تريد إلغاء كل اشتراكات هذه المحادثة ({n})؟",
        "Cancel all subscriptions of this chat ({n})?",
    ),
    "btn_unsub_all": ("نعم، ألغِ الكل", "Yes, cancel all"),
    "btn_keep": ("لا، أبقِها", "No, keep them"),
    "unsub_all_kept": ("لم يتغيّر شيء؛ بقيت الاشتراكات كما هي.", "Nothing changed; the subscriptions stay."),
    "prompt_expired": (
        "انتهت مهلة هذا السؤال. اضغط الزر من جديد، أو أرسل /subscribe org ثم اسم المنظمة.",
        "That question has expired. Press the button again, or send /subscribe org NAME.",
    ),
    "plain_text_hint": (
        "أنا أفهم الأوامر فقط. للبحث في نصوص البيانات عن «{text}» أرسل: \u2068/search {text}\u2069\n"
        "والأمر \u2068/help\u2069 يعرض كل الأوامر.",
        "I only understand commands. To search the statements for “{text}”, send: /search {text}\n"
        "/help lists every command.",
    ),
    "unknown_command": (
        "لا أعرف هذا الأمر. أرسل /help لعرض الأوامر المتاحة.",
        "I don't know that command. Send /help to see what I can do.",
    ),
    "missing_argument": (
        "هذا الأمر يحتاج إلى قيمة. مثال: {usage}",
        "This command needs an argument, e.g. {usage}",
    ),
    "argument_too_long": (
        "النص طويل جداً؛ الحد الأقصى لعدد الأحرف هو {max}.",
        "That is too long; the limit is {max} characters.",
    ),
    "unknown_org": (
        "لم أجد منظمة باسم «{name}». جرّب اسماً آخر أو اختصارها، أو ابحث في نصوص البيانات: "
        "\u2068/search {name}\u2069",
        "I couldn't find an organisation called “{name}”. Try another name or its acronym, "
        "or search the statements' text: /search {name}",
    ),
    "ambiguous_org": (
        "وجدت أكثر من منظمة تطابق «{name}». هل تقصد: {options}؟",
        "More than one organisation matches “{name}”. Did you mean: {options}?",
    ),
    "unknown_source": (
        "لا يوجد مصدر بالمعرّف «{source}». أرسل /sources لعرض المصادر.",
        "There is no source “{source}”. Send /sources to list them.",
    ),
    "no_results": ("لا توجد نتائج.", "No results."),
    "rate_limited": (
        "وصلت طلبات كثيرة في وقت قصير. يُرجى المحاولة بعد قليل.",
        "Too many requests in a short time. Please try again in a little while.",
    ),
    "admin_only": (
        "عذراً، هذا الأمر مخصّص لمشرفي البوت.",
        "Sorry, this command is reserved for the bot's administrators.",
    ),
    "fts_too_short": (
        "كلمة البحث قصيرة جداً؛ اكتب {min} أحرف على الأقل.",
        "The search text is too short; type at least {min} characters.",
    ),
    "statement_not_found": ("لم أجد بياناً بالرقم {id}.", "There is no statement with ID {id}."),
    "bad_statement_id": (
        "رقم البيان يجب أن يكون عدداً، مثال: /statement 12",
        "The statement ID must be a number, e.g. /statement 12",
    ),
    "internal_error": (
        "حدث خطأ غير متوقع من جهتنا، وأُبلغ المشرفون.",
        "Something went wrong on our side; the administrators have been told.",
    ),
    "internal_error_untold": (
        "حدث خطأ غير متوقع من جهتنا. يُرجى المحاولة بعد قليل.",
        "Something went wrong on our side. Please try again in a little while.",
    ),
    "latest_header": ("أحدث البيانات", "Latest statements"),
    "signed_header": ("البيانات التي وقّعت عليها «{name}»", "Statements signed by “{name}”"),
    "search_header": ("نتائج البحث عن «{query}»", "Search results for “{query}”"),
    "sources_header": ("المصادر المتابَعة ({n})", "Sources followed ({n})"),
    "untitled": ("بلا عنوان", "(untitled)"),
    "lbl_issuer": ("الجهة المُصدِرة", "Issued by"),
    "lbl_signed_by": ("وقّعت عليه {count}", "Signed by {count}"),
    "and_individuals": ("و{count}", "and {count}"),
    "lbl_date": ("التاريخ", "Date"),
    "lbl_source": ("المصدر", "Source"),
    "lbl_read": ("نص البيان", "Read the statement"),
    "lbl_unreviewed": (
        "لم يراجعه أحد بعد: قد يكون الاستخراج خاطئاً.",
        "Not reviewed yet: the extraction may be wrong.",
    ),
    "lbl_full_list": ("القائمة الكاملة", "Full list"),
    "lbl_id": ("رقم {id}", "ID {id}"),
    "lbl_signatories_n": ("المنظمات الموقّعة ({n})", "Signatory organisations ({n})"),
    "lbl_individuals_n": ("الأفراد الموقّعون ({n})", "Individual signatories ({n})"),
    "no_signatories": ("لم تُستخرج أسماء موقّعين من هذا البيان.", "No signatories were extracted."),
    "lbl_acronyms": ("الاختصار", "Acronyms"),
    "lbl_website": ("الموقع", "Website"),
    "org_provisional": (
        "منظمة غير مؤكَّدة في السجل، أُضيفت تلقائياً من قائمة موقّعين.",
        "Not yet reviewed: added automatically from a list of signatories.",
    ),
    "lbl_statements": ("عدد البيانات", "Statements"),
    "lbl_first": ("أول بيان", "First"),
    "lbl_last": ("آخر بيان", "Latest"),
    "lbl_kinds": ("الأنواع", "Kinds"),
    "lbl_cosigners": ("أكثر المنظمات توقيعاً معها", "Most frequent co-signers"),
    "lbl_withdrawals": ("الانسحابات", "Withdrawals"),
    "lbl_from": ("من", "from"),
    "health_header": ("حالة المصادر ({n})", "Source health ({n})"),
    "health_never": ("لم يُجلب بعد", "not polled yet"),
    "health_ok": ("يعمل", "working"),
    "health_trouble": ("يواجه صعوبات مؤقتة", "having trouble"),
    "health_down": ("متوقف حالياً", "not working at the moment"),
    "lbl_last_ok": ("آخر نجاح", "last OK"),
    "lbl_errors": ("أخطاء متتالية", "consecutive errors"),
    "lbl_empty": ("قوائم فارغة", "empty listings"),
    "lbl_next": ("الفحص التالي", "next check"),
    "alert_header": ("تنبيه من «بيان»", "Bayan alert"),
    # /review (issue 14)
    "review_empty": ("لا شيء ينتظر المراجعة.", "Nothing is waiting for review."),
    "review_head": ("مراجعة · {n} في الانتظار", "Review · {n} waiting"),
    "review_said_yes": (
        "رأي الاستخراج: بيان (درجة اليقين {value})",
        "The extractor: a statement (certainty {value})",
    ),
    "review_said_no": (
        "رأي الاستخراج: ليس بياناً (درجة اليقين {value})",
        "The extractor: not a statement (certainty {value})",
    ),
    "review_why": ("الأسباب: {text}", "Why: {text}"),
    "review_held": (
        "محجوز: لن يُرسل قبل المراجعة (أو حتى {until})",
        "Held: not pushed before a review (or until {until})",
    ),
    "review_hidden": ("مخفي: لا يظهر للقرّاء قبل قبوله.", "Hidden: readers see it only once accepted."),
    "review_changed": ("تغيّرت الصفحة: {what}", "What changed: {what}"),
    "review_decided": ("القرار: {what}", "Decision: {what}"),
    "review_yes": ("بيان", "a statement"),
    "review_no": ("ليس بياناً", "not a statement"),
    "review_none": ("لم يُستخرج موقّعون.", "No signatories extracted."),
    "review_done_yes": ("\u200f✓ قُبل بياناً: {name}", "✓ Accepted as a statement: {name}"),
    "review_done_pushed": ("أُرسل إلى المشتركين الآن.", "Pushed to subscribers now."),
    "review_done_no": (
        "\u200f✗ ليس بياناً: {name}. سُحب من البحث ومن /signed.",
        "✗ Not a statement: {name}. Withdrawn from search and /signed.",
    ),
    "review_gone": ("لم يعد هذا العنصر في قائمة المراجعة.", "This item is no longer in the review queue."),
    "review_issuer_pick": (
        "اختر الجهة المُصدِرة من المنظمات المذكورة في الصفحة، أو أرسل اسماً:",
        "Pick the issuer among the organisations the page names, or send a name:",
    ),
    "review_issuer_prompt": (
        "ردّ على هذه الرسالة باسم الجهة المُصدِرة.",
        "Reply to this message with the issuer's name.",
    ),
    "review_sig_prompt": (
        "ردّ على هذه الرسالة بقائمة الموقّعين الصحيحة، اسم في كل سطر.",
        "Reply to this message with the corrected signatories, one per line.",
    ),
    "review_prompt_expired": (
        "انتهت مهلة هذا السؤال. أرسل /review من جديد.",
        "That question has expired. Send /review again.",
    ),
    "review_alert": (
        "في قائمة المراجعة عناصر جديدة: أرسل /review لعرض أولها.",
        "The review queue has items again: send /review to see the first one.",
    ),
    "btn_rv_yes": ("\u200f✓ بيان", "✓ Statement"),
    "btn_rv_no": ("\u200f✗ ليس بياناً", "✗ Not a statement"),
    "btn_rv_issuer": ("الجهة المُصدِرة…", "Issuer…"),
    "btn_rv_name": ("أرسل اسماً…", "Send a name…"),
    "btn_rv_sig_ok": ("\u200f✓ الموقّعون صحيحون", "✓ Signatories right"),
    "btn_rv_sig_fix": ("تصحيح الموقّعين…", "Correct signatories…"),
    "btn_rv_skip": ("تخطٍّ ◁", "Skip ▷"),
    "btn_rv_back": ("رجوع", "Back"),
    # subscription buttons and prompts, /signed paging, /search count (commands_query)
    "sub_choose": ("اختر ما تريد متابعته في هذه المحادثة:", "Choose what this chat should follow:"),
    "btn_org": ("منظمة معيّنة…", "An organisation…"),
    "org_prompt": (
        "ردّ على هذه الرسالة باسم المنظمة أو اختصارها.",
        "Reply to this message with the organisation's name or acronym.",
    ),
    "unsub_choose": ("اختر الاشتراك الذي تريد إلغاءه:", "Choose the subscription to cancel:"),
    "btn_prev": ("السابق", "Previous"),
    "btn_next": ("التالي", "Next"),
    "btn_signed": ("البيانات الموقّعة", "Signed statements"),
    "btn_follow": ("متابعة المنظمة", "Follow"),
    "page": ("صفحة {page} من {pages}", "page {page} of {pages}"),
    # admin replies: /status, /reload, /poll (commands_admin)
    "polling": ("جارٍ جلب المصادر…", "Polling…"),
    "poll_report": (  # the values are count() phrases: "مصدران", "2 sources"
        "انتهى الجلب: {sources}، {statements} (أُرسل منها {announced})، {errors}، المؤجَّلة: {deferred}.",
        "Poll done: {sources}, {statements} ({announced} announced), {errors}, {deferred} deferred.",
    ),
    "poll_deferred": (
        "مؤجَّل حتى {until}: طلب الخادم الانتظار (Retry-After)",
        "deferred until {until}: the server asked to wait (Retry-After)",
    ),
    "poll_deferred_after": ("بعد: {error}", "after: {error}"),
    "reload_done": ("أُعيد تحميل الإعدادات:", "Configuration reloaded:"),
    "reload_failed": (
        "لم تُحمَّل الإعدادات الجديدة، وبقيت السابقة:",
        "Not reloaded; the old configuration stays:",
    ),
    "status_header": ("<b>حالة «بيان»</b>", "<b>Bayan status</b>"),
    "digest_header": ("<b>بيانات جديدة ({n})</b>", "<b>New statements ({n})</b>"),
    "status_counts": (
        "البيانات: {statements} · المنظمات: {orgs} (غير مؤكَّدة {provisional}) · المصادر: {sources}\n"
        "المحادثات: {chats} · الاشتراكات: {subscriptions}\n"
        "صندوق الإرسال: {pending} بانتظار الإرسال، {sent} أُرسلت",
        "Statements: {statements} · organisations: {orgs} ({provisional} provisional) · sources: {sources}\n"
        "Chats: {chats} · subscriptions: {subscriptions}\n"
        "Outbox: {pending} pending, {sent} sent",
    ),
    "status_healthy": ("كل المصادر تعمل.", "Every source is healthy."),
    "status_unwritable": (
        "قاعدة البيانات لا تقبل الكتابة: {reason}\nالإرسال متوقف حتى تقبلها.",
        "database not writable: {reason}\nSending is paused until it takes writes again.",
    ),
    "status_maybe_delivered": (
        "إرسال انتهت مهلته (ربما وصل، يُعاد مرة واحدة فقط): {n}",
        "Sends that timed out (maybe delivered, retried once at most): {n}",
    ),
    # /chart and `bayan chart` (issue 13): captions are HTML; the chart_* labels are drawn as plain text
    "chart_unavailable": (
        "الرسوم البيانية غير مثبّتة في نسخة «بيان» هذه (الإضافة الاختيارية bayan[charts]).",
        "Charts are not installed on this Bayan (the optional extra bayan[charts]).",
    ),
    "chart_no_data_org": (
        "لا توجد بعد بيانات محفوظة وقّعت عليها «{name}»، فلا رسم بيانياً لها.",
        "There are no stored statements signed by “{name}” yet, so there is nothing to chart.",
    ),
    "chart_no_data": (
        "لا توجد بيانات محفوظة بعد، فلا رسم بيانياً.",
        "No statements are stored yet, so there is nothing to chart.",
    ),
    "chart_field_title": ("كل المنظمات", "All organisations"),
    "chart_span": ("من {first} إلى {last}", "{first} – {last}"),
    "chart_with_orgs": ("مع {orgs}", "with {orgs}"),
    "chart_signed_by": ("وقّعتها {orgs}", "signed by {orgs}"),
    "chart_per_month": ("البيانات في كل شهر", "Statements per month"),
    "chart_kinds": ("أنواع البيانات", "Kinds of statement"),
    "chart_cosigners": ("أكثر المنظمات توقيعاً معها", "Most frequent co-signers"),
    "chart_top": ("أكثر المنظمات توقيعاً", "Most active signatories"),
    "chart_none": ("لا شيء بعد", "none yet"),
}


def norm_lang(lang: str | None) -> str:
    """'ar' if ``lang`` starts with 'ar' (ar, ar-SY, AR), else 'en'."""
    return "ar" if (lang or "").strip().lower().startswith("ar") else "en"


def strip_bidi(text: str) -> str:
    """``text`` without bidi control characters (U+202A–U+202E, U+2066–U+2069, LRM, RLM, ALM)."""
    return text.translate(_BIDI_CONTROLS)


def has_rtl(text: str) -> bool:
    """True when ``text`` has a strong right-to-left character (Arabic, Hebrew…)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def has_ltr(text: str) -> bool:
    """True when ``text`` has a strong left-to-right character (Latin…)."""
    return any(unicodedata.bidirectional(ch) == "L" for ch in text)


def bidi_wrap(text: str, lang: str) -> str:
    """Wrap ``text`` in FSI…PDI when it contains the script opposite to the message's direction."""
    foreign = has_ltr(text) if norm_lang(lang) == "ar" else has_rtl(text)
    return f"{FSI}{text}{PDI}" if foreign else text


def _value(value: object, lang: str) -> str:
    """One keyword value of t(): lists are joined; text is isolated, then escaped."""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Iterable) and not isinstance(value, str):
        sep = "، " if norm_lang(lang) == "ar" else ", "
        return sep.join(_value(v, lang) for v in value)
    return html.escape(bidi_wrap(strip_bidi(str(value)), lang), quote=False)


def t(key: str, lang: str | None, **kw: object) -> str:
    """The UI string ``key`` in ``lang`` as Telegram-HTML; keyword values are escaped. KeyError if unknown."""
    ar, en = STRINGS[key]
    code = norm_lang(lang)
    template = ar if code == "ar" else en
    return template.format(**{k: _value(v, code) for k, v in kw.items()}) if kw else template


def plain(key: str, lang: str | None, **kw: object) -> str:
    """The UI string ``key`` as plain text (for what is drawn, not sent: chart labels): keyword values
    lose their bidi controls and are neither escaped nor isolated. The template must hold no HTML."""
    ar, en = STRINGS[key]
    template = ar if norm_lang(lang) == "ar" else en
    return template.format(**{k: strip_bidi(str(v)) for k, v in kw.items()}) if kw else template


def kind_label(kind: str | None, lang: str | None) -> str:
    """Plain label of a statement kind; unknown or None → 'بيان' / 'Statement'."""
    ar, en = _KINDS.get(kind or "single", _KINDS["single"])
    return ar if norm_lang(lang) == "ar" else en


def format_date(d: date, lang: str | None) -> str:
    """'26 كانون الثاني/يناير 2026' or '26 January 2026'."""
    months = _MONTHS_AR if norm_lang(lang) == "ar" else _MONTHS_EN
    return f"{d.day} {months[d.month - 1]} {d.year}"


def count_orgs(n: int, lang: str | None) -> str:
    """'N organisations' with Arabic number agreement (منظمة واحدة، منظمتان، 3 منظمات، 11 منظمة)."""
    if norm_lang(lang) != "ar":
        return "1 organisation" if n == 1 else f"{n} organisations"
    if n == 1:
        return "منظمة واحدة"
    if n == 2:
        return "منظمتان"
    return f"{n} منظمات" if 3 <= n % 100 <= 10 else f"{n} منظمة"


# noun → (English singular, English plural, Arabic: bare singular, one, two, 3–10, 11–99 (accusative))
_NOUNS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "result": ("result", "results", "نتيجة", "نتيجة واحدة", "نتيجتان", "نتائج", "نتيجةً"),
    "error": ("error", "errors", "خطأ", "خطأ واحد", "خطآن", "أخطاء", "خطأً"),
    "source": ("source", "sources", "مصدر", "مصدر واحد", "مصدران", "مصادر", "مصدراً"),
    "statement": ("statement", "statements", "بيان", "بيان واحد", "بيانان", "بيانات", "بياناً"),
    "new_statement": (
        "new statement",
        "new statements",
        "بيان جديد",
        "بيان جديد واحد",
        "بيانان جديدان",
        "بيانات جديدة",
        "بياناً جديداً",
    ),
    "individual": ("individual", "individuals", "فرد", "فرد واحد", "فردان", "أفراد", "فرداً"),
}


def count(n: int, noun: str, lang: str | None) -> str:
    """``n`` of a noun of _NOUNS, in the number's grammar: "1 result", "2 results"; Arabic "نتيجة واحدة",
    "نتيجتان", "3 نتائج" (3–10), "11 نتيجةً" (11–99, accusative singular), "100 نتيجة", "0 نتائج"."""
    one_en, many_en, bare, one, two, few, many = _NOUNS[noun]
    if norm_lang(lang) != "ar":
        return f"{n} {one_en if n == 1 else many_en}"
    rest = n % 100
    if n in (1, 2):
        return one if n == 1 else two
    if n == 0 or 3 <= rest <= 10:
        return f"{n} {few}"
    return f"{n} {many}" if rest >= 11 else f"{n} {bare}"


def more_orgs(n: int, lang: str | None) -> str:
    """'+N more' / 'و N منظمات أخرى' with Arabic agreement."""
    if norm_lang(lang) != "ar":
        return f"+{n} more"
    if n == 1:
        return "ومنظمة أخرى"
    if n == 2:
        return "ومنظمتان أخريان"
    return f"و {n} منظمات أخرى" if 3 <= n % 100 <= 10 else f"و {n} منظمة أخرى"


def _commands(admin: bool) -> tuple[tuple[str, str, str, str, str], ...]:
    return _PUBLIC + _ADMIN if admin else _PUBLIC


def command_descriptions(lang: str | None, *, admin: bool = False) -> list[tuple[str, str]]:
    """(command, description) pairs for setMyCommands; names match [a-z0-9_], descriptions ≤ 256."""
    ar = norm_lang(lang) == "ar"
    return [(name, d_ar if ar else d_en) for name, _, _, d_ar, d_en in _commands(admin)]


def usage(command: str, lang: str | None) -> str:
    """Plain usage example of a command: '/signed اسم المنظمة'."""
    ar = norm_lang(lang) == "ar"
    for name, u_ar, u_en, _, _ in _PUBLIC + _ADMIN:
        if name == command:
            args = u_ar if ar else u_en
            return f"/{name} {args}".rstrip()
    raise KeyError(command)


def _help_lines(code: str, admin: bool) -> list[str]:
    prefix = RLM if code == "ar" else ""
    lines = [t("help_header", code)]
    lines += [
        f"{prefix}/{name} — {html.escape(desc, quote=False)}" for name, desc in command_descriptions(code)
    ]
    if admin:
        lines += ["", t("help_admin_header", code)]
        lines += [
            f"{prefix}/{c[0]} — {html.escape(c[3] if code == 'ar' else c[4], quote=False)}" for c in _ADMIN
        ]
    return lines


def help_text(lang: str | None, *, admin: bool = False) -> str:
    """The /help message (Telegram-HTML): one line per command, admin commands only for admins."""
    return "\n".join(_help_lines(norm_lang(lang), admin))


STRINGS["help"] = (help_text("ar"), help_text("en"))
STRINGS["help_admin"] = (help_text("ar", admin=True), help_text("en", admin=True))
STRINGS["start"] = (
    f"{STRINGS['start_intro'][0]}\n\n{help_text('ar')}",
    f"{STRINGS['start_intro'][1]}\n\n{help_text('en')}",
)
