"""The site a page comes from, and whether a name is that site's owner.

Owns reading the page's host (the pipeline's URL when it has one; else the page's canonical link,
``og:url``, or a site-name element of the header that is a bare domain) and the match of an organisation
name against it: the host spells the name's initials ("cpj.org" — Committee to Protect Journalists), its
acronym in parentheses, or a run of its words ("rescue.org", "refugeesinternational.org"). A statement
published on its issuer's own site is a release in the organisation's own voice even when it is written
in the third person; the features in bot.extract.features read this match. Contains no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_DOMAIN = re.compile(r"^(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})/?$", re.I)
_GENERIC_LABELS = frozenset(
    [
        "www",
        "m",
        "en",
        "ar",
        "fr",
        "de",
        "english",
        "arabic",
        "mobile",
        "org",
        "com",
        "net",
        "info",
        "co",
        "gov",
        "ngo",
        "int",
        "edu",
        "blogspot",
        "wordpress",
    ]
)
_SMALL = frozenset(
    ["of", "for", "the", "and", "in", "on", "to", "a", "an", "at", "de", "du", "la", "le", "des", "et"]
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def host_of(url: str | None) -> str | None:
    """The lower-cased host of an http(s) URL or of a bare domain, without a leading "www."."""
    if not url:
        return None
    text = url.strip()
    m = _DOMAIN.match(text)
    if m:
        host = m.group(1)
    elif text.lower().startswith(("http://", "https://")):
        host = urlsplit(text).hostname or ""
    else:
        return None
    host = host.lower().removeprefix("www.")
    return host or None


def _labels(host: str) -> list[str]:
    """The host's labels that can spell a name: not the top-level domain, not "www", "org", "blogspot"."""
    parts = host.split(".")[:-1]
    return [p.replace("-", "") for p in parts if p not in _GENERIC_LABELS and len(p) >= 2]


def names_host(name: str, host: str | None) -> bool:
    """The host spells the (Latin-script) name: its initials, its acronym, or a run of its words."""
    if not host:
        return False
    paren = re.search(r"\(\s*([A-Za-z]{2,10})\s*\)\s*$", name)
    bare = re.sub(r"\s*[-–,]?\s*\([^()]*\)\s*$", "", name)
    tokens = [t.lower().replace("-", "").replace("'", "").replace("’", "") for t in _TOKEN.findall(bare)]
    if not tokens:
        return False
    big = [t for t in tokens if t not in _SMALL]
    initials = "".join(t[0] for t in big)
    for label in _labels(host):
        if paren and label.startswith(paren.group(1).lower()):
            return True
        if len(big) >= 2 and (label == initials or (len(initials) >= 3 and label.startswith(initials))):
            return True
        if _spells_words(label, tokens):
            return True
    return False


def _spells_words(label: str, tokens: list[str]) -> bool:
    """The label is a run of consecutive words of the name ("refugees" + "international"), at least five
    letters long, or the name's first word when that has three letters or more ("pen" — PEN America)."""
    if tokens and label == tokens[0] and len(label) >= 3:
        return True
    for start in range(len(tokens)):
        run = ""
        for token in tokens[start:]:
            run += token
            if run == label:
                return len(run) >= 5
            if not label.startswith(run):
                break
    return False
