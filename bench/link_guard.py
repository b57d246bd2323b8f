"""Probe of link following (issue 10 item 1): how many requests a source on 127.0.0.1:A makes to another
loopback origin 127.0.0.1:B through its links, and how much of B's content ends up stored.

    python bench/link_guard.py            # the rule: B must receive 0 requests
    python bench/link_guard.py --allow    # defaults.allow_private_addresses: true (intranet deployment)

Site A serves a feed of four items: one on A whose full-text PDF is on A, one on A whose full-text link
points to B, one whose link is on B, and one on A that redirects to B. One poll runs through the real
pipeline (real HTTP on loopback, a throwaway SQLite file); the script prints one JSON line: requests
that reached B (and their paths), statements that carry B's content, the refusals the poll recorded.
It uses only what main has always had (``--allow`` needs the allow_private_addresses field).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
import tempfile
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_httpserver import HTTPServer  # noqa: E402

from bot import pipeline, service, storage  # noqa: E402
from bot.models import Source  # noqa: E402

TEASER = """<html><body><article><h1>{title}</h1>
<p>The undersigned organisations published a joint statement on the detainees today.</p>
<p>Signatories:</p><ol><li>Syrians for Truth and Justice</li></ol>
<p><a href="{pdf}">Download the full statement (PDF)</a></p></article></body></html>"""
INTERNAL = """<html><body><article><h1>Internal joint statement</h1>
<p>The undersigned organisations call for an internal review.</p><p>Signatories:</p>
<ol><li>Internal Unit One</li><li>Internal Unit Two</li><li>Internal Unit Three</li></ol>
</article></body></html>"""
OWN_FULL = TEASER.replace("<li>Syrians for Truth and Justice</li>", "<li>A</li><li>B</li><li>C</li>")


def serve(a: HTTPServer, b: HTTPServer) -> str:
    """Site A's feed and pages (B answers every path with an internal page); the feed URL."""
    base = a.url_for("/s").rstrip("/")
    items = [
        ("own", f"{base}/item/own"),
        ("pdf-b", f"{base}/item/pdf-b"),
        ("on-b", b.url_for("/item/on-b")),
        ("hop", f"{base}/hop"),
    ]
    body = "".join(
        f"<item><title>Joint statement {g}</title><link>{escape(u)}</link><guid>{g}</guid></item>"
        for g, u in items
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'
    a.expect_request("/s/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    own = TEASER.format(title="Joint statement own", pdf="/s/full.html")
    a.expect_request("/s/item/own").respond_with_data(own, content_type="text/html")
    a.expect_request("/s/full.html").respond_with_data(OWN_FULL, content_type="text/html")
    to_b = TEASER.format(title="Joint statement pdf-b", pdf=b.url_for("/secret/full.pdf"))
    a.expect_request("/s/item/pdf-b").respond_with_data(to_b, content_type="text/html")
    a.expect_request("/s/hop").respond_with_data("", status=302, headers={"Location": b.url_for("/admin")})
    b.expect_request(re.compile(".*")).respond_with_data(INTERNAL, content_type="text/html")
    return f"{base}/feed.xml"


async def probe(allow: bool) -> dict[str, object]:
    a, b = HTTPServer(host="127.0.0.1", port=0), HTTPServer(host="127.0.0.1", port=0)
    a.start()
    b.start()
    try:
        extra = {"allow_private_addresses": True} if allow else {}
        src = Source(id="probe", url=serve(a, b), language="en", **extra)  # type: ignore[arg-type]
        with tempfile.TemporaryDirectory() as tmp:
            async with service.open_runtime(str(Path(tmp) / "probe.db"), [src]) as ctx:
                result = await pipeline.poll_source(ctx, src)
                rows = await ctx.store.call(storage.list_statements, limit=20)
                health = await ctx.store.call(storage.get_health, src.id)
        leaked = [r.title for r in rows if "Internal Unit One" in r.signatories]
        return {
            "requests_to_B": len(b.log),
            "paths_on_B": sorted(req.path for req, _ in b.log),
            "statements_with_B_content": len(leaked),
            "own_full_text_followed": any(req.path == "/s/full.html" for req, _ in a.log),
            "poll_ok": result.ok,
            "refused": list(getattr(result, "refused", ())),
            "source_last_error": health.last_error,
        }
    finally:
        a.stop()
        b.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allow", action="store_true", help="set allow_private_addresses on the source")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines on stderr
    print(json.dumps(asyncio.run(probe(args.allow)), ensure_ascii=False))


if __name__ == "__main__":
    main()
