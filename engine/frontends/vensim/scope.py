"""Where a Vensim name is looked up: a macro call's locals first, then the model's names."""
from __future__ import annotations


class Scope:
    """Where names are looked up: a macro call's locals first, then the model's names."""

    def __init__(self, local: dict | None = None, prefix: str = ""):
        self.local = local or {}
        self.prefix = prefix
