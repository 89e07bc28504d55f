"""Arrays at scale: a 2-D arrayed stock chain loaded, compiled and run at growing sizes.

The model: ``stock[row, col]`` fed by an inflow that reads the stock of the previous row (a chain
along ``row``), drained in proportion, 20 years at dt 0.25. For each size it prints the time to
load (read, resolve the arrays into cells, check), to prepare the kernel (plan and compile, with
an empty kernel cache), to run once, and the run's cost per cell and step, on each backend asked.

    python benchmarks/arrays.py [--sizes 10 30 100] [--backends numpy numba] [--model random]

``--model random`` runs the same chain drawing random numbers in every cell (``RANDOM``); its
figures before and after random draws grouped into blocks are in docs/engine.md (numba, load +
prepare at 100 x 100: 0.57 + 8.37 s, load average 2.8; before, not finished after 300 s).

Arrays are resolved into cells at assembly and grouped back into blocks in the plan
(docs/engine.md): the kernels' code, and so numba's compile time, does not grow with the number of
cells, while load and plan time still do (the model and plan stages handle each cell in Python;
the cells of an equation are written from one template, so what is the same in every cell is done
once). "prepare" is plan + compile + a first run; "plan" is the part of it spent compiling the plan.

Measured (``--sizes 10 100 300 --backends numba``, 2 cores shared, load average 2.8-2.9): load +
prepare 0.04 + 3.17 s at 10 x 10, 0.88 + 4.16 s at 100 x 100, 5.42 + 15.08 s at 300 x 300 (plan
11.29 s of it); per cell and step at 300 x 300 numba 13.6 ns. The code before and after the plan's
per-template shortcuts one right after the other (load average 1.2-1.5): 0.04 + 3.61 s and 0.04 +
3.08 s at 10 x 10, 7.06 + 21.52 s and 5.95 + 17.57 s at 300 x 300 (plan 15.52 s and 13.47 s); the
code before templates: 13.09 + 25.27 s (docs/engine.md, Performance).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import engine

MODEL = """scenario: chain-{n}
time: {{start: 0, stop: 20, dt: 0.25}}
dimensions:
  row: {n}
  col: {n}
stocks:
  stock[row, col]: {{initial: 1, inflows: [inflow], outflows: [outflow]}}
flows:
  inflow[row, col]: 0.1 + (if row > 1 then 0.3 * upstream else 0)
  outflow[row, col]: stock * rate[col]
auxiliaries:
  upstream[row, col]: stock[row - 1, col]
parameters:
  rate[col]: 0.2
"""

# the same chain drawing random numbers in every cell (``--model random``): a random start value,
# three distributions, one with a per-element exception, one inside a SMOOTH
RANDOM = """scenario: random-{n}
time: {{start: 0, stop: 20, dt: 0.25, noise_seed: 1}}
dimensions:
  row: {n}
  col: {n}
stocks:
  stock[row, col]: {{initial: 'RANDOM UNIFORM(0, 2, 0)', inflows: [inflow], outflows: [outflow]}}
flows:
  inflow[row, col]: 0.1 + shock + smooth(RANDOM NORMAL(-1, 1, 0, 0.3, 0), 2)
  outflow[row, col]: stock * rate[col]
auxiliaries:
  shock[row, col]:
    equation: RANDOM POISSON(0, 10, 0.5, 0, 0.1, 0)
    elements: {{"1, 1": 'RANDOM EXPONENTIAL(0, 5, 0, 0.2, 0)'}}
parameters:
  rate[col]: 0.2
"""
MODELS = {"chain": MODEL, "random": RANDOM}


def measure(n: int, backend: str, folder: Path, model: str = "chain") -> dict:
    """Load, prepare and run the n x n model (``MODELS``) on one backend; seconds."""
    path = folder / f"{model}-{n}.yaml"
    path.write_text(MODELS[model].format(n=n))
    t0 = time.perf_counter()
    m = engine.load(path)
    t1 = time.perf_counter()
    m.plan(keep=[f"stock[{n},{n}]"])
    tp = time.perf_counter()
    m.run(backend=backend, keep=[f"stock[{n},{n}]"])          # (plan) + compile + a first run
    t2 = time.perf_counter()
    runs = []
    for _ in range(3):
        s = time.perf_counter()
        m.run(backend=backend, keep=[f"stock[{n},{n}]"])
        runs.append(time.perf_counter() - s)
    run = sorted(runs)[1]
    steps = 80
    return dict(load=t1 - t0, prepare=t2 - t1, plan=tp - t1, run=run, per_cell_step=run / (n * n * steps))


def main() -> None:
    """Print the table for the sizes and backends asked."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 100])
    ap.add_argument("--backends", nargs="+", default=["numpy", "numba"])
    ap.add_argument("--model", choices=sorted(MODELS), default="chain")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CARBONLOOP_CACHE"] = str(Path(tmp) / "kernels")      # every compile from scratch
        print(f"{'size':>9} {'cells':>7} {'backend':>8} {'load s':>8} {'prepare s':>10} {'(plan s)':>9} "
              f"{'run s':>8} {'ns/cell-step':>13}")
        for n in args.sizes:
            for b in args.backends:
                r = measure(n, b, Path(tmp), args.model)
                print(f"{n:>4} x {n:<3} {n * n:>7,} {b:>8} {r['load']:>8.2f} {r['prepare']:>10.2f} "
                      f"{r['plan']:>9.2f} {r['run']:>8.4f} {r['per_cell_step'] * 1e9:>13.1f}", flush=True)


if __name__ == "__main__":
    main()
