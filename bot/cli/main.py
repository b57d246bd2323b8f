"""`bayan` (also `python -m bot`): the parser (each subcommand's options are in `bot.cli.parsers`) and the
dispatch with its exit codes.

It reads the environment once (config.load_settings), applies --config/--db, and runs the handler the
chosen subcommand set. Every command fails with a one-line error and a non-zero exit: 1 for a bad
configuration (every problem listed) or an unresolved name, 2 for usage and other errors, 130 on Ctrl-C,
141 when the reader of its output went away (`bayan statements | head`: no traceback). Output never fails
on the terminal's encoding: what it cannot encode is written as a backslash escape.

Start-up is part of the interface (issue 12: `bayan --help` within 60 ms of CPU): the parser is
`bot.cli.parsers` alone, and only the module of the command that runs is imported (`_handler`), so no
command loads what only another needs (SQLite, httpx, extraction, APScheduler, python-telegram-bot).
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot import __version__
from bot.cli import parsers

if TYPE_CHECKING:
    from bot.models import Settings

Handler = Callable[[argparse.Namespace, "Settings"], int]


def main(argv: Sequence[str] | None = None, *, loaded: Callable[[], None] | None = None) -> int:
    """Run one `bayan` command; returns the exit code. ``loaded`` is called once the command's code is
    imported, before it runs (`bot.__main__` settles the garbage collector there)."""
    _tolerant_streams()
    parser = build_parser()
    try:
        args = _utf8_arguments(parser.parse_args(argv))
    except SystemExit as e:  # usage errors (exit 2), --help and --version (exit 0) return, not raise
        return e.code if isinstance(e.code, int) else 2
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    _import_httpx_without_its_cli()
    from bot import config  # imported here: --help and usage errors need neither (see the docstring)
    from bot.models import BayanError, ConfigError

    try:
        settings = _settings(args)
        _setup_logging(settings.log_level)
        handler = _handler(*args.handler)
        if loaded is not None:
            loaded()
        code = int(handler(args, settings))
        sys.stdout.flush()  # a closed pipe shows here, inside the handler of BrokenPipeError
        return code
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except ConfigError as e:
        print(config.format_problems(e), file=sys.stderr)
        return 1
    except BayanError as e:
        print(f"bayan: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _import_httpx_without_its_cli() -> None:
    """Import httpx (every command needs it, through the configuration's checks) without its command-line
    tool: ``import httpx`` tries ``httpx._main``, which loads pygments before it finds rich missing (≈ 10
    ms of every start where pygments is installed; docs/libraries.md, httpx). pygments is hidden while
    httpx is imported, so that attempt fails at once; anything imported later sees pygments as usual."""
    if "httpx" in sys.modules:
        return
    hidden = "pygments" not in sys.modules
    if hidden:
        sys.modules["pygments"] = None  # type: ignore[assignment]  # an import of it fails at once
    try:
        import httpx  # noqa: F401
    finally:
        if hidden:
            del sys.modules["pygments"]


def _tolerant_streams() -> None:
    """stdout and stderr write what their encoding lacks (PYTHONIOENCODING=ascii, a Latin-1 terminal, the
    C locale without UTF-8 mode, whose streams are ASCII with surrogateescape) as backslash escapes instead
    of raising UnicodeEncodeError; JSON stays valid (\\uXXXX)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "surrogateescape"):
            stream.reconfigure(errors="backslashreplace")


# file paths keep the locale's bytes (a surrogate-escaped name opens the file it names)
PATH_ARGUMENTS = frozenset({"db", "config", "target", "out", "file", "signatories"})


def _utf8_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """Text arguments the locale could not decode (Arabic typed at a UTF-8 terminal whose locale says
    ASCII: Python keeps the bytes as lone surrogates) are read as UTF-8, the encoding such a terminal
    sends; names and search text then match, and print."""
    for key, value in vars(args).items():
        if key in PATH_ARGUMENTS:
            continue
        if isinstance(value, str):
            setattr(args, key, _as_utf8(value))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            setattr(args, key, [_as_utf8(v) for v in value])
    return args


def _as_utf8(text: str) -> str:
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return os.fsencode(text).decode("utf-8", "replace")


def _silence_stdout() -> None:
    """After a BrokenPipeError: point stdout at /dev/null so the interpreter's last flush is quiet too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # no real file behind stdout (tests)
        pass


def _handler(group: str, name: str) -> Handler:
    """The function ``name`` of the command module ``bot.cli.<group>`` (named by `bot.cli.parsers`),
    imported now: only the command that runs pays for its imports."""
    if group == "poll":
        from bot.cli import poll

        return getattr(poll, name)
    if group == "backfill":
        from bot.cli import backfill

        return getattr(backfill, name)
    if group == "extract":
        from bot.cli import extract

        return getattr(extract, name)
    if group == "records":
        from bot.cli import records

        return getattr(records, name)
    if group == "orgs":
        from bot.cli import orgs

        return getattr(orgs, name)
    if group == "registry":
        from bot.cli import registry

        return getattr(registry, name)
    if group == "review":
        from bot.cli import review

        return getattr(review, name)
    if group == "browse":
        from bot.cli import browse

        return getattr(browse, name)
    if group == "feeds":
        from bot.cli import feeds

        return getattr(feeds, name)
    if group == "health":
        from bot.cli import health

        return getattr(health, name)
    if group == "charts":
        from bot.cli import charts

        return getattr(charts, name)
    raise LookupError(f"no command group {group!r}")


def _settings(args: argparse.Namespace) -> Settings:
    from dataclasses import replace

    from bot import config

    settings = config.load_settings(os.environ)
    if getattr(args, "db", None):
        settings = replace(settings, db_path=args.db)
    if getattr(args, "config", None):
        settings = replace(settings, config_path=args.config)
    return settings


def _setup_logging(level: str) -> None:
    import logging

    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram", "pypdf"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand; --config and --db are accepted before or after the subcommand."""
    _cache_argparse_translations()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="feeds file (env BAYAN_CONFIG)")
    common.add_argument("--db", default=argparse.SUPPRESS, help="SQLite file (env BAYAN_DB)")
    parser = argparse.ArgumentParser(
        prog="bayan",
        parents=[common],
        description="Bayan: statements of Syrian civil society and who signed them.",
    )
    parser.add_argument("--version", action="version", version=f"bayan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parsers.register(sub, common)
    return parser


def _cache_argparse_translations() -> None:
    """argparse asks gettext for a translation of each of its words every time it builds a parser (≈ 90
    times for bayan's), and gettext, when no catalogue is installed for the locale (CPython ships none for
    argparse), searches the locale folders again at every call: half the CPU of `build_parser`. A
    process's answers cannot change unless its locale variables do, which bayan never changes, so the
    lookup of each message is cached (``argparse._``, once per process; the same strings come out)."""
    translate = vars(argparse)["_"]  # argparse's `from gettext import gettext as _` (not in its stubs)
    if not hasattr(translate, "cache_info"):
        vars(argparse)["_"] = functools.lru_cache(maxsize=256)(translate)
