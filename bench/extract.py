"""Benchmark bot.extract.extract_statement over the golden pages (tests/fixtures/pages).

Prints pages/s on one core and the median / p95 milliseconds per page, for the pages as they are and,
with --inflate, for the same pages wrapped in heavy real-world chrome (menus, sidebars, comments,
inline CSS/JS) of about 100 KB each. Usage: python bench/extract.py [--rounds N] [--inflate]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.extract import extract_statement
from bot.extract.text import fold
from bot.models import Hints

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"


def _chrome(n: int) -> tuple[str, str, str]:
    """(head, top, bottom) chrome: CSS/JS, a big menu, a sidebar of links and a comment thread."""
    menu = "".join(f'<li class="menu-item"><a href="/c/{i}">Section {i} القسم</a></li>' for i in range(n))
    side = "".join(f'<li><a href="/p/{i}">آخر الأخبار رقم {i}: عنوان خبر آخر</a></li>' for i in range(n))
    comments = "".join(
        f'<div class="comment"><p class="comment-author">User {i}</p><p>{"تعليق طويل " * 40}</p></div>'
        for i in range(n // 3)
    )
    style = "<style>" + ".x{color:red}" * 2000 + "</style><script>" + "var a=1;" * 3000 + "</script>"
    top = f'<nav class="main-navigation"><ul>{menu}</ul></nav>'
    bottom = f'<aside class="widget-area"><ul>{side}</ul></aside><div id="comments">{comments}</div>'
    return style, top, bottom


def inflate(page: str) -> str:
    head, top, bottom = _chrome(120)
    page = page.replace("<head>", f"<head>{head}", 1)
    page = page.replace("<body>", f"<body>{top}", 1) if "<body>" in page else top + page
    return page.replace("</body>", f"{bottom}</body>", 1) if "</body>" in page else page + bottom


def run(pages: list[str], rounds: int) -> list[float]:
    times: list[float] = []
    for _ in range(rounds):
        for page in pages:
            fold.cache_clear()  # every page is new to the pipeline: no warm caches
            start = time.perf_counter()
            extract_statement(page, Hints())
            times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, pages: list[str], times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    size = statistics.mean(len(p.encode()) for p in pages) / 1024
    print(
        f"{label:9} {len(pages)} pages, mean {size:6.1f} KB: {1000 * len(times) / sum(times):7.1f} pages/s, "
        f"median {statistics.median(times):6.2f} ms, p95 {p95:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--inflate", action="store_true", help="also time the pages inside ~100 KB of chrome")
    args = parser.parse_args()
    files = sorted(PAGES.glob("*.html")) + sorted(PAGES.glob("*.txt"))
    pages = [p.read_text(encoding="utf-8") for p in files]
    run(pages[:3], 1)  # warm-up (imports, regex compilation)
    report("as is", pages, run(pages, args.rounds))
    if args.inflate:
        big = [inflate(p) for p in pages]
        report("inflated", big, run(big, args.rounds))


if __name__ == "__main__":
    main()
