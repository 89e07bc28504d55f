"""Output paths made from names written inside files (scenario, sweep, figure names): a name is
one safe file-name component, so that no name can lead outside the output folder."""
from __future__ import annotations

import re
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")
OUTPUTS = Path("outputs")


def safe_component(name: str, default: str = "unnamed") -> str:
    """``name`` as one file-name component: path separators, '..' and other characters go."""
    text = _UNSAFE.sub("_", str(name)).strip("._") or default
    return text[:100]


def output_folder(name: str, suffix: str = "") -> Path:
    """outputs/<name><suffix>, with the name made safe."""
    return OUTPUTS / (safe_component(name) + suffix)


def run_folder(model) -> Path:
    """outputs/<scenario> for a YAML scenario; outputs/<name>-<format> for a model read from
    another format (so that teacup.xmile and teacup.yaml do not overwrite each other)."""
    suffix = Path(model.where.file or "").suffix.lower().lstrip(".")
    tag = "" if suffix in ("", "yaml", "yml") else f"-{safe_component(suffix)}"
    return output_folder(model.name, tag)
