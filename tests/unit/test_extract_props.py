"""Property tests for bot.extract: it never raises, and generated signatory blocks come back exactly.

The generated pages put 2-12 organisation names under a "الموقعون:" / "Signatories:" heading in every
layout the extractor promises to read (<ul>, <ol>, one <p> per name, <br> lines, Western or Arabic-Indic
numbering, one- or two-column tables, inline comma lists), with page chrome after the list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.extract import extract_statement
from bot.extract.statement import _extract  # under the catch-all: must not raise on its own
from bot.models import Hints


def _vocabulary(words: str) -> list[str]:
    return words.split()


AR_HEADS = ["منظمة", "مركز", "رابطة", "جمعية", "شبكة", "مؤسسة", "اتحاد", "تجمع", "فريق", "منتدى"]
AR_WORDS = _vocabulary(
    "السلام الأمل سوريا للتنمية للإغاثة العدالة الحقيقة الكرامة الغد حوران الجزيرة للدراسات المدني الإنساني "
    "بصمات دار النساء الشباب حلب إدلب"
)
EN_HEADS = ["Syrian", "Free", "Women’s", "Kurdish", "International", "Local", "Civic", "Union of"]
EN_WORDS = _vocabulary(
    "Network Centre Foundation Association Forum League Initiative Council Archive Relief Justice Rights "
    "Development Dialogue Peace Media Lawyers"
)

ar_name = st.builds(
    lambda head, rest, acr: " ".join([head, *rest]) + (f" ({acr})" if acr else ""),
    st.sampled_from(AR_HEADS),
    st.lists(st.sampled_from(AR_WORDS), min_size=1, max_size=3),
    st.one_of(st.none(), st.sampled_from(["SCM", "DAR", "LDHR", "سواسية"])),
)
en_name = st.builds(
    lambda head, rest, acr: " ".join([head, *rest]) + (f" ({acr})" if acr else ""),
    st.sampled_from(EN_HEADS),
    st.lists(st.sampled_from(EN_WORDS), min_size=1, max_size=3),
    st.one_of(st.none(), st.sampled_from(["SNHR", "SJAC", "VDC"])),
)
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _ul(names: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{n}</li>" for n in names) + "</ul>"


def _ol(names: list[str]) -> str:
    items = "".join(f'<li><a href="https://example.org/{i}">{n}</a></li>' for i, n in enumerate(names))
    return f"<ol>{items}</ol>"


def _paragraphs(names: list[str]) -> str:
    return "".join(f"<p>{i}. {n}</p>" for i, n in enumerate(names, 1))


def _indic(names: list[str]) -> str:
    return "".join(f"<p>{str(i).translate(INDIC)}) {n}</p>" for i, n in enumerate(names, 1))


def _br(names: list[str]) -> str:
    return "<p>" + "<br>\n".join(f"{i}- {n}" for i, n in enumerate(names, 1)) + "</p>"


def _bullets(names: list[str]) -> str:
    return "".join(f"<p>• {n}</p>" for n in names)


def _table(names: list[str]) -> str:
    return "<table>" + "".join(f"<tr><td>{n}</td></tr>" for n in names) + "</table>"


def _table2(names: list[str]) -> str:
    rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    cells = ["".join(f"<td>{n}</td>" for n in row) for row in rows]
    return "<table>" + "".join(f"<tr>{c}</tr>" for c in cells) + "</table>"


def _inline_ar(names: list[str]) -> str:
    return "<p>" + "، ".join(names[:-1]) + f"، و{names[-1]}.</p>"


def _inline_en(names: list[str]) -> str:
    return "<p>" + ", ".join(names[:-1]) + f" and {names[-1]}.</p>"


LAYOUTS: list[Callable[[list[str]], str]] = [_ul, _ol, _paragraphs, _indic, _br, _bullets, _table, _table2]
INTRO = {
    "ar": "<p>تطالب المنظمات الموقعة على هذا البيان بالإفراج الفوري عن جميع المعتقلين تعسفياً في سوريا.</p>",
    "en": "<p>We, the undersigned organisations, call for the immediate release of all detainees.</p>",
}
HEADING = {"ar": ["الموقعون:", "المنظمات الموقعة:", "قائمة الموقعين"], "en": ["Signatories:", "Signed by:"]}
CHROME = '<div class="share"><a href="#">Facebook</a></div><footer><p>Tel: +90 555 000 0000</p></footer>'


def _page(lang: str, heading: str, block: str) -> str:
    return (
        f'<html lang="{lang}"><body><nav><a href="/">Home</a></nav><main><article><h1>بيان / Statement</h1>'
        f"{INTRO[lang]}<h3>{heading}</h3>{block}</article></main>{CHROME}</body></html>"
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["ar", "en"]),
    st.data(),
    st.sampled_from(LAYOUTS),
)
def test_generated_signatory_blocks_round_trip(
    lang: str, data: st.DataObject, layout: Callable[[list[str]], str]
) -> None:
    names = data.draw(st.lists(ar_name if lang == "ar" else en_name, min_size=2, max_size=12, unique=True))
    heading = data.draw(st.sampled_from(HEADING[lang]))
    got = extract_statement(_page(lang, heading, layout(names)), Hints())
    assert got.is_statement
    assert Counter(got.signatories) == Counter(names)
    assert got.kind == "joint" and got.issuer is None


@settings(max_examples=100)
@given(st.data())
def test_generated_inline_lists_round_trip(data: st.DataObject) -> None:
    lang = data.draw(st.sampled_from(["ar", "en"]))
    names = data.draw(st.lists(ar_name if lang == "ar" else en_name, min_size=3, max_size=10, unique=True))
    block = _inline_ar(names) if lang == "ar" else _inline_en(names)
    got = extract_statement(_page(lang, HEADING[lang][0], block), Hints())
    assert Counter(got.signatories) == Counter(names)


@settings(max_examples=300)
@given(st.text())
def test_never_raises_on_text(text: str) -> None:
    got = _extract(text, Hints())
    assert isinstance(got.is_statement, bool)
    assert 0.0 <= got.confidence <= 1.0


TAGS = ["p", "div", "ul", "ol", "li", "table", "tr", "td", "th", "br", "h2", "strong", "a", "article", "main",
        "footer", "nav", "time", "script", "span", "blockquote"]  # fmt: skip
fragment = st.recursive(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30),
    lambda inner: st.builds(
        lambda tag, body, attr: f"<{tag}{attr}>{''.join(body)}</{tag}>",
        st.sampled_from(TAGS),
        st.lists(inner, max_size=4),
        st.sampled_from(
            ["", ' class="entry-content"', ' datetime="2020-02-30"', ' href="x.pdf"', ' class="x"']
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(fragment, st.sampled_from(["", "الموقعون:", "Signatories:", "بيان", "<h1>Statement</h1>"]))
def test_never_raises_on_html(html: str, prefix: str) -> None:
    got = _extract(f"<html><body>{prefix}{html}</body></html>", Hints(url="https://e.org/a"))
    assert isinstance(got.is_statement, bool)
    if not got.is_statement:
        assert got.signatories == () and got.kind is None
