"""The passes of bot.extract one by one, on small pages written for these tests: line reading (<pre>, plain
text, hard-wrapped <br> paragraphs, teaser tails), issuer candidates, joint issuers, dates, the model file,
and the hints of a configured source. Names are invented or taken from the registry.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.dates import find_dates
from bot.extract import extract_statement
from bot.extract.cues import DATELINE
from bot.extract.dom import html_page, text_page
from bot.extract.issuer import issuer_candidates, org_like, strip_role, tidy
from bot.extract.joint import joint_issuers
from bot.extract.model import Linear, Model, default_model
from bot.extract.published import published
from bot.extract.site import host_of, names_host
from bot.extract.statement import analyse, decide, read_page, trim_teasers
from bot.extract.text import Line, plausible_name, quoted_lines
from bot.models import Hints

SEEDS = Path(__file__).parent.parent / "fixtures" / "seeds"


def _lines(*texts: str) -> list[Line]:
    return [Line(t, block=i) for i, t in enumerate(texts)]


def _subjects(lines: list[Line]) -> set[str]:
    """The names the opening and subject passes find in ``lines``."""
    return {c.name for c in issuer_candidates(lines, None, None) if c.source in ("opening", "subject")}


# ───────────────────────────── reading a page ─────────────────────────────


def test_pre_is_read_line_by_line() -> None:
    page = html_page(
        "<html><body><pre>بيان مشترك\n\nالمنظمات الموقعة:\n- منظمة بيتنا\n- فريق ملهم\n</pre></body></html>"
    )
    assert [ln.text for ln in page.lines] == [
        "بيان مشترك",
        "المنظمات الموقعة:",
        "- منظمة بيتنا",
        "- فريق ملهم",
    ]
    assert [ln.tag for ln in page.lines][-2:] == ["li", "li"]


def test_hard_wrapped_br_lines_are_one_paragraph() -> None:
    wrapped = (
        "يتابع المرصد المدني للحريات بقلق بالغ ما<br>يجري في مدينة حمص من اعتقالات طالت<br>"
        "عشرات الناشطين، ويطالب بالإفراج عنهم فوراً<br>ودون أي شروط، كما يدعو المنظمات<br>"
        "الدولية إلى متابعة أوضاعهم في السجون<br>"
    )
    page = html_page(f"<html><body><p>{wrapped}</p></body></html>")
    assert len(page.lines) == 1 and page.lines[0].text.startswith("يتابع المرصد المدني للحريات")


def test_a_list_of_names_on_br_lines_stays_a_list() -> None:
    names = "<br>".join(["منظمة بيتنا", "فريق ملهم", "رابطة المحامين السوريين", "منظمة حراس", "شبكة حراس"])
    page = html_page(f"<html><body><p>الموقعون:</p><p>{names}</p></body></html>")
    assert len(page.lines) == 6


def test_teasers_after_the_text_are_cut() -> None:
    body = ["يعلن مركز الأفق للدراسات انسحابه من منصة التنسيق المدنية " + "بسبب الخلافات المتكررة " * 30]
    body += ["مركز الأفق للدراسات"]
    tail = ["عنوان بيان آخر", "نحن المنظمات الموقعة أدناه نطالب...", "Read more"] * 2
    kept = trim_teasers(_lines(*body, *tail))
    assert [ln.text for ln in kept] == body


def test_a_page_of_teasers_only_is_kept_whole() -> None:
    lines = _lines(*(["عنوان", "نص قصير...", "اقرأ المزيد"] * 3))
    assert trim_teasers(lines) == lines


def test_quotations_over_several_paragraphs() -> None:
    lines = _lines(
        "The group said:", "“We call on the council to act.", "We demand an inquiry.”", "Afterwards."
    )
    assert quoted_lines(lines) == [False, True, True, False]


def test_a_quotation_mark_that_never_closes_quotes_nothing() -> None:
    lines = _lines(
        "Statement of the Orontes Relief Alliance",
        "“In light of the fires, we at the Orontes Relief Alliance stand with the families.",
        "We have sent teams to the villages.",
    )
    assert quoted_lines(lines) == [False, False, False]
    names = {c.name for c in issuer_candidates(lines, None, None) if c.source == "we_in"}
    assert names == {"Orontes Relief Alliance"}


# ───────────────────────────── seeds as text and in <pre> ─────────────────────────────


@pytest.mark.parametrize("wrap", ["text", "pre"])
def test_seed_000_withdrawal(wrap: str) -> None:
    text = (SEEDS / "000.txt").read_text(encoding="utf-8")
    content = text if wrap == "text" else f"<html><body><pre>{_escape(text)}</pre></body></html>"
    got = extract_statement(content, Hints())
    assert got.is_statement and got.kind == "withdrawal" and got.title == "بيان انسحاب"
    assert got.issuer == "مركز آسو للاستشارات والدراسات الاستراتيجية"
    assert got.published == date(2026, 1, 11) and got.withdrawn_from == "منصة مدنية"


@pytest.mark.parametrize(("seed", "kind", "count"), [("001", "open_letter", 54), ("004", "joint", 59)])
@pytest.mark.parametrize("wrap", ["text", "pre"])
def test_seed_lists_as_text(seed: str, kind: str, count: int, wrap: str) -> None:
    text = (SEEDS / f"{seed}.txt").read_text(encoding="utf-8")
    content = text if wrap == "text" else f"<html><body><pre>{_escape(text)}</pre></body></html>"
    got = extract_statement(content, Hints())
    assert got.is_statement and got.kind == kind and len(got.signatories) == count and got.issuer is None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ───────────────────────────── issuer candidates ─────────────────────────────


def test_split_signature_gives_the_party_not_its_genitive() -> None:
    lines = _lines(
        "إننا في حزب الوفاق الديمقراطي في سوريا ندين هذه الجريمة ونطالب بمحاسبة مرتكبيها أمام القضاء الدولي.",
        "الرحمة للشهداء",
        "حلب : 3 /4/ 2019 المكتب السياسي",
        "لحزب الوفاق الديمقراطي في سوريا",
    )
    names = {c.name for c in issuer_candidates(lines, None, None) if c.source == "signature"}
    assert names == {"حزب الوفاق الديمقراطي في سوريا"}


def test_issuer_block_at_the_top() -> None:
    lines = _lines(
        "بيان صحفي",
        "الهيئة الوطنية للمفقودين",
        "دائرة الإعلام والاتصال",
        "٢٥ تموز ٢٠٢٠",
        "تؤكد الهيئة الوطنية للمفقودين أن ملف المفقودين يبقى أولوية وتدعو إلى كشف مصيرهم دون إبطاء أو شروط.",
    )
    top = [c.name for c in issuer_candidates(lines, "بيان صحفي", None) if c.source == "top"]
    assert top == ["الهيئة الوطنية للمفقودين"]


def test_dateline_subject_of_an_english_press_release() -> None:
    lines = _lines(
        "Berlin, DE – March 3, 2021 – The Syrian Relief Doctors Union (SRDU) condemns the shelling of a "
        "clinic in Atarib and calls for an inquiry.",
        "SRDU urges all parties to respect medical neutrality.",
    )
    names = {c.name for c in issuer_candidates(lines, None, None) if c.source == "opening"}
    assert "Syrian Relief Doctors Union (SRDU)" in names


def test_we_in_and_role_tail() -> None:
    lines = _lines("إننا في رابطة الكتاب الأحرار إذ نستنكر هذا الاعتداء نطالب بالإفراج عن زملائنا المعتقلين.")
    names = {c.name for c in issuer_candidates(lines, None, None) if c.source == "we_in"}
    assert "رابطة الكتاب الأحرار" in names
    assert tidy("المجلس الوطني للأقليات – إعلام") == "المجلس الوطني للأقليات"


def test_places_people_and_generic_words_are_not_organisations() -> None:
    assert not org_like("دمشق", "دمشق دمشق")
    assert not org_like("Member organisations")
    assert not org_like("منظمة", "منظمة منظمة")
    assert org_like("Dawlaty", "Dawlaty works. Dawlaty says.")


# ───────────────────────────── joint issuers ─────────────────────────────


def _joint(*texts: str) -> list[str]:
    lines = _lines(*texts)
    return joint_issuers(lines, issuer_candidates(lines, None, None))


def test_inline_english_list_after_a_dateline() -> None:
    got = _joint(
        "Geneva-Paris, 9 May 2019. The Levant Rights Forum (LRF), the Coastal Justice Network (CJN) and the "
        "Alliance for Free Media (AFM) express their concern about the detention of five journalists."
    )
    assert got == [
        "Levant Rights Forum (LRF)",
        "Coastal Justice Network (CJN)",
        "Alliance for Free Media (AFM)",
    ]


def test_inline_arabic_list_ends_at_an_apposition() -> None:
    got = _joint(
        "باريس، 16 شباط 2015 – تعرب شبكة العدالة الانتقالية ومرصد حماية المدافعين عن حقوق الإنسان، وهو "
        "برنامج مشترك بين رابطة الحقوقيين ومنظمة الكرامة، عن قلقهما من اعتقال المحامين."
    )
    assert got == ["شبكة العدالة الانتقالية", "مرصد حماية المدافعين عن حقوق الإنسان"]


def test_dashed_list_of_a_letter() -> None:
    got = _joint(
        "Five human rights organizations – Avaaz, Levant Rights Forum (LRF), Human Rights Watch, Coastal "
        "Justice Network and United for Truth (formerly Truth Now and Justice Today) – have sent a joint "
        "letter to the council."
    )
    assert got[0] == "Avaaz" and got[-1] == "United for Truth (formerly Truth Now and Justice Today)"
    assert len(got) == 5


def test_two_signature_lines_are_a_joint_statement_two_scripts_are_one_body() -> None:
    body = "عقد المكتبان السياسيان للحزبين اجتماعا تدارسا فيه الأوضاع العامة في البلاد وأصدرا التصريح التالي."
    assert _joint(
        body, "13/5/2014", "المكتب السياسي لحزب الوفاق الكردي", "المكتب السياسي للحزب التقدمي الكردي"
    ) == [
        "حزب الوفاق الكردي",
        "الحزب التقدمي الكردي",
    ]
    english = "Syrian Council of Minorities"
    assert _joint(body, "المجلس السوري للأقليات", english) == []


# ───────────────────────────── dates ─────────────────────────────


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("قامشلو 21 – 7 – 2015", date(2015, 7, 21)),
        ("قامشلو : 21 – 1- 2019", date(2019, 1, 21)),
        ("06|04|2011 مدونة الحرية", date(2011, 4, 6)),
        ("صدر بتاريخ05/09/2023م", date(2023, 9, 5)),
        ("٢٠٢٤/١/٢٠", date(2024, 1, 20)),
    ],
)
def test_date_forms(text: str, day: date) -> None:
    assert find_dates(text, yearless=False)[0][1] == day


def test_a_reference_number_is_not_a_date() -> None:
    assert find_dates("بيان رقم (م.س 01-09-23)", yearless=False) == []


def test_post_date_glued_to_the_text_wins_over_the_statement_date_line() -> None:
    lines = _lines(
        "06|04|2011 مدونة الحرية .علمت منظمة الدفاع عن المعتقلين أن قوات الأمن اعتقلت عددا من الطلاب "
        "في جامعة حلب على خلفية مشاركتهم في الاحتجاجات السلمية الأخيرة.",
        "دمشق",
        "4-4-2011",
        "منظمة الدفاع عن المعتقلين",
    )
    assert published(lines, [], None) == date(2011, 4, 6)


def test_an_event_date_in_a_sentence_is_not_the_publication_date() -> None:
    lines = _lines(
        "في مثل هذا اليوم ٢٠ / ١ / ٢٠١٨ هاجمت القوات المنطقة واستمر الهجوم شهرين كاملين"
        " وأدى إلى تهجير الآلاف.",
        "٢٠٢٤/١/٢٠",
        "مكتب الإعلام المركزي",
    )
    assert published(lines, [], None) == date(2024, 1, 20)


# ───────────────────────────── the model and the hints ─────────────────────────────


def test_committed_weights_load_and_name_known_features() -> None:
    model = default_model()
    data = json.loads((Path(__file__).parents[2] / "bot" / "extract" / "weights.json").read_text())
    assert data["fitted_on"]["pages"] > 100
    assert model.statement.weights and model.issuer.weights
    a = analyse(
        "<p>We condemn the attack.</p><p>Signatories:</p><ul><li>A Org</li><li>B Network</li></ul>", Hints()
    )
    assert set(model.statement.weights) >= {k for k in a.features if model.statement.weights.get(k)}


def test_a_model_is_applied_as_given() -> None:
    a = analyse("<p>Any page at all.</p>", Hints())
    never = Model(Linear(-10.0), Linear(-10.0))
    always = Model(Linear(10.0), Linear(10.0))
    assert not decide(a, never).is_statement and decide(a, always).is_statement
    assert decide(a, always).confidence > 0.99 and decide(a, never).confidence < 0.01


def test_statements_only_source_and_its_organisation() -> None:
    page = "<article><h1>Schools must stay open</h1><p>We call on all parties to keep schools open.</p>"
    got = extract_statement(
        page, Hints(statements_only=True, source_name="Kesh Malek", org_names=("كش ملك",))
    )
    assert got.is_statement and got.issuer == "Kesh Malek" and got.kind == "single"


def test_another_issuer_named_on_the_source_site_wins() -> None:
    page = (
        "<article><h1>بيان</h1><p>إننا في رابطة الكتاب الأحرار ندين اعتقال الكاتب ونطالب"
        " بالإفراج عنه فوراً ودون شروط.</p><p>رابطة الكتاب الأحرار</p><p>دمشق 3/3/2020</p></article>"
    )
    got = extract_statement(page, Hints(statements_only=True, source_name="Kesh Malek"))
    assert got.issuer == "رابطة الكتاب الأحرار"


def test_evidence_names_weighted_cues() -> None:
    page = read_page("<p>إننا في رابطة الكتاب الأحرار ندين الاعتداء.</p><p>رابطة الكتاب الأحرار</p>")
    assert page.lines
    got = extract_statement(
        "<p>إننا في رابطة الكتاب الأحرار ندين الاعتداء ونطالب بالتحقيق.</p><p>رابطة الكتاب الأحرار</p>",
        Hints(),
    )
    assert got.evidence and all(":" in e for e in got.evidence)


def test_plain_text_title_skips_chrome() -> None:
    page = text_page("call us now\n+963 11 555 1234\nبيان انسحاب\n2026-01-11\nيعلن المركز انسحابه.")
    assert page.title is None


# ───────────────────────────── the site's owner, press-release boilerplate ─────────────────────────────


@pytest.mark.parametrize(
    ("name", "host", "owner"),
    [
        ("Committee for Free Reporters", "cfr.org", True),  # initials
        ("Syrian Dental Relief Society (SDRS)", "sdrs-usa.net", True),  # acronym, label with a suffix
        ("Orontes Relief Alliance", "orontesrelief.org", True),  # a run of its words
        ("Qalamuna", "archive.qalamuna.org", True),  # a one-word name, on a subdomain
        ("Orontes Relief Alliance", "www.orontes.org", True),  # its first word
        ("Orontes Relief Alliance", "syria.newsdesk.net", False),
        ("Syrian Civic Platform", "syria.newsdesk.net", False),  # "syria" is not a word of the name
        ("منظمة شمس للتعليم", "shams.org", False),  # another script: no claim either way
        ("Orontes Relief Alliance", None, False),
    ],
)
def test_a_name_matches_the_site_that_spells_it(name: str, host: str | None, owner: bool) -> None:
    assert names_host(name, host_of(host)) is owner


def test_the_page_names_its_host() -> None:
    assert host_of("https://WWW.Example.org/news/1") == "example.org"
    assert host_of("example.org") == "example.org"
    assert host_of("Example News") is None
    header = '<header class="site-header"><p class="site-name">news.example.org</p></header>'
    text = "Orontes Relief Alliance calls for access to the camps. " * 4
    body = f"<main><article><p>{text}</p></article></main>"
    assert html_page(f"<html><body>{header}{body}</body></html>").host == "news.example.org"
    canonical = '<html><head><link rel="canonical" href="https://orontes.org/a"></head><body>' + body
    assert html_page(canonical + "</body></html>").host == "orontes.org"


def test_a_one_word_name_is_a_candidate_on_its_own_site() -> None:
    lines = _lines(
        "Qalamuna, together with two partner groups, submitted nine cases of missing writers to the UN "
        "working group this week."
    )
    assert "Qalamuna" not in {c.name for c in issuer_candidates(lines, None, None)}
    assert "Qalamuna" in {c.name for c in issuer_candidates(lines, None, None, host="qalamuna.org")}


def test_about_boilerplate_and_written_out_acronym() -> None:
    lines = _lines(
        "Nadia Haddad, field director at the ORA, said:",
        "We are shocked by the attack on the camp and call for an independent inquiry into it.",
        "About the ORA",
        "The Orontes Relief Alliance runs clinics and schools in twelve camps of the north-west.",
    )
    cands = issuer_candidates(lines, "ORA condemns the attack on Atmeh camp", None)
    about = {c.name for c in cands if c.source == "about"}
    assert {"ORA", "Orontes Relief Alliance"} <= about
    assert "Orontes Relief Alliance" in {c.name for c in cands if c.source == "title"}  # "ORA" written out


def test_glued_dateline_before_the_subject() -> None:
    lines = _lines(
        "Boston, May 4, 2019The Committee for Free Reporters condemns the arrest of two photographers and "
        "calls for their release."
    )
    names = {c.name for c in issuer_candidates(lines, None, None) if c.source == "opening"}
    assert "Committee for Free Reporters" in names


def test_arabic_names_keep_their_office_and_lose_issuing_phrases() -> None:
    lines = _lines(
        "إننا في مكتب الإغاثة في المجلس الأهلي لمدينة القصير نطالب بفتح ممر آمن لإخراج الجرحى والمرضى فوراً."
    )
    assert "مكتب الإغاثة في المجلس الأهلي لمدينة القصير" in {
        c.name for c in issuer_candidates(lines, None, None) if c.source == "we_in"
    }
    assert tidy("صادر عن اجتماع الهيئة القيادية لحزب الغد الديمقراطي") == "حزب الغد الديمقراطي"
    assert tidy("تصدر عن اللجنة الإعلامية في رابطة الكتاب الأحرار") == "رابطة الكتاب الأحرار"


def test_a_relative_clause_or_a_greeting_ends_the_subject() -> None:
    lines = _lines(
        "إن رابطة الكتاب الأحرار والتي تضم مئات الكتاب في الداخل والمهجر، إذ تستنكر اعتقال زملائنا تطالب "
        "بالإفراج عنهم.",
        "تتقدم هيئة الدفاع عن المعتقلين بتحية تقدير إلى كل من ساهم في حملة التضامن مع المعتقلين.",
    )
    names = _subjects(lines)
    assert "رابطة الكتاب الأحرار" in names
    assert "هيئة الدفاع عن المعتقلين" in names
    assert not any("والتي" in n or "بتحية" in n for n in names)


def test_an_honorific_pronoun_is_not_an_issuer() -> None:
    lines = _lines("ويؤكد غبطته أن الكنيسة تقف إلى جانب أبنائها في هذه المحنة وتدعو إلى الصلاة.")
    assert "غبطته" not in {c.name for c in issuer_candidates(lines, None, None)}


def test_statement_words_and_occasions_after_a_name_are_cut() -> None:
    assert tidy("رابطة الينابيع المدنية البيان التالي") == "رابطة الينابيع المدنية"
    assert tidy("تجمع الوادي الأهلي في ذكرى تأسيسه العاشرة") == "تجمع الوادي الأهلي"
    assert tidy("منتدى السهل بمناسبة اليوم العالمي للمرأة") == "منتدى السهل"
    assert tidy("مركز البيان") == "مركز البيان"  # a name of two words keeps its second


def test_a_clause_opened_by_a_demonstrative_or_a_time_word_is_not_a_name() -> None:
    assert not org_like("هذا المجلس باطل ومرفوض")
    assert not org_like("بعد توقيع الاتفاق بين الاتحاد الوطني")
    assert not org_like("After the Union of Valley Associations")
    assert org_like("مجلس الوادي الأهلي")


def test_issuer_votes_pool_lines_not_passes() -> None:
    """A name read on two lines beats a variant read by two passes from one sentence, and a name found on
    three lines beats a misspelt one that scored best once."""
    import math

    from bot.extract.issuer import Candidate
    from bot.extract.statement import best_issuer

    def logit(p: float) -> dict[str, float]:
        return {"x": math.log(p / (1 - p))}

    model = Model(Linear(), Linear(0.0, {"x": 1.0}))
    full, short = "رابطة الينابيع المدنية للتنمية", "رابطة الينابيع السورية"
    page = analyse("<p>بيان</p>", Hints())
    one_sentence = [Candidate(full, "top", 1), Candidate(short, "subject", 3), Candidate(short, "opening", 3)]
    a = replace(page, candidates=one_sentence, candidate_features=[logit(0.77), logit(0.64), logit(0.61)])
    assert best_issuer(a, model) == full
    typo = "رابطة الينابيع للمدنية للتنمية"
    lines = [Candidate(typo, "signature", 9), Candidate(full, "subject", 3), Candidate(full, "title", -1)]
    a = replace(page, candidates=lines, candidate_features=[logit(0.88), logit(0.80), logit(0.67)])
    assert best_issuer(a, model) == full


def test_a_place_on_the_line_under_a_signature_belongs_to_the_name() -> None:
    body = " ".join(["نطالب بحماية المدنيين وفتح الممرات الإنسانية دون شروط أو تأخير في كل المناطق."] * 3)
    page = (
        f"<html><body><main><h1>بيان</h1><p>{body}</p><p>حزب السنابل الديمقراطي</p><p>في الساحل</p>"
        "</main></body></html>"
    )
    got = extract_statement(page, Hints())
    assert got.signatories == ("حزب السنابل الديمقراطي في الساحل",)


def test_slogans_and_dates_are_not_part_of_a_name() -> None:
    assert tidy("حزب السنابل الديمقراطي في سورية حرية * عدالة * كرامة") == "حزب السنابل الديمقراطي في سورية"
    assert not org_like("للفترة 3-5 / أيار / 2019 عقدت لقاءات بين قيادتي المنظمة")
    assert org_like("حركة 15 آذار")


def test_speaking_to_the_outlet_is_reporting() -> None:
    from bot.extract import cues
    from bot.extract.text import fold

    assert cues.REPORT.search(fold("ورأى مدير الرابطة في حديث لإذاعة الوادي أن العائلات تنتظر"))
    assert not cues.REPORT.search(fold("ترى الرابطة في تصريح لها أن الحل سياسي"))


def test_a_release_quoting_the_title_organisations_own_officer() -> None:
    from bot.extract.features import _own_officer
    from bot.extract.issuer import Candidate

    cands = [Candidate("Valley Press Union", "title", -1)]
    text = '"We grieve with the families," said Valley Press Union President, Rana Haddad.'
    assert _own_officer(cands, text)
    assert _own_officer(cands, "The director of the Valley Press Union said the inquiry must go on.")
    assert not _own_officer(cands, "A spokesman for the ministry said the Valley Press Union was wrong.")


def test_a_signature_beside_a_date_closes_a_statement() -> None:
    from bot.extract.features import _signed_dated
    from bot.extract.issuer import Candidate

    lines = _lines(
        "عقد المكتب التنفيذي لرابطة وادي الزيتون للحقوق اجتماعه الدوري وناقش فيه أوضاع المعتقلين في "
        "المحافظة وطالب بالإفراج عنهم دون إبطاء، كما دعا المنظمات الدولية إلى متابعة ملفاتهم.",
        "وأكد المجتمعون على أن الحل لا يكون إلا بالحوار وبمشاركة الأهالي في كل خطوة.",
        "وتطالب الرابطة الجهات المعنية بالكشف عن مصير المفقودين وبتمكين ذويهم من زيارتهم ومتابعة "
        "قضاياهم أمام المحاكم، وتدعو إلى وقف الاعتقال التعسفي في المحافظة.",
        "رابطة وادي الزيتون للحقوق",
        "12/3/2019",
    )
    signed = [Candidate("رابطة وادي الزيتون للحقوق", "signature", 3)]
    assert _signed_dated(signed, lines)
    assert not _signed_dated([Candidate("رابطة وادي الزيتون للحقوق", "subject", 0)], lines)
    assert not _signed_dated(signed, lines[:4])  # a name on the last line alone, as under a news report
    page = "<html><body><main>" + "".join(f"<p>{ln.text}</p>" for ln in lines) + "</main></body></html>"
    got = extract_statement(page, Hints())
    assert got.is_statement and got.issuer == "رابطة وادي الزيتون للحقوق"
    assert "signed_dated" in " ".join(got.evidence)


def test_a_candidate_the_host_spells_is_weighed_as_the_sites_owner() -> None:
    from bot.extract.features import candidate_features
    from bot.extract.issuer import Candidate

    cand = Candidate("Orontes Relief Alliance", "subject", 0)
    body = "Orontes Relief Alliance calls for safe access to the camps."
    assert candidate_features(cand, [cand], body, None, (), "orontesrelief.org")["site_match"] == 1.0
    assert candidate_features(cand, [cand], body, None, (), "newsdesk.net")["site_match"] == 0.0
    site = Candidate("Orontes Relief Alliance", "site", -1)  # the site name is the publisher, not a cue
    assert candidate_features(site, [site], body, None, (), "orontesrelief.org")["site_match"] == 0.0
    assert default_model().issuer.weights["site_match"] > 0


def test_a_time_a_clause_or_a_gloss_after_a_name_is_cut() -> None:
    got = tidy("The Orontes Relief Alliance Central Office on Monday")
    assert got == "Orontes Relief Alliance Central Office"
    assert tidy("Valley Press Union this week") == "Valley Press Union"
    assert tidy("رابطة كتاب الوادي تطرح هذه الرسالة أمامكم") == "رابطة كتاب الوادي"
    assert tidy("مركز الينابيع الثقافي – Springs Cultural Centre") == "مركز الينابيع الثقافي"
    assert tidy("Springs Cultural Centre – Syria") == "Springs Cultural Centre – Syria"  # one script: kept


def test_a_city_glued_to_the_text_by_a_dash_is_a_dateline() -> None:
    lines = _lines(
        "AL-MINA—The Orontes Relief Alliance condemns the shelling of the clinic and calls for an inquiry "
        "into the attack."
    )
    names = {c.name for c in issuer_candidates(lines, None, None)}
    assert "Orontes Relief Alliance" in names
    assert not any(n.startswith("AL-MINA") for n in names)


def test_a_secretariat_or_a_cleric_signs_for_the_organisation() -> None:
    assert strip_role("سكرتارية تجمع الينابيع المدني") == "تجمع الينابيع المدني"
    body = "طالبت الجمعية بإعادة فتح المدارس في القرى المحيطة ودعت الأهالي إلى المشاركة في حملة الترميم."
    lines = _lines(body, body, "الأب يوسف حنا - كاهن كنيسة الوادي - أبرشية السهل")
    assert "signature" not in {c.source for c in issuer_candidates(lines, None, None)}


def test_two_parentheses_and_a_quoted_acronym_stay_with_the_subject() -> None:
    lines = _lines('The Council of Valley Assyrians (Diaspora) ("CVA") asks the authorities to reopen roads.')
    names = {c.name for c in issuer_candidates(lines, None, None)}
    assert any(n.startswith("Council of Valley Assyrians (Diaspora)") for n in names)


def test_a_clarification_from_x_titles_its_issuer() -> None:
    title = "توضيح من تجمع الوادي الوطني حول غياب التجمع عن الجلسة"
    names = {c.name for c in issuer_candidates([], title, None)}
    assert "تجمع الوادي الوطني" in names


def test_a_press_contact_footer() -> None:
    from bot.extract.cues import PRESS_CONTACT
    from bot.extract.text import fold

    assert PRESS_CONTACT.search(fold("For more information, please contact the Alliance on +1 555 0100"))
    assert PRESS_CONTACT.search(fold("Press Contact:"))
    assert PRESS_CONTACT.search(fold("للتواصل: المكتب الإعلامي"))
    assert not PRESS_CONTACT.search(fold("Contact us"))


_OWN_RELEASE = (
    # the organisation is the title's subject
    "<html><head><title>Orontes Relief Alliance Condemns the Shelling of Two Clinics</title></head><body>"
    "<h1>Orontes Relief Alliance Condemns the Shelling of Two Clinics</h1>"
    "<p>The Orontes Relief Alliance condemns the shelling of two clinics in the valley this week and "
    "calls on all parties to respect medical workers.</p>"
    "<p>“Our teams were treating children when the shells fell,” said Lina Haddad, director of the "
    "Alliance, who added that the clinics will reopen.</p>"
    "</body></html>",
    # the organisation is named only in passing (the owner pass finds it)
    "<html><head><title>Two clinics shelled in the valley</title></head><body>"
    "<h1>Two clinics shelled in the valley</h1>"
    "<p>Two clinics in the valley were shelled on Tuesday, leaving thousands without care.</p>"
    "<p>“Our teams were treating children when the shells fell,” said Lina Haddad, a nurse with "
    "Orontes Relief, who added that the clinics will reopen.</p>"
    "</body></html>",
)


@pytest.mark.parametrize("text", _OWN_RELEASE)
def test_reports_on_the_organisations_own_site_are_its_release(text: str) -> None:
    own = analyse(text, Hints(url="https://orontesrelief.org/news/clinics")).features
    news = analyse(text, Hints(url="https://valley-daily.net/2024/clinics")).features
    assert own["reports"] > 0 and own["site_reports"] == own["reports"]
    assert news["site_reports"] == 0.0
    model = default_model().statement
    assert model.prob(own) > model.prob(news)


def test_the_object_after_a_name_in_a_verb_first_sentence_is_cut() -> None:
    assert tidy("رابطة الصحفيين الجنوبيين الجريمة التي وقعت أمس") == "رابطة الصحفيين الجنوبيين"
    assert tidy("المنظمة السهلية الديمقراطية المنتخبة من المؤتمر") == "المنظمة السهلية الديمقراطية"
    assert tidy("رابطة المحامين الجنوبيين الأحرار حملة الاعتقالات") == "رابطة المحامين الجنوبيين الأحرار"
    assert tidy("منظمة بيادر من أجل التنمية تجميد عضويتها") == "منظمة بيادر من أجل التنمية"
    # what agrees with the name stays: adjectives, "غير", genitives, conjunctions, places
    assert tidy("الهيئة الوطنية المستقلة للانتخابات") == "الهيئة الوطنية المستقلة للانتخابات"
    assert tidy("تحالف المنظمات السهلية غير الحكومية") == "تحالف المنظمات السهلية غير الحكومية"
    assert tidy("المجلس الإسلامي العلوي الأعلى في الوادي") == "المجلس الإسلامي العلوي الأعلى في الوادي"
    assert tidy("الحزب الديمقراطي التقدمي الكردي") == "الحزب الديمقراطي التقدمي الكردي"


def test_a_single_issuer_drops_its_short_form_not_a_word_in_parentheses() -> None:
    from bot.extract.issuer import issuer_form

    assert issuer_form("Orontes Relief Alliance (ORA)") == "Orontes Relief Alliance"
    assert issuer_form("رابطة الينابيع المدنية (ينابيع)") == "رابطة الينابيع المدنية"
    assert issuer_form("Council of Valley Arameans (Syriacs)") == "Council of Valley Arameans (Syriacs)"
    assert issuer_form("Qalamuna (QLM)") == "Qalamuna (QLM)"  # one word: the short form stays


def test_a_statement_word_before_a_name_is_not_part_of_it() -> None:
    assert tidy("بيان للمجلس الأهلي في الوادي") == "المجلس الأهلي في الوادي"
    assert tidy("بلاغ صادر عن تجمع الينابيع المدني") == "تجمع الينابيع المدني"
    assert tidy("بيان صحفي") == "بيان صحفي"  # nothing after it: left for the callers to drop


def test_a_phrase_of_the_sentence_after_a_name_and_a_relative_clause_are_not_names() -> None:
    assert tidy("هيئة الينابيع الوطنية لقوى التغيير الديمقراطي بالاجتماع الذي عقدته") == (
        "هيئة الينابيع الوطنية لقوى التغيير الديمقراطي"
    )
    assert not org_like("وبما يحفظ وحدة البلاد وسلامة أراضيها")
    assert org_like("وحدة حماية المدنيين في الوادي")


def test_a_statement_of_x_in_the_genitive_titles_its_issuer() -> None:
    names = {c.name for c in issuer_candidates([], "بيان لمنظمة الينابيع بشأن قصف القرى في السهل", None)}
    assert "منظمة الينابيع" in names


_ARCHIVE_POST = (
    "<p>تصريح صحفي</p><p>تجمع الينابيع المدني</p><p>المكتب الإعلامي</p><p>٣ أيار ٢٠٢٤</p>"
    "<p>يدين تجمع الينابيع المدني القصف الذي طال قرى السهل صباح اليوم، ويطالب المجتمع الدولي بتحمل"
    " مسؤولياته في حماية المدنيين ووقف الهجمات على الأسواق والمدارس والمشافي في المنطقة.</p>"
    "<p>ويؤكد التجمع أن استمرار الصمت يشجع على مزيد من الجرائم بحق الأهالي.</p>"
)


@pytest.mark.parametrize(
    "title, archive",
    [
        ("مواضيع تم تصنيفها حسب التاريخ : أيار 2024", True),
        ("Tag: shelling", True),
        ("Category: Press", True),
        ("تجمع الينابيع المدني يدين قصف قرى السهل", False),
    ],
)
def test_a_tag_or_date_archive_showing_one_post_in_full_is_not_a_statement(title: str, archive: bool) -> None:
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{_ARCHIVE_POST}</body></html>"
    assert extract_statement(page, Hints()).is_statement is not archive


def test_the_site_owner_named_in_the_text_is_a_candidate() -> None:
    lines = _lines(
        "Reaction to the council's vote on aid crossings",
        "“We welcome the renewal, but one crossing cannot feed a province,” said a spokesperson.",
        "For interviews please contact the Orontes Relief UK Media Team.",
    )

    def owner(lines: list[Line], host: str) -> set[str]:
        return {c.name for c in issuer_candidates(lines, None, None, host=host) if c.source == "owner"}

    assert "Orontes Relief" in owner(lines, "orontesrelief.org")
    # carried on to the organisation word
    union = _lines("The Valley Writers Union met on Monday.")
    assert "Valley Writers Union" in owner(union, "valleywriters.org")
    assert not [c for c in issuer_candidates(lines, None, None) if c.source == "owner"]  # no host, no owner


def test_leads_and_titles_that_name_the_issuer_in_a_looser_form_give_candidates() -> None:
    def names(lines: list[Line], title: str | None = None) -> set[str]:
        return {c.name for c in issuer_candidates(lines, title, None)}

    # a comma and a time word between the issuer and the statement word of a lead
    lead = _lines("أصدر مكتب العلاقات العامة في حزب الينابيع الديمقراطي، اليوم، بياناً حول اعتقال عضوين فيه.")
    assert "حزب الينابيع الديمقراطي" in names(lead)
    # "بيان" + an organisation in the construct state, the title going on after two dots
    assert "شبكة نساء الوادي" in names([], "بيان شبكة نساء الوادي ..في يوم المرأة .. معا من أجل الكرامة")
    # an editorial lead "ننشر أدناه بيان X" announces X's text
    reprint = _lines("ننشر أدناه بيان الهيئة الأهلية للعمل المدني في الوادي لأهميته حول الأوضاع في المدينة")
    assert any(n.startswith("الهيئة الأهلية للعمل المدني") for n in names(reprint))
    # "X statement on …" and "X is appalled by …" name X in English
    english = _lines(
        "Cities under siege: a call for protection. Orontes Peace Network statement on the sieges.",
        "Orontes Peace Network is appalled by the shelling of the old market on Friday morning.",
    )
    assert "Orontes Peace Network" in names(english)


def test_a_lead_keeps_a_congress_named_with_a_construct_and_its_short_form() -> None:
    lead = _lines("أصدر مؤتمر المجتمع المدني الآرامي في أوروبا (KACE) بياناً بخصوص قصف القرى في السهل.")
    names = {c.name for c in issuer_candidates(lead, None, None) if c.source == "lead"}
    assert "مؤتمر المجتمع المدني الآرامي في أوروبا (KACE)" in names
    # the object of a verb-first sentence still ends the subject
    assert tidy("تجمع الينابيع المدني المجتمع الدولي") == "تجمع الينابيع المدني"


def test_an_english_organ_after_an_organisation_is_cut_like_the_arabic_prefix() -> None:
    assert (
        tidy("Orontes Democratic Federation Western Valley Central Committee")
        == "Orontes Democratic Federation"
    )
    assert tidy("Valley Writers Union Media Office") == "Valley Writers Union"
    assert tidy("National Coordination Committee") == "National Coordination Committee"  # the name itself
    assert tidy("Council Presidency") == "Council Presidency"  # nothing before the organisation word


def test_small_words_inside_an_english_name_and_a_typed_dash_in_a_dateline() -> None:
    lines = _lines(
        "Geneva -- The Alliance for a Free Valley (AFV) condemns the shelling of the market and calls for an "
        "inquiry.",
        "The Committee to Protect Valley Reporters urges the release of the two photographers held in May.",
    )
    names = _subjects(lines)
    assert "Alliance for a Free Valley (AFV)" in names
    assert "Committee to Protect Valley Reporters" in names
    assert DATELINE.match("Geneva -- The Alliance for a Free Valley condemns the shelling of the market.")
    # "a" and "to" join a name only before a capital
    loose = _lines("The Valley Council for a week of talks urges calm in the province and an end to raids.")
    assert not any(" a week" in c.name for c in issuer_candidates(loose, None, None))


def test_the_owner_after_a_sentence_word_and_a_manner_adverb_after_the_subject() -> None:
    lines = _lines("Since Beacon House for Rights (BHR) follows the cases of refugees, it asks for calm.")
    owner = {c.name for c in issuer_candidates(lines, None, None, host="bhrights.org") if c.source == "owner"}
    assert "Beacon House for Rights" in owner
    ar = _lines("تستنكر رابطة الينابيع لحقوق الانسان وبشدة القصف الذي طال قرى السهل صباح اليوم.")
    names = _subjects(ar)
    assert "رابطة الينابيع لحقوق الانسان" in names
    assert not any("وبشدة" in n for n in names)


def test_a_preposition_never_opens_a_name() -> None:
    assert not org_like("في الحركة النسوية لأبناء الوادي")
    assert org_like("الحركة النسوية لأبناء الوادي")


def test_a_founding_statement_titles_its_organisation_not_a_meeting() -> None:
    def titled(title: str) -> set[str]:
        return {c.name for c in issuer_candidates([], title, None) if c.source == "title"}

    assert "حركة نهوض" in titled("البيان التأسيسي لحركة نهوض")
    final = titled("البيان الختامي للمؤتمر العام الخامس لرابطة الينابيع")
    assert not any(n.startswith("المؤتمر") for n in final)


def test_more_organisation_words_and_a_two_word_name_before_its_object() -> None:
    lines = _lines(
        "تدين جماعة أنصار الوادي بشدة الاعتداء على المصلين في القرى الشرقية.",
        "يطالب اللوبي الحقوقي دول العالم والأمم المتحدة بالوقوف على مسؤولياتهم تجاه اللاجئات.",
    )
    names = _subjects(lines)
    assert "جماعة أنصار الوادي" in names
    assert "اللوبي الحقوقي" in names
    assert tidy("الزميلة الصحفية ليلى سالم") == "الزميلة الصحفية ليلى سالم"  # no organisation word: not cut


_FILED_BODY = (
    "<p>تدين رابطة الينابيع المدنية القصف الذي طال قرى السهل صباح اليوم، وتطالب المجتمع الدولي بتحمل "
    "مسؤولياته في حماية المدنيين ووقف الهجمات على الأسواق والمدارس في المنطقة الشرقية.</p>"
)


@pytest.mark.parametrize(
    ("above", "filed"),
    [
        ('<p class="meta">القسم : بيانات</p>', True),  # a category in the post's meta
        ("<p>الرئيسية » البيانات الرسمية » رابطة الينابيع تدين قصف القرى في السهل الشرقي</p>", True),
        ("<p>News / Press Releases</p>", True),
        ("<p>الرئيسية » الأخبار » رابطة الينابيع تدين قصف القرى في السهل الشرقي</p>", False),
    ],
)
def test_a_category_or_breadcrumb_files_the_post_among_statements(above: str, filed: bool) -> None:
    html = f"<html><head><title>القصف على السهل</title></head><body>{above}{_FILED_BODY}</body></html>"
    assert analyse(html, Hints()).features["filed"] == (1.0 if filed else 0.0)
    archive = "<html><head><title>بيانات</title></head><body><h1>بيانات</h1>" + _FILED_BODY + "</body></html>"
    assert analyse(archive, Hints()).features["filed"] == 0.0  # the title of an archive is not a category


def test_a_long_list_under_a_signatory_heading_is_its_own_feature() -> None:
    names = "".join(f"<li>منظمة الينابيع رقم {n} للتنمية</li>" for n in "أبتثجحخدذ")
    html = f"<p>نحن المنظمات الموقعة أدناه نطالب بوقف القصف.</p><p>المنظمات الموقعة:</p><ul>{names}</ul>"
    features = analyse(html, Hints()).features
    assert features["names2"] == 1.0 and features["names_many"] == 1.0


def test_demands_links_copyright_menus_and_clauses_are_not_names() -> None:
    for text in ("to impose sanctions on the officials", "Read the full statement", "© Valley Watch 2024"):
        assert not plausible_name(text)
    assert plausible_name("The Valley Campaign") and plausible_name("Valley Watch")
    assert not org_like("© Valley Watch")
    assert not org_like("الصفحة الرئيسية البطريركية الأبرشيات الرهبانيات")
    assert not org_like("نعلم جميعا أن تجمع المهنيين في الوادي")
    assert org_like("تجمع المهنيين في الوادي")


def test_an_organisation_word_alone_before_its_object_and_a_breadcrumb_before_the_subject() -> None:
    assert tidy("المنظمة أوضاع حقوق الإنسان في السجون") == "المنظمة"
    lines = _lines("الرئيسية » البيانات الرسمية » رابطة الينابيع المدنية تدعو لمقاطعة مؤتمر السهل الاقتصادي")
    names = _subjects(lines)
    assert "رابطة الينابيع المدنية" in names
    assert not any("»" in n for n in names)


def test_a_political_council_prefix_small_words_at_the_end_and_a_count_are_not_part_of_a_name() -> None:
    assert tidy("المجلس السياسي للتيار الوطني في الوادي") == "التيار الوطني في الوادي"
    assert tidy("المجلس السياسي") == ""  # the organ alone names no organisation
    assert tidy("Valley National Bloc on the") == "Valley National Bloc"
    assert tidy("Statement by the Valley Writers Union") == "Valley Writers Union"
    assert not org_like("18 Syrian Organizations")
