"""Value checks of the configuration files: one plain YAML value in, one checked field value out.

Owns `parse_duration`, `is_http_url`, the `as_*` checks (each returns the field's value or raises
`yaml_nodes.Bad` with a message that says how to fix it), the tables of per-source settings that
``defaults:`` may set (`FIELD_CHECKS`, `DEFAULT_KEYS`) and the vocabularies (`SOURCE_TYPES`, `LANGUAGES`,
`MIN_INTERVAL`).

Must not: read files or the environment, see YAML nodes or line numbers (that is `yaml_nodes`), or collect
problems (that is `bot.config.load`). Imports only bot.models, bot.config.yaml_nodes and the stdlib.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.config.yaml_nodes import Bad, typo
from bot.models import Selectors, SourceType

SOURCE_TYPES: dict[str, SourceType] = {"feed": "feed", "wordpress": "wordpress", "page": "page"}
LANGUAGES = ("ar", "en", "ku", "mixed")
MIN_INTERVAL = 10.0  # seconds; a floor against typos (real sources want minutes or hours)

_DURATION_RE = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?", re.I)
_DURATION_HELP = "use 90s, 30m, 1h, 1d, 1h30m or a number of seconds"
_SELECTOR_KEYS = ("item", "link", "title", "date", "next")


def is_http_url(text: str) -> bool:
    """An absolute http(s) URL with a host and no whitespace."""
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


def show(value: Any) -> str:
    """A plain YAML value as it reads in a message: 'text', true, 12, empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"'{value}'" if isinstance(value, str) else ("empty" if value is None else str(value))


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Bad(f"{show(value)} is not a boolean (use true or false)")


def as_type(value: Any) -> SourceType:
    if isinstance(value, str) and value in SOURCE_TYPES:
        return SOURCE_TYPES[value]
    raise Bad(f"unknown type {show(value)} (use feed, wordpress or page)")


def as_language(value: Any) -> str | None:
    if value is None or value in LANGUAGES:
        return value
    raise Bad(f"unknown language {show(value)} (use {', '.join(LANGUAGES[:-1])} or {LANGUAGES[-1]})")


def as_duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except ValueError:
        raise Bad(f"bad duration {show(value)} ({_DURATION_HELP})") from None


def as_interval(value: Any) -> float:
    seconds = as_duration(value)
    if seconds < MIN_INTERVAL:
        raise Bad(f"{show(value)} is too short (minimum 10s; e.g. 30m)")
    return seconds


REVIEW_KEYS = ("threshold", "hold", "hold_max")


def as_threshold(value: Any) -> float:
    """defaults.review.threshold: a probability strictly between 0.5 and 1 (certainty is never below 0.5)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0.5 < value <= 1.0:
        return float(value)
    raise Bad(f"{show(value)} is not a threshold (use a number above 0.5 and at most 1, e.g. 0.7)")


def as_count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000:
        return value
    raise Bad(f"{show(value)} is not a count (use a whole number from 1 to 10000)")


MAX_PER_HOST = 32  # the HTTP client's pool (fetch.make_client): more per host could never be open


def as_per_host(value: Any) -> int:
    """``defaults.per_host``: connections to one host at a time."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PER_HOST:
        return value
    raise Bad(
        f"{show(value)} is not a number of connections "
        f"(use a whole number from 1 to {MAX_PER_HOST}; 4, the default, is polite to small sites)"
    )


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Bad(
            f"must be a single text, not {show(value) if isinstance(value, bool) else 'a list or mapping'}"
        )
    return str(value).strip() or None


def as_texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or any(isinstance(item, dict | list) for item in items):
        raise Bad('must be a list of texts, e.g. ["مركز آسو", "ASO"]')
    return tuple(text for item in items if (text := as_text(item)))


def as_url(value: Any) -> str:
    if isinstance(value, str) and is_http_url(value.strip()):
        return value.strip()
    raise Bad(f"{show(value)} is not a valid URL (it must start with http:// or https:// and name a host)")


def as_opt_url(value: Any) -> str | None:
    return None if value is None else as_url(value)


def as_urls(value: Any) -> tuple[str, ...]:
    urls = as_texts(value)
    for number, url in enumerate(urls, 1):
        if not is_http_url(url):
            raise Bad(f"entry {number}: {show(url)} is not a valid URL (use http:// or https:// and a host)")
    return urls


def as_name(value: Any) -> tuple[str | None, str | None]:
    """(display name, English name) from a text or an {ar, en} mapping."""
    if not isinstance(value, dict):
        name = as_text(value)
        return name, None
    if "ar" not in value and "en" not in value:
        raise Bad("a name mapping needs 'ar' and/or 'en', e.g. {ar: \"…\", en: \"…\"}")
    ar, en = as_text(value.get("ar")), as_text(value.get("en"))
    return ar or en, en


def as_selectors(value: Any, sets: Mapping[str, Any]) -> Selectors | None:
    """Listing selectors: a mapping of item, link, title and date, or the name of a selector set."""
    if isinstance(value, str):
        if value not in sets:
            raise Bad(
                f"unknown selector set '{value}' (define it under selector_sets, or give item and link)"
            )
        value = sets[value]
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Bad("must be a mapping with item, link, title and date CSS selectors")
    for key in value:
        if key not in _SELECTOR_KEYS and (guess := typo(str(key), _SELECTOR_KEYS)):
            raise Bad(f"unknown key; did you mean '{guess}'?", key=f"selectors.{key}")
    found: dict[str, str | None] = {}
    for key in _SELECTOR_KEYS:
        try:
            found[key] = as_text(value.get(key))
        except Bad:
            raise Bad("must be one CSS selector text", key=f"selectors.{key}") from None
    missing = [key for key in ("item", "link") if not found[key]]
    if missing:
        help_ = "add the CSS selector of one listing entry (item) and of the link inside it (link)"
        what = " and ".join(f"'{key}'" for key in missing)
        raise Bad(f"missing {what} ({help_})", key=f"selectors.{missing[0]}" if len(missing) == 1 else None)
    return Selectors(
        item=str(found["item"]),
        link=str(found["link"]),
        title=found["title"],
        date=found["date"],
        next=found["next"],
    )


def as_delay(value: Any) -> float:
    """``defaults.backfill_delay``: a pause of 0 or more seconds (0, 0.5, 2s, 1m)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 3600:
        return float(value)
    if isinstance(value, str) and value.strip() in ("0", "0s"):
        return 0.0
    seconds = as_duration(value)
    if seconds > 3600:
        raise Bad(f"{show(value)} is too long (at most 1h; the default is 1s)")
    return seconds


def as_page_url(value: Any) -> str | None:
    """``page_url``: a URL with ``{n}`` where the number of an older listing page goes."""
    if value is None:
        return None
    url = as_url(value)
    if url.count("{n}") != 1:
        raise Bad(
            f"{show(value)} needs one '{{n}}' where the page number goes (e.g. https://…/statements?page={{n}})"
        )
    return url


def as_page_start(value: Any) -> int:
    """``page_start``: the number of the first older page (0 to 10000)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000:
        return value
    raise Bad(f"{show(value)} is not a page number (use a whole number from 0 to 10000; the default is 2)")


def as_html_fallback(value: Any, sets: Mapping[str, Any]) -> tuple[str, Selectors] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Bad("must be a mapping with url and selectors")
    try:
        url = as_url(value.get("url"))
        selectors = as_selectors(value.get("selectors"), sets)
    except Bad as bad:
        raise Bad(
            str(bad), key=f"html_fallback.{bad.key or ('selectors' if 'url' in str(bad) else 'url')}"
        ) from None
    if selectors is None:
        raise Bad("missing (add item and link CSS selectors of the listing)", key="html_fallback.selectors")
    return url, selectors


def as_prefilter(value: Any) -> bool | dict[str, tuple[str, ...]]:
    """defaults.keyword_prefilter: a boolean, or keyword lists by language ({ar: [...], en: [...]})."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, dict):
        raise Bad("must be true/false or keyword lists by language, e.g. {ar: [بيان], en: [statement]}")
    return {str(language): as_texts(words) for language, words in value.items()}


FAILED: Any = object()  # marks a default that did not pass its check

# Per-source settings that `defaults:` may also set, with their checks.
FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "type": as_type,
    "language": as_language,
    "interval": as_interval,
    "statements_only": as_bool,
    "enabled": as_bool,
    "announce_first_poll": as_bool,
    "follow_full_text_links": as_bool,
    "max_new_items": as_count,
    "date_format": as_text,
}
DEFAULT_KEYS = (
    *FIELD_CHECKS,
    *(
        "max_items_per_fetch",
        "keyword_prefilter",
        "timeout",
        "user_agent",
        "allow_private_addresses",
        "review",
        "per_host",
        "backfill_delay",
        "respect_robots_txt",
        "conditional_get",
    ),
)
