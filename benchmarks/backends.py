"""The numpy and numba backends side by side, from one invocation.

    python benchmarks/backends.py                       # everything (about 10 minutes on 2 cores)
    python benchmarks/backends.py --only single teacup  # some of it

Figures (each measured in fresh processes where a cache or an import would blur it):
- single: one flagship run (scenarios/default.yaml, 2021-2060 monthly, every variable saved),
  warm: the median of --repeats runs after a first one;
- compile: the flagship kernel made in a fresh process with an empty kernel cache (numba
  compiles; numpy generates and compiles its Python), and made again in a second fresh process
  that finds the cache (the numba import itself is given apart);
- sweep: flagship sweeps (the parameters of scenarios/sweep-default.yaml as a Latin hypercube)
  of 1,000 and 100,000 runs with 2 worker processes, each size in a fresh process;
- teacup: a batch of 1,000 and of 100,000 teacup runs against the hand-written numpy loop
  (benchmarks/teacup_batch.py) computing and recording the same two trajectories;
- big: making the kernel of a generated model of 5,000 elements (1,000 stocks);
- agree: the largest relative difference between the backends over every saved variable of every
  flagship scenario (Euler and RK4), the tutorial's models, the closed-form test models and every
  XMILE conformance model that runs (balance-check residuals left out: rounding-sized in both).

Targets: a flagship run <= 0.5 ms warm; first compile <= 10 s, cached load <= 1 s;
100,000 flagship runs <= 5 s on 2 cores; the teacup batch of 100,000 faster than the hand loop.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "default.yaml"
BACKENDS = ("numpy", "numba")


def child(code: str, env: dict | None = None) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON line last."""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, **(env or {})))
    if p.returncode:
        raise SystemExit(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def single(repeats: int) -> dict:
    """Milliseconds of one warm flagship run, per backend (median)."""
    import engine
    m = engine.load(FLAGSHIP)
    out = {}
    for b in BACKENDS:
        m.run(backend=b)
        times = []
        for _ in range(repeats if b == "numba" else max(3, repeats // 10)):
            t = time.perf_counter()
            m.run(backend=b)
            times.append(time.perf_counter() - t)
        out[b] = statistics.median(times) * 1e3
    return out


KERNEL = """
import json, time
t0 = time.perf_counter()
import numba
t1 = time.perf_counter()
import engine
m = engine.load({path!r})
plan = m.plan()
t2 = time.perf_counter()
m.kernel(backend={backend!r})
t3 = time.perf_counter()
print(json.dumps({{"import_numba": t1 - t0, "kernel": t3 - t2}}))
"""


def compile_times(path=FLAGSHIP) -> dict:
    """Seconds to make the kernel with an empty cache and from the cache, and to import numba."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {"CARBONLOOP_CACHE": cache}
        for b in BACKENDS:
            first = child(KERNEL.format(path=str(path), backend=b), env)
            second = child(KERNEL.format(path=str(path), backend=b), env)
            out[b] = (first["kernel"], second["kernel"], second["import_numba"])
    return out


SWEEP = """
import json, time
from pathlib import Path
import engine
from engine.frontends.yaml.yamlio import load_file

def main():
    spec = Path({spec!r})
    data, _ = load_file(spec)
    data = dict(data, method="latin", samples={n}, scenario=str(spec.parent / data["scenario"]))
    engine.load(data["scenario"]).kernel(backend={backend!r})     # compiled or loaded first
    t = time.perf_counter()
    engine.sweep(data, output={out!r}, workers=2, progress=False, backend={backend!r})
    print(json.dumps({{"seconds": time.perf_counter() - t}}))

if __name__ == "__main__":
    main()
"""


def sweep(sizes) -> dict:
    """Seconds of flagship sweeps of each size with 2 workers, per backend."""
    out = {}
    spec = ROOT / "scenarios" / "sweep-default.yaml"
    with tempfile.TemporaryDirectory() as d:
        for n in sizes:
            for b in BACKENDS:
                script = Path(d) / f"sweep_{b}_{n}.py"
                script.write_text(SWEEP.format(spec=str(spec), n=n, backend=b, out=str(Path(d) / f"{b}{n}.h5")))
                p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT)
                if p.returncode:
                    raise SystemExit(p.stderr)
                out[(b, n)] = json.loads(p.stdout.strip().splitlines()[-1])["seconds"]
    return out


def teacup(repeats: int) -> dict:
    """Seconds of teacup batches per backend and of the hand-written loop (medians)."""
    import numpy as np

    import engine
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from teacup_batch import hand_loop, median_time
    m = engine.load(ROOT / "scenarios" / "teacup.yaml")
    out = {}
    for n in (1_000, 100_000):
        ct = np.random.default_rng(1).uniform(5, 20, n)
        for b in BACKENDS:
            res = m.run(params={"characteristic_time": ct}, backend=b)
            assert np.array_equal(res.data, hand_loop(ct)), f"{b} and the hand loop disagree"
            out[(b, n)] = median_time(lambda ct=ct, b=b: m.run(params={"characteristic_time": ct}, backend=b), repeats)
        out[("hand", n)] = median_time(lambda ct=ct: hand_loop(ct), repeats)
    return out


def big_model(path: Path, units: int = 1000) -> Path:
    """A generated model of 5 x ``units`` elements: chained stocks seeking moving targets."""
    lines = ["scenario: generated", "time: {start: 0, stop: 50, dt: 0.25}", "stocks:"]
    lines += [f"  s{i}: {{initial: {i % 7 + 1}, inflows: [f{i}]}}" for i in range(units)]
    lines.append("flows:")
    lines += [f"  f{i}: (g{i} - s{i}) / p{i} + 0.01 * s{(i - 1) % units}" for i in range(units)]
    lines.append("auxiliaries:")
    lines += [f"  g{i}: h{i} * (1 + 0.1 * sin(time / {i % 5 + 1}))" for i in range(units)]
    lines += [f"  h{i}: max(s{(i + 3) % units}, 1) ^ 0.5 + min(p{i}, 3)" for i in range(units)]
    lines.append("parameters:")
    lines += [f"  p{i}: {{value: {2 + i % 3}, range: [1, 10]}}" for i in range(units)]
    path.write_text("\n".join(lines) + "\n")
    return path


def rel_diff(a, b) -> tuple:
    """(pointwise, scaled): the largest |a - b| / |b|, and the largest |a - b| over the variable's
    largest magnitude in the run (the measure that does not blow up where a variable nears 0)."""
    import numpy as np
    with np.errstate(all="ignore"):
        point = np.abs(a - b) / np.maximum(np.abs(b), 1e-300)
        scale = np.abs(a - b) / np.maximum(np.abs(b).max(axis=0, keepdims=True), 1e-300)
    return float(np.nanmax(point, initial=0.0)), float(np.nanmax(scale, initial=0.0))


def agreement() -> dict:
    """Largest numba-vs-numpy relative difference per family of models, and where it was."""
    import engine
    from engine.errors import ModelError
    families = {"flagship scenarios (euler, rk4)": [], "tutorial": [], "closed forms": [], "conformance": []}
    for f in sorted((ROOT / "scenarios").glob("*.yaml")):
        try:
            m = engine.load(f)
        except ModelError:
            continue        # a sweep or calibration spec
        for method in ("euler", "rk4"):
            families["flagship scenarios (euler, rk4)"].append((f"{f.stem} {method}", m.with_time(method=method)))
    sys.path.insert(0, str(ROOT / "tests"))
    import test_tutorial
    from test_closed_forms import CASES
    with tempfile.TemporaryDirectory() as d:
        for i, text in enumerate(test_tutorial.blocks()):       # saved as the tutorial says
            path = Path(d) / ("market.yaml" if i == 0 else f"market-floor{'' if i == 1 else i}.yaml")
            path.write_text(text)
            try:
                families["tutorial"].append((path.stem, engine.load(path)))
            except ModelError:
                pass
        for name, (text, _, _) in CASES.items():
            for method in ("euler", "rk4"):
                path = Path(d) / f"{name}_{method}.yaml"
                path.write_text(text.replace("DT", "0.05").replace("METHOD", method))
                families["closed forms"].append((f"{name} {method}", engine.load(path)))
        out = {}
        for fam, models in families.items():
            out[fam] = _worst(models)
    models = []
    for f in sorted((ROOT.parent / "shared" / "test-models").rglob("*")):
        if f.suffix in (".xmile", ".stmx"):
            try:
                models.append((f.parent.name + "/" + f.name, engine.load(f)))
            except ModelError:
                pass
    out["conformance"] = _worst(models)
    return out


def _worst(models) -> tuple:
    from engine.errors import ModelError
    worst, scaled, where, count = 0.0, 0.0, "", 0
    for name, m in models:
        try:
            a, b = m.run(backend="numba", check=False), m.run(backend="numpy", check=False)
        except ModelError:
            continue
        count += 1
        # a balance check's residual is rounding-sized (1e-16) in both: its difference is not compared
        cols = [i for i, n in enumerate(a.names) if not n.startswith("check:")]
        point, scale = rel_diff(a.data[:, cols], b.data[:, cols])
        scaled = max(scaled, scale)
        if point >= worst:
            worst, where = point, name
    return worst, scaled, where, count


def main(argv=None) -> int:
    """Measure and print the figures asked for."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=["single", "compile", "sweep", "teacup", "big", "agree"])
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--sweep-sizes", type=int, nargs="+", default=[1_000, 100_000])
    args = ap.parse_args(argv)
    todo = args.only or ["single", "compile", "sweep", "teacup", "big", "agree"]
    print(f"{'figure':<48}{'numpy':>12}{'numba':>12}")
    if "single" in todo:
        s = single(args.repeats)
        print(f"{'flagship run, warm (ms, median)':<48}{s['numpy']:>12.2f}{s['numba']:>12.2f}", flush=True)
    if "compile" in todo:
        c = compile_times()
        print(f"{'flagship kernel, empty cache (s)':<48}{c['numpy'][0]:>12.2f}{c['numba'][0]:>12.2f}")
        print(f"{'flagship kernel, from the cache (s)':<48}{c['numpy'][1]:>12.2f}{c['numba'][1]:>12.2f}")
        print(f"{'  (import numba in that process, s)':<48}{'':>12}{c['numba'][2]:>12.2f}", flush=True)
    if "sweep" in todo:
        w = sweep(args.sweep_sizes)
        for n in args.sweep_sizes:
            print(f"{f'flagship sweep, {n:,} runs, 2 workers (s)':<48}{w[('numpy', n)]:>12.1f}"
                  f"{w[('numba', n)]:>12.1f}", flush=True)
    if "teacup" in todo:
        tc = teacup(max(3, args.repeats // 5))
        for n in (1_000, 100_000):
            label = f"teacup batch of {n:,} (ms; hand loop {tc[('hand', n)] * 1e3:.1f} ms)"
            print(f"{label:<48}{tc[('numpy', n)] * 1e3:>12.1f}{tc[('numba', n)] * 1e3:>12.1f}")
            print(f"{'  ratio to the hand loop':<48}{tc[('numpy', n)] / tc[('hand', n)]:>12.2f}"
                  f"{tc[('numba', n)] / tc[('hand', n)]:>12.2f}", flush=True)
    if "big" in todo:
        with tempfile.TemporaryDirectory() as d:
            path = big_model(Path(d) / "generated.yaml")
            c = compile_times(path)
            print(f"{'5,000-element model, kernel, empty cache (s)':<48}{c['numpy'][0]:>12.2f}{c['numba'][0]:>12.2f}")
            print(f"{'5,000-element model, kernel, from the cache (s)':<48}{c['numpy'][1]:>12.2f}"
                  f"{c['numba'][1]:>12.2f}", flush=True)
    if "agree" in todo:
        print("\nlargest difference, numba vs numpy, over every saved variable: relative to the value, "
              "and relative to the variable's largest magnitude in the run")
        for fam, (worst, scaled, where, count) in agreement().items():
            print(f"  {fam:<34} {worst:.3g} / {scaled:.3g} ({count} models; largest in {where})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
