"""`bayan` (also `python -m bot`): the parser of every subcommand, and the dispatch with its exit codes.

It reads the environment once (config.load_settings), applies --config/--db, and runs the handler the
chosen subcommand set. Every command fails with a one-line error and a non-zero exit: 1 for a bad
configuration (every problem listed) or an unresolved name, 2 for usage and other errors, 130 on Ctrl-C,
141 when the reader of its output went away (`bayan statements | head`: no traceback). Output never fails
on the terminal's encoding: what it cannot encode is written as a backslash escape.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from bot import __version__, config
from bot.cli import extract, orgs, poll, records, registry, review
from bot.models import BayanError, ConfigError, Settings

GROUPS = (
    poll,
    extract,
    records,
    orgs,
    registry,
    review,
)  # each adds its subcommands with register(sub, common)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `bayan` command; returns the exit code."""
    _tolerant_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage errors (exit 2), --help and --version (exit 0) return, not raise
        return e.code if isinstance(e.code, int) else 2
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = _settings(args)
        _setup_logging(settings.log_level)
        code = int(args.handler(args, settings))
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


def _tolerant_streams() -> None:
    """stdout and stderr write what their encoding lacks (PYTHONIOENCODING=ascii, a Latin-1 terminal) as
    backslash escapes instead of raising UnicodeEncodeError; JSON stays valid (\\uXXXX)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """After a BrokenPipeError: point stdout at /dev/null so the interpreter's last flush is quiet too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # no real file behind stdout (tests)
        pass


def _settings(args: argparse.Namespace) -> Settings:
    settings = config.load_settings(os.environ)
    if getattr(args, "db", None):
        settings = replace(settings, db_path=args.db)
    if getattr(args, "config", None):
        settings = replace(settings, config_path=args.config)
    return settings


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram", "pypdf"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand; --config and --db are accepted before or after the subcommand."""
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
    for group in GROUPS:
        group.register(sub, common)
    return parser
