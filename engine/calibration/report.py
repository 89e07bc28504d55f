"""The fit report: parameter table, fit statistics per series, every observation against the model
(and the held-out ones as a hindcast), as tables (pandas), Markdown, CSV and HDF5 groups."""
from __future__ import annotations

import math

import numpy as np

from .fitstats import NAMES, fit_statistics

TOLERANCE = 0.10            # an observation is met when within 10 % or two standard errors


def parameter_table(problem, z_best, unc, posterior=None):
    """One row per free parameter: bounds, prior, estimate, interval, identification, posterior."""
    import pandas as pd
    theta = problem.to_theta(z_best)[0]
    rows = []
    for j, p in enumerate(problem.params):
        prof = unc.profiles[j] if unc and unc.profiles else None
        row = {"parameter": p.name, "low": p.low, "high": p.high, "scale": p.scale,
               "prior": "" if p.prior is None else f"{p.prior[0]}({p.prior[1]:g}, {p.prior[2]:g})",
               "estimate": theta[j],
               "lower": prof.lower if prof else math.nan, "upper": prof.upper if prof else math.nan,
               "identified": bool(prof.identified) if prof else False,
               "note": _note(prof, unc, j, problem.names) if prof else ""}
        if posterior is not None and len(posterior.draws):
            x = posterior.draws[:, j]
            row.update(post_mean=float(x.mean()), post_sd=float(x.std(ddof=1)) if len(x) > 1 else math.nan,
                       post_q05=float(np.quantile(x, 0.05)), post_q95=float(np.quantile(x, 0.95)),
                       tau=float(posterior.tau[j]))
        rows.append(row)
    return pd.DataFrame(rows)


def _note(prof, unc, j, names) -> str:
    notes = []
    if not prof.lower_bounded:
        notes.append("not bounded below by the data")
    if not prof.upper_bounded:
        notes.append("not bounded above by the data")
    strong = [f"{names[k]} ({unc.correlation[j, k]:+.2f})" for k in range(len(names))
              if k != j and abs(unc.correlation[j, k]) >= 0.95]
    if strong:
        notes.append("strongly correlated with " + ", ".join(strong))
    return "; ".join(notes)


def observation_table(problem, readings_best, band=None):
    """One row per observation: observed, model, error, tolerance, met or not, fitted or held out."""
    import pandas as pd
    rows = []
    for i, s in enumerate(problem.spec.series):
        y, se, m = problem.observed[i], problem.se[i], readings_best[i][:, 0]
        for k in range(len(y)):
            tol = max(TOLERANCE * abs(y[k]), 2 * se[k] if np.isfinite(se[k]) else 0.0)
            row = {"series": s.name, "variable": s.variable, "read": s.read,
                   "time": s.series.time[k], "end": s.series.end[k], "observed": y[k], "model": m[k],
                   "error": m[k] - y[k], "error_pct": (m[k] - y[k]) / abs(y[k]) * 100 if y[k] else math.nan,
                   "tolerance": tol, "met": bool(abs(m[k] - y[k]) <= tol),
                   "fitted": bool(problem.fit_rows[i][k]),
                   "role": "fitted" if problem.fit_rows[i][k] else
                           "held out" if problem.held_rows[i][k] and s.fit else "compared"}
            if band is not None:
                row.update(band_lo=band[i][0][k], band_hi=band[i][2][k])
            rows.append(row)
    return pd.DataFrame(rows)


def fit_table(obs):
    """Fit statistics per series over the fitted observations."""
    import pandas as pd
    rows = []
    for name, g in obs[obs["fitted"]].groupby("series", sort=False):
        g = g.sort_values("time")
        st = fit_statistics(g["model"].to_numpy(), g["observed"].to_numpy())
        rows.append({"series": name, "variable": g["variable"].iloc[0], **st,
                     "all_met": bool(g["met"].all())})
    return pd.DataFrame(rows, columns=["series", "variable", *NAMES, "all_met"])


def markdown(result) -> str:
    """The report as Markdown (the summary ``fit.md``)."""
    spec = result.spec
    lines = [f"# Calibration '{spec.name}'", "",
             f"Scenario `{spec.scenario.name}`; {len(spec.parameters)} free parameters, "
             f"{len(spec.series)} series, {int(result.observations['fitted'].sum())} fitted observations"
             + (f", held out from {spec.holdout:g}" if spec.holdout is not None else "") + ".",
             f"Objective (negative log-posterior) {result.objective:.4f}; {result.evaluations:,} model "
             f"runs; {result.seconds:.1f} s.", "",
             "## Parameters", "",
             (f"Estimate and {spec.level:.0%} profile-likelihood interval." if result.uncertainty is None
              or result.uncertainty.profiles else "Estimate (the profiles were skipped: no intervals)."), "",
             _md_table(result.parameters, ["parameter", "low", "high", "estimate", "lower", "upper",
                                           "identified", "note"]
                       + [c for c in ("post_mean", "post_sd", "tau") if c in result.parameters]), "",
             "## Fit per series", "",
             "RMSE in the series' units (model units), MAPE in %, Theil's U with its decomposition "
             "U^M (bias) + U^S (variance) + U^C (covariance) = 1, Durbin-Watson of the residuals; "
             "'all met' when every observation lies within 10 % or two standard errors.", "",
             _md_table(result.fit, ["series", "n", "rmse", "mape", "r2", "theil_u", "um", "us", "uc",
                                    "dw", "all_met"]), "",
             "## Fitted observations", "",
             _md_table(result.observations[result.observations["fitted"]],
                       ["series", "time", "end", "observed", "model", "error_pct", "met"]
                       + [c for c in ("band_lo", "band_hi") if c in result.observations]), ""]
    for role, title in (("held out", "Hindcast (held-out observations)"),
                        ("compared", "Series compared, not fitted")):
        rows = result.observations[result.observations["role"] == role]
        if len(rows):
            lines += [f"## {title}", "",
                      _md_table(rows, ["series", "time", "end", "observed", "model", "error_pct", "met"]), ""]
    if result.forecasts is not None and len(result.forecasts):
        from .hindcast import summary_table
        f = result.forecasts
        lines += ["## Forecast of the held-out observations", "",
                  "Predictive distribution: parameters (posterior, else Laplace draws), the model's "
                  "discrepancy where the spec has one, and the measurement error; beside the last value "
                  "and the trend of the fitted observations. Coverage of the 50 % and 90 % intervals, "
                  "mean |error| of the median, 90 % width, interval score and CRPS (in % of the observed).",
                  "", _md_table(summary_table(f), ["method", "n", "cover50", "cover90", "abs_error_pct",
                                                   "width90_pct", "is90_pct", "crps_pct"]), "",
                  _md_table(f[f["method"] == "model"], ["series", "time", "horizon", "observed", "median",
                                                        "error_pct", "lo90", "hi90", "in90",
                                                        "width90_parameters", "width90_discrepancy",
                                                        "width90_measurement"]), ""]
    if result.projection is not None and len(result.projection):
        lines += [f"## Projection to {result.spec.project:g}", "",
                  "Every fitted series continued yearly past its data: median and 50 % / 90 % predictive "
                  "intervals (parameters, the model's discrepancy and the measurement error), beside the "
                  "90 % band of the parameters alone. It holds only under the assumptions below.", "",
                  _md_table(result.projection, ["series", "time", "end", "median", "q25", "q75", "q05", "q95",
                                                "param_q05", "param_q95"]), ""]
    if result.forecasts is not None or result.projection is not None or result.spec.assumes:
        from .hindcast import assumptions
        lines += ["## What projections assume", "", assumptions(result.spec), ""]
    if result.posterior is not None:
        p = result.posterior
        lines += ["## Posterior (MCMC)", "",
                  f"{p.walkers} walkers x {p.steps} steps = {p.evaluations:,} evaluations; burn-in "
                  f"{p.burn}, thinning {p.thin}; acceptance {p.acceptance.mean():.2f} "
                  f"(walkers {p.acceptance.min():.2f}-{p.acceptance.max():.2f}); autocorrelation time "
                  f"{np.nanmax(p.tau):.1f} steps at most; {len(p.draws):,} draws kept.", ""]
    if result.figures:
        lines += ["## Figures", ""] + [f"![{f.stem}]({f.name})" for f in result.figures] + [""]
    return "\n".join(lines)


def _md_table(df, cols) -> str:
    cols = [c for c in cols if c in df]
    out = ["| " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df[cols].iterrows():
        out.append("| " + " | ".join(_time(row[c]) if c in TIMES else _fmt(row[c]) for c in cols) + " |")
    return "\n".join(out)


TIMES = ("time", "end", "origin")       # shown in full (2021.54, not 2022)


def _time(v) -> str:
    return "-" if isinstance(v, (float, np.floating)) and math.isnan(v) else f"{v:g}"


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "-"
        return f"{v:.4g}"
    return str(v)


def write_hdf5(result, path):
    """Store the report in the calibration's HDF5 file (groups estimate, parameters, fit,
    observations, profiles, correlation, posterior, band, and forecasts and projection when there
    are any); the MCMC chain stays in 'mcmc'."""
    import h5py
    with h5py.File(path, "a") as f:
        for g in ("estimate", "parameters", "fit", "observations", "profiles", "correlation",
                  "posterior", "band", "forecasts", "projection"):
            if g in f:
                del f[g]
        est = f.create_group("estimate")
        est.attrs.update({"objective": result.objective, "evaluations": result.evaluations,
                          "seconds": result.seconds, "spec": result.spec.text, "level": result.spec.level})
        for k, v in result.estimates.items():
            est.attrs[k] = v
        for name, df in (("parameters", result.parameters), ("fit", result.fit),
                         ("observations", result.observations), ("forecasts", result.forecasts),
                         ("projection", result.projection)):
            if df is not None:
                _frame(f.create_group(name), df)
        if result.uncertainty is not None:
            g = f.create_group("profiles")
            for p in result.uncertainty.profiles:
                h = g.create_group(p.name)
                h["z"], h["delta"] = p.z, p.delta
                h.attrs.update(lower=p.lower, upper=p.upper, threshold=result.uncertainty.threshold)
            c = f.create_dataset("correlation", data=result.uncertainty.correlation)
            c.attrs["parameters"] = list(result.spec.names)
        if result.posterior is not None:
            p = result.posterior
            g = f.create_group("posterior")
            g["draws"], g["log_prob"] = p.draws, p.log_prob
            g["parameter"] = np.array(p.names, dtype="S")
            g["acceptance"], g["tau"] = p.acceptance, p.tau
            g.attrs.update(walkers=p.walkers, steps=p.steps, burn=p.burn, thin=p.thin)
        if result.band is not None:
            g = f.create_group("band")
            g["time"] = result.band["time"]
            for var, q in result.band["trajectories"].items():
                g[var] = q
            g.attrs["quantiles"] = [0.05, 0.5, 0.95]


def _frame(group, df):
    for col in df.columns:
        v = df[col].to_numpy()
        group[col] = v.astype("S") if v.dtype == object else v
