"""XMILE macros (<macro>): parameters, an equation, and optionally variables of their own.

A call to a macro is inlined: its parameters become the call's arguments; a macro with stocks
gets a fresh, hidden copy of its variables at every call.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import XmileError
from .flatten import Var, _var, _variables
from .names import key
from .xml import child, children, text_of


@dataclass
class Macro:
    """A macro definition, not yet translated."""
    key: str
    name: str
    params: tuple           # parameter keys, in order
    eqn: str
    variables: tuple        # Var records, names unqualified


def read_macros(root, file: str, defaults: dict) -> dict:
    """The file's macros by key."""
    out = {}
    for m in children(root, "macro"):
        name = m.get("name") or ""
        if not name:
            raise XmileError("a <macro> without a name", file=file)
        params = tuple(key(text_of(p)) for p in children(m, "parm"))
        eqn = text_of(child(m, "eqn"))
        variables = tuple(_var(v, "", "", file, defaults) for v in _variables(m)
                          if v.tag.rsplit("}", 1)[-1] in ("stock", "flow", "aux", "gf"))
        if not eqn:
            raise XmileError("a macro needs an <eqn>", file=file, element=name)
        out[key(name)] = Macro(key(name), name, params, eqn, variables)
    return out


__all__ = ["Macro", "read_macros", "Var"]
