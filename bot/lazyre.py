"""Regular expressions a library compiles when it is imported, compiled instead the first time one is used.

Two libraries every `bayan` command imports compile, at import, a pattern that takes long to compile and
that Bayan's commands rarely or never use (bench/startup.py, issue 12 item 4): ``sqlite_utils.db``'s
``_virtual_table_using_re`` (case-insensitive over the range U+0080–U+FFFF: ≈ 12 ms of every start, for
``Table.virtual_table_using``) and ``yaml.reader``'s ``Reader.NON_PRINTABLE`` (≈ 6 ms; only the pure-Python
reader uses it, and Bayan reads YAML with libyaml, falling back to it for a file libyaml refuses).

``deferred(modules)`` is a context manager around such an import: while it is open, ``re.compile`` called
by code of one of those modules (its top level or a class body) returns a ``Deferred`` pattern, which
compiles the same pattern with the same flags at its first attribute read (``match``, ``search``,
``split``, ``pattern`` …) and hands that read to the compiled one. Calls from anywhere else, other threads
included, compile as usual, and ``re.compile`` is itself again when the block ends. A deferred pattern is
not an ``re.Pattern``: it serves only modules that call its methods, as these two do (checked by
``tests/unit/test_lazyre.py``). Imports only the stdlib.
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


_COMPILE = re.compile
_LOCK = threading.RLock()


@contextmanager
def deferred(modules: frozenset[str]) -> Iterator[None]:
    """While open, ``re.compile`` called by the code of a module named in ``modules`` returns a
    ``Deferred``; any other caller gets its pattern compiled as usual."""

    def compile(pattern: Any, flags: int = 0) -> Any:
        if sys._getframe(1).f_globals.get("__name__") in modules:
            return Deferred(pattern, flags)
        return _COMPILE(pattern, flags)

    with _LOCK:  # one block at a time (a nested one, in the same thread, puts back the outer one's)
        previous = re.compile
        re.compile = compile
        try:
            yield
        finally:
            re.compile = previous
