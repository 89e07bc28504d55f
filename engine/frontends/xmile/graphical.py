"""XMILE graphical functions (<gf>) -> lookup points: continuous, extrapolate or discrete."""
from __future__ import annotations

import numpy as np

from .errors import XmileError
from .xml import child, text_of

DISCRETE_EPS = 1e-9     # a discrete step is a jump over this fraction of the x range


def _numbers(el, file, element):
    sep = el.get("sep") or ","
    text = text_of(el)
    try:
        out = [float(v) for v in text.replace("\n", " ").split(sep) if v.strip()]
    except ValueError:
        raise XmileError(f"graphical function points '{text[:40]}' are not numbers",
                         file=file, element=element) from None
    if not all(np.isfinite(out)):
        raise XmileError(f"graphical function points '{text[:40]}' are not all finite numbers",
                         file=file, element=element)
    return out


def _scale(xscale, end: str, file, element) -> float:
    """The ``min`` or ``max`` of an <xscale>, a finite number."""
    text = xscale.get(end, "0")
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not np.isfinite(v):
        raise XmileError(f"<xscale {end}=\"{text[:40]}\"> must be a finite number", file=file, element=element)
    return v


def gf_points(gf, file: str, element: str) -> tuple[tuple, str]:
    """(points, type) of a <gf>; type is 'continuous', 'extrapolate' or 'discrete'."""
    kind = (gf.get("type") or "continuous").lower()
    if gf.get("discrete", "").lower() == "true":
        kind = "discrete"
    if kind not in ("continuous", "extrapolate", "discrete"):
        raise XmileError(f"unknown graphical function type '{kind}'", file=file, element=element,
                         hint="XMILE knows continuous, extrapolate and discrete")
    ypts = child(gf, "ypts")
    if ypts is None:
        raise XmileError("a graphical function needs <ypts>", file=file, element=element)
    ys = _numbers(ypts, file, element)
    xpts = child(gf, "xpts")
    if xpts is not None:
        xs = _numbers(xpts, file, element)
    else:
        xscale = child(gf, "xscale")
        if xscale is None:
            raise XmileError("a graphical function needs <xpts> or <xscale>", file=file, element=element)
        lo, hi = _scale(xscale, "min", file, element), _scale(xscale, "max", file, element)
        xs = list(np.linspace(lo, hi, len(ys))) if len(ys) > 1 else [lo]
    if len(xs) != len(ys) or not ys:
        raise XmileError(f"graphical function has {len(xs)} x points and {len(ys)} y points",
                         file=file, element=element)
    if any(b < a for a, b in zip(xs, xs[1:])):
        raise XmileError("graphical function x points must not decrease", file=file, element=element)
    pts = list(zip(xs, ys))
    if kind == "discrete":
        pts = _steps(pts)
    return tuple(_strict(pts)), kind


def _steps(pts):
    """A discrete function as a piecewise-linear one: y_i holds until just before x_{i+1}."""
    span = (pts[-1][0] - pts[0][0]) or 1.0
    out = []
    for (x0, y0), (x1, _) in zip(pts, pts[1:]):
        out += [(x0, y0), (x1 - DISCRETE_EPS * span, y0)]
    out.append(pts[-1])
    return out


def _strict(pts):
    """Equal x values (a vertical jump) become a jump over a tiny interval."""
    out = []
    for x, y in pts:
        if out and x <= out[-1][0]:
            x = out[-1][0] + abs(out[-1][0]) * 1e-12 + 1e-300
        out.append((float(x), float(y)))
    return out
