"""Outbound Telegram messages: the render_* helpers (statements, lists, organisations, health, alerts).

Pure: imports only bot.models, bot.tg.i18n, bot.tg.text and the stdlib; no I/O, never telegram.
Every render_* result is Telegram-HTML (parse_mode=HTML) in which every untrusted string — titles, org
names, URLs — was escaped here, and every message is ≤ 4096 UTF-16 units after entity parsing
(docs/libraries.md). Arabic messages start each line with Arabic or U+200F (RLM) and isolate Latin runs in
U+2068…U+2069. The text primitives (`tg_len`, `esc`, `link`, `isolate`, `shorten`, `split_text`, `pack`,
`plain`) are `bot.tgtext`'s, re-exported here; the sender is `bot.sender`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from bot.models import Activity, OrgProfile, ReviewItem, SourceHealth, StoredStatement
from bot.tg.i18n import (
    FSI,
    PDI,
    RLM,
    bidi_wrap,
    count,
    count_orgs,
    format_date,
    has_rtl,
    kind_label,
    more_orgs,
    norm_lang,
    t,
)
from bot.tg.text import (
    LIMIT,
    MARGIN,
    URL_MAX,
    esc,
    isolate,
    isolate_html,
    link,
    linkable,
    pack,
    plain,
    shorten,
    split_text,
    tg_len,
    utf16_len,
)

__all__ = [
    "CAPTION_LIMIT",
    "LEAD_MAX",
    "LIMIT",
    "MARGIN",
    "NAMES_BUDGET",
    "NAME_MAX",
    "TITLE_MAX",
    "URL_MAX",
    "esc",
    "isolate",
    "isolate_html",
    "link",
    "pack",
    "plain",
    "render_alert",
    "render_chart_caption",
    "render_health",
    "render_list",
    "render_org_profile",
    "render_sources",
    "render_statement_full",
    "render_statement_line",
    "render_summary",
    "shorten",
    "split_text",
    "tg_len",
    "utf16_len",
]

TITLE_MAX = 300
LEAD_MAX = 350
NAME_MAX = 150
NAMES_BUDGET = 1500  # UTF-16 units of the signatory names shown in a summary
CAPTION_LIMIT = 1024  # UTF-16 units of a photo's caption after entity parsing

_UNSAFE = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


# ───────────────────────────── values and lines ─────────────────────────────


def _clean(text: str) -> str:
    """Untrusted text on one line: no bidi controls, control characters or lone surrogates."""
    return " ".join(_UNSAFE.sub(" ", text).split())


def _val(text: str, lang: str, limit: int) -> str:
    """An untrusted value as HTML: cleaned, shortened, bidi-isolated for the message language, escaped."""
    value = shorten(_clean(text), limit)
    if lang == "ar" and has_rtl(value):
        return esc(isolate(value))
    return esc(bidi_wrap(value, lang))


def _starts_rtl(line_html: str) -> bool:
    text = plain(line_html)
    return not text or text[0] == RLM or unicodedata.bidirectional(text[0]) in ("R", "AL")


def _rtl(line_html: str, lang: str) -> str:
    """Arabic messages: prefix RLM to a line that does not start with Arabic; /commands, ids and dates
    in isolates (``isolate_html``)."""
    if lang != "ar":
        return line_html
    return isolate_html(line_html if _starts_rtl(line_html) else RLM + line_html)


def _lines(lines: Sequence[str], lang: str) -> str:
    return "\n".join(_rtl(line, lang) for line in lines if line)


def _fit(message: str, limit: int = LIMIT) -> str:
    """Safety net: a message over the limit becomes its plain text, cut."""
    if tg_len(message) <= limit:
        return message
    return split_text(plain(message), limit)[0]


def _when(value: date | datetime | None, lang: str) -> str:
    if isinstance(value, datetime):
        suffix = " UTC" if value.tzinfo else ""
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.strftime("%Y-%m-%d %H:%M") + suffix
    return format_date(value, lang) if value else "—"


# ───────────────────────────── statements ─────────────────────────────


def _title(st: StoredStatement, lang: str, limit: int = TITLE_MAX) -> str:
    return _val(st.title, lang, limit) if st.title and st.title.strip() else t("untitled", lang)


def _names(names: Sequence[str], lang: str, max_names: int) -> list[str]:
    """The first names as HTML, within NAMES_BUDGET units."""
    shown: list[str] = []
    used = 0
    for name in names[: max(0, max_names)]:
        value = _val(name, lang, NAME_MAX)
        used += tg_len(value) + 2
        if used > NAMES_BUDGET:
            break
        shown.append(value)
    return shown


def _who(st: StoredStatement, lang: str, max_names: int) -> tuple[str, bool]:
    """The issuer line or 'signed by N organisations: A, B +N more and M individuals'; True when names
    were left out."""
    n, people, issuer = len(st.signatories), len(st.individuals), st.issuer_for(lang)
    if issuer and issuer.strip() and n < 2:
        line = f"{t('lbl_issuer', lang)}: {_val(issuer, lang, NAME_MAX)}"
        if people:
            line += "\n" + _rtl(esc(t("lbl_signed_by", lang, count=count(people, "individual", lang))), lang)
        return line, False
    if n == 0:
        signed = t("lbl_signed_by", lang, count=count(people, "individual", lang))
        return (esc(signed) if people else ""), False
    shown = _names(st.signatories_for(lang), lang, max_names)
    line = esc(t("lbl_signed_by", lang, count=count_orgs(n, lang)))
    if shown:
        line += ": " + ("، " if lang == "ar" else ", ").join(shown)
    if n > len(shown):
        line += " " + esc(more_orgs(n - len(shown), lang))
    if people:
        line += " " + esc(t("and_individuals", lang, count=count(people, "individual", lang)))
    return line, n > len(shown)


def _counts(st: StoredStatement, lang: str) -> str:
    """'12 organisations and 60 individuals' (digest lines); '' when nobody was extracted."""
    parts = [count_orgs(len(st.signatories), lang)] if st.signatories else []
    if st.individuals:
        people = count(len(st.individuals), "individual", lang)
        parts.append(t("and_individuals", lang, count=people) if parts else people)
    return esc(" ".join(parts))


def _source(st: StoredStatement, lang: str, source_name: str | None) -> str:
    line = f"{t('lbl_source', lang)}: {_val(source_name or st.source, lang, 100)}"
    others = len(set(st.sources) - {st.source})
    return f"{line} (+{others})" if others else line


def render_summary(
    st: StoredStatement, lang: str = "ar", *, max_names: int = 5, source_name: str | None = None
) -> str:
    """The push message of a new statement: kind, title, who signed, date, source, lead, link (≤ 4096)."""
    lang = norm_lang(lang)
    who, cut = _who(st, lang, max_names)
    read = link(st.url, t("lbl_read", lang))
    if cut or st.individuals:
        read += f" · {t('lbl_full_list', lang)}: /statement {st.id}"
    lines = [
        f"<b>{esc(kind_label(st.kind, lang))}</b>",
        f"<b>{_title(st, lang)}</b>",
        who,
        f"{t('lbl_date', lang)}: {esc(format_date(st.published, lang))}" if st.published else "",
        _source(st, lang, source_name),
        _val(st.lead, lang, LEAD_MAX) if st.lead else "",
        f"⚠️ {esc(t('lbl_unreviewed', lang))}" if st.review == "open" else "",
        read,
    ]
    return _fit(_lines(lines, lang))


def render_statement_line(st: StoredStatement, lang: str = "ar", *, counts: bool = False) -> str:
    """One line: date · kind · linked title · ID (· who signed: "12 organisations", with ``counts``)."""
    lang = norm_lang(lang)
    when = st.published.isoformat() if st.published else "—"
    title = plain(_title(st, lang, 200))
    parts = [when, esc(kind_label(st.kind, lang)), link(st.url, title), t("lbl_id", lang, id=st.id)]
    if counts and (signed := _counts(st, lang)):
        parts.append(signed)
    return _rtl(" · ".join(parts), lang)


def _name_blocks(header_key: str, names: Sequence[str], lang: str) -> list[str]:
    if not names:
        return []
    head = "\n" + _rtl(f"<b>{t(header_key, lang, n=len(names))}</b>", lang)
    return [head, *(_rtl(f"{i}. {_val(name, lang, 500)}", lang) for i, name in enumerate(names, 1))]


def render_statement_full(
    st: StoredStatement, lang: str = "ar", *, source_name: str | None = None
) -> list[str]:
    """/statement ID: the header and every signatory (organisations, then individuals), ≤ 4096 per message."""
    lang = norm_lang(lang)
    header = [
        f"<b>{esc(kind_label(st.kind, lang))}</b> · {t('lbl_id', lang, id=st.id)}",
        f"<b>{_title(st, lang)}</b>",
        f"{t('lbl_issuer', lang)}: {_val(issuer, lang, NAME_MAX)}" if (issuer := st.issuer_for(lang)) else "",
        f"{t('lbl_date', lang)}: {esc(format_date(st.published, lang))}" if st.published else "",
        _source(st, lang, source_name),
        link(st.url, t("lbl_read", lang)),
    ]
    blocks = [_lines(header, lang)]
    blocks += _name_blocks("lbl_signatories_n", st.signatories_for(lang), lang)
    blocks += _name_blocks("lbl_individuals_n", st.individuals, lang)
    if not st.signatories and not st.individuals:
        blocks.append("\n" + t("no_signatories", lang))
    chunks = [chunk.strip() for chunk in pack(blocks, LIMIT - _PART_ROOM, sep="\n")]
    return numbered(chunks, lang)


_PART_ROOM = 20  # UTF-16 units kept free in each message of a long answer for its "(2/5)" line


def numbered(chunks: list[str], lang: str) -> list[str]:
    """The messages of one long answer, each starting with "(2/5)" when there are several."""
    if len(chunks) < 2:
        return chunks
    n = len(chunks)
    parts = [f"({i}/{n})" if lang != "ar" else f"{RLM}{FSI}({i}/{n}){PDI}" for i in range(1, n + 1)]
    return [f"{part}\n{chunk}" for part, chunk in zip(parts, chunks, strict=True)]


def render_list(
    statements: Sequence[StoredStatement], lang: str, header: str, *, counts: bool = False
) -> list[str]:
    """A header (trusted HTML, e.g. a t() result) and one line per statement, packed ≤ 4096; with
    ``counts`` (digests) each line says how many organisations and individuals signed."""
    lang = norm_lang(lang)
    blocks = [_rtl(f"<b>{header}</b>", lang)]
    lines = [render_statement_line(st, lang, counts=counts) for st in statements]
    return pack(blocks + (lines or [t("no_results", lang)]), sep="\n")


# ───────────────────────────── organisations, health, alerts ─────────────────────────────


def _org_head(profile: OrgProfile, lang: str) -> list[str]:
    org = profile.org
    main = org.display_name(lang)
    other = org.name if main != org.name else org.name_en
    lines = [f"<b>{_val(main, lang, TITLE_MAX)}</b>"]
    if other and other != main:
        lines.append(_val(other, lang, TITLE_MAX))
    if org.acronyms:
        lines.append(f"{t('lbl_acronyms', lang)}: " + ", ".join(_val(a, lang, 40) for a in org.acronyms))
    if org.website and linkable(org.website):
        lines.append(f"{t('lbl_website', lang)}: {link(org.website, shorten(org.website, 80))}")
    if org.provisional:
        lines.append(f"<i>{t('org_provisional', lang)}</i>")
    return lines


def _org_stats(profile: OrgProfile, lang: str) -> list[str]:
    lines = [f"{t('lbl_statements', lang)}: {profile.count}"]
    if profile.first:
        lines.append(f"{t('lbl_first', lang)}: {esc(_when(profile.first, lang))}")
    if profile.last:
        lines.append(f"{t('lbl_last', lang)}: {esc(_when(profile.last, lang))}")
    kinds = sorted(profile.kinds.items(), key=lambda kv: -kv[1])
    if kinds:
        sep = "، " if lang == "ar" else ", "
        text = sep.join(f"{kind_label(k, lang)} {n}" for k, n in kinds)
        lines.append(f"{t('lbl_kinds', lang)}: {esc(text)}")
    return lines


def _org_relations(profile: OrgProfile, lang: str) -> list[str]:
    lines: list[str] = []
    co_signers = profile.co_signers[:10]
    if co_signers:
        lines.append(f"<b>{t('lbl_cosigners', lang)}</b>")
        lines += [f"• {_val(c.for_reader(lang), lang, NAME_MAX)} ({c.shared})" for c in co_signers]
    withdrawals = profile.withdrawals[:5]
    if withdrawals:
        lines.append(f"<b>{t('lbl_withdrawals', lang)}</b>")
    for title, from_text, when in withdrawals:
        line = f"• {_val(title or t('untitled', lang), lang, 200)}"
        if from_text:
            line += f" — {t('lbl_from', lang)}: {_val(from_text, lang, 200)}"
        lines.append(f"{line} ({esc(_when(when, lang))})" if when else line)
    return lines


def render_org_profile(profile: OrgProfile, lang: str = "ar") -> str:
    """/org: names, website, counts, first/last dates, kinds, frequent co-signers and withdrawals (≤ 4096)."""
    lang = norm_lang(lang)
    lines = _org_head(profile, lang) + _org_stats(profile, lang) + _org_relations(profile, lang)
    return _fit(_lines(lines, lang))


def render_chart_caption(activity: Activity, lang: str = "ar") -> str:
    """/chart's photo caption: the organisation (with its first acronym) or "All organisations", how many
    statements and organisations, first and latest dates (≤ CAPTION_LIMIT)."""
    lang = norm_lang(lang)
    org = activity.org
    if org is None:
        head = f"<b>{t('chart_field_title', lang)}</b>"
    else:
        name = org.display_name(lang)
        acronym = org.acronyms[0] if org.acronyms and org.acronyms[0] not in name else None
        head = f"<b>{_val(name, lang, TITLE_MAX)}</b>" + (f" ({_val(acronym, lang, 40)})" if acronym else "")
    key = "chart_with_orgs" if org is not None else "chart_signed_by"
    counts = (
        esc(count(activity.total, "statement", lang))
        + " · "
        + t(key, lang, orgs=count_orgs(activity.orgs, lang))
    )
    lines = [head, counts]
    if activity.first and activity.last:
        lines.append(f"{t('lbl_first', lang)}: {esc(_when(activity.first, lang))}")
        lines.append(f"{t('lbl_last', lang)}: {esc(_when(activity.last, lang))}")
    return _fit(_lines(lines, lang), CAPTION_LIMIT)


def _health_line(row: SourceHealth, lang: str) -> str:
    name = f"<code>{esc(shorten(_clean(row.source_id), 64))}</code>"
    if row.error_count == 0 and row.empty_count == 0:
        if not row.last_ok:
            return f"⏳ {name} — {t('health_never', lang)}"
        return f"✅ {name} — {t('lbl_last_ok', lang)}: {esc(_when(row.last_ok, lang))}"
    icon = "❌" if max(row.error_count, row.empty_count) >= 5 else "⚠️"
    parts = [f"{icon} {name}"]
    if row.error_count:
        kind = f" ({esc(row.error_kind)})" if row.error_kind else ""
        parts.append(f"{t('lbl_errors', lang)}: {row.error_count}{kind}")
    if row.empty_count:
        parts.append(f"{t('lbl_empty', lang)}: {row.empty_count}")
    if row.last_error and row.error_count:
        parts.append(_val(row.last_error, lang, 150))
    parts.append(f"{t('lbl_last_ok', lang)}: {esc(_when(row.last_ok, lang))}")
    if row.next_check:
        parts.append(f"{t('lbl_next', lang)}: {esc(_when(row.next_check, lang))}")
    return " · ".join(parts)


def render_health(
    rows: Sequence[SourceHealth], lang: str = "ar", *, urls: Mapping[str, str] | None = None
) -> list[str]:
    """/status and /sources for admins: one line per source (id, counts, the raw last error; its URL when
    ``urls`` has it), packed ≤ 4096."""
    lang = norm_lang(lang)
    blocks = [_rtl(f"<b>{t('health_header', lang, n=len(rows))}</b>", lang)]
    for row in rows:
        line = _health_line(row, lang)
        url = (urls or {}).get(row.source_id)
        blocks.append(_rtl(f"{line} · {link(url, shorten(url, 80))}" if url else line, lang))
    return pack(blocks, sep="\n")


def _health_words(row: SourceHealth, lang: str) -> str:
    if max(row.error_count, row.empty_count) >= 5:
        return f"❌ {t('health_down', lang)}"
    if row.error_count or row.empty_count:
        return f"⚠️ {t('health_trouble', lang)}"
    return f"✅ {t('health_ok', lang)}" if row.last_ok else f"⏳ {t('health_never', lang)}"


def render_sources(rows: Sequence[SourceHealth], names: Mapping[str, str], lang: str = "ar") -> list[str]:
    """/sources for everyone: each source's name and its health in words (no ids, errors or URLs)."""
    lang = norm_lang(lang)
    blocks = [_rtl(f"<b>{t('sources_header', lang, n=len(rows))}</b>", lang)]
    for row in rows:
        line = f"• {_val(names.get(row.source_id, row.source_id), lang, 100)} — {_health_words(row, lang)}"
        if row.last_ok:
            line += f" ({t('lbl_last_ok', lang)}: {esc(_when(row.last_ok, lang))})"
        blocks.append(_rtl(line, lang))
    return pack(blocks, sep="\n")


def render_alert(text: str, lang: str = "en") -> str:
    """An admin alert: a bold header and the escaped text, cut to fit one message."""
    lang = norm_lang(lang)
    header = _rtl(f"⚠️ <b>{t('alert_header', lang)}</b>", lang)
    body = _UNSAFE.sub(" ", text).strip()
    pieces = split_text(body, LIMIT - tg_len(header) - 2) if body else []
    if len(pieces) > 1:
        pieces[0] += "…"
    return "\n".join([header, *[_rtl(line, lang) for line in pieces[:1]]])


# ───────────────────────────── review (issue 14) ─────────────────────────────

REVIEW_NAMES = 15  # signatories listed in a review message
REVIEW_CUES = 6  # cues of the extraction decision shown


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_review(item: ReviewItem, lang: str, waiting: int, source_name: str | None = None) -> str:
    """One item of the review queue for an admin: title, source, link, what the extractor decided and why
    (its strongest cues), its kind, issuer and signatories, whether it is held, what changed, the decision."""
    lang, st = norm_lang(lang), item.statement
    said = "review_said_yes" if item.reason == "doubtful" else "review_said_no"
    sure = st.confidence if item.reason == "doubtful" else 1.0 - st.confidence
    lines = [
        f"<b>{esc(t('review_head', lang, n=waiting))}</b> · <code>{st.id}</code>",
        f"<b>{_title(st, lang)}</b>",
        _source(st, lang, source_name),
        link(st.url, t("lbl_read", lang)),
        esc(t(said, lang, value=f"{sure:.2f}")),
        esc(t("review_why", lang, text=", ".join(st.evidence[:REVIEW_CUES]) or "-")),
        f"<b>{esc(kind_label(st.kind, lang))}</b>",
        f"{t('lbl_issuer', lang)}: {_val(st.issuer, lang, NAME_MAX)}" if st.issuer else "",
    ]
    lines += _review_names(st, lang)
    if item.held and item.hold_until is not None:
        lines.append(esc(t("review_held", lang, until=_utc(item.hold_until))))
    elif item.reason == "candidate" and item.state == "open":
        lines.append(esc(t("review_hidden", lang)))
    if item.changed:
        lines.append(esc(t("review_changed", lang, what=shorten(_clean(item.changed), 600))))
    if item.decision is not None:
        verdict = t("review_yes" if item.decision.is_statement else "review_no", lang)
        what = f"{verdict} ({item.decision.by}, {_utc(item.decision.at)})"
        lines.append(esc(t("review_decided", lang, what=what)))
    return _fit(_lines(lines, lang))


def _review_names(st: StoredStatement, lang: str) -> list[str]:
    if not st.signatories:
        return [esc(t("review_none", lang))]
    head = esc(t("lbl_signed_by", lang, count=count_orgs(len(st.signatories), lang)))
    shown = [f"{i}. {_val(name, lang, NAME_MAX)}" for i, name in enumerate(st.signatories[:REVIEW_NAMES], 1)]
    more = len(st.signatories) - len(shown)
    return [head + ":", *shown, *([esc(more_orgs(more, lang))] if more > 0 else [])]


def render_review_done(st: StoredStatement, lang: str, accepted: bool, pushed: bool) -> str:
    """What a decision did: accepted (pushed now?) or withdrawn."""
    lang = norm_lang(lang)
    title = shorten(_clean(st.title or st.url), TITLE_MAX)
    if not accepted:
        return _lines([esc(t("review_done_no", lang, name=title))], lang)
    lines = [esc(t("review_done_yes", lang, name=title))]
    lines += [esc(t("review_done_pushed", lang))] if pushed else []
    return _lines(lines, lang)
