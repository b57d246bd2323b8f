"""bot.opml: OPML 2.0 out of the sources, feeds out of an OPML file (hostile ones refused in one line), ids
for new feeds, and the feeds.yaml text of new entries; bot.config.edit: entries added to a feeds.yaml text
with its comments kept. Every title and host here is invented."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import yaml

from bot import config
from bot.config.edit import append_sources
from bot.models import ConfigError, Source
from bot.opml import (
    MAX_BYTES,
    NewSource,
    OpmlError,
    OpmlFeed,
    entries_yaml,
    feed_key,
    is_feed,
    new_id,
    plan_import,
    read_opml,
    render_opml,
)

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SOURCES = [
    Source(
        id="a-ar", url="https://a.example.org/ar/feed/", type="wordpress", name="رابطة المثال", language="ar"
    ),
    Source(
        id="b-en",
        url="https://b.example.net/rss.xml",
        type="feed",
        name="منظمة ب",
        name_en='Rights & "Voices" <Watch>',
        language="en",
        homepage="https://b.example.net/home",
    ),
    Source(id="c-page", url="https://c.example.com/news", type="page"),
    Source(id="d-rest", url="https://d.example.com/wp-json/wp/v2/posts", type="wordpress"),
]


def _opml(body: str, head: str = "<head><title>t</title></head>") -> bytes:
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">{head}<body>{body}</body></opml>'
    return text.encode()


def test_export_is_opml_2_with_every_feed_source_escaped_and_arabic_intact() -> None:
    text = render_opml(SOURCES, title="Bayan sources", created=WHEN)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Bayan sources"
    assert root.findtext("head/dateCreated") == "Sun, 01 Mar 2026 12:00:00 +0000"
    outlines = root.findall("body/outline")
    assert [o.get("xmlUrl") for o in outlines] == [
        "https://a.example.org/ar/feed/",
        "https://b.example.net/rss.xml",
    ]
    first, second = outlines
    assert first.get("text") == first.get("title") == "رابطة المثال"
    assert first.get("htmlUrl") == "https://a.example.org/" and first.get("language") == "ar"
    assert first.get("type") == "rss"
    assert second.get("title") == 'Rights & "Voices" <Watch>'  # English source: its English name
    assert second.get("htmlUrl") == "https://b.example.net/home"
    assert "&amp;" in text and "&lt;Watch&gt;" in text and "&quot;Voices&quot;" in text


def test_is_feed_leaves_out_pages_and_the_wordpress_rest_api() -> None:
    assert [s.id for s in SOURCES if is_feed(s)] == ["a-ar", "b-en"]


def test_export_drops_characters_xml_cannot_hold() -> None:
    odd = Source(id="x", url="https://x.example.org/feed", name="bad\x01name\x0bhere")
    root = ET.fromstring(render_opml([odd], title="t", created=WHEN).encode())
    assert root.find("body/outline").get("text") == "badnamehere"  # type: ignore[union-attr]


def test_round_trip_export_then_read_gives_the_same_feeds() -> None:
    feeds = read_opml(render_opml(SOURCES, title="t", created=WHEN).encode(), "x.opml")
    assert [(f.title, f.xml_url, f.language) for f in feeds] == [
        ("رابطة المثال", "https://a.example.org/ar/feed/", "ar"),
        ('Rights & "Voices" <Watch>', "https://b.example.net/rss.xml", "en"),
    ]
    new, already = plan_import(feeds, SOURCES)
    assert new == [] and already == 2


def test_read_finds_feeds_in_folders_case_insensitive_and_skips_folders_and_bad_urls() -> None:
    body = """<outline text="Folder">
      <outline text="Inner" xmlurl="http://in.example.org/feed" htmlurl="http://in.example.org/"/>
      <outline text="Deeper">
        <outline title="Deep" text="ignored" xmlUrl="https://deep.example.org/atom" language="ar-SY"/>
      </outline></outline>
      <outline text="no feed"/><outline text="js" xmlUrl="javascript:alert(1)"/>
      <outline text="ftp" xmlUrl="ftp://f.example.org/x"/>
      <outline text="Again" xmlUrl="https://www.deep.example.org/atom/"/>"""
    feeds = read_opml(_opml(body), "f.opml")
    assert feeds == [
        OpmlFeed("Inner", "http://in.example.org/feed", "http://in.example.org/", None),
        OpmlFeed("Deep", "https://deep.example.org/atom", None, "ar"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://x.example.org/"/></body></opml>',
            "x.opml:1: a DOCTYPE or entity declaration (OPML needs none; entities are not expanded)",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            b'<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://x.example.org/"/></body></opml>',
            "x.opml:2: a DOCTYPE or entity declaration (OPML needs none; entities are not expanded)",
        ),
        (
            b'<opml version="2.0"><body><outline text="&undefined;" xmlUrl="https://x.example.org/"/></body></opml>',
            "x.opml:1: not well-formed XML: undefined entity",
        ),
        (
            b'<opml version="2.0">\n<body>\n<outline text="a"></body></opml>',
            "x.opml:3: not well-formed XML: mismatched tag",
        ),
        (b"", "x.opml:1: not well-formed XML: no element found"),
        (b"feeds: []\n", "x.opml:1: not well-formed XML: syntax error"),
        (
            b'<rss version="2.0"><channel/></rss>',
            "x.opml:1: not an OPML document (its root element is <rss>, not <opml>)",
        ),
        (b'<opml version="2.0"><head/></opml>', "x.opml: not an OPML document (no <body> with outlines)"),
    ],
)
def test_hostile_or_malformed_opml_is_one_line(data: bytes, expected: str) -> None:
    with pytest.raises(OpmlError) as err:
        read_opml(data, "x.opml")
    assert str(err.value) == expected
    assert "\n" not in str(err.value)


def test_a_huge_file_is_refused_before_parsing() -> None:
    with pytest.raises(OpmlError, match="larger than 16 MiB"):
        read_opml(b" " * (MAX_BYTES + 1), "big.opml")


def test_feed_key_compares_spellings_of_one_feed() -> None:
    same = ["http://www.example.org/feed/", "https://example.org/feed", "HTTPS://Example.ORG:443/feed#top"]
    assert len({feed_key(u) for u in same}) == 1
    assert feed_key("https://example.org/feed") != feed_key("https://example.org/ar/feed")


def test_new_ids_slug_titles_use_hosts_for_arabic_and_stay_unique() -> None:
    taken = {"syria-rights-watch"}
    assert new_id("Syria Rights Watch", "https://srw.example.org/feed", None, taken) == "syria-rights-watch-2"
    assert (
        new_id("Réseau  d'Été — Nouvelles!", "https://x.example.org/", None, set())
        == "reseau-d-ete-nouvelles"
    )
    assert new_id("شبكة الأمثلة", "https://news.amthila.example/feed", "ar", set()) == "news-amthila-ar"
    assert new_id("شبكة الأمثلة", "https://www.amthila.org/feed", "ar", {"amthila-ar"}) == "amthila-ar-2"
    long = new_id("word " * 30, "https://x.example.org/", None, set())
    assert len(long) <= 40 and not long.endswith("-")
    assert new_id("", "https://x/", None, set()) == "x"


def test_plan_import_keeps_only_new_feeds_with_unique_ids() -> None:
    feeds = [
        OpmlFeed("Rights Voices", "http://b.example.net/rss.xml/"),  # configured (another spelling)
        OpmlFeed("Rights Voices", "https://new.example.org/feed"),
        OpmlFeed("شبكة الأمثلة", "https://amthila.example/feed", "https://amthila.example/"),
        OpmlFeed("a ar", "https://other.example.org/a"),
    ]
    fallback = Source(id="e", url="https://e.example.org/x", fallback_urls=("https://other.example.org/a",))
    new, already = plan_import(feeds, [*SOURCES, fallback], taken_ids=["rights-voices"])
    assert already == 2
    assert new == [
        NewSource("rights-voices-2", "Rights Voices", "https://new.example.org/feed", None, None),
        NewSource(
            "amthila-ar", "شبكة الأمثلة", "https://amthila.example/feed", "https://amthila.example/", "ar"
        ),
    ]


def test_entries_yaml_is_valid_feeds_yaml_with_hostile_titles_kept_as_text() -> None:
    entries = [
        NewSource("one", 'Colon: "quotes" # not a comment', "https://one.example.org/feed", None, "en"),
        NewSource(
            "two",
            "عنوان\u200f عربي\ufeff*&anchor",
            "https://two.example.org/feed?a=1&b=2",
            "https://two.example.org/",
            "ar",
        ),
        NewSource("three", "line\u2028sep\U0001f600", "https://three.example.org/feed", None, None),
    ]
    text = "sources:\n" + entries_yaml(entries, note="from a.opml")
    assert text.splitlines()[1] == "  # from a.opml"
    loaded = yaml.safe_load(text)["sources"]
    assert [e["name"] for e in loaded] == [e.name for e in entries]
    sources = config.load_sources(text)
    assert [(s.id, s.type, s.url, s.language, s.enabled) for s in sources] == [
        ("one", "feed", "https://one.example.org/feed", "en", True),
        ("two", "feed", "https://two.example.org/feed?a=1&b=2", "ar", True),
        ("three", "feed", "https://three.example.org/feed", None, True),
    ]
    assert sources[1].homepage == "https://two.example.org/"


FEEDS_TEXT = """# the head comment
defaults:
  interval: 1h   # hourly
sets:
  s: &s {item: "li", link: "a"}
sources:
    # first source
    -   id: first
        url: https://first.example.org/feed   # trailing comment
        notes: >
          a folded
          note

    -   id: second
        url: https://second.example.org/
        type: page
        selectors: *s
# after the list
candidates:
  - x
"""


def test_append_sources_splices_after_the_last_entry_keeping_everything() -> None:
    new = [NewSource("third", "Third", "https://third.example.org/feed", None, None)]
    out = append_sources(FEEDS_TEXT, lambda indent: entries_yaml(new, indent=indent, note="imported"))
    assert out.startswith(FEEDS_TEXT.split("# after the list")[0])
    assert out.endswith("# after the list\ncandidates:\n  - x\n")
    assert '    # imported\n    - id: third\n      name: "Third"\n' in out
    assert [s.id for s in config.load_sources(out)] == ["first", "second", "third"]
    assert yaml.safe_load(out)["candidates"] == ["x"]


def test_append_sources_after_an_alias_and_to_an_empty_list() -> None:
    new = [NewSource("n", None, "https://n.example.org/feed", None, None)]
    block = lambda indent: entries_yaml(new, indent=indent)  # noqa: E731
    text = (
        "x: &a {id: b, url: 'https://b.example.org/'}\n"
        "sources:\n  - id: a\n    url: https://a.example.org/\n  - *a\n"
    )
    assert [s.id for s in config.load_sources(append_sources(text, block))] == ["a", "b", "n"]
    assert [s.id for s in config.load_sources(append_sources("sources:\n", block))] == ["n"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: [{id: a, url: 'https://a/'}]\n", "feeds.yaml:1: key 'sources': not a block list"),
        ("defaults: {}\n", "feeds.yaml: no 'sources:' key to add to"),
        ("- a\n", "feeds.yaml: no 'sources:' mapping key"),
        ("sources:\n  - id: [\n", "feeds.yaml:3:1: invalid YAML"),
    ],
)
def test_append_sources_refuses_what_it_cannot_extend(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        append_sources(text, lambda indent: "")
    assert err.value.problems[0].startswith(message)
