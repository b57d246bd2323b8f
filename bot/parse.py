"""Turns one fetched feed or listing page into `Item`s with their keys.

Owns: dispatch by source type (RSS/Atom through feedparser, JSON Feed, WordPress REST post lists, HTML
listing pages through selectolax CSS selectors); absolute links; item dates; the keys of one document's
items (`item_key` and `canonical_url` are `bot.identity`'s, re-exported here). Every failure is a
`ParseError`. No I/O: no network, no files, no clock (`today` is passed in). Titles come out as plain
text; `content_html` is untrusted HTML (feedparser sanitises feeds, nothing sanitises JSON), never sent.
"""

from __future__ import annotations

import calendar
import html
import importlib.util
import io
import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from bot.dates import parse_date
from bot.identity import canonical_url, item_key
from bot.models import Fetched, Item, ParseError, Selectors, Source

__all__ = ["canonical_url", "item_key", "parse_items"]

# feedparser asks xml.sax for the libxml2 driver first (feedparser.api.PREFERRED_XML_PARSERS). A failed
# import is not cached, so without the driver every parse searched sys.path for it again (≈ 0.25 ms of
# each new item's CPU, bench/new_sources.py); xml.sax's own expat driver is what parses then anyway.
if importlib.util.find_spec("drv_libxml2") is None:
    feedparser.api.PREFERRED_XML_PARSERS = []

# bozo reasons that mean "parsed fine, but the HTTP headers lied": never a reason to fail.
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_UNSAFE_TAGS = ["script", "style", "template", "noscript", "plaintext", "xmp", "textarea"]


@dataclass(frozen=True)
class _Draft:
    """An item before its key is assigned (keys depend on the other items of the same document)."""

    url: str
    title: str | None = None
    published: date | None = None
    content_html: str | None = None
    guid: str | None = None
    key: str | None = None  # preset identity (a WordPress post id)


# ───────────────────────────── entry point ─────────────────────────────


def parse_items(fetched: Fetched, source: Source, *, today: date | None = None) -> list[Item]:
    """Items of a fetched document, newest first when every item has a date, else in document order.

    feed and wordpress: RSS/Atom (feedparser), JSON Feed, or a WordPress REST post list, told apart by
    content. page: the listing's `source.selectors`. Raises ParseError (kind "empty" when a listing's item
    selector matches nothing, "config" for a page source without usable selectors, else "parse").
    """
    if source.type == "page":
        drafts = _page_drafts(fetched, source, today)
    else:
        drafts = _feed_drafts(fetched, source, today)
    return _order(_assign_keys(drafts))


def _feed_drafts(fetched: Fetched, source: Source, today: date | None) -> list[_Draft]:
    read = _json_drafts if _looks_like_json(fetched) else _xml_feed_drafts
    return read(fetched, source, today)


def _order(items: list[Item]) -> list[Item]:
    """Newest first when all items are dated (stable: same-day items keep document order)."""
    if items and all(item.published for item in items):
        return sorted(items, key=lambda item: item.published or date.min, reverse=True)
    return items


# ───────────────────────────── keys of one document ─────────────────────────────


def _assign_keys(drafts: list[_Draft]) -> list[Item]:
    """Keys for one document's items, in document order; the same key twice means the same item.

    Some feeds give every entry the same GUID (a misconfigured plugin, a site-wide tag URI). As in
    Miniflux (rss/adapter.go, commit 2e609232), the first entry keeps ``guid:<id>``, later ones become
    ``guid:<id>|<canonical link>``, and if that repeats too, ``guid:<id>|<position in the document>``.
    Other repeats (the same link twice on a listing, the same title and date twice) are one item: the
    first occurrence is kept and only borrows the fields it lacks from the later ones.
    """
    items: dict[str, Item] = {}
    for position, draft in enumerate(drafts):
        key = first = draft.key or item_key(draft.guid, draft.url, draft.title, draft.published)
        if key in items and first.startswith("guid:") and draft.url:
            key = f"{first}|{canonical_url(draft.url)}"
        if key in items and first.startswith("guid:"):
            key = f"{first}|{position}"
        if key in items:
            items[key] = _merge(items[key], draft)
            continue
        items[key] = Item(key, draft.url, draft.title, draft.published, draft.content_html)
    return list(items.values())


def _merge(item: Item, later: _Draft) -> Item:
    return replace(
        item,
        title=item.title or later.title,
        published=item.published or later.published,
        content_html=item.content_html or later.content_html,
    )


# ───────────────────────────── RSS / Atom ─────────────────────────────


def _xml_feed_drafts(fetched: Fetched, source: Source, today: date | None) -> list[_Draft]:
    # Never a str or bytes: feedparser would fetch a URL or open a local file (docs/libraries.md, feedparser).
    headers = {"content-location": fetched.url}
    if fetched.content_type:
        headers["content-type"] = fetched.content_type
    parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers=headers)
    entries = parsed.get("entries") or []
    if not entries:
        _check_empty_feed(parsed, fetched)
    drafts = (_entry_draft(entry, fetched.url, source, today) for entry in entries)
    return [draft for draft in drafts if draft]


def _check_empty_feed(parsed: Any, fetched: Fetched) -> None:
    """A feed without entries is fine unless it is an HTML page, unparseable, or not a feed at all.

    bozo alone is informational: a bare "&" or an unclosed tag still yields every entry.
    """
    if not parsed.get("version") and _looks_like_html(fetched):
        message = f"{fetched.url} returned an HTML page, not a feed"
        advertised = _advertised_feed(fetched)
        raise ParseError(message + (f" (the page links to a feed at {advertised})" if advertised else ""))
    error = parsed.get("bozo_exception")
    if parsed.get("bozo") and not (parsed.get("version") and isinstance(error, _BENIGN_BOZO)):
        raise ParseError(f"could not parse the feed at {fetched.url}: {type(error).__name__}: {error}")
    if not parsed.get("version"):
        raise ParseError(f"{fetched.url} is well-formed XML but not an RSS or Atom feed")


def _entry_draft(entry: Any, base: str, source: Source, today: date | None) -> _Draft | None:
    # FeedBurner hides the real link in feedburner_origlink.
    url = _absolute(base, entry.get("feedburner_origlink")) or _absolute(base, entry.get("link"))
    title = _plain_text(entry.get("title"))
    content = _entry_content(entry)
    if not url and not content:  # nothing to fetch: the summary is all the text there is
        content = _text(entry.get("summary"))
    guid = _text(entry.get("id"))
    if not (url or title or content or guid):
        return None
    published = _entry_date(entry, source, today)
    return _Draft(url or "", title, published, content, guid)


def _entry_content(entry: Any) -> str | None:
    """content:encoded / Atom <content>: HTML first; plain text is escaped into HTML."""
    blocks = [block for block in entry.get("content") or [] if _text(block.get("value"))]
    for block in blocks:
        if "html" in str(block.get("type", "")):
            return _text(block.get("value"))
    if blocks:
        return html.escape(str(_text(blocks[0].get("value"))))
    return None


def _entry_date(entry: Any, source: Source, today: date | None) -> date | None:
    """Per-source date_format first, then feedparser's parsed dates, then our parser (Arabic pubDates)."""
    raws = [raw for raw in (_text(entry.get("published")), _text(entry.get("updated"))) if raw]
    if source.date_format:
        for raw in raws:
            if found := parse_date(raw, today=today, fmt=source.date_format):
                return found
    for field in ("published_parsed", "updated_parsed"):
        if parsed := _utc_date(entry.get(field)):
            return parsed
    for raw in raws:
        if found := parse_date(raw, today=today):
            return found
    return None


def _utc_date(value: object) -> date | None:
    """feedparser's *_parsed values are struct_time in UTC."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def _looks_like_html(fetched: Fetched) -> bool:
    head = fetched.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<!doctype html") or b"<html" in head or b"<head" in head


def _advertised_feed(fetched: Fetched) -> str | None:
    tree = LexborHTMLParser(fetched.text)
    for link in tree.css('link[rel~="alternate"]'):
        if any(kind in (link.attributes.get("type") or "") for kind in ("rss", "atom", "json")):
            return _absolute(fetched.url, link.attributes.get("href"))
    return None


# ───────────────────────────── JSON Feed and WordPress REST ─────────────────────────────


def _looks_like_json(fetched: Fetched) -> bool:
    head = fetched.body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[") or ("json" in fetched.content_type.lower() and head[:1] != b"<")


def _json_drafts(fetched: Fetched, source: Source, today: date | None) -> list[_Draft]:
    """A JSON Feed (https://jsonfeed.org/version/1.1) or a /wp-json/wp/v2/posts list."""
    try:
        doc = json.loads(fetched.body)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ParseError(f"could not parse the JSON at {fetched.url}: {type(e).__name__}: {e}") from e
    if isinstance(doc, dict) and "jsonfeed.org/version/" in str(doc.get("version")):
        entries = doc.get("items")
        if not isinstance(entries, list):
            raise ParseError(f"the JSON Feed at {fetched.url} has no items list")
        drafts = (_json_feed_draft(entry, fetched.url, source, today) for entry in entries)
    elif isinstance(doc, list):
        drafts = (_wp_draft(post, fetched.url, source, today) for post in doc)
    else:
        raise ParseError(
            f"{fetched.url} returned JSON that is neither a JSON Feed nor a post list{_why(doc)}"
        )
    return [draft for draft in drafts if draft]


def _why(doc: object) -> str:
    """WordPress errors look like {"code": "rest_no_route", "message": "No route was found…"}."""
    if isinstance(doc, dict) and (doc.get("code") or doc.get("message")):
        return f" ({_text(doc.get('code')) or '?'}: {_text(doc.get('message')) or ''})"
    return ""


def _json_feed_draft(entry: object, base: str, source: Source, today: date | None) -> _Draft | None:
    if not isinstance(entry, dict):
        return None
    url = _absolute(base, entry.get("url")) or _absolute(base, entry.get("external_url"))
    content = _text(entry.get("content_html"))
    if not content and (plain := _text(entry.get("content_text"))):
        content = html.escape(plain)
    raw_id = entry.get("id")
    guid = _text(str(raw_id)) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    title = _plain_text(entry.get("title"))
    if not (url or title or content or guid):
        return None
    published = _json_date(entry.get("date_published"), source, today) or _json_date(
        entry.get("date_modified"), source, today
    )
    return _Draft(url or "", title, published, content, guid)


def _wp_draft(post: object, base: str, source: Source, today: date | None) -> _Draft | None:
    """One WordPress REST post: key wp:<id>, title.rendered as text, content.rendered as content."""
    if not isinstance(post, dict):
        return None
    url = _absolute(base, post.get("link"))
    post_id = post.get("id")
    valid_id = isinstance(post_id, int | str) and not isinstance(post_id, bool) and str(post_id).strip()
    key = f"wp:{str(post_id).strip()}" if valid_id else None
    title = _plain_text(_rendered(post.get("title")))
    content = _text(_rendered(post.get("content")))
    if not (url or key):
        return None
    # date_gmt is UTC, like the feed's pubDate: the same post gets the same date either way.
    published = _json_date(post.get("date_gmt"), source, today) or _json_date(post.get("date"), source, today)
    return _Draft(url or "", title, published, content, key=key)


def _rendered(value: object) -> object:
    return value.get("rendered") if isinstance(value, dict) else value


def _json_date(value: object, source: Source, today: date | None) -> date | None:
    """RFC 3339 (converted to UTC when it has an offset), else our parser."""
    raw = _text(value)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return parse_date(raw, today=today, fmt=source.date_format)
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:
            return moment.date()
    return moment.date()


# ───────────────────────────── listing pages ─────────────────────────────


def _page_drafts(fetched: Fetched, source: Source, today: date | None) -> list[_Draft]:
    """Items of an HTML listing selected by `source.selectors`; items without a link are skipped."""
    selectors = source.selectors
    if selectors is None:
        raise ParseError(f"source '{source.id}' is a page but has no selectors", kind="config")
    tree = LexborHTMLParser(fetched.text)
    base = _base_url(tree, fetched.url)
    nodes = _select(tree.root, selectors.item)
    if not nodes:
        # A listing that suddenly matches nothing is selector rot (a redesign), not "no news".
        raise ParseError(f"selector '{selectors.item}' matched no items on {fetched.url}", kind="empty")
    drafts = (_node_draft(node, selectors, base, source, today) for node in nodes)
    return [draft for draft in drafts if draft]


def _node_draft(
    node: LexborNode, selectors: Selectors, base: str, source: Source, today: date | None
) -> _Draft | None:
    links = _select(node, selectors.link)
    link = links[0] if links else None
    href = link.attributes.get("href") if link else None
    if not href or href.strip().startswith("#"):
        return None
    url = _absolute(base, href)
    if not url:
        return None
    titles = _select(node, selectors.title) if selectors.title else []
    title = (_node_text(titles[0]) if titles else None) or _node_text(link)
    return _Draft(url, title, _node_date(node, selectors.date, source, today))


def _node_date(node: LexborNode, selector: str | None, source: Source, today: date | None) -> date | None:
    """The `datetime` attribute, else the text, of the date selector's match (default: a <time>)."""
    found = _select(node, selector or "time")
    if not found:
        return None
    for raw in (found[0].attributes.get("datetime"), _node_text(found[0])):
        if raw and (parsed := parse_date(raw, today=today, fmt=source.date_format)):
            return parsed
    return None


def _select(node: LexborNode | None, selector: str) -> list[LexborNode]:
    if node is None:
        return []
    try:
        return list(node.css(selector))
    except SelectolaxError as e:
        raise ParseError(f"invalid CSS selector '{selector}': {e}", kind="config") from e


_PROBE = LexborHTMLParser("<p></p>")


def selector_problems(source: Source) -> list[tuple[str, str]]:
    """(key, problem) for each CSS selector of ``source`` (listing selectors, html_fallback's) that
    selectolax cannot parse; checked on an empty document, nothing is fetched (`bayan check-config`)."""
    sets = [("selectors", source.selectors)]
    if source.html_fallback is not None:
        sets.append(("html_fallback.selectors", source.html_fallback[1]))
    problems: list[tuple[str, str]] = []
    for prefix, selectors in sets:
        if selectors is None:
            continue
        for field in ("item", "link", "title", "date", "next"):
            css = getattr(selectors, field)
            if css is None:
                continue
            try:
                _PROBE.css(css)
            except SelectolaxError:
                problems.append((f"{prefix}.{field}", f"invalid CSS selector '{css}' (fix its syntax)"))
    return problems


def _base_url(tree: LexborHTMLParser, url: str) -> str:
    base = tree.css_first("base[href]")
    return _absolute(url, base.attributes.get("href") if base else None) or url


def _node_text(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    return _squash(node.text(deep=True, separator="", strip=False))


# ───────────────────────────── small helpers ─────────────────────────────


def _absolute(base: str, href: object) -> str | None:
    """href resolved against the document's URL; None unless it is an http(s) URL."""
    if not isinstance(href, str) or not href.strip():
        return None
    try:
        url = urljoin(base, href.strip())
        scheme = urlsplit(url).scheme.lower()
        url.encode("utf-8")
    except (ValueError, UnicodeError):  # "http://[broken", lone surrogates from JSON escapes
        return None
    return url if scheme in ("http", "https") else None


def _text(value: object) -> str | None:
    """A stripped, encodable string (lone surrogates from JSON become U+FFFD), or None."""
    if not isinstance(value, str):
        return None
    value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace").strip()
    return value or None


def _plain_text(value: object) -> str | None:
    """Plain text of a title that may carry HTML tags and entities (script and style dropped)."""
    text = _text(value)
    if text is None or ("<" not in text and "&" not in text):
        return _squash(text)
    tree = LexborHTMLParser(f"<body><div>{text}</div></body>")
    tree.strip_tags(_UNSAFE_TAGS)
    return _squash(tree.body.text(deep=True, separator="", strip=False) if tree.body else "")


def _squash(text: str | None) -> str | None:
    """Whitespace runs (newlines, NBSP) collapsed to one space; "" becomes None."""
    return " ".join(text.split()) if text and not text.isspace() else None
