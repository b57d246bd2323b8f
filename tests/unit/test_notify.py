"""Unit tests of bot.tg.render (rendering, escaping, bidi, UTF-16 length, packing) and bot.tg.i18n."""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import CoSigner, Org, OrgProfile, SourceHealth, StoredStatement, WithdrawalRow
from bot.tg import i18n
from bot.tg.render import (
    esc,
    isolate,
    link,
    pack,
    plain,
    render_alert,
    render_health,
    render_list,
    render_org_profile,
    render_statement_full,
    render_statement_line,
    render_summary,
    split_text,
    tg_len,
)

RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"
ALLOWED_TAGS = {"b", "i", "a", "code"}
_TAG = re.compile(r"<(/?)([a-z-]+)(?:\s[^<>]*)?>")
HOSTILE = '<script>alert("x")</script> <b>bold</b> &amp; <a href="javascript:evil()">x</a>'

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةى"
SAMPLE = (
    ARABIC
    + "ًٌٍَُِّْ"  # harakat (combining)
    + string.ascii_letters
    + string.digits
    + " \n\n\t.!?؟؛۔،,:;<>&/\"'"
    + "😀👍🏽‍❤️🇸🇾"
    + "\u200d\ufe0f"
)
texts = st.one_of(
    st.text(alphabet=SAMPLE, max_size=400),
    st.text(max_size=200),
    st.lists(
        st.sampled_from(["<b>", "</b>", "&amp;", "&lt;", "<a href='x'>", "بيان", "😀", "word", "\n\n"])
    ).map("".join),
)
settings.register_profile("bayan", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bayan")


def balanced(fragment: str) -> bool:
    """Every tag is allowed, closed in order, and no stray < or > is left in the text."""
    stack: list[str] = []
    for closing, name in _TAG.findall(fragment):
        if name not in ALLOWED_TAGS:
            return False
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack and "<" not in _TAG.sub("", fragment) and ">" not in _TAG.sub("", fragment)


def squeeze(text: str) -> str:
    return "".join(text.split())


def statement(**kw: object) -> StoredStatement:
    base: dict[str, object] = {
        "id": 12,
        "title": "بيان حول حماية المدنيين في إدلب",
        "url": "https://example.org/statement?id=1&lang=ar",
        "source": "stj-ar",
        "published": date(2026, 1, 26),
        "kind": "joint",
        "issuer": None,
        "signatories": ("مؤسسة الحق", "Syrians for Truth and Justice", "رابطة عائلات قيصر"),
        "lead": "تدعو المنظمات الموقّعة إلى حماية المدنيين. وتطالب بمحاسبة المسؤولين.",
    }
    base.update(kw)
    return StoredStatement(**base)  # type: ignore[arg-type]


def rtl_lines_ok(message: str) -> bool:
    """Each non-empty line of an Arabic message starts with Arabic text or RLM (after entity parsing)."""
    for line in plain(message).split("\n"):
        if line and not (line[0] == RLM or unicodedata.bidirectional(line[0]) in ("R", "AL")):
            return False
    return True


# ───────────────────────────── length and escaping ─────────────────────────────


@pytest.mark.parametrize(
    ("fragment", "units"),
    [
        ("abc", 3),
        ("<b>a&amp;b</b>", 3),
        ('<a href="https://x.org/?a=1&amp;b=2">بيان</a>', 4),
        ("😀", 2),
        ("👨‍👩‍👧", 8),
        ("🇸🇾", 4),
        ("&lt;b&gt;", 3),
        ("\u2068x\u2069", 3),
    ],
)
def test_tg_len_counts_utf16_units_after_entity_parsing(fragment: str, units: int) -> None:
    assert tg_len(fragment) == units


def test_esc_escapes_only_markup_characters() -> None:
    assert esc("<b> & \"q\" 's'") == "&lt;b&gt; &amp; \"q\" 's'"


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&c=2", "http://x.org", "HTTPS://X.ORG/p"])
def test_link_accepts_http_urls(url: str) -> None:
    out = link(url, "label <x>")
    assert out.startswith('<a href="') and out.endswith(">label &lt;x&gt;</a>")
    assert balanced(out)


def test_link_escapes_quotes_in_href() -> None:
    out = link('https://x.org/"><script>alert(1)</script>', "t")
    assert "<script>" not in out and "&quot;&gt;&lt;script&gt;" in out
    assert balanced(out)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://x.org/f",
        "tg://resolve?domain=x",
        "/relative/path",
        "http://",
        "https://exa mple.org",
        "",
        "http://[::1",
        "https://x.org/" + "a" * 3000,
    ],
)
def test_link_only_http_urls_become_links(url: str) -> None:
    out = link(url, "<b>label</b>")
    assert "<a" not in out and out == "&lt;b&gt;label&lt;/b&gt;"


def test_link_without_label_shows_escaped_url() -> None:
    assert link("javascript:x<y>", "") == "javascript:x&lt;y&gt;"


# ───────────────────────────── bidi ─────────────────────────────


def test_isolate_wraps_latin_runs_in_arabic_lines_only() -> None:
    text = "وقّعت منظمة Human Rights Watch (HRW) على البيان\nSigned by Human Rights Watch"
    out = isolate(text)
    first, second = out.split("\n")
    assert f"{FSI}Human Rights Watch{PDI}" in first and f"({FSI}HRW{PDI})" in first
    assert second == "Signed by Human Rights Watch"
    assert isolate("Article 19", always=True) == f"{FSI}Article 19{PDI}"


def test_isolate_keeps_tag_looking_text_together() -> None:
    assert isolate("بيان <b>عاجل</b>") == f"بيان {FSI}<b>{PDI}عاجل{FSI}</b>{PDI}"


def test_arabic_summary_lines_start_with_arabic_or_rlm() -> None:
    st_ = statement(title="Joint statement on Idlib", signatories=("Dawlaty", "مؤسسة الحق", "Women Now"))
    out = render_summary(st_, "ar")
    assert rtl_lines_ok(out)
    assert f"{FSI}Dawlaty{PDI}" in out and f"{FSI}Women Now{PDI}" in out
    assert f"{FSI}Joint statement on Idlib{PDI}" in out


def test_untrusted_bidi_controls_are_removed() -> None:
    out = render_summary(statement(title="بيان \u202eevil\u202c", signatories=()), "ar")
    assert "\u202e" not in out and "\u202c" not in out


# ───────────────────────────── render_summary ─────────────────────────────


def test_summary_arabic_content() -> None:
    sigs = (
        "مؤسسة الحق",
        "Syrians for Truth and Justice",
        "رابطة عائلات قيصر",
        "دولتي",
        "النساء الآن",
        "بدائل",
        "x",
    )
    out = render_summary(statement(signatories=sigs), "ar")
    lines = out.split("\n")
    assert lines[0] == "<b>بيان مشترك</b>"
    assert lines[1] == "<b>بيان حول حماية المدنيين في إدلب</b>"
    assert "وقّعت عليه 7 منظمات" in out and "ومنظمتان أخريان" in out
    assert "التاريخ: 26 كانون الثاني/يناير 2026" in out
    assert f"المصدر: {FSI}stj-ar{PDI}" in out
    assert "تدعو المنظمات الموقّعة" in out
    assert '<a href="https://example.org/statement?id=1&amp;lang=ar">نص البيان</a>' in out
    assert "/statement 12" in out
    assert balanced(out) and rtl_lines_ok(out)


def test_summary_english_content() -> None:
    sigs = tuple(f"Org {i}" for i in range(9))
    out = render_summary(statement(signatories=sigs, kind="open_letter", lead="We call for peace."), "en-GB")
    assert out.startswith("<b>Open letter</b>\n")
    assert "Signed by 9 organisations: Org 0, Org 1, Org 2, Org 3, Org 4 +4 more" in out
    assert "Date: 26 January 2026" in out and "Source: stj-ar" in out
    assert ">Read the statement</a>" in out and "Full list: /statement 12" in out
    assert "We call for peace." in out


def test_summary_single_statement_shows_issuer() -> None:
    out = render_summary(
        statement(kind="single", issuer="Impunity Watch", signatories=("Impunity Watch",)), "en"
    )
    assert out.startswith("<b>Statement</b>") and "Issued by: Impunity Watch" in out
    assert "Signed by" not in out and "/statement 12" not in out
    out_ar = render_summary(statement(kind=None, issuer="مؤسسة الحق", signatories=()), "ar")
    assert out_ar.startswith("<b>بيان</b>") and "الجهة المُصدِرة: مؤسسة الحق" in out_ar


@pytest.mark.parametrize(
    ("kind", "ar", "en"),
    [
        ("single", "بيان", "Statement"),
        ("joint", "بيان مشترك", "Joint statement"),
        ("withdrawal", "بيان انسحاب", "Withdrawal statement"),
        ("open_letter", "رسالة مفتوحة", "Open letter"),
        (None, "بيان", "Statement"),
        ("weird", "بيان", "Statement"),
    ],
)
def test_kind_labels(kind: str | None, ar: str, en: str) -> None:
    assert i18n.kind_label(kind, "ar") == ar and i18n.kind_label(kind, "en") == en
    assert render_summary(statement(kind=kind), "ar").startswith(f"<b>{ar}</b>")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_summary_escapes_hostile_strings(lang: str) -> None:
    st_ = statement(
        title=HOSTILE,
        signatories=(HOSTILE, "<i>x</i>"),
        lead=HOSTILE,
        source="<b>src</b>",
        url="javascript:alert(1)",
    )
    out = render_summary(st_, lang)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;" in out
    assert "javascript" not in out.split("\n")[-1] and "<a " not in out
    assert balanced(out)


def test_summary_untitled_and_undated() -> None:
    out = render_summary(statement(title="  ", published=None, lead=None), "ar")
    assert "<b>بلا عنوان</b>" in out and "التاريخ" not in out and rtl_lines_ok(out)


def test_summary_200_signatories_and_huge_fields_fit() -> None:
    sigs = tuple(f"منظمة رقم {i} " * 30 for i in range(200))
    st_ = statement(title="عنوان طويل جداً " * 2000, lead="جملة طويلة. " * 3000, signatories=sigs)
    for lang in ("ar", "en"):
        out = render_summary(st_, lang, max_names=200)
        assert tg_len(out) <= 4096 and balanced(out)
        assert "…" in out
    assert rtl_lines_ok(render_summary(st_, "ar", max_names=200))


@given(title=texts, lead=texts, names=st.lists(texts, max_size=30), mult=st.integers(1, 40))
def test_summary_never_exceeds_limit(title: str, lead: str, names: list[str], mult: int) -> None:
    st_ = statement(title=title * mult, lead=lead * mult, signatories=tuple(n * mult for n in names))
    for lang in ("ar", "en"):
        out = render_summary(st_, lang, max_names=30)
        assert tg_len(out) <= 4096 and balanced(out)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "منظمة واحدة"),
        (2, "منظمتان"),
        (3, "3 منظمات"),
        (10, "10 منظمات"),
        (11, "11 منظمة"),
        (103, "103 منظمات"),
    ],
)
def test_arabic_organisation_counts(n: int, text: str) -> None:
    assert i18n.count_orgs(n, "ar") == text
    assert i18n.count_orgs(n, "en") == ("1 organisation" if n == 1 else f"{n} organisations")


def test_arabic_more_wording() -> None:
    assert i18n.more_orgs(1, "ar") == "ومنظمة أخرى"
    assert i18n.more_orgs(5, "ar") == "و 5 منظمات أخرى"
    assert i18n.more_orgs(195, "ar") == "و 195 منظمة أخرى"
    assert i18n.more_orgs(4, "en") == "+4 more"


# ───────────────────────────── split_text and pack ─────────────────────────────


@given(text=texts, mult=st.integers(1, 60), limit=st.sampled_from([60, 200, 1000, 4096]))
def test_split_text_chunks_fit_and_keep_text(text: str, mult: int, limit: int) -> None:
    source = text * mult
    chunks = split_text(source, limit)
    assert all(tg_len(c) <= limit and balanced(c) and c.strip() for c in chunks)
    assert squeeze("".join(plain(c) for c in chunks)) == squeeze(source)


def test_split_text_prefers_paragraphs_then_sentences() -> None:
    para = "كلمة " * 30
    chunks = split_text(f"{para}\n\n{para}\n\n{para}", 400)
    assert [plain(c) for c in chunks] == [f"{para}\n\n{para}".strip(), para.strip()]
    sentences = "هل هذا سؤال؟ " * 40
    assert all(plain(c).endswith("؟") for c in split_text(sentences, 200))


def test_split_text_never_splits_emoji_and_counts_them() -> None:
    chunks = split_text("😀" * 5000)
    assert len(chunks) == 3 and all(tg_len(c) <= 4096 for c in chunks)
    assert "".join(chunks) == "😀" * 5000


def test_split_text_empty() -> None:
    assert split_text("") == [] and split_text(" \n ") == []


def test_pack_is_greedy_and_keeps_blocks_whole() -> None:
    blocks = [f"<b>{i}</b> " + "ن" * 1000 for i in range(20)]
    chunks = pack(blocks)
    assert len(chunks) == 5 and all(tg_len(c) <= 4096 for c in chunks)
    assert chunks[0].count("<b>") == 4 and all(balanced(c) for c in chunks)
    assert "\n\n".join(chunks) == "\n\n".join(blocks)


def test_pack_turns_oversize_block_into_plain_text() -> None:
    big = "<b>" + esc("جملة <عربية> & طويلة. " * 400) + "</b>"
    chunks = pack(["<i>before</i>", big, "<i>after</i>"])
    assert chunks[0] == "<i>before</i>" and chunks[-1].endswith("<i>after</i>")
    assert all(tg_len(c) <= 4096 and balanced(c) for c in chunks)
    assert squeeze("".join(plain(c) for c in chunks)) == squeeze("before" + plain(big) + "after")


def test_pack_skips_empty_blocks() -> None:
    assert pack(["", "<b></b>", "  "]) == []


@given(blocks=st.lists(texts, max_size=40), mult=st.integers(1, 30), limit=st.sampled_from([100, 4096]))
def test_pack_chunks_fit_and_are_balanced(blocks: list[str], mult: int, limit: int) -> None:
    html_blocks = [
        f"<b>{esc(b * mult)}</b> {link('https://x.org/?q=' + str(i), b)}" for i, b in enumerate(blocks)
    ]
    chunks = pack(html_blocks, limit=limit)
    assert all(tg_len(c) <= limit and balanced(c) for c in chunks)
    assert squeeze("".join(plain(c) for c in chunks)) == squeeze("".join(plain(b) for b in html_blocks))


# ───────────────────────────── other renders ─────────────────────────────


def test_statement_full_splits_long_lists() -> None:
    sigs = tuple(f"منظمة المجتمع المدني رقم {i}" for i in range(1, 801))
    st_ = statement(signatories=sigs, individuals=("John Doe", "فلان الفلاني"))
    chunks = render_statement_full(st_, "ar")
    assert len(chunks) > 1 and all(tg_len(c) <= 4096 and balanced(c) and rtl_lines_ok(c) for c in chunks)
    text = "\n".join(plain(c) for c in chunks)
    assert all(f"{i}. منظمة المجتمع المدني رقم {i}\n" in text for i in range(1, 801))
    assert "المنظمات الموقّعة (800)" in text and "الأفراد الموقّعون (2)" in text
    assert f"{FSI}John Doe{PDI}" in text


def test_statement_full_without_signatories_english() -> None:
    (chunk,) = render_statement_full(statement(signatories=(), title=HOSTILE), "en")
    assert "No signatories were extracted." in chunk and "ID 12" in chunk
    assert "<script>" not in chunk and balanced(chunk)


def test_statement_line_and_list() -> None:
    line = render_statement_line(statement(title=HOSTILE), "ar")
    assert "\n" not in line and line.startswith(RLM + FSI + "2026-01-26" + PDI + " · بيان مشترك · <a href=")
    assert "<script>" not in line and balanced(line)
    many = [statement(id=i, title="عنوان " * 60) for i in range(200)]
    chunks = render_list(many, "ar", i18n.t("latest_header", "ar"))
    assert len(chunks) > 1 and all(tg_len(c) <= 4096 and balanced(c) and rtl_lines_ok(c) for c in chunks)
    assert chunks[0].startswith("<b>أحدث البيانات</b>\n")
    assert render_list([], "en", "Latest") == ["<b>Latest</b>\nNo results."]


def test_org_profile() -> None:
    org = Org(id=1, name="مؤسسة الحق", name_en="Al-Haq <x>", acronyms=("AH",), website="https://alhaq.org")
    profile = OrgProfile(
        org=org,
        count=7,
        first=date(2019, 4, 4),
        last=date(2026, 1, 26),
        kinds={"single": 2, "joint": 5},
        co_signers=(CoSigner("Dawlaty", 4), CoSigner("رابطة عائلات قيصر", 2)),
        withdrawals=(
            WithdrawalRow("بيان الائتلاف", "Syrian Coalition", date(2024, 3, 1)),
            WithdrawalRow("<b>t</b>", None, None),
        ),
    )
    ar = render_org_profile(profile, "ar")
    assert ar.startswith("<b>مؤسسة الحق</b>\n") and f"{FSI}Al-Haq &lt;x&gt;{PDI}" in ar
    assert "عدد البيانات: 7" in ar and "بيان مشترك 5، بيان 2" in ar and "&lt;b&gt;t&lt;/b&gt;" in ar
    assert '<a href="https://alhaq.org">' in ar and balanced(ar) and rtl_lines_ok(ar)
    en = render_org_profile(profile, "en")
    assert en.startswith("<b>Al-Haq &lt;x&gt;</b>\n") and "First: 4 April 2019" in en
    assert "from: Syrian Coalition (1 March 2024)" in en


def test_org_profile_huge_and_unsafe_website() -> None:
    org = Org(id=2, name="م" * 5000, website="javascript:alert(1)", provisional=True)
    profile = OrgProfile(
        org=org,
        count=0,
        co_signers=(CoSigner("x" * 900, 1),) * 50,
        withdrawals=(WithdrawalRow("t" * 900, "f" * 900, None),) * 9,
    )
    out = render_org_profile(profile, "ar")
    assert tg_len(out) <= 4096 and "javascript" not in out and "غير مؤكَّدة" in out


def test_health_and_alert() -> None:
    now = datetime(2026, 1, 26, 10, 30, tzinfo=UTC)
    rows = [
        SourceHealth("ok-src", last_ok=now),
        SourceHealth("new-src"),
        SourceHealth(
            "bad<src>", error_count=6, error_kind="http", last_error="HTTP 503 <html>", next_check=now
        ),
        SourceHealth("empty-src", empty_count=2, last_ok=now),
    ]
    (ar,) = render_health(rows, "ar")
    assert (
        f"✅ <code>{FSI}ok-src{PDI}</code>" in ar
        and f"{FSI}2026-01-26 10:30 UTC{PDI}" in ar
        and f"❌ <code>{FSI}bad&lt;src&gt;{PDI}</code>" in ar
    )
    assert "&lt;html&gt;" in ar and balanced(ar) and rtl_lines_ok(ar)
    chunks = render_health(
        [SourceHealth(f"s{i}", error_count=3, last_error="e" * 300) for i in range(100)], "en"
    )
    assert len(chunks) > 1 and all(tg_len(c) <= 4096 for c in chunks)
    alert = render_alert("source <x> failed\n" + "y " * 5000)
    assert alert.startswith("⚠️ <b>Bayan alert</b>\nsource &lt;x&gt; failed") and tg_len(alert) <= 4096
    assert rtl_lines_ok(render_alert("Source x failed 5 times", "ar"))


# ───────────────────────────── i18n ─────────────────────────────


def test_lang_fallback() -> None:
    assert [i18n.norm_lang(x) for x in ("ar", "ar-SY", "AR", "en", "fr", "", None)] == ["ar"] * 3 + ["en"] * 4


@pytest.mark.parametrize("key", sorted(i18n.STRINGS))
def test_every_string_renders_in_both_languages(key: str) -> None:
    sample: dict[str, object] = {
        k: "Al <Haq> & co"
        for k in ("name", "keyword", "source", "value", "what", "query", "usage", "text", "reason")
    }
    sample |= {"max": 200, "min": 3, "id": 12, "n": 4, "count": "4", "options": ["مؤسسة الحق", "Al Haq"]}
    counts = ("page", "pages", "sources", "statements", "announced", "errors", "orgs", "provisional")
    sample |= dict.fromkeys((*counts, "chats", "subscriptions", "pending", "sent", "deferred"), 7)
    sample |= {"until": "2026-01-26 12:00 UTC", "error": "HTTP <429>", "first": "2024-03", "last": "2026-02"}
    for lang in ("ar", "en"):
        out = i18n.t(key, lang, **sample)
        assert out.strip() and "{" not in out and balanced(out)
        assert "<Haq>" not in out
        if lang == "ar":
            assert rtl_lines_ok(out), out


def test_t_escapes_and_isolates_values() -> None:
    out = i18n.t("unknown_org", "ar", name="<b>Foo</b>")
    assert f"«{FSI}&lt;b&gt;Foo&lt;/b&gt;{PDI}»" in out
    assert i18n.t("unknown_org", "en", name="مؤسسة") == (
        f"I couldn't find an organisation called “{FSI}مؤسسة{PDI}”. Try another name or its acronym, "
        f"or search the statements' text: /search {FSI}مؤسسة{PDI}"
    )


def test_help_lists_every_command() -> None:
    public = [
        "start",
        "help",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "signed",
        "org",
        "chart",
        "latest",
        "search",
    ]
    public += ["statement", "sources", "lang"]
    for lang in ("ar", "en"):
        assert [c for c, _ in i18n.command_descriptions(lang)] == public
        assert all(f"/{c} " in i18n.t("help", lang) for c in public)
        assert all(f"/{c} " in i18n.t("help_admin", lang) for c in ("status", "reload", "poll"))
        assert "/status" not in i18n.t("help", lang) and "/lang" in i18n.t("start", lang)
        for name, desc in i18n.command_descriptions(lang, admin=True):
            assert re.fullmatch(r"[a-z0-9_]{1,32}", name) and 1 <= len(desc) <= 256
    assert i18n.usage("signed", "en") == "/signed ORGANISATION" and i18n.usage("latest", "ar") == "/latest"


def test_format_date() -> None:
    assert i18n.format_date(date(2025, 11, 27), "ar") == "27 تشرين الثاني/نوفمبر 2025"
    assert i18n.format_date(date(2025, 11, 27), "en") == "27 November 2025"


@pytest.mark.parametrize(
    ("n", "arabic", "english"),
    [
        (0, "0 نتائج", "0 results"),
        (1, "نتيجة واحدة", "1 result"),
        (2, "نتيجتان", "2 results"),
        (3, "3 نتائج", "3 results"),
        (10, "10 نتائج", "10 results"),
        (11, "11 نتيجةً", "11 results"),
        (99, "99 نتيجةً", "99 results"),
        (100, "100 نتيجة", "100 results"),
        (102, "102 نتيجة", "102 results"),
        (103, "103 نتائج", "103 results"),
        (111, "111 نتيجةً", "111 results"),
    ],
)
def test_counted_nouns_take_the_numbers_grammar(n: int, arabic: str, english: str) -> None:
    assert (i18n.count(n, "result", "ar"), i18n.count(n, "result", "en")) == (arabic, english)


def test_counted_nouns_of_reports_and_pushes() -> None:
    assert [i18n.count(n, "error", "ar") for n in (1, 2, 5, 20)] == ["خطأ واحد", "خطآن", "5 أخطاء", "20 خطأً"]
    assert [i18n.count(n, "individual", "en") for n in (1, 60)] == ["1 individual", "60 individuals"]
    assert i18n.count(2, "new_statement", "ar") == "بيانان جديدان"
    assert i18n.count(1, "source", "en") == "1 source"
