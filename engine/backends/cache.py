"""Compiled kernels on disk: generated modules written once under the user's cache directory and
imported from there, so that numba's own cache (beside each module) is found by later processes."""
from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from .source import CODE_LOCK


def cache_dir() -> Path:
    """$CARBONLOOP_CACHE, else <user cache>/carbonloop/kernels (a temporary folder when neither
    can be written)."""
    explicit = os.environ.get("CARBONLOOP_CACHE")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "carbonloop" / "kernels"
    for folder in ([Path(explicit)] if explicit else []) + [base]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / ".writable").touch()
            return folder
        except OSError:
            continue
    folder = Path(tempfile.gettempdir()) / "carbonloop-kernels"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_module(name: str, source: str):
    """Write ``source`` as <cache>/<name>.py unless it is already there, and import it (one
    thread at a time: a module is in sys.modules only once it has been executed)."""
    with CODE_LOCK:
        return _load(name, source)


def _load(name: str, source: str):
    if name in sys.modules:
        return sys.modules[name]
    path = cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
