"""One way from fetched bytes to the text extraction reads (extract.document_text), and the split fetch
calls: an unconditional GET never answers NotModified."""

from __future__ import annotations

import httpx
import pytest

from bot.extract import document_text
from bot.fetch import Fetcher, make_client
from bot.models import FetchError, NotModified, Validators
from tests.pdfmaker import make_pdf


def test_pdf_by_magic_bytes_or_declared_type() -> None:
    pdf = make_pdf(["Joint statement on water", "Signed: Kite Association"])
    assert "Kite Association" in document_text(pdf)
    assert "Kite Association" in document_text(pdf, "application/pdf")


def test_html_decoded_with_its_declared_or_sniffed_charset() -> None:
    arabic = "<p>بيان مشترك</p>"
    assert document_text(arabic.encode("cp1256"), "text/html; charset=windows-1256") == arabic
    assert document_text(arabic.encode("utf-8")) == arabic
    assert document_text(b"%PDF-broken") == ""  # an unreadable PDF is no text, not an error


async def test_unconditional_fetch_turns_a_304_into_an_error_and_conditional_gets_not_modified() -> None:
    client = make_client(transport=httpx.MockTransport(lambda r: httpx.Response(304)))
    fetcher = Fetcher(client)
    try:
        with pytest.raises(FetchError, match="304"):
            await fetcher.fetch("https://ex.org/page")
        got = await fetcher.fetch_if_changed("https://ex.org/feed", Validators(etag='"v"'))
        assert got == NotModified("https://ex.org/feed")
    finally:
        await client.aclose()
