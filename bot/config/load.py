"""Configuration: process settings from the environment, sources from feeds.yaml, the organisation registry.

Owns `load_settings` (the project's only reader of environment variables, handed in as a mapping),
`load_sources`/`read_sources`/`load_config` (feeds.yaml → validated `models.Source`; every problem is
collected and reported as ``file:line: source 'id': key 'k': what is wrong (how to fix it)``),
`load_registry`/`read_registry`/`registry_file` (bot/data/orgs.yaml → `models.RegistryOrg`; the file read with
its SHA-256, parsed only when asked) and `format_problems`.
The YAML layer (safe composition, line numbers, the alias budget) is `bot.config.yaml_nodes`; the checks
of single values (`parse_duration`, the `as_*` functions) are `bot.config.checks`. The public names
callers use (`read_sources`, `parse_duration`, `MAX_TEXT`, …) are re-exported by `bot.config`.

Must not: read ``os.environ`` itself, fetch URLs, touch the database, import yaml (only `yaml_nodes`
does), or build arbitrary objects from YAML.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.config.checks import (
    DEFAULT_KEYS,
    FAILED,
    FIELD_CHECKS,
    LANGUAGES,
    MIN_INTERVAL,
    REVIEW_KEYS,
    SOURCE_TYPES,
    as_bool,
    as_count,
    as_delay,
    as_duration,
    as_html_fallback,
    as_interval,
    as_language,
    as_name,
    as_opt_url,
    as_page_start,
    as_page_url,
    as_per_host,
    as_prefilter,
    as_selectors,
    as_text,
    as_texts,
    as_threshold,
    as_type,
    as_url,
    as_urls,
    is_http_url,
    parse_duration,
    show,
)
from bot.config.yaml_nodes import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_TEXT,
    Bad,
    Doc,
    Entry,
    Node,
    Pairs,
    Stop,
    is_null,
    line_of,
    open_entry,
    top_list,
    typo,
)
from bot.models import ConfigError, RegistryOrg, ReviewPolicy, Selectors, Settings, Source

__all__ = [
    "LANGUAGES",
    "LOG_LEVELS",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT",
    "MIN_INTERVAL",
    "REGISTRY_PATH",
    "SOURCE_TYPES",
    "FeedsConfig",
    "Pairs",
    "RegistryFile",
    "format_problems",
    "line_of",
    "load_config",
    "load_registry",
    "load_settings",
    "load_sources",
    "parse_duration",
    "read_registry",
    "read_sources",
    "registry_file",
]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_BASE = Source(id="", url="")  # the model's own defaults

_SOURCE_KEYS = (
    *("id", "url", "type", "name", "name_en", "language", "interval", "statements_only", "enabled"),
    *("selectors", "org", "aliases", "role", "homepage", "fallback_urls", "html_fallback", "date_format"),
    *("max_new_items", "max_items_per_fetch", "announce_first_poll", "follow_full_text_links"),
    *("keyword_prefilter", "confidence", "evidence", "notes", "review", "page_url", "page_start", "sitemap"),
)


# ───────────────────────────── settings ─────────────────────────────


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from an environment mapping; every bad variable is named in one ConfigError."""
    problems: list[str] = []
    api_url = _env(env, "TELEGRAM_API_URL") or Settings.api_url
    if not is_http_url(api_url):
        problems.append(
            f"TELEGRAM_API_URL: {api_url!r} is not an http(s) URL (unset it to use {Settings.api_url})"
        )
    admins = _parse_admins(_env(env, "BAYAN_ADMINS") or "", problems)
    level = (_env(env, "BAYAN_LOG_LEVEL") or "INFO").upper()
    level = "WARNING" if level == "WARN" else level
    if level not in LOG_LEVELS:
        problems.append(f"BAYAN_LOG_LEVEL: unknown level {level!r} (use {', '.join(LOG_LEVELS)})")
    if problems:
        raise ConfigError(problems)
    return Settings(
        token=_env(env, "TELEGRAM_BOT_TOKEN"),
        api_url=api_url,
        db_path=_env(env, "BAYAN_DB") or Settings.db_path,
        config_path=_env(env, "BAYAN_CONFIG") or Settings.config_path,
        admins=admins,
        log_level=level,
    )


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _parse_admins(text: str, problems: list[str]) -> frozenset[int]:
    admins: set[int] = set()
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        if part.isascii() and part.isdigit() and int(part) > 0:
            admins.add(int(part))
        else:
            problems.append(
                f"BAYAN_ADMINS: {part!r} is not a Telegram user id "
                "(use positive integers separated by commas, e.g. BAYAN_ADMINS=12345,67890)"
            )
    return frozenset(admins)


# ───────────────────────────── feeds.yaml ─────────────────────────────


@dataclass(frozen=True)
class FeedsConfig:
    """All of feeds.yaml: the sources, plus fetch-wide defaults that are not fields of Source."""

    sources: tuple[Source, ...]
    user_agent: str | None = None
    timeout: float | None = None  # seconds
    # defaults.keyword_prefilter, by language
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    allow_private_addresses: bool = False  # links may go to private addresses (intranet deployment)
    review: ReviewPolicy = field(default_factory=ReviewPolicy)  # defaults.review
    per_host: int | None = None  # connections to one host at a time (None: the fetcher's default, 4)
    backfill_delay: float = 1.0  # seconds between two pages of one source's history (bayan backfill)


def load_sources(text: str, path: str = "feeds.yaml") -> list[Source]:
    """The validated sources of a feeds.yaml text; raises ConfigError listing every problem found."""
    return list(load_config(text, path).sources)


def read_sources(path: str) -> list[Source]:
    """load_sources on the file at ``path`` (a missing or unreadable file is a ConfigError naming it)."""
    return list(read_config(path).sources)


def read_config(path: str) -> FeedsConfig:
    """load_config on the file at ``path`` (a missing or unreadable file is a ConfigError naming it)."""
    return load_config(_read_text(path, "sources file", "set BAYAN_CONFIG or --config"), path)


def load_config(text: str, path: str = "feeds.yaml") -> FeedsConfig:
    """Like load_sources, keeping the fetch-wide defaults, keyword lists and html fallbacks as well."""
    doc = Doc(path)
    config: FeedsConfig | None = None
    try:
        config = _read_config(doc, text)
    except Stop as stop:
        doc.problems.append(str(stop))
    if doc.problems or config is None:
        raise ConfigError(doc.sorted_problems() or [doc.fmt(None, "no sources read")])
    return config


def _read_config(doc: Doc, text: str) -> FeedsConfig | None:
    found = top_list(doc, doc.compose(text), ("sources",), "add 'sources:' with one '- id: …' entry per feed")
    if found is None:
        return None
    top, entries = found
    if "version" in top and (version := doc.plain(top["version"][1])) != 1:
        doc.add(line_of(top["version"][0]), f"key 'version': unsupported version {show(version)} (use 1)")
    defaults, keywords = _read_defaults(doc, top.get("defaults"))
    sets = _read_selector_sets(doc, top.get("selector_sets"))
    seen: dict[str, int] = {}
    sources: list[Source] = []
    for index, node in enumerate(entries.value, 1):
        source, fallback = _read_source(doc, node, index, (defaults, sets, seen))
        if source is not None:
            sources.append(replace(source, html_fallback=fallback))
    timeout, agent = defaults.get("timeout"), defaults.get("user_agent")
    allow_private = defaults.get("allow_private_addresses", False)
    review = _read_review(doc, top.get("defaults"))
    sources = [
        replace(_with_keywords(s, keywords), allow_private_addresses=allow_private, review=review)
        for s in sources
    ]
    return FeedsConfig(
        tuple(sources),
        agent,
        timeout,
        keywords,
        allow_private,
        review,
        defaults.get("per_host"),
        defaults.get("backfill_delay", FeedsConfig.backfill_delay),
    )


def _read_review(doc: Doc, item: tuple[Node, Node] | None) -> ReviewPolicy:
    """``defaults.review: {threshold, hold, hold_max}`` (every key optional; each problem one line)."""
    base = ReviewPolicy()
    if item is None or is_null(item[1]):
        return base
    try:
        found = doc.pairs(item[1]).get("review")
    except Bad:
        return base  # reported by _read_defaults
    if found is None or is_null(found[1]):
        return base
    try:
        entry = Entry(doc, "defaults", line_of(found[1]), doc.pairs(found[1]))
    except Bad:
        doc.add(
            line_of(found[0]),
            "defaults: key 'review': must be a mapping "
            "(e.g. review: {threshold: 0.7, hold: true, hold_max: 6h})",
        )
        return base
    entry.label = "defaults: review"
    entry.check_typos(REVIEW_KEYS)
    for key, (key_node, _) in entry.pairs.items():
        if key not in REVIEW_KEYS and typo(key, REVIEW_KEYS) is None:
            entry.problem(line_of(key_node), key, f"unknown key (use {', '.join(REVIEW_KEYS)})")
    return ReviewPolicy(
        threshold=entry.get("threshold", as_threshold, base.threshold),
        hold=entry.get("hold", as_bool, base.hold),
        hold_max=entry.get("hold_max", as_duration, base.hold_max),
    )


# statement words of news titles, for sources with keyword_prefilter and no lists in defaults
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "ar": ("بيان", "رسالة مفتوحة", "رسالة مشتركة", "نداء", "موقف مشترك", "الموقعة", "الموقعون", "انسحاب"),
    "en": ("statement", "open letter", "joint letter", "press release", "appeal", "signator", "undersigned"),
}


def _with_keywords(source: Source, keywords: Mapping[str, tuple[str, ...]]) -> Source:
    """A prefiltered source gets the keyword lists of its language (all languages when it has none)."""
    if not source.keyword_prefilter:
        return source
    lists = dict(keywords) or DEFAULT_KEYWORDS
    chosen = lists.get(source.language or "") or tuple(w for words in lists.values() for w in words)
    return replace(source, keywords=chosen)


def _read_defaults(
    doc: Doc, item: tuple[Node, Node] | None
) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
    """Validated `defaults:` values by Source field name (plus timeout, user_agent, allow_private_addresses,
    per_host) and the keyword lists."""
    if item is None or is_null(item[1]):
        return {}, {}
    try:
        entry = Entry(doc, "defaults", line_of(item[1]), doc.pairs(item[1]))
    except Bad as bad:
        doc.add(line_of(item[0]), f"key 'defaults': {bad}")
        return {}, {}
    entry.check_typos(DEFAULT_KEYS)
    values: dict[str, Any] = {}
    for key, check in FIELD_CHECKS.items():
        values[key] = entry.get(
            key, check, FAILED, alias="max_items_per_fetch" if key == "max_new_items" else None
        )
    values["timeout"] = entry.get("timeout", as_duration, FAILED)
    values["user_agent"] = entry.get("user_agent", as_text, FAILED)
    values["allow_private_addresses"] = entry.get("allow_private_addresses", as_bool, FAILED)
    values["per_host"] = entry.get("per_host", as_per_host, FAILED)
    values["backfill_delay"] = entry.get("backfill_delay", as_delay, FAILED)
    prefilter = entry.get("keyword_prefilter", as_prefilter, FAILED)
    if isinstance(prefilter, bool):
        values["keyword_prefilter"] = prefilter
    keywords = prefilter if isinstance(prefilter, dict) else {}
    return {key: value for key, value in values.items() if value is not FAILED}, keywords


def _read_selector_sets(doc: Doc, item: tuple[Node, Node] | None) -> dict[str, Any]:
    if item is None or is_null(item[1]):
        return {}
    sets = doc.plain(item[1])
    if not isinstance(sets, dict):
        doc.add(
            line_of(item[0]), "key 'selector_sets': must be a mapping of name → {item, link, title, date}"
        )
        return {}
    return sets


_Shared = tuple[dict[str, Any], dict[str, Any], dict[str, int]]  # defaults, selector sets, ids seen → line


def _read_source(
    doc: Doc, node: Node, index: int, shared: _Shared
) -> tuple[Source | None, tuple[str, Selectors] | None]:
    """One entry of `sources:` → Source (None when it has problems, which are recorded)."""
    defaults, sets, seen = shared
    hint = " (each source needs at least id and url)"
    opened = open_entry(doc, node, (index, "source"), seen, defaults, hint)
    if opened is None:
        return None, None
    entry, sid = opened
    entry.check_typos(_SOURCE_KEYS)
    for key in ("allow_private_addresses", "review", "per_host", "backfill_delay"):  # one rule for all
        if key in entry.pairs:
            line = line_of(entry.pairs[key][0])
            entry.problem(line, key, "set it under defaults: instead (it applies to every source)")
    source = _build_source(entry, sid or "", sets)
    fallback = entry.get("html_fallback", lambda value: as_html_fallback(value, sets), None)
    return (source if sid else None), fallback


def _build_source(entry: Entry, sid: str, sets: Mapping[str, Any]) -> Source | None:
    if "url" not in entry.pairs:
        entry.problem(entry.line, "url", "missing (add the feed or listing URL, starting with https://)")
    url = entry.get("url", as_url, "")
    stype = entry.get("type", as_type, _BASE.type)
    no_name: tuple[str | None, str | None] = (None, None)
    name, name_en = entry.get("name", as_name, no_name)
    before = len(entry.doc.problems)
    selectors = entry.get("selectors", lambda value: as_selectors(value, sets), None)
    if stype == "page" and selectors is None and len(entry.doc.problems) == before:
        help_ = "add selectors: with item and link CSS selectors, e.g. item: '.views-row', link: 'h3 a'"
        entry.problem(entry.line, "selectors", f"type 'page' needs selectors ({help_})")
    get = entry.get
    source = Source(
        id=sid,
        url=url,
        type=stype,
        name=name,
        name_en=get("name_en", as_text, name_en),
        language=get("language", as_language, _BASE.language),
        interval=get("interval", as_interval, _BASE.interval),
        statements_only=get("statements_only", as_bool, _BASE.statements_only),
        enabled=get("enabled", as_bool, _BASE.enabled),
        selectors=selectors,
        fallback_urls=get("fallback_urls", as_urls, ()),
        aliases=get("aliases", as_texts, ()),
        org=get("org", as_text, None),
        homepage=get("homepage", as_opt_url, None),
        announce_first_poll=get("announce_first_poll", as_bool, _BASE.announce_first_poll),
        max_new_items=get("max_new_items", as_count, _BASE.max_new_items, alias="max_items_per_fetch"),
        date_format=get("date_format", as_text, None),
        follow_full_text_links=get("follow_full_text_links", as_bool, _BASE.follow_full_text_links),
        keyword_prefilter=get("keyword_prefilter", as_bool, _BASE.keyword_prefilter),
        page_url=get("page_url", as_page_url, None),
        page_start=get("page_start", as_page_start, _BASE.page_start),
        sitemap=get("sitemap", as_opt_url, None),
        line=entry.line,
    )
    return source if url else None


# ───────────────────────────── organisation registry ─────────────────────────────


REGISTRY_PATH = str(Path(__file__).resolve().parents[1] / "data" / "orgs.yaml")  # the shipped registry


@dataclass(frozen=True, slots=True)
class RegistryFile:
    """A registry file read but not parsed: its path, text and SHA-256 (a start that finds the hash it
    seeded from last time has nothing to parse or re-seed: `storage.seed_registry_if_changed`)."""

    path: str
    text: str
    sha256: str

    def orgs(self) -> list[RegistryOrg]:
        """The organisations of the file (parsed now); ConfigError lists every problem."""
        return load_registry(self.text, self.path)


def load_registry(text: str, path: str) -> list[RegistryOrg]:
    """The organisations of a registry text (bot/data/orgs.yaml format); ConfigError lists every problem."""
    doc = Doc(path)
    orgs: list[RegistryOrg] = []
    try:
        hint = "add 'organisations:' with one '- id: …' entry per organisation"
        found = top_list(doc, doc.compose(text), ("organisations", "organizations"), hint)
        seen: dict[str, int] = {}
        for index, node in enumerate(found[1].value if found else [], 1):
            org = _read_org(doc, node, index, seen)
            if org is not None:
                orgs.append(org)
    except Stop as stop:
        doc.problems.append(str(stop))
    if doc.problems:
        raise ConfigError(doc.sorted_problems())
    return orgs


def registry_file(path: str | None = None) -> RegistryFile:
    """The registry at ``path``, by default the one shipped with the package (bot/data/orgs.yaml)."""
    path = path or REGISTRY_PATH
    text = _read_text(path, "organisation registry", "check the path")
    return RegistryFile(path, text, hashlib.sha256(text.encode("utf-8")).hexdigest())


def read_registry(path: str | None = None) -> list[RegistryOrg]:
    """load_registry on ``path``, by default the registry shipped with the package (bot/data/orgs.yaml)."""
    return registry_file(path).orgs()


def _read_org(doc: Doc, node: Node, index: int, seen: dict[str, int]) -> RegistryOrg | None:
    opened = open_entry(doc, node, (index, "organisation"), seen)
    if opened is None:
        return None
    entry, oid = opened
    before = len(doc.problems)
    ar, en = entry.get("ar", as_text, None), entry.get("en", as_text, None)
    if ar is None and en is None and len(doc.problems) == before:
        doc.add(
            entry.line, f"{entry.label}: keys 'ar' and 'en': both empty (give the Arabic or the English name)"
        )
    org = RegistryOrg(
        slug=oid or "",
        ar=ar,
        en=en,
        acronyms=entry.get("acronyms", as_texts, ()),
        aliases=entry.get("aliases", as_texts, ()),
        website=entry.get("website", as_opt_url, None),
        kind=entry.get("kind", as_text, None),
    )
    return org if oid and (ar or en) else None


# ───────────────────────────── files and messages ─────────────────────────────


def _read_text(path: str, what: str, hint: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([f"{path}: {what} not found ({hint})"]) from None
    except UnicodeDecodeError as err:
        raise ConfigError(
            [f"{path}: {what} is not UTF-8 text (byte {err.start}); save it as UTF-8"]
        ) from None
    except OSError as err:
        raise ConfigError([f"{path}: cannot read the {what}: {err.strerror or err} ({hint})"]) from None


def format_problems(err: ConfigError) -> str:
    """A human-readable block: a count line, then one indented line per problem."""
    problems = err.problems or [str(err)]
    head = "1 configuration problem:" if len(problems) == 1 else f"{len(problems)} configuration problems:"
    return "\n".join([head, *(f"  {problem}" for problem in problems)])
