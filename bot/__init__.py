"""Bayan: tracks statements of Syrian civil-society organisations and who signed them.

Importing ``bot`` has no side effects; it only exposes the version.
"""

__version__ = "0.1.0"
