"""sqlite-utils, imported without the optional and never-used parts it would load at import (imported
first by the package).

``sqlite_utils.db`` imports numpy and pandas when they are installed, only to map their scalar types to
column types when a table is created from inserted values. Bayan creates its tables with SQL
(``schema``) and stores plain Python values, so that mapping is never used; importing numpy alone costs
≈ 0.1 s of every `bayan` start where it is installed (the dev environment: bench/ fits with it). So they
are hidden while sqlite_utils is imported: an import of a name that ``sys.modules`` maps to None fails
with ImportError, which sqlite_utils expects. A module already imported is left as it is, and nothing
stays hidden afterwards (bench/fitting.py imports numpy as usual).

``sqlite_utils.recipes`` (imported by ``sqlite_utils.utils``) imports ``dateutil.parser`` for its
date-parsing column conversions, which Bayan never calls: with ``dateutil.tz`` it costs ≈ 10 ms of every
start (bench/startup.py). It is given sqlite_utils as a lazy module (``importlib.util.LazyLoader``, the
standard library's recipe): the module object is there, and it runs the first time one of its attributes
is read, by sqlite_utils or by anything else (matplotlib's dates do). `tests/acceptance/test_startup.py`
fails if a poll of an unchanged source loads it. And the patterns ``sqlite_utils.db`` compiles at import
(one of them ≈ 12 ms) are compiled at their first use (``bot.lazyre``).
"""

from __future__ import annotations

import importlib.util
import sys

from bot import lazyre

_OPTIONAL = ("numpy", "pandas")
_LAZY = ("dateutil.parser",)
_DEFERRED = frozenset({"sqlite_utils.db"})  # its patterns: compiled when used (bot.lazyre)


def import_sqlite_utils() -> None:
    """Import sqlite_utils (once) with numpy and pandas hidden unless already imported, and
    ``dateutil.parser`` lazy unless already imported."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in _OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    for name in _LAZY:
        _import_lazily(name)
    try:
        with lazyre.deferred(_DEFERRED):
            import sqlite_utils  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def _import_lazily(name: str) -> None:
    """Put a lazy ``name`` in sys.modules (and on its package) that runs on its first attribute read; a
    module already imported, or not installed, is left to the usual import."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # imports the package (dateutil: its version only)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    package, _, attr = name.rpartition(".")
    # `from dateutil import parser` reads the package's attribute; dateutil's own __getattr__ would import
    # the module by name, and that import looks at (and so runs) the lazy module
    setattr(sys.modules[package], attr, module)


import_sqlite_utils()
