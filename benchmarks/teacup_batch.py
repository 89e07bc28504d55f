"""Teacup sweep: the engine's batch run beside a hand-written numpy loop over the same runs.

A one-stock goal-seeking model (30 minutes, dt 0.125, Euler), characteristic time varied over
the runs. Both sides compute and record the same two trajectories (temperature and heat loss),
and the script checks that their numbers are identical before timing them.

    python benchmarks/teacup_batch.py [--repeats 9]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import engine

ROOT = Path(__file__).resolve().parents[1]


def hand_loop(ct: np.ndarray, room=70.0, t0=180.0, dt=0.125, n=240) -> np.ndarray:
    """The teacup integrated by a numpy loop written by hand, over the runs' characteristic times."""
    temp = np.full(ct.shape, t0)
    out = np.empty((n + 1, 2, ct.size))
    for k in range(n + 1):
        loss = (temp - room) / ct
        out[k, 0] = temp
        out[k, 1] = loss
        if k == n:
            break
        temp = temp - dt * loss
    return out


def median_time(fn, repeats):
    """The median of ``repeats`` timings of ``fn()``, in seconds."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None):
    """Time the engine against the hand-written loop at 1,000 and 100,000 runs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args(argv)
    model = engine.load(ROOT / "scenarios" / "teacup.yaml")
    model.plan()                               # compile once, as a sweep would
    print(f"{'runs':>8} {'engine (ms)':>12} {'hand loop (ms)':>15} {'ratio':>7}")
    for n in (1_000, 100_000):
        ct = np.random.default_rng(1).uniform(5, 20, n)
        res = model.run(params={"characteristic_time": ct})
        assert np.array_equal(res.data, hand_loop(ct)), "engine and hand loop disagree"
        te = median_time(lambda ct=ct: model.run(params={"characteristic_time": ct}), args.repeats)
        th = median_time(lambda ct=ct: hand_loop(ct), args.repeats)
        print(f"{n:>8} {te * 1e3:>12.2f} {th * 1e3:>15.2f} {te / th:>7.2f}")


if __name__ == "__main__":
    main()
