"""The one error hierarchy: errors that speak the modeller's language (file, line, element, what
to do), a collector that reports every problem of a file at once, and the internal-error report.

- ``ModelError``: a problem with a model, scenario, spec or request that the modeller can fix;
  the command line prints it and exits with status 2.
- ``SimulationError``: something went wrong while a model ran (NaN, infinity, a failed check).
- ``ModelWarning``: runs, but probably not as the modeller meant.
Anything else escaping the engine is a defect: ``report_internal_error`` writes the traceback to
a file and the command line says where, exiting with status 3.
"""
from __future__ import annotations

import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path


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
        first = self.errors[0] if self.errors else None
        super().__init__("\n".join(str(e) for e in self.errors), file=getattr(first, "file", None))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class SimulationError(ModelError):
    """Something went wrong while a model was running (NaN, infinity, failed check)."""


class ModelWarning(UserWarning):
    """Something that runs but probably not as the modeller meant (e.g. a delay shorter than dt)."""


class Collector:
    """Collects the problems of one file so that all of them are reported at once."""

    def __init__(self, file: str | None = None):
        self.file = file
        self.errors: list[ModelError] = []

    def error(self, message: str, line: int | None = None, element: str | None = None,
              hint: str | None = None, file: str | None = None) -> None:
        """Record one problem."""
        self.errors.append(ModelError(message, file=file or self.file, line=line, element=element,
                                      hint=hint))

    def check(self) -> None:
        """Raise every recorded problem together, if there are any."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ModelErrors(self.errors)


def report_internal_error(exc: BaseException) -> Path:
    """Write the traceback of an unexpected exception to a report file; returns its path."""
    folder = Path(os.environ.get("CARBONLOOP_REPORTS") or Path(tempfile.gettempdir()) / "carbonloop")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    fd, name = tempfile.mkstemp(prefix=f"internal-error-{stamp}-", suffix=".txt", dir=folder)
    from . import __version__
    with os.fdopen(fd, "w") as f:
        f.write(f"carbonloop {__version__}, Python {sys.version.split()[0]}\n")
        f.write(f"command: {' '.join(sys.argv)}\n\n")
        f.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return Path(name)
