"""The calibration's checkpoint: the state of every finished stage and of the running search, written
atomically after each generation, so that Ctrl-C or a kill loses at most one generation and the same
command resumes. A checkpoint from another spec, data or model is never resumed. Every write also
records the work done so far (model evaluations, seconds), so that a resumed calibration counts the
work of the calls before it, however they ended."""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import ModelError

EVERY = 1.0         # seconds between two writes of a step repeated many times (a generation)


class Checkpoint:
    """A small key -> value store in one .npz file (arrays as arrays, the rest as JSON)."""

    def __init__(self, path, digest: str, fresh: bool = False, every: float | None = None):
        self.path = Path(path)
        self.digest = digest
        self.every = EVERY if every is None else every
        self.last = -float("inf")
        self.data = {}
        if self.path.exists() and not fresh:
            self.data = self._read()
            if self.data.get("digest") != digest:
                raise ModelError("the output folder holds a calibration of another spec, data or model",
                                 file=str(self.path),
                                 hint="use another output folder, or --fresh to start this one over")
        self.data["digest"] = digest
        # a function giving values written with every checkpoint (the work done so far)
        self.totals: Callable[[], dict] | None = None

    def _read(self) -> dict:
        try:
            with np.load(self.path, allow_pickle=False) as z:
                out = {}
                for k in z.files:
                    out[k] = json.loads(str(z[k])) if k.startswith("json:") else z[k]
                return {k.removeprefix("json:"): v for k, v in out.items()}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the checkpoint: {exc}", file=str(self.path),
                             hint="delete it (or pass --fresh) to start over") from None

    def get(self, key, default=None):
        """A saved value, or ``default``."""
        return self.data.get(key, default)

    def __contains__(self, key):
        return key in self.data

    def put(self, often: bool = False, **items) -> bool:
        """Store items and write the file (atomically: a temporary file, then a rename). With
        ``often`` (a step repeated many times) the write waits until ``every`` seconds have
        passed since the last one; True when the file was written."""
        self.data.update(items)
        if often and time.monotonic() - self.last < self.every:
            return False
        if self.totals is not None:         # written with the state they count, so a kill keeps both
            self.data.update(self.totals())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for k, v in self.data.items():
            if isinstance(v, np.ndarray):
                arrays[k] = v
            else:
                arrays["json:" + k] = np.array(json.dumps(v, default=_plain))
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(tmp, **arrays)  # type: ignore[arg-type]  # numpy's stub types the keywords as its own options
        os.replace(tmp, self.path)
        self.last = time.monotonic()
        return True


def _plain(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"cannot store {type(x).__name__} in a checkpoint")
