"""One-dimensional XMILE arrays, flattened into scalar variables at import time.

A variable ``v`` over dimension ``D`` with elements ``a, b`` becomes the variables ``v[a]`` and
``v[b]`` (keys ``v[a]``, identifiers ``v__a``). Each takes its equation from its <element
subscript="a">, from the n-th of n <eqn> children, from the n-th number of a list ``1, 2, 3``, or
from the one apply-to-all <eqn>. In an element's equation ``w[D]``, ``w[*]`` and a bare ``w``
(``w`` arrayed over ``D``) mean the same element of ``w``; ``w[b]`` is element ``b``; MIN, MAX,
SUM and MEAN of ``w[D]`` or ``w[*]`` reduce over all elements. More than one dimension, references
across dimensions (subranges, mappings) and <dim> parts other than <elem> are refused.
"""
from __future__ import annotations

import dataclasses
import re

from ... import lang as ex
from .errors import Unsupported, XmileError
from .names import key
from .xml import child, children, local, text_of

MULTI_DIM = "arrays of more than one dimension"
_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$")
REDUCTIONS = ("min", "max", "sum", "mean")
MAX_ELEMENTS = 100_000     # elements of one dimension (each becomes a scalar element)


def subscripted(base_key: str, elem: str) -> str:
    """The key of one element of an arrayed variable: ``v[a]``."""
    return f"{base_key}[{key(elem)}]"


def split(k: str):
    """``v[a]`` -> (``v``, ``a``); a plain key -> (key, None)."""
    if k.endswith("]") and "[" in k:
        base, sub = k[:-1].split("[", 1)
        return base, sub
    return k, None


def read_dimensions(root, file) -> dict:
    """The <dimensions> of a file: dimension key -> its element names, in order."""
    out = {}
    for dims in children(root, "dimensions"):
        for d in children(dims, "dim"):
            name = d.get("name") or ""
            for c in d:
                if local(c.tag) not in ("elem", ""):
                    raise Unsupported(f"<{local(c.tag)}> in dimension '{name}' (subranges or "
                                      "mappings)", file=file, element=name)
            elems = [e.get("name") or "" for e in children(d, "elem")]
            size = d.get("size") or ""
            if not elems and size.isdigit():
                if int(size) > MAX_ELEMENTS:
                    raise XmileError(f"dimension '{name}' has {int(size):,} elements; a dimension may have at "
                                     f"most {MAX_ELEMENTS:,}", file=file, element=name)
                elems = [str(i) for i in range(1, int(size) + 1)]
            if not elems or not all(elems):
                raise XmileError(f"dimension '{name}' has no named elements", file=file)
            out[key(name)] = elems
    return out


def dimension_of(el, dims, file):
    """The dimension key of a variable element, None for a scalar; refuses 2-D and unknown ones."""
    names = [d.get("name") or "" for c in children(el, "dimensions") for d in children(c, "dim")]
    if not names:
        return None
    if len(names) > 1:
        raise Unsupported(MULTI_DIM, file=file, element=el.get("name"))
    if key(names[0]) not in dims:
        raise XmileError(f"dimension '{names[0]}' is not declared in the file's <dimensions>",
                         file=file, element=el.get("name"))
    return key(names[0])


def equations(el, elems, file) -> list:
    """One equation per element, from any of the four forms an arrayed variable may take."""
    name = el.get("name")
    per = children(el, "element")
    if per:
        by = {}
        for e in per:
            sub = e.get("subscript") or ""
            if "," in sub:
                raise Unsupported(MULTI_DIM, file=file, element=name)
            extra = [local(c.tag) for c in e if local(c.tag) not in ("eqn", "")]
            if extra:
                raise Unsupported(f"<{extra[0]}> inside an array <element>", file=file, element=name)
            by[key(sub)] = text_of(child(e, "eqn"))
        missing = [x for x in elems if key(x) not in by]
        unknown = set(by) - {key(x) for x in elems}
        if missing or unknown:
            raise XmileError(f"array elements do not match the dimension (missing "
                             f"{missing or 'none'}, unknown {sorted(unknown) or 'none'})",
                             file=file, element=name)
        return [by[key(x)] for x in elems]
    eqns = [text_of(e) for e in children(el, "eqn")]
    if len(eqns) > 1:
        if len(eqns) != len(elems):
            raise XmileError(f"{len(eqns)} <eqn> for {len(elems)} array elements", file=file,
                             element=name)
        return eqns
    eqn = eqns[0] if eqns else ""
    if ";" in eqn:
        raise Unsupported(MULTI_DIM, file=file, element=name)
    parts = eqn.split(",")
    if len(parts) > 1 and all(_NUMBER.match(p) for p in parts):
        if len(parts) != len(elems):
            raise XmileError(f"{len(parts)} values for {len(elems)} array elements", file=file,
                             element=name)
        return [p.strip() for p in parts]
    return [eqn] * len(elems)


def expand(var, elems, eqns) -> list:
    """One scalar ``Var`` per element of an arrayed ``var``."""
    name = var.name[1:-1] if var.name.startswith('"') and var.name.endswith('"') else var.name
    return [dataclasses.replace(var, key=subscripted(var.key, e), name=f"{name}[{e}]", eqn=q,
                                dim=var.dim, elem=key(e))
            for e, q in zip(elems, eqns)]


def link_flows(variables):
    """An element of an arrayed stock flows through the same element of an arrayed flow."""
    known = {v.key for v in variables}

    def pick(f, elem):
        return subscripted(f, elem) if subscripted(f, elem) in known else f

    for v in variables:
        if v.elem is not None:
            v.inflows = [pick(f, v.elem) for f in v.inflows]
            v.outflows = [pick(f, v.elem) for f in v.outflows]


class Index:
    """Which variables are arrays, over which dimension: resolves subscripted references."""

    def __init__(self, variables, dims, file=None):
        self.file = file
        self.dims = {d: [key(e) for e in elems] for d, elems in dims.items()}
        self.arrayed = {split(v.key)[0]: v.dim for v in variables if v.elem is not None}

    def reference(self, k, v, scope):
        """The key a (possibly subscripted) name means inside variable ``v``; None if not an array."""
        base, sub = split(k)
        full = next((c for c in ((scope + base) if scope else None, base) if c in self.arrayed),
                    None)
        if full is None:
            if sub is not None:
                raise XmileError(f"'{base}[{sub}]' subscripts '{base}', which is not an array",
                                 file=self.file, element=v.name)
            return None
        dim = self.arrayed[full]
        if sub is not None and sub in self.dims[dim]:
            return subscripted(full, sub)
        if sub is None or sub == "*" or sub == dim:
            if v.elem is None:
                raise XmileError(f"'{k}' names a whole array where one value is needed",
                                 file=self.file, element=v.name,
                                 hint=f"write {base}[element] or reduce it, e.g. SUM({base}[*])")
            if v.dim != dim:
                raise Unsupported(f"a reference across dimensions ({k} inside an array over "
                                  f"'{v.dim}')", file=self.file, element=v.name)
            return subscripted(full, v.elem)
        raise Unsupported(f"array subscript {k} (subranges, mappings or expressions)",
                          file=self.file, element=v.name)

    def whole(self, node, scope):
        """The element keys of ``w[D]`` / ``w[*]`` (a reduction's argument), or None."""
        if not isinstance(node, ex.Name):
            return None
        base, sub = split(node.id)
        full = next((c for c in ((scope + base) if scope else None, base) if c in self.arrayed),
                    None)
        if full is None or sub not in ("*", self.arrayed[full]):
            return None
        return [subscripted(full, e) for e in self.dims[self.arrayed[full]]]


def reduce(fn, nodes, pos):
    """MIN / MAX / SUM / MEAN of the element nodes of an array."""
    if fn in ("min", "max"):
        return ex.Call(pos, fn, tuple(nodes)) if len(nodes) > 1 else nodes[0]
    total = nodes[0]
    for n in nodes[1:]:
        total = ex.Bin(pos, "+", total, n)
    if fn == "mean":
        return ex.Bin(pos, "/", total, ex.Num(pos, float(len(nodes))))
    return total
