"""The ``levers:`` section of a scenario: parameters a person may move in the interactive app.

A scenario groups its levers by heading; each lever names a parameter and a label, and may narrow
the parameter's declared range, set the slider's step and restate its units::

    levers:
      Carbon-price policy:
        - {parameter: price_floor, label: Price floor, range: [0, 300], step: 5}
        - {parameter: auction_share_final, label: Auctioned share, step: 0.05}

A plain list (no headings) puts every lever in one group, "Levers". See docs/app.md.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from .errors import ModelError, ModelErrors
from .model.check import is_finite_number

DEFAULT_GROUP = "Levers"
FIELDS = ("parameter", "label", "range", "step", "units", "doc")
STEPS_BY_DEFAULT = 100          # a lever without a step moves in 1/100 of its range


@dataclass(frozen=True)
class Lever:
    """One slider: a parameter, its label and group, the range and step it moves over.

    ``value`` is the parameter's value in the scenario as written (the baseline).
    """
    parameter: str
    label: str
    group: str
    low: float
    high: float
    step: float
    units: str = ""
    doc: str = ""
    value: float = 0.0
    line: int | None = None

    @property
    def is_switch(self) -> bool:
        """True for an on/off lever: two positions, its two ends."""
        return math.isclose(self.step, self.high - self.low)

    def to_dict(self) -> dict:
        """Plain data for JSON (the app's page)."""
        return {"parameter": self.parameter, "label": self.label, "group": self.group,
                "low": self.low, "high": self.high, "step": self.step, "units": self.units,
                "doc": self.doc, "value": self.value, "switch": self.is_switch}


def _line(mapping, key=None):
    if key is not None and hasattr(mapping, "line_of"):
        return mapping.line_of(key)
    return getattr(mapping, "line", None)


def _number(value) -> float | None:
    """A finite number, or None (YAML 1.1 reads 1e6 as text, so numeric text is accepted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if is_finite_number(value):
        return float(value)
    return None


def _file(mapping, key, default):
    """The file ``key`` was written in (sections merged by 'extends' span several files)."""
    found = mapping.file_of(key, default) if hasattr(mapping, "file_of") else None
    return found or default


def _groups(raw, file, errors) -> list:
    """(group, item, line, file) for every lever entry, in the order written."""
    if isinstance(raw, list):
        return [(DEFAULT_GROUP, item, _line(raw), file) for item in raw]
    if not isinstance(raw, dict):
        errors.append(ModelError("levers must be a mapping of group headings to lists of levers "
                                 "(or one list)", file=file, line=_line(raw), element="levers",
                                 hint="see docs/app.md"))
        return []
    out = []
    for group, items in raw.items():
        if not isinstance(items, list):
            errors.append(ModelError(f"the lever group '{group}' must be a list of levers", file=file,
                                     line=_line(raw, group), element=str(group),
                                     hint="- {parameter: NAME, label: TEXT}"))
            continue
        out += [(str(group), item, _line(raw, group), _file(raw, group, file)) for item in items]
    return out


class _LeverReader:
    """Checks one lever entry against the model; collects errors instead of stopping."""

    def __init__(self, model, file):
        self.model = model
        self.file = file
        self.errors: list[ModelError] = []

    def error(self, message, line, element, hint=None):
        self.errors.append(ModelError(message, file=self.file, line=line, element=element, hint=hint))

    def read(self, group, item, group_line, file) -> Lever | None:
        """The lever of one entry written in ``file``, or None (its problems are recorded)."""
        self.file = file
        if not isinstance(item, dict):
            self.error("a lever is a mapping: {parameter: NAME, label: TEXT, ...}", group_line, group)
            return None
        line = _line(item) or group_line
        name = item.get("parameter")
        who = str(name) if name is not None else f"lever in group '{group}'"
        for key in item:
            if key not in FIELDS:
                self.error(f"unknown lever field '{key}'", _line(item, key), who,
                           hint="allowed: " + ", ".join(FIELDS))
        element = self._parameter(name, line, who)
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            self.error("a lever needs a label (the text beside its slider)", line, who)
            label = None
        if element is None or label is None:
            return None
        bounds = self._range(item, element, line)
        if bounds is None:
            return None
        step = self._step(item, bounds, line, element.name)
        units = self._units(item, element, line)
        if step is None or units is None:
            return None
        value = float(element.value)
        if not bounds[0] <= value <= bounds[1]:
            self.error(f"the scenario's value {value:g} is outside the lever's range "
                       f"[{bounds[0]:g}, {bounds[1]:g}]", _line(item, "range") or line, element.name,
                       hint="widen the lever's range to include it")
            return None
        doc = item.get("doc", element.doc)
        return Lever(parameter=element.name, label=label.strip(), group=group, low=bounds[0],
                     high=bounds[1], step=step, units=units, doc=str(doc or ""), value=value, line=line)

    def _parameter(self, name, line, who):
        if not isinstance(name, str) or not name:
            self.error("a lever needs 'parameter:', the name of the parameter it moves", line, who)
            return None
        element = self.model.elements.get(name)
        if element is None:
            close = difflib.get_close_matches(name, list(self.model.parameters), n=1)
            self.error(f"'{name}' is not a parameter of the model", line, name,
                       hint=f"did you mean '{close[0]}'?" if close else None)
            return None
        if element.kind != "parameter":
            self.error(f"'{name}' is a {element.kind}, not a parameter; only parameters can be levers",
                       line, name)
            return None
        return element

    def _range(self, item, element, line):
        declared = element.range
        if "range" not in item:
            if declared is None:
                self.error("the parameter declares no range, so the lever needs 'range: [low, high]'",
                           line, element.name)
                return None
            if not declared[0] < declared[1]:
                self.error(f"the parameter's declared range [{declared[0]:g}, {declared[1]:g}] "
                           "leaves nothing to move", line, element.name)
                return None
            return float(declared[0]), float(declared[1])
        raw = item["range"]
        rline = _line(item, "range") or line
        bounds = [_number(b) for b in raw] if isinstance(raw, list) and len(raw) == 2 else None
        if not bounds or None in bounds or not bounds[0] < bounds[1]:
            self.error("a lever's range must be [low, high], two numbers with low < high", rline,
                       element.name)
            return None
        if declared is not None and not (declared[0] <= bounds[0] and bounds[1] <= declared[1]):
            self.error(f"the lever's range [{bounds[0]:g}, {bounds[1]:g}] goes outside the parameter's "
                       f"declared range [{declared[0]:g}, {declared[1]:g}]", rline, element.name,
                       hint=f"see {element.where.file}:{element.where.line}")
            return None
        return bounds[0], bounds[1]

    def _step(self, item, bounds, line, name):
        width = bounds[1] - bounds[0]
        if "step" not in item:
            return width / STEPS_BY_DEFAULT
        step = _number(item["step"])
        if step is None or step <= 0 or step > width * (1 + 1e-12):
            self.error(f"a lever's step must be a number above 0 and at most the width of its range "
                       f"({width:g})", _line(item, "step") or line, name)
            return None
        return step

    def _units(self, item, element, line):
        if "units" not in item:
            return element.units
        units = item["units"]
        if not isinstance(units, str):
            self.error("a lever's units must be text", _line(item, "units") or line, element.name)
            return None
        if element.units and units.replace(" ", "") != element.units.replace(" ", ""):
            self.error(f"the lever's units '{units}' differ from the parameter's units "
                       f"'{element.units}'", _line(item, "units") or line, element.name,
                       hint="leave 'units' out to use the parameter's")
            return None
        return units


def parse_levers(raw, model, file=None) -> tuple[Lever, ...]:
    """The levers of a scenario's ``levers:`` section, checked against ``model``.

    Raises ``ModelError`` (every problem found, each naming the file, line and lever): an unknown
    parameter, a range outside the parameter's declared range, a bad step, a lever declared twice,
    a missing label, a scenario value the slider cannot reach.
    """
    if raw is None:
        return ()
    reader = _LeverReader(model, file)
    levers: list[Lever] = []
    seen: dict[str, Lever] = {}
    for group, item, group_line, group_file in _groups(raw, file, reader.errors):
        lever = reader.read(group, item, group_line, group_file)
        if lever is None:
            continue
        first = seen.get(lever.parameter)
        if first is not None:
            reader.error(f"'{lever.parameter}' has two levers (the first in group '{first.group}'"
                         + (f", line {first.line})" if first.line else ")"), lever.line, lever.parameter,
                         hint="a parameter may have one lever")
            continue
        seen[lever.parameter] = lever
        levers.append(lever)
    if reader.errors:
        raise reader.errors[0] if len(reader.errors) == 1 else ModelErrors(reader.errors)
    return tuple(levers)


def lever_groups(levers) -> list[tuple[str, list[Lever]]]:
    """Levers by group, groups in the order they first appear."""
    groups: dict[str, list[Lever]] = {}
    for lever in levers:
        groups.setdefault(lever.group, []).append(lever)
    return list(groups.items())
