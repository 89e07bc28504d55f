"""Rolling-origin hindcasts: for each forecast origin T, calibrate on the observations that need the
model up to T only (``holdout: T``), draw the predictive distribution of every held-out observation
and score it against what happened, beside naive benchmarks (benchmarks.py).

``carbonloop calibrate SPEC --hindcast``: the origins are the spec's ``hindcast: {origins: [...]}``
or every one the data allow (a time up to which each scored series has two fitted observations and
after which it has one more). Each origin's calibration is an ordinary one (the batched search,
polish, profiles and, when the spec asks, the MCMC posterior) in ``hindcast/origin-T/`` of the
output folder, resumable like any other; the scores go to ``hindcast/``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..outputs.paths import output_folder
from .benchmarks import METHODS, benchmark_draws
from .predictive import parameter_draws, predict
from .readouts import reading_times
from .scores import score_rows

MODEL = "model"


@dataclass
class HindcastResult:
    """The forecasts of every origin and their scores."""
    spec: Any
    folder: Path
    origins: list
    forecasts: Any              # one row per origin x held-out observation x method
    scores: Any                 # per series, horizon and method
    summary: Any                # per method over every held-out observation
    components: Any             # the model's band widths by source, per series and horizon
    data: dict = field(default_factory=dict)    # series -> (reading times, values in model units)
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    files: list = field(default_factory=list)


def scored_series(spec) -> list:
    """Names of the series a hindcast scores: the spec's, else every fitted series with three or
    more observations."""
    if spec.hindcast.series:
        return list(spec.hindcast.series)
    return [s.name for s in spec.series if s.fit and len(s.series) >= 3]


def needs(series) -> np.ndarray:
    """The last model time each observation of a series spec needs."""
    return np.array([reading_times(series.read, a, b)[1] for a, b in zip(series.series.time, series.series.end)])


def default_origins(spec) -> list:
    """Every origin the data allow: times after which each scored series has at least one
    observation and up to which it has at least two (the benchmarks need two)."""
    scored = [s for s in spec.series if s.name in scored_series(spec)]
    if not scored:
        return []
    cands = sorted({round(float(t), 9) for s in scored for t in needs(s)})
    out = []
    for T in cands:
        if all((needs(s) <= T + 1e-9).sum() >= 2 and (needs(s) > T + 1e-9).any() for s in scored):
            out.append(T)
    return out


def at_origin(spec, T: float):
    """The spec calibrated on the data up to the origin ``T``."""
    return replace(spec, holdout=float(T), name=f"{spec.name}-origin-{T:g}", project=None,
                   canonical=dict(spec.canonical, holdout=float(T)))


def hindcast(spec, output=None, fresh: bool = False, progress: bool = False, mcmc: bool = True,
             figures_too: bool = True, backend=None) -> HindcastResult:
    """Calibrate at every origin, forecast the held-out observations and score them."""
    import pandas as pd

    from ..api import load
    from .check import check_against
    from .run import calibrate
    from .spec import load_spec
    t0 = time.perf_counter()
    spec = check_against(load_spec(spec), load(load_spec(spec).scenario))
    origins = list(spec.hindcast.origins) or default_origins(spec)
    if not origins:
        raise ModelError("the data allow no hindcast origin: no time leaves each scored series two "
                         "observations to fit and one to forecast", file=spec.file,
                         hint="give 'hindcast: {origins: [...], series: [...]}'")
    folder = (Path(output) if output else output_folder(spec.name)) / "hindcast"
    rng = np.random.default_rng(spec.seed)
    rows: list = []
    timings = {}
    for T in origins:
        t1 = time.perf_counter()
        res = calibrate(at_origin(spec, T), output=folder / f"origin-{T:g}", fresh=fresh, progress=progress,
                        mcmc=mcmc, figures_too=False, backend=backend, profiles=False)
        rows += forecast_rows(res, T, scored_series(spec), spec.hindcast.draws, rng)
        timings[f"origin {T:g}"] = time.perf_counter() - t1
    forecasts = pd.DataFrame(rows)
    if not len(forecasts):
        raise ModelError("no scored series has an observation after the hindcast origins", file=spec.file,
                         hint="choose earlier origins")
    p = res.problem
    data = {s.name: (p.x[i], p.observed[i]) for i, s in enumerate(p.spec.series)}
    out = HindcastResult(spec, folder, origins, forecasts, score_table(forecasts), summary_table(forecasts),
                         component_table(forecasts), data, timings=timings)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("forecasts", "scores", "summary", "components"):
        p = folder / f"{name}.csv"
        getattr(out, name).to_csv(p, index=False)
        out.files.append(str(p))
    if figures_too:
        out.files.append(str(forecast_figure(out, spec, folder / "forecasts.png")))
    out.seconds = time.perf_counter() - t0
    md = folder / "hindcast.md"
    md.write_text(markdown(out))
    out.files.insert(0, str(md))
    return out


def forecast_rows(res, origin: float, names, n: int, rng) -> list:
    """One row per held-out observation of a scored series and per method (model, benchmarks)."""
    problem = res.problem
    z_best = problem.to_z([[res.estimates[k] for k in problem.names]])[0]
    cov = res.uncertainty.covariance_z if res.uncertainty is not None else np.zeros((problem.dim,) * 2)
    theta = parameter_draws(problem, z_best, cov, res.posterior, n, rng)
    pred = predict(problem, theta, rng)
    rows = []
    for i, s in enumerate(problem.spec.series):
        if s.name not in names or pred.stages[i] is None:
            continue
        idx = np.flatnonzero(pred.rows[i])
        y = problem.observed[i][idx]
        x = problem.x[i][idx]
        fit = problem.fit_rows[i]
        log = s.error == "lognormal"
        with np.errstate(all="ignore"):
            v = np.log(problem.observed[i][fit]) if log else problem.observed[i][fit]
        bench = benchmark_draws(problem.x[i][fit], v, x, n, rng)
        samples = {MODEL: pred.stages[i]["measurement"]}
        samples.update({k: np.exp(d) if log else d for k, d in bench.items()})
        bands = {st: np.quantile(pred.stages[i][st], [0.05, 0.95], axis=1) for st in pred.stages[i]}
        widths = {st: q[1] - q[0] for st, q in bands.items()}
        inside = {st: (q[0] <= y) & (y <= q[1]) for st, q in bands.items()}
        for method, sample in samples.items():
            sc = score_rows(sample, y)
            for k in range(len(idx)):
                row = {"origin": origin, "series": s.name, "time": s.series.time[idx[k]],
                       "end": s.series.end[idx[k]], "horizon": int(math.ceil(x[k] - origin - 1e-9)),
                       "method": method, "observed": y[k], **{c: sc[c][k] for c in sc}}
                if method == MODEL:
                    row.update({f"width90_{st}": widths[st][k] for st in widths})
                    row.update({f"in90_{st}": bool(inside[st][k]) for st in inside})
                    row.update({f"sd_{st}": pred.sd[i][st][k] for st in pred.sd[i]})
                    d = pred.discrepancy[i]
                    row.update(disc_sd=d["sd"] if d else math.nan, disc_phi=d["phi"] if d else math.nan)
                rows.append(row)
    return rows


def _aggregate(g) -> dict:
    with np.errstate(all="ignore"):
        return {"n": len(g), "cover50": float(g["in50"].mean()), "cover90": float(g["in90"].mean()),
                "abs_error_pct": float(np.mean(np.abs(g["error_pct"]))),
                "width90_pct": float(np.mean(g["width90"] / np.abs(g["observed"]) * 100)),
                "is90_pct": float(np.mean(g["is90"] / np.abs(g["observed"]) * 100)),
                "is50_pct": float(np.mean(g["is50"] / np.abs(g["observed"]) * 100)),
                "crps_pct": float(np.mean(g["crps"] / np.abs(g["observed"]) * 100)),
                "is90": float(g["is90"].mean()), "crps": float(g["crps"].mean())}


def score_table(forecasts):
    """Scores per series, horizon and method (interval scores and CRPS also in % of the observed)."""
    import pandas as pd
    rows = [{"series": s, "horizon": h, "method": m, **_aggregate(g)}
            for (s, h, m), g in forecasts.groupby(["series", "horizon", "method"], sort=False)]
    return pd.DataFrame(rows)


def summary_table(forecasts):
    """Scores per method over every held-out observation of every origin."""
    import pandas as pd
    order = [MODEL, *METHODS]
    rows = [{"method": m, **_aggregate(forecasts[forecasts["method"] == m])}
            for m in order if (forecasts["method"] == m).any()]
    return pd.DataFrame(rows)


def component_table(forecasts):
    """The model's 90 % band width (in % of the observed) with parameter uncertainty only, with the
    discrepancy added and with the measurement error added, per series and horizon."""
    import pandas as pd
    f = forecasts[forecasts["method"] == MODEL]
    rows = []
    for (s, h), g in f.groupby(["series", "horizon"], sort=False):
        obs = np.abs(g["observed"])
        rows.append({"series": s, "horizon": h, "n": len(g),
                     **{f"width90_{st}_pct": float(np.mean(g[f"width90_{st}"] / obs * 100))
                        for st in ("parameters", "discrepancy", "measurement")},
                     **{f"in90_{st}": int(g[f"in90_{st}"].sum()) for st in ("parameters", "discrepancy")},
                     "disc_sd": float(g["disc_sd"].mean()), "disc_phi": float(g["disc_phi"].mean())})
    return pd.DataFrame(rows)


def markdown(out: HindcastResult) -> str:
    """The hindcast report (``hindcast/hindcast.md``)."""
    from .report import _md_table
    spec = out.spec
    n_obs = int((out.forecasts["method"] == MODEL).sum())
    lines = [f"# Rolling-origin hindcast of '{spec.name}'", "",
             f"Origins {', '.join(f'{t:g}' for t in out.origins)}: at each, the calibration fits the "
             "observations that need the model up to the origin and predicts the others; "
             f"{n_obs} held-out observations of {', '.join(dict.fromkeys(out.forecasts['series']))}; "
             f"{spec.hindcast.draws} predictive draws per origin; {out.seconds:.1f} s "
             "(" + ", ".join(f"{k} {v:.1f} s" for k, v in out.timings.items()) + ").", "",
             "The model's predictive distribution combines the parameters' uncertainty (posterior or "
             "Laplace draws), the discrepancy (an AR(1) model error where the spec asks for one, "
             "conditioned on the fitted residuals) and the measurement error. Benchmarks: the last "
             "observed value (a random walk) and the trend (a random walk with drift), both fitted to "
             "the same observations. Interval score and CRPS: lower is better; in % of the observed "
             "value to be comparable across series.", "",
             "## Over all held-out observations", "",
             _md_table(out.summary, ["method", "n", "cover50", "cover90", "abs_error_pct", "width90_pct",
                                     "is90_pct", "is50_pct", "crps_pct"]), "",
             "## Per series and horizon", "",
             _md_table(out.scores, ["series", "horizon", "method", "n", "cover50", "cover90",
                                    "abs_error_pct", "width90_pct", "is90_pct", "crps_pct", "is90", "crps"]),
             "", "## Where the model's band comes from", "",
             "Width of the 90 % band in % of the observed value: parameters only, with the discrepancy, "
             "with the measurement error (the predictive band); how many outcomes the first two bands "
             "contain; the discrepancy's posterior mean sd (log units for log-normal series) and "
             "one-year correlation phi.", "",
             _md_table(out.components, ["series", "horizon", "n", "width90_parameters_pct",
                                        "width90_discrepancy_pct", "width90_measurement_pct",
                                        "in90_parameters", "in90_discrepancy", "disc_sd", "disc_phi"]), "",
             "## Every forecast", "",
             _md_table(out.forecasts, ["origin", "series", "time", "horizon", "method", "observed", "median",
                                       "error_pct", "lo90", "hi90", "in90", "is90", "crps"]), "",
             "## What the forecasts assume", "", assumptions(spec), ""]
    if any(f.endswith(".png") for f in out.files):
        lines += ["![forecasts](forecasts.png)", ""]
    return "\n".join(lines)


def assumptions(spec) -> str:
    """What a projection past the data takes as given (the spec's ``assumes`` and what is fixed)."""
    parts = []
    if spec.assumes:
        parts.append(spec.assumes)
    parts.append(f"The scenario `{spec.scenario.name}` as written: its policy rules, events and every "
                 "parameter not estimated stay in force over the forecast"
                 + (f" (held at other values: {', '.join(f'{k} = {v:g}' for k, v in spec.fixed.items())})"
                    if spec.fixed else "")
                 + "; the model's structure (its equations and price mechanism) is not in the band: the "
                   "discrepancy stands for what it misses only as far as the fitted years show it.")
    return "\n\n".join(parts)


def forecast_figure(out: HindcastResult, spec, path) -> Path:
    """One panel per scored series: the data, and per origin the model's median and 90 % predictive
    band over the held-out observations, with the benchmarks' medians."""
    from .figures import _grid, _save
    f = out.forecasts
    names = list(dict.fromkeys(f["series"]))
    fig, axes = _grid(len(names))
    series = {s.name: s for s in spec.series}
    for ax, name in zip(axes, names):
        s = series[name]
        g = f[f["series"] == name]
        ax.plot(*out.data[name], "ko", ms=4, label="data")
        for k, T in enumerate(out.origins):
            m = g[(g["origin"] == T) & (g["method"] == MODEL)]
            if not len(m):
                continue
            x = _xs(s.read, m) + 0.06 * k
            colour = f"C{k}"
            ax.fill_between(x, m["lo90"], m["hi90"], color=colour, alpha=0.15)
            med = m["median"].to_numpy()
            ax.errorbar(x, med, yerr=np.clip(np.vstack([med - m["lo90"], m["hi90"] - med]), 0, None),
                        fmt="s-", color=colour, ms=4, mfc="none", capsize=2,
                        label=f"model median, 90 % predictive band (origin {T:g})")
            for method, style in zip(METHODS, (":", "--")):
                b = g[(g["origin"] == T) & (g["method"] == method)]
                if len(b):
                    ax.plot(_xs(s.read, b), b["median"], style, color=colour, lw=1,
                            label=f"{method} (origin {T:g})" if k == 0 else None)
            ax.axvline(T, color=colour, lw=0.6, ls="--")
        ax.set_title(f"{name}: forecast vs outcome", fontsize=8)
        ax.grid(alpha=0.3)
    if axes:
        axes[0].legend(fontsize=5)
    return _save(fig, path)


def _xs(read, rows) -> np.ndarray:
    t0, t1 = rows["time"].to_numpy(), rows["end"].to_numpy()
    return {"at": t0, "end": t1}.get(read, (t0 + t1) / 2)
