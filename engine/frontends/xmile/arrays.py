"""XMILE arrays: ``<dimensions>``, arrayed variables and their per-element equations.

An arrayed variable stays one variable over its dimensions (any number of them); the model stage
resolves it into cells (``engine.model.arrays``). Its equations come from one apply-to-all <eqn>
(where a dimension's name stands for "this element"), from <element subscript="a, b"> children
(each with its own <eqn> and, for a graphical function, its own <gf>), from a list of numbers
``1, 2, 3`` (row-major), or from several <eqn> children in element order (older files).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ...model.arrays import MAX_CELLS, Dimension
from .errors import Unsupported, XmileError
from .names import identifier, key
from .xml import child, children, local, text_of

_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$")
MAX_ELEMENTS = 100_000     # elements of one dimension


@dataclass
class Dims:
    """The file's dimensions: key -> identifier and element identifiers; element key -> identifier."""
    names: dict             # dimension key -> identifier
    elements: dict          # dimension key -> element identifiers, in order
    element_keys: dict      # dimension key -> {element key: identifier}

    def model_dimensions(self) -> tuple:
        """The dimensions as the shared model holds them."""
        return tuple(Dimension(self.names[k], tuple(self.elements[k])) for k in self.names)

    def element(self, k: str) -> str | None:
        """The identifier of an element key of any dimension (the first that has it)."""
        for keys in self.element_keys.values():
            if k in keys:
                return keys[k]
        return None


def read_dimensions(root, file) -> Dims:
    """The <dimensions> of a file."""
    names, elements, element_keys = {}, {}, {}
    for dims in children(root, "dimensions"):
        for d in children(dims, "dim"):
            name = d.get("name") or ""
            for c in d:
                if local(c.tag) not in ("elem", ""):
                    raise Unsupported(f"<{local(c.tag)}> in dimension '{name}'", file=file, element=name)
            elems = [e.get("name") or "" for e in children(d, "elem")]
            size = d.get("size") or ""
            if not elems and size.isdigit():
                if int(size) > MAX_ELEMENTS:
                    raise XmileError(f"dimension '{name}' has {int(size):,} elements; a dimension may have at "
                                     f"most {MAX_ELEMENTS:,}", file=file, element=name)
                elems = [str(i) for i in range(1, int(size) + 1)]
            if not name or not elems or not all(elems):
                raise XmileError(f"dimension '{name}' has no named elements", file=file)
            k = key(name)
            names[k] = identifier(name)
            ids = [e if e.isdigit() else identifier(e) for e in elems]
            elements[k] = ids
            element_keys[k] = {key(e): i for e, i in zip(elems, ids)}
    return Dims(names, elements, element_keys)


def dimensions_of(el, dims: Dims, file) -> tuple:
    """The dimension keys of a variable element (empty for a scalar)."""
    out = []
    for c in children(el, "dimensions"):
        for d in children(c, "dim"):
            name = d.get("name") or ""
            if key(name) not in dims.names:
                raise XmileError(f"dimension '{name}' is not declared in the file's <dimensions>",
                                 file=file, element=el.get("name"))
            out.append(key(name))
    n = 1
    for k in out:
        n *= len(dims.elements[k])
    if n > MAX_CELLS:
        raise XmileError(f"the variable has {n:,} elements; an array may have at most {MAX_CELLS:,}",
                         file=file, element=el.get("name"))
    return tuple(out)


def pieces(el, dim_keys: tuple, dims: Dims, file) -> list:
    """Per-element equations as (subscripts as element identifiers, equation text, <gf> or None)."""
    name = el.get("name")
    per = children(el, "element")
    if per:
        out = []
        for e in per:
            subs = [s.strip() for s in (e.get("subscript") or "").split(",")]
            if len(subs) != len(dim_keys):
                raise XmileError(f"<element subscript=\"{e.get('subscript')}\"> does not name one element for "
                                 f"each of the variable's {len(dim_keys)} dimensions", file=file, element=name)
            ids = []
            for s, d in zip(subs, dim_keys):
                ident = dims.element_keys[d].get(key(s))
                if ident is None:
                    raise XmileError(f"'{s}' is not an element of dimension '{dims.names[d]}'", file=file,
                                     element=name)
                ids.append(ident)
            extra = [local(c.tag) for c in e if local(c.tag) not in ("eqn", "gf", "")]
            if extra:
                raise Unsupported(f"<{extra[0]}> inside an array <element>", file=file, element=name)
            out.append((tuple(ids), text_of(child(e, "eqn")), child(e, "gf")))
        return out
    combos = list(itertools.product(*[dims.elements[d] for d in dim_keys]))
    eqns = [text_of(e) for e in children(el, "eqn")]
    if len(eqns) > 1:
        if len(eqns) != len(combos):
            raise XmileError(f"{len(eqns)} <eqn> for {len(combos)} array elements", file=file, element=name)
        return [(c, q, None) for c, q in zip(combos, eqns)]
    eqn = eqns[0] if eqns else ""
    parts = [p for row in eqn.split(";") for p in row.split(",")]
    if len(parts) > 1 and parts[-1].strip() == "" and ";" in eqn:     # a trailing ';' ends the last row
        parts = parts[:-1]
    if len(parts) > 1 and all(_NUMBER.match(p) for p in parts):
        if len(parts) != len(combos):
            raise XmileError(f"{len(parts)} values for {len(combos)} array elements", file=file, element=name)
        return [(c, p.strip(), None) for c, p in zip(combos, parts)]
    return []
