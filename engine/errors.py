"""Errors that speak the modeller's language: file, line, element and what to do."""
from __future__ import annotations


class ModelError(Exception):
    """A problem with a model, scenario or run that the modeller can fix.

    The CLI prints ``str(error)`` and exits with status 2; no traceback.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 element: str | None = None, hint: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.element = element
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = str(self.file) + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            where = f"line {self.line}: "
        what = f"in '{self.element}': " if self.element else ""
        text = f"{where}{what}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ModelErrors(ModelError):
    """Several problems found in one pass (e.g. every bad equation of a file)."""

    def __init__(self, errors: list[ModelError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class SimulationError(ModelError):
    """Something went wrong while a model was running (NaN, infinity, failed check)."""


class ModelWarning(UserWarning):
    """Something that runs but probably not as the modeller meant (e.g. a delay shorter than dt)."""
