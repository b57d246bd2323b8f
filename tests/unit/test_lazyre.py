"""bot.lazyre: a deferred pattern answers as the compiled one, compiles once, and only the named modules'
calls are deferred while the block is open."""

from __future__ import annotations

import re
import threading
import types

from bot import lazyre

PATTERN = r"\s*CREATE\s+VIRTUAL\s+TABLE\s+(?P<name>[A-Za-z_\u0080-\uffff]+)"


def _module(name: str, source: str) -> types.ModuleType:
    """Run ``source`` as the top level of a module called ``name``."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def test_a_deferred_pattern_answers_as_the_compiled_one() -> None:
    deferred = lazyre.Deferred(PATTERN, re.IGNORECASE)
    real = re.compile(PATTERN, re.IGNORECASE)
    for text in ("create virtual table éte using fts5", "CREATE TABLE x", "  Create Virtual Table t1"):
        got, want = deferred.match(text), real.match(text)
        assert (got and got.group("name")) == (want and want.group("name"))
    assert deferred.split("a CREATE VIRTUAL TABLE b") == real.split("a CREATE VIRTUAL TABLE b")
    assert (deferred.pattern, deferred.flags) == (real.pattern, real.flags)
    assert deferred.compiled() is deferred.compiled()  # compiled once


def test_only_the_named_modules_get_deferred_patterns_while_the_block_is_open() -> None:
    source = "import re\nP = re.compile(r'[a-z]+')\nclass C:\n    Q = re.compile(r'[0-9]+')\n"
    with lazyre.deferred(frozenset({"lib.slow"})):
        slow = _module("lib.slow", source)
        other = _module("lib.other", source)
    assert isinstance(slow.P, lazyre.Deferred) and isinstance(slow.C.Q, lazyre.Deferred)
    assert isinstance(other.P, re.Pattern) and isinstance(other.C.Q, re.Pattern)
    assert slow.P.findall("ab 12 cd") == ["ab", "cd"] and slow.C.Q.search("x42").group() == "42"
    assert re.compile is lazyre._COMPILE
    again = _module("lib.slow", source)  # the block is closed: compiled as usual
    assert isinstance(again.P, re.Pattern)


def test_other_threads_compile_as_usual_while_a_block_is_open() -> None:
    """Even code of a named module, run in another thread, gets a compiled pattern."""
    source = "import re\nP = re.compile(r'x+')\n"
    seen: list[object] = []
    with lazyre.deferred(frozenset({"lib.slow"})):
        worker = threading.Thread(target=lambda: seen.append(_module("lib.slow", source).P))
        worker.start()
        worker.join(timeout=10)
    assert len(seen) == 1 and isinstance(seen[0], re.Pattern)


def test_nested_and_overlapping_blocks_put_re_compile_back_once_all_have_ended() -> None:
    source = "import re\nP = re.compile(r'[a-z]+')\n"
    opened, release = threading.Event(), threading.Event()
    got: dict[str, object] = {}

    def other_block() -> None:
        with lazyre.deferred(frozenset({"lib.b"})):
            got["b"] = _module("lib.b", source).P
            opened.set()
            release.wait(timeout=10)

    worker = threading.Thread(target=other_block)
    with lazyre.deferred(frozenset({"lib.a"})):
        with lazyre.deferred(frozenset({"lib.inner"})):
            got["inner"], got["a"] = _module("lib.inner", source).P, _module("lib.a", source).P
        got["a after inner"] = _module("lib.a", source).P
        got["inner after"] = _module("lib.inner", source).P
        worker.start()
        assert opened.wait(timeout=10)
        got["b here"] = _module("lib.b", source).P  # lib.b is deferred in the worker's thread only
    assert re.compile is not lazyre._COMPILE, "the worker's block is still open"
    release.set()
    worker.join(timeout=10)
    assert re.compile is lazyre._COMPILE
    deferred = {name for name, value in got.items() if isinstance(value, lazyre.Deferred)}
    assert deferred == {"inner", "a", "a after inner", "b"}
    assert isinstance(got["inner after"], re.Pattern) and isinstance(got["b here"], re.Pattern)


def test_threads_racing_to_a_first_use_share_one_compiled_pattern() -> None:
    deferred = lazyre.Deferred(PATTERN, re.IGNORECASE)
    start = threading.Barrier(8)
    seen: list[re.Pattern[str]] = []

    def use() -> None:
        start.wait(timeout=10)
        seen.append(deferred.compiled())

    workers = [threading.Thread(target=use) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    assert len(seen) == 8 and all(p is seen[0] for p in seen)
