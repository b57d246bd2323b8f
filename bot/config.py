"""Configuration: process settings from the environment, sources from feeds.yaml, the organisation registry.

Owns `load_settings` (the project's only reader of environment variables, handed in as a mapping),
`load_sources`/`read_sources`/`load_config` (feeds.yaml → validated `models.Source`; every problem is
collected and reported as ``file:line: source 'id': key 'k': what is wrong (how to fix it)``),
`load_registry`/`read_registry` (bot/data/orgs.yaml → `models.RegistryOrg`) and `format_problems`.

Must not: read ``os.environ`` itself, fetch URLs, touch the database, or build arbitrary objects from
YAML. YAML is only *composed* with ``SafeLoader`` into a node tree (never ``yaml.load``): tags outside the
core schema are refused and alias expansion is bounded (``MAX_NODES``), so hostile files can neither run
code nor blow up memory.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.models import ConfigError, RegistryOrg, Selectors, Settings, Source, SourceType

T = TypeVar("T")

SOURCE_TYPES: dict[str, SourceType] = {"feed": "feed", "wordpress": "wordpress", "page": "page"}
LANGUAGES = ("ar", "en", "ku", "mixed")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_INTERVAL = 60.0  # seconds; politeness floor for any source
MAX_NODES = 200_000  # YAML values visited with aliases expanded: refuses "billion laughs" documents
MAX_DEPTH = 40  # nesting (also stops recursive aliases)
MAX_TEXT = 4 * 2**20

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(
    _CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
_MERGE_TAG = _CORE + "merge"
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_DURATION_RE = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?", re.I)
_DURATION_HELP = "use 90s, 30m, 1h, 1d, 1h30m or a number of seconds"
_BASE = Source(id="", url="")  # the model's own defaults

_SOURCE_KEYS = (
    *("id", "url", "type", "name", "name_en", "language", "interval", "statements_only", "enabled"),
    *("selectors", "org", "aliases", "role", "homepage", "fallback_urls", "html_fallback", "date_format"),
    *("max_new_items", "max_items_per_fetch", "announce_first_poll", "follow_full_text_links"),
    *("keyword_prefilter", "confidence", "evidence", "notes"),
)
_SELECTOR_KEYS = ("item", "link", "title", "date")


# ───────────────────────────── settings ─────────────────────────────


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from an environment mapping; every bad variable is named in one ConfigError."""
    problems: list[str] = []
    api_url = _env(env, "TELEGRAM_API_URL") or Settings.api_url
    if not _is_http_url(api_url):
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


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not re.search(r"\s", text)


def parse_duration(value: object) -> float:
    """Seconds in '90s', '30m', '1h', '1d', '1h30m' or a bare number of seconds; ValueError otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and value > 0:
            return float(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(?:\.\d+)?", text) and float(text) > 0:
            return float(text)
        match = _DURATION_RE.fullmatch(text)
        if text and match and any(match.groups()):
            d, h, m, s = (int(g or 0) for g in match.groups())
            if d * 86400 + h * 3600 + m * 60 + s > 0:
                return float(d * 86400 + h * 3600 + m * 60 + s)
    raise ValueError(f"bad duration {value!r} ({_DURATION_HELP})")


# ───────────────────────────── YAML nodes with line numbers ─────────────────────────────


class _Stop(Exception):
    """The document cannot be read on (malformed, too large, hostile); the message is one problem line."""


class _Bad(ValueError):
    """A value failed its check; ``key`` names a sub-key for the message (e.g. 'selectors.item')."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


Pairs = dict[str, tuple[Node, Node]]  # key → (key node, value node)


class _Doc:
    """One YAML file being read: its path, the problems found so far and the alias-expansion budget."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[str] = []
        self._left = MAX_NODES
        self._constructor = SafeConstructor()

    def fmt(self, line: int | None, message: str) -> str:
        return f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}"

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(self.fmt(line, message))

    def sorted_problems(self) -> list[str]:
        """Problems without repeats, in file order (stable within a line)."""

        def line(problem: str) -> int:
            digits = re.match(r"\d+", problem[len(self.path) + 1 :])
            return int(digits.group()) if digits else 0

        return sorted(dict.fromkeys(self.problems), key=line)

    def compose(self, text: str) -> Node | None:
        """The node tree of ``text`` (None when empty); malformed or hostile YAML raises _Stop."""
        if len(text) > MAX_TEXT:
            raise _Stop(self.fmt(None, f"file larger than {MAX_TEXT // 2**20} MiB; is this the right file?"))
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            where = f"{self.path}:{mark.line + 1}:{mark.column + 1}" if mark else self.path
            what = err.problem or err.context or "syntax error"
            raise _Stop(f"{where}: invalid YAML: {what} (check indentation, quoting and ':' here)") from err
        except RecursionError:
            raise _Stop(self.fmt(None, "values nested too deeply; simplify the file")) from None
        except yaml.YAMLError as err:
            raise _Stop(self.fmt(None, f"invalid YAML: {err} (check the file's syntax)")) from err
        if root is not None:
            self._check_tags(root)
        return root

    def _check_tags(self, root: Node) -> None:
        """Refuse every tag outside the core schema (e.g. !!python/object); walks each node once."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.tag not in _ALLOWED_TAGS and node.tag != _MERGE_TAG:
                tag = node.tag.replace(_CORE, "!!")
                self.add(
                    line_of(node), f"tag '{tag}' is not allowed (remove it: only plain YAML values are read)"
                )
            if isinstance(node, SequenceNode):
                stack.extend(reversed(node.value))
            elif isinstance(node, MappingNode):
                stack.extend(reversed([n for pair in node.value for n in pair]))
        if self.problems:
            raise _Stop(self.problems.pop())

    def _spend(self, node: Node, depth: int) -> None:
        self._left -= 1
        if self._left < 0 or depth > MAX_DEPTH:
            msg = (
                "values nested or repeated too much (recursive or exploding YAML aliases?); simplify the file"
            )
            raise _Stop(self.fmt(line_of(node), msg))

    def plain(self, node: Node, depth: int = 0) -> Any:
        """The Python value of ``node`` (str, int, float, bool, None, date, list, dict), aliases expanded."""
        self._spend(node, depth)
        if isinstance(node, ScalarNode):
            try:
                return self._constructor.construct_object(node)
            except (ValueError, yaml.YAMLError):  # e.g. an impossible date such as 2024-13-45
                return node.value
        if isinstance(node, SequenceNode):
            return [self.plain(child, depth + 1) for child in node.value]
        return {key: self.plain(value, depth + 1) for key, (_, value) in self.pairs(node, depth).items()}

    def pairs(self, node: Node, depth: int = 0) -> Pairs:
        """Keys of a mapping node with their nodes; merge keys (<<) applied; repeated keys reported."""
        if not isinstance(node, MappingNode):
            raise _Bad(f"must be a mapping (key: value lines), not {_kind(node)}")
        merged: Pairs = {}
        own: Pairs = {}
        for key_node, value_node in node.value:
            self._spend(key_node, depth)
            if key_node.tag == _MERGE_TAG:
                for part in value_node.value if isinstance(value_node, SequenceNode) else [value_node]:
                    merged.update(self.pairs(part, depth + 1))
                continue
            if not isinstance(key_node, ScalarNode):
                raise _Stop(self.fmt(line_of(key_node), "a key must be a plain word, not a list or mapping"))
            key = str(key_node.value)
            if key in own:
                first = line_of(own[key][0])
                self.add(line_of(key_node), f"key '{key}' appears twice (first at line {first}); keep one")
            own[key] = (key_node, value_node)
        return {**merged, **own}


def line_of(node: Node) -> int:
    """1-based line where ``node`` starts."""
    return int(node.start_mark.line) + 1 if node.start_mark is not None else 0


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return "empty" if node.tag == _CORE + "null" else f"'{node.value}'"


def _typo(key: str, known: Iterable[str]) -> str | None:
    """The known key ``key`` is probably a misspelling of, if any."""
    close = difflib.get_close_matches(key.lower(), list(known), n=1, cutoff=0.75)
    return close[0] if close and close[0] != key else None


@dataclass
class _Entry:
    """One mapping being validated (a source, the defaults, an organisation), for messages and lookups."""

    doc: _Doc
    label: str
    line: int
    pairs: Pairs
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def problem(self, line: int, key: str, message: str) -> None:
        self.doc.add(line, f"{self.label}: key '{key}': {message}")

    def get(self, key: str, check: Callable[[Any], T], default: T, alias: str | None = None) -> T:
        """The checked value of ``key`` (or ``alias``), else the defaults' value, else ``default``."""
        name = key if key in self.pairs or alias not in self.pairs else alias
        if name is None or name not in self.pairs:
            return self.defaults.get(key, default)
        key_node, value_node = self.pairs[name]
        try:
            return check(self.doc.plain(value_node))
        except _Bad as bad:
            self.problem(line_of(key_node), bad.key or name, str(bad))
            return default

    def check_typos(self, known: Iterable[str]) -> None:
        known = tuple(known)
        for key, (key_node, _) in self.pairs.items():
            if key not in known and (guess := _typo(key, known)):
                self.problem(line_of(key_node), key, f"unknown key; did you mean '{guess}'?")


# ───────────────────────────── value checks ─────────────────────────────


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"'{value}'" if isinstance(value, str) else ("empty" if value is None else str(value))


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _Bad(f"{_show(value)} is not a boolean (use true or false)")


def _as_type(value: Any) -> SourceType:
    if isinstance(value, str) and value in SOURCE_TYPES:
        return SOURCE_TYPES[value]
    raise _Bad(f"unknown type {_show(value)} (use feed, wordpress or page)")


def _as_language(value: Any) -> str | None:
    if value is None or value in LANGUAGES:
        return value
    raise _Bad(f"unknown language {_show(value)} (use {', '.join(LANGUAGES[:-1])} or {LANGUAGES[-1]})")


def _as_duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except ValueError:
        raise _Bad(f"bad duration {_show(value)} ({_DURATION_HELP})") from None


def _as_interval(value: Any) -> float:
    seconds = _as_duration(value)
    if seconds < MIN_INTERVAL:
        raise _Bad(f"{_show(value)} is too short (minimum 60s; e.g. 30m)")
    return seconds


def _as_count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000:
        return value
    raise _Bad(f"{_show(value)} is not a count (use a whole number from 1 to 10000)")


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(
            f"must be a single text, not {_show(value) if isinstance(value, bool) else 'a list or mapping'}"
        )
    return str(value).strip() or None


def _as_texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or any(isinstance(item, dict | list) for item in items):
        raise _Bad('must be a list of texts, e.g. ["مركز آسو", "ASO"]')
    return tuple(text for item in items if (text := _as_text(item)))


def _as_url(value: Any) -> str:
    if isinstance(value, str) and _is_http_url(value.strip()):
        return value.strip()
    raise _Bad(f"{_show(value)} is not a valid URL (it must start with http:// or https:// and name a host)")


def _as_opt_url(value: Any) -> str | None:
    return None if value is None else _as_url(value)


def _as_urls(value: Any) -> tuple[str, ...]:
    urls = _as_texts(value)
    for number, url in enumerate(urls, 1):
        if not _is_http_url(url):
            raise _Bad(
                f"entry {number}: {_show(url)} is not a valid URL (use http:// or https:// and a host)"
            )
    return urls


def _as_name(value: Any) -> tuple[str | None, str | None]:
    """(display name, English name) from a text or an {ar, en} mapping."""
    if not isinstance(value, dict):
        name = _as_text(value)
        return name, None
    if "ar" not in value and "en" not in value:
        raise _Bad("a name mapping needs 'ar' and/or 'en', e.g. {ar: \"…\", en: \"…\"}")
    ar, en = _as_text(value.get("ar")), _as_text(value.get("en"))
    return ar or en, en


def _as_selectors(value: Any, sets: Mapping[str, Any]) -> Selectors | None:
    if isinstance(value, str):
        if value not in sets:
            raise _Bad(
                f"unknown selector set '{value}' (define it under selector_sets, or give item and link)"
            )
        value = sets[value]
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Bad("must be a mapping with item, link, title and date CSS selectors")
    for key in value:
        if key not in _SELECTOR_KEYS and (guess := _typo(str(key), _SELECTOR_KEYS)):
            raise _Bad(f"unknown key; did you mean '{guess}'?", key=f"selectors.{key}")
    found: dict[str, str | None] = {}
    for key in _SELECTOR_KEYS:
        try:
            found[key] = _as_text(value.get(key))
        except _Bad:
            raise _Bad("must be one CSS selector text", key=f"selectors.{key}") from None
    missing = [key for key in ("item", "link") if not found[key]]
    if missing:
        help_ = "add the CSS selector of one listing entry (item) and of the link inside it (link)"
        what = " and ".join(f"'{key}'" for key in missing)
        raise _Bad(f"missing {what} ({help_})", key=f"selectors.{missing[0]}" if len(missing) == 1 else None)
    return Selectors(
        item=str(found["item"]), link=str(found["link"]), title=found["title"], date=found["date"]
    )


def _as_html_fallback(value: Any, sets: Mapping[str, Any]) -> tuple[str, Selectors] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Bad("must be a mapping with url and selectors")
    try:
        url = _as_url(value.get("url"))
        selectors = _as_selectors(value.get("selectors"), sets)
    except _Bad as bad:
        raise _Bad(
            str(bad), key=f"html_fallback.{bad.key or ('selectors' if 'url' in str(bad) else 'url')}"
        ) from None
    if selectors is None:
        raise _Bad("missing (add item and link CSS selectors of the listing)", key="html_fallback.selectors")
    return url, selectors


_FAILED: Any = object()  # marks a default that did not pass its check

# Per-source settings that `defaults:` may also set, with their checks.
_FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "type": _as_type,
    "language": _as_language,
    "interval": _as_interval,
    "statements_only": _as_bool,
    "enabled": _as_bool,
    "announce_first_poll": _as_bool,
    "follow_full_text_links": _as_bool,
    "max_new_items": _as_count,
    "date_format": _as_text,
}
_DEFAULT_KEYS = (
    *_FIELD_CHECKS,
    *(
        "max_items_per_fetch",
        "keyword_prefilter",
        "timeout",
        "user_agent",
        "respect_robots_txt",
        "conditional_get",
    ),
)


# ───────────────────────────── feeds.yaml ─────────────────────────────


@dataclass(frozen=True)
class FeedsConfig:
    """All of feeds.yaml: the sources, plus fetch-wide defaults that are not fields of Source."""

    sources: tuple[Source, ...]
    user_agent: str | None = None
    timeout: float | None = None  # seconds
    keywords: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # defaults.keyword_prefilter, by language
    html_fallbacks: Mapping[str, tuple[str, Selectors]] = field(
        default_factory=dict
    )  # source id → (url, selectors)


def load_sources(text: str, path: str = "feeds.yaml") -> list[Source]:
    """The validated sources of a feeds.yaml text; raises ConfigError listing every problem found."""
    return list(load_config(text, path).sources)


def read_sources(path: str) -> list[Source]:
    """load_sources on the file at ``path`` (a missing or unreadable file is a ConfigError naming it)."""
    return load_sources(_read_text(path, "sources file", "set BAYAN_CONFIG or --config"), path)


def load_config(text: str, path: str = "feeds.yaml") -> FeedsConfig:
    """Like load_sources, keeping the fetch-wide defaults, keyword lists and html fallbacks as well."""
    doc = _Doc(path)
    config: FeedsConfig | None = None
    try:
        config = _read_config(doc, text)
    except _Stop as stop:
        doc.problems.append(str(stop))
    if doc.problems or config is None:
        raise ConfigError(doc.sorted_problems() or [doc.fmt(None, "no sources read")])
    return config


def _read_config(doc: _Doc, text: str) -> FeedsConfig | None:
    found = _top_list(
        doc, doc.compose(text), ("sources",), "add 'sources:' with one '- id: …' entry per feed"
    )
    if found is None:
        return None
    top, entries = found
    if "version" in top and (version := doc.plain(top["version"][1])) != 1:
        doc.add(line_of(top["version"][0]), f"key 'version': unsupported version {_show(version)} (use 1)")
    defaults, keywords = _read_defaults(doc, top.get("defaults"))
    sets = _read_selector_sets(doc, top.get("selector_sets"))
    seen: dict[str, int] = {}
    sources: list[Source] = []
    fallbacks: dict[str, tuple[str, Selectors]] = {}
    for index, node in enumerate(entries.value, 1):
        source, fallback = _read_source(doc, node, index, (defaults, sets, seen))
        if source is not None:
            sources.append(source)
            if fallback is not None:
                fallbacks[source.id] = fallback
    timeout, agent = defaults.get("timeout"), defaults.get("user_agent")
    return FeedsConfig(tuple(sources), agent, timeout, keywords, fallbacks)


def _top_list(
    doc: _Doc, root: Node | None, keys: tuple[str, ...], hint: str
) -> tuple[Pairs, SequenceNode] | None:
    """The top-level mapping and its list under ``keys[0]`` (or a synonym); problems otherwise."""
    if root is None:
        doc.add(None, f"the file is empty; {hint}")
        return None
    if not isinstance(root, MappingNode):
        doc.add(line_of(root), f"the top level must be a mapping with a '{keys[0]}' list, not {_kind(root)}")
        return None
    top = doc.pairs(root)
    key = next((k for k in keys if k in top), None)
    if key is None:
        guess = next((k for k in top if _typo(k, keys)), None)
        found = f" (found '{guess}': did you mean '{keys[0]}'?)" if guess else ""
        doc.add(None, f"no '{keys[0]}' list{found}; {hint}")
        return None
    key_node, entries = top[key]
    if not isinstance(entries, SequenceNode):
        doc.add(line_of(key_node), f"key '{key}': must be a list of '- id: …' entries, not {_kind(entries)}")
        return None
    return top, entries


def _read_defaults(
    doc: _Doc, item: tuple[Node, Node] | None
) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
    """Validated `defaults:` values by Source field name (plus timeout, user_agent) and the keyword lists."""
    if item is None or item[1].tag == _CORE + "null":
        return {}, {}
    try:
        entry = _Entry(doc, "defaults", line_of(item[1]), doc.pairs(item[1]))
    except _Bad as bad:
        doc.add(line_of(item[0]), f"key 'defaults': {bad}")
        return {}, {}
    entry.check_typos(_DEFAULT_KEYS)
    values: dict[str, Any] = {}
    for key, check in _FIELD_CHECKS.items():
        values[key] = entry.get(
            key, check, _FAILED, alias="max_items_per_fetch" if key == "max_new_items" else None
        )
    values["timeout"] = entry.get("timeout", _as_duration, _FAILED)
    values["user_agent"] = entry.get("user_agent", _as_text, _FAILED)
    prefilter = entry.get("keyword_prefilter", _as_prefilter, _FAILED)
    if isinstance(prefilter, bool):
        values["keyword_prefilter"] = prefilter
    keywords = prefilter if isinstance(prefilter, dict) else {}
    return {key: value for key, value in values.items() if value is not _FAILED}, keywords


def _as_prefilter(value: Any) -> bool | dict[str, tuple[str, ...]]:
    """defaults.keyword_prefilter: a boolean, or keyword lists by language ({ar: [...], en: [...]})."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, dict):
        raise _Bad("must be true/false or keyword lists by language, e.g. {ar: [بيان], en: [statement]}")
    return {str(language): _as_texts(words) for language, words in value.items()}


def _read_selector_sets(doc: _Doc, item: tuple[Node, Node] | None) -> dict[str, Any]:
    if item is None or item[1].tag == _CORE + "null":
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
    doc: _Doc, node: Node, index: int, shared: _Shared
) -> tuple[Source | None, tuple[str, Selectors] | None]:
    """One entry of `sources:` → Source (None when it has problems, which are recorded)."""
    defaults, sets, seen = shared
    try:
        pairs = doc.pairs(node)
    except _Bad as bad:
        doc.add(line_of(node), f"source #{index}: {bad} (each source needs at least id and url)")
        return None, None
    sid = _entry_id(doc, pairs, line_of(node), seen, f"source #{index}")
    entry = _Entry(doc, f"source '{sid}'" if sid else f"source #{index}", line_of(node), pairs, defaults)
    entry.check_typos(_SOURCE_KEYS)
    source = _build_source(entry, sid or "", sets)
    fallback = entry.get("html_fallback", lambda value: _as_html_fallback(value, sets), None)
    return (source if sid else None), fallback


def _entry_id(doc: _Doc, pairs: Pairs, line: int, seen: dict[str, int], label: str) -> str | None:
    """The entry's id, checked for shape and uniqueness (``seen`` maps ids to their entry line)."""
    if "id" not in pairs or pairs["id"][1].tag == _CORE + "null":
        doc.add(line, f"{label}: key 'id': missing (add a unique, permanent id such as 'stj-ar')")
        return None
    key_node, value_node = pairs["id"]
    raw = value_node.value if isinstance(value_node, ScalarNode) else None
    if not isinstance(raw, str) or not _ID_RE.fullmatch(raw):
        shown = f"'{raw}'" if isinstance(raw, str) else _kind(value_node)
        help_ = "use up to 64 letters, digits, '-', '_' or '.', e.g. 'stj-ar'"
        doc.add(line_of(key_node), f"{label}: key 'id': {shown} is not a valid id ({help_})")
        return None
    if raw in seen:
        msg = f"duplicate id '{raw}' (first defined at line {seen[raw]}); give each entry its own id"
        doc.add(line_of(key_node), f"{label.split(' #')[0]} '{raw}': key 'id': {msg}")
        return None
    seen[raw] = line
    return raw


def _build_source(entry: _Entry, sid: str, sets: Mapping[str, Any]) -> Source | None:
    if "url" not in entry.pairs:
        entry.problem(entry.line, "url", "missing (add the feed or listing URL, starting with https://)")
    url = entry.get("url", _as_url, "")
    stype = entry.get("type", _as_type, _BASE.type)
    no_name: tuple[str | None, str | None] = (None, None)
    name, name_en = entry.get("name", _as_name, no_name)
    before = len(entry.doc.problems)
    selectors = entry.get("selectors", lambda value: _as_selectors(value, sets), None)
    if stype == "page" and selectors is None and len(entry.doc.problems) == before:
        help_ = "add selectors: with item and link CSS selectors, e.g. item: '.views-row', link: 'h3 a'"
        entry.problem(entry.line, "selectors", f"type 'page' needs selectors ({help_})")
    entry.get("homepage", _as_opt_url, None)
    get = entry.get
    source = Source(
        id=sid,
        url=url,
        type=stype,
        name=name,
        name_en=get("name_en", _as_text, name_en),
        language=get("language", _as_language, _BASE.language),
        interval=get("interval", _as_interval, _BASE.interval),
        statements_only=get("statements_only", _as_bool, _BASE.statements_only),
        enabled=get("enabled", _as_bool, _BASE.enabled),
        selectors=selectors,
        fallback_urls=get("fallback_urls", _as_urls, ()),
        aliases=get("aliases", _as_texts, ()),
        org=get("org", _as_text, None),
        announce_first_poll=get("announce_first_poll", _as_bool, _BASE.announce_first_poll),
        max_new_items=get("max_new_items", _as_count, _BASE.max_new_items, alias="max_items_per_fetch"),
        date_format=get("date_format", _as_text, None),
        follow_full_text_links=get("follow_full_text_links", _as_bool, _BASE.follow_full_text_links),
        keyword_prefilter=get("keyword_prefilter", _as_bool, _BASE.keyword_prefilter),
        line=entry.line,
    )
    return source if url else None


# ───────────────────────────── organisation registry ─────────────────────────────


def load_registry(text: str, path: str) -> list[RegistryOrg]:
    """The organisations of a registry text (bot/data/orgs.yaml format); ConfigError lists every problem."""
    doc = _Doc(path)
    orgs: list[RegistryOrg] = []
    try:
        hint = "add 'organisations:' with one '- id: …' entry per organisation"
        found = _top_list(doc, doc.compose(text), ("organisations", "organizations"), hint)
        seen: dict[str, int] = {}
        for index, node in enumerate(found[1].value if found else [], 1):
            org = _read_org(doc, node, index, seen)
            if org is not None:
                orgs.append(org)
    except _Stop as stop:
        doc.problems.append(str(stop))
    if doc.problems:
        raise ConfigError(doc.sorted_problems())
    return orgs


def read_registry(path: str | None = None) -> list[RegistryOrg]:
    """load_registry on ``path``, by default the registry shipped with the package (bot/data/orgs.yaml)."""
    path = path or str(Path(__file__).resolve().parent / "data" / "orgs.yaml")
    return load_registry(_read_text(path, "organisation registry", "check the path"), path)


def _read_org(doc: _Doc, node: Node, index: int, seen: dict[str, int]) -> RegistryOrg | None:
    try:
        pairs = doc.pairs(node)
    except _Bad as bad:
        doc.add(line_of(node), f"organisation #{index}: {bad}")
        return None
    oid = _entry_id(doc, pairs, line_of(node), seen, f"organisation #{index}")
    entry = _Entry(doc, f"organisation '{oid}'" if oid else f"organisation #{index}", line_of(node), pairs)
    before = len(doc.problems)
    ar, en = entry.get("ar", _as_text, None), entry.get("en", _as_text, None)
    if ar is None and en is None and len(doc.problems) == before:
        doc.add(
            entry.line, f"{entry.label}: keys 'ar' and 'en': both empty (give the Arabic or the English name)"
        )
    org = RegistryOrg(
        slug=oid or "",
        ar=ar,
        en=en,
        acronyms=entry.get("acronyms", _as_texts, ()),
        aliases=entry.get("aliases", _as_texts, ()),
        website=entry.get("website", _as_opt_url, None),
        kind=entry.get("kind", _as_text, None),
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
