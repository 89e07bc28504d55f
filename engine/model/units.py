"""Unit consistency: each unit symbol is its own dimension; equations must agree with declarations.

Units are read from the ``units`` text of elements ("yuan/t", "Mt/year", "1/(t*year)", "kWh^2").
Each symbol is its own base (so Mt and t differ: a conversion must be explicit, through a
parameter whose units say so). Plurals are folded ("years" = "year"); "1", "dimensionless",
"fraction", "share" and "" inside a product mean no dimension. An element with no units is
unknown, and so is a bare number: they agree with anything.

Checked: the equation of a flow or auxiliary against its declared units; each inflow and outflow
of a stock against stock units / time units; both sides of +, -, comparisons, MIN/MAX and the
branches of IF THEN ELSE; dimensionless arguments of EXP, LN, LOG10 and trigonometric functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import builtins
from .. import lang as ex

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?P<sym>[A-Za-z$%€¥_][\w$%€¥]*)|(?P<op>[*/^()·-]))")
NONE_WORDS = {"1", "dimensionless", "fraction", "share", "unitless", "dmnl", "none", "ratio"}


class UnitSyntaxError(ValueError):
    """Units text that cannot be read ('kg/', 'm^x')."""


SYNONYMS = {"yr": "year", "a": "year", "hr": "hour", "h": "hour", "min": "minute", "wk": "week",
            "mo": "month", "sec": "second", "s": "second"}


def _fold(sym: str) -> str:
    low = sym.lower()
    if low in NONE_WORDS:
        return ""
    if low in SYNONYMS:
        return SYNONYMS[low]
    if len(sym) > 3 and sym.endswith("s") and not sym.endswith("ss"):
        return sym[:-1]
    return sym


def parse_units(text: str) -> dict | None:
    """Units text -> {symbol: exponent}; None when the units are unknown (empty)."""
    text = (text or "").strip()
    if not text:
        return None
    toks = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise UnitSyntaxError(f"cannot read units '{text}' at '{text[pos:]}'")
        pos = m.end()
        kind = str(m.lastgroup)
        toks.append((kind, m.group(kind)))
    toks.append(("end", ""))
    i = 0

    def factor():
        nonlocal i
        kind, val = toks[i]
        if kind == "op" and val == "(":
            i += 1
            d = product()
            if toks[i] != ("op", ")"):
                raise UnitSyntaxError(f"unbalanced parentheses in units '{text}'")
            i += 1
        elif kind == "sym":
            i += 1
            s = _fold(val)
            d = {s: 1} if s else {}
        elif kind == "num":
            i += 1
            d = {}
        else:
            raise UnitSyntaxError(f"cannot read units '{text}'")
        if toks[i] == ("op", "^"):
            i += 1
            sign = -1 if toks[i] == ("op", "-") else 1
            if sign < 0:
                i += 1
            if toks[i][0] != "num":
                raise UnitSyntaxError(f"exponent must be a number in units '{text}'")
            p = sign * float(toks[i][1])
            i += 1
            d = {k: v * p for k, v in d.items()}
        return d

    def product():
        nonlocal i
        d = factor()
        while toks[i][0] == "op" and toks[i][1] in "*/·":
            op = toks[i][1]
            i += 1
            d = mul(d, factor(), -1 if op == "/" else 1)
        return d

    d = product()
    if toks[i][0] != "end":
        raise UnitSyntaxError(f"cannot read units '{text}'")
    return d


def mul(a, b, sign=1):
    """The product of two unit maps (``sign=-1``: the quotient a / b)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + sign * v
        if abs(out[k]) < 1e-12:
            del out[k]
    return out


def show(d) -> str:
    """A unit map as text ('kg*yuan/(km*t)'; '?' when unknown)."""
    if d is None:
        return "?"
    if not d:
        return "1"
    num = [k if v == 1 else f"{k}^{v:g}" for k, v in sorted(d.items()) if v > 0]
    den = [k if v == -1 else f"{k}^{-v:g}" for k, v in sorted(d.items()) if v < 0]
    text = "*".join(num) or "1"
    if den:
        text += "/" + ("*".join(den) if len(den) == 1 else "(" + "*".join(den) + ")")
    return text


@dataclass(frozen=True)
class UnitIssue:
    """One unit inconsistency: the element, what is wrong, and where the element is written."""
    element: str
    message: str
    file: str | None
    line: int | None

    def __str__(self):
        where = f"{self.file}:{self.line}: " if self.file else ""
        return f"{where}in '{self.element}': {self.message}"


def _constant(node):
    """The value of a constant expression (2, -1, 1/2), or None."""
    try:
        return ex.constant(node)
    except ValueError:
        return None


def _is_number(node) -> bool:
    return isinstance(node, ex.Num) or isinstance(node, ex.Unary) and isinstance(node.arg, ex.Num)


class _Checker:
    def __init__(self, model):
        self.model = model
        self.issues: list = []
        self.time_units = parse_units(model.time.units) if model.time.units else None
        self.declared = {}
        for n, e in model.elements.items():
            try:
                self.declared[n] = parse_units(e.units)
            except UnitSyntaxError as exc:
                self.issue(e, str(exc))
                self.declared[n] = None

    def issue(self, el, msg):
        self.issues.append(UnitIssue(el.name, msg, el.where.file, el.where.line))

    def agree(self, a, b):
        return a is None or b is None or a == b

    def units(self, node, el):
        """Units of an expression; None when unknown."""
        if isinstance(node, ex.Num):
            return None
        if isinstance(node, ex.Name):
            if node.id.lower() in ("time", "starttime", "stoptime", "dt", "initial_time", "final_time"):
                return self.time_units
            return self.declared.get(node.id)
        if isinstance(node, ex.Unary):
            a = self.units(node.arg, el)
            return {} if node.op == "not" else a
        if isinstance(node, ex.Bin):
            a, b = self.units(node.left, el), self.units(node.right, el)
            if node.op in ("+", "-", "<", "<=", ">", ">=", "==", "!="):
                if not self.agree(a, b):
                    self.issue(el, f"'{node.op}' joins {show(a)} and {show(b)} in "
                               f"'{ex.unparse(node)}'")
                    return None
                return {} if node.op not in "+-" else (a if a is not None else b)
            if node.op in ("and", "or"):
                return {}
            if node.op in "*/":
                # a bare number scales: it has no dimension here (but agrees with anything in a sum)
                a = {} if _is_number(node.left) else a
                b = {} if _is_number(node.right) else b
                return None if a is None or b is None else mul(a, b, -1 if node.op == "/" else 1)
            if node.op == "^":
                power = _constant(node.right)
                if power is not None and a is not None:
                    return {k: v * power for k, v in a.items() if v * power}
                if a:
                    self.issue(el, f"a quantity in {show(a)} is raised to a power that is not a number")
                return {} if a == {} else None
        if isinstance(node, ex.If):
            self.units(node.cond, el)
            a, b = self.units(node.then, el), self.units(node.other, el)
            if not self.agree(a, b):
                self.issue(el, f"the branches of if-then-else differ: {show(a)} vs {show(b)}")
                return None
            return a if a is not None else b
        if isinstance(node, ex.Call):
            return self.call(node, el)
        return None

    def call(self, node, el):
        """Units of a function call, by the registry's unit rule of the function."""
        args = [self.units(x, el) for x in node.args]
        target = self.model.elements.get(node.fn)
        if target is not None and target.kind == "lookup":
            return self.declared.get(node.fn)
        b = builtins.get(node.fn)
        rule = b.units if b else "none"
        if rule == "dimensionless":
            if args and args[0]:
                self.issue(el, f"{b.name.upper()} needs a dimensionless argument, got {show(args[0])}")
            return {}
        if rule in ("same", "select"):
            vals = args[1:] if rule == "select" else args[:1] if b.name == "mod" else args
            known = [a for a in vals if a is not None]
            if any(k != known[0] for k in known):
                self.issue(el, f"{b.name.upper()} mixes {', '.join(show(k) for k in known)}")
                return None
            return known[0] if known else None
        if rule == "second":
            return args[1] if len(args) > 1 else None
        if rule == "first" or rule == "step":
            return args[0] if args else None
        if rule == "ratio":
            return None if args[0] is None or args[1] is None else mul(args[0], args[1], -1)
        if rule == "per_time":
            return mul({}, self.time_units, -1) if self.time_units is not None else None
        if rule in ("ramp", "integral"):
            return None if args[0] is None or self.time_units is None else mul(args[0], self.time_units)
        if rule == "power" and b.name == "sqrt":
            return None if args[0] is None else {k: v / 2 for k, v in args[0].items()}
        return {} if rule == "none" else None

    def run(self):
        for el in self.model.elements.values():
            if el.kind in ("flow", "auxiliary") and el.equation is not None:
                got = self.units(el.equation, el)
                want = self.declared.get(el.name)
                if not self.agree(got, want):
                    self.issue(el, f"the equation gives {show(got)} but the units are declared as "
                               f"{show(want)}")
            elif el.kind == "stock":
                stock = self.declared.get(el.name)
                init = self.units(el.equation, el) if el.equation is not None else None
                if not self.agree(init, stock):
                    self.issue(el, f"the initial value is in {show(init)}, the stock in {show(stock)}")
                if stock is None or self.time_units is None:
                    continue
                want = mul(stock, self.time_units, -1)
                for f in el.inflows + el.outflows:
                    got = self.declared.get(f)
                    if got is not None and got != want:
                        self.issue(el, f"flow '{f}' is in {show(got)}; a flow of this stock must be in "
                                   f"{show(want)}")
        return self.issues


def check_units(model, strict: bool = False) -> list:
    """Every unit inconsistency in a model (empty list when consistent); ``strict`` also names
    every element that declares no units (which otherwise agrees with anything)."""
    checker = _Checker(model)
    issues = checker.run()
    if strict:
        for el in model.elements.values():
            if not el.hidden and not el.units.strip():
                issues.append(UnitIssue(el.name, f"the {el.kind} declares no units", el.where.file,
                                        el.where.line))
    return issues
