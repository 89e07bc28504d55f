"""Vensim subscript ranges -> the model's dimensions.

``region: north, south`` names a range; ``(a1-a5)`` a numeric range inside one; a range whose
elements all belong to another is its subrange; ``-> target`` maps a range onto another position
by position, ``-> (target: b2, b1)`` element by element (several mappings separated by commas);
``a <-> b`` makes ``a`` another name of range ``b``. Names become identifiers the engine accepts
(``Entry 1`` -> ``Entry_1``). A range read from a data file (``GET DIRECT SUBSCRIPT(...)``) takes
its elements from the function given as ``subscript``.
"""
from __future__ import annotations

import re

from ...model import Where
from ...model.arrays import Dimension, Mapping
from .errors import Unsupported, VensimError
from .names import key, unquote

_NUMERIC = re.compile(r"^\(\s*(.*?)(\d+)\s*-\s*(.*?)(\d+)\s*\)$")


def ident(name: str) -> str:
    """An element's or a range's identifier: its name with runs of spaces as '_'."""
    out = re.sub(r"[\s_]+", "_", unquote(name).strip())
    out = re.sub(r"[^\w]", "_", out)
    return out if out and not out[0].isdigit() or out.isdigit() else f"v_{out}"


class Ranges:
    """The ranges of one file: keys -> identifiers, elements, mappings."""

    def __init__(self, defs: list, file: str, subscript=None):
        self.file = file
        self.elements: dict = {}        # range key -> element keys
        self.names: dict = {}           # range key -> identifier
        self.elem_ids: dict = {}        # element key -> identifier
        self.maps: dict = {}            # range key -> [(target key, element keys or None)]
        self.where: dict = {}
        equiv = []
        for d in defs:
            k = key(d.name)
            self.where[k] = Where(file, d.rec.line)
            self.names[k] = ident(d.name)
            if d.kind == "equiv":
                equiv.append((k, key(d.body), d))
                continue
            body, _, mapping = d.body.partition("->")
            elems: list = []
            if re.search(r"\bGET\b", body, re.I):
                if subscript is None:
                    raise Unsupported("a subscript range read from a data file (GET ... SUBSCRIPT)", file=file,
                                      line=d.rec.line, element=d.name)
                elems = subscript(d, body)
                body = ""
            for part in _split(body):
                m = _NUMERIC.match(part)
                if m:
                    lo, hi = int(m.group(2)), int(m.group(4))
                    if hi < lo:
                        raise VensimError(f"the numeric range '{part}' runs backwards", file=file,
                                          line=d.rec.line, element=d.name)
                    for i in range(lo, hi + 1):
                        elems.append(f"{m.group(1)}{i}")
                else:
                    elems.append(part)
            self.elements[k] = []
            for e in elems:
                ek = key(e)
                self.elem_ids.setdefault(ek, ident(e))
                self.elements[k].append(ek)
            self.maps[k] = _mappings(mapping, file, d)
        for k, target, d in equiv:
            if target not in self.elements:
                raise VensimError(f"'{d.name}' is made equivalent to '{d.body.strip()}', which is not a range",
                                  file=file, line=d.rec.line, element=d.name)
            self.elements[k] = list(self.elements[target])
            self.maps[k] = []
        # an element named like a range stands for the range's elements (ranges of ranges, at any depth)
        def flat(k, seen):
            out: list = []
            for e in self.elements[k]:
                out += flat(e, seen | {e}) if e in self.elements and e not in seen else [e]
            return out
        self.elements = {k: flat(k, {k}) for k in self.elements}

    def dimensions(self) -> tuple:
        """The ranges as the model's dimensions."""
        out = []
        reverse: dict = {}      # target key -> mappings onto the ranges that map onto it by subranges
        for k in self.elements:
            for target, targets in self.maps.get(k, []):
                if target not in self.names:
                    raise VensimError(f"range '{self.names[k]}' maps to '{target}', which is not a range",
                                      file=self.file, line=self.where[k].line, element=self.names[k])
                if targets is not None and any(len(self.cells(t)) != 1 for t in targets):
                    reverse.setdefault(target, []).append(self._onto_subranges(k, target, targets))
        for k, elems in self.elements.items():
            maps = list(reverse.get(k, []))
            for target, targets in self.maps.get(k, []):
                if targets is not None and any(len(self.cells(t)) != 1 for t in targets):
                    continue
                maps.append(Mapping(self.names[target], None if targets is None else
                                    tuple(self.elem_ids.get(t, ident(t)) for t in targets)))
            family = max((r for r, es in self.elements.items() if set(elems) <= set(es)),
                         key=lambda r: len(self.elements[r]))
            out.append(Dimension(self.names[k], tuple(self.elem_ids[e] for e in elems), tuple(maps),
                                 self.where[k], self.names[family] if family != k else None))
        return tuple(out)

    def _onto_subranges(self, k: str, target: str, targets: list) -> Mapping:
        """``k: b1, b2 -> (target: sub, a3)``: each element of ``k`` stands for every element of
        the subrange (or the one element) written in its place, so an equation over ``target``
        reads ``x[k]`` at the element of ``k`` that holds its element. Made as ``target``'s own
        mapping onto ``k``, one element of ``k`` per element of ``target``."""
        name, where = self.names[k], dict(file=self.file, line=self.where[k].line, element=self.names[k])
        elems = self.elements[k]
        if len(targets) != len(elems):
            raise VensimError(f"range '{name}' maps onto '{self.names[target]}' element by element: give one "
                              f"element or subrange of '{self.names[target]}' for each of its {len(elems)} "
                              f"elements (there are {len(targets)})", **where)
        source: dict = {}
        for e, t in zip(elems, targets):
            for c in self.cells(t):
                if c not in self.elements[target]:
                    raise VensimError(f"range '{name}' maps element '{self.elem_ids[e]}' onto "
                                      f"'{self.elem_ids.get(t, t)}', which is not in '{self.names[target]}'",
                                      **where)
                if c in source:
                    raise VensimError(f"range '{name}' maps both '{self.elem_ids[source[c]]}' and "
                                      f"'{self.elem_ids[e]}' onto element '{self.elem_ids[c]}' of "
                                      f"'{self.names[target]}'", **where,
                                      hint="each element of the target stands for one element at most")
                source[c] = e
        missing = [self.elem_ids[c] for c in self.elements[target] if c not in source]
        if missing:
            raise VensimError(f"range '{name}' maps onto '{self.names[target]}' by subranges but no element "
                              f"of it stands for {', '.join(missing)}", **where,
                              hint=f"name every element of '{self.names[target]}' once in the mapping")
        return Mapping(name, tuple(self.elem_ids[source[c]] for c in self.elements[target]))

    def is_range(self, k: str) -> bool:
        """True for a range's key."""
        return k in self.elements

    def cells(self, sub: str) -> list:
        """The element keys a subscript of a left-hand side stands for."""
        return list(self.elements[sub]) if sub in self.elements else [sub]

    def implicit(self, owner: str, position: int, elements: list) -> str:
        """A range of just the elements a variable is defined for (Vensim: a variable defined on
        part of a range has only those elements), named after the variable."""
        k = f"{key(owner)} {position} elements"
        self.elements[k] = list(elements)
        self.names[k] = ident(f"{owner} {position} elements")
        self.maps[k] = []
        self.where[k] = Where(self.file, None)
        return k

    def range_of(self, subs_seen: list) -> str | None:
        """The range an arrayed variable is defined over at one position: the smallest range that
        holds every element its definitions name there (preferring one they name)."""
        wanted: set = set()
        for s in subs_seen:
            wanted.update(self.cells(s))
        best = None
        for k, elems in self.elements.items():
            if wanted <= set(elems) and (best is None or len(elems) < len(self.elements[best])
                                         or len(elems) == len(self.elements[best]) and k in subs_seen):
                best = k
        return best


def _split(body: str) -> list:
    """Comma-separated parts, keeping '(a1-a5)' whole."""
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return [p for p in parts if p]


def _mappings(text: str, file: str, d) -> list:
    out: list = []
    for part in _split(text):
        part = part.strip()
        if part.startswith("("):
            inner = part.strip("()")
            target, _, elems = inner.partition(":")
            out.append((key(target), [key(e) for e in _split(elems)]))
        else:
            out.append((key(part), None))
    return out
