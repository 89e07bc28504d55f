"""Outputs stage for one run: the HDF5 file, the summary table and the scenario's figures.

A scenario's optional ``report:`` section names what to show::

    report:
      summary: [carbon_price, ssb_maturity]     # rows of the printed table
      years: [2025, 2030, 2040, 2060]          # its columns
      figures:
        - {name: price, title: Carbon price, variables: [carbon_price], ylabel: yuan/t}
Without it, the table and a figure show every visible stock.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np


def _visible_stocks(loaded):
    return [e.name for e in loaded.model.elements.values() if e.kind == "stock" and not e.hidden]


def summary_spec(loaded, result):
    """The summary table's variables and years (the report's, or the visible stocks at four times)."""
    rep = loaded.model.report
    names = [n for n in (rep.summary or _visible_stocks(loaded)) if n in result]
    t = result.times
    years = list(rep.years) or list(np.linspace(t[0], t[-1], 4))
    years = [y for y in years if t[0] - 1e-9 <= y <= t[-1] + 1e-9]
    return names, years


def summary_table(loaded, result) -> str:
    """A plain-text table of key values (run 0) at the report years."""
    names, years = summary_spec(loaded, result)
    if not names:
        return ""
    width = max(len(n) for n in names) + 2
    units = {n: loaded.model.elements[n].units for n in names if n in loaded.model.elements}
    head = f"{'variable':<{width}}" + "".join(f"{y:>12g}" for y in years) + "  units"
    lines = [head, "-" * len(head)]
    marked = just_after_events(loaded, result, years)
    notes = []
    for n, vals in result.summary(names, years):
        cells = []
        for y, v in zip(years, vals):
            ev = marked.get((n, y))
            cells.append(f"{v:>11.4g}*" if ev else f"{v:>12.4g}")
            if ev:
                k = int(np.argmin(np.abs(result.times - y)))
                before = f"; one saved step earlier, at {result.times[k - 1]:.6g}: {result[n][k - 1, 0]:.4g}" \
                    if k > 0 else ""
                notes.append(f"* {n} at {y:g}: the value just after event '{ev}' applied at that time{before}")
        lines.append(f"{n:<{width}}" + "".join(cells) + f"  {units.get(n, '')}")
    return "\n".join(lines + notes)


def just_after_events(loaded, result, years) -> dict:
    """{(variable, year): event} where an event that sets the variable (a settlement emptying a
    stock, ...) applied at the saved time the table reads for that year: the table shows the value
    the run records there, which is the value after the event."""
    log = result.provenance.get("events_applied") or []
    targets = {ev.name: {a.target for a in ev.actions} for ev in loaded.model.events}
    out: dict = {}
    for y in years:
        t = float(result.times[int(np.argmin(np.abs(result.times - y)))])
        for time, name, _ in log:
            if abs(float(time) - t) <= 1e-9 * max(1.0, abs(t)):
                for target in targets.get(name, ()):
                    out.setdefault((target, y), name)
    return out


STAGING = ".writing-"        # prefix of the hidden folder a run's outputs are written into
LOCK = "in-use"             # file inside it that the writing process holds locked
UNLOCKED_STALE_S = 3600     # a staging folder without a lock file is stale after this long


def write_outputs(loaded, result, h5_path, figures=True) -> list:
    """Write the HDF5 file and (optionally) the figures beside it; returns the paths written.

    Everything is first written into a hidden folder beside the target and moved into place only
    once all of it is written, so a failure part-way leaves earlier results as they were. The
    writing process holds a lock on that folder; folders left by a killed run (nobody holds their
    lock) are removed the next time outputs are written there."""
    h5_path = Path(h5_path)
    folder = h5_path.parent
    _check_target(h5_path)
    made = [p for p in [folder, *folder.parents] if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(folder)
        staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=folder))
    except OSError as exc:
        from ..errors import ModelError
        raise ModelError(f"cannot write into {folder}: {exc.strerror}", file=str(h5_path),
                         hint="choose another output folder with -o") from None
    lock = _hold(staging)
    try:
        staged = [Path(result.to_hdf5(staging / h5_path.name))]
        if figures:
            from .figures import report_figures
            staged += [Path(p) for p in report_figures(loaded, result, staging)]
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for p in made:              # the folders this call created, innermost first
            try:
                p.rmdir()
            except OSError:
                break
        raise
    finally:
        if lock is not None:
            lock.close()
    written = []
    for p in staged:
        target = folder / p.name
        os.replace(p, target)
        written.append(str(target))
    shutil.rmtree(staging, ignore_errors=True)
    return written


def _check_target(h5_path: Path) -> None:
    """The results file must be a file path: not a folder, not inside a file."""
    from ..errors import ModelError
    if h5_path.is_dir():
        raise ModelError("the output path is a folder", file=str(h5_path),
                         hint=f"give a file name, e.g. -o {h5_path / 'results.h5'}")
    for p in h5_path.parents:
        if p.exists() and not p.is_dir():
            raise ModelError(f"the output path goes through {p}, which is a file, not a folder",
                             file=str(h5_path))


def _hold(staging: Path):
    """Open and lock ``staging``'s lock file for as long as this process writes there (the
    lock goes with the process, however it ends); None where file locks are not available."""
    try:
        import fcntl
    except ImportError:         # pragma: no cover - not on POSIX
        return None
    f = open(staging / LOCK, "w")      # noqa: SIM115 - held open until the outputs are in place
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return f


def remove_stale_staging(folder: Path) -> list:
    """Remove the hidden staging folders in ``folder`` that no process is writing into (left by
    a run that was killed); returns the folders removed. A folder whose lock file is held, or
    that has no lock file yet (just made by a run about to lock it), is left alone."""
    try:
        import fcntl
    except ImportError:         # pragma: no cover - not on POSIX
        return []
    removed = []
    for staging in folder.glob(STAGING + "*"):
        try:
            f = open(staging / LOCK, "r+")      # noqa: SIM115 - closed below
        except OSError:
            if _age_s(staging) > UNLOCKED_STALE_S:      # left by a version that did not lock
                shutil.rmtree(staging, ignore_errors=True)
                removed.append(staging)
            continue
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()               # a live run holds it
            continue
        shutil.rmtree(staging, ignore_errors=True)
        f.close()
        removed.append(staging)
    return removed


def _age_s(p: Path) -> float:
    import time
    try:
        return time.time() - p.stat().st_mtime
    except OSError:
        return 0.0
