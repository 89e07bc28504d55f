"""Running a sweep: spec -> samples -> chunks -> executor -> one streamed, resumable HDF5 file.

``run_sweep`` is the one implementation behind ``engine.sweep(...)`` and ``carbonloop sweep``.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..model.provenance import provenance
from ..outputs.paths import output_folder
from . import samplers, store
from .check import check_against, check_ranges
from .executors import ChunkRunner, Task, check_scheduler_address, executor_for
from .spec import load_spec

MIN_CHUNK = 2048            # runs: smaller chunks spend their time in per-step Python overhead
TARGET_CHUNKS = 8           # split smaller sweeps into about this many chunks (for parallel workers)


def default_output(spec) -> Path:
    """outputs/<sweep>/sweep.h5, the sweep's name made one safe folder name."""
    return output_folder(spec.name) / "sweep.h5"


def chunk_size(plan, n_runs: int, n_traj_times: int, spec, memory_mb: float) -> int:
    """Runs per chunk so that one chunk's working set fits in ``memory_mb``.

    A run of a chunk holds its saved records (steps x saved variables), a few arrays per model
    slot while stepping, and its kept trajectories and metrics on the way to the writer.
    """
    t = plan.time
    n_save = len(t.save_steps)
    per_run = 8 * (n_save * len(plan.saved) + 6 * len(plan.names)
                   + 2 * n_traj_times * len(spec.trajectories) + len(spec.metrics))
    by_memory = max(1, int(memory_mb * 2 ** 20 // per_run))
    by_count = max(MIN_CHUNK, math.ceil(n_runs / TARGET_CHUNKS))
    return max(1, min(by_memory, by_count, n_runs))


def trajectory_index(model_time, step) -> np.ndarray:
    """Which saved records the kept trajectories keep (every one, or every ``step`` time units)."""
    n_save = len(model_time.save_steps)
    saved_dt = model_time.dt * model_time.save_every
    stride = 1 if step is None else max(1, int(round(step / saved_dt)))
    return np.arange(0, n_save, stride)


def run_sweep(spec, output=None, workers: int | None = None, scheduler: str | None = None,
              dask: bool = False, progress=True, memory_mb: float | None = None,
              backend: str = "auto"):
    """Run (or resume) a sweep and return a ``SweepResult`` for its file.

    ``spec`` is a spec file path, YAML text or a mapping. Re-running with the same ``output``
    resumes from the chunks already written; a file from another spec there is an error.
    ``workers`` > 1 uses local processes; ``scheduler`` an existing Dask scheduler; ``dask=True``
    a Dask LocalCluster of ``workers`` workers. ``progress`` is True (a progress bar), False, or a
    function called as ``progress(runs_done, runs_total)`` each time a chunk is in the file.
    ``backend`` computes the runs (the kernel is compiled here once, so that workers load it from
    the disk cache).
    """
    from .result import SweepResult
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ModelError(f"the number of workers must be a positive whole number, not {workers!r}")
    if workers and scheduler:
        raise ModelError("give either --workers or --scheduler, not both",
                         hint="the scheduler's cluster decides how many workers run")
    if scheduler is not None:
        check_scheduler_address(scheduler)
    if memory_mb is not None and (isinstance(memory_mb, bool) or not isinstance(memory_mb, (int, float))
                                  or not 0 < memory_mb < math.inf):
        raise ModelError(f"the working memory (--memory-mb) must be a positive number of megabytes, "
                         f"not {memory_mb!r}"[:160])
    if dask and not scheduler:
        _refuse_unguarded_script()
    spec, loaded = prepare(spec)
    store.check_names(spec)
    digest = spec.digest(loaded.model.source_text)
    path = Path(output) if output else default_output(spec)
    state = store.check_target(path, digest)
    if state == "complete":
        res = SweepResult(path)
        res.already_complete = True
        return res
    unit, values = samplers.sample(spec)
    check_ranges(spec, loaded, values)
    plan = loaded.plan(spec.kept)
    t = loaded.model.time
    tindex = trajectory_index(t, spec.trajectory_step)
    batch = chunk_size(plan, len(values), len(tindex), spec, memory_mb or spec.memory_mb)
    if state == "partial" and backend == "auto":    # the rest of a sweep on the backend of its first chunks
        backend = store.recorded_backend(path) or backend
    kernel = loaded.kernel(spec.kept, backend, batch)      # compiled (or loaded) once, here
    runner = ChunkRunner(loaded.model, spec, tindex, kernel.backend)
    with executor_for(runner, workers, scheduler, dask) as ex:
        if state == "new":
            store.create(path, _layout(spec, loaded, unit, values, tindex, batch),
                         _attrs(spec, loaded, digest, len(values), batch, kernel.backend))
        writer = store.Writer(path)
        try:
            _drive(ex, writer, values, progress)
        finally:
            final = writer.finish()
    if final != path:
        raise ModelError(f"the sweep stopped before every chunk was written ({final})",
                         hint="re-run the same command to resume")
    return SweepResult(path)


def prepare(spec):
    """(checked spec, loaded scenario) of a sweep spec (a file path, YAML text, mapping or spec):
    the spec is read, its scenario loaded and the spec checked against it, once, for whatever
    runs it next (a sweep, dominance over its samples)."""
    from ..api import load
    spec = load_spec(spec)
    loaded = load(spec.scenario)
    return check_against(spec, loaded), loaded


def _refuse_unguarded_script():
    """A local Dask cluster's processes import the ``__main__`` script again: refuse to start from
    its top level (before anything is written) rather than let every worker start the sweep."""
    from .mainguard import unguarded_caller
    where = unguarded_caller()
    if where is not None:
        raise ModelError("this script starts a sweep on a local Dask cluster from its top level; the "
                         "cluster's worker processes would run the script, and the sweep, again",
                         file=where[0], line=where[1],
                         hint='put the sweep under \'if __name__ == "__main__":\' (or use workers= '
                              'without dask, which needs no guard)')


def _drive(ex, writer, values, progress):
    size, n = writer.chunk_size, writer.n_runs
    done = writer.done()
    tasks = [Task(i, i * size, values[i * size:(i + 1) * size]) for i in range(len(done)) if not done[i]]
    finished = sum(min(n, (i + 1) * size) - i * size for i in range(len(done)) if done[i])
    report = progress if callable(progress) else None
    bar = _bar(n, finished, progress and not report, ex.label)
    try:
        for out in ex.run(tasks):
            writer.write(out.index, out.trajectories, out.metrics)
            runs = min(n, (out.index + 1) * size) - out.index * size
            finished += runs
            if bar is not None:
                bar.update(runs)
            if report is not None:
                report(finished, n)
    finally:
        if bar is not None:
            bar.close()


def _bar(total, initial, progress, label):
    if not progress:
        return None
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="run", unit_scale=True, file=sys.stderr,
                desc=f"sweep ({label})", dynamic_ncols=True, smoothing=0.1)


def _layout(spec, loaded, unit, values, tindex, size) -> dict:
    t = loaded.model.time
    els = loaded.model.elements
    saved_times = t.start + np.array(t.save_steps, dtype=float) * t.dt
    metric_desc = {m.name: _describe(m, els) for m in spec.metrics}
    return dict(n_runs=len(values), n_chunks=math.ceil(len(values) / size), unit=unit, values=values,
                times=saved_times[tindex], time_units=t.units, parameters=spec.names,
                distributions=[p.describe() for p in spec.parameters],
                parameter_units=[els[n].units or "" for n in spec.names],
                trajectories=[(n, els[n].units, els[n].doc) for n in spec.trajectories],
                metrics=[(m.name, metric_desc[m.name]) for m in spec.metrics])


def _describe(m, els) -> str:
    if m.kind == "at":
        return f"{m.variable} at time {m.time:g}"
    if m.kind == "integral":
        return f"integral of {m.variable} from {m.start:g} to {m.stop:g}"
    return f"first time {m.text} holds (otherwise {m.otherwise:g})"


def _attrs(spec, loaded, digest, n_runs, size, backend) -> dict:
    prov = provenance(loaded.model)
    prov.pop("created", None)
    prov.update(sweep=spec.name, spec_text=spec.text, backend=backend, spec_hash=digest, spec_file=str(spec.file or ""),
                method=spec.method, samples=spec.samples, seed=spec.seed, n_runs=n_runs,
                chunk_size=size, levels=spec.levels, second_order=int(spec.second_order),
                varied=[[p.name, p.describe()] for p in spec.parameters],
                metrics=[m.name for m in spec.metrics], trajectories=list(spec.trajectories))
    return prov
