"""A loopback feed server for benchmarks: N small RSS feeds with injected latency, ETag/304 support.

Run as a process (so its CPU is not counted against the poller):
    python bench/feed_server.py --hosts 4 --latency 0.05
It listens on 127.0.0.1..127.0.0.<hosts> (one port, printed as the first line) and serves
/feed/<i>.xml (one item each; ETag "v<version>") and /item/<i>/<v>.html. POST /bump?every=K makes every
K-th feed publish a new item (a new version), so the next cycle sees mostly 304 and a few 200s.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys

from aiohttp import web

ITEM_PAGE = (
    "<html><head><title>Statement {i}-{v}</title></head><body><article><h1>بيان رقم {i}</h1>"
    "<p>تدين المنظمات الموقعة أدناه الانتهاكات. نطالب بالمحاسبة.</p><p>المنظمات الموقعة:</p>"
    "<ul><li>منظمة العدالة {i}</li><li>مركز الحقوق {v}</li></ul></article></body></html>"
)


def feed_xml(i: int, v: int, host: str) -> str:
    items = "".join(
        f"<item><title>بيان {i}-{k}</title><link>http://{host}/item/{i}/{k}.html</link>"
        f"<guid>feed{i}-item{k}</guid><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>"
        for k in range(v, 0, -1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {i}</title><link>http://{host}/</link>{items}</channel></rss>"
    )


class FeedServer:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.versions: dict[int, int] = {}
        self.requests = 0

    async def feed(self, request: web.Request) -> web.Response:
        self.requests += 1
        await asyncio.sleep(self.latency)
        i = int(request.match_info["i"])
        v = self.versions.get(i, 1)
        etag = f'"v{v}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        body = feed_xml(i, v, request.host)
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def item(self, request: web.Request) -> web.Response:
        self.requests += 1
        await asyncio.sleep(self.latency)
        i, v = int(request.match_info["i"]), int(request.match_info["v"])
        return web.Response(text=ITEM_PAGE.format(i=i, v=v), content_type="text/html")

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": self.requests})

    async def bump(self, request: web.Request) -> web.Response:
        every = int(request.query.get("every", "20"))
        n = int(request.query.get("n", "1000"))
        for i in range(0, n, every):
            self.versions[i] = self.versions.get(i, 1) + 1
        return web.json_response({"bumped": len(range(0, n, every)), "requests": self.requests})


async def serve(hosts: int, latency: float) -> None:
    server = FeedServer(latency)
    app = web.Application()
    app.router.add_get("/feed/{i}.xml", server.feed)
    app.router.add_get("/item/{i}/{v}.html", server.item)
    app.router.add_post("/bump", server.bump)
    app.router.add_get("/stats", server.stats)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    for h in range(1, hosts + 1):
        await web.TCPSite(runner, f"127.0.0.{h}", port, backlog=1024).start()
    print(port, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.hosts, args.latency))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
