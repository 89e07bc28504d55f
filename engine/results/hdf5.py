"""HDF5 output (h5py) laid out with dimension scales, so netCDF tools and xarray read it directly.

Layout: dimension scales ``time`` and ``run``; one dataset per saved variable over (time, run)
with ``units`` and ``description`` attributes; one dataset per parameter over (run); provenance
(scenario text, parameters, versions, integration settings) as root attributes. An arrayed
variable whose cells are all saved is one dataset over (time, its dimensions, run), and an arrayed
parameter one over (its dimensions, run), each dimension a scale holding its element names; their
cells are not repeated as datasets of their own (``xarray``: ``ds["s"].sel(cell="3")``).
"""
from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from ..lang.names import stored_name

# the file format's versions (HDF5 1.8 to 1.10): 1.8's dense attribute storage lets a dimension scale
# list any number of variables attached to it (the earliest format holds about 4,000, so a model of
# many cells failed to write), and every netCDF-4 and xarray reader of the last decade reads it
LIBVER = ("v108", "v110")


def safe_name(name: str) -> str:
    """HDF5/netCDF-friendly variable name (hidden engine names use ':', '/' is a path); the model
    stage refuses element names that would meet another name here."""
    return stored_name(name)


def make_dims(f: h5py.File, times, n_runs, run_chunk=None):
    """Create the dimension scales ``time`` and ``run`` of a file."""
    t = f.create_dataset("time", data=np.asarray(times, float))
    t.make_scale("time")
    r = f.create_dataset("run", data=np.arange(n_runs, dtype=np.int64), maxshape=(None,),
                         chunks=(run_chunk or max(1, min(n_runs, 4096)),))
    r.make_scale("run")
    return t, r


def write_attrs(obj, attrs: dict):
    """Write attributes (anything but text and numbers as JSON)."""
    for k, v in attrs.items():
        obj.attrs[k] = v if isinstance(v, (str, int, float)) else json.dumps(v, default=str)


def _write_arrays(f, result, tdim, rdim, compress) -> set:
    """The arrayed variables saved whole and the arrayed parameters, one dataset each over their
    dimensions (scales holding the element names); returns the cells so written."""
    scales: dict = {}

    def scale(d, e):
        if d not in scales:
            s = f.create_dataset(safe_name(d), data=np.array(e, dtype=h5py.string_dtype()))
            s.make_scale(safe_name(d))
            scales[d] = s
        return scales[d]
    written: set = set()
    for name, (dims, elements, cells) in getattr(result, "saved_arrays", {}).items():
        d = f.create_dataset(safe_name(name), data=result[name], **compress)
        d.dims[0].attach_scale(tdim)
        for i, (dim, e) in enumerate(zip(dims, elements)):
            d.dims[i + 1].attach_scale(scale(dim, e))
        d.dims[len(dims) + 1].attach_scale(rdim)
        _describe(d, result, name)
        written.update(cells)
    for name, (dims, elements, cells) in result.param_arrays.items():
        d = f.create_dataset(safe_name(name), data=result.param_values(name))
        for i, (dim, e) in enumerate(zip(dims, elements)):
            d.dims[i].attach_scale(scale(dim, e))
        d.dims[len(dims)].attach_scale(rdim)
        d.attrs["role"] = "parameter"
        _describe(d, result, name)
        written.update(cells)
    return written


def _describe(d, result, name) -> None:
    d.attrs["units"] = result.units.get(name, "") or ""
    d.attrs["description"] = result.docs.get(name, "") or ""
    d.attrs["long_name"] = getattr(result, "labels", {}).get(name) or name


def write_result(result, path) -> str:
    """Write a ``Result`` to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".partial")
    try:
        _write(result, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return str(path)


def _write(result, tmp: Path) -> None:
    n_t, _, n_r = result.data.shape
    with h5py.File(tmp, "w", libver=LIBVER) as f:
        tdim, rdim = make_dims(f, result.times, n_r)
        tdim.attrs["units"] = getattr(result, "time_units", "") or ""
        compress = dict(compression="gzip", compression_opts=4) if n_r * n_t > 4096 else {}
        written = _write_arrays(f, result, tdim, rdim, compress)    # an array's cells are in its dataset
        for i, name in enumerate(result.names):
            if name in written:
                continue
            d = f.create_dataset(safe_name(name), data=result.data[:, i, :], **compress)
            d.dims[0].attach_scale(tdim)
            d.dims[1].attach_scale(rdim)
            _describe(d, result, name)
        for name, v in result.params.items():
            if name in written:
                continue
            d = f.create_dataset(safe_name(name), data=np.broadcast_to(np.asarray(v, float), (n_r,)))
            d.dims[0].attach_scale(rdim)
            d.attrs["role"] = "parameter"
            _describe(d, result, name)
        write_attrs(f, result.provenance)
