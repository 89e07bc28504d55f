"""XMILE names -> carbonloop identifiers (case-insensitive; '_', space and newline alike)."""
from __future__ import annotations

import re

from ...lang.names import is_reserved

_SPACE = re.compile(r"(?:\\n|[\s_])+")
_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]")
_ELEMENT = re.compile(r"^(.*)\[([^\[\],]+)\]$")


def key(name: str) -> str:
    """The comparison key of an XMILE name: lower case, runs of '_'/space/newline as one space,
    each part of a module path (``hares._births``, ``"Hare Pop".births``) folded on its own, as
    the flattened keys are; a part may be quoted, and a dot inside quotes separates nothing."""
    name = name.replace('\\"', '"')
    parts: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in name:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return ".".join(_fold(p) for p in parts)


def _fold(part: str) -> str:
    if part.startswith('"') and part.endswith('"') and len(part) > 1:
        part = part[1:-1]
    return _SPACE.sub(" ", part).strip().lower()


def identifier(name: str) -> str:
    """A carbonloop identifier for an XMILE name (its case kept; other characters as '_').

    Module paths ``a.b`` become ``a__b``; array elements ``v[a]`` become ``v__a``.
    """
    m = _ELEMENT.match(name)
    if m:
        return identifier(m.group(1)) + "__" + identifier(m.group(2))
    parts = [_SPACE.sub(" ", p).strip() for p in name.split(".")] if "." in name else [name]
    out = []
    for p in parts:
        p = _SPACE.sub(" ", p).strip().replace(" ", "_")
        p = _NOT_IDENT.sub("_", p).strip("_") or "v"
        if p[0].isdigit():
            p = "v_" + p
        out.append(p)
    return "__".join(out)


class Names:
    """The names of one (flattened) model: XMILE key -> identifier, unique per model."""

    def __init__(self):
        self.ids: dict = {}
        self.used: set = set()

    def add(self, name: str) -> str:
        """Register an XMILE name; returns its carbonloop identifier."""
        k = key(name)
        if k in self.ids:
            return self.ids[k]
        ident = identifier(name)
        base, n = ident, 2
        while ident.lower() in self.used or is_reserved(ident):
            ident = f"{base}_{n}"
            n += 1
        self.used.add(ident.lower())
        self.ids[k] = ident
        return ident

    def get(self, name: str) -> str | None:
        """The identifier of a registered XMILE key, or None."""
        return self.ids.get(key(name))

    def __contains__(self, name: str) -> bool:
        return key(name) in self.ids
