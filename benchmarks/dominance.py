"""Cost of loop dominance (Loops That Matter) on the flagship model, against the runs it explains.

Prints, as the least of a few repeats on this machine (shared: the least is the closest to the
work's own cost):
- one run of scenarios/default.yaml (compiled program, default saved variables), and the same run
  with its loop dominance (the analysis run saving every step, link scores, strongest-path
  search, loop and relative scores, dominance); the share-of-behaviour check (enumerating all
  loops of the large partition) is timed on its own;
- a 1,000-run ensemble (Latin hypercube over the parameters of scenarios/sweep-default.yaml):
  the plain sweep (in process, one HDF5 file) and the same 1,000 runs with their dominance;
- for both, the stages of the analysis: the analysis run, the loop search, the scoring (in
  compiled code unless the backend is numpy: then link scores and the rest apart).

    python benchmarks/dominance.py                  # 7 repeats of the single run, 3 of the ensemble
    python benchmarks/dominance.py --repeats 9 --ensemble-repeats 5 --runs 1000
    python benchmarks/dominance.py --backend numpy  # every run and score on that backend
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "default.yaml"
SPEC = ROOT / "scenarios" / "sweep-default.yaml"


def timed(fn, repeats: int) -> float:
    """Least wall time of ``fn()`` over ``repeats`` calls after one warm-up call (on a shared
    machine the least is the closest to the work's own cost)."""
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def stages(loaded, params, n: int, repeats: int, backend: str = "auto") -> dict:
    """Least seconds of the analysis's stages for a batch: the analysis run (every step, the
    variables the link scores read), the loop search, the scoring of every run and the whole
    analysis. Scored in compiled code (numba installed, backend not numpy), the scoring is one
    pass (link, loop and relative scores with dominance); with numpy, the link scores and the
    loop and relative scores with dominance (by difference from link scores with them)."""
    from engine.dominance import plan_for
    from engine.dominance.analysis import Options, _Scoring, block_size, sample_runs
    from engine.dominance.found import discover
    plan = plan_for(loaded, backend)
    params = params or None
    out = {"analysis run": timed(lambda: plan.run(params, n), repeats)}
    batch = plan.run(params, n)
    opts = Options(verify=False, backend=backend)
    compiled = opts.compiled
    sample = plan.link_scores(batch, sample_runs(n, opts.discovery_runs))
    out["loop search"] = timed(lambda: discover(plan, lambda: sample, opts, loaded.model.loops), repeats)
    loops, _ = discover(plan, lambda: sample, opts, loaded.model.loops)
    block = block_size(plan, len(loops), loaded.model.time.n_steps + 1, compiled)
    spans = [(a, min(n, a + block)) for a in range(0, n, block)]

    def scoring():
        state = _Scoring(plan, loops, opts, n)
        state.start(batch, 0, n)
        if compiled:
            state.score_all(batch, spans, 0)
        else:
            for a, b in spans:
                state.add(plan.link_scores(batch, slice(a, b)), a, b)
    if compiled:
        out["scores, dominance (compiled)"] = timed(scoring, repeats)
    else:
        def links():
            for a, b in spans:
                plan.link_scores(batch, slice(a, b))
        out["link scores"] = timed(links, repeats)
        out["loop scores, dominance"] = timed(scoring, repeats) - out["link scores"]
    out["total"] = timed(lambda: loaded.dominance(params=params, verify=False, backend=backend), repeats)
    return out


def ensemble_spec(n: int) -> dict:
    """The flagship's sweep spec made a Latin hypercube of ``n`` runs."""
    from engine.frontends.yaml.yamlio import load_file
    data, _ = load_file(SPEC)
    return dict(data, method="latin", samples=n, scenario=str(SPEC.parent / data["scenario"]))


def main(argv=None) -> int:
    """Time loop dominance on the flagship (one run and an ensemble); print each stage."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--ensemble-repeats", type=int, default=3)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--backend", default="auto", choices=["auto", "numpy", "numba"])
    args = ap.parse_args(argv)
    b = args.backend
    import engine
    from engine.dominance.ensemble import spec_samples
    from engine.sweeps.run import prepare
    m = engine.load(SCENARIO)
    run = timed(lambda: m.run(backend=b), args.repeats)
    scores = timed(lambda: m.dominance(verify=False, backend=b), args.repeats)
    check = timed(lambda: m.dominance(verify=True, backend=b), max(1, args.repeats // 2))
    print(f"one flagship run ({SCENARIO.name}, {m.kernel(backend=b).backend} backend, "
          f"{m.model.time.n_steps + 1} steps):")
    print(f"  run                          {run * 1000:8.0f} ms")
    print(f"  run + loop dominance         {scores * 1000:8.0f} ms   ratio {scores / run:.2f}")
    print(f"  ... with the share check     {check * 1000:8.0f} ms   ratio {check / run:.2f}")
    for k, v in stages(m, {}, 1, args.repeats, b).items():
        print(f"    {k:<30} {v * 1000:8.0f} ms")
    spec = ensemble_spec(args.runs)
    checked, loaded = prepare(spec)
    params = spec_samples(checked, loaded)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep.h5"

        def sweep():
            out.unlink(missing_ok=True)
            engine.sweep(spec, output=out, progress=False, backend=b)
        plain = timed(sweep, args.ensemble_repeats)
    batch = timed(lambda: loaded.run(params=params, backend=b), args.ensemble_repeats)
    parts = stages(loaded, params, args.runs, args.ensemble_repeats, b)
    dom = parts["total"]
    print(f"{args.runs:,}-run ensemble (Latin hypercube over {len(params)} parameters of {SPEC.name}):")
    print(f"  plain sweep (in process)     {plain:8.2f} s")
    print(f"  one batch, every variable    {batch:8.2f} s")
    print(f"  runs + loop dominance        {dom:8.2f} s   ratio to the sweep {dom / plain:.2f}")
    for k, v in parts.items():
        if k != "total":
            print(f"    {k:<30} {v:8.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
