"""The layout of bot/: every module's allowed imports (the table of docs/interfaces.md) and no import cycles.

Imports are read by parsing every module (imports inside functions count too). A unit is a module's dotted
path below ``bot`` ("tg.render", "cli.main", "pipeline"), except that the packages ``extract`` and
``storage`` are one unit each (their modules import each other freely). An import is allowed when it names
an allowed unit or something inside it ("extract" allows ``bot.extract.pdf``). Composition roots are in the
table like every other module. ``python tests/test_architecture.py`` prints the table for the docs.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
DOCS = ROOT / "docs" / "interfaces.md"
PACKAGE_UNITS = ("extract", "storage")
ROOTS = ("service", "tg.app", "cli.main", "__main__")  # composition roots: wiring, no logic of their own

_TG = ("models", "storage", "orgs", "tg.i18n", "tg.render", "tg.handler")
_CLI = ("models", "storage", "cli.common")

# unit -> (units of bot it may import, third-party top-level packages it may import); the stdlib is free
ALLOWED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "__init__": ((), ()),
    "models": ((), ()),
    "marks": ((), ()),
    "names": (("marks",), ()),
    "identity": ((), ()),
    "charset": ((), ()),
    "lazyre": ((), ()),
    "dates": (("models",), ()),
    "config": (("config.load",), ()),
    "config.yaml_nodes": (("lazyre",), ("yaml",)),
    "config.checks": (("models", "config.yaml_nodes"), ()),
    "config.load": (("models", "config.yaml_nodes", "config.checks"), ()),
    "config.edit": (("models", "config.yaml_nodes"), ("yaml",)),
    "vocab": ((), ("rapidfuzz",)),
    "orgs": (("models", "names", "vocab"), ("rapidfuzz",)),
    "parse": (("models", "dates", "identity"), ("feedparser", "selectolax")),
    "opml": (("models", "identity"), ()),
    "extract": (("models", "dates", "parse", "orgs", "names", "charset"), ("selectolax", "pypdf")),
    "aionet": ((), ("httpcore",)),
    "netguard": (("models", "aionet"), ("httpx", "httpcore")),
    "fetch": (("models", "charset", "netguard"), ("httpx",)),
    "storage": (("models", "names", "lazyre"), ("sqlite_utils", "sqlite3")),
    "pipeline": (("models", "fetch", "parse", "extract", "orgs", "storage", "dates"), ("httpx",)),
    "review": (("models", "orgs", "pipeline", "storage"), ()),
    "archive": (("models", "dates"), ("feedparser", "selectolax")),
    "backfill": (("models", "identity", "archive", "fetch", "parse", "pipeline", "storage"), ()),
    "scheduler": (("models", "pipeline", "storage"), ("apscheduler",)),
    "console": (("models", "storage"), ()),
    "charts": (("models", "tg.i18n"), ("matplotlib", "arabic_reshaper", "bidi")),
    "tg": ((), ()),
    "tg.i18n": ((), ()),
    "tg.text": (("tg.i18n",), ()),
    "tg.render": (("models", "tg.i18n", "tg.text"), ()),
    "tg.sender": (("models", "storage", "tg.i18n", "tg.render"), ("telegram",)),
    "tg.handler": (("models", "storage", "orgs", "tg.i18n", "tg.render"), ("telegram",)),
    "tg.queries": (_TG, ("telegram",)),
    "tg.subscriptions": (_TG, ("telegram",)),
    "tg.admin": (_TG, ("telegram",)),
    "tg.review": (("models", "storage", "review", "tg.i18n", "tg.render", "tg.handler"), ("telegram",)),
    "tg.charts": ((*_TG, "charts"), ()),
    "tg.routes": (
        (
            *("storage", "tg.i18n", "tg.render", "tg.handler", "tg.queries", "tg.subscriptions", "tg.admin"),
            "tg.review",
            "tg.charts",
        ),
        ("telegram",),
    ),
    "tg.app": (
        (
            "models",
            "config",
            "console",
            "pipeline",
            "scheduler",
            "storage",
            "tg.handler",
            "tg.review",
            "tg.routes",
            "tg.sender",
        ),
        ("telegram",),
    ),
    "browse": (("storage",), ("datasette", "uvicorn")),
    "service": (("models", "config", "console", "fetch", "pipeline", "scheduler", "storage", "tg.app"), ()),
    "cli": ((), ()),
    "cli.parsers": ((), ()),
    "cli.common": (("models", "config", "extract", "fetch", "storage"), ()),
    "cli.poll": ((*_CLI, "config", "console", "fetch", "parse", "scheduler", "service"), ()),
    "cli.extract": ((*_CLI, "console", "orgs", "pipeline"), ()),
    "cli.records": ((*_CLI, "config", "console"), ()),
    "cli.orgs": ((*_CLI, "console", "orgs"), ()),
    "cli.registry": ((*_CLI, "console", "cli.orgs"), ("yaml",)),
    "cli.review": ((*_CLI, "console", "extract", "orgs", "review"), ()),
    "cli.browse": ((*_CLI, "browse"), ()),
    "cli.feeds": ((*_CLI, "config", "opml", "cli.poll"), ()),
    "cli.health": ((*_CLI, "config", "console"), ()),
    "cli.charts": ((*_CLI, "charts", "cli.orgs"), ()),
    "cli.backfill": (("models", "cli.common", "config", "service", "backfill"), ("tqdm",)),
    "cli.main": (
        (
            "__init__",
            "models",
            "config",
            "cli.parsers",
            "cli.browse",
            "cli.backfill",
            "cli.extract",
            "cli.orgs",
            "cli.poll",
            "cli.records",
            "cli.registry",
            "cli.review",
            "cli.feeds",
            "cli.health",
            "cli.charts",
        ),
        ("httpx",),  # imported without its command-line tool (cli.main._import_httpx_without_its_cli)
    ),
    "__main__": (("cli.main",), ()),
}
STDLIB = set(sys.stdlib_module_names)


def _modules() -> dict[str, Path]:
    """Every module of bot/ by dotted name ("bot.tg.render"; a package by its own name, "bot.storage")."""
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def unit_of(module: str) -> str:
    """The table's unit of a dotted module name."""
    rest = module.removeprefix("bot").removeprefix(".")
    head = rest.split(".")[0]
    if head in PACKAGE_UNITS:
        return head
    return rest or "__init__"


def _package(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts if parts[-1] == "__init__" else parts[:-1])


def imports_of(path: Path) -> set[str]:
    """What a module imports: dotted bot modules (resolved to files where they are ones) and top-level
    third-party or stdlib names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_resolve(a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = _package(path).rsplit(".", node.level - 1)[0] if node.level > 1 else _package(path)
                base = f"{pkg}.{base}" if base else pkg
            for alias in node.names:
                found.add(
                    _resolve(f"{base}.{alias.name}") if f"{base}.{alias.name}" in MODULES else _resolve(base)
                )
    found.discard("__future__")
    return found


def _resolve(dotted: str) -> str:
    if dotted.split(".")[0] != "bot":
        return dotted.split(".")[0]
    while dotted not in MODULES and "." in dotted:
        dotted = dotted.rsplit(".", 1)[0]
    return dotted


def _allowed(unit: str, target: str) -> bool:
    own, _ = ALLOWED[unit]
    return any(target == u or target.startswith(u + ".") for u in (*own, unit))


def test_every_module_is_in_the_table() -> None:
    unknown = sorted({unit_of(m) for m in MODULES} - set(ALLOWED))
    assert not unknown, f"add these units to ALLOWED (and docs/interfaces.md): {unknown}"
    stale = sorted(set(ALLOWED) - {unit_of(m) for m in MODULES})
    assert not stale, f"units in ALLOWED that no module is: {stale}"


def test_imports_follow_the_table() -> None:
    problems = []
    for module, path in MODULES.items():
        unit = unit_of(module)
        for imp in sorted(imports_of(path)):
            if imp.startswith("bot"):
                if not _allowed(unit, unit_of(imp)):
                    problems.append(f"{path.relative_to(ROOT)} ({unit}) imports {imp}")
            elif imp not in STDLIB and imp not in ALLOWED[unit][1]:
                problems.append(f"{path.relative_to(ROOT)} ({unit}) imports third-party {imp}")
    assert not problems, "\n".join(problems)


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (or a module importing itself), by Tarjan."""
    graph = {m: sorted(i for i in imports_of(p) if i in MODULES) for m, p in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1 or node in graph[node]:
                cycles.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycles() -> None:
    assert import_cycles() == []


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    """The detector itself: two modules importing each other are one group."""
    global MODULES
    saved = MODULES
    (tmp_path / "a.py").write_text("from bot import b\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("import bot.a\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("import bot.a\n", encoding="utf-8")
    try:
        MODULES = {"bot.a": tmp_path / "a.py", "bot.b": tmp_path / "b.py", "bot.c": tmp_path / "c.py"}
        assert import_cycles() == [["bot.a", "bot.b"]]
    finally:
        MODULES = saved


def test_nothing_but_a_root_imports_a_root() -> None:
    """The roots wire; they are not libraries (`bayan poll` and `bayan backfill` run the service's runtime,
    so cli.poll and cli.backfill may)."""
    problems = []
    for module, path in MODULES.items():
        for imp in imports_of(path):
            if unit_of(imp) in ROOTS and unit_of(module) not in (*ROOTS, "cli.poll", "cli.backfill"):
                problems.append(f"{module} imports the composition root {imp}")
    assert not problems, "\n".join(problems)


def table() -> str:
    """The import table of docs/interfaces.md, from ALLOWED."""
    lines = ["| unit | may import from `bot` | third-party |", "|---|---|---|"]
    for unit, (own, third) in ALLOWED.items():
        name = (
            f"`{unit}`"
            + (" (package)" if unit in PACKAGE_UNITS else "")
            + (" (root)" if unit in ROOTS else "")
        )
        lines.append(f"| {name} | {', '.join(own) or '—'} | {', '.join(third) or '—'} |")
    return "\n".join(lines)


def test_docs_show_this_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    begin, end = "<!-- import-table:begin -->\n", "\n<!-- import-table:end -->"
    assert begin in text and end in text, (
        f"{DOCS}: add the import table between {begin.strip()} and {end.strip()}"
    )
    shown = text.split(begin, 1)[1].split(end, 1)[0]
    assert shown == table(), (
        f"{DOCS} is out of date; replace its table with `python tests/test_architecture.py`"
    )


def test_only_storage_touches_sqlite() -> None:
    for module, path in MODULES.items():
        if unit_of(module) != "storage":
            assert not {"sqlite3", "sqlite_utils"} & imports_of(path), path


def test_no_shadowing_modules_and_no_storage_package() -> None:
    assert not (BOT / "telegram.py").exists(), "bot/telegram.py would shadow python-telegram-bot"
    assert not (BOT / "telegram").exists(), "bot/telegram/ would shadow python-telegram-bot"
    assert not (ROOT / "storage" / "__init__.py").exists(), "storage/ is runtime data, not a package"
    for path in (ROOT / "bot", ROOT / "tests"):
        assert not list(path.rglob("telegram.py"))


def test_bare_import_of_storage_is_forbidden() -> None:
    for path in [*MODULES.values(), *(ROOT / "tests").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name != "storage" for a in node.names), path
            if isinstance(node, ast.ImportFrom) and not node.level:
                assert node.module != "storage", path


def test_only_config_reads_the_environment() -> None:
    for module, path in MODULES.items():
        if unit_of(module) in {"config.load", "cli.main"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv(" not in text, path


def test_no_test_imports_conftest() -> None:
    """Fixtures come from conftest.py through pytest; functions tests import live in tests/helpers.py."""
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert "conftest" not in (node.module or ""), path
            if isinstance(node, ast.Import):
                assert all("conftest" not in a.name for a in node.names), path


if __name__ == "__main__":
    print(table())
