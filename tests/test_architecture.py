"""One-way imports between bot/ modules (docs/interfaces.md), checked by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"

# module -> (bot modules it may import, third-party top-level packages it may import)
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "models": (set(), set()),
    "dates": ({"models"}, set()),
    "i18n": (set(), set()),
    "yaml_nodes": (set(), {"yaml"}),
    "config_checks": ({"models", "yaml_nodes"}, set()),
    "config": ({"models", "yaml_nodes", "config_checks"}, set()),
    "names": (set(), set()),
    "orgs": ({"models", "names"}, {"rapidfuzz"}),
    "identity": (set(), set()),
    "parse": ({"models", "dates", "identity"}, {"feedparser", "selectolax"}),
    "extract": (
        {"models", "dates", "parse", "orgs", "extract"},
        {"selectolax", "pypdf"},
    ),
    "charset": (set(), set()),
    "fetch": ({"models", "charset"}, {"httpx"}),
    "storage": ({"models", "storage"}, {"sqlite_utils", "sqlite3"}),
    "pipeline": ({"models", "fetch", "parse", "extract", "orgs", "storage", "dates"}, {"httpx"}),
    "scheduler": ({"models", "pipeline", "storage"}, {"apscheduler"}),
    "tgtext": ({"i18n"}, set()),
    "notify": ({"models", "storage", "orgs", "i18n", "tgtext"}, {"telegram"}),
    "sender": ({"models", "storage", "notify", "i18n"}, {"telegram"}),
}
_COMMANDS = (
    {"models", "storage", "notify", "orgs", "config", "i18n", "commands", "commands_query", "commands_admin"},
    {"telegram"},
)
ALLOWED.update(commands=_COMMANDS, commands_query=_COMMANDS, commands_admin=_COMMANDS)
COMPOSITION_ROOTS = {"__init__", "__main__", "cli", "cli_orgs", "app", "botapp"}
STDLIB = set(__import__("sys").stdlib_module_names)


def _module_name(path: Path) -> str:
    rel = path.relative_to(BOT)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """Top-level names imported, with bot.* reduced to the bot module name (prefixed 'bot.')."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(_name(a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.update(_from(node, path))
    return found


def _name(dotted: str) -> str:
    parts = dotted.split(".")
    return f"bot.{parts[1]}" if parts[0] == "bot" and len(parts) > 1 else parts[0]


def _from(node: ast.ImportFrom, path: Path) -> set[str]:
    if node.level:  # relative: inside a package of bot/
        pkg = _module_name(path)
        return (
            {f"bot.{pkg}"} if node.module is None or node.level == 1 else {f"bot.{node.module.split('.')[0]}"}
        )
    mod = node.module or ""
    if mod == "bot":
        return {f"bot.{a.name}" for a in node.names}
    return {_name(mod)}


def _bot_modules() -> list[Path]:
    return sorted(p for p in BOT.rglob("*.py"))


def test_every_module_is_known() -> None:
    unknown = {_module_name(p) for p in _bot_modules()} - set(ALLOWED) - COMPOSITION_ROOTS
    assert not unknown, f"add these modules to ALLOWED (and docs/interfaces.md): {sorted(unknown)}"


def test_imports_follow_the_table() -> None:
    problems = []
    for path in _bot_modules():
        mod = _module_name(path)
        if mod in COMPOSITION_ROOTS:
            continue
        bot_ok, third_ok = ALLOWED[mod]
        for imp in _imports(path):
            if imp.startswith("bot."):
                if imp.removeprefix("bot.") not in bot_ok | {mod}:
                    problems.append(f"{path.relative_to(ROOT)} imports {imp}")
            elif imp not in STDLIB and imp not in third_ok and imp not in {"bot", "__future__"}:
                problems.append(f"{path.relative_to(ROOT)} imports third-party {imp}")
    assert not problems, "\n".join(problems)


def test_only_storage_touches_sqlite() -> None:
    for path in _bot_modules():
        if _module_name(path) != "storage":
            assert not {"sqlite3", "sqlite_utils"} & _imports(path), path


def test_no_shadowing_modules_and_no_storage_package() -> None:
    assert not (BOT / "telegram.py").exists(), "bot/telegram.py would shadow python-telegram-bot"
    assert not (ROOT / "storage" / "__init__.py").exists(), "storage/ is runtime data, not a package"
    for path in (ROOT / "bot", ROOT / "tests"):
        assert not list(path.rglob("telegram.py"))


def test_bare_import_of_storage_is_forbidden() -> None:
    for path in [*_bot_modules(), *(ROOT / "tests").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name != "storage" for a in node.names), path
            if isinstance(node, ast.ImportFrom) and not node.level:
                assert node.module != "storage", path


def test_only_config_reads_the_environment() -> None:
    for path in _bot_modules():
        if _module_name(path) in {"config", "cli"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv(" not in text, path
