"""The identity of an item: `item_key` (its stable key within its source) and `canonical_url`.

Owns the identity rule (docs/architecture.md, Item identity): which of GUID, link and visible content
identifies an item, and the one spelling of a URL used for identity (scheme, host, port, tracking and
session parameters, trailing slash, percent-encoding).

Must not: fetch, parse documents, or be used to build URLs that are fetched (canonical URLs are for
comparison only). Pure; imports only the stdlib.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = ["canonical_url", "item_key"]


def item_key(guid: str | None, url: str | None, title: str | None, published: date | None) -> str:
    """The stable identity of one item within its source, stored as `item_key` (docs/architecture.md).

    Tried in order, the first available wins:
    1. ``guid:<id>`` — the publisher's own id (RSS <guid>, Atom <id>, JSON Feed id). It survives edits of
       the title and of the link (WordPress ``?p=ID``). A GUID that is an http(s) URL is canonicalised
       (fragment kept) so that an http→https move of the site does not make every item look new.
    2. ``url:<canonical link>`` — see `canonical_url`: http/https, utm_* or a trailing slash don't matter.
    3. ``hash:<sha256(title + "|" + ISO date)[:32]>`` — neither id nor link: only the visible content is
       left; editing the title then makes a new item, which is the best that can be done.
    A GUID repeated within one document is disambiguated by `parse._assign_keys`, not here.
    """
    if guid and guid.strip():
        return "guid:" + _canonical_guid(guid.strip())
    if url and url.strip():
        return "url:" + canonical_url(url)
    stamp = published.isoformat() if published else ""
    digest = hashlib.sha256(f"{title or ''}|{stamp}".encode()).hexdigest()
    return "hash:" + digest[:32]


def _canonical_guid(guid: str) -> str:
    if not guid.lower().startswith(("http://", "https://")):
        return guid
    fragment = guid.partition("#")[2]
    return canonical_url(guid) + (f"#{fragment}" if fragment else "")


# ───────────────────────────── canonical URLs ─────────────────────────────

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PATH_SAFE = "/:@!$&'()*+,;=%"
# parameters that change between requests or visitors, never between pages: session ids (PHP's
# PHPSESSID and sid, Java's jsessionid, generic sessionid / session_id), a WordPress search (s), a referrer
# tag (ref) and the AMP switch (amp); utm_*, mc_*, fbclid and gclid are tracking tags
_DROPPED = frozenset({"fbclid", "gclid", "sid", "sessionid", "session_id", "phpsessid", "jsessionid"})
_DROPPED |= {"s", "ref", "amp"}
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/;]*", re.IGNORECASE)
_QUERY_SAFE = "/:@!$'()*+,;=?%"


def canonical_url(url: str) -> str:
    """One spelling per page, for identity only (never for fetching).

    https; lowercase host (IDNA for non-ASCII hosts); no default port; no fragment; no utm_*, fbclid,
    gclid or mc_* parameters and no session-like ones (sid, sessionid, session_id, PHPSESSID, jsessionid,
    also as a ``;jsessionid=`` path parameter, s, ref, amp), the others sorted; no trailing slash except
    the root "/"; percent-encoding
    normalised: unreserved characters decoded, everything else (Arabic slugs included) encoded with
    uppercase hex, so an encoded and an unencoded Arabic link give the same string. Anything that is not
    an absolute http(s) URL comes back stripped but otherwise unchanged.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        netloc = _canonical_netloc(parts.netloc)
    except ValueError:  # "http://[::1", a port that is not a number, an invalid IDNA label
        return text
    if parts.scheme.lower() not in ("http", "https") or not netloc:
        return text
    path = _normalise_escapes(_PATH_SESSION.sub("", parts.path), _PATH_SAFE)
    path = path.rstrip("/") or "/"
    return urlunsplit(("https", netloc, path, _canonical_query(parts.query), ""))


def _canonical_netloc(netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    parts = urlsplit(f"//{hostport}")
    host = (parts.hostname or "").rstrip(".")
    if not host.isascii():
        host = host.encode("idna").decode("ascii")  # UnicodeError is a ValueError
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port not in (80, 443):  # both are default once the scheme is https
        host = f"{host}:{port}"
    return f"{userinfo}@{host}" if userinfo else host


def _canonical_query(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        name = unquote(pair.partition("=")[0]).lower()
        if not pair or name.startswith(("utm_", "mc_")) or name in _DROPPED:
            continue
        kept.append(_normalise_escapes(pair, _QUERY_SAFE))
    return "&".join(sorted(kept))


def _normalise_escapes(text: str, safe: str) -> str:
    """RFC 3986 §6.2.2: encode what must be, decode unreserved escapes, uppercase the rest."""
    text = _LONE_PERCENT.sub("%25", text)
    text = quote(text, safe=safe, errors="surrogatepass")
    return _ESCAPE.sub(_fix_escape, text)


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()
