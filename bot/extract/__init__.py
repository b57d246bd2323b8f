"""Statement extraction: page HTML or text → `Statement` (bot.models); PDF bytes → text.

Public API: `extract_statement(content, hints)` (pure, never raises), `document_text(body, content_type)`
(PDF or HTML/text bytes → the text to extract from) and `pdf_text(data)`.
The package is split by pass: dom (HTML → lines), signatories, issuer, classify, statement (assembly),
text (shared helpers), pdf. Contains no I/O.
"""

from __future__ import annotations

from bot.extract.pdf import document_text, pdf_text
from bot.extract.statement import extract_statement

__all__ = ["document_text", "extract_statement", "pdf_text"]
