"""Sweep subcommands: sweep (run or resume a sweep) and sensitivity (indices and figures)."""
from __future__ import annotations

import time
from pathlib import Path

from . import add_backend


def register(sub):
    """Add the 'sweep' and 'sensitivity' subcommands."""
    p = sub.add_parser("sweep", help="run a parameter sweep into one HDF5 file (resumable)",
                       description="Run the sweep a spec describes (parameters, distributions, method, "
                                   "samples, seed, outputs). Results stream into one HDF5 file as chunks "
                                   "finish; re-running the same command resumes an interrupted sweep.")
    p.add_argument("spec", help="sweep spec YAML file (e.g. scenarios/sweep-default.yaml)")
    p.add_argument("-o", "--output", help="HDF5 file (default outputs/<sweep>/sweep.h5)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--workers", type=int, metavar="N", help="run chunks in N local processes")
    how.add_argument("--scheduler", metavar="ADDRESS", help="run chunks on the Dask scheduler at ADDRESS "
                                                            "(e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--dask", action="store_true", help="start a Dask LocalCluster (of --workers N, "
                                                        "default 2) and run on it")
    p.add_argument("--memory-mb", type=float, help="working memory per worker (sets the chunk size)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_backend(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("sensitivity", help="sensitivity indices and figures of a sweep",
                       description="Sobol (S1, ST with confidence intervals) or Morris (mu*, sigma) "
                                   "indices of every metric of a sweep, computed with SALib; printed, "
                                   "saved as CSV and inside the HDF5 file, with fan charts, index bars "
                                   "and scatter plots. Given a spec, runs (or resumes) its sweep first.")
    p.add_argument("source", help="a sweep's HDF5 file, or a sweep spec YAML")
    p.add_argument("-o", "--output", help="with a spec: the sweep's HDF5 file")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.set_defaults(func=cmd_sensitivity)


def cmd_sweep(args) -> int:
    """Run or resume a sweep, or say that it is already finished."""
    from ..sweeps import run_sweep
    t0 = time.perf_counter()
    res = run_sweep(args.spec, output=args.output, workers=args.workers, scheduler=args.scheduler,
                    dask=args.dask, progress=not args.no_progress, memory_mb=args.memory_mb,
                    backend=args.backend)
    elapsed = time.perf_counter() - t0
    if res.already_complete:
        print(f"sweep '{res.attrs.get('sweep')}' is already finished: {res.path} holds all its {res.n_runs:,} "
              "runs, from this spec and model; nothing was run and nothing written")
    else:
        print(f"sweep '{res.attrs.get('sweep')}': {res.method}, {res.n_runs:,} runs of "
              f"{len(res.parameters)} parameters in {elapsed:.1f} s")
        print(f"wrote {res.path}")
    if res.method in ("morris", "sobol") and res.metric_names:
        print(f"next: carbonloop sensitivity {res.path}")
    return 0


def cmd_sensitivity(args) -> int:
    """Sensitivity indices of a sweep (run first from a spec): print, save, draw."""
    from ..sweeps.analyse import analyse, table_text
    src = Path(args.source)
    if src.suffix.lower() in (".yaml", ".yml"):
        from ..sweeps import run_sweep
        src = run_sweep(src, output=args.output).path
    df = analyse(src, figures=not args.no_figures)
    print(f"sensitivity of '{src}' ({df['method'].iloc[0] if len(df) else '-'}):")
    print(table_text(df))
    for m in df.attrs.get("skipped", []):
        print(f"skipped metric '{m}': it does not vary, or is NaN in some runs (give it 'otherwise:')")
    for p in df.attrs.get("written", []):
        print(f"wrote {p}")
    return 0
