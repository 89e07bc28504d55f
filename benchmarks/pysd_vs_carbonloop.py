"""PySD against carbonloop on the same XMILE files (not a test; run by hand).

    python benchmarks/pysd_vs_carbonloop.py [--runs 1000] [--pysd-runs 50]

(a) one run of teacup and of the flagship's export; (b) a sweep of teacup over its characteristic
time: PySD as a loop of run(params=...), carbonloop as one batch; (c) the same sweep as a
hand-written numpy Euler loop vectorised over the runs (the practical limit). PySD's loop is timed
on --pysd-runs runs and scaled to --runs (its cost per run is flat).
"""
from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import engine
from engine.outputs.xmile import write

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, repeat=3):
    """The shortest of ``repeat`` timings of ``fn()``, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def hand_loop(ct, t0=0.0, t1=30.0, dt=0.125, room=70.0, temp0=180.0):
    """Teacup by hand: Euler over all runs at once, saving every step."""
    n = int(round((t1 - t0) / dt))
    out = np.empty((n + 1, len(ct)))
    temp = np.full(len(ct), temp0)
    for k in range(n + 1):
        out[k] = temp
        temp = temp - dt * (temp - room) / ct
    return out


def main(argv=None) -> int:
    """Time PySD and carbonloop on the same models; print both and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--pysd-runs", type=int, default=50)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    import pysd
    tmp = Path(tempfile.mkdtemp())
    teacup = tmp / "teacup.xmile"
    write(engine.load(ROOT / "scenarios" / "teacup.yaml").model, teacup)
    files = {"teacup": teacup}
    try:
        flag = tmp / "flagship.xmile"
        write(engine.load(ROOT / "scenarios" / "default.yaml").model, flag)
        files["flagship"] = flag
        print("flagship export: complete (events and checks included)")
    except engine.ModelError as e:
        print(f"flagship: not exported ({str(e).splitlines()[0]})")

    print("\n(a) one run (best of 3, model already loaded/compiled)")
    for name, path in files.items():
        pm = pysd.read_xmile(str(path))
        cl = engine.load(path)
        cl.run()            # compile once
        tp = best_of(pm.run)
        tc = best_of(cl.run)
        print(f"  {name:<9} PySD {tp * 1e3:8.1f} ms   carbonloop {tc * 1e3:7.1f} ms   ratio {tp / tc:6.1f}x")

    print(f"\n(b, c) teacup sweep over characteristic_time, {args.runs} runs")
    ct = np.linspace(5, 20, args.runs)
    pm = pysd.read_xmile(str(teacup))
    t0 = time.perf_counter()
    for v in ct[:args.pysd_runs]:
        pm.run(params={"characteristic_time": float(v)})
    t_pysd = (time.perf_counter() - t0) * args.runs / args.pysd_runs
    cl = engine.load(teacup)
    keep = ["teacup_temperature"]         # what the hand loop saves too
    cl.run(params={"characteristic_time": ct}, keep=keep)
    t_cl = best_of(lambda: cl.run(params={"characteristic_time": ct}, keep=keep), 5)
    t_all = best_of(lambda: cl.run(params={"characteristic_time": ct}), 5)
    t_hand = best_of(lambda: hand_loop(ct), 5)
    r = cl.run(params={"characteristic_time": ct})
    err = np.max(np.abs(r["teacup_temperature"] - hand_loop(ct)))
    print(f"  PySD loop     {t_pysd:9.3f} s  (timed on {args.pysd_runs} runs, scaled)")
    print(f"  carbonloop    {t_cl:9.4f} s  (one batch; max difference from the hand loop {err:.1e})")
    print(f"  carbonloop    {t_all:9.4f} s  (saving every variable, as PySD does)")
    print(f"  numpy by hand {t_hand:9.4f} s")
    print(f"  carbonloop vs PySD loop: {t_pysd / t_cl:8.0f}x faster (target >= 500x)")
    print(f"  carbonloop vs hand loop: {t_cl / t_hand:8.2f}x the time (target <= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
