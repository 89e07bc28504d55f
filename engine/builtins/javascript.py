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
    "integer": "Math.trunc",
    "quantum": "function (a, q) { return q <= 0.0 ? a : q * Math.trunc(a / q); }",
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
  return ts >= start && ts - end <= 2e-6 * dt && phase < w ? 1.0 : 0.0;
}""",
}

# the vector and matrix functions (``cells.py``): one cell of the result from the cells passed last
RANK_OF = """function (k, direction, ...x) {
  const i = Math.trunc(k) - 1, v = x[i];
  let up = 1.0;
  for (let j = 0; j < x.length; j++) if (x[j] < v || (j < i && x[j] === v)) up += 1.0;
  return direction > 0 ? up : x.length + 1.0 - up;
}"""

SORTED_INDEX = """function (k, direction, ...x) {
  const n = x.length;
  if (!(k === k) || k >= n + 1 || k <= -n - 1) return NaN;
  let kk = Math.trunc(k);
  if (kk < 0) kk = n + 1 + kk;
  if (kk < 1) return NaN;
  const want = direction > 0 ? kk : n + 1 - kk;
  for (let j = 0; j < n; j++) {
    let up = 1;
    for (let m = 0; m < n; m++) if (x[m] < x[j] || (m < j && x[m] === x[j])) up += 1;
    if (up === want) return j;
  }
  return NaN;
}"""

PICK = """function (i, ...x) {
  if (!(i === i) || i <= -1.0 || i >= x.length) return NaN;
  return x[Math.trunc(i)];
}"""

LOOKUP_CELLS = """function (x, xmin, xmax, extrapolate, ...y) {
  const n = y.length;
  if (n === 1) return y[0];
  const dx = (xmax - xmin) / (n - 1);
  if (extrapolate === 0) {
    if (x <= xmin) return y[0];
    if (x >= xmax) return y[n - 1];
  }
  const u = x === x ? Math.floor((x - xmin) / dx) : 0.0;
  const j = u < 0 ? 0 : u > n - 2 ? n - 2 : u;
  return y[j] + (x - (xmin + j * dx)) * (y[j + 1] - y[j]) / dx;
}"""

SELECT_CELLS = """function (a, missing, ...sx) {
  const n = sx.length / 2;
  if (!(a === 0 || a === 1 || a === 2 || a === 3 || a === 4 || a === 5 || a === 6 || a === 7 || a === 8 ||
        a === 9 || a === 10)) return NaN;
  let count = 0, acc = 0.0;
  if (a === 1 || a === 5 || a === 7) acc = 1.0;
  else if (a === 2 || a === 8) acc = Infinity;
  else if (a === 3 || a === 9) acc = -Infinity;
  for (let j = 0; j < n; j++) {
    const s = sx[j];
    if (s === 0) continue;
    const x = sx[n + j];
    count += 1;
    const v = a <= 4 ? s * x : a === 5 ? Math.pow(x, s) : x;
    if (a === 0 || a === 4 || a === 6 || a === 10) acc += v;
    else if (a === 1 || a === 5 || a === 7) acc *= v;
    else if (a === 2 || a === 8) acc = (v < acc || v !== v) ? v : acc;
    else acc = (v > acc || v !== v) ? v : acc;
  }
  if (count === 0) return missing;
  return a === 4 || a === 10 ? acc / count : acc;
}"""

INVERSE_CELL = """function (i, j, ...a) {
  const n = Math.round(Math.sqrt(a.length)), w = 2 * n;
  const m = new Float64Array(n * w);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) { m[r * w + c] = a[r * n + c]; m[r * w + n + c] = r === c ? 1.0 : 0.0; }
  }
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * w + c]) > Math.abs(m[p * w + c])) p = r;
    if (m[p * w + c] === 0.0) return NaN;
    if (p !== c) for (let q = 0; q < w; q++) { const t = m[c * w + q]; m[c * w + q] = m[p * w + q]; m[p * w + q] = t; }
    const d = m[c * w + c];
    for (let q = 0; q < w; q++) m[c * w + q] /= d;
    for (let r = 0; r < n; r++) {
      if (r !== c && m[r * w + c] !== 0.0) {
        const f = m[r * w + c];
        for (let q = 0; q < w; q++) m[r * w + q] -= f * m[c * w + q];
      }
    }
  }
  return m[(Math.trunc(i) - 1) * w + n + Math.trunc(j) - 1];
}"""

# a priority profile's share at a level (profiles.served), the normal profile's tail as
# profiles.normal_tail computes it (Abramowitz and Stegun 26.2.16)
PROFILE = """  function tail(z) {
    const x = Math.abs(z), t = 1.0 / (1.0 + 0.33267 * x);
    const q = Math.exp(-0.5 * x * x) / Math.sqrt(2.0 * Math.PI) * t * (0.4361836 + t * (-0.1201676 + t * 0.937298));
    return z >= 0.0 ? q : 1.0 - q;
  }
  function served(kind, priority, width, level) {
    if (kind === 1) {
      const f = (priority + 0.5 * width - level) / width;
      return f > 1.0 ? 1.0 : f < 0.0 ? 0.0 : f;
    }
    if (kind === 2) {
      const u = (level - priority + 0.5 * width) / width;
      if (u <= 0.0) return 1.0;
      if (u >= 1.0) return 0.0;
      return u < 0.5 ? 1.0 - 2.0 * u * u : 2.0 * (1.0 - u) * (1.0 - u);
    }
    if (kind === 3) return tail((level - priority) / width);
    if (kind === 4) {
      return level < priority ? 1.0 - 0.5 * Math.exp((level - priority) / width)
        : 0.5 * Math.exp((priority - level) / width);
    }
    return NaN;
  }
"""

ALLOCATION = """(function () {
""" + PROFILE + """  return function (k, avail, ...g) {
    const n = g.length / 5, kk = 5 * (Math.trunc(k) - 1);
    let total = 0.0;
    for (let j = 0; j < n; j++) total += g[5 * j];
    if (avail >= total) return g[kk];
    if (avail <= 0.0) return 0.0;
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < n; j++) {
      if (g[5 * j] > 0.0) {
        const kind = g[5 * j + 1], spread = kind === 1 || kind === 2 ? 0.5 * g[5 * j + 3] : 50.0 * g[5 * j + 3];
        lo = Math.min(lo, g[5 * j + 2] - spread);
        hi = Math.max(hi, g[5 * j + 2] + spread);
      }
    }
    for (let it = 0; it < 120; it++) {
      const mid = 0.5 * (lo + hi);
      let s = 0.0;
      for (let j = 0; j < n; j++) {
        const q = g[5 * j];
        if (q > 0.0) s += q * served(g[5 * j + 1], g[5 * j + 2], g[5 * j + 3], mid);
      }
      if (s !== s) return NaN;
      if (s > avail) lo = mid; else hi = mid;
    }
    if (g[kk] <= 0.0) return 0.0;
    return g[kk] * served(g[kk + 1], g[kk + 2], g[kk + 3], 0.5 * (lo + hi));
  };
})()"""

# ln |gamma(x)| by Lanczos' approximation (g = 7, nine terms; relative error near 1e-15), reflected
# below 1/2; +Infinity at the poles (0, the negative whole numbers, -Infinity), as scalar.gamma_ln
GAMMA_LN = """(function () {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
             -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
             1.5056327351493116e-7];
  function lg(x) {
    if (x !== x) return x;
    if (x <= 0 && Math.floor(x) === x) return Infinity;
    if (x === Infinity) return Infinity;
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lg(1.0 - x);
    x -= 1.0;
    let a = c[0];
    const t = x + 7.5;
    for (let i = 1; i < 9; i++) a += c[i] / (x + i);
    return 0.5 * Math.log(2.0 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }
  return lg;
})()"""

# a lookup read as steps and the area under it (cells.lookup_step, cells.lookup_area)
LOOKUP_STEP = """function (x, direction, ...p) {
  const n = p.length / 2;
  if (x !== x) return x;
  let back = -1, ahead = 0;
  for (let i = 0; i < n; i++) {
    if (p[i] <= x) back += 1;
    if (p[i] < x) ahead += 1;
  }
  if (direction < 0) return p[n + (back > 0 ? back : 0)];
  return p[n + (ahead < n - 1 ? ahead : n - 1)];
}"""

LOOKUP_AREA = """(function () {
  function to(v, n, p) {
    let area = v < p[0] ? (v - p[0]) * p[n] : 0.0;
    if (v > p[n - 1]) area += (v - p[n - 1]) * p[2 * n - 1];
    for (let i = 0; i < n - 1; i++) {
      const x0 = p[i], x1 = p[i + 1], y0 = p[n + i], y1 = p[n + i + 1];
      if (v > x0) {
        const u = v < x1 ? v : x1;
        area += (u - x0) * (y0 + y0 + (y1 - y0) * (u - x0) / (x1 - x0)) / 2.0;
      }
    }
    return area;
  }
  return function (start, end, ...p) {
    if (start !== start || end !== end) return NaN;
    const n = p.length / 2;
    return to(end, n, p) - to(start, n, p);
  };
})()"""

# what a demander or supplier takes at a price, and the price that clears a market (profiles.at_price,
# profiles.market_price: the same range searched and the same bisection)
AT_PRICE = """(function () {
""" + PROFILE + """  return function (side, q, kind, priority, width, price) {
    if (kind === 0) return q > 0.0 ? q : 0.0;
    const f = served(kind, priority, width, price);
    if (f !== f) return NaN;
    if (q <= 0.0) return 0.0;
    return side === 1 ? q * f : q * (1.0 - f);
  };
})()"""

MARKET_PRICE = """(function () {
  const atPrice = """ + AT_PRICE + """;
  function excess(nd, g, price) {
    let total = 0.0;
    for (let j = 0; j < g.length / 5; j++) {
      const x = atPrice(j < nd ? 1 : 0, g[5 * j], g[5 * j + 1], g[5 * j + 2], g[5 * j + 3], price);
      total = j < nd ? total + x : total - x;
    }
    return total;
  }
  return function (nd, ...g) {
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < g.length / 5; j++) {
      const kind = g[5 * j + 1];
      if (kind === 0) continue;
      const s = kind === 1 || kind === 2 ? 0.5 : kind === 3 ? 5.0 : kind === 4 ? 10.0 : NaN;
      if (s !== s) return NaN;
      lo = Math.min(lo, g[5 * j + 2] - s * g[5 * j + 3]);
      hi = Math.max(hi, g[5 * j + 2] + s * g[5 * j + 3]);
    }
    if (!(lo <= hi)) return NaN;
    if (excess(nd, g, lo) <= 0.0) return lo;
    if (excess(nd, g, hi) >= 0.0) return hi;
    for (let it = 0; it < 120; it++) {
      const mid = 0.5 * (lo + hi), e = excess(nd, g, mid);
      if (e !== e) return NaN;
      if (e > 0.0) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
  };
})()"""

JS["gamma_ln"] = GAMMA_LN
JS.update({"lookup_cells": LOOKUP_CELLS, "rank_of": RANK_OF, "sorted_index": SORTED_INDEX, "pick": PICK,
           "select_cells": SELECT_CELLS, "inverse_cell": INVERSE_CELL, "allocation": ALLOCATION,
           "lookup_step": LOOKUP_STEP, "lookup_area": LOOKUP_AREA, "at_price": AT_PRICE,
           "market_price": MARKET_PRICE})

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
