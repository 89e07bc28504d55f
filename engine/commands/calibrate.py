"""The calibrate subcommand: estimate parameters from data as a calibration spec says."""
from __future__ import annotations

import sys

from . import add_backend


def register(sub):
    """Add the 'calibrate' subcommand."""
    p = sub.add_parser("calibrate", help="estimate parameters from data (a calibration spec)",
                       description="Calibrate a scenario to observed series: a population-based "
                                   "search (each generation one batch of runs), a local polish, "
                                   "profile-likelihood intervals, an MCMC posterior and a fit report "
                                   "(docs/calibration.md). Re-running the same command resumes.")
    p.add_argument("spec", help="calibration spec (YAML), e.g. scenarios/calibrate-history.yaml")
    p.add_argument("-o", "--output", help="folder for the results (default outputs/<name>/)")
    p.add_argument("--fresh", action="store_true", help="discard a checkpoint and start over")
    p.add_argument("--no-mcmc", action="store_true", help="skip the posterior (MCMC)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--hindcast", action="store_true",
                   help="rolling-origin hindcast: refit on the data up to each origin, forecast the "
                        "rest and score the forecasts against naive benchmarks (in <output>/hindcast/)")
    add_backend(p)
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> int:
    """Run or resume a calibration; print its estimates, fit and files."""
    from ..calibration.run import calibrate
    if args.hindcast:
        return _hindcast(args)
    try:
        res = calibrate(args.spec, output=args.output, fresh=args.fresh, progress=sys.stderr.isatty(),
                        mcmc=not args.no_mcmc, figures_too=not args.no_figures, backend=args.backend)
    except KeyboardInterrupt:
        print("carbonloop: calibration interrupted; the best estimates so far are in estimates.yaml "
              "of the output folder; run the same command again to resume", file=sys.stderr)
        return 130
    print(f"calibration '{res.spec.name}': {res.evaluations:,} runs in {res.seconds:.1f} s ("
          + ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items()) + f"); objective {res.objective:.4f}")
    cols = ["parameter", "estimate", "lower", "upper", "identified"]
    print(res.parameters[cols].to_string(index=False, float_format=lambda v: f"{v:.5g}"))
    print()
    cols = ["series", "n", "rmse", "mape", "r2", "theil_u", "um", "us", "uc", "dw", "all_met"]
    print(res.fit[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    held = res.hindcast
    if len(held):
        print("\nhindcast (held out):")
        print(held[["series", "time", "observed", "model", "error_pct"]].to_string(
            index=False, float_format=lambda v: f"{v:.4g}", formatters={"time": "{:g}".format}))
    if res.forecasts is not None:
        from ..calibration.hindcast import summary_table
        cols = ["method", "n", "cover50", "cover90", "abs_error_pct", "width90_pct", "is90_pct", "crps_pct"]
        print("\nforecast scores of the held-out observations (interval score and CRPS in % of the observed):")
        print(summary_table(res.forecasts)[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if res.posterior is not None:
        p = res.posterior
        print(f"\nposterior: {p.evaluations:,} evaluations, acceptance {p.acceptance.mean():.2f}, "
              f"autocorrelation time <= {max(p.tau):.1f} steps, {len(p.draws):,} draws")
    for f in res.files:
        print(f"wrote {f}")
    return 0


def _hindcast(args) -> int:
    """Run (or resume) a rolling-origin hindcast; print its scores and files."""
    from ..calibration.hindcast import hindcast
    try:
        out = hindcast(args.spec, output=args.output, fresh=args.fresh, progress=sys.stderr.isatty(),
                       mcmc=not args.no_mcmc, figures_too=not args.no_figures, backend=args.backend)
    except KeyboardInterrupt:
        print("carbonloop: hindcast interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    print(f"hindcast '{out.spec.name}': origins {', '.join(f'{t:g}' for t in out.origins)}; "
          f"{out.seconds:.1f} s (" + ", ".join(f"{k} {v:.1f} s" for k, v in out.timings.items()) + ")")
    fmt = {"float_format": lambda v: f"{v:.4g}"}
    cols = ["method", "n", "cover50", "cover90", "abs_error_pct", "width90_pct", "is90_pct", "crps_pct"]
    print(out.summary[cols].to_string(index=False, **fmt))
    print()
    cols = ["series", "horizon", "method", "n", "cover90", "abs_error_pct", "is90_pct", "crps_pct"]
    print(out.scores[cols].to_string(index=False, **fmt))
    for f in out.files:
        print(f"wrote {f}")
    return 0
