"""Which items are one statement, through the whole pipeline against loopback sites (pytest-httpserver) and a
real SQLite file (issue 10 items 4 and 5): rotating session ids in links never make new statements or
pushes; one coalition's different statements and a recurring weekly update are never merged; one
statement cross-posted on members' sites still is, and says why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot import pipeline, service, storage
from bot.models import Source
from tests.sites import (
    COALITION,
    DETENTION,
    WATER,
    WEEKLY_HEAD,
    WEEKLY_TITLE,
    WEEKS,
    StatementSite,
    statement_html,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[pipeline.PollContext]:
    async with service.open_runtime(str(tmp_path / "bayan.db"), []) as c:
        await c.store.call(subscribe)
        yield c


def subscribe(db: storage.Db) -> None:
    storage.add_subscription(db, 1, None, "all", None, now=pipeline.utcnow())


def counts(db: storage.Db) -> tuple[int, int]:
    """(statements, pushes queued for subscribers)."""
    st = db.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
    pushes = db.execute("SELECT COUNT(*) FROM deliveries WHERE statement_id IS NOT NULL").fetchone()[0]
    return int(st), int(pushes)


def src(site: StatementSite, **kw: object) -> Source:
    return Source(id=site.prefix, url=site.url, language="ar", interval=60, announce_first_poll=True, **kw)  # type: ignore[arg-type]


def day(n: int) -> str:
    return f"Mon, {n:02d} Mar 2026 10:00:00 GMT"


async def poll(ctx: pipeline.PollContext, source: Source) -> None:
    result = await pipeline.poll_source(ctx, source)
    assert result.error is None, result.error


# sid is dropped from canonical URLs; "visit" is unknown to us: the page text hash catches it
@pytest.mark.parametrize("param", ["sid", "PHPSESSID", "visit"])
async def test_links_and_guids_with_a_rotating_session_id_make_no_new_statements(
    httpserver: HTTPServer, ctx: pipeline.PollContext, param: str
) -> None:
    site = StatementSite(httpserver, f"rot-{param.lower()}", rotate=param)
    for i, text in enumerate((DETENTION, WATER, (WEEKLY_HEAD, *WEEKS[0]))):
        title = f"بيان رقم {i + 1}"  # short titles: no clustering by title helps
        site.publish(f"r{i}", title, statement_html(title, text, COALITION[:2], query="{query}"), day(3 + i))
    source = src(site)
    for _ in range(6):
        await poll(ctx, source)
    assert site.feed_hits == 6
    assert await ctx.store.call(counts) == (3, 3)


async def test_a_coalition_s_two_statements_in_one_month_are_two_statements(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    own, member = StatementSite(httpserver, "coal"), StatementSite(httpserver, "coal-member")
    title_a, title_b = "بيان مشترك بشأن الاعتقال التعسفي", "بيان مشترك بشأن أزمة المياه في المخيمات"
    own.publish("a", title_a, statement_html(title_a, DETENTION, COALITION), day(5))
    await poll(ctx, src(own))
    own.publish("b", title_b, statement_html(title_b, WATER, COALITION), day(12))  # same 8 signatories
    await poll(ctx, src(own))
    title_c = "بيان مشترك ثالث حول المياه"
    member.publish("c", title_c, statement_html(title_c, WATER[1:] + DETENTION[:1], COALITION), day(20))
    await poll(ctx, src(member))  # another member's site: a third text, the same signatories
    assert await ctx.store.call(counts) == (3, 3)


async def test_a_weekly_update_under_the_same_title_is_a_new_statement_every_week(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    site = StatementSite(httpserver, "weekly")
    source = src(site, statements_only=True, org="stj")
    for week, lines in enumerate(WEEKS):
        site.publish(
            f"w{week}", WEEKLY_TITLE, statement_html(WEEKLY_TITLE, (WEEKLY_HEAD, *lines)), day(2 + 7 * week)
        )
        await poll(ctx, source)
    assert await ctx.store.call(counts) == (len(WEEKS), len(WEEKS))


async def test_one_statement_on_three_members_sites_is_one_statement_that_says_why(
    httpserver: HTTPServer, ctx: pipeline.PollContext
) -> None:
    intros = ("", "تنشر منظمتنا مع شركائها البيان المشترك التالي.", "وقعت جمعيتنا على هذا البيان.")
    titles = (
        "بيان مشترك بشأن الاعتقال التعسفي",
        "بيان مشترك بشأن الاعتقال التعسفي",
        "أوقفوا الاعتقال التعسفي",
    )
    for i, (intro, title) in enumerate(zip(intros, titles, strict=True)):
        site = StatementSite(httpserver, f"member-{i}")
        site.publish("s", title, statement_html(title, DETENTION, COALITION, intro=intro), day(5 + i))
        await poll(ctx, src(site))
    assert await ctx.store.call(counts) == (1, 1)
    [st] = await ctx.store.call(storage.list_statements)
    assert st.sources == ("member-0", "member-1", "member-2")
    reason = st.to_json()["cluster_reason"]
    assert isinstance(reason, str) and "member-1" in reason and "member-2" in reason and "text" in reason
