"""One label per feedback loop of a model, shared by every listing (``loops``, ``dominance``, the app).

A loop the model names (its scenario's ``loops:``) is labelled by that name. Every other loop gets
a code, R (reinforcing), B (balancing) or U (undetermined) and a number, numbered shortest loop
first; a code that a declared name already starts with ('B1 scarcity' takes B1) is skipped, so no
code reads like another loop's name. Loops met later (the longer loops a dominance analysis finds
beyond the listing) continue the numbering, and a loop once labelled keeps its label.
"""
from __future__ import annotations

import re
import threading

_CODE = re.compile(r"^([RBU])(\d+)\b")


def cycle_key(elements) -> tuple:
    """The loop as a tuple starting at its smallest element name (the same loop, however rotated)."""
    elements = tuple(elements)
    if not elements:
        return elements
    i = min(range(len(elements)), key=lambda k: elements[k])
    return elements[i:] + elements[:i]


def letter(signs) -> str:
    """'R', 'B' or 'U' from a loop's link signs ('+', '-', '?')."""
    signs = "".join(signs)
    if "?" in signs or not signs:
        return "U"
    return "R" if signs.count("-") % 2 == 0 else "B"


class LoopLabels:
    """The labels of one model's loops (see the module's docstring); thread-safe."""

    def __init__(self, declared_names=()):
        self.declared = [str(n) for n in declared_names]
        self.taken = set()
        for name in self.declared:
            m = _CODE.match(name)
            if m:
                self.taken.add(m.group(1) + m.group(2))
        self.by_key: dict = {}
        self.used: set = set()
        self.count = {"R": 0, "B": 0, "U": 0}
        self._lock = threading.Lock()

    def _code(self, kind: str) -> str:
        while True:
            self.count[kind] += 1
            code = f"{kind}{self.count[kind]}"
            if code not in self.taken and code not in self.used:
                return code

    def assign(self, loops) -> list:
        """Labels of ``loops``, a sequence of (elements, kind, declared name or ''); loops already
        labelled keep their label, new named loops take their name, the others the next codes,
        shortest (then alphabetically first) loop first. Returns the labels in the given order."""
        with self._lock:
            keys = [cycle_key(el) for el, _, _ in loops]
            for key, (_, _, name) in zip(keys, loops):
                if key not in self.by_key and name and name not in self.used:
                    self.by_key[key] = name
                    self.used.add(name)
            new = sorted({k for k in keys if k not in self.by_key}, key=lambda k: (len(k), k))
            kinds = {k: kind for k, (_, kind, _) in zip(keys, loops)}
            for key in new:
                code = self._code(kinds[key])
                self.by_key[key] = code
                self.used.add(code)
            return [self.by_key[k] for k in keys]

    def get(self, elements) -> str | None:
        """The label of a loop already labelled, else None."""
        return self.by_key.get(cycle_key(elements))
