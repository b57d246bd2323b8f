"""Frozen dataclasses that cross module boundaries, and the project's exception types.

Owns the vocabulary of Bayan: sources, fetched responses, feed items, extracted statements, stored
statements, organisations, subscriptions and deliveries. Contains no I/O and imports only the stdlib.

Every record is ``@record``: a ``dataclass(frozen=True)`` whose ``__repr__``, ``__eq__`` and ``__hash__``
are three shared functions over its fields instead of code generated for each class. The dataclass
machinery compiles each method it writes (≈ 0.1 ms apiece, Python 3.11): six per frozen class made this
module ≈ 29 ms of every start (``bayan poll --once``, bench/startup.py), three now. They answer what the
generated ones would: the class's qualified name and each ``repr`` field; equal when the class is the same
and the ``compare`` fields are; the hash of those fields' tuple.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple, TypeVar, dataclass_transform

SourceType = Literal["feed", "wordpress", "page"]
Kind = Literal["withdrawal", "open_letter", "joint", "single"]
ErrorKind = Literal[
    "http",
    "network",
    "timeout",
    "too_large",
    "parse",
    "blocked",
    "empty",
    "config",
    "internal",
    "refused",
    "database",
]


_T = TypeVar("_T")
_FIELD_NAMES: dict[tuple[type, str], tuple[str, ...]] = {}


def _field_names(cls: type, role: str) -> tuple[str, ...]:
    """The fields of ``cls`` that take part in its repr, its equality or its hash, in order (cached)."""
    found = _FIELD_NAMES.get((cls, role))
    if found is None:
        chosen = tuple(f.name for f in fields(cls) if _takes_part(f, role))
        found = _FIELD_NAMES[(cls, role)] = chosen
    return found


def _takes_part(f: Field[Any], role: str) -> bool:
    if role == "hash" and f.hash is None:  # a field's hash None means "as its compare" (dataclasses)
        return f.compare
    return bool(getattr(f, role))


@reprlib.recursive_repr()
def _record_repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _field_names(type(self), "repr"))
    return f"{type(self).__qualname__}({shown})"


def _record_eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        names = _field_names(type(self), "compare")
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
    return NotImplemented


def _record_hash(self: Any) -> int:
    return hash(tuple(getattr(self, n) for n in _field_names(type(self), "hash")))


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_T]) -> type[_T]:
    """``@dataclass(frozen=True)`` with the shared ``__repr__`` (unless the class has its own), ``__eq__``
    and ``__hash__`` (see the module docstring)."""
    if "__repr__" not in cls.__dict__:
        setattr(cls, "__repr__", _record_repr)  # noqa: B010
    setattr(cls, "__eq__", _record_eq)  # noqa: B010
    setattr(cls, "__hash__", _record_hash)  # noqa: B010
    return dataclass(frozen=True, repr=False, eq=False)(cls)


def utcnow() -> datetime:
    """The default clock (aware UTC). Code that decides by time takes ``now`` as an argument."""
    return datetime.now(UTC)


# ───────────────────────────── errors ─────────────────────────────


class BayanError(Exception):
    """Base of every error Bayan raises on purpose; its message is shown to the user as is."""


class ConfigError(BayanError):
    """A problem in feeds.yaml or the environment. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class FetchError(BayanError):
    """An HTTP fetch failed. ``kind`` classifies it for health records and backoff."""

    def __init__(
        self,
        url: str,
        message: str,
        *,
        kind: ErrorKind = "network",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.kind: ErrorKind = kind
        self.status = status
        self.retry_after = retry_after


class ParseError(BayanError):
    """A feed or listing page could not be turned into items (or a listing matched nothing)."""

    def __init__(self, message: str, *, kind: ErrorKind = "parse") -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


# ───────────────────────────── configuration ─────────────────────────────


@record
class Selectors:
    """CSS selectors of a listing page; link/title/date are relative to one item."""

    item: str
    link: str
    title: str | None = None
    date: str | None = None
    next: str | None = None  # the link to the older page of the listing (bayan backfill)


@record
class ReviewPolicy:
    """feeds.yaml ``defaults.review``: which extractions a person confirms (bot.review, storage.reviews).

    A page's certainty is the statement probability (``confidence``) when it was read as a statement, one
    minus it otherwise; below ``threshold`` it is doubtful and enters the review queue. With ``hold`` a
    doubtful statement is pushed only once reviewed, or after ``hold_max`` seconds marked as unreviewed."""

    threshold: float = 0.7
    hold: bool = True
    hold_max: float = 6 * 3600.0

    @staticmethod
    def certainty(confidence: float, is_statement: bool) -> float:
        """How sure the extractor is of what it decided (0.5: a coin toss, 1.0: certain)."""
        return confidence if is_statement else 1.0 - confidence

    def doubtful(self, confidence: float, is_statement: bool) -> bool:
        """Does this decision go to review?"""
        return self.certainty(confidence, is_statement) < self.threshold


@record
class Source:
    """One entry of feeds.yaml, validated. ``line`` is where it starts in the file (for messages)."""

    id: str
    url: str
    type: SourceType = "feed"
    name: str | None = None
    name_en: str | None = None
    language: str | None = None
    interval: float = 1800.0  # seconds
    statements_only: bool = False
    enabled: bool = True
    selectors: Selectors | None = None
    fallback_urls: tuple[str, ...] = ()
    html_fallback: tuple[str, Selectors] | None = None  # a listing page scraped when the feed fails
    aliases: tuple[str, ...] = ()
    org: str | None = None
    homepage: str | None = None  # the site of the source (documentation; OPML's htmlUrl)
    announce_first_poll: bool = False
    max_new_items: int = 50
    date_format: str | None = None
    follow_full_text_links: bool = True
    keyword_prefilter: bool = False
    keywords: tuple[str, ...] = ()  # with keyword_prefilter: only items whose title has one are fetched
    allow_private_addresses: bool = False  # defaults.allow_private_addresses: links may go anywhere
    review: ReviewPolicy = field(default_factory=ReviewPolicy)  # defaults.review
    page_url: str | None = None  # the older pages of a listing, "{n}" their number (bayan backfill)
    page_start: int = 2  # the number of the first older page in page_url
    sitemap: str | None = None  # a sitemap (or sitemap index) of the site's pages (bayan backfill)
    line: int | None = None

    def display_name(self, lang: str | None) -> str:
        """The source's name for a reader of ``lang`` ("en": the English name first), else its id."""
        first, second = (self.name_en, self.name) if lang == "en" else (self.name, self.name_en)
        return first or second or self.id

    @property
    def own_urls(self) -> tuple[str, ...]:
        """The source's configured URLs (url, fallback_urls, html_fallback, page_url, sitemap): their
        origins are its own."""
        fallback = (self.html_fallback[0],) if self.html_fallback else ()
        history = tuple(u.replace("{n}", "1") for u in (self.page_url, self.sitemap) if u)
        return (self.url, *self.fallback_urls, *fallback, *history)

    def hints(self, *, url: str | None = None, published: date | None = None) -> Hints:
        """What extraction is told about a page of this source (the only place a Source becomes Hints)."""
        names = tuple(dict.fromkeys(n for n in (self.name, self.name_en, *self.aliases) if n))
        return Hints(
            language=self.language,
            statements_only=self.statements_only,
            source_name=self.display_name(None) if (self.name or self.name_en) else None,
            url=url,
            published=published,
            org_names=names,
        )


@record
class Settings:
    """Process settings, built once from the environment (see config.load_settings)."""

    token: str | None = None
    api_url: str = "https://api.telegram.org/bot"
    db_path: str = "storage/bayan.db"
    config_path: str = "feeds.yaml"
    admins: frozenset[int] = frozenset()
    log_level: str = "INFO"
    user_agent: str | None = None  # feeds.yaml defaults.user_agent
    http_timeout: float | None = None  # feeds.yaml defaults.timeout (seconds)
    per_host: int | None = None  # feeds.yaml defaults.per_host (None: 4)

    def __repr__(self) -> str:  # never print the token
        token = "set" if self.token else "unset"
        return (
            f"Settings(token={token}, api_url={self.api_url!r}, db_path={self.db_path!r}, "
            f"config_path={self.config_path!r}, admins={sorted(self.admins)}, log_level={self.log_level!r})"
        )


# ───────────────────────────── fetching ─────────────────────────────


Origin = tuple[str, str, int]  # scheme, host (lower case, IDNA), port (the scheme's default when absent)


@record
class LinkPolicy:
    """Where one fetch may go: its own ``origins`` always, any other origin only when every address its host
    resolves to is public, unless ``allow_private`` (bot.netguard applies it)."""

    origins: frozenset[Origin] = frozenset()
    allow_private: bool = False


@record
class Validators:
    """What a conditional GET sends back: stored from the last good response."""

    etag: str | None = None
    last_modified: str | None = None
    content_sha: str | None = None


@record
class Fetched:
    """A 200 response, decoded. ``text`` is the body decoded with the declared or sniffed charset."""

    url: str  # final URL after redirects
    status: int
    content_type: str
    body: bytes
    text: str
    encoding: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None
    # seconds the server asked us not to come back before (max-age, Retry-After)
    wait_floor: float | None = None
    total_pages: int | None = None  # X-WP-TotalPages: the pages of a WordPress REST listing


@record
class NotModified:
    """304, or a 200 whose body hash equals the stored one."""

    url: str
    wait_floor: float | None = None


# ───────────────────────────── parsing ─────────────────────────────


@record
class Item:
    """One entry of a feed or listing page. ``key`` is its stable identity within the source."""

    key: str
    url: str
    title: str | None = None
    published: date | None = None
    content_html: str | None = None  # full text when the feed carries it (content:encoded, WP content)


# ───────────────────────────── extraction ─────────────────────────────


@record
class Hints:
    """What the pipeline knows about a page before extraction."""

    language: str | None = None
    statements_only: bool = False
    source_name: str | None = None
    url: str | None = None
    published: date | None = None  # from the feed, when it had one
    org_names: tuple[str, ...] = ()  # every name of the source's organisation (name, name_en, aliases)


@record
class Statement:
    """The result of extracting one page (extract.extract_statement)."""

    is_statement: bool
    kind: Kind | None = None
    title: str | None = None
    published: date | None = None
    language: str | None = None
    issuer: str | None = None
    signatories: tuple[str, ...] = ()
    individuals: tuple[str, ...] = ()
    lead: str | None = None
    confidence: float = 0.0
    body: str = ""
    full_text_links: tuple[str, ...] = ()
    withdrawn_from: str | None = None
    evidence: tuple[str, ...] = ()  # the cues that weighed most in the decision, signed ("names2:+3.10")

    def to_json(self) -> dict[str, object]:
        """The `bayan extract --json` object (keys are a contract; "evidence" was added later)."""
        return {
            "is_statement": self.is_statement,
            "kind": self.kind,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
            "issuer": self.issuer,
            "signatories": list(self.signatories),
            "individuals": list(self.individuals),
            "lead": self.lead,
            "confidence": round(self.confidence, 3),
            "withdrawn_from": self.withdrawn_from,
            "evidence": list(self.evidence),
        }


# ───────────────────────────── polling ─────────────────────────────


@record
class PollResult:
    """What one poll of one source did. Failures are values, never exceptions."""

    source_id: str
    new_items: int = 0
    new_statements: int = 0
    announced: int = 0
    not_modified: bool = False
    baseline: bool = False
    deferred_until: datetime | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None
    statement_ids: tuple[int, ...] = ()
    refused: tuple[str, ...] = ()  # links not followed by the link rule (bot.netguard), one line each

    @property
    def ok(self) -> bool:
        return self.error is None


@record
class SourceHealth:
    """One row of source_state, as `bayan sources` shows it."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    content_sha: str | None = None
    last_ok: datetime | None = None
    last_error: str | None = None
    error_kind: ErrorKind | None = None
    error_count: int = 0
    empty_count: int = 0
    next_check: datetime | None = None
    retry_until: datetime | None = None  # a server's Retry-After still running: even `poll --once` waits
    baseline_done: bool = False


AlertState = Literal["ok", "told", "quiet"]
AlertKind = Literal["failing", "still_failing", "recovered"]


@record
class SourceAlert:
    """What the admins were told about one source (table source_alerts; the rule is pipeline.admin_alert).

    ``state``: "ok" (no failing spell), "told" (failing, and an alert said so), "quiet" (failing again
    within a day of the last alert: nothing said yet). ``since``: when the spell began; ``alerted_at``:
    the last failing or reminder alert; ``failures``: failed polls in the spell; ``ok_streak``:
    consecutive successes since the last failure of the spell.
    """

    source_id: str
    state: AlertState = "ok"
    since: datetime | None = None
    alerted_at: datetime | None = None
    failures: int = 0
    ok_streak: int = 0


# ───────────────────────────── stored records ─────────────────────────────


def _is_arabic(text: str) -> bool:
    return any(
        "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufefc" for ch in text
    )


def registry_name(name: str | None, name_en: str | None, lang: str | None) -> str | None:
    """An organisation's registry name in ``lang`` ("en": the English name; otherwise the main name when
    it is written in Arabic), None when the registry has no name in that language."""
    if lang == "en":
        return name_en or None
    return name if name and _is_arabic(name) else None


class SignatoryName(NamedTuple):
    """One signature of a stored statement: the name as written on the page and the registry names of the
    organisation it resolved to (None for a provisional organisation, known only by what pages wrote)."""

    written: str
    name: str | None = None
    name_en: str | None = None
    role: str = "signatory"

    def for_reader(self, lang: str | None) -> str:
        """The registry's name in ``lang``, else the name as written."""
        return registry_name(self.name, self.name_en, lang) or self.written


@record
class StoredStatement:
    """A statement as stored, with its signatories (names as written) and all source urls."""

    id: int
    title: str | None
    url: str
    source: str  # id of the source that first carried it
    published: date | None
    kind: Kind | None
    issuer: str | None
    signatories: tuple[str, ...] = ()
    individuals: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    language: str | None = None
    lead: str | None = None
    first_seen: datetime | None = None
    announced: bool = False
    confidence: float = 0.0  # of the extraction that made it a statement
    evidence: tuple[str, ...] = ()  # the cues that weighed most in that decision
    signatory_names: tuple[SignatoryName, ...] = ()  # every signature (issuer too), as signatories

    def signatories_for(self, lang: str | None) -> tuple[str, ...]:
        """The signatories for a reader of ``lang``: registry names where the registry has one."""
        if not self.signatory_names:
            return self.signatories
        return tuple(s.for_reader(lang) for s in self.signatory_names)

    def issuer_for(self, lang: str | None) -> str | None:
        """The issuer for a reader of ``lang``: its registry name when it resolved to one."""
        found = next((s for s in self.signatory_names if s.role == "issuer"), None)
        if self.issuer is None or found is None:
            return self.issuer
        return registry_name(found.name, found.name_en, lang) or self.issuer

    cluster_reason: str | None = None  # why other items were taken as this statement ("source: why; …")
    review: str | None = None  # None (never queued), "open" (waiting for a person), "accepted", "rejected"

    def to_json(self) -> dict[str, object]:
        """The `bayan statements --json` object (keys are a contract; confidence, evidence,
        cluster_reason and review came later)."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "kind": self.kind,
            "issuer": self.issuer,
            "signatories": list(self.signatories),
            "individuals": list(self.individuals),
            "urls": list(self.urls),
            "sources": list(self.sources),
            "language": self.language,
            "lead": self.lead,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "announced": self.announced,
            "confidence": round(self.confidence, 3),
            "evidence": list(self.evidence),
            "cluster_reason": self.cluster_reason,
            "review": self.review,
        }


@record
class Org:
    """An organisation of the registry. ``provisional`` = created from an unknown signatory name."""

    id: int
    name: str
    name_en: str | None = None
    slug: str | None = None
    acronyms: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    website: str | None = None
    provisional: bool = False

    def display_name(self, lang: str | None) -> str:
        """The organisation's name for a reader of ``lang`` ("en": the English name where there is one)."""
        return (self.name_en or self.name) if lang == "en" else self.name

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "name_en": self.name_en,
            "acronyms": list(self.acronyms),
            "aliases": list(self.aliases),
            "website": self.website,
            "provisional": self.provisional,
        }


@record
class OrgMatch:
    """orgs.resolve's answer: the org id (None = unknown) and the runner-up candidates."""

    org_id: int | None
    score: float = 0.0
    candidates: tuple[tuple[int, float], ...] = ()
    ambiguous: bool = False


@record
class Subscription:
    """A chat's interest: kind all | org | keyword | source, with its value."""

    id: int
    chat_id: int
    thread_id: int | None
    kind: str
    value: str | None
    active: bool = True
    language: str | None = None
    org_id: int | None = None  # kind "org": the organisation followed


@record
class Delivery:
    """One row of the outbox: a statement (or an admin alert) to send to one chat."""

    id: int
    chat_id: int
    thread_id: int | None
    statement_id: int | None
    alert_text: str | None
    attempts: int = 0
    language: str | None = None
    maybe_delivered: bool = False  # an earlier send timed out: Telegram may have delivered it


@record
class Chat:
    """A Telegram chat the bot knows: its language choice and whether it still accepts messages."""

    chat_id: int
    language: str | None = None  # chosen with /lang (replies and pushes)
    active: bool = True
    subscriber_language: str | None = None  # of the user who subscribed it (pushes, until /lang)


# ───────────────────────────── what a poll writes ─────────────────────────────


@record
class SignatureRecord:
    """One signatory of a new statement, resolved (org_id None = create a provisional organisation)."""

    raw_name: str
    position: int
    org_id: int | None = None
    score: float = 0.0
    role: str = "signatory"  # signatory | issuer


@record
class PageRecord:
    """Raw fetched page kept as evidence and as input of `bayan reextract`."""

    url: str
    body: bytes
    sha256: str
    content_type: str


@record
class ItemRecord:
    """One new item of a poll; ``statement`` is None when it was not fetched or is not a statement."""

    item: Item
    page: PageRecord | None = None
    statement: Statement | None = None
    signatures: tuple[SignatureRecord, ...] = ()
    title_norm: str = ""
    body_norm: str = ""


@record
class PollWrite:
    """Everything one successful poll of one source stores, in one transaction (storage.save_poll)."""

    source_id: str
    now: datetime
    next_check: datetime
    validators: Validators
    records: tuple[ItemRecord, ...] = ()
    announce: bool = True  # False for the silent baseline
    refused: tuple[str, ...] = ()  # links refused during the poll: the last one becomes last_error
    review: ReviewPolicy | None = None  # the source's review policy (None: nothing is queued)
    health: bool = True  # False (bayan backfill): the source's poll state is left as it is


@record
class BackfillState:
    """How far ``bayan backfill`` walked a source's history (table ``backfill_state``): the layout walked,
    the cursor of the next page to read (JSON, the layout's own), done when the oldest page was read;
    pages, items and statements stored by every run so far; ``reached`` the oldest date met."""

    source_id: str
    layout: str
    cursor: str | None = None
    done: bool = False
    pages: int = 0
    items: int = 0
    statements: int = 0
    reached: date | None = None
    started_at: datetime | None = None
    updated_at: datetime | None = None
    last_error: str | None = None


@record
class RegistryOrg:
    """One organisation of the shipped registry (bot/data/orgs.yaml)."""

    slug: str
    ar: str | None = None
    en: str | None = None
    acronyms: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    website: str | None = None
    kind: str | None = None


# ───────────────────────────── answers of storage ─────────────────────────────


class CoSigner(NamedTuple):
    """An organisation that signed alongside another, and on how many statements."""

    name: str
    shared: int  # statements signed together
    name_en: str | None = None

    def for_reader(self, lang: str | None) -> str:
        """The registry's name in ``lang``, else the organisation's main name."""
        return registry_name(self.name, self.name_en, lang) or self.name


class WithdrawalRow(NamedTuple):
    """A withdrawal an organisation announced: the statement's title, what it left, the date."""

    title: str | None
    left: str | None
    date: date | None


@record
class OrgProfile:
    """An organisation's record (storage.org_profile): its statements' count, span, kinds, co-signers
    (the most frequent first) and withdrawals (newest first)."""

    org: Org
    count: int = 0
    first: date | None = None
    last: date | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    co_signers: tuple[CoSigner, ...] = ()
    withdrawals: tuple[WithdrawalRow, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The `bayan org --json` object (keys are a contract)."""
        return {
            "organisation": self.org.to_json(),
            "count": self.count,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "kinds": dict(self.kinds),
            "co_signers": [{"name": c.name, "count": c.shared} for c in self.co_signers],
            "withdrawals": [
                {"title": w.title, "from": w.left, "date": w.date.isoformat() if w.date else None}
                for w in self.withdrawals
            ],
        }


@record
class Activity:
    """What a chart shows (storage.org_activity, storage.field_activity): statements per month ("YYYY-MM",
    every month from the first to the last, oldest first, months without one as 0), their kinds, and the
    organisations that signed most: an organisation's co-signers, or the field's most active signatories.
    ``org`` is None for the whole field; ``total`` counts the statements, ``orgs`` the organisations that
    signed any of them."""

    months: tuple[tuple[str, int], ...] = ()
    kinds: dict[str, int] = field(default_factory=dict)
    top: tuple[CoSigner, ...] = ()
    total: int = 0
    orgs: int = 0
    first: date | None = None
    last: date | None = None
    org: Org | None = None


@record
class RowCounts:
    """Row counts for /status (storage.count_rows)."""

    sources: int = 0  # enabled
    items: int = 0
    statements: int = 0
    orgs: int = 0  # not merged away
    provisional_orgs: int = 0
    signatures: int = 0
    chats: int = 0  # active
    subscriptions: int = 0  # active
    pending_deliveries: int = 0
    sent_deliveries: int = 0


class StoredPage(NamedTuple):
    """A stored statement's page, to extract again (storage.reextract_targets)."""

    statement_id: int
    body: bytes
    content_type: str
    url: str


@record
class ReextractReport:
    """What re-extracting one stored statement changed (pipeline.reextract, storage.apply_reextraction)."""

    id: int
    changed: tuple[str, ...] = ()  # stored fields whose value changed
    added: tuple[str, ...] = ()  # signatory names
    removed: tuple[str, ...] = ()
    skipped: str | None = None  # why nothing was applied

    def to_json(self) -> dict[str, object]:
        """One object of `bayan reextract --json` (keys are a contract)."""
        data: dict[str, object] = {
            "id": self.id,
            "changed": list(self.changed),
            "added": list(self.added),
            "removed": list(self.removed),
        }
        if self.skipped:
            data["skipped"] = self.skipped
        return data

    def line(self, name: Callable[[str], str] = str) -> str:
        """One line of `bayan reextract`: changed fields, +added / −removed signatories (each through
        ``name``: the CLI isolates Arabic ones), or "unchanged"."""
        if self.skipped:
            return f"{self.id}: skipped ({self.skipped})"
        parts = [", ".join(self.changed)] if self.changed else []
        parts += [f"+{name(n)}" for n in self.added] + [f"−{name(n)}" for n in self.removed]
        return f"{self.id}: " + ("; ".join(parts) if parts else "unchanged")


@record
class SignatoryRow:
    """One signature of a statement as `bayan statement ID` shows it: the name as written on the page and
    the organisation it resolved to (as it is now: a merged one is reported as its target)."""

    position: int
    role: str  # signatory | issuer
    name_as_written: str
    org: Org
    via: str | None = None  # the url of the copy that added it (None: the statement's own page)

    def to_json(self) -> dict[str, object]:
        return {
            "position": self.position,
            "role": self.role,
            "name_as_written": self.name_as_written,
            "org": self.org.to_json(),
            "via": self.via,
        }


@record
class StatementCopy:
    """One source that carried a statement, at one url, since when."""

    source: str
    url: str
    first_seen: datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "url": self.url,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
        }


@record
class StatementDetail:
    """`bayan statement ID`: the stored statement, its full signatory list, every source that carried it."""

    statement: StoredStatement
    signatures: tuple[SignatoryRow, ...] = ()
    copies: tuple[StatementCopy, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The statement's `statements --json` object plus ``signatures`` and ``copies``."""
        return {
            **self.statement.to_json(),
            "signatures": [s.to_json() for s in self.signatures],
            "copies": [c.to_json() for c in self.copies],
        }


@record
class MergePlan:
    """What merging organisation ``gone_id`` into ``keep_id`` moves (`bayan orgs merge --dry-run`):
    signatures that move, statements both signed (the kept one's signature stays), names, subscriptions
    and withdrawals."""

    keep_id: int
    gone_id: int
    signatures: int = 0
    shared: int = 0
    names: int = 0
    subscriptions: int = 0
    withdrawals: int = 0


# ───────────────────────────── human review ─────────────────────────────


@record
class Decision:
    """A reviewer's decision on one statement at one page hash (table review_decisions). ``kind``,
    ``issuer`` and ``signatories`` None: as extracted; ``signatories`` () = none."""

    statement_id: int
    is_statement: bool
    by: str  # "telegram:<user id>" or "cli:<user>"
    at: datetime
    page_sha: str = ""
    kind: Kind | None = None
    issuer: str | None = None
    signatories: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "is_statement": self.is_statement,
            "kind": self.kind,
            "issuer": self.issuer,
            "signatories": list(self.signatories) if self.signatories is not None else None,
            "by": self.by,
            "at": self.at.isoformat(),
            "page_sha": self.page_sha,
        }


@record
class ReviewItem:
    """One entry of the review queue (table reviews) with its statement as stored.

    ``reason``: "doubtful" (read as a statement, not sure enough) or "candidate" (read as a non-statement,
    close to the threshold: hidden until accepted). ``held``: its pushes wait for the decision;
    ``changed``: what a changed page changed since the last decision (the item was re-opened)."""

    statement: StoredStatement
    reason: str
    state: str  # open | decided
    opened_at: datetime | None = None
    page_sha: str = ""
    held: bool = False
    hold_until: datetime | None = None
    released: bool = False
    changed: str | None = None
    decision: Decision | None = None
    named: tuple[str, ...] = ()  # organisations named on the page (issuer choices)

    def to_json(self) -> dict[str, object]:
        """One object of `bayan review --json` (keys are a contract)."""
        st = self.statement
        return {
            "id": st.id,
            "title": st.title,
            "url": st.url,
            "source": st.source,
            "reason": self.reason,
            "state": self.state,
            "is_statement": self.reason == "doubtful",
            "confidence": round(st.confidence, 3),
            "evidence": list(st.evidence),
            "kind": st.kind,
            "issuer": st.issuer,
            "signatories": list(st.signatories),
            "held": self.held,
            "hold_until": self.hold_until.isoformat() if self.hold_until else None,
            "released": self.released,
            "changed": self.changed,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
            "decision": self.decision.to_json() if self.decision else None,
        }
