"""Reading one field of a YAML file: equations, numbers, flags and lists, each checked, each
error recorded with the file, line and element so that a file's problems are reported together."""
from __future__ import annotations

import math

from ... import lang as ex
from ...errors import Collector
from ...model.check import is_finite_number, too_large
from .yamlio import LDict

TRUE = {"true", "yes", "on"}
FALSE = {"false", "no", "off"}


def line_of(mapping, key) -> int | None:
    """The line of ``key`` in a mapping read from YAML (None when unknown)."""
    return mapping.line_of(key) if isinstance(mapping, LDict) else getattr(mapping, "line", None)


def file_of(mapping, key, default: str | None) -> str | None:
    """The file ``key`` came from (scenarios merged by 'extends' span several files)."""
    return mapping.file_of(key, default) if isinstance(mapping, LDict) else default


class Fields(Collector):
    """A collector of one file's problems, with readers for the kinds of field it holds."""

    def parse(self, text, line, element, what="equation", file=None):
        """An equation as a syntax tree, or None (the error is recorded)."""
        if isinstance(text, (list, dict)):
            self.error(f"the {what} must be text or a number, not a {'list' if isinstance(text, list) else 'mapping'}",
                       line, element, file=file)
            return None
        huge = too_large(text)
        if huge:
            self.error(f"the {what}: {huge}", line, element, file=file)
            return None
        try:
            return ex.parse(text)
        except ex.ExprSyntaxError as e:
            kind = "forbidden construct" if e.forbidden else "syntax error"
            self.error(f"{kind} in {what} '{ex.excerpt(text, e.pos)}' at column {e.pos + 1}: {e.message}", line,
                       element, file=file)
            return None

    def number(self, value, line, element, what, file=None):
        """A finite number (or constant arithmetic such as 1/12), or None."""
        if isinstance(value, bool) or isinstance(value, (list, dict)) or value is None:
            self.error(f"{what} must be a number, not {value!r}"[:200], line, element, file=file)
            return None
        if isinstance(value, (int, float)) and not is_finite_number(value):
            self.error(f"{what} must be a finite number" + (f": {too_large(value)}" if too_large(value) else
                                                           f", got {value}"), line, element, file=file)
            return None
        if isinstance(value, (int, float)):
            v = float(value)
        else:
            node = self.parse(value, line, element, what, file=file)
            if node is None:
                return None
            try:
                v = ex.constant(node)
            except ValueError:
                self.error(f"{what} must be a number, got '{value}'", line, element, file=file)
                return None
        if not math.isfinite(v):
            self.error(f"{what} must be a finite number, got {value!r}", line, element, file=file)
            return None
        return v

    def flag(self, value, line, element, what, file=None) -> bool:
        """true/false (also yes/no and the same words quoted); anything else is an error."""
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        self.error(f"{what} must be true or false, not {value!r}"[:200], line, element, file=file)
        return False

    def names(self, value, line, element, what, file=None) -> tuple:
        """A list of names (a single name is a list of one)."""
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.error(f"{what} must be a list of names", line, element, file=file)
        return ()

    def mapping(self, value, line, what, file=None) -> dict:
        """A mapping (empty when absent); anything else is an error."""
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        self.error(f"'{what}' must be a mapping (name: value, ...), not a {type(value).__name__}", line,
                   file=file)
        return {}
