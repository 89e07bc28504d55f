"""Errors of the XMILE importer: every one names the file, the variable and the construct."""
from __future__ import annotations

from ...errors import ModelError


class XmileError(ModelError):
    """A file that is not XML, not XMILE, or has an equation that does not parse."""


class Unsupported(XmileError):
    """A valid XMILE construct that carbonloop cannot represent (never silently dropped)."""

    def __init__(self, construct: str, *, file=None, element=None, hint=None):
        self.construct = construct
        super().__init__(f"unsupported XMILE construct: {construct}", file=file, element=element,
                         hint=hint)
