"""A statement site with a long history, in every layout `bayan backfill` walks: our own invented joint
statements (registry signatories, sentences written for these tests), one every ``step`` days back from
``newest``, served as a WordPress REST API, a listing with an older-page link, a numbered listing, an RFC
5005 feed with archive documents, a feed without them, and a WordPress sitemap index.

``Archive.answer(path, args)`` is the whole site as a pure function (status, content type, headers,
body), so that tests serve it through pytest-httpserver (``serve``) and bench/backfill.py through its
own server. Paths, under the archive's ``prefix``:

    /wp-json/wp/v2/posts?page=N&per_page=K   WordPress REST (X-WP-Total, X-WP-TotalPages; 400 past the end)
    /statements[?p=N]                        listing, 20 a page, <a class="older"> to the next one
    /numbered[?page=N]                       listing, 20 a page (then page=2, 3, …); empty past the end
    /feed.xml, /archive/N.xml                RSS with atom:link rel="prev-archive" (RFC 5005)
    /latest.xml                              RSS of the newest 20, no archive links
    /wp-sitemap.xml                          sitemap index: posts-post-1, posts-post-2 and a users sitemap
    /s/N                                     statement N (0 is the newest)
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from tests.sites import COALITION, statement_html

PER_PAGE = 20

# our own sentences; each statement carries four of them (a different four each), so no two texts match
SENTENCES = (
    "تعرب المنظمات الموقعة عن قلقها من تدهور الأوضاع المعيشية في المناطق الريفية خلال الأشهر الأخيرة.",
    "وتطالب المنظمات بفتح تحقيق مستقل وشفاف في الحوادث الموثقة وإعلان نتائجه للرأي العام.",
    "كما تدعو إلى ضمان وصول المساعدات الإنسانية دون عوائق إلى جميع المحتاجين أينما كانوا.",
    "وتؤكد المنظمات أن حماية العاملين في المجال الإنساني واجب على جميع الأطراف دون استثناء.",
    "وتحث المنظمات الدول المانحة على زيادة دعمها لبرامج التعليم والصحة النفسية للأطفال.",
    "وتشدد على أن أي عودة للاجئين يجب أن تكون طوعية وآمنة وكريمة وفق المعايير الدولية.",
    "وترفض المنظمات أي تعديلات تشريعية تمس حق الملكية للمهجرين والنازحين قسراً.",
    "وتذكر المنظمات بأن المحاسبة على الانتهاكات الجسيمة شرط لأي سلام مستدام في البلاد.",
    "وتناشد المنظمات الجهات المعنية الكشف عن مصير المختفين قسراً وإبلاغ عائلاتهم دون تأخير.",
    "وتدعو المنظمات إلى إشراك النساء والشباب في كل مسار تفاوضي يخص مستقبل البلاد.",
    "وتنبه المنظمات إلى خطورة استمرار انتشار الذخائر غير المنفجرة قرب المدارس والحقول.",
    "وتطالب المنظمات برفع القيود المفروضة على عمل الصحفيين المستقلين والمدافعين عن الحقوق.",
)
TOPICS = ("الاعتقال التعسفي", "المساعدات الإنسانية", "حقوق الملكية", "عودة اللاجئين", "المختفين قسراً")
_COMBOS = list(itertools.combinations(range(len(SENTENCES)), 4))


@dataclass
class Archive:
    """``count`` statements, statement 0 dated ``newest``, each ``step`` days older than the one before."""

    count: int = 300
    prefix: str = ""
    newest: date = date(2026, 11, 1)
    step: int = 3
    hits: list[str] = field(default_factory=list)  # every path asked, in order

    def day(self, i: int) -> date:
        return self.newest - timedelta(days=self.step * i)

    def title(self, i: int) -> str:
        return f"بيان مشترك رقم {i + 1} بشأن {TOPICS[i % len(TOPICS)]}"

    def page(self, i: int) -> str:
        combo = _COMBOS[(i * 7919) % len(_COMBOS)]
        paragraphs = tuple(SENTENCES[k] for k in combo)
        unique = f"صدر هذا البيان بتاريخ {self.day(i).isoformat()} وهو البيان رقم {i + 1} في سلسلة بياناتنا."
        signers = tuple(COALITION[(i + k) % len(COALITION)] for k in (0, 2, 5))
        meta = f'<meta property="article:published_time" content="{self.day(i).isoformat()}T09:00:00+00:00">'
        return statement_html(self.title(i), (unique, *paragraphs), signers).replace(
            "</head>", meta + "</head>"
        )

    def url(self, base: str, i: int) -> str:
        return f"{base}{self.prefix}/s/{i}"

    # ───────────────────────── the site ─────────────────────────

    def answer(self, base: str, path: str, args: dict[str, str]) -> tuple[int, str, dict[str, str], str]:
        """(status, content type, headers, body) of one GET; ``base`` is the server's http://host:port."""
        self.hits.append(path + (f"?{'&'.join(f'{k}={v}' for k, v in sorted(args.items()))}" if args else ""))
        rest = path.removeprefix(self.prefix)
        if m := re.fullmatch(r"/s/(\d+)", rest):
            i = int(m.group(1))
            if i >= self.count:
                return 404, "text/html", {}, "<html><body>not found</body></html>"
            return 200, "text/html; charset=utf-8", {}, self.page(i)
        if rest == "/wp-json/wp/v2/posts":
            return self._wordpress(base, args)
        if rest == "/statements":
            return self._listing(base, int(args.get("p", "1")), older="statements?p={n}")
        if rest == "/numbered":
            return self._listing(base, int(args.get("page", "1")), older=None)
        if rest == "/feed.xml":
            return self._feed(base, 1, archived=True)
        if m := re.fullmatch(r"/archive/(\d+)\.xml", rest):
            return self._feed(base, int(m.group(1)), archived=True)
        if rest == "/latest.xml":
            return self._feed(base, 1, archived=False)
        if rest.startswith("/wp-sitemap"):
            return self._sitemap(base, rest)
        return 404, "text/html", {}, "<html><body>not found</body></html>"

    def _slice(self, page: int, per_page: int = PER_PAGE) -> range:
        return range((page - 1) * per_page, min(page * per_page, self.count))

    def _wordpress(self, base: str, args: dict[str, str]) -> tuple[int, str, dict[str, str], str]:
        per_page, page = int(args.get("per_page", "10")), int(args.get("page", "1"))
        pages = -(-self.count // per_page)
        if per_page > 100 or page > pages:
            error = {"code": "rest_post_invalid_page_number", "message": "the page is past the last one"}
            return 400, "application/json", {}, json.dumps(error)
        posts = [
            {
                "id": 100_000 + i,
                "date_gmt": f"{self.day(i).isoformat()}T09:00:00",
                "link": self.url(base, i),
                "title": {"rendered": escape(self.title(i))},
                "content": {"rendered": self.page(i).split("<article>")[1].split("</article>")[0]},
            }
            for i in self._slice(page, per_page)
        ]
        headers = {"X-WP-Total": str(self.count), "X-WP-TotalPages": str(pages)}
        return 200, "application/json; charset=UTF-8", headers, json.dumps(posts, ensure_ascii=False)

    def _listing(self, base: str, page: int, older: str | None) -> tuple[int, str, dict[str, str], str]:
        rows = "".join(
            f'<div class="row"><h3><a href="{self.prefix}/s/{i}">{escape(self.title(i))}</a></h3>'
            f'<time datetime="{self.day(i).isoformat()}">{self.day(i).isoformat()}</time></div>'
            for i in self._slice(page)
        )
        more = page * PER_PAGE < self.count
        link = f'<a class="older" href="{older.format(n=page + 1)}">older</a>' if older and more else ""
        html = f"<html><body><main>{rows}</main><nav>{link}</nav></body></html>"
        return 200, "text/html; charset=utf-8", {}, html

    def _feed(self, base: str, page: int, *, archived: bool) -> tuple[int, str, dict[str, str], str]:
        items = "".join(
            f"<item><title>{escape(self.title(i))}</title><link>{self.url(base, i)}</link>"
            f"<guid>{self.url(base, i)}</guid><pubDate>{_rfc822(self.day(i))}</pubDate></item>"
            for i in self._slice(page)
        )
        more = page * PER_PAGE < self.count
        link = (
            f'<atom:link rel="prev-archive" href="{base}{self.prefix}/archive/{page + 1}.xml"/>'
            if archived and more
            else ""
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>archive</title>{link}{items}</channel></rss>"
        )
        return 200, "application/rss+xml", {}, body

    def _sitemap(self, base: str, rest: str) -> tuple[int, str, dict[str, str], str]:
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        half = (self.count + 1) // 2
        parts = {
            "/wp-sitemap-posts-post-1.xml": range(half),
            "/wp-sitemap-posts-post-2.xml": range(half, self.count),
        }
        if rest == "/wp-sitemap.xml":
            maps = [*parts, "/wp-sitemap-users-1.xml"]
            body = "".join(f"<sitemap><loc>{base}{self.prefix}{m}</loc></sitemap>" for m in maps)
            return (
                200,
                "application/xml",
                {},
                f'<?xml version="1.0"?><sitemapindex {ns}>{body}</sitemapindex>',
            )
        if rest in parts:
            body = "".join(
                f"<url><loc>{self.url(base, i)}</loc>"
                f"<lastmod>{self.day(i).isoformat()}T09:00:00+00:00</lastmod></url>"
                for i in parts[rest]
            )
            return 200, "application/xml", {}, f'<?xml version="1.0"?><urlset {ns}>{body}</urlset>'
        return (
            200,
            "application/xml",
            {},
            f'<?xml version="1.0"?><urlset {ns}><url><loc>{base}/author/a</loc></url></urlset>',
        )


def _rfc822(d: date) -> str:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[d.weekday()]}, {d.day:02d} {months[d.month - 1]} {d.year} 09:00:00 GMT"


def serve(server: object, archive: Archive) -> str:
    """Serve ``archive`` on a pytest-httpserver ``server`` under its prefix; returns the site's base URL."""
    from werkzeug import Request, Response

    base = server.url_for("").rstrip("/")  # type: ignore[attr-defined]

    def handler(request: Request) -> Response:
        status, ctype, headers, body = archive.answer(base, request.path, dict(request.args))
        return Response(body, status=status, content_type=ctype, headers=headers)

    prefix = re.escape(archive.prefix)
    server.expect_request(re.compile(rf"^{prefix}/.*$")).respond_with_handler(handler)  # type: ignore[attr-defined]
    return base + archive.prefix
