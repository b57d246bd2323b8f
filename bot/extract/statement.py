"""extract_statement: one page (HTML or plain text) to a `Statement`.

Owns the assembly of the passes (dom → signatories → issuer → classify), the choice of the publication
date (page metadata, post-meta elements, the feed's date, then date lines at the top or in the closing
signature; never dates inside running sentences), the lead, the title fallback and the full-text links.
Never raises: an internal error gives a non-statement with confidence 0. Contains no I/O.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import urljoin

from bot.dates import find_dates
from bot.extract.classify import THRESHOLD, kind_of, recipients_at_top, statement_score, withdrawn_from
from bot.extract.dom import Page, html_page, looks_like_html, text_page
from bot.extract.issuer import ISSUED, find_issuer
from bot.extract.signatories import Signatures, find_signatories
from bot.extract.text import Line, fold, is_date_line, language_of, lead_of, words
from bot.models import Hints, Statement

log = logging.getLogger(__name__)

_FULL_TEXT = re.compile(
    r"full (?:text|statement|letter)|read the (?:full|whole"
    r"|complete)|download|\bpdf\b|لقراءه (?:البيان|النص|الرساله)"
    r"|النص الكامل|البيان كاملا|كامل البيان|تحميل|لتحميل|اضغط هنا",
    re.I,
)


def extract_statement(content: str, hints: Hints) -> Statement:
    """Extract a statement from a page; never raises (an internal error gives a non-statement)."""
    try:
        return _extract(content or "", hints)
    except Exception:  # the pipeline must survive any page
        log.exception("extract_statement failed (url=%s)", hints.url)
        return Statement(is_statement=False, confidence=0.0)


def _extract(content: str, hints: Hints) -> Statement:
    page = html_page(content) if looks_like_html(content) else text_page(content)
    lines = page.lines
    body = "\n".join(line.text for line in lines)
    sigs = find_signatories(lines)
    issuer = find_issuer(lines, page.title, body, page.site_name)
    evidence = statement_score(
        lines,
        page.title,
        len(sigs.orgs) + len(sigs.individuals),
        issuer.source,
        page.teasers,
        hints.statements_only,
        sigs.inline,
        page.byline,
    )
    base = Statement(
        is_statement=False,
        title=_title(page, lines),
        language=language_of(body, sigs.orgs + sigs.individuals) or hints.language,
        lead=lead_of(_lead_paragraphs(lines, sigs, page.title)),
        body=body,
        full_text_links=_full_text_links(page, hints.url),
        confidence=_confidence(evidence.score),
    )
    if evidence.score < THRESHOLD:
        return base
    named = hints.source_name if issuer.source in (None, "site") and hints.source_name else issuer.name
    signatories, issuer_name = _signers(sigs, named)
    kind = kind_of(lines, page.title, len(signatories) + len(sigs.individuals), evidence.recipients)
    return replace(
        base,
        is_statement=True,
        kind=kind,
        published=_published(page, lines, hints),
        issuer=issuer_name,
        signatories=tuple(signatories),
        individuals=tuple(sigs.individuals),
        withdrawn_from=withdrawn_from(lines, page.title) if kind == "withdrawal" else None,
    )


def _signers(sigs: Signatures, issuer: str | None) -> tuple[list[str], str | None]:
    """Several organisations: no issuer. One (or none listed): the issuer signs alone."""
    if len(sigs.orgs) >= 2:
        return sigs.orgs, None
    if len(sigs.orgs) == 1:
        return sigs.orgs, sigs.orgs[0]
    if sigs.individuals:
        return [], None
    return ([issuer] if issuer else []), issuer


def _confidence(score: float) -> float:
    if score >= THRESHOLD:
        return min(1.0, 0.55 + (score - THRESHOLD) / 12)
    return max(0.05, 0.45 - (THRESHOLD - score) / 12)


def _title(page: Page, lines: list[Line]) -> str | None:
    if page.title:
        return page.title
    first = lines[0].text if lines else ""
    if first and words(first) <= 8 and not is_date_line(first) and not recipients_at_top(lines[:1]):
        return first.rstrip(":")
    return None


def _lead_paragraphs(lines: list[Line], sigs: Signatures, title: str | None) -> list[str]:
    """Body paragraphs a lead may come from: no list items, signatory names, recipients or title."""
    skip = {fold(n) for n in [*sigs.orgs, *sigs.individuals, title or ""]}
    return [
        line.text
        for line in lines
        if line.tag not in ("li", "td", "th")
        and fold(line.text) not in skip
        and not recipients_at_top([line])
        and not ISSUED.match(line.text)
    ]


def _published(page: Page, lines: list[Line], hints: Hints) -> date | None:
    """Post date from the page's metadata first; otherwise a date line at the top or in the signature."""
    latest = date.today() + timedelta(days=2)
    candidates: list[date] = page.meta_dates + page.header_dates
    if hints.published:
        candidates.append(hints.published)
    for line in lines[:4] + lines[-6:]:
        if is_date_line(line.text):
            candidates += [d for _, d in find_dates(line.text, yearless=False)]
    for line in lines[:3]:  # a dateline opening the text: "Idlib, 12 September 2019 — …"
        opening = find_dates(line.text[:60], yearless=False)
        if opening and words(line.text[: opening[0][0]]) <= 4:
            candidates.append(opening[0][1])
    return next((d for d in candidates if d <= latest), None)


def _full_text_links(page: Page, base: str | None) -> tuple[str, ...]:
    out: list[str] = []
    for href, text in page.links:
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        path = href.split("?", 1)[0].split("#", 1)[0].lower()
        if not (path.endswith(".pdf") or _FULL_TEXT.search(fold(text))):
            continue
        url = urljoin(base, href) if base else href
        if url.startswith(("http://", "https://")) and url not in out:
            out.append(url)
    return tuple(out)
