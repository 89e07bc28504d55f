"""JavaScript implementations of the builtins, for the JavaScript backend (models run in a page).

Each entry is the text of a JavaScript function expression over doubles; the generated module
binds it to ``_fn_<name>``. Each gives the value its scalar twin in ``scalar.py`` gives (IEEE
arithmetic is the same; ``Math.exp``, ``Math.log`` and ``Math.pow`` may differ from C's in the last
bit). Time functions receive the time first, as their registry kind says.
"""
from __future__ import annotations

ROUND_HALF_EVEN = """function (x) {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1.0;
  if (d < 0.5) return f;
  return f % 2.0 === 0.0 ? f : f + 1.0;
}"""

# a mod b with the sign of b, as numpy.mod (NaN where b is 0)
MOD = """function (a, b) {
  if (b === 0.0) return NaN;
  const r = a % b;
  if (r === 0.0) return b < 0 ? -0.0 : 0.0;
  return (r < 0) !== (b < 0) ? r + b : r;
}"""

JS = {
    "abs": "Math.abs",
    "exp": "Math.exp",
    "ln": "Math.log",
    "log10": "Math.log10",
    "expm1": "Math.expm1",
    "log1p": "Math.log1p",
    "sinh": "Math.sinh",
    "cosh": "Math.cosh",
    "tanh": "Math.tanh",
    "sqrt": "Math.sqrt",
    "sin": "Math.sin",
    "cos": "Math.cos",
    "tan": "Math.tan",
    "arcsin": "Math.asin",
    "arccos": "Math.acos",
    "arctan": "Math.atan",
    "int": "Math.floor",
    "round": ROUND_HALF_EVEN,
    "sign": "function (x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x * 0.0; }",
    "logistic": "function (x) { return 1.0 / (1.0 + Math.exp(-x)); }",
    "mod": MOD,
    "power": "Math.pow",
    "min": "Math.min",      # NaN wins, as numpy.minimum
    "max": "Math.max",
    "clip": "function (x, lo, hi) { return Math.min(Math.max(x, lo), hi); }",
    "safediv": "function (a, b, x) { return b === 0.0 ? x : a / b; }",
    "xidz": "function (a, b, x) { return b === 0.0 ? x : a / b; }",
    "zidz": "function (a, b) { return b === 0.0 ? 0.0 : a / b; }",
    "step": "function (ts, height, start) { return ts >= start ? height : 0.0; }",
    "ramp": """function (t, slope, start, end) {
  const top = start > end ? start : end;
  let x = t > start ? t : start;
  x = x < top ? x : top;
  return slope * (x - start);
}""",
    "pulse": """function (ts, start, width, dt) {
  const w = width > 0 ? width : dt;
  return ts >= start && ts < start + w ? 1.0 : 0.0;
}""",
    "pulse_train": """function (ts, start, width, interval, end, dt) {
  const w = width > 0 ? width : dt;
  let phase = ts - start;
  if (interval > 0) {
    phase = phase % interval;
    if (phase !== 0.0 && (phase < 0) !== (interval < 0)) phase += interval;
  }
  return ts >= start && ts <= end && phase < w ? 1.0 : 0.0;
}""",
}

# a graphical function through (xs, ys), computed as numpy.interp does (scalar.interp, in JavaScript)
INTERP = """function _interp(x, xs, ys, extrapolate) {
  const n = xs.length;
  if (n === 1) return ys[0];
  if (x !== x) return x;
  if (x < xs[0]) return extrapolate ? ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0]) : ys[0];
  if (x > xs[n - 1]) {
    return extrapolate ? ys[n - 1] + (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) * (x - xs[n - 1]) : ys[n - 1];
  }
  let lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const j = xs[hi] <= x ? hi : lo;
  if (j === n - 1 || xs[j] === x) return ys[j];
  const slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]);
  let y = slope * (x - xs[j]) + ys[j];
  if (y !== y) {
    y = slope * (x - xs[j + 1]) + ys[j + 1];
    if (y !== y && ys[j] === ys[j + 1]) y = ys[j];
  }
  return y;
}"""
