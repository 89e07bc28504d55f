"""Sweep benchmark of the flagship model (scenarios/default.yaml, 2021-2060, monthly steps).

Runs the sweep of scenarios/sweep-default.yaml as a Latin hypercube of 1,000, 10,000 and 100,000
runs (each size in a fresh process, written to a temporary HDF5 file) and prints runs per second
and peak memory (the sweep process, and its largest worker process).

    python benchmarks/sweep_flagship.py                  # 2 local worker processes
    python benchmarks/sweep_flagship.py --workers 1      # in-process
    python benchmarks/sweep_flagship.py --sizes 1000 10000

Targets: 100,000 runs in under 5 minutes (aim: under 1), peak memory under 2 GB, and the rate at
100,000 runs within 1.5x of the rate at 10,000 (cost linear in runs).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "sweep-default.yaml"


def one(n: int, workers: int, out: Path) -> dict:
    """Run one sweep of ``n`` runs in this process; returns its figures."""
    import engine
    from engine.frontends.yaml.yamlio import load_file
    data, _ = load_file(SPEC)
    data = dict(data, method="latin", samples=n, scenario=str(SPEC.parent / data["scenario"]))
    t0 = time.perf_counter()
    res = engine.sweep(data, output=out, workers=workers if workers > 1 else None, progress=False)
    elapsed = time.perf_counter() - t0
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return dict(runs=res.n_runs, seconds=elapsed, rate=res.n_runs / elapsed, chunk=res.attrs["chunk_size"],
                parent_mb=self_mb, worker_mb=child_mb if workers > 1 else 0.0,
                file_mb=Path(out).stat().st_size / 2 ** 20)


def main(argv=None) -> int:
    """Run the flagship sweep at each size; print runs per second and peak memory."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.workers, Path(args.out))))
        return 0
    print(f"flagship sweep benchmark: {SPEC.name} as a Latin hypercube, workers={args.workers}")
    print(f"{'runs':>8} {'seconds':>8} {'runs/s':>8} {'chunk':>6} {'parent MB':>10} {'worker MB':>10} "
          f"{'total MB':>9} {'file MB':>8}")
    rates = {}
    with tempfile.TemporaryDirectory() as d:
        for n in args.sizes:
            out = Path(d) / f"sweep-{n}.h5"
            p = subprocess.run([sys.executable, __file__, "--one", str(n), "--workers", str(args.workers),
                                "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
            if p.returncode:
                print(p.stderr, file=sys.stderr)
                return p.returncode
            r = json.loads(p.stdout.strip().splitlines()[-1])
            total = r["parent_mb"] + args.workers * r["worker_mb"] if args.workers > 1 else r["parent_mb"]
            rates[n] = r["rate"]
            print(f"{r['runs']:>8} {r['seconds']:>8.1f} {r['rate']:>8.0f} {r['chunk']:>6} {r['parent_mb']:>10.0f} "
                  f"{r['worker_mb']:>10.0f} {total:>9.0f} {r['file_mb']:>8.1f}", flush=True)
            out.unlink(missing_ok=True)
    if 10000 in rates and 100000 in rates:
        print(f"rate at 10,000 / rate at 100,000 = {rates[10000] / rates[100000]:.2f} (target <= 1.5)")
    print("total MB: the sweep process plus workers x the largest worker (an upper bound)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
