"""Vensim names: case-insensitive, spaces and underscores alike, optionally in double quotes.

``key`` gives the comparison key of a name as written; ``Names`` gives each key one identifier
the engine accepts (ASCII letters, digits and '_', unique per model), keeping the name as the
modeller wrote it for messages and outputs.
"""
from __future__ import annotations

import re

from ...lang.dialect import FORBIDDEN_WORDS
from ...lang.names import is_reserved
from ...lang.vensim import key, unquote
from ..xmile.names import identifier

_SPACE = re.compile(r"[\s_]+")
__all__ = ["Names", "key", "unquote"]


class Names:
    """Vensim key -> engine identifier (and the name as first written), unique per model."""

    def __init__(self):
        self.ids: dict = {}
        self.labels: dict = {}
        self.used: set = set()

    def add(self, name: str) -> str:
        """Register a name; returns its identifier."""
        k = key(name)
        if k in self.ids:
            return self.ids[k]
        plain = _SPACE.sub(" ", unquote(name)).strip()
        if k == "noise seed":           # the seed of the model's random functions
            plain = "noise_seed"
        ident = identifier("".join(c if c.isascii() else f"_u{ord(c):x}_" for c in plain))
        base, n = ident, 2
        while ident.lower() in self.used or is_reserved(ident) or ident.lower() in FORBIDDEN_WORDS:
            ident = f"{base}_{n}"
            n += 1
        self.used.add(ident.lower())
        self.ids[k] = ident
        self.labels[ident] = unquote(name)
        return ident

    def get(self, name: str) -> str | None:
        """The identifier of a registered name, or None."""
        return self.ids.get(key(name))

    def __contains__(self, name: str) -> bool:
        return key(name) in self.ids
