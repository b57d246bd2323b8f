"""bot.config: settings from the environment, feeds.yaml sources, the organisation registry.

Every validation message is checked for its exact ``file:line``, source id and key.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from textwrap import dedent

import pytest

from bot.config import (
    MAX_TEXT,
    MIN_INTERVAL,
    REGISTRY_PATH,
    format_problems,
    load_config,
    load_registry,
    load_settings,
    load_sources,
    parse_duration,
    read_registry,
    read_sources,
    registry_file,
)
from bot.models import ConfigError, Selectors, Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "config"
REPO = Path(__file__).parents[2]


def problems_of(text: str, path: str = "feeds.yaml") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_sources(dedent(text), path)
    return info.value.problems


def one_problem(text: str) -> str:
    found = problems_of(text)
    assert len(found) == 1, found
    return found[0]


# ───────────────────────────── settings ─────────────────────────────


def test_settings_defaults_from_empty_env() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.token is None
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.db_path == "storage/bayan.db"
    assert settings.config_path == "feeds.yaml"
    assert settings.admins == frozenset()
    assert settings.log_level == "INFO"


def test_settings_from_env() -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": " 123:ABC ",
        "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
        "BAYAN_DB": "/tmp/x.db",
        "BAYAN_CONFIG": "conf/feeds.yaml",
        "BAYAN_ADMINS": "11, 22 33,,44",
        "BAYAN_LOG_LEVEL": "debug",
        "UNRELATED": "ignored",
    }
    settings = load_settings(env)
    assert settings.token == "123:ABC"
    assert settings.api_url == "http://127.0.0.1:8081/bot"
    assert settings.db_path == "/tmp/x.db"
    assert settings.config_path == "conf/feeds.yaml"
    assert settings.admins == frozenset({11, 22, 33, 44})
    assert settings.log_level == "DEBUG"
    assert "123:ABC" not in repr(settings)


def test_settings_empty_values_mean_default() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "", "BAYAN_DB": " ", "BAYAN_ADMINS": ""})
    assert settings.token is None and settings.db_path == "storage/bayan.db" and not settings.admins


def test_settings_bad_admin_is_named() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"BAYAN_ADMINS": "12, abc, -5, 34"})
    assert len(info.value.problems) == 2
    assert info.value.problems[0].startswith("BAYAN_ADMINS: 'abc' is not a Telegram user id")
    assert "'-5'" in info.value.problems[1]


def test_settings_collects_every_problem() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"BAYAN_LOG_LEVEL": "loud", "TELEGRAM_API_URL": "ftp://x", "BAYAN_ADMINS": "x1"})
    text = str(info.value)
    assert "BAYAN_LOG_LEVEL: unknown level 'LOUD'" in text
    assert "TELEGRAM_API_URL: 'ftp://x'" in text
    assert "BAYAN_ADMINS: 'x1'" in text


def test_settings_warn_is_warning() -> None:
    assert load_settings({"BAYAN_LOG_LEVEL": "warn"}).log_level == "WARNING"


# ───────────────────────────── durations ─────────────────────────────


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("1h", 3600),
        ("1d", 86400),
        ("1h30m", 5400),
        ("2d12h", 216000),
        ("1h 30m", 5400),
        ("120", 120),
        (120, 120),
        (90.5, 90.5),
        ("6H", 21600),
    ],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "h", "1.5h", "-5", "0", "0m", "1h30", True, None, [], "m30"])
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


# ───────────────────────────── sources: the contract ─────────────────────────────


def test_contract_example_loads() -> None:
    sources = read_sources(str(FIXTURES / "minimal.yaml"))
    stj, aso, snhr = sources
    assert stj.id == "stj-ar" and stj.type == "feed" and stj.url == "https://stj-sy.org/ar/feed/"
    assert stj.name == "سوريون من أجل الحقيقة والعدالة" and stj.name_en is None
    assert stj.language == "ar" and stj.interval == 3600 and stj.statements_only and stj.enabled
    assert stj.line == 5
    assert aso.selectors == Selectors(item=".views-row", link="h3 a", title="h3", date=".date")
    assert aso.interval == 1800  # from defaults
    assert aso.line == 13
    assert snhr.type == "wordpress" and not snhr.enabled and snhr.max_new_items == 50


def test_minimal_source_gets_model_defaults() -> None:
    (source,) = load_sources("sources:\n  - id: a\n    url: http://127.0.0.1:9/feed\n")
    assert source.type == "feed" and source.enabled and not source.statements_only
    assert source.interval == 1800 and source.max_new_items == 50 and source.follow_full_text_links
    assert source.selectors is None and source.fallback_urls == () and source.line == 2


def test_defaults_apply_to_every_source_and_sources_override() -> None:
    text = """\
        defaults:
          interval: 2h
          max_items_per_fetch: 7
          statements_only: true
          enabled: false
          follow_full_text_links: false
          announce_first_poll: true
          keyword_prefilter: true
          language: en
        sources:
          - id: a
            url: https://a.example/feed
          - id: b
            url: https://b.example/feed
            interval: 90
            max_new_items: 3
            statements_only: false
            enabled: true
            language: ar
            keyword_prefilter: false
    """
    a, b = load_sources(dedent(text))
    assert (a.interval, a.max_new_items, a.statements_only, a.enabled) == (7200, 7, True, False)
    assert (a.follow_full_text_links, a.announce_first_poll, a.keyword_prefilter, a.language) == (
        False,
        True,
        True,
        "en",
    )
    assert (b.interval, b.max_new_items, b.statements_only, b.enabled) == (90, 3, False, True)
    assert (b.language, b.keyword_prefilter, b.follow_full_text_links) == ("ar", False, False)


def test_max_items_per_fetch_is_an_alias() -> None:
    (source,) = load_sources("sources:\n  - {id: a, url: 'https://a.example/', max_items_per_fetch: 9}\n")
    assert source.max_new_items == 9


def test_name_mapping_and_rich_fields() -> None:
    text = """\
        sources:
          - id: tda-en
            org: tda
            name: {ar: "اليوم التالي", en: "The Day After (TDA)"}
            aliases: ["اليوم التالي", "TDA"]
            role: publisher
            homepage: https://tda-sy.org/
            url: https://tda-sy.org/feed/
            type: wordpress
            fallback_urls:
              - https://tda-sy.org/category/news-events/feed/
            date_format: "%Y-%m-%d"
            confidence: {homepage: seen, url: inferred}
            evidence: [https://tda-sy.org/x]
            notes: free text
          - id: only-en
            name: {ar: "", en: "achrights.org"}
            url: https://achrights.org/en/feed/
          - id: plain
            name: Plain Name
            aliases: ASO
            url: https://plain.example/feed
    """
    tda, only_en, plain = load_sources(dedent(text))
    assert tda.name == "اليوم التالي" and tda.name_en == "The Day After (TDA)" and tda.org == "tda"
    assert tda.aliases == ("اليوم التالي", "TDA")
    assert tda.fallback_urls == ("https://tda-sy.org/category/news-events/feed/",)
    assert tda.date_format == "%Y-%m-%d"
    assert only_en.name == "achrights.org" and only_en.name_en == "achrights.org"
    assert plain.name == "Plain Name" and plain.name_en is None and plain.aliases == ("ASO",)


def test_anchors_merge_keys_and_named_selector_sets() -> None:
    text = """\
        selector_sets:
          wp: &wp
            item: article
            link: h2 a
          base: &base
            type: page
            language: ar
        sources:
          - id: by-alias
            url: https://a.example/
            type: page
            selectors: *wp
          - id: by-name
            url: https://b.example/
            type: page
            selectors: wp
          - <<: *base
            id: by-merge
            url: https://c.example/
            language: en
            selectors: {<<: *wp, title: h2}
    """
    by_alias, by_name, by_merge = load_sources(dedent(text))
    assert by_alias.selectors == by_name.selectors == Selectors(item="article", link="h2 a")
    assert by_merge.type == "page" and by_merge.language == "en"
    assert by_merge.selectors == Selectors(item="article", link="h2 a", title="h2")


def test_load_config_keeps_fetch_defaults_keywords_and_html_fallbacks() -> None:
    config = load_config((FIXTURES / "feeds.example.yaml").read_text(encoding="utf-8"))
    assert len(config.sources) == 43
    assert config.timeout == 30 and config.user_agent and config.user_agent.startswith("bayan/")
    assert "بيان مشترك" in config.keywords["ar"] and "open letter" in config.keywords["en"]
    [stj] = [s for s in config.sources if s.id == "stj-en-statements"]
    assert stj.html_fallback is not None
    url, selectors = stj.html_fallback
    assert url == "https://stj-sy.org/en/press-releases-statements/"
    assert selectors.item.startswith("article.item")


def test_richer_example_maps_fields() -> None:
    sources = {s.id: s for s in load_sources((FIXTURES / "feeds.example.yaml").read_text(encoding="utf-8"))}
    aso = sources["aso-ar"]
    assert aso.type == "page" and aso.selectors is not None and aso.selectors.item.startswith(".views-row")
    assert aso.date_format == "%Y-%m-%d" and aso.interval == 6 * 3600 and aso.org == "aso"
    assert aso.name_en == "ASO Center for Consultancy and Strategic Studies"
    assert sources["dawlaty"].language == "mixed"
    assert sources["syriauntold-en"].keyword_prefilter and not sources["dawlaty"].keyword_prefilter
    assert sources["enabbaladi-ar"].interval == 1800
    assert all(s.max_new_items == 50 and s.follow_full_text_links for s in sources.values())
    assert not sources["alseeraj-en"].enabled


# ───────────────────────────── the shipped files ─────────────────────────────


def test_shipped_feeds_yaml_loads_with_enabled_and_disabled_sources() -> None:
    text = (REPO / "feeds.yaml").read_text(encoding="utf-8")
    sources = load_sources(text)
    assert len(sources) == 43
    assert len({s.id for s in sources}) == 43
    enabled = {s.id for s in sources if s.enabled}
    assert enabled and len(enabled) < len(sources)
    assert "snhr-en" in enabled and "enabbaladi-ar" in enabled  # url confidence seen-code
    assert "stj-ar" not in enabled  # url inferred
    assert "syrianforum-usa-en" not in enabled  # url seen-copy
    assert "NOT verified" in text[:600] and "check-config --fetch" in text[:600]
    assert all(s.interval >= MIN_INTERVAL for s in sources)


def test_shipped_feeds_yaml_enables_only_seen_urls() -> None:
    text = (REPO / "feeds.yaml").read_text(encoding="utf-8")
    by_line = {s.line: s for s in load_sources(text)}
    lines = text.splitlines()
    for line, source in by_line.items():
        assert line is not None
        block = "\n".join(lines[line - 1 : line + 40]).split("\n  - id:")[0]
        confident = "url: seen," in block or "url: seen}" in block or "url: seen-code" in block
        assert source.enabled == confident, source.id


def test_shipped_registry_loads() -> None:
    orgs = read_registry()
    assert len(orgs) == 163
    assert len({org.slug for org in orgs}) == 163
    assert all(org.ar or org.en for org in orgs)
    archive = next(org for org in orgs if org.slug == "syrian-archive")
    assert archive.ar == "الأرشيف السوري" and archive.en == "Syrian Archive" and archive.kind == "ngo"
    assert archive.website == "https://syrianarchive.org" and "The Syrian Archive" in archive.aliases
    slc = next(org for org in orgs if org.slug == "slc")
    assert slc.acronyms == ("SLC", "SL4C")


# ───────────────────────────── validation messages ─────────────────────────────


def test_unknown_type() -> None:
    text = """\
        sources:
          - id: stj-ar
            url: https://stj-sy.org/ar/feed/
            type: rss
    """
    assert one_problem(text) == (
        "feeds.yaml:4: source 'stj-ar': key 'type': unknown type 'rss' (use feed, wordpress or page)"
    )


def test_duplicate_id_names_both_lines() -> None:
    text = """\
        sources:
          - id: a
            url: https://a.example/
          - id: b
            url: https://b.example/
          - id: a
            url: https://c.example/
    """
    problem = one_problem(text)
    assert problem.startswith("feeds.yaml:6: source 'a': key 'id': duplicate id 'a'")
    assert "first defined at line 2" in problem


def test_missing_id_and_url() -> None:
    text = """\
        sources:
          - id: ok
            url: https://a.example/
          - url: https://b.example/
          - id: no-url
            type: feed
    """
    first, second = problems_of(text)
    assert first.startswith("feeds.yaml:4: source #2: key 'id': missing")
    assert second.startswith("feeds.yaml:5: source 'no-url': key 'url': missing")


@pytest.mark.parametrize(
    "url", ["ftp://a.example/feed", "https://", "not a url", "//a.example/x", "https://a b.example/", "42"]
)
def test_bad_url(url: str) -> None:
    problem = one_problem(f"sources:\n  - id: x\n    url: '{url}'\n")
    assert problem.startswith(f"feeds.yaml:3: source 'x': key 'url': '{url}' is not a valid URL")
    assert "http://" in problem


def test_bad_fallback_url_names_the_entry() -> None:
    text = """\
        sources:
          - id: x
            url: https://a.example/
            fallback_urls: [https://b.example/, "file:///etc/passwd"]
    """
    problem = one_problem(text)
    assert problem.startswith("feeds.yaml:4: source 'x': key 'fallback_urls': entry 2: 'file:///etc/passwd'")


def test_page_without_selectors() -> None:
    text = """\
        sources:
          - id: listing
            url: https://a.example/news
            type: page
    """
    problem = one_problem(text)
    assert problem.startswith("feeds.yaml:2: source 'listing': key 'selectors': type 'page' needs selectors")


@pytest.mark.parametrize(
    ("selectors", "key"),
    [
        ("{link: 'h3 a'}", "selectors.item"),
        ("{item: '.row'}", "selectors.link"),
        ("{title: h3}", "selectors"),
    ],
)
def test_page_selectors_need_item_and_link(selectors: str, key: str) -> None:
    text = f"sources:\n  - id: p\n    url: https://a.example/\n    type: page\n    selectors: {selectors}\n"
    problem = one_problem(text)
    assert problem.startswith(f"feeds.yaml:5: source 'p': key '{key}': missing")


def test_selector_typo_and_unknown_set() -> None:
    text = """\
        sources:
          - {id: p, url: "https://a.example/", type: page, selectors: {item: a, link: a, titel: h2}}
          - {id: q, url: "https://a.example/", type: page, selectors: nosuchset}
    """
    first, second = problems_of(text)
    assert first == "feeds.yaml:2: source 'p': key 'selectors.titel': unknown key; did you mean 'title'?"
    assert second.startswith("feeds.yaml:3: source 'q': key 'selectors': unknown selector set 'nosuchset'")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5x", "bad duration '5x' (use 90s, 30m, 1h, 1d, 1h30m or a number of seconds)"),
        ("5s", "'5s' is too short (minimum 10s"),
        ("3", "3 is too short (minimum 10s"),
        ("1.5h", "bad duration '1.5h'"),
        ("true", "bad duration true"),
    ],
)
def test_bad_interval(value: str, message: str) -> None:
    problem = one_problem(f"sources:\n  - id: s\n    url: https://a.example/\n    interval: {value}\n")
    assert problem.startswith(f"feeds.yaml:4: source 's': key 'interval': {message}")


def test_bad_interval_in_defaults() -> None:
    problem = one_problem("defaults:\n  interval: 9s\nsources:\n  - {id: s, url: 'https://a.example/'}\n")
    assert problem.startswith("feeds.yaml:2: defaults: key 'interval': '9s' is too short")


def test_allow_private_addresses_in_defaults_applies_to_every_source() -> None:
    text = "defaults:\n  allow_private_addresses: true\nsources:\n  - {id: a, url: 'https://a.example/'}\n"
    config = load_config(text)
    assert config.allow_private_addresses and all(s.allow_private_addresses for s in config.sources)
    plain = load_config("sources:\n  - {id: a, url: 'https://a.example/'}\n")
    assert not plain.allow_private_addresses and not plain.sources[0].allow_private_addresses


@pytest.mark.parametrize("value", ["maybe", "1", "'true'", "[true]"])
def test_allow_private_addresses_must_be_a_boolean(value: str) -> None:
    text = f"defaults:\n  interval: 1h\n  allow_private_addresses: {value}\nsources:\n  - {{id: s, url: 'https://a.example/'}}\n"
    problem = one_problem(text)
    assert problem.startswith("feeds.yaml:3: defaults: key 'allow_private_addresses': ")
    assert problem.endswith("is not a boolean (use true or false)")


def test_allow_private_addresses_is_a_defaults_key_only() -> None:
    text = "sources:\n  - id: s\n    url: https://a.example/\n    allow_private_addresses: true\n"
    assert one_problem(text) == (
        "feeds.yaml:4: source 's': key 'allow_private_addresses': set it under defaults: instead "
        "(it applies to every source)"
    )


def test_bad_language() -> None:
    problem = one_problem("sources:\n  - id: s\n    url: https://a.example/\n    language: fr\n")
    assert (
        problem == "feeds.yaml:4: source 's': key 'language': unknown language 'fr' (use ar, en, ku or mixed)"
    )


@pytest.mark.parametrize(
    "key", ["enabled", "statements_only", "announce_first_poll", "follow_full_text_links"]
)
@pytest.mark.parametrize(("value", "shown"), [("maybe", "'maybe'"), ("1", "1"), ("[true]", "[True]")])
def test_non_boolean(key: str, value: str, shown: str) -> None:
    problem = one_problem(f"sources:\n  - id: s\n    url: https://a.example/\n    {key}: {value}\n")
    assert problem == f"feeds.yaml:4: source 's': key '{key}': {shown} is not a boolean (use true or false)"


def test_bad_count() -> None:
    problem = one_problem("sources:\n  - id: s\n    url: https://a.example/\n    max_new_items: 0\n")
    assert problem.startswith("feeds.yaml:4: source 's': key 'max_new_items': 0 is not a count")


def test_typo_of_a_known_key_is_a_problem_unknown_keys_are_not() -> None:
    text = """\
        sources:
          - id: s
            url: https://a.example/
            intervall: 1h
            statement_only: true
            my_private_note: anything
            x-custom: 1
    """
    first, second = problems_of(text)
    assert first == "feeds.yaml:4: source 's': key 'intervall': unknown key; did you mean 'interval'?"
    assert (
        second
        == "feeds.yaml:5: source 's': key 'statement_only': unknown key; did you mean 'statements_only'?"
    )


def test_unknown_top_level_keys_are_fine() -> None:
    text = (
        "version: 1\ncandidates_unverified: [{org: x}]\nextra: 3\nsources:\n  - {id: s, url: 'https://a/'}\n"
    )
    assert [s.id for s in load_sources(text)] == ["s"]


def test_repeated_key_in_one_source() -> None:
    text = "sources:\n  - id: s\n    url: https://a.example/\n    url: https://b.example/\n"
    assert one_problem(text) == "feeds.yaml:4: key 'url' appears twice (first at line 3); keep one"


def test_all_problems_are_collected_in_order() -> None:
    text = """\
        sources:
          - id: a
            url: https://a.example/
            type: rss
          - id: b
            url: nope
            interval: 5
          - id: a
            url: https://c.example/
            language: xx
    """
    found = problems_of(text, "conf/feeds.yaml")
    assert [p.split(": key")[0] for p in found] == [
        "conf/feeds.yaml:4: source 'a'",
        "conf/feeds.yaml:6: source 'b'",
        "conf/feeds.yaml:7: source 'b'",
        "conf/feeds.yaml:8: source 'a'",
        "conf/feeds.yaml:10: source #3",
    ]


def test_problems_of_one_source_come_in_file_order() -> None:
    text = """\
        sources:
          - id: a
            url: https://a/
            type: page
            selectors: {item: "", link: [a]}
            html_fallback: {url: x}
            name: {fr: x}
            aliases: {a: 1}
    """
    found = problems_of(text)
    assert [p.split(": key ")[1].split("'")[1] for p in found] == [
        "selectors.link",
        "html_fallback.url",
        "name",
        "aliases",
    ]
    assert [p.split(":")[1] for p in found] == ["5", "6", "7", "8"]


def test_malformed_yaml_has_line_and_column() -> None:
    text = "sources:\n  - id: a\n    url: [https://a.example/\n  - id: b\n"
    problem = one_problem(text)
    assert problem.startswith("feeds.yaml:4:7: invalid YAML: expected ',' or ']'")


def test_malformed_yaml_tab_indent() -> None:
    problem = one_problem("sources:\n\t- id: a\n")
    assert problem.startswith("feeds.yaml:2:1: invalid YAML:")


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert (
        one_problem(text) == "feeds.yaml: the file is empty; add 'sources:' with one '- id: …' entry per feed"
    )


def test_no_sources_list() -> None:
    assert one_problem("defaults:\n  interval: 1h\n").startswith("feeds.yaml: no 'sources' list;")
    assert "did you mean 'sources'?" in one_problem("source:\n  - id: a\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sources: https://a.example/\n", "feeds.yaml:1: key 'sources': must be a list"),
        ("sources:\n", "feeds.yaml:1: key 'sources': must be a list of '- id: …' entries, not empty"),
        ("- id: a\n", "feeds.yaml:1: the top level must be a mapping with a 'sources' list, not a list"),
        ("sources:\n  - just-a-url\n", "feeds.yaml:2: source #1: must be a mapping"),
        (
            "sources:\n  - id: [a]\n    url: https://a/\n",
            "feeds.yaml:2: source #1: key 'id': a list is not a valid id",
        ),
        (
            "sources:\n  - id: a b\n    url: https://a/\n",
            "feeds.yaml:2: source #1: key 'id': 'a b' is not a valid id",
        ),
        ("version: 2\nsources: []\n", "feeds.yaml:1: key 'version': unsupported version 2"),
    ],
)
def test_structure_problems(text: str, expected: str) -> None:
    assert one_problem(text).startswith(expected)


def test_empty_sources_list_is_allowed() -> None:
    assert load_sources("sources: []\n") == []


def test_read_sources_missing_file_names_path(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "feeds.yaml"
    with pytest.raises(ConfigError) as info:
        read_sources(str(path))
    assert info.value.problems == [f"{path}: sources file not found (set BAYAN_CONFIG or --config)"]


def test_read_sources_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        read_sources(str(tmp_path))  # a directory
    assert info.value.problems[0].startswith(f"{tmp_path}: cannot read the sources file")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"sources: []\n# caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_sources(str(bad))


def test_read_sources_uses_path_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("sources:\n  - id: a\n    url: https://a/\n    type: rss\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_sources(str(path))
    assert info.value.problems[0].startswith(f"{path}:4: source 'a': key 'type': unknown type 'rss'")


def test_format_problems() -> None:
    err = ConfigError(
        ["feeds.yaml:3: source 'a': key 'url': missing", "feeds.yaml:9: source 'b': key 'x': y"]
    )
    assert format_problems(err) == (
        "2 configuration problems:\n"
        "  feeds.yaml:3: source 'a': key 'url': missing\n"
        "  feeds.yaml:9: source 'b': key 'x': y"
    )
    assert format_problems(ConfigError(["only one"])) == "1 configuration problem:\n  only one"


# ───────────────────────────── hostile input ─────────────────────────────

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
sources:
  - id: bomb
    url: https://a.example/
    aliases: *i
"""


def test_alias_bomb_is_refused_quickly() -> None:
    started = time.monotonic()
    problem = one_problem(BOMB)
    assert time.monotonic() - started < 5
    assert problem.startswith("feeds.yaml:")
    assert "too much" in problem


def test_recursive_alias_is_refused() -> None:
    problem = one_problem("sources:\n  - &s\n    id: a\n    url: https://a/\n    aliases: [*s]\n")
    assert "recursive" in problem


def test_python_tags_are_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"""\
        sources:
          - id: evil
            url: https://a.example/
            notes: !!python/object/apply:os.system ["touch {marker}"]
          - id: evil2
            url: !!python/name:os.getcwd
    """
    first, second = problems_of(text)
    assert first.startswith("feeds.yaml:4: tag '!!python/object/apply:os.system' is not allowed")
    assert second.startswith("feeds.yaml:6: tag '!!python/name:os.getcwd' is not allowed")
    assert not marker.exists()


def test_oversized_file_is_refused() -> None:
    problem = one_problem("sources: []\n" + "#" * MAX_TEXT)
    assert problem.startswith("feeds.yaml: file larger than 4 MiB")


def test_custom_tag_is_refused() -> None:
    problem = one_problem("sources:\n  - id: a\n    url: !include other.yaml\n")
    assert problem.startswith("feeds.yaml:3: tag '!include' is not allowed")


def test_deep_nesting_is_refused() -> None:
    text = "sources:\n  - id: a\n    url: https://a/\n    notes: " + "[" * 5000 + "]" * 5000 + "\n"
    assert one_problem(text) == "feeds.yaml: values nested too deeply; simplify the file"


# ───────────────────────────── registry ─────────────────────────────


def test_registry_entries() -> None:
    text = """\
        version: 1
        organisations:
        - id: stj
          ar: سوريون من أجل الحقيقة والعدالة
          en: Syrians for Truth and Justice
          acronyms: [STJ]
          aliases: [Syrians for Truth & Justice]
          website: https://stj-sy.org
          kind: ngo
          evidence: [seed 001]
          confidence: high
        - id: only-ar
          ar: الحياة سلام
          en: null
          acronyms: []
          aliases: []
          website: null
    """
    stj, only_ar = load_registry(dedent(text), "orgs.yaml")
    assert stj.slug == "stj" and stj.acronyms == ("STJ",) and stj.aliases == ("Syrians for Truth & Justice",)
    assert stj.website == "https://stj-sy.org" and stj.kind == "ngo"
    assert only_ar.en is None and only_ar.website is None and only_ar.acronyms == ()


def test_registry_problems() -> None:
    text = """\
        organisations:
        - id: a
          ar: أ
        - id: nameless
          ar: null
          en: ""
        - id: a
          en: A again
        - ar: بلا معرف
    """
    with pytest.raises(ConfigError) as info:
        load_registry(dedent(text), "orgs.yaml")
    nameless, duplicate, no_id = info.value.problems
    assert nameless.startswith("orgs.yaml:4: organisation 'nameless': keys 'ar' and 'en': both empty")
    assert duplicate.startswith("orgs.yaml:7: organisation 'a': key 'id': duplicate id 'a'")
    assert "first defined at line 2" in duplicate
    assert no_id.startswith("orgs.yaml:9: organisation #4: key 'id': missing")


def test_registry_structure_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"orgs.yaml: no 'organisations' list"):
        load_registry("version: 1\n", "orgs.yaml")
    with pytest.raises(ConfigError, match=r"not found"):
        read_registry(str(tmp_path / "missing.yaml"))


def test_prefiltered_sources_get_the_keywords_of_their_language() -> None:
    text = """defaults:
  keyword_prefilter:
    ar: ["بيان", "رسالة مفتوحة"]
    en: ["statement"]
sources:
  - id: news-ar
    url: https://news.example.org/feed
    language: ar
    keyword_prefilter: true
  - id: news-any
    url: https://other.example.org/feed
    keyword_prefilter: true
  - id: plain
    url: https://plain.example.org/feed
"""
    by_id = {s.id: s for s in load_sources(text)}
    assert by_id["news-ar"].keywords == ("بيان", "رسالة مفتوحة")
    assert set(by_id["news-any"].keywords) == {"بيان", "رسالة مفتوحة", "statement"}
    assert by_id["plain"].keywords == ()
    bare = load_sources(
        "sources:\n  - id: n\n    url: https://n.example.org/f\n    keyword_prefilter: true\n"
    )
    assert "statement" in bare[0].keywords and "بيان" in bare[0].keywords


def test_html_fallback_is_carried_by_the_source() -> None:
    text = """sources:
  - id: stj-en
    url: https://stj.example.org/feed/
    html_fallback:
      url: https://stj.example.org/statements/
      selectors: {item: article, link: h2 a, title: h2}
"""
    [src] = load_sources(text)
    assert src.html_fallback is not None
    url, selectors = src.html_fallback
    assert (
        url == "https://stj.example.org/statements/"
        and selectors.item == "article"
        and selectors.link == "h2 a"
    )


# ───────────────────────────── the registry file and its hash (issue 12 item 4) ─────────────────────────────


def test_registry_file_hashes_what_it_read(tmp_path: Path) -> None:
    path = tmp_path / "orgs.yaml"
    path.write_text("organisations:\n  - id: river-voices\n    ar: أصوات النهر\n", encoding="utf-8")
    read = registry_file(str(path))
    assert read.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [o.slug for o in read.orgs()] == ["river-voices"]
    assert registry_file().path == REGISTRY_PATH
