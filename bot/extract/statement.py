"""extract_statement: one page (HTML, plain text, text in <pre>) to a `Statement`.

Owns the assembly of the passes in two steps. `analyse` reads the page (dom → signatory blocks →
issuer candidates → joint issuers → features); it does not depend on any fitted weight, so that
bench/fit_weights.py can fit and score many models over one analysis of a corpus. `decide` applies a
`Model` (bot.extract.model): the statement probability (which is the stored `confidence`), the issuer
choice, then the kind, the date, the lead and the evidence (which cues weighed most). The pipeline's
hints (the source's organisation, `statements_only`) enter as features and as the issuer of last resort.
Never raises: an internal error gives a non-statement with confidence 0. Contains no I/O.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from bot.extract.classify import kind_of, person_byline, withdrawn_from
from bot.extract.cues import ARCHIVE_TITLE, TEASER_LINK
from bot.extract.dom import Page, html_page, looks_like_html, text_page, text_title
from bot.extract.features import PageFacts, candidate_features, page_features, recipients_at_top
from bot.extract.issuer import ISSUED, Candidate, issuer_candidates, issuer_form
from bot.extract.joint import joint_issuers
from bot.extract.model import Model, default_model
from bot.extract.published import published
from bot.extract.signatories import Signatures, find_signatories
from bot.extract.site import host_of
from bot.extract.text import Line, fold, is_date_line, language_of, lead_of, words
from bot.models import Hints, Statement

log = logging.getLogger(__name__)

_FULL_TEXT = re.compile(
    r"full (?:text|statement|letter)|read the (?:full|whole"
    r"|complete)|download|\bpdf\b|لقراءه (?:البيان|النص|الرساله)"
    r"|النص الكامل|البيان كاملا|كامل البيان|تحميل|لتحميل|اضغط هنا",
    re.I,
)


@dataclass(frozen=True)
class Analysis:
    """Everything `decide` needs, computed once per page."""

    page: Page
    hints: Hints
    sigs: Signatures
    candidates: list[Candidate]
    candidate_features: list[dict[str, float]]
    joint: list[str]
    features: dict[str, float]

    @property
    def lines(self) -> list[Line]:
        return self.page.lines


def extract_statement(content: str, hints: Hints, model: Model | None = None) -> Statement:
    """Extract a statement from a page; never raises (an internal error gives a non-statement)."""
    try:
        return _extract(content or "", hints, model)
    except Exception:  # the pipeline must survive any page
        log.exception("extract_statement failed (url=%s)", hints.url)
        return Statement(is_statement=False, confidence=0.0)


def _extract(content: str, hints: Hints, model: Model | None = None) -> Statement:
    return decide(analyse(content, hints), model or default_model())


def read_page(content: str) -> Page:
    return html_page(content) if looks_like_html(content) else text_page(content)


def analyse(content: str, hints: Hints) -> Analysis:
    page = read_page(content)
    page = replace(page, lines=trim_teasers(page.lines))
    lines = page.lines
    body = "\n".join(line.text for line in lines)
    sigs = find_signatories(lines)
    names = hint_names(hints)
    host = host_of(hints.url) or page.host
    cands = issuer_candidates(lines, page.title, page.site_name, names, tuple(page.meta_lines), host)
    cand_feats = [candidate_features(c, cands, body, page.title, names, host) for c in cands]
    joint = joint_issuers(lines, cands) if len(sigs.orgs) < 2 else []
    facts = PageFacts(
        lines, page.title, len(sigs.orgs) + len(sigs.individuals), sigs.inline, len(joint), page.teasers,
        page.byline, hints.statements_only, names, host, tuple(page.meta_lines),
    )  # fmt: skip
    features = page_features(facts, cands)
    features["person_byline"] = 1.0 if person_byline(lines, page.byline) else 0.0
    return Analysis(page, hints, sigs, cands, cand_feats, joint, features)


_CUT = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")


def trim_teasers(lines: list[Line]) -> list[Line]:
    """Drop a tail of teasers of other posts after the text ("title / first words… / Read more", twice or
    more): they are not part of the page's statement. A page made only of teasers (a listing) is kept."""
    more = [i for i, line in enumerate(lines) if TEASER_LINK.match(fold(line.text))]
    if len(more) < 2:
        return lines
    first = more[0]
    cut = first - 1 if first >= 1 and _CUT.search(lines[first - 1].text) else first
    if cut >= 1 and words(lines[cut - 1].text) <= 20 and cut < first:
        cut -= 1  # the teaser's title
    body = sum(words(line.text) for line in lines[:cut])
    return lines[:cut] if body >= 80 else lines


def hint_names(hints: Hints) -> tuple[str, ...]:
    """The names of the source's organisation, the display name first, without repeats."""
    out: list[str] = []
    for name in (hints.source_name, *hints.org_names):
        if name and fold(name) not in {fold(n) for n in out}:
            out.append(name)
    return tuple(out)


def decide(a: Analysis, model: Model) -> Statement:
    lines, page, sigs = a.lines, a.page, a.sigs
    body = "\n".join(line.text for line in lines)
    prob = model.statement.prob(a.features)
    if a.hints.statements_only:
        prob = 1.0  # the source publishes statements only
    elif a.features.get("listing", 0.0) >= 1.0 or ARCHIVE_TITLE.search(fold(page.title or "")):
        prob = min(prob, 0.05)  # a listing or a tag/date archive is never a statement (docs/extraction.md)
    base = Statement(
        is_statement=False,
        title=_title(page, lines),
        language=language_of(body, sigs.orgs + sigs.individuals) or a.hints.language,
        lead=lead_of(_lead_paragraphs(lines, sigs, page.title)),
        body=body,
        full_text_links=_full_text_links(page, a.hints.url),
        confidence=prob,
        evidence=_evidence(model, a.features),
    )
    if prob < 0.5:
        return base
    signatories, issuer = _signers(a, model)
    kind = kind_of(lines, page.title, len(signatories) + len(sigs.individuals), recipients_at_top(lines))
    return replace(
        base,
        is_statement=True,
        kind=kind,
        published=published(lines, page.meta_dates + page.header_dates, a.hints.published),
        issuer=issuer,
        signatories=tuple(signatories),
        individuals=tuple(sigs.individuals),
        withdrawn_from=withdrawn_from(lines, page.title) if kind == "withdrawal" else None,
    )


def _signers(a: Analysis, model: Model) -> tuple[list[str], str | None]:
    """A signatory block of several organisations, or joint issuers: no issuer. Otherwise the issuer
    signs alone: the one name of a block, else the best-ranked candidate, else the source's organisation."""
    if len(a.sigs.orgs) >= 2:
        return a.sigs.orgs, None
    if a.joint:
        return a.joint, None
    if len(a.sigs.orgs) == 1:
        return a.sigs.orgs, a.sigs.orgs[0]
    if a.sigs.individuals:
        return [], None
    issuer = best_issuer(a, model)
    return ([issuer] if issuer else []), issuer


def best_issuer(a: Analysis, model: Model) -> str | None:
    scored = sorted(_votes(a, model), key=lambda x: (-x[0], x[1]))
    names = hint_names(a.hints)
    if scored and scored[0][0] >= model.issuer_floor:
        best = a.candidates[scored[0][1]].name
        if not names or scored[0][0] >= 0.5 or fold(best) in {fold(n) for n in names}:
            return issuer_form(best)
    return names[0] if names else None


def _votes(a: Analysis, model: Model) -> list[tuple[float, int]]:
    """Each candidate's probability, with the places that give the same name pooled (noisy-or): a name
    found on several lines (signature, title, opening) outweighs a variant found once."""
    probs = [model.issuer.prob(f) for f in a.candidate_features]
    keys = [fold(issuer_form(c.name)) for c in a.candidates]
    best: dict[tuple[str, int], float] = {}  # one vote per line: an opening is also its sentence's subject
    for key, cand, p in zip(keys, a.candidates, probs, strict=True):
        place = (key, cand.line if cand.line >= 0 else -1 - len(best))
        best[place] = max(best.get(place, 0.0), p)
    miss: dict[str, float] = {}
    for (key, _), p in best.items():
        miss[key] = miss.get(key, 1.0) * (1.0 - p)
    return [(max(p, 1.0 - miss[key]), i) for i, (key, p) in enumerate(zip(keys, probs, strict=True))]


def _evidence(model: Model, features: dict[str, float], top: int = 6) -> tuple[str, ...]:
    """The cues that weighed most in the statement decision, signed: ("names2:+3.1", "reports:-1.2")."""
    parts = [(model.statement.weights.get(k, 0.0) * v, k) for k, v in features.items() if v]
    parts.sort(key=lambda p: -abs(p[0]))
    return tuple(f"{k}:{w:+.2f}" for w, k in parts[:top] if abs(w) >= 0.05)


def _title(page: Page, lines: list[Line]) -> str | None:
    """The page's title; without one, a statement-word line near the top or a short first line (not a
    date, a phone number or a recipient)."""
    if page.title:
        return page.title
    found = text_title(lines)
    if found and not is_date_line(found) and not recipients_at_top([Line(found)]) and words(found) <= 12:
        return found.rstrip(":")
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
