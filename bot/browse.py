"""`bayan browse`: the database in Datasette (the optional extra ``bayan[browse]``), read-only, on
127.0.0.1.

Owns the Datasette wiring: the database object whose every connection is read-only
(``storage.browse.connect_read_only``: ``mode=ro``, ``query_only``, the ``bayan_norm`` function), the
``year`` facet (statements by year of ``published``; selecting a year filters ``published__startswith``),
the instance with Bayan's metadata (``storage.browse.metadata``) and the server (uvicorn on a socket the
command opened). Imported only by `bayan browse`, so no other command loads Datasette.
"""

from __future__ import annotations

import signal
import socket
import sys
from types import FrameType
from typing import Any

import uvicorn
from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database, QueryInterrupted
from datasette.facets import Facet
from datasette.plugins import pm
from datasette.utils import path_with_added_args, path_with_removed_args

from bot.storage import browse as schema_view

DB_NAME = "bayan"
PLUGIN_NAME = "bayan-browse"
SETTINGS = {"truncate_cells_html": 300, "default_facet_size": 12, "suggest_facets": False}


class ReadOnlyDatabase(Database):
    """A database file that Datasette reads and can never write: its write connection is read-only too."""

    def connect(self, write: bool = False) -> Any:
        conn = schema_view.connect_read_only(self.path)
        self._all_file_connections.append(conn)
        return conn


class YearFacet(Facet):
    """Counts per year of a date column (``{"year": "published"}`` in metadata, or ``?_facet_year=``)."""

    type = "year"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results, timed_out = [], []
        for entry in self.get_configs():
            column = entry["config"].get("column") or entry["config"]["simple"]
            size = self.get_facet_size()
            sql = schema_view.year_facet_sql(self.sql, column, size + 1)
            try:
                found = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:  # facet_time_limit_ms passed
                timed_out.append(column)
                continue
            facet = {
                "name": column,
                "type": self.type,
                "hideable": entry["source"] != "metadata",
                "toggle_url": path_with_removed_args(self.request, {"_facet_year": column}),
                "truncated": len(found.rows) > size,
                "results": [self._value(column, row) for row in found.rows[:size]],
            }
            results.append(facet)
        return results, timed_out

    def _value(self, column: str, row: Any) -> dict[str, Any]:
        key, year = f"{column}__startswith", str(row["value"])
        selected = self.request.args.get(key) == year
        change = path_with_removed_args if selected else path_with_added_args
        return {
            "value": year,
            "label": year,
            "count": row["count"],
            "toggle_url": self.ds.absolute_url(self.request, change(self.request, {key: year})),
            "selected": selected,
        }


@hookimpl
def register_facet_classes() -> list[type]:
    return [YearFacet]


def build(path: str) -> Datasette:
    """A Datasette instance serving the Bayan database at ``path`` read-only, under the name "bayan"."""
    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    ds = Datasette(metadata=schema_view.metadata(DB_NAME), settings=SETTINGS)
    ds.remove_database("_memory")  # Datasette adds it when given no file
    ds.add_database(ReadOnlyDatabase(ds, path=path, is_mutable=True), name=DB_NAME)
    return ds


def serve(ds: Datasette, sock: socket.socket) -> None:
    """Serve ``ds`` on the listening ``sock`` until SIGTERM (then return) or SIGINT (KeyboardInterrupt:
    exit 130). uvicorn shuts down on either and raises the signal again once done, under the handler
    that was there before it: for SIGTERM, a no-op one set here."""
    config = uvicorn.Config(ds.app(), log_level="warning", lifespan="on")
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stopped(signum: int, frame: FrameType | None) -> None:
    """SIGTERM after uvicorn's shutdown: nothing left to do, `bayan browse` ends with exit 0."""
