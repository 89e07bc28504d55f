"""Labelled views of an analysis: pandas tables (loops, dominant periods, ensemble shares) and
xarray datasets (scores over loop, time and run; bands over runs)."""
from __future__ import annotations

import numpy as np

from .periods import periods


def _pct(x: float) -> str:
    return f"{x * 100:+.0f}%"


def periods_table(d, run: int = 0):
    """Dominant periods per partition for one run: start, end, the loops (strongest first) with
    their mean relative scores, and the share of the change they explain together."""
    import pandas as pd
    rows = []
    for p in periods(d.dominant, d.signed, d.magnitude, d.spans, d.groups, d.partitions, run):
        loops = [d.loops[i] for i in p.loops]
        rows.append({"partition": f"P{p.partition}", "start": p.start, "end": p.end,
                     "dominant": " + ".join(lp.label for lp in loops) or "(none active)",
                     "names": "; ".join(lp.name for lp in loops if lp.name and lp.name != lp.label),
                     "scores": ", ".join(f"{lp.label} {_pct(s)}" for lp, s in zip(loops, p.scores)),
                     "share": p.share})
    return pd.DataFrame(rows, columns=["partition", "start", "end", "dominant", "names", "scores", "share"])


def loops_table(d):
    """One row per loop, strongest first within each partition."""
    import pandas as pd
    rows = [{"loop": lp.label, "name": lp.name, "polarity": lp.polarity or "inactive",
             "confidence": lp.confidence, "partition": f"P{lp.partition}", "importance": lp.importance,
             "length": len(lp.elements), "path": lp.path()} for lp in d.loops]
    df = pd.DataFrame(rows)
    if len(df):
        df = df.sort_values(["partition", "importance"], ascending=[True, False], kind="stable")
    return df.set_index("loop") if len(df) else df


def shares_table(d):
    """Share of runs in which each loop is dominant (rows: loops that ever are; columns: bins)."""
    import pandas as pd
    share = d.dominant.mean(axis=2)
    keep = [i for i in range(len(d.loops)) if share[i].any()]
    cols = pd.Index(d.spans[:, 0], name="from")
    return pd.DataFrame(share[keep], index=pd.Index([d.loops[i].label for i in keep], name="loop"),
                        columns=cols)


def _coords(d) -> dict:
    return {"loop": [lp.label for lp in d.loops],
            "name": ("loop", [lp.name for lp in d.loops]),
            "partition": ("loop", [lp.partition for lp in d.loops]),
            "polarity": ("loop", [lp.polarity for lp in d.loops]),
            "confidence": ("loop", [lp.confidence for lp in d.loops]),
            "path": ("loop", [lp.path() for lp in d.loops]),
            "bin": d.spans[:, 0], "bin_end": ("bin", d.spans[:, 1]),
            "run": np.arange(d.n_runs)}


def bands(d, quantiles=(0.05, 0.5, 0.95)):
    """Quantiles over runs of each loop's relative score (per time when kept, else per bin)."""
    import xarray as xr
    if d.relative is not None:
        data, dim, coord = d.relative, "time", d.times
    else:
        data, dim, coord = d.signed, "bin", d.spans[:, 0]
    q = np.quantile(data, quantiles, axis=2)
    return xr.DataArray(q, dims=("quantile", "loop", dim),
                        coords={"quantile": list(quantiles), "loop": [lp.label for lp in d.loops], dim: coord},
                        name="relative_loop_score")


def to_xarray(d):
    """A Dataset: relative and raw loop scores over (loop, time, run) when kept, per-bin mean
    relative scores, magnitudes and dominance over (loop, bin, run), loop attributes as coords."""
    import xarray as xr
    coords = _coords(d)
    data = {"binned_relative_score": (("loop", "bin", "run"), d.signed),
            "binned_magnitude": (("loop", "bin", "run"), d.magnitude),
            "dominant": (("loop", "bin", "run"), d.dominant.astype(np.int8))}
    if d.relative is not None:
        coords["time"] = d.times
        data["relative_score"] = (("loop", "time", "run"), d.relative)
        data["loop_score"] = (("loop", "time", "run"), d.scores)
    attrs = {"model": d.model_name, "time_units": d.time_units or "",
             "every": "" if d.every is None else float(d.every),
             "discovery": "; ".join(f"P{f.partition}: {f.method}, {f.found} loops" for f in d.found)}
    return xr.Dataset(data, coords=coords, attrs=attrs)
