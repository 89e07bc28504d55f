"""Worker processes and the script that started them.

A process started with 'spawn' (every platform's safe default) imports the parent's ``__main__``
script again before it runs its task, so a script that starts a sweep at its top level, with no
``if __name__ == "__main__":`` guard, would start the sweep again inside every worker. Local
worker processes of a sweep need nothing from the script, so ``no_main`` starts them without it;
a Dask cluster starts its own processes, so ``unguarded_caller`` finds such a script beforehand
and the sweep refuses to start, saying what to add.
"""
from __future__ import annotations

import ast
import contextlib
import sys
import types

from ..backends.source import CODE_LOCK


@contextlib.contextmanager
def no_main():
    """While processes are started inside this block, they do not import the ``__main__`` script."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def unguarded_caller() -> tuple[str, int] | None:
    """(script, line) when the running code is the top level of a ``__main__`` script that a
    spawned process would run again (no ``if __name__ == "__main__":`` around it); else None."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if not path or name == "__main__" or name.endswith(".__main__"):
        return None         # interactive, 'python -c', or a package's __main__ (never re-imported)
    frame: types.FrameType | None = sys._getframe(1)
    line = None
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is vars(main):
            line = frame.f_lineno
        frame = frame.f_back
    if line is None:
        return None
    try:
        with open(path, encoding="utf-8") as f, CODE_LOCK:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return None if _guarded(tree.body, line) else (path, line)


def _guarded(body: list, line: int) -> bool:
    """True when ``line`` lies in an ``if __name__ == "__main__":`` block of these statements."""
    while True:
        stmt = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
        if stmt is None:
            return False
        if isinstance(stmt, ast.If) and _is_main_test(stmt.test) and \
                any(s.lineno <= line <= (s.end_lineno or s.lineno) for s in stmt.body):
            return True
        body = [s for field in ("body", "orelse", "finalbody", "handlers") for s in getattr(stmt, field, [])]
        if not body:
            return False


def _is_main_test(test) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and \
        any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
