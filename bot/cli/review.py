"""`bayan review`: the review queue on the command line (list it, decide an item, export the reviewed pages).

    bayan review [--json]                                   the open items, oldest first
    bayan review ID --statement yes|no [--kind K] [--issuer NAME] [--signatories FILE]
    bayan review export --format corpus --out DIR           reviewed pages as labelled cases

A decision has the same effects as in Telegram (``bot.review.apply``); the decider is recorded as
``cli:<login name>``. The export writes, per reviewed page, ``DIR/V<id>.html`` (the stored page) and
``DIR/V<id>.json`` (the decision, schema of ../shared/corpus); DIR must be outside this repository,
because the pages are other people's text.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from bot import console, extract, orgs, review, storage
from bot.cli.common import dump, open_existing_db
from bot.models import BayanError, ReviewItem, Settings, utcnow

_ANSWERS = {"yes": True, "no": False}


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    db = open_existing_db(settings.db_path)
    if args.target is None:
        return _list(db, args.json)
    if args.target == "export":
        return _export(db, args.out)
    if not args.target.isdecimal():
        raise BayanError(f"{args.target!r} is not a statement id (bayan review ID --statement yes|no)")
    if args.statement is None:
        raise BayanError("say --statement yes or --statement no")
    names = _read_names(args.signatories) if args.signatories else None
    index = orgs.OrgIndex(storage.org_index_entries(db))
    sid = int(args.target)
    if storage.get_review(db, sid) is None:
        print(f"bayan: statement {sid} is not in the review queue (see `bayan review`)", file=sys.stderr)
        return 1
    item, released = review.apply(
        db, index, sid, is_statement=_ANSWERS[args.statement], by=f"cli:{_login()}", now=utcnow(),
        kind=args.kind, issuer=args.issuer, signatories=names,
    )  # fmt: skip
    if args.json:
        dump({**item.to_json(), "announced_now": released})
        return 0
    verdict = "accepted" if _ANSWERS[args.statement] else "rejected (withdrawn from search and signed)"
    print(f"{sid}: {verdict}" + ("; its pushes are queued" if released else ""))
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _read_names(path: str) -> tuple[str, ...]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BayanError(
            f"cannot read the signatories file {path}: {getattr(e, 'strerror', None) or e}"
        ) from e
    return review.parse_names(text)


def _list(db: storage.Db, as_json: bool) -> int:
    items = storage.review_queue(db)
    if as_json:
        dump([i.to_json() for i in items])
        return 0
    if not items:
        print("the review queue is empty")
        return 0
    for item in items:
        print(_line(item))
    return 0


def _line(item: ReviewItem) -> str:
    """id · what the extractor said (confidence) · held? · title · source · the strongest cues."""
    st = item.statement
    said = "statement" if item.reason == "doubtful" else "not a statement"
    held = f" · held until {item.hold_until.isoformat()}" if item.held and item.hold_until else ""
    changed = f" · {item.changed}" if item.changed else ""
    cues = ", ".join(st.evidence[:3]) or "-"
    title = console.isolate(st.title or st.url)
    return f"{st.id} · {said} ({st.confidence:.2f}){held} · {title} · {st.source} · {cues}{changed}"


def _export(db: storage.Db, out: str | None) -> int:
    if not out:
        raise BayanError("bayan review export needs --out DIR (a folder outside the repository)")
    folder = Path(out).resolve()
    if _inside_repository(folder):
        raise BayanError(
            f"{out} is inside a git repository: the pages are third-party text, export elsewhere"
        )
    folder.mkdir(parents=True, exist_ok=True)
    pages = storage.reviewed_pages(db)
    for item, body, content_type, _url in pages:
        case_id = f"V{item.statement.id:05d}"
        html = extract.document_text(body, content_type)  # decoded; a PDF as its text
        (folder / f"{case_id}.html").write_text(html, encoding="utf-8")
        case = review.corpus_case(item, case_id)
        (folder / f"{case_id}.json").write_text(
            json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    print(f"{len(pages)} reviewed pages written to {folder}")
    return 0


def _inside_repository(folder: Path) -> bool:
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))
