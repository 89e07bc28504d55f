"""XMILE (.xmile) and Stella (.stmx) import and export."""
from __future__ import annotations

SUFFIXES = (".xmile", ".stmx", ".xml", ".itmx")


def read(path):
    """Import an XMILE or .stmx file as a carbonloop ``Model``."""
    from .reader import read as _read
    return _read(path)


def write(model, path, **kw):
    """Export a carbonloop ``Model`` to XMILE; returns the notes on what the file leaves out."""
    from .writer import write as _write
    return _write(model, path, **kw)


def is_xmile(path) -> bool:
    from pathlib import Path
    return Path(path).suffix.lower() in SUFFIXES
