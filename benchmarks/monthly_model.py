"""A 40-year monthly model of about 50 elements: one run, and a batch of 10,000 runs.

The model (generated below) is a market of three regions, each with a stock of adopters,
a smoothed price signal, a learning curve on cumulative output and a capacity pipeline;
regions share a price. It stands in for models of the flagship's size in timing.

    python benchmarks/monthly_model.py
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import engine

REGION = """
  adopters_{i}: {{initial: {a0}, inflows: [adoption_{i}], outflows: [discard_{i}]}}
  cumulative_{i}: {{initial: 10, inflows: [output_{i}]}}
  capacity_{i}: {{initial: 5, inflows: [build_{i}]}}"""
REGION_FLOWS = """
  adoption_{i}: "(p_{i} + q * adopters_{i} / market_{i}) * (market_{i} - adopters_{i}) * attractiveness_{i}"
  discard_{i}: adopters_{i} / lifetime
  output_{i}: "min(capacity_{i}, adoption_{i} * 0.05)"
  build_{i}: "delay3(max(0, desired_capacity_{i} - capacity_{i}) / 2, build_time)"
"""
REGION_AUX = """
  cost_{i}: "cost0 * (cumulative_{i} / 10) ^ (-b)"
  perceived_price_{i}: "smooth(price * (1 + 0.1 * {i}), 1.5)"
  attractiveness_{i}: "effect(perceived_price_{i} / cost_{i})"
  desired_capacity_{i}: "adoption_{i} * 0.06"
"""


def model_text(regions=3):
    """The YAML of a monthly model of ``regions`` regions."""
    stocks = "".join(REGION.format(i=i, a0=10 * (i + 1)) for i in range(regions))
    flows = "".join(REGION_FLOWS.format(i=i) for i in range(regions))
    aux = "".join(REGION_AUX.format(i=i) for i in range(regions))
    params = "".join(f"\n  p_{i}: {{value: {0.01 + 0.002 * i}, range: [0, 0.1]}}"
                     f"\n  market_{i}: {{value: {1000 * (i + 1)}, range: [1, 1e6]}}" for i in range(regions))
    return f"""
scenario: monthly
time: {{start: 2021, stop: 2061, dt: 1/12, method: euler}}
stocks:{stocks}
  price: {{initial: 50, inflows: [price_change]}}
flows:{flows}
  price_change: "price * (demand_index - 1) / 3"
auxiliaries:{aux}
  demand_index: "({' + '.join(f'adopters_{i} / market_{i}' for i in range(regions))}) / {regions} + 0.5"
parameters:
  q: {{value: 0.4, range: [0, 1]}}
  lifetime: {{value: 14.5, range: [5, 30]}}
  build_time: {{value: 3, range: [0.5, 10]}}
  cost0: {{value: 150, range: [50, 500]}}
  b: {{value: 0.3, range: [0, 1]}}{params}
lookups:
  effect: {{points: [[0, 0.2], [0.5, 0.5], [1, 1], [2, 1.5], [4, 1.8]]}}
"""


def main():
    """Time the monthly model: compile, one run, batches of 10,000 runs."""
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "monthly.yaml"
        p.write_text(model_text())
        m = engine.load(p)
        visible = len(m.model.elements)
        expanded = len(m.plan().model.elements)
        singles = []
        for _ in range(15):
            t = time.perf_counter()
            m.run()
            singles.append(time.perf_counter() - t)
        t = time.perf_counter()
        m2 = engine.load(p)
        m2.run()
        cold = time.perf_counter() - t
        n = 10_000
        q = np.random.default_rng(0).uniform(0.2, 0.6, n)
        batch, kept = [], []
        keep = ["price", "adopters_0", "cost_0", "capacity_0"]
        for _ in range(3):
            t = time.perf_counter()
            m.run(params={"q": q})
            batch.append(time.perf_counter() - t)
            t = time.perf_counter()
            m.run(params={"q": q}, keep=keep)
            kept.append(time.perf_counter() - t)
    print(f"model: {visible} elements ({expanded} with SMOOTH/DELAY stages), 480 monthly steps")
    print(f"one run (compiled): median {statistics.median(singles) * 1e3:.1f} ms")
    print(f"one run from the YAML file (load + compile + run): {cold * 1e3:.0f} ms")
    for label, times in (("every variable saved", batch), (f"{len(keep)} variables saved", kept)):
        med = statistics.median(times)
        print(f"batch of {n:,} runs, {label}: median {med:.2f} s ({n / med:,.0f} runs/s)")


if __name__ == "__main__":
    main()
