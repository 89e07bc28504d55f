"""Errors of the Vensim reader: every one names the file, the line and the element."""
from __future__ import annotations

from ...errors import ModelError


class VensimError(ModelError):
    """A .mdl file that does not parse, or names something it never defines."""


class Unsupported(VensimError):
    """A valid Vensim construct that carbonloop does not represent (refused, never approximated)."""

    def __init__(self, construct: str, *, file=None, line=None, element=None, hint=None):
        self.construct = construct
        super().__init__(f"unsupported Vensim construct: {construct}", file=file, line=line,
                         element=element, hint=hint)
