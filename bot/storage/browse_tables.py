"""What each table and column of the schema holds, in the words `bayan browse` shows (Datasette table
metadata): a title in English and Arabic, a description, and one line per column.

A table is (title, description, columns); the column lines follow the DDL of ``schema`` (every table a
migration creates or alters is described; ``tests/unit/test_browse_metadata.py`` checks it).
"""

from __future__ import annotations

from typing import Any

Table = tuple[str, str, dict[str, str]]

_WHEN = "(UTC, ISO 8601)"

TABLES: dict[str, Table] = {
    "statements": (
        "Statements · البيانات",
        "One row per statement: a page Bayan read as a statement, from one source or several (copies on other"
        " sources are rows of statement_sources). Hidden rows (hidden = 1) are shown nowhere else in Bayan.",
        {
            "id": "Bayan's id of the statement (as `bayan statement ID` takes it) · رقم البيان",
            "title": "the title as published · العنوان",
            "url": "the page of the statement on the first source that carried it · الرابط",
            "published": "the date it was published (YYYY-MM-DD), when given · تاريخ النشر",
            "language": "ar, en, ku or mixed · اللغة",
            "kind": "single, joint (several signatories), open_letter or withdrawal · النوع",
            "issuer": "the organisation that issued it, as the page wrote it · الجهة المصدرة",
            "lead": "the opening sentences · المقدمة",
            "body": "the full text read from the page (or its PDF) · النص",
            "title_norm": "the title folded for matching and search · العنوان موحّد الكتابة",
            "body_norm": "the text folded for matching; indexed in statements_fts · النص موحّد الكتابة",
            "confidence": "how sure the extractor was that the page is a statement, 0 to 1 · درجة الثقة",
            "page_id": "the stored page it was read from (pages) · الصفحة المحفوظة",
            "source_id": "the id (feeds.yaml) of the first source that carried it · المصدر",
            "first_seen_at": f"when Bayan first stored it {_WHEN} · أول ظهور",
            "updated_at": f"when it last changed {_WHEN} · آخر تعديل",
            "announced": "1 once it was pushed to the subscribed Telegram chats · أُعلن",
            "withdrawn_from": "for a withdrawal: what it withdraws from, as written · انسحاب من",
            "evidence": "the cues that weighed most in the extraction (JSON list of cue:weight) · القرائن",
            "text_sha": "hash of the folded title and text (the same page under another link) · بصمة النص",
            "hidden": "1 = rejected by a reviewer, or a candidate not yet accepted · مخفي",
        },
    ),
    "signatures": (
        "Signatures · التواقيع",
        "Who signed what: one row per statement and organisation (the issuer included, role issuer).",
        {
            "statement_id": "the statement · البيان",
            "org_id": "the organisation the name resolved to · المنظمة",
            "raw_name": "the name as the statement wrote it · الاسم كما ورد",
            "position": "its place in the signatory list, from 0 · الترتيب",
            "role": "signatory or issuer · الصفة",
            "match_score": "how closely the name matched the organisation, 0 to 100 · درجة المطابقة",
            "first_seen_at": f"when this signature was first stored {_WHEN} · أول ظهور",
            "via": "empty: from the statement's own page; else the link of the copy that added it · عبر",
            "day": "the statement's day (its date, else the day first seen) · اليوم",
        },
    ),
    "orgs": (
        "Organisations · المنظمات",
        "The registry (bot/data/orgs.yaml, fixes made with `bayan orgs`) and the provisional organisations"
        " created from signatory names that matched none.",
        {
            "id": "Bayan's id of the organisation · رقم المنظمة",
            "slug": "the registry's short id; empty for provisional and added ones · المعرّف المختصر",
            "name": "the main name, usually Arabic · الاسم",
            "name_en": "the English name · الاسم بالإنكليزية",
            "website": "its website · الموقع",
            "kind": "what it is (registry: ngo, network, media, research, …) · الفئة",
            "provisional": "1 = created from a signatory name no known organisation had · مؤقتة",
            "merged_into": "when merged: the organisation it is now part of · دُمجت في",
            "created_at": f"when it was added {_WHEN} · تاريخ الإضافة",
            "renamed": "1 = renamed with `bayan orgs rename` (a re-seed keeps it) · أُعيدت تسميتها",
        },
    ),
    "org_names": (
        "Organisation names · أسماء المنظمات",
        "Every name an organisation is known by (Arabic and English names, acronyms, aliases, spellings"
        " met in signatory lists): the names the canned queries and `bayan signed` look up.",
        {
            "name_norm": "the name folded for matching (names.normalize) · الاسم موحّد الكتابة",
            "org_id": "the organisation · المنظمة",
            "name": "the name as written · الاسم",
            "kind": "name, acronym or alias · النوع",
            "origin": "registry, config (feeds.yaml), admin (`bayan orgs`) or signature · المصدر",
        },
    ),
    "sources": (
        "Sources · المصادر",
        "The sources of feeds.yaml as last configured; a source removed from the file keeps its row.",
        {
            "id": "the permanent id of feeds.yaml · المعرّف",
            "name": "display name · الاسم",
            "name_en": "English display name · الاسم بالإنكليزية",
            "url": "the feed, WordPress API or listing page polled · الرابط",
            "type": "feed, wordpress or page · النوع",
            "language": "ar, en, ku or mixed · اللغة",
            "enabled": "1 = polled · مفعّل",
            "org": "the publishing organisation (feeds.yaml `org`) · المنظمة",
            "interval": "seconds between polls · الفاصل",
        },
    ),
    "source_state": (
        "Source health · حالة المصادر",
        "How each source's polls went: validators of the last response and the latest error.",
        {
            "source_id": "the source · المصدر",
            "etag": "ETag of the last response (conditional requests) · وسم ETag",
            "last_modified": "Last-Modified of the last response · آخر تعديل",
            "content_sha": "hash of the last response body · بصمة المحتوى",
            "last_ok_at": f"the last successful poll {_WHEN} · آخر نجاح",
            "last_error": "the latest error seen, even after a later success · آخر خطأ",
            "error_kind": "its kind (network, timeout, http, parse, empty, refused, …) · نوع الخطأ",
            "error_count": "failed polls in a row · عدد الأخطاء",
            "empty_count": "polls in a row that found no item · مرات الخلو",
            "next_check_at": f"when it is polled next {_WHEN} · الفحص التالي",
            "retry_until": "a server's Retry-After: no poll before this · لا فحص قبل",
            "baseline_done": "1 once the silent first poll is done · تم الفحص الأول",
            "last_polled_at": f"the last poll {_WHEN} · آخر فحص",
        },
    ),
    "statement_sources": (
        "Statement copies · نسخ البيانات",
        "Every source and link that carried a statement (the same statement on several sites is one row"
        " of statements).",
        {
            "statement_id": "the statement · البيان",
            "source_id": "the source · المصدر",
            "url": "the link on that source · الرابط",
            "first_seen_at": f"when that copy was first seen {_WHEN} · أول ظهور",
        },
    ),
    "individuals": (
        "Individual signatories · الموقّعون الأفراد",
        "People who signed in their own name.",
        {
            "statement_id": "the statement · البيان",
            "name": "the name as written · الاسم",
            "position": "its place in the list · الترتيب",
        },
    ),
    "signature_changes": (
        "Signature changes · تغييرات التواقيع",
        "Signatories added or removed after a statement was first stored.",
        {
            "id": "row id · الرقم",
            "statement_id": "the statement · البيان",
            "org_id": "the organisation · المنظمة",
            "raw_name": "the name as written · الاسم كما ورد",
            "change": "added or removed · التغيير",
            "at": f"when Bayan saw the change {_WHEN} · الوقت",
        },
    ),
    "withdrawals": (
        "Withdrawals · الانسحابات",
        "One row per organisation that a withdrawal statement withdraws.",
        {
            "id": "row id · الرقم",
            "statement_id": "the withdrawal statement · البيان",
            "org_id": "the organisation that withdraws · المنظمة المنسحبة",
            "from_text": "what it withdraws from, as written · انسحاب من",
            "from_org_id": "that, as an organisation, when the name was recognised · الجهة",
        },
    ),
    "items": (
        "Source items · عناصر المصادر",
        "Every entry ever seen in a source's feed or listing, statement or not (never fetched twice).",
        {
            "source_id": "the source · المصدر",
            "item_key": "its stable identity within the source · مفتاح العنصر",
            "url": "its link · الرابط",
            "title": "its title · العنوان",
            "published": "its date in the feed or listing · التاريخ",
            "first_seen_at": f"when it was first seen {_WHEN} · أول ظهور",
            "statement_id": "the statement it was read as, if any · البيان",
            "cluster_reason": "why it was taken as a copy of a stored statement · سبب الربط",
        },
    ),
    "pages": (
        "Stored pages · الصفحات المحفوظة",
        "The raw page each statement was read from (input of `bayan reextract`).",
        {
            "id": "row id · الرقم",
            "url": "the fetched link · الرابط",
            "fetched_at": f"when it was fetched {_WHEN} · وقت الجلب",
            "sha256": "hash of the body · البصمة",
            "content_type": "HTTP Content-Type · نوع المحتوى",
            "body": "the bytes as fetched · المحتوى",
        },
    ),
    "reviews": (
        "Review queue · قائمة المراجعة",
        "Statements a person should check (`bayan review`, /review): doubtful ones and candidates.",
        {
            "statement_id": "the statement · البيان",
            "reason": "doubtful (read as a statement, unsure) or candidate (read as not one, hidden) · السبب",
            "state": "open or decided · الحالة",
            "page_id": "the page under review · الصفحة",
            "page_sha": "its hash: a decision holds for this page · بصمة الصفحة",
            "held": "1 = its pushes wait for the decision · معلّق",
            "hold_until": "when a held statement is pushed anyway, marked not reviewed · معلّق حتى",
            "push": "0 for a baseline poll: never pushed · يُرسل",
            "released_at": "when its pushes were released · وقت الإرسال",
            "unreviewed": "1 = pushed before anyone reviewed it · دون مراجعة",
            "changed": "what changed when its page came back different · ما تغيّر",
            "proposal": "the new extraction of a changed page (JSON) · الاقتراح",
            "notified": "1 = the admins were told of it · أُبلغ المشرفون",
            "opened_at": f"when it entered the queue {_WHEN} · وقت الفتح",
            "skipped_at": "when a reviewer last skipped it · وقت التخطي",
        },
    ),
    "review_decisions": (
        "Review decisions · قرارات المراجعة",
        "What reviewers decided, per statement and page hash; extraction never overwrites it.",
        {
            "statement_id": "the statement · البيان",
            "page_sha": "the page hash decided on · بصمة الصفحة",
            "is_statement": "1 = a statement, 0 = not one · بيان أم لا",
            "kind": "the kind the reviewer gave · النوع",
            "issuer": "the issuer the reviewer gave · الجهة المصدرة",
            "signatories": "the corrected signatory list (JSON) · الموقّعون",
            "decided_by": "who decided (a Telegram user id, or cli:LOGIN) · صاحب القرار",
            "decided_at": f"when {_WHEN} · وقت القرار",
        },
    ),
    "org_merges": (
        "Organisation merges · دمج المنظمات",
        "Every merge of one organisation into another, with what it moved, so that it can be undone.",
        {
            "id": "row id · الرقم",
            "keep_id": "the organisation kept · المنظمة الباقية",
            "gone_id": "the organisation merged into it · المنظمة المدموجة",
            "at": f"when {_WHEN} · الوقت",
            "undone_at": "when `bayan orgs unmerge` undid it · وقت التراجع",
            "moved": "the rows it moved (JSON) · ما نُقل",
        },
    ),
    "source_alerts": (
        "Source alerts · تنبيهات المصادر",
        "What the admins were told about each failing source.",
        {
            "source_id": "the source · المصدر",
            "state": "ok, told (alerted) or quiet · الحالة",
            "since": "when the failures began · منذ",
            "alerted_at": "the last alert · وقت التنبيه",
            "failures": "failures counted · الإخفاقات",
            "ok_streak": "successful polls in a row since · نجاحات متتالية",
        },
    ),
    "backfill_state": (
        "History walks · استرجاع الأرشيف",
        "How far `bayan backfill` walked each source's history back in time, and where it continues.",
        {
            "source_id": "the source · المصدر",
            "layout": "how its history is paged (wordpress, page_url, next, feed, sitemap) · طريقة التصفح",
            "cursor": "the next page to read (JSON) · الصفحة التالية",
            "done": "the oldest page was read · اكتمل",
            "pages": "pages read · الصفحات المقروءة",
            "items": "items stored · العناصر المخزنة",
            "statements": "statements stored · البيانات المخزنة",
            "reached": "the oldest date met · أقدم تاريخ بلغه",
            "started_at": f"when the walk began {_WHEN} · وقت البدء",
            "updated_at": f"its last page {_WHEN} · آخر تحديث",
            "last_error": "why the last run stopped, if it failed · آخر خطأ",
        },
    ),
    "meta": (
        "About this database · عن قاعدة البيانات",
        "One value per key (registry_sha256: the registry file last seeded).",
        {"key": "the key · المفتاح", "value": "its value · القيمة"},
    ),
}

# the Telegram side (chat ids, subscriptions, the outbox): the bot's bookkeeping, not listed
HIDDEN = ("chats", "subscriptions", "deliveries")

FACETS: dict[str, list[Any]] = {
    "statements": ["kind", "source_id", "language", {"year": "published"}],
    "signatures": ["role"],
    "orgs": ["provisional", "kind"],
    "org_names": ["kind", "origin"],
    "withdrawals": [],
    "signature_changes": ["change"],
    "items": ["source_id"],
    "statement_sources": ["source_id"],
    "reviews": ["state", "reason"],
}

LABELS = {"orgs": "name", "statements": "title", "pages": "url", "sources": "name"}
SORT_DESC = {"statements": "published", "signature_changes": "at", "items": "first_seen_at"}
