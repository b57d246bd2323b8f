"""Adding sources to a feeds.yaml text without rewriting it: comments, anchors, quoting and the order of
everything already there stay as they are (`bayan sources import --append`).

Owns `append_sources`: where the `sources:` list ends (after the last character of its last entry, so
comments and keys that follow the list stay after it) and at which indentation its ``- `` entries
sit; the new entries' text is spliced in there. Validating the result is the caller's (load_config).
Must not: dump YAML (that would drop the comments), read or write files.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml

from bot.config.yaml_nodes import Doc, MappingNode, ScalarNode, SequenceNode, Stop, is_null, line_of
from bot.models import ConfigError


def append_sources(text: str, entries: Callable[[int], str], path: str = "feeds.yaml") -> str:
    """``text`` with ``entries(indent)`` (feeds.yaml entries whose ``- `` is at ``indent`` spaces) added
    at the end of its `sources:` list, a blank line before them. ConfigError (one line) when the text
    is not YAML or has no block list of sources to add to."""
    doc = Doc(path)
    try:
        root = doc.compose(text)  # the loader's own checks and messages (syntax, tags)
    except Stop as stop:
        raise ConfigError([str(stop)]) from None
    if not isinstance(root, MappingNode):
        raise ConfigError([doc.fmt(None, "no 'sources:' mapping key at the top of the file")])
    found = next(((k, v) for k, v in root.value if isinstance(k, ScalarNode) and k.value == "sources"), None)
    if found is None:
        raise ConfigError([doc.fmt(None, "no 'sources:' key to add to (add 'sources:' first)")])
    key, value = found
    if isinstance(value, SequenceNode) and not value.flow_style and value.value:
        offset = _end_of_line(text, _last_char(text, value.start_mark.index))
        block = entries(value.start_mark.column)
    elif is_null(value) and value.start_mark.index == value.end_mark.index:  # 'sources:' and nothing
        offset = _end_of_line(text, key.end_mark.index)
        block = entries(2)
    else:
        raise ConfigError(
            [doc.fmt(line_of(key), "key 'sources': not a block list; write it as '- id: …' lines to append")]
        )
    head = text[:offset]
    if not head.endswith("\n"):
        head += "\n"
    rest = text[offset:]
    gap = "\n" if rest and not rest.startswith("\n") else ""
    return f"{head}\n{block}{gap}{rest}"


def _last_char(text: str, start: int) -> int:
    """The index of the last character of the block list that starts at ``start``: the furthest end of
    its scalars, aliases and flow collections, read from the parser's events (a block collection's end
    event lies at the next token, past the comment lines that follow the list; an alias's node would be
    the anchored one, earlier in the file). Events only: nothing is composed or expanded."""
    depth, end = 0, start
    flows: list[bool] = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        event_end = event.end_mark.index if event.end_mark else start
        if depth == 0:
            if (
                isinstance(event, yaml.SequenceStartEvent)
                and event.start_mark
                and event.start_mark.index == start
            ):
                depth = 1
                flows.append(False)
            continue
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            flows.append(bool(event.flow_style))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            if flows.pop():
                end = max(end, event_end)
            if depth == 0:
                break
        elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            end = max(end, event_end)
    while end > start and text[end - 1].isspace():
        end -= 1
    return max(end - 1, start)


def _end_of_line(text: str, index: int) -> int:
    """The index just past the newline that ends the line holding ``index`` (the end of the text when
    it has none)."""
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1
