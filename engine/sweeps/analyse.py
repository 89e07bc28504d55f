"""Sensitivity of a finished sweep: SALib indices (Sobol S1/ST, Morris mu*/sigma) per metric,
saved as CSV and inside the HDF5 file, and figures (fan charts, index bars, scatter plots).

Sweeps by other methods (grid, Latin hypercube, Monte Carlo) get Spearman rank correlations.
"""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from ..errors import ModelError
from ..results.hdf5 import safe_name
from . import store

CONF = 0.95


def _problem(names):
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def indices(path):
    """A DataFrame: one row per (metric, parameter) with the method's indices."""
    import pandas as pd
    names, unit, vals, attrs = store.read_samples(path)
    metric_names = store.names_by_role(path, "metric")
    if not metric_names:
        raise ModelError(f"{path} keeps no metrics to analyse", hint="add 'outputs: metrics:' to the spec")
    method, seed = attrs["method"], int(attrs["seed"])
    rows, skipped = [], []
    with h5py.File(path, "r") as f:
        ys = {m: f[safe_name(m)][...] for m in metric_names}
    for m, y in ys.items():
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            skipped.append(m)
            continue
        spread = _spread(y)
        for j, row in enumerate(_one(method, names, unit, vals, y, attrs, seed)):
            rows.append(dict(metric=m, parameter=names[j], method=method, **row, **spread))
    df = pd.DataFrame(rows)
    df.attrs["skipped"] = skipped
    return df


def _spread(y) -> dict:
    """How much a metric varies over the runs (beside its indices, so that an index of a metric
    that hardly varies is not over-read): mean, standard deviation, 5 and 95 % quantiles."""
    p5, p95 = np.percentile(y, [5, 95])
    return dict(metric_mean=float(np.mean(y)), metric_sd=float(np.std(y, ddof=1)) if len(y) > 1 else 0.0,
                metric_p5=float(p5), metric_p95=float(p95))


def _one(method, names, unit, vals, y, attrs, seed) -> list[dict]:
    if method == "sobol":
        from SALib.analyze import sobol
        r = sobol.analyze(_problem(names), y, calc_second_order=bool(attrs.get("second_order")),
                          conf_level=CONF, seed=seed)
        return [dict(S1=r["S1"][j], S1_conf=r["S1_conf"][j], ST=r["ST"][j], ST_conf=r["ST_conf"][j])
                for j in range(len(names))]
    if method == "morris":
        from SALib.analyze import morris
        r = morris.analyze(_problem(names), unit, y, conf_level=CONF, num_levels=int(attrs["levels"]),
                           seed=seed)
        return [dict(mu=r["mu"][j], mu_star=r["mu_star"][j], mu_star_conf=r["mu_star_conf"][j],
                     sigma=r["sigma"][j]) for j in range(len(names))]
    from scipy.stats import spearmanr
    out = []
    for j in range(len(names)):
        rho = spearmanr(vals[:, j], y).statistic if np.ptp(vals[:, j]) > 0 else np.nan
        out.append(dict(spearman=float(rho)))
    return out


def save_indices(df, path) -> Path:
    """Write the table as CSV next to the sweep file and as group ``sensitivity`` inside it."""
    path = Path(path)
    csv = path.with_name(path.stem + "-sensitivity.csv")
    df.to_csv(csv, index=False, float_format="%.6g")
    with h5py.File(path, "a") as f:
        if "sensitivity" in f:
            del f["sensitivity"]
        g = f.create_group("sensitivity")
        g.attrs["conf_level"] = CONF
        g.attrs["description"] = "sensitivity indices per (metric, parameter); computed with SALib"
        for col in df.columns:
            data = df[col].to_numpy()
            if data.dtype == object:
                g.create_dataset(col, data=data.astype(str).astype(object), dtype=h5py.string_dtype())
            else:
                g.create_dataset(col, data=data.astype(float))
    return csv


SPREAD = ("metric_mean", "metric_sd", "metric_p5", "metric_p95")


def table_text(df) -> str:
    """The indices as aligned text: per metric, a line with its spread over the runs, then the
    indices of each parameter."""
    if df.empty:
        return "(no indices: no metric varies)"
    cols = [c for c in df.columns if c not in ("method", "metric", *SPREAD)]
    parts = []
    for metric, sub in df.groupby("metric", sort=False):
        first = sub.iloc[0]
        head = f"{metric}: mean {first['metric_mean']:.4g}, sd {first['metric_sd']:.4g}, " \
               f"5-95 % {first['metric_p5']:.4g} to {first['metric_p95']:.4g}"
        if abs(first["metric_mean"]) > 0 and first["metric_sd"] < 1e-3 * abs(first["metric_mean"]):
            head += "  (varies by less than 0.1 % of its mean: read its indices with care)"
        table = sub[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")
        parts.append(head + "\n" + "\n".join("  " + line for line in table.splitlines()))
    return "\n\n".join(parts)


def analyse(path, figures: bool = True, folder=None):
    """Compute, save and (optionally) draw the sensitivity of the sweep in ``path``."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such sweep file", hint="run 'carbonloop sweep SPEC' first")
    df = indices(path)
    written = [save_indices(df, path)]
    if figures:
        from .figures import sweep_figures
        written += sweep_figures(path, df, folder or path.with_name(path.stem + "-figures"))
    df.attrs["written"] = [str(p) for p in written]
    return df
