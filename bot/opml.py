"""OPML: the feed sources as an OPML 2.0 document, and an OPML file's feeds as new feeds.yaml entries.

Owns `render_opml` (sources → document: one ``<outline type="rss">`` per feed with text, title, xmlUrl,
htmlUrl and language, everything XML-escaped), `read_opml` (a file's bytes → `OpmlFeed`s, at any depth
of folders), `plan_import` (the feeds not configured yet, compared by `feed_key`, each with an id made
from its title: `new_id`) and `entries_yaml` (those as feeds.yaml text, ready to paste).

The reader is expat with every DTD refused: an OPML document needs none, so no entity is ever declared
or expanded (no "billion laughs", no external entity reaches the disk or the network). Malformed or
hostile files are one `OpmlError` line naming the file and the line. Pure: no file, network or database.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit
from xml.parsers import expat

from bot.identity import canonical_url
from bot.models import BayanError, Source

MAX_BYTES = 16 * 2**20  # an OPML file larger than this is refused (a feed list is kilobytes)
LANGUAGES = ("ar", "en", "ku", "mixed")  # feeds.yaml `language` values (bot.config.checks)
_ID_MAX = 40
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile("[A-Za-z]")
# outside the characters a YAML file may hold as they are (PyYAML's reader), and the byte order mark
_NOT_YAML = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


class OpmlError(BayanError):
    """An OPML file that cannot be read (one line: file, line, what is wrong)."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One ``<outline>`` with an xmlUrl."""

    title: str
    xml_url: str
    html_url: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class NewSource:
    """A feed of an OPML file that no configured source polls: the feeds.yaml entry it becomes."""

    id: str
    name: str | None
    url: str
    homepage: str | None
    language: str | None


# ───────────────────────────── export ─────────────────────────────


def is_feed(source: Source) -> bool:
    """A source whose `url` is a feed a reader can subscribe to: type feed, or a WordPress source polled
    through its RSS feed (not through the REST API under /wp-json/ or ?rest_route=)."""
    if source.type == "feed":
        return True
    return source.type == "wordpress" and "/wp-json/" not in source.url and "rest_route=" not in source.url


def render_opml(sources: Iterable[Source], *, title: str, created: datetime) -> str:
    """An OPML 2.0 document with one outline per feed source (`is_feed`), in the order given."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_text(title)
    ET.SubElement(head, "dateCreated").text = format_datetime(created)
    ET.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    for source in sources:
        if not is_feed(source):
            continue
        name = _xml_text(source.display_name("en" if source.language == "en" else None))
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": _xml_text(source.url)}
        attrs["htmlUrl"] = _xml_text(source.homepage or _site_of(source.url))
        if source.language:
            attrs["language"] = source.language
        ET.SubElement(body, "outline", attrs)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: control characters other than tab and newlines removed."""
    return _INVALID_XML.sub("", text)


def _site_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


# ───────────────────────────── import ─────────────────────────────


class _Refused(Exception):
    pass


def read_opml(data: bytes, path: str) -> list[OpmlFeed]:
    """The feeds (outlines with an http(s) xmlUrl, in folders or not) of an OPML file, first of each URL
    kept. OpmlError: not XML, a DTD or entity, not an OPML document, larger than MAX_BYTES."""
    if len(data) > MAX_BYTES:
        raise OpmlError(f"{path}: larger than {MAX_BYTES // 2**20} MiB; is this an OPML file?")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    elements: list[str] = []
    feeds: dict[str, OpmlFeed] = {}

    def refuse_dtd(*_: object) -> int:
        raise _Refused("a DOCTYPE or entity declaration (OPML needs none; entities are not expanded)")

    def start(name: str, attrs: dict[str, str]) -> None:
        if not elements and name != "opml":
            raise _Refused(f"not an OPML document (its root element is <{name}>, not <opml>)")
        elements.append(name)
        if name == "outline" and "body" in elements:
            feed = _feed_of(attrs)
            if feed is not None:
                feeds.setdefault(feed_key(feed.xml_url), feed)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except _Refused as why:
        raise OpmlError(f"{path}:{parser.CurrentLineNumber}: {why}") from None
    except expat.ExpatError as err:
        reason = expat.errors.messages.get(err.code, str(err))
        raise OpmlError(f"{path}:{err.lineno}: not well-formed XML: {reason}") from None
    if "body" not in elements:
        raise OpmlError(f"{path}: not an OPML document (no <body> with outlines)")
    return list(feeds.values())


def _feed_of(attrs: dict[str, str]) -> OpmlFeed | None:
    """The feed of one outline's attributes (names case-insensitive: some tools write xmlurl)."""
    lower = {k.lower(): v.strip() for k, v in attrs.items()}
    url = lower.get("xmlurl", "")
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).netloc:
        return None
    title = " ".join((lower.get("title") or lower.get("text") or "").split())
    html = lower.get("htmlurl") or None
    if html and urlsplit(html).scheme.lower() not in ("http", "https"):
        html = None
    lang = (lower.get("language") or "").lower().split("-")[0] or None
    return OpmlFeed(title=title, xml_url=url, html_url=html, language=lang if lang in LANGUAGES else None)


def feed_key(url: str) -> str:
    """A feed URL for comparison: `identity.canonical_url` (https, lowercase host, no default port,
    fragment or tracking parameters, no trailing slash) without a leading ``www.``."""
    return re.sub(r"^https://www\.", "https://", canonical_url(url))


def plan_import(
    feeds: Iterable[OpmlFeed], sources: Iterable[Source], taken_ids: Iterable[str] = ()
) -> tuple[list[NewSource], int]:
    """The feeds no source polls yet (its url or a fallback URL, by `feed_key`) as new entries with
    unique ids, and how many were configured already."""
    sources = list(sources)
    known = {feed_key(u) for s in sources for u in (s.url, *s.fallback_urls)}
    taken = {*(s.id for s in sources), *taken_ids}
    new: list[NewSource] = []
    already = 0
    for feed in feeds:
        if feed_key(feed.xml_url) in known:
            already += 1
            continue
        arabic = bool(_ARABIC.search(feed.title))
        language = feed.language or ("ar" if arabic else None)
        sid = new_id(feed.title, feed.xml_url, language, taken)
        taken.add(sid)
        new.append(NewSource(sid, feed.title or None, feed.xml_url, feed.html_url, language))
    return new, already


def new_id(title: str, url: str, language: str | None, taken: set[str]) -> str:
    """An id for a new source: the ASCII slug of its title ("Syria Rights Watch" → syria-rights-watch);
    a title with fewer than three Latin letters (Arabic) → the feed's host ("news.example.org" →
    news-example) with the language ("-ar"); "-2", "-3"… when taken."""
    base = slug(title) if len(_LATIN_LETTER.findall(title)) >= 3 else ""
    if not base:
        base = _host_id(url)
        if language and not base.endswith(f"-{language}"):
            base = f"{base}-{language}"
    base = base or "feed"
    sid, n = base, 2
    while sid in taken:
        sid = f"{base[: _ID_MAX - len(str(n)) - 1]}-{n}"
        n += 1
    return sid


def slug(text: str) -> str:
    """Lowercase ASCII words joined by "-", at most 40 characters, cut between words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        joined = f"{out}-{word}" if out else word
        if len(joined) > _ID_MAX:
            break
        out = joined
    return out or "-".join(words)[:_ID_MAX].strip("-")


def _host_id(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    labels = [part for part in host.split(".") if part and part != "www"]
    if len(labels) > 1:
        labels = labels[:-1]  # the top-level domain says nothing about the source
    return slug(" ".join(labels))


def entries_yaml(entries: Iterable[NewSource], *, indent: int = 2, note: str | None = None) -> str:
    """feeds.yaml text for the entries: ``- id: …`` at ``indent`` spaces, values quoted as YAML
    double-quoted scalars (JSON's escapes), a blank line before each; ``note`` as a comment first."""
    pad, key = " " * indent, " " * (indent + 2)
    lines: list[str] = [f"{pad}# {note}"] if note else []
    for n, entry in enumerate(entries):
        if n:
            lines.append("")
        lines.append(f"{pad}- id: {entry.id}")
        if entry.name:
            lines.append(f"{key}name: {_quoted(entry.name)}")
        lines += [f"{key}type: feed", f"{key}url: {_quoted(entry.url)}"]
        if entry.homepage:
            lines.append(f"{key}homepage: {_quoted(entry.homepage)}")
        if entry.language:
            lines.append(f"{key}language: {entry.language}")
        lines.append(f"{key}enabled: true")
    return "\n".join(lines) + "\n" if lines else ""


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes); what YAML may not hold raw escaped as \\u or \\U."""
    return _NOT_YAML.sub(_escape, json.dumps(text, ensure_ascii=False))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
