"""Regular expressions a library compiles when it is imported, compiled instead the first time one is used.

Two libraries every `bayan` command imports compile, at import, a pattern that takes long to compile and
that Bayan's commands rarely or never use (bench/startup.py, issue 12 item 4): ``sqlite_utils.db``'s
``_virtual_table_using_re`` (case-insensitive over the range U+0080–U+FFFF: ≈ 12 ms of every start, for
``Table.virtual_table_using``) and ``yaml.reader``'s ``Reader.NON_PRINTABLE`` (≈ 6 ms; only the pure-Python
reader uses it, and Bayan reads YAML with libyaml, falling back to it for a file libyaml refuses).

``deferred(modules)`` is a context manager around such an import: while it is open, ``re.compile`` called
in the thread that opened it by code of one of those modules (its top level or a class body) returns a
``Deferred`` pattern, which compiles the same pattern with the same flags at its first attribute read
(``match``, ``search``, ``split``, ``pattern`` …, once even when threads race) and hands that read to the
compiled one. Any other caller, and any other thread, gets its pattern compiled as usual. While a block is
open in any thread ``re.compile`` is this module's dispatcher; when the last one ends it is again what it
was when the first began. No lock is held while the block's import runs (an import waits on other
threads' module locks). A deferred pattern is not an ``re.Pattern``: it serves only modules that call its
methods, as these two do (checked by ``tests/unit/test_lazyre.py``). Owns: that dispatcher and the
``Deferred`` proxy. Imports only the stdlib.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Deferred:
    """``re.compile(pattern, flags)``, made at the first attribute read."""

    __slots__ = ("_compiled", "_flags", "_lock", "_pattern")

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[Any] | None = None
        self._lock = threading.Lock()

    def compiled(self) -> re.Pattern[Any]:
        """The compiled pattern (compiled now if it was not yet)."""
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = _COMPILE(self._pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"Deferred({self._pattern!r}, {self._flags!r})"


_COMPILE = re.compile  # the stdlib's, as it was when this module was imported: what compiles
_STATE = threading.Lock()  # guards _OPEN, _BEFORE and the swap of re.compile; never held during an import
_BEFORE: list[Any] = []  # re.compile as it was when the first of the open blocks began
_OPEN: dict[int, list[frozenset[str]]] = {}  # thread id -> the module sets of its open blocks, innermost last


def _dispatch(pattern: Any, flags: int = 0) -> Any:
    """``re.compile`` while a block is open: deferred for the named modules of this thread's blocks."""
    blocks = _OPEN.get(threading.get_ident())
    if blocks:
        caller = sys._getframe(1).f_globals.get("__name__")
        if any(caller in modules for modules in blocks):
            return Deferred(pattern, flags)
    return _COMPILE(pattern, flags)


@contextmanager
def deferred(modules: frozenset[str]) -> Iterator[None]:
    """While open, ``re.compile`` called in this thread by the code of a module named in ``modules`` returns
    a ``Deferred``; any other caller gets its pattern compiled as usual. Blocks may nest and overlap across
    threads."""
    ident = threading.get_ident()
    with _STATE:
        if not _OPEN:
            _BEFORE[:] = [re.compile]
            re.compile = _dispatch
        _OPEN.setdefault(ident, []).append(modules)
    try:
        yield
    finally:
        with _STATE:
            blocks = _OPEN[ident]
            blocks.pop()
            if not blocks:
                del _OPEN[ident]
            if not _OPEN:
                re.compile = _BEFORE.pop()
