"""Entry point of ``python -m bot`` and the ``bayan`` console script (see ``bot.cli.main``).

``main`` keeps the garbage collector out of start-up and shut-down (bench/startup.py): importing a
command allocates ≈ 200,000 objects that live as long as the process (modules, classes, functions), and
each collection during the imports, and the interpreter's last ones at exit, would walk them all. So the
collector is off while the command's code is imported; then those objects are frozen (``gc.freeze``:
never examined again) and collection resumes for the command itself, a poll cycle or `bayan run` alike;
at exit what remains is frozen too (the database and HTTP client are closed by then, and the standard
streams are flushed as usual). ``cli.main.main`` itself leaves the collector alone (tests call it).
"""

import gc
import sys

from bot.cli.main import main as run_command


def _loaded() -> None:
    gc.freeze()
    gc.enable()


def main() -> int:
    """Run the command of ``sys.argv``; its exit code."""
    gc.disable()
    try:
        code = run_command(loaded=_loaded)
    finally:
        gc.enable()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(main())
