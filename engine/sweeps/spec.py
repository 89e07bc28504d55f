"""Sweep spec: the YAML that says which parameters vary, how they are sampled and what to keep.

A spec file looks like::

    sweep: teacup-sensitivity
    scenario: teacup.yaml            # relative to the spec file
    method: sobol                    # grid | latin | montecarlo | morris | sobol
    samples: 256                     # sobol: base N (a power of two); morris: trajectories;
                                     # grid: points per continuous parameter; else: runs
    seed: 42
    parameters:
      room_temperature: {distribution: uniform, low: 60, high: 80}
      characteristic_time: {distribution: triangular, low: 5, mode: 10, high: 20}
      k: {distribution: normal, mean: 1, sd: 0.1, low: 0.8}   # low/high truncate (optional)
      r: {distribution: lognormal, median: 1, sigma: 0.3}
      n: {levels: [1, 2, 4]}
      w: {range: [0, 1]}             # uniform over the range
      v: declared                    # uniform over the range the model declares
    outputs:
      trajectories: [teacup_temperature]
      trajectory_step: 1             # save interval of kept trajectories (default: the model's)
      metrics:
        temp_at_10: {variable: teacup_temperature, at: 10}
        cool_time: {first: teacup_temperature < 100}       # time a condition first holds
        heat_lost: {integral: heat_loss, from: 0, to: 30}  # cumulative over a span
    memory_mb: 512                   # working memory per worker; sets the chunk size
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .. import lang as ex
from ..errors import ModelError
from ..frontends.yaml.yamlio import load_file, load_text
from ..model.check import is_finite_number, suggest
from .distributions import parse_parameter

METHODS = ("grid", "latin", "montecarlo", "morris", "sobol")
SPEC_KEYS = ("sweep", "scenario", "description", "method", "samples", "seed", "levels",
             "second_order", "parameters", "outputs", "memory_mb")
MAX_RUNS = 10_000_000   # runs of one sweep: more is refused before any sample is drawn
MAX_MORRIS_LEVELS = 1_000   # levels of a Morris grid (4 to 10 are usual)


@dataclass(frozen=True)
class Metric:
    """A scalar per run: value ``at`` a time, time a condition ``first`` holds, or an ``integral``."""
    name: str
    kind: str                       # at | first | integral
    variable: str = ""
    time: float = math.nan
    start: float = math.nan
    stop: float = math.nan
    condition: ex.Node | None = None
    text: str = ""
    otherwise: float = math.nan
    line: int | None = None

    @property
    def variables(self) -> list:
        """The model variables the metric reads."""
        if self.condition is not None:
            return sorted(n for n in ex.names(self.condition) if not ex.is_reserved(n))
        return [self.variable]


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, checked sweep spec (model-independent checks only; see ``check_against``)."""
    name: str
    scenario: Path
    method: str
    samples: int
    seed: int
    parameters: tuple
    trajectories: tuple = ()
    trajectory_step: float | None = None
    metrics: tuple = ()
    levels: int = 4
    second_order: bool = False
    memory_mb: float = 512.0
    file: str | None = None
    text: str = ""
    canonical: dict = field(default_factory=dict, compare=False)
    trajectories_line: int | None = None

    @property
    def names(self) -> list:
        """Names of the varied parameters."""
        return [p.name for p in self.parameters]

    @property
    def kept(self) -> list:
        """Variables the runs must save: kept trajectories and what the metrics read."""
        out = list(self.trajectories)
        for m in self.metrics:
            out += [v for v in m.variables if v not in out]
        return out

    def digest(self, model_text: str = "") -> str:
        """Hash of what decides the numbers: the spec's content and the model's text (the files'
        contents, not where they were read from, so a sweep resumes from any working directory)."""
        import re
        model_text = re.sub(r"^# ---- .*$", "# ----", model_text, flags=re.M)
        body = json.dumps(self.canonical, sort_keys=True, default=str) + "\n" + model_text
        return hashlib.sha256(body.encode()).hexdigest()


class _Where:
    def __init__(self, file, data):
        self.file, self.data = file, data

    def err(self, msg, key=None, mapping=None, element=None, hint=None):
        m = mapping if mapping is not None else self.data
        line = m.line_of(key) if hasattr(m, "line_of") and key is not None else getattr(m, "line", None)
        return ModelError(msg, file=self.file, line=line, element=element, hint=hint)


def load_spec(source) -> SweepSpec:
    """A sweep spec from a file path, YAML text or a mapping (paths then relative to cwd)."""
    if isinstance(source, SweepSpec):
        return source
    if isinstance(source, dict):
        return parse_spec(source, file=None, text=json.dumps(source, sort_keys=True, default=str))
    if isinstance(source, str) and "\n" in source:
        return parse_spec(load_text(source), file=None, text=source)
    data, text = load_file(source)
    if isinstance(data, dict) and isinstance(data.get("sweep"), dict):
        # a scenario that carries its own sweep: the spec is its 'sweep:' section
        spec = data["sweep"]
        spec.setdefault("scenario", Path(source).name)
        spec.setdefault("sweep", f"{data.get('scenario', Path(source).stem)}-sweep")
        return parse_spec(spec, file=str(source), text=text)
    return parse_spec(data, file=str(source), text=text)


def parse_spec(data, file=None, text="") -> SweepSpec:
    """Check and normalise a spec mapping; every mistake is a ModelError naming file and line."""
    w = _Where(file, data)
    if not isinstance(data, dict):
        raise ModelError("a sweep spec must be a mapping (scenario:, method:, parameters:, ...)", file=file)
    for key in data:
        if key not in SPEC_KEYS:
            raise w.err(f"unknown sweep field '{key}'", key, hint=suggest(str(key), SPEC_KEYS))
    base = Path(file).parent if file else Path(".")
    if "scenario" not in data:
        raise w.err("the sweep names no scenario", hint="add 'scenario: path/to/scenario.yaml'")
    if not isinstance(data["scenario"], str) or not data["scenario"].strip():
        raise w.err("'scenario' names one scenario file", "scenario")
    scenario = (base / data["scenario"])
    if file is not None and not scenario.is_file():
        raise w.err(f"the scenario {scenario} is not there", "scenario",
                    hint="the path is relative to the spec file")
    method = str(data.get("method", "latin")).lower()
    if method not in METHODS:
        raise w.err(f"unknown method '{method}'", "method", hint="one of " + ", ".join(METHODS))
    seed = _int(data.get("seed", 0), w, "seed", minimum=0, maximum=2 ** 63 - 1)
    params = _parameters(data.get("parameters"), w)
    samples = _samples(data, method, params, w)
    levels = _int(data.get("levels", 4), w, "levels", minimum=2, maximum=MAX_MORRIS_LEVELS)
    if method == "morris" and levels % 2:
        raise w.err(f"Morris needs an even number of levels, not {levels}", "levels")
    outs = data.get("outputs") or {}
    if not isinstance(outs, dict):
        raise w.err("'outputs' must be a mapping (trajectories:, metrics:)", "outputs")
    for key in outs:
        if key not in ("trajectories", "trajectory_step", "metrics"):
            raise w.err(f"unknown field '{key}' in 'outputs'", key, outs,
                        hint="outputs has trajectories, trajectory_step and metrics")
    trajectories = outs.get("trajectories") or []
    if isinstance(trajectories, str):
        trajectories = [trajectories]
    if not isinstance(trajectories, list):
        raise w.err("'trajectories' must be a list of variable names", "trajectories", outs)
    if not isinstance(outs.get("metrics") or {}, dict):
        raise w.err("'metrics' must be a mapping (name: {variable: x, at: year}, ...)", "metrics", outs)
    step = outs.get("trajectory_step")
    if step is not None and (not _is_num(step) or step <= 0):
        raise w.err("'trajectory_step' must be a positive number", "trajectory_step", outs)
    metrics = tuple(_metric(k, v, w, outs.get("metrics")) for k, v in (outs.get("metrics") or {}).items())
    if not trajectories and not metrics:
        raise w.err("the sweep keeps nothing", "outputs" if "outputs" in data else None,
                    hint="list 'outputs: {trajectories: [...], metrics: {...}}'")
    _check_names(params, trajectories, metrics, w, outs)
    memory = data.get("memory_mb", 512)
    if not _is_num(memory) or memory <= 0:
        raise w.err("'memory_mb' must be a positive number of megabytes", "memory_mb")
    second_order = _flag(data.get("second_order", False), w, "second_order")
    canonical = {"scenario_file": scenario.name, "method": method, "samples": samples, "seed": seed,
                 "levels": levels if method == "morris" else None,
                 "second_order": second_order if method == "sobol" else None,
                 "parameters": [[p.name, p.distribution, list(p.args)] for p in params],
                 "trajectories": list(trajectories), "trajectory_step": step,
                 "metrics": [[m.name, m.kind, m.variable, m.time, m.start, m.stop, m.text, m.otherwise]
                             for m in metrics]}
    return SweepSpec(name=str(data.get("sweep") or Path(file or "sweep").stem), scenario=scenario,
                     method=method, samples=samples, seed=seed, parameters=tuple(params),
                     trajectories=tuple(str(t) for t in trajectories), trajectory_step=step,
                     metrics=metrics, levels=levels, second_order=second_order,
                     memory_mb=float(memory), file=file, text=text, canonical=canonical,
                     trajectories_line=outs.line_of("trajectories") if hasattr(outs, "line_of") else None)


def _check_names(params, trajectories, metrics, w, outs):
    """No two outputs alike (the sweep file's own dataset names are the store's to check, see
    ``store.check_names``)."""
    if not all(isinstance(t, str) and t for t in trajectories):
        raise w.err("'trajectories' must be a list of variable names", "trajectories", outs)
    names = [p.name for p in params] + list(trajectories) + [m.name for m in metrics]
    dup = next((n for n in names if names.count(n) > 1 and n not in trajectories), None)
    if dup:
        raise w.err(f"'{dup}' names both a metric and a parameter or trajectory", element=dup)


def run_count(method: str, samples: int, params) -> int:
    """How many runs a method makes from ``samples`` over ``params`` (without drawing them)."""
    d = len(params)
    if method == "sobol":
        return samples * (2 * d + 2)            # at most: second-order indices need 2d + 2
    if method == "morris":
        return samples * (d + 1)
    if method == "grid":
        return math.prod(len(p.a["levels"]) if p.distribution == "levels" else samples for p in params)
    return samples


def _flag(value, w, key) -> bool:
    """true/false (yes/no, also quoted); anything else is an error."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "false", "no", "off"):
        return value.strip().lower() in ("true", "yes", "on")
    raise w.err(f"'{key}' must be true or false, not {value!r}"[:200], key)


def _int(value, w, key, minimum=None, maximum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value) or value != int(value):
        raise w.err(f"'{key}' must be a whole number, not {value!r}"[:200], key)
    if minimum is not None and value < minimum:
        raise w.err(f"'{key}' must be at least {minimum}, not {value}", key)
    if maximum is not None and value > maximum:
        raise w.err(f"'{key}' must be at most {maximum:,}, not {value:,}", key)
    return int(value)


def _finite(x) -> bool:
    try:
        return math.isfinite(x)
    except OverflowError:       # an int too large for a float
        return False


def _samples(data, method, params, w) -> int:
    default = {"grid": 5, "morris": 10, "sobol": 256}.get(method, 100)
    n = _int(data.get("samples", default), w, "samples", minimum=1)
    if method == "sobol" and (n < 2 or n & (n - 1)):
        lo = 1 << max(1, n.bit_length() - 1)
        raise w.err(f"Sobol sampling needs a power of two for 'samples', not {n}", "samples",
                    hint=f"use {lo} or {lo * 2}")
    if method == "morris" and n < 2:
        raise w.err(f"Morris screening needs at least 2 trajectories, not {n}", "samples")
    if method == "grid" and n < 2 and any(p.distribution != "levels" for p in params):
        raise w.err(f"a grid needs at least 2 points per parameter, not {n}", "samples")
    if method in ("morris", "sobol") and len(params) < 2:
        raise w.err(f"{method} needs at least two varied parameters", "parameters")
    if method not in ("montecarlo", "latin") and any(p.distribution == "posterior" for p in params):
        raise w.err(f"posterior draws need method montecarlo or latin, not {method}", "method")
    runs = run_count(method, n, params)
    if runs > MAX_RUNS:
        raise w.err(f"{method} sampling with samples {n:,} over {len(params)} parameters makes {runs:.3g} "
                    f"runs; a sweep may make at most {MAX_RUNS:,}", "samples" if "samples" in data else None,
                    hint="use fewer samples, fewer levels or fewer parameters, or split the study")
    return n


def _parameters(block, w) -> list:
    if not isinstance(block, dict) or not block:
        raise w.err("the sweep varies no parameters", "parameters" if block is not None else None,
                    hint="add 'parameters: {name: {distribution: uniform, low: .., high: ..}}'")
    return [parse_parameter(str(k), v, w, block) for k, v in block.items()]


def _is_num(x) -> bool:
    return is_finite_number(x)


def _metric(name, spec, w, block) -> Metric:
    line = block.line_of(name) if hasattr(block, "line_of") else None
    bad = lambda msg: ModelError(msg, file=w.file, line=line, element=str(name))  # noqa: E731
    if not isinstance(name, str) or not name.isidentifier():
        raise bad(f"'{name}' is not a valid metric name (letters, digits and '_', not starting with a digit)")
    if not isinstance(spec, dict):
        raise bad("a metric is {variable: x, at: year}, {first: condition} or {integral: x, from: a, to: b}")
    other = spec.get("otherwise", math.nan)
    if not isinstance(other, (int, float)) or isinstance(other, bool):
        raise bad("'otherwise' must be a number")
    if "first" in spec:
        try:
            node = ex.named_cells(ex.parse(str(spec["first"])))
        except ex.ExprSyntaxError as exc:
            raise bad(f"cannot read the condition '{spec['first']}': {exc}") from None
        return Metric(str(name), "first", condition=node, text=str(spec["first"]), otherwise=float(other),
                      line=line)
    if "integral" in spec:
        lo, hi = spec.get("from", math.nan), spec.get("to", math.nan)
        if not (_is_num(lo) and _is_num(hi)) or lo >= hi:
            raise bad("an integral needs numbers 'from' < 'to'")
        return Metric(str(name), "integral", variable=str(spec["integral"]), start=float(lo),
                      stop=float(hi), line=line)
    if "at" in spec and "variable" in spec:
        if not _is_num(spec["at"]):
            raise bad("'at' must be a time (a number)")
        return Metric(str(name), "at", variable=str(spec["variable"]), time=float(spec["at"]), line=line)
    raise bad("a metric is {variable: x, at: year}, {first: condition} or {integral: x, from: a, to: b}")
