"""The numbers the fitted models read: one feature vector per page and one per issuer candidate.

Owns the page features of the statement decision (signatory blocks, signatures and issuer blocks, the
page's own voice, statement words, named recipients, reports and narration, credits and bylines, listing,
event, job and about cues, datelines, reprint markers, the source's hints) and the candidate features of
the issuer choice (where a candidate was found, how often and how early the page names it, its form).
Every value is in [0, 1]; names are stable strings, the keys of bot/extract/weights.json. What a cue
weighs is fitted by bench/fit_weights.py, never set here. Contains no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.extract import cues
from bot.extract.issuer import Candidate
from bot.extract.site import names_host
from bot.extract.text import Line, fold, is_date_line, quoted_lines, unquote, words

SCAN = (
    30_000  # characters of text read for cue words: a statement's voice shows early; keeps huge pages cheap
)
SOURCES = (
    "signature",
    "issued",
    "top",
    "we_in",
    "opening",
    "subject",
    "title",
    "lead",
    "byline",
    "site",
    "hint",
    "owner",
)


@dataclass(frozen=True)
class PageFacts:
    """What the passes found on a page, as the feature functions need it."""

    lines: list[Line]
    title: str | None
    names: int  # signatories under a signatory heading
    inline: bool  # those names came from a sentence
    joint: int  # organisations of a joint issuer found outside a signatory block
    teasers: int
    byline: str | None
    statements_only: bool
    hint_names: tuple[str, ...]
    host: str | None = None  # the site's host (bot.extract.site)
    meta: tuple[str, ...] = ()  # the post's short meta texts (author, date, category)


def _cap(count: float, cap: float) -> float:
    return min(count, cap) / cap


def _opening(lines: list[Line]) -> str:
    """The first sentence of the first paragraph of running text."""
    for line in lines[:8]:
        if words(line.text) >= 8 and not line.link:
            return re.split(r"(?<=[.!?؟])\s", line.text, maxsplit=1)[0]
    return ""


def page_features(facts: PageFacts, cands: list[Candidate]) -> dict[str, float]:
    """The page's feature vector for the statement decision."""
    lines = facts.lines
    quoted = quoted_lines(lines)
    text = "\n".join(ln.text for ln, q in zip(lines, quoted, strict=True) if not (ln.link or q))[:SCAN]
    own = fold(unquote(text))
    title = fold(facts.title or "")
    kicker = " ".join(fold(line.text) for line in lines[:3] if words(line.text) <= 12)
    sources = Counter(c.source for c in cands)
    opening = _opening(lines)
    f: dict[str, float] = {
        "names2": 1.0 if facts.names >= 2 else 0.0,
        "names1": 1.0 if facts.names == 1 else 0.0,
        "names_many": 1.0 if facts.names >= 8 else 0.0,  # a long list under a signatory heading
        "names_inline": 1.0 if facts.inline and facts.names >= 2 else 0.0,
        "joint_issuers": 1.0 if facts.joint >= 2 else 0.0,
        "statement_word": 1.0
        if cues.STATEMENT_WORD.search(title) or cues.STATEMENT_WORD.search(kicker)
        else 0.0,
        "title_verb": 1.0 if _title_verb(facts.title or "") else 0.0,
        "recipients": 1.0 if recipients_at_top(lines) else 0.0,
        "first_person": _cap(len(cues.FIRST_PERSON.findall(own)), 4),
        "demand": 1.0 if cues.DEMAND.search(own) else 0.0,
        "org_verbs": _cap(
            len(cues.AR_ORG_VERB.findall(own)) + len(cues.EN_ORG_VERB.findall(unquote(text))), 3
        ),
        "reports": _cap(len(cues.REPORT.findall(own)), 4),
        "past_opening": 1.0 if cues.PAST_OPENING.search(_undated(opening)) else 0.0,
        "report_opening": 1.0 if cues.REPORT.search(fold(unquote(opening))) else 0.0,
        "repeated_lines": 1.0 if _repeated_lines(lines) else 0.0,
        "narration": 1.0 if cues.NARRATION.search(fold(" ".join(opening.split()[:12]))) else 0.0,
        "title_narration": 1.0 if cues.NARRATION.search(title) else 0.0,
        "quoted": _quoted_share(text),
        "counted": 1.0 if cues.COUNTED_SIGNERS.search(own) else 0.0,
        "credit": 1.0 if _credit(lines, facts.byline) else 0.0,
        "interview": 1.0 if cues.INTERVIEW.search(own) else 0.0,
        "press_contact": 1.0 if cues.PRESS_CONTACT.search(fold(_body_tail(lines))) else 0.0,
        "profile": 1.0 if cues.PROFILE.search(fold(opening)) or cues.PROFILE.search(opening) else 0.0,
        "wire_dateline": 1.0 if lines and cues.WIRE_DATELINE.match(lines[0].text) else 0.0,
        "reprint": 1.0 if cues.REPRINT.search(fold(" ".join(ln.text for ln in lines[:6]))) else 0.0,
        "dateline": 1.0 if _dateline(lines) else 0.0,
        "listing": _listing(lines, facts.teasers),
        "event": _cap(len(cues.EVENT.findall(own)), 2),
        "notice": 1.0 if cues.NOTICE_TITLE.search(title) or cues.ABOUT_TITLE.match(title) else 0.0,
        "job": _cap(len(cues.JOB.findall(own)), 2),
        "short": 1.0 if words(text) < 60 else 0.0,
        "filed": 1.0 if _filed(facts) else 0.0,
        "statements_only": 1.0 if facts.statements_only else 0.0,
        "hint_named": 1.0 if _hint_named(facts.hint_names, own) else 0.0,
        "subject_repeat": 1.0 if _repeated_subject(cands) else 0.0,
    }
    for source in SOURCES[:9]:
        f[f"has_{source}"] = 1.0 if sources[source] else 0.0
    quiet = f["reports"] == 0 and f["report_opening"] == 0
    f["signed_unreported"] = 1.0 if quiet and (f["has_signature"] or f["has_issued"] or f["has_top"]) else 0.0
    f["voice_unreported"] = 1.0 if quiet and (f["demand"] or f["has_we_in"]) else 0.0
    f["subject_reported"] = 1.0 if _subject_reported(cands, own) else 0.0
    f["own_officer"] = 1.0 if _own_officer(cands, text) else 0.0
    f["signed_dated"] = 1.0 if _signed_dated(cands, lines) else 0.0
    own_site = _site_issuer(cands, facts.host)
    f["site_reports"] = f["reports"] if own_site else 0.0  # on its own site a release quotes its own staff
    # an editorial lead that reports the statement and then prints it ("أصدر X بيانا … فيما يلي نصه")
    f["reprint_lead"] = f["reprint"] * max(f["report_opening"], f["narration"], f["past_opening"])
    return f


_OFFICER = (
    r"(?:president|director|chair\w*|spokes\w+|head|secretary[- ]general|coordinator|ceo|founder"
    r"|رييس|رييسه|مدير|مديره|الناطق|المتحدث|منسق|الامين العام)"
)


def _own_officer(cands: list[Candidate], text: str) -> bool:
    """The title's organisation speaks through its own officer ("said IFJ President …", "X's director
    said"): a press release quoting its staff, not a report about the organisation."""
    heads = {c.name for c in cands if c.source == "title" and not c.cut and words(c.name) <= 8}
    for name in heads:
        org = re.escape(name)
        near = (
            rf"(?:{org}(?:'s|’s)?\s+(?:\w+\s+){{0,3}}{_OFFICER}"
            rf"|{_OFFICER}\w*\s+(?:\w+\s+){{0,4}}(?:of|at)\s+(?:the\s+)?{org})"
        )
        if re.search(
            rf"\b(?:said|says|added|stated)\b[^.]{{0,40}}{near}|{near}[^.]{{0,60}}\b(?:said|says|added)\b",
            text,
            re.I,
        ):
            return True
    return False


_PUBLISHER = ("site", "hint", "byline")  # who publishes the page, not what its text names


def _body_tail(lines: list[Line]) -> str:
    """The page's last lines, where a press release puts its contact footer."""
    return "\n".join(line.text for line in lines[-12:])


def _site_issuer(cands: list[Candidate], host: str | None) -> bool:
    """An organisation the text names (a subject, the title, or anywhere: the owner pass) owns the site."""
    named = ("subject", "opening", "title", "lead", "about", "owner")
    return any(not c.cut and c.source in named and names_host(c.name, host) for c in cands)


def _signed_dated(cands: list[Candidate], lines: list[Line]) -> bool:
    """A closing block: a signature line next to a date line among the last lines ("X" / "30/7/2009")."""
    dates = [i for i in range(max(len(lines) - 6, 0), len(lines)) if is_date_line(lines[i].text)]
    return any(c.source == "signature" and any(abs(c.line - d) <= 2 for d in dates) for c in cands)


def _subject_reported(cands: list[Candidate], own: str) -> bool:
    """The organisation the text speaks of is also the subject of report verbs ("وقالت الشبكة …")."""
    heads = {fold(c.name).split()[0] for c in cands if c.source in ("opening", "subject") and not c.cut}
    heads = {h for h in heads if len(h) >= 3}
    for head in heads:
        pattern = (
            rf"(?:قالت|قال|اضافت|اضاف|اشارت|اشار|اوضحت|اوضح|ذكرت|ذكر)\s+(?:ال)?{re.escape(head.removeprefix('ال'))}"
            rf"|\b{re.escape(head)}\s+(?:said|told|added|noted|reported)\b"
        )
        if re.search(pattern, own):
            return True
    return False


def candidate_features(cand: Candidate, cands: list[Candidate], body: str, title: str | None,
                       hint_names: tuple[str, ...], host: str | None = None) -> dict[str, float]:  # fmt: skip
    """The candidate's feature vector for the issuer choice."""
    key = fold(cand.name)
    core = _core(key)
    same = [c for c in cands if _core(fold(c.name)) == core]
    sources = {c.source for c in same}
    folded_body = fold(body)
    first = folded_body.find(key)
    f: dict[str, float] = {f"src_{cand.source}": 1.0}
    f.update({f"also_{s}": 1.0 for s in sources if s != cand.source})
    f.update(
        {
            "n_sources": _cap(len(sources), 4),
            "n_found": _cap(len({(c.source, c.line) for c in same}), 6),
            "freq": _cap(folded_body.count(key), 5),
            "boundary": _boundary(key, folded_body),
            "early": 1.0 - (first / max(len(folded_body), 1)) if first >= 0 else 0.0,
            "absent": 1.0 if first < 0 else 0.0,
            "in_title": 1.0 if core and core in fold(title or "") else 0.0,
            "cut": 1.0 if cand.cut else 0.0,
            "cut_words": _cap(cand.cut, 4),
            "paren": 1.0 if re.search(r"\([^)]+\)\s*$", cand.name) else 0.0,
            "paren_ar": 1.0 if re.search(r"\([^)]*[\u0600-\u06ff][^)]*\)\s*$", cand.name) else 0.0,
            "acronym": 1.0 if re.fullmatch(r"[A-Z][A-Za-z&-]{1,9}", cand.name) else 0.0,
            "expanded": 1.0 if _expanded(cand.name, cands) else 0.0,
            "long_words": _cap(words(cand.name), 10),
            "one_word": 1.0 if words(cand.name) == 1 else 0.0,
            "shorter_form": 1.0 if _shorter_form(cand, core, cands) else 0.0,
            "fullest": 1.0 if _fullest(cand, cands) else 0.0,
            "org_word": 1.0 if cues.ORG_WORD.search(key) else 0.0,
            "reported": 1.0 if _reported(key, folded_body) else 0.0,
            "hint_match": 1.0 if any(core == _core(fold(h)) for h in hint_names) else 0.0,
            "latin": 1.0 if re.search(r"[A-Za-z]", cand.name) else 0.0,
            "site_match": 1.0 if cand.source not in _PUBLISHER and names_host(cand.name, host) else 0.0,
        }
    )
    return f


def _expanded(name: str, cands: list[Candidate]) -> bool:
    """An acronym whose full form is also a candidate ("SAMS" beside "Syrian … Society (SAMS)")."""
    if not re.fullmatch(r"[A-Z][A-Za-z&-]{1,9}", name):
        return False
    return any(f"({name})" in c.name or _initials(c.name) == name.upper() for c in cands if c.name != name)


def _initials(name: str) -> str:
    return "".join(t[0] for t in re.findall(r"[A-Za-z][\w'’-]*", name) if t[0].isupper())


def _fullest(cand: Candidate, cands: list[Candidate]) -> bool:
    """The longest whole form among the names that start with the same two words ("الائتلاف الوطني
    لقوى الثورة والمعارضة السورية" beside "الائتلاف الوطني السوري")."""
    head = fold(cand.name).split()[:2]
    if cand.cut or len(head) < 2:
        return False
    same = [c for c in cands if not c.cut and fold(c.name).split()[:2] == head]
    return len(same) >= 2 and all(words(c.name) <= words(cand.name) for c in same)


def _shorter_form(cand: Candidate, core: str, cands: list[Candidate]) -> bool:
    """Another place names a longer form that contains this one ("تيار المستقبل" / "تيار المستقبل السوري")."""
    for other in cands:
        if other.cut or (other.line == cand.line and other.source == cand.source):
            continue
        longer = _core(fold(other.name))
        if longer != core and core in longer:
            return True
    return False


def _boundary(key: str, body: str) -> float:
    """How varied the words after the name are where it recurs: a whole name is followed by many
    different words, a part of a name mostly by the same next word."""
    after: Counter[str] = Counter()
    start = body.find(key)
    while start >= 0:
        tail = body[start + len(key) : start + len(key) + 30].split()
        after[tail[0] if tail and body[start + len(key) : start + len(key) + 1] in " \n" else ""] += 1
        start = body.find(key, start + 1)
    total = sum(after.values())
    if total < 2:
        return 0.0
    return 1.0 - after.most_common(1)[0][1] / total


def _core(key: str) -> str:
    """A name without a trailing parenthesis, a leading article or "the": for grouping forms of a name."""
    key = re.sub(r"\s*\([^)]*\)\s*$", "", key)
    key = re.sub(r"^(?:the|ال)\s*", "", key)
    return key.strip(" .,-–—")


def _is_whole(name: str) -> bool:
    return name.count("(") == name.count(")")


def _reported(key: str, body: str) -> bool:
    """The page reports what the candidate said: "قالت X", "X said", "according to X"."""
    pattern = (
        rf"(?:قال|قالت|اضاف|اضافت|ذكر|ذكرت|بحسب|according to|quoted)\s+(?:the\s+)?{re.escape(key)}"
        rf"|{re.escape(key)}\s+(?:\([^)]*\)\s+)?(?:said|told|reported|added|issued a statement)\b"
    )
    return bool(re.search(pattern, body))


def _repeated_subject(cands: list[Candidate]) -> bool:
    """The same organisation is the subject of two statement verbs or more (a point per line)."""
    counts = Counter(_core(fold(c.name)) for c in cands if c.source in ("subject", "opening"))
    return any(n >= 2 for n in counts.values())


def _hint_named(names: tuple[str, ...], own: str) -> bool:
    return any(len(_core(fold(n))) >= 3 and _core(fold(n)) in own for n in names)


def _title_verb(title: str) -> bool:
    return bool(
        re.search(rf"(?i:{cues.EN_VERBS})", title)
        or re.search(rf"(?:^|\s)(?:{cues.AR_PRESENT})(?=\s)", fold(title))
    )


def _quoted_share(text: str) -> float:
    if not text:
        return 0.0
    return min(1.0, (len(text) - len(unquote(text))) / len(text))


def _undated(text: str) -> str:
    m = cues.DATELINE.match(text)
    return text[m.end() :] if m and words(text[: m.end()]) <= 10 else text


def _filed(facts: PageFacts) -> bool:
    """A short category, section or breadcrumb line above the text files the post among statements."""
    title = fold(facts.title or "")
    near = [*facts.meta, *(ln.text for ln in facts.lines[:4])]
    parts = [p for t in near if fold(t) != title for p in re.split(r"\s[»›>|]\s", t)]  # a breadcrumb's steps
    return any(words(p) <= 8 and cues.FILED.search(fold(p)) for p in parts)


def _dateline(lines: list[Line]) -> bool:
    for line in lines[:4]:
        m = cues.DATELINE.match(line.text)
        if m and words(line.text) >= 10 and words(line.text[: m.end()]) <= 10:
            return True
    return False


def _credit(lines: list[Line], byline: str | None) -> bool:
    """A news credit: a source or reporter line at the top or the bottom, or a byline element."""
    if byline and cues.CREDIT.search(fold(byline)):
        return True
    edge = lines[:3] + lines[-4:]
    return any(words(ln.text) <= 14 and cues.CREDIT.search(fold(ln.text)) for ln in edge)


def _repeated_lines(lines: list[Line]) -> bool:
    """Two different short lines that each stand twice or more: the same heading block repeated, as in an
    archive page that shows several items in full ("تصريح صحفي / الائتلاف … / الدائرة الإعلامية")."""
    counts = Counter(fold(ln.text) for ln in lines if 1 <= words(ln.text) <= 8 and not ln.link)
    return sum(1 for n in counts.values() if n >= 2) >= 2


def _listing(lines: list[Line], teasers: int) -> float:
    """Teaser cards: linked headings, "Read more" links, many short dated items."""
    more = sum(1 for ln in lines if cues.TEASER_LINK.match(fold(ln.text)))
    heads = sum(1 for ln in lines if ln.heading and ln.tag in ("h2", "h3", "h4") and words(ln.text) >= 3)
    score = max(teasers, more, heads - 1 if heads >= 3 else 0)
    return _cap(score, 3)


def recipients_at_top(lines: list[Line]) -> bool:
    """Named recipients before the body starts ("Dear …", "السيد الأمين العام …", "To: …")."""
    for line in lines[:6]:
        key = fold(line.text)
        if words(key) > 20:
            return False
        if "الراي العام" in key or "public opinion" in key:
            continue
        if cues.SALUTATION.match(key) or (words(key) <= 15 and cues.OFFICE.search(key)):
            return True
    return False
