"""Dominance in HDF5: a group 'dominance' beside (or without) a run's trajectories.

The group is laid out like the engine's result files (dimension scales ``loop``, ``time``, ``bin``,
``run``, ``link``; strings as variable-length text), so that
``xarray.open_dataset(path, group="dominance", engine="h5netcdf")`` reads it without this package.
"""
from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from ..results.hdf5 import LIBVER, write_attrs

TEXT = h5py.string_dtype()


def _scale(g, name, values, dtype=None):
    d = g.create_dataset(name, data=np.asarray(values, dtype=dtype))
    d.make_scale(name)
    return d


def _put(g, name, data, dims, scales, **attrs):
    compress = {"compression": "gzip", "compression_opts": 4} if np.size(data) > 4096 else {}
    d = g.create_dataset(name, data=data, **compress)
    for i, dim in enumerate(dims):
        d.dims[i].attach_scale(scales[dim])
    for k, v in attrs.items():
        d.attrs[k] = v
    return d


def _loop_table(g, d, scales):
    cols = {"label": [lp.label for lp in d.loops], "name": [lp.name for lp in d.loops],
            "polarity": [lp.polarity for lp in d.loops],
            "path": [" -> ".join(lp.elements) for lp in d.loops]}
    for k, v in cols.items():
        _put(g, k, np.array(v, dtype=object).astype(TEXT), ("loop",), scales)
    _put(g, "partition", np.array([lp.partition for lp in d.loops], dtype=np.int64), ("loop",), scales)
    _put(g, "confidence", np.array([lp.confidence for lp in d.loops]), ("loop",), scales,
         description="polarity confidence |P - N| / (P + N) of the relative scores")
    _put(g, "importance", np.array([lp.importance for lp in d.loops]), ("loop",), scales,
         description="mean magnitude of the relative loop score over bins and runs")


def write_group(f, d, name="dominance"):
    """Write the analysis ``d`` as group ``name`` of an open h5py file."""
    g = f.create_group(name)
    scales = {"loop": _scale(g, "loop", np.arange(len(d.loops)), np.int64),
              "bin": _scale(g, "bin", d.spans[:, 0], float),
              "run": _scale(g, "run", np.arange(d.n_runs), np.int64)}
    _loop_table(g, d, scales)
    _put(g, "bin_end", d.spans[:, 1], ("bin",), scales)
    _put(g, "binned_relative_score", d.signed, ("loop", "bin", "run"), scales,
         description="mean relative loop score over the bin (signed: + reinforcing, - balancing)")
    _put(g, "binned_magnitude", d.magnitude, ("loop", "bin", "run"), scales,
         description="mean magnitude of the relative loop score over the bin")
    _put(g, "dominant", d.dominant.astype(np.int8), ("loop", "bin", "run"), scales,
         description="1 when the loop is in the smallest set explaining half the change")
    if d.relative is not None:
        scales["time"] = _scale(g, "time", d.times, float)
        scales["link"] = _scale(g, "link", np.arange(len(d.links)), np.int64)
        _put(g, "relative_score", d.relative, ("loop", "time", "run"), scales)
        _put(g, "loop_score", d.scores, ("loop", "time", "run"), scales)
        _put(g, "link_score", d.link_scores, ("link", "time", "run"), scales)
        for k in ("source", "target", "kind"):
            _put(g, f"link_{k}", np.array([getattr(lk, k) for lk in d.links], dtype=object).astype(TEXT),
                 ("link",), scales)
    for p, v in d.params.items():
        _put(g, f"parameter__{p}", np.asarray(v, float), ("run",), scales, role="parameter")
    write_attrs(g, {"model": d.model_name, "every": "" if d.every is None else float(d.every),
                    "time_units": d.time_units or "",
                    "discovery": json.dumps([vars(f) for f in d.found], default=str)})
    return g


def write_dominance(d, path, result=None) -> str:
    """Write ``d`` (and, if given, the run's ``result`` at the root) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if result is not None:
        result.to_hdf5(path)
        mode = "a"
    else:
        mode = "w"
    with h5py.File(path, mode, libver=LIBVER) as f:
        if "dominance" in f:
            del f["dominance"]
        write_group(f, d)
    return str(path)
