"""Values derived once from an immutable object (a plan) and kept while that object lives.

The run and results stages derive the same things from a plan at every run (the parameters'
slots and start values, the events' tables, the result's names and units): ``once(plan, name,
build)`` computes ``build(plan)`` at the first call and returns the same value afterwards. What
is kept must never be changed by whoever gets it. An object's entries go when it is
garbage-collected (a weakref finalizer that takes no lock, so a collection that happens while a
value is being stored cannot wait on itself). Safe from several threads: at worst two threads
build the same value, and one of them is kept.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any

_values: dict = {}          # id of the object -> {name: value}
_lock = threading.Lock()


def once(obj: Any, name: Hashable, build: Callable[[Any], Any]) -> Any:
    """``build(obj)``, computed at the first call for this object and name (a string, or a tuple
    for values kept per key), kept while it lives."""
    kept = _values.get(id(obj))
    if kept is not None and name in kept:
        return kept[name]
    value = build(obj)
    with _lock:
        kept = _values.get(id(obj))
        if kept is None:
            kept = _values[id(obj)] = {}
            weakref.finalize(obj, _values.pop, id(obj), None)
        return kept.setdefault(name, value)
