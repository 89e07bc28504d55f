"""One HDF5 file per sweep, written chunk by chunk by one writer, resumable after a kill.

While a sweep runs its file is ``FILE.partial``; when every chunk is in, ``FILE`` is written from it
with the large datasets chunked along the run axis and compressed, and the partial file removed.
Every dataset is allocated (and filled with NaN) when the file is created, so writing a chunk
changes only raw data, never the file's structure: killing the writer at any moment leaves a file
whose completed chunks are intact. A chunk counts as done once its flag in ``chunk_done`` is set,
which happens after its data has been flushed.

Layout (netCDF-style, dimension scales ``run``, ``time``, ``parameter``, ``chunk``): one dataset per
varied parameter over ``run`` (the samples table, role=parameter), ``unit_samples`` over
(run, parameter) (the sampler's unit-cube positions), one dataset per kept trajectory over
(time, run), one per metric over ``run``, ``chunk_done`` over ``chunk``; provenance (spec text and
hash, scenario text, seed, versions, settings) as root attributes.
"""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np

from ..errors import ModelError
from ..results.hdf5 import LIBVER, safe_name, write_attrs

# datasets every sweep file holds besides its parameters, trajectories and metrics
OWN_DATASETS = frozenset({"run", "time", "parameter", "chunk", "chunk_done", "unit_samples", "sensitivity"})


def check_names(spec) -> None:
    """Every dataset a spec's sweep writes gets its own name: none of the file's own."""
    names = spec.names + list(spec.trajectories) + [m.name for m in spec.metrics]
    clash = next((n for n in names if safe_name(n) in OWN_DATASETS), None)
    if clash:
        line = next((x.line for x in list(spec.parameters) + list(spec.metrics) if x.name == clash), None)
        raise ModelError(f"'{clash}' is the name of one of the sweep file's own datasets "
                         f"({', '.join(sorted(OWN_DATASETS))})", file=spec.file, line=line, element=clash,
                         hint="rename the metric" if clash in [m.name for m in spec.metrics] else
                         "rename the model's element, or keep it through a metric of another name")


def partial_path(path: Path) -> Path:
    """FILE.partial: where a sweep writes until every chunk is in."""
    return path.with_name(path.name + ".partial")


def _spec_hash(path: Path) -> str | None:
    try:
        with h5py.File(path, "r") as f:
            return str(f.attrs.get("spec_hash", ""))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise in_use(path) from None
        return None


def recorded_backend(path: Path) -> str | None:
    """The backend a partial sweep's chunks were computed with (None when not recorded)."""
    with h5py.File(partial_path(path), "r") as f:
        value = f.attrs.get("backend")
    return str(value) if value else None


def in_use(path) -> ModelError:
    """The error for a sweep file another process holds open."""
    return ModelError(f"{path} is open in another process (a sweep still running?); nothing was touched",
                      hint="wait for it to finish, or stop it and re-run this command to resume")


def check_target(path: Path, digest: str) -> str:
    """'new', 'partial' (resume) or 'complete'; a file from another sweep is an error."""
    part = partial_path(path)
    for p in (path, part):
        if not p.exists():
            continue
        found = _spec_hash(p)
        if found is None:
            raise ModelError(f"{p} exists and is not a sweep file; nothing was overwritten",
                             hint="choose another output with -o, or move that file away")
        if found != digest:
            raise ModelError(f"{p} holds a different sweep (spec hash {found[:12]}, this spec "
                             f"{digest[:12]}); nothing was overwritten",
                             hint="the spec or the model changed since that file was written: "
                                  "choose another output with -o, or delete the old file to start again")
    if path.exists():
        return "complete"
    return "partial" if part.exists() else "new"


def _early(shape, dtype=np.float64):
    """A dataset creation property list that allocates (and fills) storage at creation."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    dcpl.set_fill_time(h5py.h5d.FILL_TIME_ALLOC)
    return dict(shape=shape, dtype=dtype, dcpl=dcpl, fillvalue=np.nan if dtype == np.float64 else 0)


def create(path: Path, layout: dict, attrs: dict, block: int = 65536):
    """Write the skeleton of a sweep file (samples table included) as ``FILE.partial``."""
    part = partial_path(path)
    tmp = part.with_name(part.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    n, n_chunks = layout["n_runs"], layout["n_chunks"]
    unit, values = layout["unit"], layout["values"]
    with h5py.File(tmp, "w", libver=LIBVER) as f:
        run = f.create_dataset("run", data=np.arange(n, dtype=np.int64))
        run.make_scale("run")
        tim = f.create_dataset("time", data=np.asarray(layout["times"], dtype=float))
        tim.make_scale("time")
        tim.attrs["units"] = layout.get("time_units", "")
        par = f.create_dataset("parameter", data=np.array(layout["parameters"], dtype=object),
                               dtype=h5py.string_dtype())
        par.make_scale("parameter")
        chk = f.create_dataset("chunk", data=np.arange(n_chunks, dtype=np.int64))
        chk.make_scale("chunk")
        done = f.create_dataset("chunk_done", **_early((n_chunks,), np.uint8))
        done.dims[0].attach_scale(chk)
        done.attrs["description"] = "1 once every run of the chunk is written"
        u = f.create_dataset("unit_samples", **_early((n, len(layout["parameters"]))))
        u.dims[0].attach_scale(run)
        u.dims[1].attach_scale(par)
        u.attrs["description"] = "sampler positions in the unit cube (quantiles of each distribution)"
        for name, desc, units in zip(layout["parameters"], layout["distributions"], layout["parameter_units"]):
            d = f.create_dataset(safe_name(name), **_early((n,)))
            d.dims[0].attach_scale(run)
            write_attrs(d, {"role": "parameter", "long_name": name, "distribution": desc, "units": units})
        for i in range(0, n, block):
            u[i:i + block] = unit[i:i + block]
            for j, name in enumerate(layout["parameters"]):
                f[safe_name(name)][i:i + block] = values[i:i + block, j]
        for name, units, doc in layout["trajectories"]:
            d = f.create_dataset(safe_name(name), **_early((len(layout["times"]), n)))
            d.dims[0].attach_scale(tim)
            d.dims[1].attach_scale(run)
            write_attrs(d, {"role": "trajectory", "long_name": name, "units": units or "",
                            "description": doc or ""})
        for name, desc in layout["metrics"]:
            d = f.create_dataset(safe_name(name), **_early((n,)))
            d.dims[0].attach_scale(run)
            write_attrs(d, {"role": "metric", "long_name": name, "description": desc})
        write_attrs(f, dict(attrs, created=datetime.now(UTC).isoformat(timespec="seconds")))
    os.replace(tmp, part)


class Writer:
    """The single writer of a sweep file: marks chunks done as their data lands."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.part = partial_path(self.path)
        try:
            self.f = h5py.File(self.part, "r+")
        except OSError:
            raise in_use(self.part) from None
        self.chunk_size = int(self.f.attrs["chunk_size"])
        self.n_runs = int(self.f.attrs["n_runs"])

    def done(self) -> np.ndarray:
        """Which chunks are complete (bool per chunk)."""
        return self.f["chunk_done"][...] == 1

    def write(self, index: int, trajectories: dict, metrics: dict):
        """Write one chunk's trajectories and metrics, then mark the chunk done."""
        a = index * self.chunk_size
        b = min(self.n_runs, a + self.chunk_size)
        for name, arr in trajectories.items():
            self.f[safe_name(name)][:, a:b] = arr
        for name, arr in metrics.items():
            self.f[safe_name(name)][a:b] = arr
        self.f.flush()
        self.f["chunk_done"][index] = 1
        self.f.flush()

    def close(self):
        """Close the file (the completed chunks stay marked)."""
        if self.f:
            self.f.close()
            self.f = None

    def finish(self) -> Path:
        """Close, and once every chunk is done write ``FILE`` compressed from ``FILE.partial``."""
        complete = bool(self.done().all())
        self.close()
        if complete:
            repack(self.part, self.path)
            self.part.unlink()
        return self.path if complete else self.part


_SCALE_ATTRS = ("CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST")


def repack(src: Path, dst: Path, level: int = 1):
    """Copy a finished sweep file into ``dst`` with its large datasets chunked along the run axis
    and compressed (shuffle + deflate, which every HDF5 and netCDF reader decodes); dimension
    scales and attributes are kept. Written beside ``dst`` and moved into place at the end, so a
    kill during the copy leaves the complete ``FILE.partial`` to finish from."""
    tmp = dst.with_name(dst.name + ".packing")
    with h5py.File(src, "r") as fi, h5py.File(tmp, "w", libver=LIBVER) as fo:
        scales = [n for n, d in fi.items() if d.attrs.get("CLASS") == b"DIMENSION_SCALE"]
        for name, d in fi.items():
            if name in scales or d.size < 4096 or d.dtype.kind not in "fiu":
                out = fo.create_dataset(name, data=d[...], dtype=d.dtype)
            else:
                runs = d.shape[-1]
                chunks = d.shape[:-1] + (min(runs, max(1, 2 ** 20 // (8 * int(np.prod(d.shape[:-1]))))),)
                out = fo.create_dataset(name, data=d[...], dtype=d.dtype, chunks=chunks, shuffle=True,
                                        compression="gzip", compression_opts=level)
            for k, v in d.attrs.items():
                if k not in _SCALE_ATTRS:
                    out.attrs[k] = v
            if name in scales:
                out.make_scale(name)
        for name, d in fi.items():
            for i, dim in enumerate(d.dims):
                for scale in dim.values():
                    fo[name].dims[i].attach_scale(fo[scale.name.lstrip("/")])
        for k, v in fi.attrs.items():
            fo.attrs[k] = v
    os.replace(tmp, dst)


def read_samples(path) -> tuple[list, np.ndarray, np.ndarray, dict]:
    """(parameter names, unit positions, values, root attributes) of a sweep file."""
    with h5py.File(path, "r") as f:
        names = [s.decode() if isinstance(s, bytes) else str(s) for s in f["parameter"][...]]
        unit = f["unit_samples"][...]
        vals = np.column_stack([f[safe_name(n)][...] for n in names]) if names else np.empty((0, 0))
        attrs = {k: _attr(v) for k, v in f.attrs.items()}
    return names, unit, vals, attrs


def _attr(v):
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v.item() if isinstance(v, np.generic) else v


def names_by_role(path, role: str) -> list:
    """Long names of the datasets with a role ('parameter', 'trajectory', 'metric')."""
    with h5py.File(path, "r") as f:
        found = [str(d.attrs.get("long_name", k)) for k, d in f.items()
                 if isinstance(d, h5py.Dataset) and d.attrs.get("role") == role]
        order = _attr(f.attrs.get({"metric": "metrics", "trajectory": "trajectories"}.get(role, ""), "[]"))
    return [n for n in order if n in found] + [n for n in found if n not in order]
