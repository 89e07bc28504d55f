"""Calibration spec: the YAML that names the scenario, the free parameters, the series and how the
model is read against them, the error models, the optimiser and its budget (docs/calibration.md).

    calibration: history                   # name (default output folder: outputs/<name>/)
    scenario: default.yaml                 # relative to the spec file
    data: data/catalog.yaml                # the catalogue the series come from
    seed: 2024
    parameters:
      price_sensitivity: {bounds: [0.1, 2], prior: {normal: [0.6, 0.3]}}
      trade_growth_rate: {bounds: [0.01, 1], scale: log}
      ev_share_ceiling: declared           # bounds = the range the model declares
    fixed: {trade_saturation_share: 0.1}   # parameters held at other values while calibrating
    series:
      nev_share: {variable: nev_sales_share, read: mean, error: normal, scale: estimate}
      ets_price: {times: [2021, 2025], error: lognormal, scale: {relative: 0.05}}
    holdout: 2024                          # observations that need the model after 2024 are predicted
    optimizer: {population: 10, generations: 200, tolerance: 1e-7, polish: true}
    uncertainty: {level: 0.9}
    mcmc: {walkers: 64, steps: 1000, burn: 300}
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..frontends.yaml.yamlio import load_file, load_text
from ..model.check import suggest
from .data import PERIOD_READS, READS, Series, load_catalog, read_series_file
from .settings import (
    HindcastSpec,
    McmcSpec,
    OptimizerSpec,
    hindcast_settings,
    is_number,
    mcmc_settings,
    optimizer_settings,
    uncertainty_level,
)

SPEC_KEYS = ("calibration", "scenario", "description", "data", "seed", "parameters", "fixed",
             "series", "holdout", "optimizer", "uncertainty", "mcmc", "extends", "discrepancy",
             "hindcast", "assumes", "project")
ERRORS = ("normal", "lognormal", "robust")
PRIORS = ("normal", "lognormal")
SERIES_KEYS = ("variable", "read", "error", "scale", "weight", "times", "file", "units", "period",
               "floor", "fit", "discrepancy")
DISCREPANCIES = ("none", "ar1")


@dataclass(frozen=True)
class FreeParameter:
    """A parameter the calibration estimates: bounds, search scale and an optional prior."""
    name: str
    low: float
    high: float
    scale: str = "linear"           # linear | log (search, default prior and intervals on ln)
    prior: tuple | None = None      # ("normal", mean, sd) | ("lognormal", median, sigma)
    line: int | None = None


@dataclass(frozen=True)
class SeriesSpec:
    """One series as the calibration uses it: the rows, the variable, the reading and error model."""
    name: str
    series: Series
    variable: str
    read: str
    error: str = "normal"
    scale: tuple = ("estimate",)    # ("estimate",) | ("se",) | ("absolute", s) | ("relative", f)
    weight: float = 1.0
    floor: float = 0.01             # smallest estimated scale, relative to the mean |value|
    fit: bool = True                # False: compared with the model in the report, not fitted
    discrepancy: str = "none"       # none | ar1 (discrepancy.py)
    sd_max: float = 0.5             # largest discrepancy sd (log units, else x the mean |value|)
    line: int | None = None


@dataclass(frozen=True)
class CalibrationSpec:
    """A parsed, checked calibration spec (check.py checks it against the model)."""
    name: str
    scenario: Path
    parameters: tuple
    series: tuple
    seed: int = 0
    fixed: dict = field(default_factory=dict)
    holdout: float | None = None
    optimizer: OptimizerSpec = OptimizerSpec()
    level: float = 0.9
    mcmc: McmcSpec = McmcSpec()
    hindcast: HindcastSpec = HindcastSpec()
    project: float | None = None    # predictive bands of every fitted series up to this time
    description: str = ""
    assumes: str = ""
    file: str | None = None
    text: str = ""
    canonical: dict = field(default_factory=dict, compare=False)
    lines: dict = field(default_factory=dict, compare=False)     # spec key -> line (for later checks)

    @property
    def names(self) -> list:
        """Names of the free parameters."""
        return [p.name for p in self.parameters]

    def digest(self, model_text: str = "") -> str:
        """Hash of what decides the numbers: spec content, data values and the model's text."""
        import re
        model_text = re.sub(r"^# ---- .*$", "# ----", model_text, flags=re.M)
        data = [[s.name, s.series.time.tolist(), s.series.end.tolist(), s.series.value.tolist(),
                 s.series.se.tolist()] for s in self.series]
        body = json.dumps([self.canonical, data], sort_keys=True, default=str) + "\n" + model_text
        return hashlib.sha256(body.encode()).hexdigest()


class _Ctx:
    def __init__(self, file):
        self.file = file

    def err(self, msg, mapping=None, key=None, element=None, hint=None):
        line = None
        if mapping is not None and hasattr(mapping, "line_of"):
            line = mapping.line_of(key) if key is not None else mapping.line
        return ModelError(msg, file=self.file, line=line, element=element, hint=hint)


def load_spec(source) -> CalibrationSpec:
    """A calibration spec from a file path, YAML text or a mapping (paths then relative to cwd)."""
    if isinstance(source, CalibrationSpec):
        return source
    if isinstance(source, dict):
        return parse_spec(source, None, json.dumps(source, sort_keys=True, default=str))
    if isinstance(source, str) and "\n" in source:
        return parse_spec(load_text(source), None, source)
    data, text = _read_with_extends(Path(source), set())
    return parse_spec(data, str(source), text)


def _read_with_extends(path: Path, seen: set):
    """A spec file merged over the spec it ``extends`` (top-level keys replace the parent's)."""
    if path.resolve() in seen:
        raise ModelError("the spec extends itself", file=str(path))
    seen.add(path.resolve())
    data, text = load_file(path)
    if not isinstance(data, dict):
        raise ModelError("a calibration spec must be a mapping (scenario:, parameters:, series:, ...)",
                         file=str(path))
    if "extends" not in data:
        return data, text
    parent, ptext = _read_with_extends(path.parent / str(data["extends"]), seen)
    merged: Any = type(data)(parent)
    merged.lines = {**getattr(parent, "lines", {}), **getattr(data, "lines", {})}
    merged.update({k: v for k, v in data.items() if k != "extends"})
    return merged, ptext + "\n# ---- extended by\n" + text


def parse_spec(data, file=None, text="") -> CalibrationSpec:
    """Check and normalise a spec mapping; every mistake is a ModelError naming file and line."""
    c = _Ctx(file)
    if not isinstance(data, dict):
        raise ModelError("a calibration spec must be a mapping (scenario:, parameters:, series:, ...)",
                         file=file)
    _read_numbers(data)
    for key in data:
        if key not in SPEC_KEYS:
            raise c.err(f"unknown calibration field '{key}'", data, key, hint=suggest(str(key), SPEC_KEYS))
    base = Path(file).parent if file else Path(".")
    if "scenario" not in data:
        raise c.err("the calibration names no scenario", data, hint="add 'scenario: path/to/scenario.yaml'")
    if not isinstance(data["scenario"], str) or not (base / data["scenario"]).is_file():
        raise c.err(f"the scenario {base / str(data['scenario'])} is not there" if isinstance(data["scenario"], str)
                    else "'scenario' names one scenario file", data, "scenario")
    scenario = base / str(data["scenario"])
    catalog = load_catalog(base / str(data["data"])) if data.get("data") else None
    params = _parameters(data.get("parameters"), c, data)
    default = _discrepancy(data.get("discrepancy", "none"),
                           lambda m, h=None: c.err(m, data, "discrepancy", hint=h))
    series = _all_series(data.get("series"), c, data, catalog, base, default)
    hc = hindcast_settings(data.get("hindcast"), c, data)
    unknown = [n for n in hc.series if n not in [s.name for s in series]]
    if unknown:
        raise c.err(f"the hindcast scores '{unknown[0]}', which is not a series of the spec", data,
                    "hindcast", hint=suggest(unknown[0], [s.name for s in series]))
    fixed = data.get("fixed") or {}
    if not isinstance(fixed, dict) or not all(_is_num(v) for v in fixed.values()):
        raise c.err("'fixed' maps parameter names to numbers", data, "fixed")
    holdout = data.get("holdout")
    if holdout is not None and not _is_num(holdout):
        raise c.err("'holdout' must be a time (a number)", data, "holdout")
    project = data.get("project")
    if project is not None and not _is_num(project):
        raise c.err("'project' must be a time (a number): the end of the projection", data, "project")
    level = uncertainty_level(data.get("uncertainty"), c, data)
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise c.err(f"'seed' must be a whole number >= 0, not {seed!r}", data, "seed")
    canonical = {"scenario_file": scenario.name, "seed": seed, "holdout": holdout, "level": level,
                 "parameters": [[p.name, p.low, p.high, p.scale, p.prior] for p in params],
                 "fixed": {k: float(v) for k, v in fixed.items()},
                 "series": [[s.name, s.variable, s.read, s.error, s.scale, s.weight, s.floor, s.fit]
                            + ([s.discrepancy, s.sd_max] if s.discrepancy != "none" else [])
                            for s in series],
                 "optimizer": None, "mcmc": None}
    spec = CalibrationSpec(name=str(data.get("calibration") or Path(file or "calibration").stem),
                           scenario=scenario, parameters=tuple(params), series=tuple(series),
                           seed=seed, fixed={k: float(v) for k, v in fixed.items()},
                           holdout=None if holdout is None else float(holdout),
                           optimizer=optimizer_settings(data.get("optimizer"), c, data, len(params)),
                           level=level, mcmc=mcmc_settings(data.get("mcmc"), c, data),
                           hindcast=hc, project=None if project is None else float(project),
                           lines={k: data.line_of(k) for k in data} if hasattr(data, "line_of") else {},
                           description=str(data.get("description") or ""),
                           assumes=str(data.get("assumes") or "").strip(), file=file, text=text)
    canonical["optimizer"] = list(spec.optimizer.__dict__.values())
    canonical["mcmc"] = list(spec.mcmc.__dict__.values())
    return replace(spec, canonical=canonical)


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _read_numbers(obj):
    """YAML 1.1 reads 1e-7 as text: turn number-like text values into numbers (in place)."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in list(items):
        if isinstance(v, str) and _NUMBER.match(v.strip()):
            obj[k] = float(v)
        elif isinstance(v, (dict, list)):
            _read_numbers(v)


def _parameters(block, c, data) -> list:
    if not isinstance(block, dict) or not block:
        raise c.err("the calibration estimates no parameters", data, "parameters" if block is not None else None,
                    hint="add 'parameters: {name: {bounds: [low, high]}}'")
    return [_parameter(str(k), v, c, block) for k, v in block.items()]


def _parameter(name, spec, c, block) -> FreeParameter:
    line = block.line_of(name) if hasattr(block, "line_of") else None
    bad = lambda msg, hint=None: ModelError(msg, file=c.file, line=line, element=name, hint=hint)  # noqa: E731
    if spec == "declared":
        return FreeParameter(name, math.nan, math.nan, "linear", None, line)
    if isinstance(spec, list):
        spec = {"bounds": spec}
    if not isinstance(spec, dict):
        raise bad("a free parameter is {bounds: [low, high]} (optionally scale:, prior:) or 'declared'")
    unknown = [k for k in spec if k not in ("bounds", "scale", "prior")]
    if unknown:
        raise bad(f"unknown field '{unknown[0]}'", hint="a free parameter takes bounds, scale, prior")
    b = spec.get("bounds", "declared")
    if b == "declared":
        lo = hi = math.nan
    elif isinstance(b, list) and len(b) == 2 and all(_is_num(x) for x in b):
        lo, hi = float(b[0]), float(b[1])
        if not lo < hi:
            raise bad(f"bounds must be [low, high] with low < high, not {b}")
    else:
        raise bad("'bounds' must be [low, high] (numbers)")
    scale = str(spec.get("scale", "linear"))
    if scale not in ("linear", "log"):
        raise bad(f"unknown scale '{scale}'", hint="linear or log")
    if scale == "log" and not (math.isnan(lo) or lo > 0):
        raise bad("a log scale needs positive bounds")
    return FreeParameter(name, lo, hi, scale, _prior(spec.get("prior"), bad), line)


def _prior(spec, bad):
    if spec is None:
        return None
    if not isinstance(spec, dict) or len(spec) != 1:
        raise bad("a prior is {normal: [mean, sd]} or {lognormal: [median, sigma]}")
    kind, args = next(iter(spec.items()))
    if kind not in PRIORS:
        raise bad(f"unknown prior '{kind}'", hint="normal or lognormal")
    if isinstance(args, dict):
        keys = ("mean", "sd") if kind == "normal" else ("median", "sigma")
        args = [args.get(k) for k in keys]
    if not (isinstance(args, list) and len(args) == 2 and all(_is_num(a) for a in args)) or args[1] <= 0 \
            or (kind == "lognormal" and args[0] <= 0):
        raise bad(f"a {kind} prior needs two numbers, the second (and for lognormal the first) positive")
    return (kind, float(args[0]), float(args[1]))


def _discrepancy(spec, bad) -> tuple:
    """(model, sd_max) of a discrepancy setting: 'none', 'ar1' or {model: ar1, sd_max: x}."""
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in ("model", "sd_max")]
        if unknown:
            raise bad(f"unknown discrepancy field '{unknown[0]}'", "a discrepancy takes model: and sd_max:")
        model, sd_max = spec.get("model", "ar1"), spec.get("sd_max", 0.5)
    else:
        model, sd_max = spec, 0.5
    if model not in DISCREPANCIES:
        raise bad(f"unknown discrepancy '{model}'", "ar1 (an autoregressive model error) or none")
    if not _is_num(sd_max) or sd_max <= 0:
        raise bad("the discrepancy's 'sd_max' must be a positive number")
    return str(model), float(sd_max)


def _all_series(block, c, data, catalog, base, default=("none", 0.5)) -> list:
    if not isinstance(block, dict) or not block:
        raise c.err("the calibration names no series", data, "series" if block is not None else None,
                    hint="add 'series: {name: {variable: x, read: mean}}'")
    out = [_series(str(k), v or {}, c, block, catalog, base, default) for k, v in block.items()]
    if not any(s.fit for s in out):
        raise c.err("every series says 'fit: false': there is nothing to fit", data, "series")
    return out


def _series(name, spec, c, block, catalog, base, default=("none", 0.5)) -> SeriesSpec:
    line = block.line_of(name) if hasattr(block, "line_of") else None
    bad = lambda msg, hint=None: ModelError(msg, file=c.file, line=line, element=name, hint=hint)  # noqa: E731
    if not isinstance(spec, dict):
        raise bad("a series entry is a mapping (variable:, read:, error:, scale:, ...)")
    unknown = [k for k in spec if k not in SERIES_KEYS]
    if unknown:
        raise bad(f"unknown field '{unknown[0]}'", hint=suggest(unknown[0], SERIES_KEYS))
    if spec.get("file"):
        if not spec.get("units"):
            raise bad("a series read from 'file' needs its 'units'")
        if not (base / str(spec["file"])).is_file():
            raise bad(f"the data file {base / str(spec['file'])} is not there")
        series = read_series_file(base / str(spec["file"]), name=name, units=str(spec["units"]))
    elif catalog is not None:
        series = catalog.get(name, (c.file, line))
    else:
        raise bad("the series names no file and the spec names no data catalogue",
                  hint="add 'data: path/to/catalog.yaml' or 'file:' and 'units:' to the series")
    variable = str(spec.get("variable") or series.variable)
    read = str(spec.get("read") or series.read or "at")
    if not variable:
        raise bad("the series names no model variable", hint="add 'variable: name'")
    if read not in READS:
        raise bad(f"unknown reading '{read}'", hint="one of " + ", ".join(READS))
    series = _window(series, spec.get("times"), bad)
    series = _period_ends(series, read, spec.get("period", 1), bad)
    error = str(spec.get("error", "normal"))
    if error not in ERRORS:
        raise bad(f"unknown error model '{error}'", hint="one of " + ", ".join(ERRORS))
    if error == "lognormal" and (series.value <= 0).any():
        raise bad("a log-normal error needs positive observations")
    scale = _scale(spec.get("scale"), series, bad)
    weight = spec.get("weight", 1.0)
    if not _is_num(weight) or weight <= 0:
        raise bad("'weight' must be a positive number")
    floor = spec.get("floor", 0.01)
    if not _is_num(floor) or floor <= 0:
        raise bad("'floor' must be a positive number")
    fit = spec.get("fit", True)
    if not isinstance(fit, bool):
        raise bad("'fit' is true (fit the series) or false (only compare it with the model)")
    disc, sd_max = _discrepancy(spec["discrepancy"], bad) if "discrepancy" in spec else default
    if disc != "none" and error == "robust":
        raise bad("a discrepancy needs a normal or log-normal error, not 'robust'")
    return SeriesSpec(name, series, variable, read, error, scale, float(weight), float(floor), fit,
                      disc, sd_max, line)


def _window(series, times, bad) -> Series:
    if times is None:
        return series
    if not (isinstance(times, list) and len(times) == 2 and all(_is_num(t) for t in times)):
        raise bad("'times' must be [from, to]: the rows whose time lies in [from, to)")
    out = series.select(float(times[0]), float(times[1]))
    if not len(out):
        raise bad(f"no observation of {series.file} lies in {times}")
    return out


def _period_ends(series, read, period, bad) -> Series:
    import numpy as np
    if not _is_num(period) or period <= 0:
        raise bad("'period' must be a positive length of time")
    if read not in PERIOD_READS and read != "end":
        return series
    end = np.where(np.isnan(series.end), series.time + float(period), series.end)
    return replace(series, end=end)


def _scale(spec, series, bad) -> tuple:
    import numpy as np
    if spec is None:
        return ("se",) if len(series.se) and not np.isnan(series.se).any() else ("estimate",)
    if spec == "estimate":
        if len(series) < 3:
            raise bad(f"the series has {len(series)} observation(s): too few to estimate its error scale",
                      hint="give 'scale' (a number or {relative: f}) or standard errors")
        return ("estimate",)
    if spec == "se":
        if np.isnan(series.se).any():
            raise bad("'scale: se' but some rows give no standard error ('se' column)")
        return ("se",)
    if _is_num(spec) and spec > 0:
        return ("absolute", float(spec))
    if isinstance(spec, dict) and set(spec) == {"relative"} and _is_num(spec["relative"]) and spec["relative"] > 0:
        return ("relative", float(spec["relative"]))
    raise bad("'scale' is 'estimate', 'se', a positive number or {relative: fraction}")


def _is_num(x) -> bool:
    return is_number(x)
