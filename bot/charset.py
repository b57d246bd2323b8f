"""Charset detection: the text of an HTTP body, from its bytes and its Content-Type (``decode_body``).

Owns the order of evidence (BOM, HTTP charset, XML declaration, ``<meta charset>``, strict UTF-8, mostly
UTF-8, Arabic windows-1256, latin-1), the mapping of charset labels to Python codecs (refusing codecs that
are not web text encodings, such as utf-7 or unicode-escape) and the labels reported back.

Must not: do I/O, speak HTTP or parse documents. Pure; imports only the stdlib.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["SNIFF_BYTES", "decode_body"]

SNIFF_BYTES = 4096  # <meta charset> is looked for in this prefix
_SAMPLE = 65536  # the cp1256 heuristic looks at this prefix
_BINARY_TYPES = (
    "application/pdf",
    "application/octet-stream",
    "application/zip",
    "image/",
    "audio/",
    "video/",
)
_NOT_WEB_CODECS = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"}
)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';,\s]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_META = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ARABIC_RUN = re.compile("[\u0621-\u0652]{3,}")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode a body; returns (text, encoding label).

    Order: BOM (unambiguous, so it wins as in browsers) → HTTP charset → XML declaration → <meta> in the
    first 4 KB → strict utf-8 → utf-8 with a few broken sequences → windows-1256 when the bytes read as
    Arabic words → latin-1. A declared charset is used only if the body decodes strictly with it.
    """
    if content_type.lower().startswith(_BINARY_TYPES):
        return body.decode("latin-1"), "iso-8859-1"
    for codec in _declared(body, content_type):
        text = _strict(body, codec)
        if text is not None:
            return text.removeprefix("\ufeff"), _label(codec)
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    return _sniff(body)


def _declared(body: bytes, content_type: str) -> list[str]:
    found = [codec for bom, codec in _BOMS if body.startswith(bom)][:1]
    match = _CT_CHARSET.search(content_type)
    if match:
        found.append(_codec(match.group(1), ascii_only=False) or "")
    head = body[:SNIFF_BYTES]
    for pattern in (_XML_DECL, _META):
        in_body = pattern.search(head)
        if in_body:
            found.append(_codec(in_body.group(1).decode("ascii"), ascii_only=True) or "")
    return [codec for codec in found if codec]


def _codec(label: str, *, ascii_only: bool) -> str | None:
    """Python's codec name for a charset label, or None when unknown or not a web text encoding."""
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_WEB_CODECS:
        return None
    if ascii_only and info.name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a declaration readable as ASCII can't be in UTF-16 (WHATWG)
    return info.name


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _sniff(body: bytes) -> tuple[str, str]:
    """No declaration decodes: mostly-utf-8, else Arabic windows-1256, else latin-1."""
    text = body.decode("utf-8", "replace")
    if text.count("\ufffd") <= 0.02 * _non_ascii(text):
        return text, "utf-8"
    sample = body[:_SAMPLE].decode("cp1256", "replace")
    arabic = sum(len(run) for run in _ARABIC_RUN.findall(sample))
    if arabic and 2 * arabic >= _non_ascii(sample):
        return body.decode("cp1256", "replace"), "windows-1256"
    return body.decode("latin-1"), "iso-8859-1"


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _label(codec: str) -> str:
    """Python codec name → the label the web uses (cp1256 → windows-1256, iso8859-1 → iso-8859-1)."""
    if codec.startswith("cp125"):
        return "windows-" + codec[2:]
    if codec.startswith("iso8859-"):
        return "iso-8859-" + codec[8:]
    return codec
