"""Where the older pages of a source are: the links ``bayan backfill`` follows back in time.

Owns the URL of a WordPress REST page (``page``/``per_page``), of a numbered listing page (``page_url``
with ``{n}``), the older-page link of a listing (``selectors.next``), a feed's RFC 5005 archive link
(``prev-archive``, else ``next``) and the entries of a sitemap or sitemap index (``<loc>``, ``<lastmod>``).
Pure: no I/O, no clock. Every document that is not what it should be is a ``ParseError``.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from bot.dates import parse_date
from bot.models import Fetched, ParseError

WP_PER_PAGE = 100  # the most the WordPress REST API gives per page
ARCHIVE_RELS = ("prev-archive", "next")  # RFC 5005: archived feeds (section 4), then paged feeds (section 3)
MAX_SITEMAP_URLS = 50_000  # the sitemap protocol's own limit per file
# WordPress core sitemaps of authors and terms (wp-sitemap-users-1.xml, wp-sitemap-taxonomies-…) list no posts
_WP_NOT_POSTS = ("wp-sitemap-users-", "wp-sitemap-taxonomies-")


def wordpress_page_url(url: str, page: int) -> str:
    """The REST listing ``url`` at ``page`` (1 = newest), ``per_page`` at most 100 (its own if smaller)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("page",)]
    per_page = next((v for k, v in query if k == "per_page"), None)
    keep = per_page is not None and per_page.isdigit() and 0 < int(per_page) <= WP_PER_PAGE
    query = [(k, v) for k, v in query if k != "per_page"]
    query += [("per_page", per_page if keep and per_page else str(WP_PER_PAGE)), ("page", str(page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def numbered_page_url(template: str, n: int) -> str:
    """``page_url`` with its ``{n}`` replaced by the page number."""
    return template.replace("{n}", str(n))


def next_page_link(fetched: Fetched, selector: str) -> str | None:
    """The absolute http(s) URL of the listing's older-page link (the first match of ``selector``: its
    ``href``, or that of the first link inside it), else None."""
    tree = LexborHTMLParser(fetched.text)
    try:
        node = tree.css_first(selector)
    except SelectolaxError as e:
        raise ParseError(f"invalid CSS selector '{selector}': {e}", kind="config") from e
    if node is None:
        return None
    href = node.attributes.get("href")
    if href is None and (inner := node.css_first("a[href]")) is not None:
        href = inner.attributes.get("href")
    base = tree.css_first("base[href]")
    base_url = _absolute(fetched.url, base.attributes.get("href")) if base else None
    return _absolute(base_url or fetched.url, href)


def feed_archive_link(fetched: Fetched) -> str | None:
    """The feed's link to its older entries (RFC 5005 ``prev-archive``, else ``next``), else None."""
    # Never a str or bytes: feedparser would fetch a URL or open a local file (docs/libraries.md, feedparser).
    parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers={"content-location": fetched.url})
    links = parsed.get("feed", {}).get("links") or []
    for rel in ARCHIVE_RELS:
        for link in links:
            if link.get("rel") == rel and (url := _absolute(fetched.url, link.get("href"))):
                return url
    return None


@dataclass(frozen=True)
class Sitemap:
    """A sitemap's page entries (URL, last modified) in document order, or an index's child sitemaps."""

    entries: tuple[tuple[str, date | None], ...] = ()
    children: tuple[str, ...] = ()


def sitemap(fetched: Fetched) -> Sitemap:
    """The entries of a ``<urlset>`` or the child sitemaps of a ``<sitemapindex>`` (sitemaps.org 0.9).

    The XML is read by the standard library's parser (no external entities are loaded; expat bounds
    entity expansion); a document that is neither is a ParseError."""
    try:
        root = ET.parse(io.BytesIO(fetched.body)).getroot()
    except ET.ParseError as e:
        raise ParseError(f"could not parse the sitemap at {fetched.url}: {e}") from e
    kind = root.tag.rsplit("}", 1)[-1]
    if kind not in ("urlset", "sitemapindex"):
        raise ParseError(f"{fetched.url} is not a sitemap (its root element is <{kind}>)")
    found: list[tuple[str, date | None]] = []
    for node in root:
        loc = _child_text(node, "loc")
        url = _absolute(fetched.url, loc)
        if url and len(found) < MAX_SITEMAP_URLS:
            found.append((url, parse_date(_child_text(node, "lastmod") or "")))
    if kind == "sitemapindex":
        return Sitemap(children=tuple(u for u, _ in found if not any(p in u for p in _WP_NOT_POSTS)))
    return Sitemap(entries=tuple(found))


def newest_first(entries: tuple[tuple[str, date | None], ...]) -> list[tuple[str, date | None]]:
    """Sitemap entries by last modification, newest first; undated ones after, in document order."""
    unique = dict(entries)
    dated = sorted(((u, d) for u, d in unique.items() if d), key=lambda e: e[1] or date.min, reverse=True)
    return dated + [(u, d) for u, d in unique.items() if d is None]


def _child_text(node: ET.Element, name: str) -> str | None:
    for child in node:
        if child.tag.rsplit("}", 1)[-1] == name and child.text:
            return child.text.strip()
    return None


def _absolute(base: str, href: object) -> str | None:
    if not isinstance(href, str) or not href.strip() or href.strip().startswith("#"):
        return None
    try:
        url = urljoin(base, href.strip())
    except ValueError:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None
