"""The YAML layer of the configuration: safe composition into nodes with line numbers, and validation.

Owns `Doc` (one file being read: its problems as ``file:line: message`` lines, safe composition, the
alias-expansion budget), `Entry` (one mapping being validated, key by key), reading a top-level list of
``- id: …`` entries (`top_list`, `open_entry`, `entry_id`), `line_of`, `kind_of`, `is_null`, `typo` and the
exceptions `Stop` (the file cannot be read on) and `Bad` (one value failed its check).

Must not: know what a source or an organisation is, read files, or build arbitrary objects from YAML.
YAML is only *composed* with ``CSafeLoader`` (libyaml; ``SafeLoader`` without it, and for the messages
of a refused file) into a node tree (never ``yaml.load``): tags outside the core
schema are refused and alias expansion is bounded (``MAX_NODES``, ``MAX_DEPTH``), so hostile files can
neither run code nor blow up memory. Imports only yaml, the stdlib and `bot.lazyre` (yaml.reader's
largest pattern is compiled when first used).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot import lazyre

# Reader.NON_PRINTABLE (≈ 6 ms to compile) serves only the pure-Python reader: a file libyaml refuses
with lazyre.deferred(frozenset({"yaml.reader"})):
    import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "ID_RE",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT",
    "Bad",
    "Doc",
    "Entry",
    "MappingNode",
    "Node",
    "Pairs",
    "ScalarNode",
    "SequenceNode",
    "Stop",
    "entry_id",
    "is_null",
    "kind_of",
    "line_of",
    "open_entry",
    "top_list",
    "typo",
]

T = TypeVar("T")

MAX_NODES = 200_000  # YAML values visited with aliases expanded: refuses "billion laughs" documents
MAX_DEPTH = 40  # nesting (also stops recursive aliases)
MAX_TEXT = 4 * 2**20

# libyaml's parser with PyYAML's safe resolver: the same node tree and marks, about 10× faster
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(
    _CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
_MERGE_TAG = _CORE + "merge"
_NULL_TAG = _CORE + "null"
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # ids of list entries (sources, organisations)


class Stop(Exception):
    """The document cannot be read on (malformed, too large, hostile); the message is one problem line."""


class Bad(ValueError):
    """A value failed its check; ``key`` names a sub-key for the message (e.g. 'selectors.item')."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


Pairs = dict[str, tuple[Node, Node]]  # key → (key node, value node)


class Doc:
    """One YAML file being read: its path, the problems found so far and the alias-expansion budget."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[str] = []
        self._left = MAX_NODES
        self._constructor = SafeConstructor()

    def fmt(self, line: int | None, message: str) -> str:
        return f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}"

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(self.fmt(line, message))

    def sorted_problems(self) -> list[str]:
        """Problems without repeats, in file order (stable within a line)."""

        def line(problem: str) -> int:
            digits = re.match(r"\d+", problem[len(self.path) + 1 :])
            return int(digits.group()) if digits else 0

        return sorted(dict.fromkeys(self.problems), key=line)

    def compose(self, text: str) -> Node | None:
        """The node tree of ``text`` (None when empty); malformed or hostile YAML raises Stop."""
        if len(text) > MAX_TEXT:
            raise Stop(self.fmt(None, f"file larger than {MAX_TEXT // 2**20} MiB; is this the right file?"))
        try:
            root = _compose(text)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            where = f"{self.path}:{mark.line + 1}:{mark.column + 1}" if mark else self.path
            what = err.problem or err.context or "syntax error"
            raise Stop(f"{where}: invalid YAML: {what} (check indentation, quoting and ':' here)") from err
        except RecursionError:
            raise Stop(self.fmt(None, "values nested too deeply; simplify the file")) from None
        except yaml.YAMLError as err:
            raise Stop(self.fmt(None, f"invalid YAML: {err} (check the file's syntax)")) from err
        if root is not None:
            self._check_tags(root)
        return root

    def _check_tags(self, root: Node) -> None:
        """Refuse every tag outside the core schema (e.g. !!python/object); walks each node once."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.tag not in _ALLOWED_TAGS and node.tag != _MERGE_TAG:
                tag = node.tag.replace(_CORE, "!!")
                self.add(
                    line_of(node), f"tag '{tag}' is not allowed (remove it: only plain YAML values are read)"
                )
            if isinstance(node, SequenceNode):
                stack.extend(reversed(node.value))
            elif isinstance(node, MappingNode):
                stack.extend(reversed([n for pair in node.value for n in pair]))
        if self.problems:
            raise Stop(self.problems.pop())

    def _spend(self, node: Node, depth: int) -> None:
        self._left -= 1
        if self._left < 0 or depth > MAX_DEPTH:
            msg = (
                "values nested or repeated too much (recursive or exploding YAML aliases?); simplify the file"
            )
            raise Stop(self.fmt(line_of(node), msg))

    def plain(self, node: Node, depth: int = 0) -> Any:
        """The Python value of ``node`` (str, int, float, bool, None, date, list, dict), aliases expanded."""
        self._spend(node, depth)
        if isinstance(node, ScalarNode):
            try:
                return self._constructor.construct_object(node)
            except (ValueError, yaml.YAMLError):  # e.g. an impossible date such as 2024-13-45
                return node.value
        if isinstance(node, SequenceNode):
            return [self.plain(child, depth + 1) for child in node.value]
        return {key: self.plain(value, depth + 1) for key, (_, value) in self.pairs(node, depth).items()}

    def pairs(self, node: Node, depth: int = 0) -> Pairs:
        """Keys of a mapping node with their nodes; merge keys (<<) applied; repeated keys reported."""
        if not isinstance(node, MappingNode):
            raise Bad(f"must be a mapping (key: value lines), not {kind_of(node)}")
        merged: Pairs = {}
        own: Pairs = {}
        for key_node, value_node in node.value:
            self._spend(key_node, depth)
            if key_node.tag == _MERGE_TAG:
                for part in value_node.value if isinstance(value_node, SequenceNode) else [value_node]:
                    merged.update(self.pairs(part, depth + 1))
                continue
            if not isinstance(key_node, ScalarNode):
                raise Stop(self.fmt(line_of(key_node), "a key must be a plain word, not a list or mapping"))
            key = str(key_node.value)
            if key in own:
                first = line_of(own[key][0])
                self.add(line_of(key_node), f"key '{key}' appears twice (first at line {first}); keep one")
            own[key] = (key_node, value_node)
        return {**merged, **own}


def _compose(text: str) -> Node | None:
    """The node tree by libyaml (``yaml.CSafeLoader``, when PyYAML was built with it), else pure Python.

    When libyaml refuses the text, the pure-Python ``SafeLoader`` reads it again: its verdict and its
    messages (line, column, what was expected) are the ones users see, whichever parser is installed.
    """
    if FAST_LOADER is yaml.SafeLoader:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    try:
        return yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


def line_of(node: Node) -> int:
    """1-based line where ``node`` starts."""
    return int(node.start_mark.line) + 1 if node.start_mark is not None else 0


def is_null(node: Node) -> bool:
    """True for an empty value (``key:`` with nothing after it, ``~`` or ``null``)."""
    return bool(node.tag == _NULL_TAG)


def kind_of(node: Node) -> str:
    """What a node is, for messages: 'a list', 'a mapping', 'empty' or its quoted value."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return "empty" if is_null(node) else f"'{node.value}'"


def typo(key: str, known: Iterable[str]) -> str | None:
    """The known key ``key`` is probably a misspelling of, if any (difflib imported here: only a bad file
    needs it, and a valid one is read at every start)."""
    import difflib

    close = difflib.get_close_matches(key.lower(), list(known), n=1, cutoff=0.75)
    return close[0] if close and close[0] != key else None


def top_list(
    doc: Doc, root: Node | None, keys: tuple[str, ...], hint: str
) -> tuple[Pairs, SequenceNode] | None:
    """The top-level mapping and its list under ``keys[0]`` (or a synonym); problems otherwise."""
    if root is None:
        doc.add(None, f"the file is empty; {hint}")
        return None
    if not isinstance(root, MappingNode):
        doc.add(
            line_of(root), f"the top level must be a mapping with a '{keys[0]}' list, not {kind_of(root)}"
        )
        return None
    top = doc.pairs(root)
    key = next((k for k in keys if k in top), None)
    if key is None:
        guess = next((k for k in top if typo(k, keys)), None)
        found = f" (found '{guess}': did you mean '{keys[0]}'?)" if guess else ""
        doc.add(None, f"no '{keys[0]}' list{found}; {hint}")
        return None
    key_node, entries = top[key]
    if not isinstance(entries, SequenceNode):
        doc.add(
            line_of(key_node), f"key '{key}': must be a list of '- id: …' entries, not {kind_of(entries)}"
        )
        return None
    return top, entries


@dataclass
class Entry:
    """One mapping being validated (a source, the defaults, an organisation), for messages and lookups."""

    doc: Doc
    label: str
    line: int
    pairs: Pairs
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def problem(self, line: int, key: str, message: str) -> None:
        self.doc.add(line, f"{self.label}: key '{key}': {message}")

    def get(self, key: str, check: Callable[[Any], T], default: T, alias: str | None = None) -> T:
        """The checked value of ``key`` (or ``alias``), else the defaults' value, else ``default``."""
        name = key if key in self.pairs or alias not in self.pairs else alias
        if name is None or name not in self.pairs:
            return self.defaults.get(key, default)
        key_node, value_node = self.pairs[name]
        try:
            return check(self.doc.plain(value_node))
        except Bad as bad:
            self.problem(line_of(key_node), bad.key or name, str(bad))
            return default

    def check_typos(self, known: Iterable[str]) -> None:
        known = tuple(known)
        for key, (key_node, _) in self.pairs.items():
            if key not in known and (guess := typo(key, known)):
                self.problem(line_of(key_node), key, f"unknown key; did you mean '{guess}'?")


def open_entry(
    doc: Doc,
    node: Node,
    where: tuple[int, str],
    seen: dict[str, int],
    defaults: Mapping[str, Any] | None = None,
    hint: str = "",
) -> tuple[Entry, str | None] | None:
    """Entry ``where`` = (position, what) of a top-level list, labelled by its id when it has a valid one,
    and that id; None when it is not a mapping (reported, with ``hint``)."""
    index, what = where
    try:
        pairs = doc.pairs(node)
    except Bad as bad:
        doc.add(line_of(node), f"{what} #{index}: {bad}{hint}")
        return None
    eid = entry_id(doc, pairs, line_of(node), seen, f"{what} #{index}")
    label = f"{what} '{eid}'" if eid else f"{what} #{index}"
    return Entry(doc, label, line_of(node), pairs, {} if defaults is None else defaults), eid


def entry_id(doc: Doc, pairs: Pairs, line: int, seen: dict[str, int], label: str) -> str | None:
    """The entry's id, checked for shape and uniqueness (``seen`` maps ids to their entry line)."""
    if "id" not in pairs or is_null(pairs["id"][1]):
        doc.add(line, f"{label}: key 'id': missing (add a unique, permanent id such as 'stj-ar')")
        return None
    key_node, value_node = pairs["id"]
    raw = value_node.value if isinstance(value_node, ScalarNode) else None
    if not isinstance(raw, str) or not ID_RE.fullmatch(raw):
        shown = f"'{raw}'" if isinstance(raw, str) else kind_of(value_node)
        help_ = "use up to 64 letters, digits, '-', '_' or '.', e.g. 'stj-ar'"
        doc.add(line_of(key_node), f"{label}: key 'id': {shown} is not a valid id ({help_})")
        return None
    if raw in seen:
        msg = f"duplicate id '{raw}' (first defined at line {seen[raw]}); give each entry its own id"
        doc.add(line_of(key_node), f"{label.split(' #')[0]} '{raw}': key 'id': {msg}")
        return None
    seen[raw] = line
    return raw
