"""bot.parse: every fixture format, item identity, canonical URLs, errors, and generated hostile input."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import date
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import Fetched, Item, ParseError, Selectors, Source
from bot.parse import canonical_url, item_key, parse_items
from tests.helpers import load_fixture

TODAY = date(2025, 6, 1)
FEED = Source(id="feed", url="https://example.org/feed/", type="feed")
WP = Source(id="wp", url="https://www.example-ngo.sy/wp-json/wp/v2/posts", type="wordpress")
DRUPAL = Source(
    id="league",
    url="https://www.example-league.org/ar/statements",
    type="page",
    selectors=Selectors(item=".views-row", link=".views-field-title a", date="time, .date-display-single"),
)


def fetched(body: bytes | str, url: str = "https://example.org/feed/", ctype: str = "text/xml") -> Fetched:
    data = body.encode() if isinstance(body, str) else body
    return Fetched(
        url=url,
        status=200,
        content_type=ctype,
        body=data,
        text=data.decode("utf-8", "replace"),
        encoding="utf-8",
        sha256=hashlib.sha256(data).hexdigest(),
    )


def parse_fixture(
    name: str, source: Source = FEED, url: str = "https://example.org/feed/", ctype: str = ""
) -> list[Item]:
    return parse_items(fetched(load_fixture(f"feeds/{name}"), url, ctype), source, today=TODAY)


def rss(*items: str) -> str:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
    )


# ───────────────────────────── formats ─────────────────────────────


def test_wordpress_rss_arabic_with_content_encoded() -> None:
    items = parse_fixture(
        "wordpress_ar.rss", url="https://www.example-sy.org/ar/feed/", ctype="application/rss+xml"
    )

    assert [i.published for i in items] == [date(2025, 1, 3), date(2025, 1, 2), date(2024, 12, 31)]
    withdrawal, joint, report = items
    assert joint.key == "guid:https://www.example-sy.org/ar?p=18734"
    assert joint.title == "سوريا: بيان مشترك حول حماية المدنيين في الشمال السوري"
    assert joint.url.startswith("https://www.example-sy.org/ar/2025/01/%d8%a8")
    assert joint.content_html is not None
    assert "<li>الشبكة السورية لحقوق الإنسان</li>" in joint.content_html
    assert "<script" not in joint.content_html  # feedparser's sanitiser is on
    assert report.title == "تقرير: “لا مكان آمن” – الاعتقال التعسفي في 2024"  # entities decoded
    assert withdrawal.published == date(2025, 1, 3)  # 08:00 +0300 is 05:00 UTC, same day


def test_atom_relative_links_html_titles_and_utc_dates() -> None:
    items = parse_fixture("atom.xml", url="https://example-network.org/en/statements/atom.xml")

    by_key = {i.key: i for i in items}
    letter = by_key["guid:tag:example-network.org,2025:statement-77"]
    assert letter.url == "https://example-network.org/en/statements/open-letter-detainees"
    assert letter.title == "Open letter to the UN Security Council on detainees"
    assert letter.content_html is not None and "<li>Women Now Example</li>" in letter.content_html
    assert letter.published == date(2025, 2, 9)  # 01:30 +03:00 is still 9 February in UTC
    chemical = by_key["guid:tag:example-network.org,2025:statement-75"]
    assert chemical.url == "https://example-network.org/en/statements/statements/chemical-accountability"
    assert chemical.published == date(2025, 1, 21)  # only <updated>
    assert chemical.content_html is None  # a summary is not the full text
    assert [i.published for i in items] == sorted((i.published for i in items), reverse=True)


def test_json_feed_1_1() -> None:
    items = parse_fixture(
        "jsonfeed.json", url="https://campaign.example.org/feed.json", ctype="application/feed+json"
    )

    assert [i.key for i in items] == [
        "guid:2025-0042",
        "guid:https://campaign.example.org/posts/2025/joint-statement-returns",
        "guid:2025-0040",
    ]
    letter, joint, solidarity = items
    assert letter.url == "https://campaign.example.org/posts/2025/open-letter-eu"
    assert letter.title == "Open letter to EU foreign ministers & the High Representative"
    assert letter.content_html == "Dear Ministers,\n\nWe write to you…"
    assert joint.published == date(2025, 3, 5)
    assert joint.content_html is not None and "<li>منظمة أ</li>" in joint.content_html
    assert solidarity.url == "https://partner.example.net/news/solidarity"
    assert solidarity.published == date(2025, 2, 28)  # date_modified when there is no date_published


def test_json_feed_detected_without_its_content_type() -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1", "items": [{"id": "1", "url": "/a"}]})
    [item] = parse_items(fetched(body, "https://x.example.org/feed.json", "text/plain"), FEED)
    assert item == Item(key="guid:1", url="https://x.example.org/a")


def test_wordpress_rest_posts() -> None:
    items = parse_fixture("wp_posts.json", WP, url=WP.url, ctype="application/json; charset=UTF-8")

    assert [i.key for i in items] == ["wp:4521", "wp:4519", "wp:4498"]
    statement, workshop, protected = items
    assert statement.title == "بيان حول أحداث السويداء – “أوقفوا العنف”"
    assert statement.content_html is not None and "<li>منظمة مثال</li>" in statement.content_html
    assert statement.published == date(2025, 1, 15)
    assert workshop.title == "ورشة عمل حول العدالة الانتقالية"  # <em> removed
    assert workshop.published == date(2025, 1, 15)  # date_gmt, not the local 16 January
    assert protected.url == "https://www.example-ngo.sy/members-only/"
    assert protected.content_html is None  # password-protected: rendered content is empty


def test_wordpress_source_serving_xml_is_parsed_as_a_feed() -> None:
    items = parse_fixture("wordpress_ar.rss", WP, url="https://www.example-sy.org/ar/feed/")
    assert len(items) == 3 and all(i.key.startswith("guid:") for i in items)


def test_wordpress_error_object_is_a_parse_error() -> None:
    body = json.dumps({"code": "rest_no_route", "message": "No route was found.", "data": {"status": 404}})
    with pytest.raises(ParseError, match="rest_no_route") as caught:
        parse_items(fetched(body, WP.url, "application/json"), WP)
    assert caught.value.kind == "parse"


def test_drupal_listing_page() -> None:
    items = parse_fixture("drupal_listing.html", DRUPAL, url=DRUPAL.url, ctype="text/html")

    assert [(i.url, i.title, i.published) for i in items] == [
        (
            "https://www.example-league.org/ar/node/812",
            "بيان مشترك بشأن المفقودين والمختفين قسرياً",
            date(2025, 1, 20),
        ),
        ("https://www.example-league.org/ar/node/809", "رسالة مفتوحة إلى المبعوث الخاص", date(2025, 1, 15)),
        (
            "https://www.example-league.org/ar/node/805?utm_source=site#main",
            "إعلان انسحاب من التحالف",
            date(2025, 1, 10),
        ),
    ]  # the row without a link is skipped, the repeated /ar/node/812 kept once
    assert items[2].key == "url:https://www.example-league.org/ar/node/805"


def test_listing_title_selector_and_base_href() -> None:
    page = """<html><head><base href="https://cdn.example.org/ar/"></head><body>
      <article><h2 class="t">بيان <b>مشترك</b></h2><a class="more" href="news/1">اقرأ المزيد</a>
      <span class="d">18 أغسطس</span></article>
      <article><a class="more" href="javascript:void(0)">x</a></article>
      <article><a class="more" href="#top">x</a></article></body></html>"""
    source = Source(id="p", url="u", type="page", selectors=Selectors("article", "a.more", "h2.t", ".d"))
    [item] = parse_items(fetched(page, "https://example.org/ar/news", "text/html"), source, today=TODAY)
    assert item == Item(
        key="url:https://cdn.example.org/ar/news/1",
        url="https://cdn.example.org/ar/news/1",
        title="بيان مشترك",
        published=date(2024, 8, 18),
    )


def test_listing_without_dates_keeps_page_order() -> None:
    page = (
        '<ul><li><a href="/b">B</a></li><li><a href="/a">A</a> <time datetime="2025-01-02">x</time></li></ul>'
    )
    source = Source(id="p", url="u", type="page", selectors=Selectors("li", "a"))
    items = parse_items(fetched(page, "https://example.org/", "text/html"), source)
    assert [i.title for i in items] == ["B", "A"]
    assert [i.published for i in items] == [None, date(2025, 1, 2)]


# ───────────────────────────── malformed and unusual feeds ─────────────────────────────


def test_malformed_feed_with_bare_ampersand_and_unclosed_tag_still_yields_entries() -> None:
    items = parse_fixture("malformed.rss")
    assert [i.title for i in items] == [
        "Statement on aid & access",
        "Call for accountability",
        "Quarterly newsletter",
    ]


def test_arabic_pub_dates_go_through_our_date_parser() -> None:
    items = parse_fixture("arabic_dates.rss")
    assert [(i.title, i.published) for i in items] == [
        ("بيان تضامن", date(2025, 1, 4)),
        ("بيان حول الانتخابات المحلية", date(2025, 1, 2)),
        ("رسالة مفتوحة حول المعتقلين", date(2024, 12, 29)),
    ]


def test_source_date_format_is_tried_first() -> None:
    body = rss("<item><title>a</title><link>https://e.org/a</link><pubDate>03/04/2025</pubDate></item>")
    source = Source(id="f", url="u", date_format="%m/%d/%Y")
    [item] = parse_items(fetched(body), source)
    assert item.published == date(2025, 3, 4)


def test_feedburner_origlink_is_the_real_link() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">'
        "<channel><title>t</title><item><title>a</title><link>https://feeds.feedburner.com/~r/x/~3/abc/</link>"
        "<feedburner:origLink>https://org.example/statement</feedburner:origLink></item></channel></rss>"
    )
    [item] = parse_items(fetched(body), FEED)
    assert item.url == "https://org.example/statement"


def test_empty_but_valid_feed_is_no_items() -> None:
    assert parse_items(fetched(rss()), FEED) == []


def test_html_served_instead_of_a_feed() -> None:
    with pytest.raises(ParseError, match="HTML page, not a feed") as caught:
        parse_fixture(
            "not_a_feed.html", url="https://www.example-sy.org/feed", ctype="text/html; charset=utf-8"
        )
    assert "https://www.example-sy.org/ar/feed/" in str(caught.value)  # the page's <link rel=alternate>
    assert caught.value.kind == "parse"


def test_unparseable_feed_names_the_exception_and_the_url() -> None:
    with pytest.raises(ParseError) as caught:
        parse_items(fetched(b"<rss><channel><item"), FEED)
    assert "https://example.org/feed/" in str(caught.value)
    assert "SAXParseException" in str(caught.value)
    assert caught.value.kind == "parse"


def test_xml_that_is_not_a_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        parse_items(fetched(b'<?xml version="1.0"?><sitemap><loc>https://e.org/</loc></sitemap>'), FEED)


def test_broken_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="JSONDecodeError"):
        parse_items(
            fetched(
                '{"version": "https://jsonfeed.org/version/1.1", "items": [', ctype="application/feed+json"
            ),
            FEED,
        )


def test_hostile_title_stays_plain_text() -> None:
    body = rss(
        "<item><title>&lt;script&gt;alert(1)&lt;/script&gt;بيان &amp; نداء</title><link>https://e.org/1</link></item>",
        "<item><title><![CDATA[<img src=x onerror=alert(1)><script>alert(2)</script>Open letter]]></title>"
        "<link>https://e.org/2</link></item>",
    )
    first, second = parse_items(fetched(body), FEED)
    assert first.title == "بيان & نداء"
    assert second.title == "Open letter"
    wp = json.dumps(
        [{"id": 1, "link": "https://e.org/3", "title": {"rendered": "<script>alert(1)</script>x &lt;b&gt;"}}]
    )
    [item] = parse_items(fetched(wp, ctype="application/json"), WP)
    assert item.title == "x <b>"  # an escaped tag is text, shown as text: never markup


def test_javascript_links_are_not_urls() -> None:
    body = rss(
        '<item><title>a</title><link>javascript:alert(1)</link><guid isPermaLink="false">g1</guid></item>'
    )
    [item] = parse_items(fetched(body), FEED)
    assert item.url == ""
    assert item.key == "guid:g1"


# ───────────────────────────── identity ─────────────────────────────


def test_repeated_guids_get_link_then_position() -> None:
    items = parse_fixture("repeated_guids.rss")
    assert [i.key for i in items] == [
        "guid:center-news",
        "guid:center-news|https://center.example.org/news/2",
        "guid:center-news|2",  # same guid, same canonical link (the fragment does not count)
        "guid:center-news-3",
    ]


def test_no_guid_falls_back_to_canonical_link_then_hash() -> None:
    items = parse_fixture("no_guids.rss", url="https://gathering.example.org/feed")
    no_link, appeal, day = items
    assert day.key == "url:https://gathering.example.org/statements/human-rights-day"
    assert appeal.key == "url:https://gathering.example.org/statements/urgent-appeal"
    assert appeal.url == "https://gathering.example.org/statements/urgent-appeal"  # relative link resolved
    expected = hashlib.sha256("بيان بدون رابط|2024-12-12".encode()).hexdigest()[:32]
    assert no_link.key == f"hash:{expected}"
    assert no_link.url == ""
    assert no_link.content_html == "نص البيان منشور هنا فقط."  # no link: the description is all there is


def test_keys_are_stable_across_parses() -> None:
    for name in ("wordpress_ar.rss", "atom.xml", "jsonfeed.json", "repeated_guids.rss", "no_guids.rss"):
        assert [i.key for i in parse_fixture(name)] == [i.key for i in parse_fixture(name)]


def test_http_and_https_links_give_the_same_key() -> None:
    first = parse_items(
        fetched(rss("<item><title>a</title><link>http://Org.example/s/1/</link></item>")), FEED
    )
    second = parse_items(
        fetched(rss("<item><title>a</title><link>https://org.example/s/1</link></item>")), FEED
    )
    assert first[0].key == second[0].key == "url:https://org.example/s/1"


def test_url_guids_survive_an_https_move() -> None:
    old = rss('<item><title>a</title><guid isPermaLink="false">http://org.example/?p=12</guid></item>')
    new = rss('<item><title>a</title><guid isPermaLink="false">https://org.example/?p=12</guid></item>')
    assert parse_items(fetched(old), FEED)[0].key == parse_items(fetched(new), FEED)[0].key


def test_item_key_rules() -> None:
    assert item_key(" abc ", "https://e.org/x", "t", None) == "guid:abc"
    assert item_key(None, "http://e.org/x/", "t", None) == "url:https://e.org/x"
    hashed = item_key(None, None, "t", date(2025, 1, 2))
    assert hashed.startswith("hash:") and len(hashed) == 5 + 32
    assert hashed != item_key(None, None, "t", date(2025, 1, 3))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.ORG:80/a/b/?utm_source=x&b=2&a=1&fbclid=z#frag", "https://example.org/a/b?a=1&b=2"),
        ("https://example.org:443", "https://example.org/"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://e.org/?gclid=1&mc_cid=2&mc_eid=3&UTM_medium=4", "https://e.org/"),
        ("https://e.org/%7euser/%41b", "https://e.org/~user/Ab"),
        ("https://e.org/a%2fb", "https://e.org/a%2Fb"),
        (
            "https://e.org/بيان-مشترك/",
            "https://e.org/%D8%A8%D9%8A%D8%A7%D9%86-%D9%85%D8%B4%D8%AA%D8%B1%D9%83",
        ),
        ("https://e.org/?q=بيان", "https://e.org/?q=%D8%A8%D9%8A%D8%A7%D9%86"),
        ("https://e.org/100%", "https://e.org/100%25"),
        ("https://مثال.إختبار/x", "https://xn--mgbh0fb.xn--kgbechtv/x"),
        ("mailto:info@e.org", "mailto:info@e.org"),
        ("  /relative/path ", "/relative/path"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.org/s/1?sid=17", "https://e.org/s/1"),
        ("https://e.org/s/1?SID=17&p=3", "https://e.org/s/1?p=3"),
        ("https://e.org/?p=12&PHPSESSID=9f3a&sessionid=x&session_id=y", "https://e.org/?p=12"),
        ("https://e.org/item.do;jsessionid=0AB12C?id=4", "https://e.org/item.do?id=4"),
        ("https://e.org/a;JSESSIONID=0AB12C/b;v=2", "https://e.org/a/b;v=2"),
        ("https://e.org/x?jsessionid=1&s=query&ref=home&amp&amp=1", "https://e.org/x"),
        (
            "https://e.org/x?sort=new&session=keep&search=kept",
            "https://e.org/x?search=kept&session=keep&sort=new",
        ),
    ],
)
def test_canonical_url_drops_session_like_parameters(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_item_keys_survive_a_rotating_session_id() -> None:
    def key(n: int) -> str:
        link = f"https://org.example/s/1?sid={n}"
        doc = rss(f'<item><title>a</title><link>{link}</link><guid isPermaLink="true">{link}</guid></item>')
        return parse_items(fetched(doc), FEED)[0].key

    assert key(1) == key(2) == "guid:https://org.example/s/1"


def test_canonical_url_arabic_slug_encoded_or_not() -> None:
    raw = "https://www.example-sy.org/ar/2025/01/بيان-مشترك/"
    encoded = "https://www.example-sy.org/ar/2025/01/%d8%a8%d9%8a%d8%a7%d9%86-%d9%85%d8%b4%d8%aa%d8%b1%d9%83/"
    assert (
        canonical_url(raw)
        == canonical_url(encoded)
        == canonical_url(re.sub("%..", lambda m: m.group().upper(), encoded))
    )


# ───────────────────────────── errors of listing pages ─────────────────────────────


def test_listing_that_matches_nothing_is_selector_rot() -> None:
    source = Source(id="p", url="u", type="page", selectors=Selectors(".node--teaser", "a"))
    with pytest.raises(
        ParseError, match=r"selector '\.node--teaser' matched no items on https://www"
    ) as caught:
        parse_fixture("drupal_listing.html", source, url=DRUPAL.url, ctype="text/html")
    assert caught.value.kind == "empty"


def test_page_source_without_selectors_or_with_a_bad_one_is_a_config_error() -> None:
    with pytest.raises(ParseError) as missing:
        parse_items(fetched("<p>x</p>", ctype="text/html"), Source(id="p", url="u", type="page"))
    bad = Source(id="p", url="u", type="page", selectors=Selectors("div[[", "a"))
    with pytest.raises(ParseError, match="invalid CSS selector") as invalid:
        parse_items(fetched("<p>x</p>", ctype="text/html"), bad)
    assert missing.value.kind == invalid.value.kind == "config"


# ───────────────────────────── generated input ─────────────────────────────

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
_ITEM_FIELDS = st.sampled_from(
    [
        "id",
        "url",
        "external_url",
        "title",
        "content_html",
        "content_text",
        "date_published",
        "date_modified",
        "link",
        "date_gmt",
        "date",
        "content",
    ]
)
_JSON_ITEM = st.dictionaries(_ITEM_FIELDS, _JSON, max_size=6)
_FEED_BODIES = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda t: rss(f"<item>{t}</item>").encode("utf-8", "surrogatepass")),
    st.lists(_JSON_ITEM, max_size=4).map(
        lambda items: json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    ),
    st.lists(_JSON_ITEM | _JSON, max_size=4).map(lambda posts: json.dumps(posts).encode()),
)


def _check_items(items: list[Item]) -> None:
    assert len({i.key for i in items}) == len(items)
    for item in items:
        assert item.url == "" or urlsplit(item.url).scheme in ("http", "https")
        assert item.key.split(":", 1)[0] in ("guid", "url", "hash", "wp")


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(body=_FEED_BODIES, source=st.sampled_from([FEED, WP]))
def test_any_bytes_give_items_or_parse_error(body: bytes, source: Source) -> None:
    try:
        items = parse_items(fetched(body, ctype=""), source, today=TODAY)
    except ParseError:
        return
    _check_items(items)


_TAGS = st.sampled_from(["div", "li", "a", "span", "time", "p", "article", "h2", "script", "table", "td"])
_ATTRS = st.dictionaries(
    st.sampled_from(["href", "class", "datetime", "id"]),
    st.one_of(
        st.sampled_from(
            ["/a", "b/c", "https://e.org/x", "#", "javascript:x", "http://[bad", "row", "2025-01-02"]
        ),
        st.text(max_size=20),
    ),
    max_size=3,
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def render(tag: str, attrs: dict[str, str], inner: list[str]) -> str:
        rendered = "".join(f' {k}="{v.replace(chr(34), "&quot;")}"' for k, v in attrs.items())
        return f"<{tag}{rendered}>{''.join(inner)}</{tag}>"

    return st.builds(render, _TAGS, _ATTRS, st.lists(children, max_size=4))


_HTML = st.recursive(st.text(max_size=20), _element, max_leaves=25) | st.text(max_size=300)


@settings(deadline=None, max_examples=200)
@given(page=_HTML, item=st.sampled_from(["div", "li", ".row", "article", "*"]))
def test_any_listing_gives_items_or_parse_error(page: str, item: str) -> None:
    source = Source(id="p", url="u", type="page", selectors=Selectors(item, "a", date="time"))
    try:
        items = parse_items(fetched(page, "https://example.org/list", "text/html"), source, today=TODAY)
    except ParseError as e:
        assert e.kind == "empty"
        return
    _check_items(items)
    assert all(i.url for i in items)


@settings(deadline=None, max_examples=200)
@given(
    host=st.sampled_from(["Example.org", "e.org:80", "e.org:443", "xn--mgbh0fb.example", "مثال.org"]),
    path=st.text(max_size=30),
    query=st.text(max_size=30),
)
def test_canonical_url_is_idempotent(host: str, path: str, query: str) -> None:
    url = f"http://{host}/{path}?{query}"
    once = canonical_url(url)
    assert canonical_url(once) == once


class _Lookups:
    """A finder that records every module looked up on sys.path (and finds none itself)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        self.names.append(name)


def test_a_feed_parse_looks_up_no_module() -> None:
    """feedparser asks xml.sax for the libxml2 driver first; a failed import is not cached, so each parse
    searched sys.path for it again (issue 12: ≈ 0.25 ms of every new source). Parsing imports nothing."""
    parse_items(fetched(_one_item_feed(1)), FEED)  # warm: the parsers' own lazy imports are done
    lookups = _Lookups()
    sys.meta_path.insert(0, lookups)
    try:
        items = parse_items(fetched(_one_item_feed(2)), FEED)
    finally:
        sys.meta_path.remove(lookups)
    assert [i.title for i in items] == ["Item 2"]
    assert lookups.names == []


def _one_item_feed(n: int) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Notes</title>'
        f"<link>https://example.org/</link><item><title>Item {n}</title>"
        f"<link>https://example.org/{n}.html</link><guid>item-{n}</guid></item></channel></rss>"
    )
