"""The cyclic garbage collector paused while a stage builds many small objects.

Resolving a large arrayed model makes hundreds of thousands of elements and syntax trees that
all stay alive; each collection the allocations trigger walks every one of them again, which
cost about a quarter of the model, plan and compile stages' time on a 150 x 150 arrayed model
(``benchmarks/arrays.py``). So it is paused while such a stage runs and restored after, as it
was; what garbage the stage left in reference cycles is collected when the collector next runs
over its oldest generation. Nested and concurrent pauses (several threads loading models) restore
it when the last ends.

The objects a stage made are counted as new, so the first collection after the pause would walk
them all (the model's and the plan's trees), and the next ones again as they age. They are
long-lived (the model, the plan), so when the pause ends they are moved to the oldest generation
at once (``gc.freeze`` and ``gc.unfreeze``: two list splices), where a full collection finds any
cycle among them as before.
"""
from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

_lock = threading.Lock()
_depth = 0
_was_enabled = False
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block (if it was on), back on when the last pause ends."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                _age()
                gc.enable()


def _age() -> None:
    """Every object the collector tracks moved to its oldest generation without walking them
    (``gc.freeze`` then ``gc.unfreeze``), unless the program keeps objects frozen itself."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def pausing(fn: F) -> F:
    """``fn`` run with the collector paused (``paused``)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with paused():
            return fn(*args, **kwargs)
    return run  # type: ignore[return-value]
