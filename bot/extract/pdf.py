"""Text of a PDF (statements often link their full text as one). Contains no I/O beyond the bytes given."""

from __future__ import annotations

import io
import logging
import warnings

log = logging.getLogger(__name__)


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
