"""Front ends: readers registered by file suffix, each turning a file into the shared ``Model``.

A reader is a module with ``read(path) -> Model`` (it ends with ``engine.model.assemble``);
adding a format is one more folder here and one more row in ``READERS``.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ModelError

if TYPE_CHECKING:
    from ..model import Model

# file suffix -> module of the reader
READERS = {
    ".yaml": "engine.frontends.yaml",
    ".yml": "engine.frontends.yaml",
    ".xmile": "engine.frontends.xmile",
    ".stmx": "engine.frontends.xmile",
    ".itmx": "engine.frontends.xmile",
    ".xml": "engine.frontends.xmile",
    ".mdl": "engine.frontends.vensim",
}


def read(path, data=None) -> Model:
    """Read a model file with the reader its suffix names; ``data`` is an external data file
    (Vensim models only)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ModelError(f"no reader for '{path.suffix or 'files without a suffix'}'", file=str(path),
                         hint="give a YAML scenario (.yaml), an XMILE model (.xmile, .stmx) or a Vensim model (.mdl)")
    if data is not None:
        if reader != "engine.frontends.vensim":
            raise ModelError("an external data file (--data) is read for Vensim models (.mdl) only",
                             file=str(path))
        return importlib.import_module(reader).read(path, data=data)
    return importlib.import_module(reader).read(path)
