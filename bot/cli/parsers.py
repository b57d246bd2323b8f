"""The options of every `bayan` subcommand (a contract: names, options and help are what users script
against), grouped as the command modules are: `poll`, `backfill`, `extract`, `records`, `feeds`, `orgs`,
`registry`, `review`, `browse`, `health`, `charts`.

Each subcommand's handler is named, not imported: ``handler=(group, function)``, the function of the
module ``bot.cli.<group>``, which `bot.cli.main` imports only for the command that runs (`bayan --help`
and a mistyped option load none of them). Imports only argparse and the stdlib.
"""

from __future__ import annotations

import argparse
from datetime import date

REVIEW_KINDS = ("withdrawal", "open_letter", "joint", "single")  # models.Kind (tests/integration/test_cli.py)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Every subcommand, in the order of `bayan --help`."""
    poll(sub, common)
    backfill(sub, common)
    extract(sub, common)
    records(sub, common)
    sources_actions(sub, common)
    orgs(sub, common)
    registry(sub, common)
    review(sub, common)
    browse(sub, common)
    health(sub, common)
    chart(sub, common)


def poll(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="the service: scheduler (+ Telegram bot with a token)")
    p.set_defaults(handler=("poll", "cmd_run"))
    p = sub.add_parser("poll", parents=[common], help="poll the sources once")
    p.add_argument("--once", action="store_true", help="one cycle (the default and only mode)")
    p.add_argument("--source", metavar="ID", help="only this source")
    p.add_argument("--dry-run", action="store_true", help="throwaway in-memory database; print what is found")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("poll", "cmd_poll"))
    p = sub.add_parser("check-config", parents=[common], help="validate the environment and feeds.yaml")
    p.add_argument("--fetch", action="store_true", help="also fetch each enabled source once")
    p.set_defaults(handler=("poll", "cmd_check_config"))


def backfill(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "backfill", parents=[common], help="walk the sources' history back in time (never announced)"
    )
    p.add_argument("--source", metavar="ID", help="only this source")
    p.add_argument("--since", metavar="YYYY-MM-DD", type=_iso_date, help="only items dated since")
    p.add_argument("--max-pages", metavar="N", type=_positive, help="at most N pages per source this run")
    p.add_argument("--dry-run", action="store_true", help="throwaway in-memory database; store nothing")
    p.add_argument("--restart", action="store_true", help="forget where the last run stopped; start over")
    p.add_argument(
        "--delay",
        metavar="SECONDS",
        type=_seconds,
        help="pause between pages (default: defaults.backfill_delay, 1 s)",
    )
    p.add_argument("--json", action="store_true", help="one JSON array, one object per source")
    p.set_defaults(handler=("backfill", "cmd_backfill"))


def _positive(text: str) -> int:
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if 0 <= value <= 3600:
        return value
    raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")


def extract(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("extract", parents=[common], help="extract one page (file or URL)")
    p.add_argument("target", metavar="PATH_OR_URL")
    p.add_argument("--json", action="store_true")
    p.add_argument("--source", metavar="ID", help="apply the hints of this configured source")
    p.add_argument("--language", choices=["ar", "en"])
    p.add_argument("--statements-only", action="store_true")
    p.set_defaults(handler=("extract", "cmd_extract"))
    p = sub.add_parser("reextract", parents=[common], help="re-run extraction over stored pages")
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="statement ids (default: all)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("extract", "cmd_reextract"))


def records(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("statements", parents=[common], help="stored statements, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=20, help="at most N statements (default 20)")
    p.add_argument("--source", metavar="ID", help="only those this source carried")
    p.set_defaults(handler=("records", "cmd_statements"))
    p = sub.add_parser("statement", parents=[common], help="one statement: every signatory, every source")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("records", "cmd_statement"))
    p = sub.add_parser("export", parents=[common], help="open data: one row per statement × signatory")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--since", metavar="YYYY-MM-DD", type=_iso_date, help="statements published since")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.set_defaults(handler=("records", "cmd_export"))
    p = sub.add_parser("sources", parents=[common], help="configured sources and their health")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("records", "cmd_sources"))


def sources_actions(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`bayan sources export|import`: optional actions, so `bayan sources [--json]` stays as it was."""
    parser = sub.choices["sources"]
    parser.description = "Without an ACTION: each configured source, enabled, interval and health."
    actions = parser.add_subparsers(dest="sources_command", metavar="[ACTION]")
    p = actions.add_parser("export", parents=[common], help="the feed sources as an OPML 2.0 document")
    p.add_argument("--opml", action="store_true", default=True, help="OPML 2.0 (the default and only format)")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.set_defaults(handler=("feeds", "cmd_export"))
    p = actions.add_parser("import", parents=[common], help="feeds.yaml entries for an OPML file's new feeds")
    p.add_argument("file", metavar="FILE.opml")
    p.add_argument("--append", action="store_true", help="add them to feeds.yaml (comments kept, checked)")
    p.set_defaults(handler=("feeds", "cmd_import"))


def health(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "health", parents=[common], help="exit 0 when the database is writable and polls recent"
    )
    p.add_argument(
        "--max-age",
        metavar="DURATION",
        help="the oldest last poll that is healthy (default: 2 × the shortest interval + 10m)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("health", "cmd_health"))


def _iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def orgs(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add signed, org, orgs and search to the `bayan` parser."""
    p = sub.add_parser("signed", parents=[common], help="statements an organisation signed, newest first")
    p.add_argument("name", metavar="NAME", help="Arabic or English name, acronym, slug or id")
    p.add_argument("--all", nargs="+", default=[], metavar="NAME2", help="only statements all of them signed")
    p.add_argument("--limit", type=int, default=20, help="at most N statements (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("orgs", "cmd_signed"))
    p = sub.add_parser("org", parents=[common], help="an organisation's profile")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("orgs", "cmd_org"))
    _add_orgs(sub, common)
    p = sub.add_parser("search", parents=[common], help="full-text search over titles and bodies")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--limit", type=int, default=20, help="at most N statements (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=("orgs", "cmd_search"))


def _add_orgs(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("orgs", parents=[common], help="registry fixes: merge, alias, list")
    orgs_sub = p.add_subparsers(dest="orgs_command", metavar="ACTION", required=True)
    m = orgs_sub.add_parser("merge", parents=[common], help="merge organisation B into A")
    m.add_argument("keep", metavar="A")
    m.add_argument("merge", metavar="B")
    m.add_argument("--dry-run", action="store_true", help="say what would move; change nothing")
    m.set_defaults(handler=("orgs", "cmd_orgs_merge"))
    a = orgs_sub.add_parser("alias", parents=[common], help="add a spelling of an organisation")
    a.add_argument("org", metavar="ORG")
    a.add_argument("alias", metavar="SPELLING")
    a.set_defaults(handler=("orgs", "cmd_orgs_alias"))
    ls = orgs_sub.add_parser("list", parents=[common], help="organisations with their statement counts")
    ls.add_argument("--provisional", action="store_true", help="only those created from unknown names")
    ls.add_argument("--limit", type=int, help="at most N organisations (default: all)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=("orgs", "cmd_orgs_list"))


def orgs_actions(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The ACTION subparsers of `bayan orgs` (cli.registry adds its actions there)."""
    parser = sub.choices["orgs"]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def registry(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add these actions under `bayan orgs`."""
    actions = orgs_actions(sub)
    p = actions.add_parser("add", parents=[common], help="add an organisation to the registry")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--en", metavar="NAME_EN", help="its English name")
    p.add_argument("--acronym", action="append", default=[], metavar="ACRONYM", help="repeatable")
    p.add_argument("--website", metavar="URL")
    p.set_defaults(handler=("registry", "cmd_add"))
    p = actions.add_parser("rename", parents=[common], help="give an organisation a new name")
    p.add_argument("org", metavar="ORG")
    p.add_argument("name", metavar="NAME", nargs="?", help="the new main name")
    p.add_argument("--en", metavar="NAME_EN", help="a new English name")
    p.set_defaults(handler=("registry", "cmd_rename"))
    p = actions.add_parser("unmerge", parents=[common], help="undo the merge of organisation B (an id)")
    p.add_argument("gone", metavar="B", type=int, help="the id of the merged organisation")
    p.set_defaults(handler=("registry", "cmd_unmerge"))
    p = actions.add_parser("export", parents=[common], help="the registry fixes made here, as YAML")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.set_defaults(handler=("registry", "cmd_export"))
    p = actions.add_parser("import", parents=[common], help="apply the fixes of an `orgs export` file")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=("registry", "cmd_import"))


def review(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "review", parents=[common], help="the review queue: list it, decide an item, export reviewed pages"
    )
    p.add_argument("target", nargs="?", metavar="ID|export", help="a statement id to decide, or export")
    p.add_argument("--json", action="store_true")
    p.add_argument("--statement", choices=["no", "yes"], help="is it a statement?")
    p.add_argument("--kind", choices=REVIEW_KINDS)
    p.add_argument("--issuer", metavar="NAME", help="the issuing organisation")
    p.add_argument("--signatories", metavar="FILE", help="the corrected signatories, one per line")
    p.add_argument(
        "--format", choices=["corpus"], default="corpus", help="export: the ../shared/corpus schema"
    )
    p.add_argument("--out", metavar="DIR", help="export: the folder to write (outside the repository)")
    p.set_defaults(handler=("review", "cmd_review"))


def browse(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "browse", parents=[common], help="the database in Datasette, read-only, on 127.0.0.1 (bayan[browse])"
    )
    p.add_argument(
        "--port", type=_port, default=8001, help="TCP port on 127.0.0.1 (default 8001; 0: any free)"
    )
    p.set_defaults(handler=("browse", "cmd_browse"))


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def chart(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "chart",
        parents=[common],
        help="a PNG chart: an organisation's statements per month, kinds, co-signers (no ORG: everyone)",
    )
    p.add_argument("name", nargs="?", metavar="ORG", help="Arabic or English name, acronym, slug or id")
    p.add_argument("--out", required=True, metavar="FILE.png", help="the PNG file to write")
    p.add_argument("--lang", choices=["ar", "en"], default="en", help="labels and names (default en)")
    p.set_defaults(handler=("charts", "cmd_chart"))
