"""The files that run Bayan unattended say what docs/deploy.md promises: the Dockerfile (slim base,
non-root user, storage volume, no token baked in, `bayan health` as its HEALTHCHECK), .dockerignore,
deploy/bayan.service (restart on failure, SIGHUP reload, hardening) and the LICENSE pyproject.toml names.
Each file is parsed (instructions with continuation lines; unit sections and repeated keys)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction: comments dropped, backslash continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = pending + line
        pending = ""
        word, _, rest = whole.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "Dockerfile ends inside a continuation"
    return out


def _args(rest: str) -> list[str]:
    """An exec-form (JSON) or shell-form argument list."""
    return json.loads(rest) if rest.startswith("[") else shlex.split(rest)


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    return instructions[starts[-1] :]


def test_dockerfile_base_user_volume_health_and_command() -> None:
    instructions = dockerfile()
    args = {rest.split("=", 1)[0]: rest.split("=", 1)[1] for word, rest in instructions if word == "ARG"}
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", args["PYTHON_IMAGE"]), args
    final = _final_stage(instructions)
    assert final[0] == ("FROM", "${PYTHON_IMAGE}")
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    run = " ".join(rest for word, rest in final if word == "RUN")
    assert "useradd" in run and users[-1].split(":")[0] in run
    volumes = [v for word, rest in final if word == "VOLUME" for v in _args(rest)]
    assert volumes == ["/app/storage"]
    env = " ".join(rest for word, rest in final if word == "ENV")
    assert "BAYAN_DB=/app/storage/bayan.db" in env and "BAYAN_CONFIG=/app/feeds.yaml" in env
    (health,) = [rest for word, rest in final if word == "HEALTHCHECK"]
    options, _, command = health.partition(" CMD ")
    assert _args(command) == ["bayan", "health"]
    assert {"--interval", "--timeout", "--start-period", "--retries"} <= {
        o.split("=")[0] for o in options.split()
    }
    assert [_args(rest) for word, rest in final if word == "ENTRYPOINT"] == [["bayan"]]
    assert [_args(rest) for word, rest in final if word == "CMD"] == [["run"]]


def test_dockerfile_never_holds_a_token() -> None:
    for word, rest in dockerfile():
        if word in ("ENV", "ARG", "LABEL"):
            assert "TELEGRAM_BOT_TOKEN" not in rest, (word, rest)


def test_dockerignore_keeps_secrets_data_and_the_venv_out() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "storage", "*.db", ".env", "tests"} <= ignored
    copied = [
        p for word, rest in dockerfile() if word == "COPY" and "--from" not in rest for p in rest.split()[:-1]
    ]
    assert not {p.rstrip("/") for p in copied} & ignored  # what the image copies is not ignored


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section → key → every value given (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}: stray line {line!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_systemd_unit_restarts_reloads_with_sighup_and_is_hardened() -> None:
    sections = unit(ROOT / "deploy" / "bayan.service")
    assert set(sections) == {"Unit", "Service", "Install"}
    service = {key: values[-1] for key, values in sections["Service"].items()}
    assert service["ExecStart"].endswith("/bayan run")
    assert service["Restart"] == "on-failure"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["User"] not in ("root", "0")
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    db = dict(v.split("=", 1) for v in sections["Service"]["Environment"])["BAYAN_DB"]
    assert any(db.startswith(path.rstrip("/") + "/") for path in service["ReadWritePaths"].split())
    assert "TELEGRAM_BOT_TOKEN" not in " ".join(sections["Service"].get("Environment", []))
    assert sections["Install"]["WantedBy"] == ["multi-user.target"]


def test_sighup_is_what_the_service_reloads_on() -> None:
    """ExecReload's signal is the one bot/service.py turns into a feeds.yaml reload."""
    source = (ROOT / "bot" / "service.py").read_text(encoding="utf-8")
    assert "(signal.SIGHUP, hup)" in source and "reload_on(hup" in source


def test_license_file_is_the_one_pyproject_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
