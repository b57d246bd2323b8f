"""`bayan browse [--port P]`: the database in Datasette, read-only, on 127.0.0.1 (the extra
``bayan[browse]``; the wiring is ``bot.browse``, imported only here and only when the command runs)."""

from __future__ import annotations

import argparse
import socket

from bot.cli.common import open_existing_db
from bot.models import BayanError, Settings

INSTALL_HINT = "bayan browse needs Datasette: pip install 'bayan[browse]'"


def cmd_browse(args: argparse.Namespace, settings: Settings) -> int:
    if settings.db_path == ":memory:":
        raise BayanError("bayan browse needs a database file, not :memory:")
    open_existing_db(settings.db_path).close()  # the "no database" error; an older schema brought up to date
    try:
        from bot import browse
    except ImportError as e:
        if (e.name or "").split(".")[0] not in ("datasette", "uvicorn"):
            raise
        raise BayanError(INSTALL_HINT) from None
    sock = listen(args.port)
    port = sock.getsockname()[1]
    ds = browse.build(settings.db_path)
    url = f"http://127.0.0.1:{port}/{browse.DB_NAME}"
    print(f"Datasette on {url} — {settings.db_path}, read-only (Ctrl-C stops)", flush=True)
    browse.serve(ds, sock)
    return 0


def listen(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:``port`` (0: any free port); a busy port is a one-line error."""
    try:
        return socket.create_server(("127.0.0.1", port))
    except OSError as e:
        raise BayanError(
            f"cannot listen on 127.0.0.1:{port}: {e.strerror or e} (choose another --port)"
        ) from e
