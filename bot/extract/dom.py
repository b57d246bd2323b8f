"""From HTML (or plain text) to a `Page`: metadata, the main content as lines, and its links.

Owns chrome removal (menus, sidebars, share buttons, related posts, cookie bars, comment forms, footers),
the choice of the main-content container, the walk that turns it into `Line`s (one per block element
or <br> line, with list/table/heading context), title and metadata dates. Uses selectolax (lexbor);
trafilatura is not needed: this pass is scoped, keeps all-link lists, and costs about a millisecond.
Contains no I/O.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.dates import parse_date
from bot.extract.site import host_of
from bot.extract.text import Line, fold, squash, words

_JUNK = "script, style, noscript, template, svg, iframe, form, button, select, textarea, input, object"
# fmt: off
_CHROME_CLASSES = (
    "sidebar", "related", "share", "social", "comment", "cookie", "gdpr", "consent", "breadcrumb",
    "pagination", "navigation", "nav-links", "nav-previous", "nav-next", "post-nav", "newsletter",
    "subscribe", "menu", "site-header", "site-footer", "site-branding", "top-bar", "topbar", "read-more",
    "readmore", "more-link", "advert", "popup", "modal", "search", "respond", "author-bio", "tags",
    "tag-links", "cat-links", "entry-footer", "post-footer", "views-count", "post-views", "reading-time",
    "caption", "lang-switch", "skip-link", "screen-reader",
)
# fmt: on
_CHROME = ", ".join(
    ["nav", "aside", "footer", "[hidden]", "[aria-hidden=true]", "[role=navigation]", "[role=complementary]"]
    + ["[role=contentinfo]", "#masthead", "#colophon", "figcaption", ".icons", ".print"]
    + [f"[class*={c}]" for c in _CHROME_CLASSES]
    + ["[class*=widget]:not([class*=elementor]):not([class*=et_pb])"]
    + ["[id*=comment]", "[id*=cookie]", "[id*=sidebar]", "[id*=related]"]
)
_STRUCTURAL = "nav, aside, footer, [role=navigation], [role=complementary], [role=contentinfo]"
_META_CHROME = "[class*=meta], [class*=byline], [class*=author], [class*=article-info], [class*=post-info]"
_DATE_HOLDERS = (
    "[class*=date], [class*=posted], [class*=publish], [class*=created], [class*=meta], [class*=time], "
    "[class*=submitted], "
    "[itemprop=datePublished], dd"
)
_CONTAINERS = (
    "[itemprop=articleBody], [itemprop=articlebody], .entry-content, .post-content, .article-body, "
    ".article-content, .article__body, .field--name-body, .node__content, .post-body, .post-entry, "
    ".entry-body, .story-body, .td-post-content, .single-post-content, .blog-post-content, .postcontent, "
    ".news-content, .item-page, #article-body, .article-text, [class*=article-body], [class*=entry-content], "
    "[class*=post-content]",
    ".field-item, .field-items, .node-content, .entry, .post-text, .story, .article",
    "article, .node, .post, .hentry, .blog-post, .single-post",
    "[role=main], main, #main, #content, .content, #primary",
)
_META_DATES = (
    'meta[property="article:published_time"], meta[name="article:published_time"], '
    'meta[property="og:published_time"], meta[itemprop="datePublished"], meta[name="pubdate"], '
    'meta[name="publishdate"], meta[name="date"], meta[name="DC.date.issued"], meta[name="dcterms.created"], '
    'meta[name="parsely-pub-date"], meta[name="sailthru.date"]'
)
# fmt: off
_BLOCKS = frozenset([
    "address", "article", "blockquote", "center", "dd", "details", "div", "dl", "dt", "fieldset", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
])
# fmt: on
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6", "th"])
_SKIP = frozenset([*_JUNK.replace(",", "").split(), "head", "title", "meta", "link", "img", "picture"])
_TITLE_SELECTORS = (
    "article h1, main h1, [role=main] h1",
    "h1",
    "[itemprop=headline], .entry-title, .post-title, .article-title, .page-title",
)


@dataclass
class Page:
    """What the extraction passes read from one page."""

    lines: list[Line]
    title: str | None = None
    meta_dates: list[date] = field(default_factory=list)
    header_dates: list[date] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    teasers: int = 0  # linked headings, a listing page has several
    site_name: str | None = None  # og:site_name / application-name
    byline: str | None = None  # the visible byline / author line of the article, if any
    meta_lines: list[str] = field(default_factory=list)  # short post-meta texts (author, date, category)
    host: str | None = None  # the site's host, read from the page (bot.extract.site)


def looks_like_html(content: str) -> bool:
    return bool(
        re.search(r"<(?:html|body|div|p|br|article|main|ul|ol|table|h[1-6]|span|a)\b", content[:5000], re.I)
    )


# ───────────────────────────── plain text ─────────────────────────────


def text_page(content: str) -> Page:
    """Plain text (a PDF's text, a feed summary, a pasted statement): one Line per line; its title is
    chosen with the lines (bot.extract.statement)."""
    lines, _ = text_lines(content)
    return Page(lines=lines)


def text_lines(content: str, block: int = 1) -> tuple[list[Line], int]:
    """One Line per line of text; blank lines separate blocks; "- x" / "1. x" lines are list items and
    "#" lines headings (markdown bold markers dropped). Returns the lines and the next free block id."""
    lines: list[Line] = []
    for raw in content.splitlines():
        text = squash(raw.replace("**", ""))
        if not text:
            block += 1
            continue
        heading = text.startswith("#")
        text = text.lstrip("#").strip() if heading else text
        tag = "li" if re.match(r"^(?:[-*•]\s|\d{1,3}[.)-]\s)", text) else "p"
        lines.append(Line(text=text, tag=tag, block=block, heading=heading))
        if tag == "p":
            block += 1
    return lines, block + 1


_STATEMENT_TITLE = re.compile(
    r"(?:^|\s)(?:ال)?(?:بيان|تصريح|نداء|رسالة|رساله|بلاغ)(?:\s|$)|\b(?:statement|open letter"
    r"|press release)\b",
    re.I,
)
_NOT_TITLE = re.compile(r"https?://|www\.|@|\+?\d[\d\s()-]{6,}\d")


def text_title(lines: list[Line]) -> str | None:
    """A statement word line near the top ("بيان انسحاب"), else a short first line that is not a phone
    number, an address or a date."""
    for line in lines[:6]:
        if words(line.text) <= 12 and _STATEMENT_TITLE.search(line.text):
            return line.text
    first = lines[0].text if lines else ""
    if first and words(first) <= 15 and not _NOT_TITLE.search(first) and not parse_date(first):
        return first
    return None


# ───────────────────────────── HTML ─────────────────────────────


def html_page(content: str) -> Page:
    tree, container, meta_dates, host = _cleaned(content, _CHROME)
    if container is None:
        return Page(lines=[], host=host)
    meta_dates += [d for d in _time_dates(tree) if d not in meta_dates]
    title = _title(tree)
    header_dates = _header_dates(tree)
    byline = _byline(container)
    meta_lines = _meta_lines(container)
    _remove(tree, _META_CHROME, container)
    lines = unwrap(_Walker().walk(container))
    if title:
        lines = [ln for i, ln in enumerate(lines) if i >= 3 or fold(ln.text) != fold(title)]
    links = [(a.attributes.get("href") or "", squash(a.text())) for a in container.css("a[href]")]
    teasers = sum(1 for ln in lines if ln.link and ln.tag in _HEADINGS and words(ln.text) >= 2)
    teasers = max(teasers, _article_teasers(container))
    site = _site_name(tree)
    return Page(lines, title, meta_dates, header_dates, links, teasers, site, byline, meta_lines, host)


_END_WORD = re.compile(
    r"^(?:في|على|علي|من|ان|أن|إن|عن|الى|إلى|و|او|أو|التي|الذي|ل|the|of|and|to|in|a|for)$", re.I
)
_MID_MARK = re.compile(r"[.،,؛;]\s*\S")
_MARKER = re.compile(r"^(?:[-–—•*▪]|\(?[0-9٠-٩]{1,3}\s*[.)\-–])")


def unwrap(lines: list[Line]) -> list[Line]:
    """Join the <br> lines of a hard-wrapped paragraph (a text broken every forty characters or so) back
    into one line; a block of short lines (names, recipients, a signature) is left as it is."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and lines[j + 1].block == lines[i].block and lines[i].tag == "p":
            j += 1
        group = lines[i : j + 1]
        if _hard_wrapped(group):
            out.append(replace(group[0], text=squash(" ".join(ln.text for ln in group))))
        else:
            out.extend(group)
        i = j + 1
    return out


def _hard_wrapped(group: list[Line]) -> bool:
    """Five lines or more of running text cut at a fixed width: similar lengths, few lines ending a
    sentence, some ending on a small word or carrying a comma inside."""
    if len(group) < 5 or any(_MARKER.match(ln.text) for ln in group):
        return False
    texts = [ln.text for ln in group]
    sizes = [len(t) for t in texts[:-1]] or [len(texts[0])]
    mean = sum(sizes) / len(sizes)
    spread = (sum((n - mean) ** 2 for n in sizes) / len(sizes)) ** 0.5 / mean
    if mean < 25 or spread > 0.3 or sum(words(t) for t in texts) / len(texts) < 5:
        return False
    closed = sum(1 for t in texts if t.rstrip()[-1:] in ".!?؟:")
    ends = sum(1 for t in texts if _END_WORD.match(t.split()[-1]))
    mids = sum(1 for t in texts if _MID_MARK.search(t))
    return closed <= len(texts) / 3 and ends + mids >= len(texts) / 6


def _byline(container: LexborNode) -> str | None:
    """The first short byline/author element of the content ("By Lina Haddad · 3 May 2024")."""
    for node in container.css("[class*=byline], [class*=author]"):
        text = squash(node.text())
        if text and len(text.split()) <= 12:
            return text
    return None


def _meta_lines(container: LexborNode) -> list[str]:
    """The short texts of the post-meta elements (removed from the lines): an organisation signing as the
    post's author is among them."""
    out: list[str] = []
    for node in container.css(_META_CHROME):
        text = squash(node.text())
        if text and len(text.split()) <= 14 and text not in out:
            out.append(text)
    return out


def _site_name(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first('meta[property="og:site_name"], meta[name="application-name"]')
    name = squash(node.attributes.get("content") or "") if node is not None else ""
    return name or None


def _page_host(tree: LexborHTMLParser) -> str | None:
    """The host named by the page itself: its canonical link or og:url, else a site-name or logo element
    of the header whose text is a bare domain ("example.org")."""
    for node in tree.css('link[rel="canonical"], meta[property="og:url"]'):
        host = host_of(node.attributes.get("href") or node.attributes.get("content"))
        if host:
            return host
    for node in tree.css(_SITE_NAME)[:4]:
        host = host_of(squash(node.text()))
        if host:
            return host
    return None


_SITE_NAME = '[class*="site-name"], [class*="site-title"], [class*="logo"], [id*="site-name"], [id*="logo"]'


def _cleaned(content: str, chrome: str) -> tuple[LexborHTMLParser, LexborNode | None, list[date], str | None]:
    """The tree without scripts and page chrome, its main-content container, and the metadata dates.

    When the chrome selectors would leave almost nothing of the container's text (a page builder whose
    content blocks carry such class names), only the structural chrome (nav, aside, footer …) is removed."""
    tree = LexborHTMLParser(content)
    meta_dates = _meta_dates(tree)
    host = _page_host(tree)
    for node in tree.css(_JUNK):
        node.decompose()
    container = _container(tree)
    before = len(container.text(strip=True)) if container is not None else 0
    _remove(tree, chrome, container)
    after = len(container.text(strip=True)) if container is not None else 0
    if chrome != _STRUCTURAL and before >= 400 and after < min(0.3 * before, 300):
        return _cleaned(content, _STRUCTURAL)
    return tree, container, meta_dates, host


def _remove(tree: LexborHTMLParser, selector: str, keep: LexborNode | None) -> None:
    """Decompose every match, except the container and its ancestors."""
    protected: set[int] = set()
    node = keep
    while node is not None:
        protected.add(node.mem_id)
        node = node.parent
    for match in tree.css(selector):
        if match.mem_id not in protected and match.tag not in ("html", "body"):
            match.decompose()


def _container(tree: LexborHTMLParser) -> LexborNode | None:
    for selector in _CONTAINERS:
        best, size = None, 0
        for node in tree.css(selector):
            n = len(node.text(strip=True))
            if n > size:
                best, size = node, n
        if best is not None and size >= 80:
            return best
    return tree.body


def _article_teasers(container: LexborNode) -> int:
    """Short <article>s with a linked heading inside the content: the cards of a listing page."""
    count = 0
    for art in container.css("article"):
        head = art.css_first("h1 a, h2 a, h3 a, h4 a")
        if head is not None and len(art.text(strip=True)) < 800:
            count += 1
    return count


def _title(tree: LexborHTMLParser) -> str | None:
    for selector in _TITLE_SELECTORS:
        node = tree.css_first(selector)
        if node is not None and squash(node.text()):
            return squash(node.text())
    og = tree.css_first('meta[property="og:title"]')
    raw = og.attributes.get("content") if og is not None else None
    if not raw:
        node = tree.css_first("title")
        raw = node.text() if node is not None else None
    if not raw or not squash(raw):
        return None
    parts = re.split(r"\s+[|–—-]\s+", squash(raw))
    return parts[0] if len(parts) > 1 and words(parts[-1]) <= 5 else squash(raw)


def _meta_dates(tree: LexborHTMLParser) -> list[date]:
    found: list[date] = []
    for node in tree.css(_META_DATES):
        _add_date(found, node.attributes.get("content"))
    for node in tree.css('script[type="application/ld+json"]'):
        for m in re.finditer(r'"datePublished"\s*:\s*"([^"]{6,40})"', node.text()):
            _add_date(found, m.group(1))
    return found


def _time_dates(tree: LexborHTMLParser) -> list[date]:
    found: list[date] = []
    times = tree.css("time")
    times.sort(
        key=lambda t: "updated" in (t.attributes.get("class") or "") or "modified" in str(t.attributes)
    )
    for node in times:
        _add_date(found, node.attributes.get("datetime") or node.text())
    return found


def _header_dates(tree: LexborHTMLParser) -> list[date]:
    found: list[date] = []
    for node in tree.css(_DATE_HOLDERS):
        text = squash(node.text())
        if text and len(text) <= 80 and "updated" not in fold(node.attributes.get("class") or ""):
            _add_date(found, text)
    return found


def _add_date(found: list[date], raw: str | None) -> None:
    if raw:
        if "\\u" in raw:  # a JSON-LD string with escapes
            with contextlib.suppress(ValueError):
                raw = str(json.loads(f'"{raw}"'))
        parsed = parse_date(raw)
        if parsed and parsed not in found:
            found.append(parsed)


class _Frame:
    __slots__ = ("block", "col", "group", "row", "tag")

    def __init__(self, tag: str, block: int, group: int, row: int = -1, col: int = -1) -> None:
        self.tag, self.block, self.group, self.row, self.col = tag, block, group, row, col


class _Walker:
    """Depth-first walk emitting one Line per block element or <br>-separated line."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.frames: list[_Frame] = [_Frame("div", 0, 0)]
        self.buffer: list[tuple[str, bool, bool]] = []
        self.links = 0
        self.bold = 0
        self.ids = 0

    def walk(self, root: LexborNode) -> list[Line]:
        stack: list[tuple[LexborNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self._leave(node.tag or "")
                continue
            tag = node.tag or ""
            if tag == "-text":
                self.buffer.append((node.text_content or "", self.links > 0, self.bold > 0))
            elif tag == "br":
                self._flush()
            elif tag == "pre":
                self._pre(node)
            elif tag and not tag.startswith("-") and tag not in _SKIP:
                self._enter(tag, node)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
        self._flush()
        return self.lines

    def _pre(self, node: LexborNode) -> None:
        """Preformatted text (a statement pasted as plain text): its lines, as text_page reads them."""
        self._flush()
        lines, self.ids = text_lines(node.text(), self.ids + 1)
        self.lines.extend(lines)

    def _enter(self, tag: str, node: LexborNode) -> None:
        if tag == "a" and node.attributes.get("href"):
            self.links += 1
        elif tag in ("b", "strong"):
            self.bold += 1
        if tag not in _BLOCKS:
            return
        self._flush()
        self.ids += 1
        top = self.frames[-1]
        if tag in ("ul", "ol", "table", "dl"):
            self.frames.append(_Frame(tag, self.ids, self.ids))
        elif tag == "tr":
            table = self._nearest("table")
            table.row, table.col = table.row + 1, -1
            self.frames.append(_Frame(tag, self.ids, top.group))
        elif tag in ("td", "th"):
            table = self._nearest("table")
            table.col += 1
            self.frames.append(_Frame(tag, self.ids, top.group, table.row, table.col))
        else:
            self.frames.append(_Frame(tag, self.ids, top.group, top.row, top.col))

    def _leave(self, tag: str) -> None:
        if tag == "a" and self.links:
            self.links -= 1
        elif tag in ("b", "strong") and self.bold:
            self.bold -= 1
        if tag in _BLOCKS and len(self.frames) > 1:
            self._flush()
            self.frames.pop()

    def _nearest(self, tag: str) -> _Frame:
        for frame in reversed(self.frames):
            if frame.tag == tag:
                return frame
        return self.frames[0]

    def _flush(self) -> None:
        pieces, self.buffer = self.buffer, []
        text = squash("".join(p for p, _, _ in pieces))
        if not text:
            return
        size = max(len(text.replace(" ", "")), 1)
        linked = sum(len(p.replace(" ", "").strip()) for p, link, _ in pieces if link) / size
        bold = sum(len(p.replace(" ", "").strip()) for p, _, b in pieces if b) / size
        frame = self.frames[-1]
        heading = frame.tag in _HEADINGS or (bold >= 0.9 and len(text) <= 150)
        quote = any(f.tag == "blockquote" for f in self.frames)
        self.lines.append(
            Line(
                text, frame.tag, frame.block, frame.group, heading, linked >= 0.9, frame.row, frame.col, quote
            )
        )
