"""`bayan browse --port P` as a process (issue 13 item 2): it serves the database in Datasette on
127.0.0.1 at that port, read-only, until it is terminated. The port is waited on with a deadline, the
pages are fetched with httpx from 127.0.0.1, and the process started here is ended by its PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests import browse_data
from tests.helpers import wait_until

pytestmark = pytest.mark.acceptance

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def test_browse_serves_the_database_on_loopback(tmp_path: Path) -> None:
    db = tmp_path / "bayan.db"
    browse_data.build(str(db))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAYAN_", "PYTHONIO"))}
    env["PYTHONUNBUFFERED"] = "1"
    cmd = [sys.executable, "-m", "bot", "browse", "--db", str(db), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: proc.poll() is not None or accepts(port), timeout=30)
        assert proc.poll() is None, proc.communicate()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            meta = client.get("/-/metadata.json").json()
            assert meta["databases"]["bayan"]["tables"]["statements"]["title"] == "Statements · البيانات"
            page = client.get("/bayan/signed_by", params={"name": "CWN"})
            assert page.status_code == 200 and "Open letter to the special envoy" in page.text
            listens = client.get("/-/databases.json").json()
            assert [(d["name"], d["is_mutable"]) for d in listens] == [("bayan", True)]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.splitlines()[0].startswith(f"Datasette on http://127.0.0.1:{port}/bayan")
