"""Calibration benchmark of the flagship model (scenarios/calibrate-history.yaml: 16 free parameters,
13 fitted series of the 2021-24 history).

Runs the calibration from scratch into a temporary folder (search, polish, profile-likelihood
intervals and the report tables, no figures), then resumes it for the MCMC posterior alone, and
prints the time and model runs of each stage; finally checks that the estimates are the default
values of engine/modules/*.yaml (to the 4 significant digits written there).

    python benchmarks/calibrate_flagship.py
    python benchmarks/calibrate_flagship.py --spec scenarios/calibrate-hindcast.yaml

Targets: the calibration in under 60 s and a posterior of at least 100,000 evaluations in under
3 minutes on a 2-core machine. ``--backend`` chooses the engine's backend for every model run.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    """Calibrate the flagship as the spec says; print the time of each stage."""
    import engine
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(ROOT / "scenarios" / "calibrate-history.yaml"))
    ap.add_argument("--backend", default="auto", choices=["auto", "numpy", "numba"])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        res = engine.calibrate(args.spec, output=d, fresh=True, mcmc=False, figures_too=False,
                               backend=args.backend)
        fit_s = time.perf_counter() - t0
        runs = res.evaluations
        print(f"calibration ({len(res.spec.parameters)} parameters, {sum(s.fit for s in res.spec.series)} "
              f"fitted series): {fit_s:.1f} s, {runs:,} model runs ("
              + ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items()) + ")")
        t0 = time.perf_counter()
        post = engine.calibrate(args.spec, output=d, mcmc=True, figures_too=False, backend=args.backend)
        mcmc_s = time.perf_counter() - t0
        p = post.posterior
        if p is not None:
            print(f"posterior: {p.evaluations:,} evaluations ({p.walkers} walkers x {p.steps} steps) in "
                  f"{post.timings['mcmc']:.1f} s (with the band and report: {mcmc_s:.1f} s); acceptance "
                  f"{p.acceptance.mean():.2f}, autocorrelation time <= {max(p.tau):.1f} steps")
        loaded = engine.load(res.spec.scenario)
        worst = max(abs(v / loaded.parameters[k].value - 1) for k, v in res.estimates.items())
        print(f"estimates vs the module defaults: largest relative difference {worst:.2e}")
        ok = fit_s <= 60 and (p is None or (p.evaluations >= 100_000 and post.timings["mcmc"] <= 180))
        print("targets met" if ok else "targets missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
