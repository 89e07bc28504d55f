"""Observed series: the data catalogue (YAML) and its CSV files, read and checked.

A series file is CSV with a header row; lines starting with ``#`` are comments. Columns:
``time`` (required), ``value`` (required), ``end`` (end of the period a row covers), ``se``
(standard error, in the series' units); any other column (quality, note, ...) is kept as text.
The catalogue (``catalog.yaml``) names each series' file, units, public source and quality, and
optionally the model variable it measures and how the model is read against it.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..frontends.yaml.yamlio import load_file
from ..model.check import suggest

READS = ("at", "end", "mean", "integral", "sum", "change")
PERIOD_READS = ("mean", "integral", "sum", "change")
# published units the model keeps in another form: (series units, model units, factor)
CONVERSIONS = {"%": ("dmnl", 0.01)}


@dataclass(frozen=True)
class Series:
    """One observed series: times (period starts), period ends, values, standard errors."""
    name: str
    units: str
    time: np.ndarray
    end: np.ndarray                 # NaN where a row gives no end
    value: np.ndarray
    se: np.ndarray                  # NaN where a row gives none
    file: str = ""
    source: str = ""
    quality: str = ""
    description: str = ""
    variable: str = ""
    read: str = ""
    lines: tuple = ()               # file line of each row (for error messages)
    extra: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.value)

    def select(self, lo: float = -math.inf, hi: float = math.inf) -> Series:
        """The rows whose time lies in [lo, hi)."""
        keep = (self.time >= lo) & (self.time < hi)
        return self.subset(keep)

    def subset(self, keep) -> Series:
        """The rows where ``keep`` is true."""
        from dataclasses import replace
        keep = np.asarray(keep, bool)
        return replace(self, time=self.time[keep], end=self.end[keep], value=self.value[keep],
                       se=self.se[keep], lines=tuple(x for x, k in zip(self.lines, keep) if k),
                       extra={k: [x for x, m in zip(v, keep) if m] for k, v in self.extra.items()})


def read_series_file(path, name: str | None = None, units: str = "", **meta) -> Series:
    """Read one series CSV; every problem is a ModelError naming the file and line."""
    path = Path(path)
    rows, header, lines = _csv_rows(path)
    for col in ("time", "value"):
        if col not in header:
            raise ModelError(f"the data file has no '{col}' column", file=str(path), line=lines[0],
                             hint="the header must name at least 'time' and 'value'")
    cols: dict = {h: [] for h in header}
    for row, line in zip(rows[1:], lines[1:]):
        if len(row) != len(header):
            raise ModelError(f"row has {len(row)} fields but the header has {len(header)}",
                             file=str(path), line=line)
        for h, v in zip(header, row):
            cols[h].append(v.strip())
    if not cols["time"]:
        raise ModelError("the data file holds no observations", file=str(path),
                         hint="add rows of 'time,value'")
    num = {c: _numbers(cols[c], c, path, lines[1:], required=c in ("time", "value"))
           for c in ("time", "value", "end", "se") if c in cols}
    n = len(cols["time"])
    end = num.get("end", np.full(n, np.nan))
    bad = np.flatnonzero(end <= num["time"])
    if len(bad):
        raise ModelError("a period must end after it starts ('end' <= 'time')", file=str(path),
                         line=lines[1 + bad[0]])
    se = num.get("se", np.full(n, np.nan))
    if np.any(se <= 0):
        raise ModelError("standard errors must be positive", file=str(path),
                         line=lines[1 + int(np.flatnonzero(se <= 0)[0])])
    extra = {h: cols[h] for h in header if h not in ("time", "value", "end", "se")}
    return Series(name=name or path.stem, units=units, time=num["time"], end=end, value=num["value"],
                  se=se, file=str(path), lines=tuple(lines[1:]), extra=extra, **meta)


def _csv_rows(path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError("data file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"cannot read the data file: {exc}", file=str(path)) from None
    rows, lines = [], []
    for i, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        rows.append(row)
        lines.append(i)
    if not rows:
        raise ModelError("the data file is empty", file=str(path), hint="add a header 'time,value' and rows")
    header = [h.strip().lower() for h in rows[0]]
    if len(set(header)) != len(header):
        raise ModelError("a column is named twice in the header", file=str(path), line=lines[0])
    return rows, header, lines


def _numbers(values, col, path, lines, required):
    out = np.empty(len(values))
    for i, v in enumerate(values):
        if v == "" and not required:
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except ValueError:
            raise ModelError(f"'{v}' in column '{col}' is not a number", file=str(path),
                             line=lines[i]) from None
        if not math.isfinite(out[i]):
            raise ModelError(f"'{v}' in column '{col}' is not a finite number", file=str(path),
                             line=lines[i])
    return out


@dataclass(frozen=True)
class Catalog:
    """The data catalogue: series and tables by name, with their metadata."""
    file: str
    series: dict
    tables: dict

    def get(self, name: str, where=None) -> Series:
        """Read the series ``name`` (its CSV file) with the catalogue's metadata."""
        if name not in self.series:
            file, line = where or (self.file, None)
            raise ModelError(f"the data catalogue {self.file} has no series '{name}'", file=file,
                             line=line, element=name, hint=suggest(name, list(self.series)))
        meta = dict(self.series[name])
        path = Path(self.file).parent / str(meta.pop("file"))
        keys = ("units", "source", "quality", "description", "variable", "read")
        return read_series_file(path, name=name, **{k: str(meta.get(k) or "") for k in keys})

    def table(self, name: str):
        """A seed or reference table of the catalogue as a pandas DataFrame."""
        import pandas as pd
        if name not in self.tables:
            raise ModelError(f"the data catalogue {self.file} has no table '{name}'", file=self.file,
                             element=name, hint=suggest(name, list(self.tables)))
        return pd.read_csv(Path(self.file).parent / self.tables[name]["file"], comment="#")


def load_catalog(path) -> Catalog:
    """Read and check a data catalogue (every series names a file, units and a source)."""
    data, _ = load_file(path)
    if not isinstance(data, dict) or not isinstance(data.get("series", {}), dict):
        raise ModelError("a data catalogue is a mapping with 'series:' (and optionally 'tables:')",
                         file=str(path))
    series = data.get("series") or {}
    for name, meta in series.items():
        line = series.line_of(name) if hasattr(series, "line_of") else None
        if not isinstance(meta, dict):
            raise ModelError("a catalogue entry is a mapping (file:, units:, source:, ...)",
                             file=str(path), line=line, element=str(name))
        for key in ("file", "units", "source"):
            if not meta.get(key):
                raise ModelError(f"the entry names no '{key}'", file=str(path), line=line,
                                 element=str(name))
        if meta.get("read") and meta["read"] not in READS:
            raise ModelError(f"unknown reading '{meta['read']}'", file=str(path), line=line,
                             element=str(name), hint="one of " + ", ".join(READS))
    return Catalog(file=str(path), series=dict(series), tables=dict(data.get("tables") or {}))


def find_catalog(scenario_file) -> Path | None:
    """The catalogue that belongs to a scenario: ``data/catalog.yaml`` beside the scenario file."""
    if not scenario_file:
        return None
    p = Path(scenario_file).parent / "data" / "catalog.yaml"
    return p if p.exists() else None


def conversion(series: Series, model_units: str) -> tuple[float, str]:
    """(factor, units): multiply the series' values by the factor to have them in those units,
    the model's (a known conversion such as % -> dmnl), else (1, the series' units)."""
    conv = CONVERSIONS.get(series.units.strip())
    if conv and _same_units(model_units, conv[0]) and not _same_units(model_units, series.units):
        return conv[1], conv[0]
    return 1.0, series.units


def _same_units(a: str, b: str) -> bool:
    from ..model.units import UnitSyntaxError, parse_units
    try:
        return parse_units(a) == parse_units(b)
    except UnitSyntaxError:
        return False
