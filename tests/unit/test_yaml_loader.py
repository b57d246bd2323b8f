"""Issue 12 item 1: feeds.yaml (and orgs.yaml) are composed by libyaml (``yaml.CSafeLoader``) when
PyYAML has it, with the same nodes, line numbers and messages as the pure-Python ``SafeLoader``."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from bot.config import load_config, load_registry, load_sources, yaml_nodes
from bot.models import ConfigError

REPO = Path(__file__).parents[2]
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")

MALFORMED = [
    "sources:\n  - id: a\n    url: [https://a.example/\n  - id: b\n",  # unclosed flow list
    "sources:\n\t- id: a\n",  # a tab
    "sources:\n  - id: a\n    name: سوريون من أجل الحقيقة: x\n",  # a colon after Arabic text
    'sources:\n  - id: a\n    name: "منظمة" العدالة\n',  # text after a quoted scalar
    "sources:\n  - id: a\n   url: b\n",  # indentation
    'sources:\n  - id: "a\n    url: b\n',  # unclosed quote
    "sources:\n  - id: a\n    url: *nowhere\n",  # undefined alias
    "sources:\n  - id: a\n    url: https://a/\n    notes: " + "[" * 5000 + "]" * 5000 + "\n",  # deep
]

BAD_VALUES = """\
    defaults:
      interval: 5
    sources:
      - id: a
        url: ftp://a.example/
        type: rss
      - &base
        id: b
        url: https://b.example/
        interval: 3x
      - <<: *base
        id: b
        language: fr
        selectors: {item: 1}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_sources(dedent(text), "feeds.yaml")
    return info.value.problems


def python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_nodes, "FAST_LOADER", yaml.SafeLoader)


@needs_libyaml
def test_the_c_loader_is_used_when_pyyaml_has_it() -> None:
    assert yaml_nodes.FAST_LOADER is yaml.CSafeLoader


@needs_libyaml
@pytest.mark.parametrize("text", MALFORMED)
def test_a_malformed_file_gets_the_same_line_column_and_message_as_before(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = problems(text)
    python_only(monkeypatch)
    assert fast == problems(text)
    assert len(fast) == 1 and fast[0].startswith("feeds.yaml")


@needs_libyaml
def test_malformed_line_and_column_examples() -> None:
    assert problems(MALFORMED[0]) == [
        "feeds.yaml:4:7: invalid YAML: expected ',' or ']', but got ':' "
        "(check indentation, quoting and ':' here)"
    ]
    assert problems(MALFORMED[2])[0].startswith(
        "feeds.yaml:3:32: invalid YAML: mapping values are not allowed"
    )
    assert problems(MALFORMED[-1]) == ["feeds.yaml: values nested too deeply; simplify the file"]


@needs_libyaml
def test_bad_values_are_reported_at_the_same_lines_by_both_loaders(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = problems(BAD_VALUES)
    assert [p.split(":")[1] for p in fast] == ["2", "5", "6", "10", "10", "12", "13", "14"]  # merged: twice
    python_only(monkeypatch)
    assert problems(BAD_VALUES) == fast


@needs_libyaml
def test_the_shipped_files_read_the_same_with_both_loaders(monkeypatch: pytest.MonkeyPatch) -> None:
    feeds = (REPO / "feeds.yaml").read_text(encoding="utf-8")
    orgs = (REPO / "bot" / "data" / "orgs.yaml").read_text(encoding="utf-8")
    fast = (load_config(feeds, "feeds.yaml"), load_registry(orgs, "orgs.yaml"))
    python_only(monkeypatch)
    assert (load_config(feeds, "feeds.yaml"), load_registry(orgs, "orgs.yaml")) == fast
    assert all(s.line for s in fast[0].sources)


def test_without_libyaml_the_python_loader_reads_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    python_only(monkeypatch)
    sources = load_sources("sources:\n  - id: a\n    url: https://a.example/feed\n", "feeds.yaml")
    assert [(s.id, s.line) for s in sources] == [("a", 2)]
    assert problems(MALFORMED[1])[0].startswith("feeds.yaml:2:1: invalid YAML: found character '\\t'")
