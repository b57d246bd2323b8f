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
        self.failing: set[str] = set()  # keys whose page answers 503
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
        if key in self.failing:
            return Response("busy", status=503)
        title = dict(self.items).get(key, "بيان")
        html = self.template.format(title=escape(title), key=escape(key))
        return Response(html, content_type="text/html; charset=utf-8")


# ───────────────────────────── statement sites with real texts ─────────────────────────────

# registry organisations (bot/data/orgs.yaml) that sign the coalition statements below
COALITION = (
    "سوريون من أجل الحقيقة والعدالة",
    "الشبكة السورية لحقوق الإنسان",
    "الأرشيف السوري",
    "اليوم التالي",
    "بيتنا",
    "دولتي",
    "المركز السوري للعدالة والمساءلة",
    "نساء الآن للتطوير",
)
COALITION_EN = (
    "Syrians for Truth and Justice",
    "Syrian Network for Human Rights",
    "Syrian Archive",
    "The Day After",
    "Baytna",
    "Dawlaty",
    "Syria Justice and Accountability Centre",
    "Women Now for Development",
)

# our own texts: two different statements of one coalition, and four weeks of one recurring update
DETENTION = (
    "تتابع المنظمات الموقعة أدناه بقلق بالغ حملات الاعتقال التعسفي التي طالت عشرات الشبان في ريف "
    "المحافظة خلال الأسابيع الماضية، دون مذكرات قضائية ودون إبلاغ ذويهم بأماكن احتجازهم.",
    "وتطالب المنظمات بالإفراج الفوري عن جميع المحتجزين تعسفياً، وبالسماح للمراقبين المستقلين بزيارة "
    "مراكز الاحتجاز، وبكشف مصير المفقودين وتسليم رفات المتوفين منهم إلى عائلاتهم.",
    "كما تدعو المنظمات الأطراف الدولية إلى ربط أي مسار سياسي بملف المعتقلين، وإلى دعم عمل الآلية "
    "المستقلة المعنية بالمفقودين دون إبطاء.",
)
DETENTION_EN = (
    "The undersigned organisations are deeply concerned by the campaigns of arbitrary arrest that have "
    "swept up dozens of young men in the countryside of the governorate in recent weeks, without warrants "
    "and without telling their families where they are held.",
    "The organisations call for the immediate release of everyone arbitrarily detained, for independent "
    "monitors to be allowed into places of detention, and for the fate of the missing to be disclosed.",
    "They also urge international actors to tie any political process to the file of the detainees.",
)
WATER = (
    "تحذر المنظمات الموقعة أدناه من تفاقم أزمة المياه في مخيمات النزوح شمال البلاد بعد توقف محطات الضخ "
    "منذ مطلع الشهر، ما يعرض آلاف العائلات لخطر انتشار الأمراض مع ارتفاع درجات الحرارة.",
    "وتدعو المنظمات الجهات المانحة إلى تمويل عاجل لإصلاح المحطات وتوفير صهاريج بديلة، وتطالب سلطات "
    "الأمر الواقع بالامتناع عن استخدام المياه وسيلةً للضغط على السكان.",
    "وتؤكد المنظمات أن الحصول على مياه نظيفة حق أساسي لا يجوز تقييده لأي سبب كان.",
)
WEEKLY_TITLE = "التحديث الأسبوعي لرصد الانتهاكات"
WEEKLY_HEAD = "يعرض هذا التحديث أبرز ما وثقه فريقنا الميداني من انتهاكات خلال الأسبوع المنصرم."
WEEKS = (
    (
        "سجل الفريق اعتقال أحد عشر مدنياً عند حواجز الطريق الدولي، بينهم طالبان جامعيان أفرج عن أحدهما لاحقاً.",
        "كما تعرضت ثلاث مدارس لأضرار جزئية بعد قصف مدفعي استهدف أطراف البلدة الشرقية صباح الخميس.",
    ),
    (
        "تركزت الانتهاكات هذا الأسبوع على مصادرة المنازل، إذ وثقنا الاستيلاء على تسعة عقارات تعود "
        "لعائلات مهجرة.",
        "وأبلغنا أهالي قرية جبلية عن منعهم من جني محصول الزيتون بحجة وجود ألغام في الأراضي الزراعية.",
    ),
    (
        "قتل طفلان وأصيبت امرأة بانفجار مخلفات حربية قرب مجرى النهر، وهي الحادثة الثالثة من نوعها "
        "منذ الربيع.",
        "ولم تتمكن فرق الدفاع المدني من الوصول إلى الموقع إلا بعد ساعات بسبب إغلاق الطريق الترابي.",
    ),
    (
        "رصدنا حملة دهم واسعة في حي السوق القديم انتهت باحتجاز سبعة رجال، نقلوا إلى جهة مجهولة حتى الآن.",
        "وتلقى الفريق شهادات عن فرض إتاوات على الشاحنات التجارية عند المعبر الشمالي بمبالغ متفاوتة.",
    ),
)


def statement_html(
    title: str,
    paragraphs: tuple[str, ...],
    signatories: tuple[str, ...] = (),
    *,
    intro: str = "",
    query: str = "",
) -> str:
    """One statement page with our own site chrome; ``query`` is appended to every link of the page."""
    paras = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    names = "".join(f"<li>{escape(n)}</li>" for n in signatories)
    block = f"<p>المنظمات الموقعة:</p><ol>{names}</ol>" if signatories else ""
    lead = f"<p>{escape(intro)}</p>" if intro else ""
    nav = f'<nav><a href="/{query}">الرئيسية</a> <a href="/about{query}">من نحن</a></nav>'
    return (
        f"<html><head><title>{escape(title)}</title></head><body><header>{nav}</header><article>"
        f"<h1>{escape(title)}</h1>{lead}{paras}{block}</article>"
        f'<footer><a href="/contact{query}">اتصل بنا</a></footer></body></html>'
    )


class StatementSite:
    """/<prefix>/feed.xml (RSS, newest first, GUID = link) and /<prefix>/item/<key> pages of given HTML.

    With ``rotate`` (a query parameter name), every feed request N adds ``?<rotate>=N`` to every item's
    link and GUID, and the pages carry it in their own links: a site with session ids in its URLs.
    """

    def __init__(self, server: HTTPServer, prefix: str, rotate: str | None = None) -> None:
        self.server, self.prefix, self.rotate = server, prefix.strip("/"), rotate
        self.items: list[tuple[str, str, str, str]] = []  # key, title, RFC 822 date, html with {query}
        self.feed_hits = 0
        self.page_hits: list[str] = []
        server.expect_request(f"/{self.prefix}/feed.xml").respond_with_handler(self.feed)
        server.expect_request(re.compile(rf"^/{self.prefix}/item/.*$")).respond_with_handler(self.page)

    @property
    def url(self) -> str:
        return self.server.url_for(f"/{self.prefix}/feed.xml")

    def publish(self, key: str, title: str, html: str, day: str) -> None:
        """``day`` is an RSS date ("Thu, 05 Mar 2026 10:00:00 GMT"); ``html`` may hold ``{query}``."""
        self.items.insert(0, (key, title, day, html))

    def _query(self) -> str:
        return f"?{self.rotate}={self.feed_hits}" if self.rotate else ""

    def feed(self, request: Request) -> Response:
        self.feed_hits += 1
        base = self.server.url_for(f"/{self.prefix}").rstrip("/")
        body = "".join(
            f"<item><title>{escape(title)}</title><link>{base}/item/{key}{escape(self._query())}</link>"
            f'<guid isPermaLink="true">{base}/item/{key}{escape(self._query())}</guid>'
            f"<pubDate>{day}</pubDate></item>"
            for key, title, day, _ in self.items
        )
        head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        return Response(f"{head}{body}</channel></rss>", content_type="application/rss+xml")

    def page(self, request: Request) -> Response:
        key = request.path.rsplit("/", 1)[-1]
        self.page_hits.append(key)
        html = next((h for k, _, _, h in self.items if k == key), None)
        if html is None:
            return Response("not found", status=404)
        return Response(
            html.replace("{query}", escape(self._query())), content_type="text/html; charset=utf-8"
        )
