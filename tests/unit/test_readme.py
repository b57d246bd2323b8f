"""The README documents what exists (issue 11, item 16): every `bayan` subcommand with each of its options
and non-trivial defaults in its row of the command reference, and every key feeds.yaml accepts."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import build_parser
from bot.config import load
from bot.config.checks import DEFAULT_KEYS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
GLOBAL = {"-h", "--help", "--config", "--db", "--version"}


def _subcommands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                nested = list(_subcommands(sub, path))
                yield from nested or [(path, sub)]


COMMANDS = dict(_subcommands(build_parser()))


def row_of(command: str) -> str:
    """The command-reference rows of ``command`` (`| \\`bayan COMMAND …\\` | does |`), joined: a command
    may have a row per form (`bayan review`, `bayan review ID --statement …`)."""
    found = re.findall(rf"^\| `bayan {re.escape(command)}(?: [^`]*)?` \|.*$", README, re.M)
    assert found, f"README has no command-reference row for `bayan {command}`"
    return "\n".join(found)


def test_every_subcommand_is_found() -> None:
    assert {"statement", "orgs unmerge", "orgs export", "orgs import", "poll", "extract"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_and_default_is_in_the_command_row(command: str) -> None:
    row = row_of(command)
    for action in COMMANDS[command]._actions:
        options = [o for o in action.option_strings if o not in GLOBAL]
        if not options:
            continue
        assert any(o in row for o in options), f"`bayan {command}`: {options[0]} is not documented"
        default = action.default
        if isinstance(default, int | str) and not isinstance(default, bool) and default not in ("", None):
            assert f"default {default}" in row or f"at most {default}" in row, (
                f"`bayan {command}`: the default of {options[0]} ({default}) is not documented"
            )


@pytest.mark.parametrize("key", sorted({*load._SOURCE_KEYS, *DEFAULT_KEYS, "selector_sets", "version"}))
def test_every_feeds_yaml_key_is_documented(key: str) -> None:
    """Each key has a row of the key table of the feeds.yaml section (its first column names it)."""
    section = README.split("### `feeds.yaml`")[1].split("\n### ")[0]
    rows = [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| `")]
    assert any(f"`{key}`" in first for first in rows), f"feeds.yaml key {key!r} has no row in the README"


def test_every_environment_variable_is_documented() -> None:
    source = Path(load.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r'_env\(env, "([A-Z_]+)"\)', source))
    assert {"TELEGRAM_BOT_TOKEN", "BAYAN_DB", "BAYAN_CONFIG"} <= names
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, re.M))
    assert names <= documented, f"not in the README's environment table: {sorted(names - documented)}"
