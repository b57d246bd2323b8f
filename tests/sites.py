"""A statement site for integration tests: an RSS feed (with ETag/304) and its statement pages, served by
pytest-httpserver. Items can be published while a test runs; requests are recorded."""

from __future__ import annotations

import re
from html import escape

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

# an Arabic joint statement; {title} is escaped by the site, {key} is the item's key
JOINT_PAGE = """<html><head><title>{title}</title></head><body>
<header><nav><a href="/">الرئيسية</a> <a href="/about">من نحن</a></nav></header>
<article><h1>{title}</h1>
<p>تعبر المنظمات الموقعة أدناه عن قلقها البالغ إزاء استمرار الانتهاكات بحق المدنيين في سوريا.</p>
<p>وتطالب المنظمات بوقف فوري للانتهاكات ومحاسبة المسؤولين عنها.</p>
<p>المنظمات الموقعة:</p>
<ol><li>سوريون من أجل الحقيقة والعدالة</li><li>الشبكة السورية لحقوق الإنسان</li></ol>
</article><footer>جميع الحقوق محفوظة</footer></body></html>"""


def rss(base: str, items: list[tuple[str, str]]) -> str:
    """An RSS 2.0 document of (key, title) items linking to ``base``/item/<key>."""
    body = "".join(
        f"<item><title>{escape(title)}</title><link>{base}/item/{key}</link><guid>{key}</guid>"
        "<pubDate>Sun, 11 Jan 2026 10:00:00 GMT</pubDate></item>"
        for key, title in items
    )
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{body}</channel></rss>"


class FeedSite:
    """/<prefix>/feed.xml and /<prefix>/item/<key>; ETag changes with every publish()."""

    def __init__(self, server: HTTPServer, prefix: str = "", page: str = JOINT_PAGE) -> None:
        self.server, self.prefix, self.template = server, prefix.strip("/"), page
        self.items: list[tuple[str, str]] = []
        self.version = 0
        self.page_hits: list[str] = []
        self.conditional: list[str | None] = []  # If-None-Match of every feed request
        root = f"/{self.prefix}" if self.prefix else ""
        server.expect_request(f"{root}/feed.xml").respond_with_handler(self.feed)
        server.expect_request(re.compile(rf"^{root}/item/.*$")).respond_with_handler(self.page)

    @property
    def base(self) -> str:
        return self.server.url_for(f"/{self.prefix}" if self.prefix else "").rstrip("/")

    @property
    def url(self) -> str:
        return f"{self.base}/feed.xml"

    def publish(self, key: str, title: str) -> None:
        self.items.insert(0, (key, title))
        self.version += 1

    def feed(self, request: Request) -> Response:
        etag = f'"{self.prefix}-{self.version}"'
        self.conditional.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        body = rss(self.base, self.items)
        return Response(body, content_type="application/rss+xml", headers={"ETag": etag})

    def page(self, request: Request) -> Response:
        key = request.path.rsplit("/", 1)[-1]
        self.page_hits.append(key)
        title = dict(self.items).get(key, "بيان")
        html = self.template.format(title=escape(title), key=escape(key))
        return Response(html, content_type="text/html; charset=utf-8")
