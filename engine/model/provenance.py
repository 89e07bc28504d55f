"""What a reader needs to reproduce a run: scenario text, parameters, versions, settings."""
from __future__ import annotations

import functools
import platform
import subprocess
from dataclasses import asdict
from pathlib import Path


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the engine's source when it runs from a git checkout ('' otherwise)."""
    here = Path(__file__).resolve().parents[2]
    if not (here / ".git").exists():
        return ""
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def provenance(model) -> dict:
    """Provenance of a model (the time of a run is added when it runs)."""
    import numpy

    from .. import __version__
    out = {
        "scenario": model.name,
        "scenario_text": model.source_text,
        "parameters": {n: e.value for n, e in model.elements.items() if e.kind == "parameter"},
        "time_settings": asdict(model.time),
        "engine": "carbonloop",
        "engine_version": __version__,
        "numpy_version": numpy.__version__,
        "python_version": platform.python_version(),
    }
    commit = git_commit()
    if commit:
        out["engine_commit"] = commit
    return out
