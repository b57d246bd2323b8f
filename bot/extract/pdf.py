"""A document's text: a PDF's (statements often link their full text as one) or a decoded HTML/text page.

`document_text` is the one place where "PDF or HTML → text" is decided, for polled pages, followed full
texts, `bayan extract` and re-extraction. Contains no I/O beyond the bytes given.
"""

from __future__ import annotations

import io
import logging
import warnings

from bot.charset import decode_body

log = logging.getLogger(__name__)


def is_pdf(body: bytes, content_type: str = "") -> bool:
    """A PDF by its declared type or its magic bytes."""
    return "pdf" in content_type.lower() or body[:5] == b"%PDF-"


def document_text(body: bytes, content_type: str = "") -> str:
    """The text to extract from: a PDF's text, else the body decoded (declared or sniffed charset)."""
    return pdf_text(body) if is_pdf(body, content_type) else decode_body(body, content_type)[0]


def pdf_text(data: bytes) -> str:
    """The text of every page, pages separated by blank lines; "" when the bytes are not a readable PDF."""
    try:
        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            pages = [(page.extract_text() or "").strip() for page in reader.pages]
        return "\n\n".join(p for p in pages if p)
    except Exception as exc:  # pypdf raises many types on damaged files; a bad PDF is just no text
        log.debug("pdf_text failed: %s", exc)
        return ""
