"""sqlite-utils, imported without its optional numpy and pandas support (imported first by the package).

``sqlite_utils.db`` imports numpy and pandas when they are installed, only to map their scalar types to
column types when a table is created from inserted values. Bayan creates its tables with SQL
(``schema``) and stores plain Python values, so that mapping is never used; importing numpy alone costs
≈ 0.1 s of every `bayan` start where it is installed (the dev environment: bench/ fits with it). So they
are hidden while sqlite_utils is imported: an import of a name that ``sys.modules`` maps to None fails
with ImportError, which sqlite_utils expects. A module already imported is left as it is, and nothing
stays hidden afterwards (bench/fitting.py imports numpy as usual).
"""

from __future__ import annotations

import sys

_OPTIONAL = ("numpy", "pandas")


def import_sqlite_utils() -> None:
    """Import sqlite_utils (once) with numpy and pandas hidden unless already imported."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in _OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


import_sqlite_utils()
