"""bot/orgs.py: normalisation, acronyms, generic words, and resolving names against the shipped registry.

The registry (bot/data/orgs.yaml) is parsed here with yaml.safe_load; every organisation gets a numeric id
and its ar / en / acronyms / aliases become index entries. Variants of every name are generated and the
share resolved to the right organisation (and the number resolved to a WRONG one) is measured and asserted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.orgs import (
    OrgIndex,
    acronym,
    normalize,
    normalize_text,
    resolve,
    search_candidates,
    split_name_and_acronym,
    strip_generic,
    suggest,
)

REGISTRY = Path(__file__).resolve().parents[2] / "bot" / "data" / "orgs.yaml"


# ───────────────────────────── the registry ─────────────────────────────


@cache
def registry() -> tuple[dict[str, int], tuple[tuple[int, str], ...], dict[int, dict[str, Any]]]:
    """(slug → id, index entries, id → raw yaml record), ids numbered from 1 in file order."""
    data = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    ids: dict[str, int] = {}
    entries: list[tuple[int, str]] = []
    records: dict[int, dict[str, Any]] = {}
    for number, org in enumerate(data["organisations"], start=1):
        ids[org["id"]] = number
        records[number] = org
        for name in [org["ar"], org["en"], *org["acronyms"], *org["aliases"]]:
            if name:
                entries.append((number, name))
    return ids, tuple(entries), records


@cache
def full_index() -> OrgIndex:
    return OrgIndex(registry()[1])


def sid(slug: str) -> int:
    return registry()[0][slug]


def slug_of(org_id: int | None) -> str | None:
    if org_id is None:
        return None
    return next(s for s, i in registry()[0].items() if i == org_id)


def names_of_slug(slug: str) -> list[str]:
    return [name for org_id, name in registry()[1] if org_id == sid(slug)]


# ───────────────────────────── normalisation ─────────────────────────────


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("سوريون من أجل الحقيقة", "سوريون من اجل الحقيقه"),  # hamza on alef, ta marbuta
        ("إنسان", "انسان"),
        ("آسو", "اسو"),
        ("ٱلسلام", "السلام"),
        ("مـنـظـمـة", "منظمه"),  # tatweel
        ("الموقّعة", "الموقعه"),  # shadda
        ("الشَّبكة السوريّة", "الشبكه السوريه"),  # fatha + shadda
        ("مُنَظَّمَةٌ", "منظمه"),  # harakat incl. tanween
        ("على", "علي"),  # alef maqsura
        ("مؤسسة", "موسسه"),  # waw with hamza
        ("إيزيديي", "ايزيديي"),
        ("رئيس", "رييس"),  # yeh with hamza
        ("٢٠٢٣/٠٩/١٢", "2023 09 12"),  # Arabic-Indic digits, punctuation
        ("۱۴۰۲", "1402"),  # extended digits
        ("الحقيقة و العدالة", "الحقيقه والعداله"),  # spacing around و
        ("الحقيقة والعدالة", "الحقيقه والعداله"),
        ("رابطة “تآزر” للضحايا", "رابطه تازر للضحايا"),  # curly quotes
        ('رابطة "تآزر" للضحايا', "رابطه تازر للضحايا"),
        ("جمعية المرأة السورية، سلام", "جمعيه المراه السوريه سلام"),  # Arabic comma
        ("المرصد – المركز", "المرصد المركز"),  # en dash
        ("ﻻ", "لا"),  # presentation form
        ("مدني\u200cة", "مدنيه"),  # zero-width non-joiner
        ("Syrians for Truth & Justice", "syrians for truth and justice"),
        ("The Syrian Archive", "syrian archive"),
        ("the  SYRIAN   archive.", "syrian archive"),
        ("Pro-Justice", "pro justice"),
        ("Ta’afi", "taafi"),
        ("Syrian Women's Network", "syrian womens network"),
        ("Biratî", "birati"),
        ("Fédération Internationale", "federation internationale"),
        ("Syrian Centre for Media", "syrian center for media"),
        ("Violet Organisation", "violet organization"),
        ("ＳＴＪ", "stj"),
        ("  ( STJ )  ", "stj"),
        ("", ""),
        ("...", ""),
    ],
)
def test_normalize_table(a: str, b: str) -> None:
    assert normalize(a) == b


def test_spellings_of_one_name_fold_together() -> None:
    forms = [
        "سوريون من أجل الحقيقة والعدالة",
        "سوريون من اجل الحقيقه و العداله",
        "سوريّون مِن أجْل الحَقيقة والعَدالة",
        "سوريـون  من  أجل  الحقيقة  و  العدالة",
    ]
    assert len({normalize(f) for f in forms}) == 1


def test_the_only_leading_and_kept_when_alone() -> None:
    assert normalize("The Day After") == "day after"
    assert normalize("Adopt the Revolution") == "adopt the revolution"
    assert normalize("The") == "the"


def test_normalize_text_keeps_words_in_order() -> None:
    text = "The joint statement, signed by 54 organisations (الموقّعة أدناه) on ٢٦/١/٢٠٢٦."
    assert normalize_text(text) == "the joint statement signed by 54 organisations الموقعه ادناه on 26 1 2026"
    long_text = "بيان مشترك حول الأحداث في دير الزور " * 50
    assert normalize(long_text) == normalize_text(long_text)  # long texts bypass the cache, same folding


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_normalize_is_idempotent_on_any_text(s: str) -> None:
    once = normalize(s)
    assert normalize(once) == once
    assert normalize_text(normalize_text(s)) == normalize_text(s)
    assert once == once.strip() and "  " not in once


_ARABICISH = st.text(
    alphabet=st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةىؤئـًٌٍَُِّْٰ٠١٢٣ ،.-()“”&STJ")), max_size=40
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ARABICISH)
def test_arabic_folding_is_idempotent(s: str) -> None:
    once = normalize(s)
    assert normalize(once) == once
    assert strip_generic(strip_generic(s)) == strip_generic(s)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), _ARABICISH))
def test_no_function_crashes_on_arbitrary_text(s: str) -> None:
    assert isinstance(strip_generic(s), str)
    assert acronym(s) is None or isinstance(acronym(s), str)
    name, _ = split_name_and_acronym(s)
    assert isinstance(name, str)
    match = resolve(s, full_index())
    assert match.org_id is None or match.org_id in {i for i, _ in registry()[1]}
    assert all(0 <= score <= 100 for _, score in search_candidates(s, full_index()))


# ───────────────────────────── acronyms and generic words ─────────────────────────────


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Syrians for Truth and Justice (STJ)", ("Syrians for Truth and Justice", "STJ")),
        ("رابطة دار لضحايا التهجير القسري ( DAR )", ("رابطة دار لضحايا التهجير القسري", "DAR")),
        ("منظمة المعتقلات السوريات (ليليت)", ("منظمة المعتقلات السوريات", "ليليت")),
        ("Free Syrian Lawyers Association – FSLA", ("Free Syrian Lawyers Association", "FSLA")),
        ("منظمة حقوق الإنسان في سوريا – ماف", ("منظمة حقوق الإنسان في سوريا", "ماف")),
        ("FFHR/Birati", ("Birati", "FFHR")),
        ("SNHR", ("SNHR", "SNHR")),
        ("CSO-NES", ("CSO-NES", "CSO-NES")),
        ("SL4C", ("SL4C", "SL4C")),
        ("Syrians for Truth and Justice", ("Syrians for Truth and Justice", None)),
        ("Pro-Justice", ("Pro-Justice", None)),
        ("Al-Marsad", ("Al-Marsad", None)),
        (
            "Dawlaty (My Country)",
            ("Dawlaty (My Country)", None),
        ),  # two words: an alternative name, not an acronym
        ("بيل - الأمواج المدنية", ("بيل - الأمواج المدنية", None)),
        ("Syrian Archive", ("Syrian Archive", None)),
    ],
)
def test_split_name_and_acronym(raw: str, expected: tuple[str, str | None]) -> None:
    assert split_name_and_acronym(raw) == expected
    assert acronym(raw) == expected[1]


@pytest.mark.parametrize(
    ("name", "stripped"),
    [
        ("منظمة سوريون من أجل الحقيقة والعدالة", "سوريون من اجل حقيقه والعداله"),
        ("مؤسسة اليوم التالي", "يوم تالي"),
        ("المنظمة الكردية لحقوق الإنسان في سوريا", "كرديه لحقوق انسان سوريا"),
        ("جمعية مريم", "مريم"),
        ("مركز الحق للدراسات", "الحق للدراسات"),
        ("مؤسسة الحق", "الحق"),
        ("Syrians for Truth and Justice Organisation", "syrians truth justice"),
        ("The Badael Foundation", "badael"),
        ("Syrian Centre for Policy Research", "syrian policy research"),
        ("منظمة", "منظمه"),  # nothing left: the input stays
        ("Network", "network"),
    ],
)
def test_strip_generic(name: str, stripped: str) -> None:
    assert strip_generic(name) == stripped


# ───────────────────────────── the index ─────────────────────────────


def test_index_size_and_names() -> None:
    index = full_index()
    assert len(index) == len(registry()[0]) == 163
    assert resolve("Syrians for Truth & Justice", index).org_id == sid("stj")
    small = OrgIndex([(1, "Syrian Archive"), (1, "Syrian Archive"), (2, "SNHR"), (2, "")])
    assert len(small) == 2 and small.max_id == 2
    assert resolve("Syrian Archive", small).org_id == 1 and resolve("SNHR", small).org_id == 2


def test_every_registry_name_resolves_to_its_own_org() -> None:
    wrong = [
        (name, slug_of(org_id), slug_of(resolve(name, full_index()).org_id))
        for org_id, name in registry()[1]
        if resolve(name, full_index()).org_id != org_id
    ]
    assert wrong == []


def test_acronym_inside_an_entry_counts_and_bare_acronyms_ignore_case() -> None:
    index = OrgIndex(
        [(7, "المنظمة الكردية لحقوق الإنسان في سوريا (DAD)"), (8, "Syrian Network for Human Rights")]
    )
    assert resolve("DAD", index).org_id == 7
    assert resolve("dad", index).org_id == 7
    assert resolve("المنظمة الكردية لحقوق الإنسان في سوريا", index).org_id == 7
    for query in ("STJ", "stj", "Stj", " (STJ) "):
        match = resolve(query, full_index())
        assert (match.org_id, match.score) == (sid("stj"), 100.0)


def test_name_and_conflicting_acronym_is_ambiguous() -> None:
    match = resolve("Syrians for Truth and Justice (SNHR)", full_index())
    assert match.org_id is None and match.ambiguous
    assert {sid("stj"), sid("snhr")} <= {org for org, _ in match.candidates}


def test_acronym_next_to_an_unrelated_name_is_not_trusted() -> None:
    match = resolve("Some Relief Committee (STJ)", full_index())
    assert match.org_id is None
    assert sid("stj") in {org for org, _ in match.candidates}
    # …but a shortened form of the right name next to it is enough
    assert resolve("سوريون من أجل الحقيقة (STJ)", full_index()).org_id == sid("stj")


# ───────────────────────────── variants ─────────────────────────────

AR_TYPES = (
    "منظمة",
    "مؤسسة",
    "جمعية",
    "مركز",
    "رابطة",
    "شبكة",
    "مبادرة",
    "منصة",
    "هيئة",
    "تحالف",
    "اتحاد",
    "فريق",
)
_HAMZA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
_ARABIC = re.compile("[\u0600-\u06ff]")


def _insert_marks(name: str) -> str:
    """Shadda + fatha after the second letter of the longest word, tatweel after the first letter."""
    words = name.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    if len(w) >= 3:
        words[i] = w[0] + "ـ" + w[1] + "\u0651\u064e" + w[2:]
    return " ".join(words)


def arabic_variants(name: str) -> list[tuple[str, str]]:
    first, _, rest = name.partition(" ")
    out = [("drop type word", rest)] if first in AR_TYPES and rest else [("add منظمة", "منظمة " + name)]
    out += [
        ("no hamza", name.translate(_HAMZA)),
        ("ta marbuta as ha", re.sub("ة(?=\\s|$)", "ه", name)),
        ("harakat and tatweel", _insert_marks(name)),
        ("و detached", re.sub("(?<=\\s)وال", "و ال", name)),
        ("extra spaces", "  " + name.replace(" ", "   ") + " "),
        ("سورية / سوريا", name.replace("سوريا", "#").replace("سورية", "سوريا").replace("#", "سورية")),
        ("all at once", "  " + _insert_marks(re.sub("ة(?=\\s|$)", "ه", name.translate(_HAMZA))) + " "),
    ]
    return out


def english_variants(name: str) -> list[tuple[str, str]]:
    out = [("extra spaces", "  " + name.replace(" ", "   ") + " "), ("case and dot", name.upper() + ".")]
    if not name.lower().startswith("the "):
        out.append(("The prefix", "The " + name))
    if " and " in name:
        out.append(("& for and", name.replace(" and ", " & ")))
    if "&" in name:
        out.append(("and for &", name.replace("&", " and ")))
    if not re.search(
        r"(?i)\b(organi[sz]ation|foundation|cent(er|re)|association|network|initiative)\b", name
    ):
        out.append(("add Organization", name + " Organization"))
        out.append(("all at once", "The " + name.replace(" and ", " & ") + " Organisation."))
    swapped = (
        re.sub("(?i)centre", "Center", name) if "entre" in name else re.sub("(?i)center", "Centre", name)
    )
    out.append(("Center / Centre", swapped.replace("Organization", "Organisation")))
    return out


def registry_variants() -> list[tuple[int, str, str]]:
    """(org id, kind, variant) for the registry's ar / en names and aliases, plus "(ACR)" appended."""
    out: list[tuple[int, str, str]] = []
    for org_id, org in registry()[2].items():
        names = [n for n in [org["ar"], org["en"], *org["aliases"]] if isinstance(n, str)]
        latin_acronyms = [a for a in org["acronyms"] if isinstance(a, str) and a.isascii()]
        for name in names:
            maker = arabic_variants if _ARABIC.search(name) else english_variants
            out += [(org_id, kind, text) for kind, text in maker(name) if normalize(text) != normalize(name)]
        for name in [n for n in (org["ar"], org["en"]) if isinstance(n, str)][:2]:
            out += [(org_id, "acronym appended", f"{name} ({acr})") for acr in latin_acronyms]
    return out


def typo_variants() -> list[tuple[int, str, str]]:
    """One letter dropped from the longest word (≥ 6 letters) of every ar / en name."""
    out = []
    for org_id, org in registry()[2].items():
        for name in (org["ar"], org["en"]):
            if not isinstance(name, str):
                continue
            words = name.split()
            i = max(range(len(words)), key=lambda j: len(words[j]))
            if len(words[i]) >= 6:
                words[i] = words[i][:3] + words[i][4:]
                out.append((org_id, "typo", " ".join(words)))
    return out


def measure(cases: Iterable[tuple[int, str, str]], index: OrgIndex) -> tuple[Counter[str], list[str]]:
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    for org_id, kind, text in cases:
        got = resolve(text, index).org_id
        outcome = "correct" if got == org_id else "unresolved" if got is None else "wrong"
        tally[outcome] += 1
        tally[f"{kind}:{outcome}"] += 1
        if outcome == "wrong":
            wrong.append(f"{kind}: {text!r} ({slug_of(org_id)}) → {slug_of(got)}")
    return tally, wrong


def _is_readme_optional(kind: str, text: str) -> bool:
    """The README keeps some short forms out on purpose (bare السلام, قدر, تارا…): unresolved is fine."""
    return kind == "drop type word" or (kind == "add منظمة" and len(normalize(text).split()) <= 2)


def test_required_variants_resolve_to_their_org() -> None:
    cases = registry_variants()
    required = [c for c in cases if not _is_readme_optional(c[1], c[2])]
    optional = [c for c in cases if _is_readme_optional(c[1], c[2])]
    tally, wrong = measure(required, full_index())
    opt_tally, opt_wrong = measure(optional, full_index())
    total = sum(tally[k] for k in ("correct", "unresolved", "wrong"))
    print(
        f"\nrequired variants: {total}, correct {tally['correct']}, unresolved {tally['unresolved']}, wrong 0"
    )
    print(f"optional short forms: {sum(opt_tally[k] for k in ('correct', 'unresolved'))}, {dict(opt_tally)}")
    assert wrong == [] and opt_wrong == []
    assert total > 500
    assert tally["correct"] / total >= 0.99
    assert opt_tally["correct"] / (opt_tally["correct"] + opt_tally["unresolved"]) >= 0.7


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("منظمة بيتنا", "baytna"),
        ("سوريون من اجل الحقيقه و العداله", "stj"),
        ("منظمة سوريون من أجل الحقيقة و العدالة", "stj"),
        ("Syrians for Truth & Justice (STJ)", "stj"),
        ("The Syrians for Truth and Justice Organisation", "stj"),
        ("الشّبكة السّوريّة لحقوق الإنسان (SNHR)", "snhr"),
        ("Syrian Network for Human Rights – SNHR", "snhr"),
        ("مؤسسة بدائل", "badael"),
        ("The Syria Justice & Accountability Centre", "sjac"),
        ("Syrian Center for Statistics & Research", "csr-sy"),
        ("الحركة النسوية السياسية السورية", "swpm"),
        ("منظمة المرأة السورية", "syrian-women-organization"),
        ("شبكة المرأة السورية", "swn"),
        ("Syria Civil Defence (White Helmets)", "syria-civil-defence"),
        ("مركز آريدو للمجتمع المدني و الديمقراطية", "aredo-center"),
        ("جمعية المرأة السورية - سلام", "syrian-women-assoc-salam"),
        ("Syrian Women Network", "swn"),
        ("و منظمة سوريون من أجل الحقيقة والعدالة", "stj"),  # last item of a list, "و" detached
        ("حملة من أجل سورية", "the-syria-campaign"),
        ("Syrian Legal Development Program", "sldp"),
        ("Syrian Network for Human Rights Organisation", "snhr"),
        ("Syrian Netork for Human Rights", "snhr"),  # misspelt type word
    ],
)
def test_hand_picked_variants(text: str, slug: str) -> None:
    assert slug_of(resolve(text, full_index()).org_id) == slug


def test_typos_never_merge_wrongly() -> None:
    tally, wrong = measure(typo_variants(), full_index())
    print(f"\ntypo variants: {dict(tally)}")
    assert wrong == []
    assert tally["correct"] >= 0.5 * (tally["correct"] + tally["unresolved"])


# ───────────────────────────── look-alikes and unknown names ─────────────────────────────

LOOK_ALIKES = [
    ("synergy-hevdesti", "synergy-for-justice"),
    ("kawakibi-hr-org", "kawakibi-center-tj"),
    ("al-marsad-golan", "sohr"),
    ("al-marsad-golan", "observatory-political-economic-networks"),
    ("sohr", "observatory-political-economic-networks"),
    ("sohr", "snhr"),
    ("madaniya", "syrian-civil-society-platform"),
    ("madaniya", "scnp"),
    ("syrian-civil-society-platform", "scnp"),
    ("syrian-civil-society-platform", "tamas"),
    ("cso-nes", "ngo-platform-nes"),
    ("dad-kurdish-hr", "adel-center-hr"),
    ("syrian-forum", "syrian-forum-usa"),
    ("syrian-forum", "omran"),
    ("syrian-forum", "ihsan-rd"),
    ("taafi", "kesh-malek"),
    ("jasmine-dream", "hilm-development"),
    ("jasmine-dream", "al-yasmin-association"),
    ("qudra", "qadr"),
    ("sanad-special-needs", "sanad-humanitarian"),
    ("syrian-women-organization", "syrian-women-assoc-development"),
    ("syrian-women-organization", "syrian-women-assoc-salam"),
    ("syrian-women-assoc-development", "syrian-women-assoc-salam"),
    ("syrian-women-organization", "swn"),
    ("islah-omari", "omari-tj"),
    ("citizens-justice-peace", "citizens-for-syria-impact"),
    ("jusoor-peace-development", "jusoor-studies"),
    ("stj", "truth-justice-charter"),
    ("syrian-archive", "syrian-forum"),
]


@pytest.mark.parametrize(("a", "b"), LOOK_ALIKES)
def test_look_alikes_never_resolve_to_each_other(a: str, b: str) -> None:
    """Both directions, with the full registry and with the other one missing from the index."""
    for this, other in ((a, b), (b, a)):
        without = OrgIndex([(i, n) for i, n in registry()[1] if i != sid(this)])
        cases = [(sid(this), "name", n) for n in names_of_slug(this)]
        cases += [c for c in registry_variants() + typo_variants() if c[0] == sid(this)]
        for _, _, text in cases:
            assert resolve(text, full_index()).org_id != sid(other), text
            assert resolve(text, without).org_id != sid(other), text


def test_leave_one_out_no_name_of_a_missing_org_is_merged_elsewhere() -> None:
    """For every organisation: drop it from the index, then none of its names or variants may resolve."""
    merged: list[str] = []
    total = 0
    cases_by_org: dict[int, list[str]] = {}
    for org_id, name in registry()[1]:
        cases_by_org.setdefault(org_id, []).append(name)
    for org_id, _, text in registry_variants() + typo_variants():
        cases_by_org[org_id].append(text)
    for org_id, texts in cases_by_org.items():
        without = OrgIndex([(i, n) for i, n in registry()[1] if i != org_id])
        for text in texts:
            total += 1
            got = resolve(text, without).org_id
            if got is not None:
                merged.append(f"{text!r} ({slug_of(org_id)}) → {slug_of(got)}")
    print(f"\nleave-one-out: {total} names and variants of absent organisations, {len(merged)} merged")
    assert total > 1500
    assert merged == []


def test_same_stem_different_type_word_stays_apart() -> None:
    index = OrgIndex([(1, "مركز الحق للدراسات"), (2, "شبكة حراس")])
    for name in ("مؤسسة الحق", "مؤسسة الحق – فلسطين", "الحق", "منظمة حراس", "حراس"):
        assert resolve(name, index).org_id is None, name
    both = OrgIndex([(1, "مؤسسة الحق"), (2, "مركز الحق")])
    assert resolve("مؤسسة الحق", both).org_id == 1
    assert resolve("مؤسّسة الحقّ", both).org_id == 1
    assert resolve("مركز الحق", both).org_id == 2
    assert resolve("الحق", both).org_id is None
    assert resolve("منظمة الحق", both).org_id is None


@pytest.mark.parametrize(
    "name",
    [
        "المرصد",  # README: never resolve a bare المرصد
        "Synergy",
        "مدنيون للعدالة والسلام",
        "حزب الجمهورية",
        "منظمات مدنية",
        "السلام",
        "قدر",
        "Syrian",
        "Syrian Human Rights",
        "المرأة السورية",
        "منظمة أطباء بلا حدود",
        "Doctors Without Borders",
        "جمعية الأمل الخيرية في إدلب",
        "Syrian Center for Justice and Accountability Studies",
        "مركز الكواكبي لحقوق الإنسان",
        "Unknown Relief Committee (URC)",
        "",
        "   ",
        "—",
    ],
)
def test_unknown_or_ambiguous_names_stay_unresolved(name: str) -> None:
    assert resolve(name, full_index()).org_id is None


def test_ambiguous_flag_lists_the_close_candidates() -> None:
    match = resolve("المرأة السورية", full_index())
    assert match.ambiguous
    assert {sid("swn"), sid("syrian-women-organization")} <= {org for org, _ in match.candidates}
    unknown = resolve("جمعية الأمل الخيرية في إدلب", full_index())
    assert not unknown.ambiguous


def test_match_scores_and_candidates() -> None:
    exact = resolve("Syrian Network for Human Rights", full_index())
    assert (exact.org_id, exact.score, exact.candidates[0]) == (sid("snhr"), 100.0, (sid("snhr"), 100.0))
    fuzzy = resolve("Syrian Center for Statistics & Research Organisation", full_index())
    assert fuzzy.org_id == sid("csr-sy") and 88 <= fuzzy.score <= 100
    assert fuzzy.candidates[0][0] == sid("csr-sy")


def test_thresholds_are_parameters() -> None:
    text = "Syrian Center for Statistic and Researches"
    assert resolve(text, full_index()).org_id == sid("csr-sy")
    assert resolve(text, full_index(), min_score=99.5).org_id is None


# ───────────────────────────── user queries ─────────────────────────────


@pytest.mark.parametrize(
    "query",
    [
        "STJ",
        "stj",
        "Syrians for Truth & Justice",
        "syrians for truth and justice",
        "سوريون من اجل الحقيقه و العداله",
        "منظمة سوريون من أجل الحقيقة والعدالة",
        "سوريون من أجل الحقيقة والعدالة",
        "منظمه سوريون من اجل الحقيقة والعدالة",
    ],
)
def test_user_queries_find_stj_first(query: str) -> None:
    found = search_candidates(query, full_index())
    assert found[0] == (sid("stj"), 100.0)


def test_search_lists_close_organisations_for_a_partial_query() -> None:
    found = dict(search_candidates("Truth and Justice", full_index(), limit=5))
    assert {sid("stj"), sid("truth-justice-charter")} <= set(found)
    assert len(search_candidates("Syrian", full_index(), limit=3)) <= 3
    assert search_candidates("zzzz qqqq", full_index()) == []


def test_index_grows_without_a_rebuild() -> None:
    index = OrgIndex([(1, "Syrian Archive"), (2, "Syrians for Truth and Justice (STJ)")])
    assert index.max_id == 2 and resolve("منظمة جديدة تماما للتوثيق", index).org_id is None
    index.add([(3, "منظمة جديدة تماما للتوثيق")])
    assert index.max_id == 3 and len(index) == 3
    assert resolve("منظمة جديدة تماماً للتوثيق", index).org_id == 3
    assert resolve("STJ", index).org_id == 2


# ───────────────────────────── names that must stay apart (issue 10 item 11) ─────────────────────────────

NEAR_NAMESAKES = [
    (1, "منظمة اختبار 10"),
    (2, "Free Lawyers Association of Aleppo"),
    (3, "Free Lawyers Association of Idlib"),
    (4, "رابطة أطباء الشمال الأحرار"),
    (5, "رابطة أطباء الشام الأحرار"),
    (6, "Nour Youth Forum"),
    (7, "Noura Youth Forum"),
    (8, "Kite Fund 2030"),
]


@pytest.mark.parametrize(
    "name",
    [
        "منظمة اختبار 100",  # a number is the name's identity
        "منظمة اختبار 1",
        "Kite Fund 2020",
        "رابطة أطباء الشامل الأحرار",  # as close to الشام as to الشمال: the word that tells them apart
        "Nor Youth Forum",  # Nour or Noura
    ],
)
def test_names_differing_in_a_number_or_in_the_word_that_tells_two_entries_apart_never_match(
    name: str,
) -> None:
    assert resolve(name, OrgIndex(NEAR_NAMESAKES)).org_id is None


@pytest.mark.parametrize(
    ("name", "org_id"),
    [
        ("منظمة اختبار ١٠", 1),  # the same number in Arabic-Indic digits
        ("منظمه اختبار 10", 1),
        ("Free Lawyers Association of Idleb", 3),  # a misspelling far from the other entry's word
        ("رابطة اطباء الشمال الاحرار", 4),
        ("Kite Fund 2030", 8),
    ],
)
def test_near_namesakes_still_match_their_own_spellings(name: str, org_id: int) -> None:
    assert resolve(name, OrgIndex(NEAR_NAMESAKES)).org_id == org_id


# ───────────────────────────── "did you mean" (issue 11 item 6) ─────────────────────────────


def test_a_generic_word_is_ranked_by_the_whole_query() -> None:
    found = suggest("الشبكة", full_index())
    networks = {sid(s) for s in ("snhr", "euromed-rights", "hurras", "swn")}
    assert found.winner is None and networks <= {org for org, _ in found.candidates}
    english = suggest("Syrian Network", full_index())
    assert english.winner is None and english.candidates[0][0] == sid("snhr")


@pytest.mark.parametrize(
    "query", ["xqzv blorp", "asdf", "qwerty", "foo bar", "test", "منظمة اختبار", "كلام فارغ"]
)
def test_nonsense_gets_no_candidates(query: str) -> None:
    assert suggest(query, full_index()).candidates == ()
    assert search_candidates(query, full_index()) == []


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("Amnesty", "amnesty"),
        ("Amnsty Internatonal", "amnesty"),
        ("Syrians for Truth", "stj"),
        ("حراس", "hurras"),
    ],
)
def test_a_clear_winner_is_named(query: str, slug: str) -> None:
    found = suggest(query, full_index())
    assert found.winner == sid(slug) and found.candidates[0][0] == sid(slug)


def test_close_candidates_name_no_winner_and_ties_do_not_go_by_id() -> None:
    synergy = suggest("Synergy", full_index())
    assert synergy.winner is None
    assert {sid("synergy-hevdesti"), sid("synergy-for-justice")} <= {o for o, _ in synergy.candidates}
    index = OrgIndex([(1, "Kite Association for Relief and Development"), (2, "Kite Aid")])
    assert suggest("Kite", index).candidates[0][0] == 2  # the name closest to the query, not the lower id


def test_acronym_hits_come_first() -> None:
    index = OrgIndex(
        [(1, "Syrian Archive"), (2, "Syrian Center for Media (SCM)"), (3, "Syrian Archive Media")]
    )
    found = suggest("SCM Syrian Archive", index)
    assert found.candidates[0] == (2, 100.0) and {o for o, _ in found.candidates} == {1, 2, 3}


def test_winner_needs_a_clear_lead() -> None:
    index = OrgIndex([(1, "Lantern House for Culture"), (2, "Lantern Youth Forum")])
    assert suggest("Lantern House", index).winner == 1
    assert suggest("Lantern", index).winner is None
