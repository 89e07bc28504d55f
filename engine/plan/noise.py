"""Random calls -> one of the six Vensim forms, followed by the key of their stream.

Every random call of an element's equation becomes ``random_<form>(<distribution arguments>,
starttime, dt, seed, run, site, element)``; the backend passes the switch time first, from which
the draw finds its step (``builtins/rng.py``). The key's parts:

- seed and run: the hidden parameters ``noise_seed`` and ``run_id`` (``model/noise.py``) for a
  call whose stream id is 0 (Vensim's usual last argument; XMILE's seed left out); a call with a
  non-zero stream id draws from a stream of its own that neither the noise seed nor the run
  changes (the stream id takes the seed's place, the run is 0);
- site: 52 bits of a hash of the element's name, the call's position among the element's random
  calls and its stream id, so that two calls never share a stream;
- element: 0 (an arrayed element's cells are separate elements by now, ``shock[north]`` and so on,
  with call sites of their own).

The cells of one arrayed equation thus differ only in their sites, numbers: the plan groups them
into one block that carries the sites as a row of its numbers (``group.py``), with the same keys.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import replace

from .. import builtins
from .. import lang as ex
from ..errors import ModelError
from ..model import Model
from ..model.noise import NOISE_SEED, RUN_ID
from ..model.templates import tree_calls

KEY_ARGS = 6            # starttime, dt, seed, run, site, element


def site_key(owner: str, index: int, stream: float) -> float:
    """The call site's part of the key: 52 bits, exact as a float."""
    digest = hashlib.sha256(f"{owner}\x00{index}\x00{float(stream).hex()}".encode()).digest()
    return float(int.from_bytes(digest[:8], "little") >> 12)


# Stella's distributions of two numbers, and the registry's forms that draw them
STELLA_FORMS = {"weibull": "random_weibull", "logistic_random": "random_logistic", "pareto": "random_pareto",
                "binomial": "random_binomial"}


def vensim_form(fn: str, a: tuple, pos: int) -> tuple:
    """(Vensim form, its distribution arguments, the stream id node or None) of a random call."""
    def n(v):
        return ex.Num(pos, v)
    wide = (n(-math.inf), n(math.inf))
    stream = None
    if fn == "random_0_1":
        return "random_uniform", (n(0.0), n(1.0)), None
    if fn in ("normal", "random", "lognormal"):
        stream = a[2] if len(a) > 2 else None
        if fn == "normal":
            return "random_normal", wide + (a[0], a[1]), stream
        if fn == "random":
            return "random_uniform", (a[0], a[1]), stream
        return "random_lognormal", wide + (a[0], a[1], n(0.0), n(1.0)), stream
    if fn in STELLA_FORMS:                  # Stella's: two numbers, [seed]
        return STELLA_FORMS[fn], (a[0], a[1]), a[2] if len(a) > 2 else None
    if fn == "triangular":                  # TRIANGULAR(lower, mode, upper, [seed])
        return "random_triangular", wide + (a[0], a[1], a[2]), a[3] if len(a) > 3 else None
    if fn in ("poisson", "exprnd"):
        stream = a[1] if len(a) > 1 else None
        if fn == "poisson":
            return "random_poisson", wide + (a[0], n(0.0), n(1.0)), stream
        return "random_exponential", wide + (n(0.0), a[0]), stream
    return fn, tuple(a[:-1]), a[-1]


def with_streams(model: Model) -> Model:
    """The model with every random call keyed to its stream (see the module docstring). A model
    without the run id calls no random function: the model stage gives one to every model that
    does (``model/noise.py``), so its equations are not looked at."""
    if RUN_ID not in model.elements:
        return model
    elements = dict(model.elements)
    changed = False
    for name, el in model.elements.items():
        if el.equation is None or el.kind == "lookup" or not _draws(model, el.equation):
            continue
        count = [0]

        def one(node, el=el, count=count):
            if not (isinstance(node, ex.Call) and builtins.is_random(node.fn) and node.fn not in model.elements):
                return node
            fn = builtins.canonical(node.fn)
            shown = builtins.REGISTRY[fn].shown
            form, args, stream = vensim_form(fn, node.args, node.pos)
            try:
                sid = 0.0 if stream is None else float(ex.constant(stream))
            except ValueError:
                raise ModelError(f"the stream id (seed) of {shown} must be a number written in "
                                 "the equation", file=el.where.file, line=el.where.line, element=el.name,
                                 hint="use 0 to draw from the model's noise seed") from None
            if not (math.isfinite(sid) and abs(sid) <= 2 ** 53):
                raise ModelError(f"the stream id (seed) of {shown} must be a finite whole number",
                                 file=el.where.file, line=el.where.line, element=el.name)
            pos = node.pos
            seed = ex.Name(pos, NOISE_SEED) if sid == 0 else ex.Num(pos, float(math.trunc(sid)))
            run = ex.Name(pos, RUN_ID) if sid == 0 else ex.Num(pos, 0.0)
            site = ex.Num(pos, site_key(el.name, count[0], sid))
            count[0] += 1
            key = (ex.Name(pos, "starttime"), ex.Name(pos, "dt"), seed, run, site, ex.Num(pos, 0.0))
            return ex.Call(pos, form, tuple(args) + key)
        new = ex.transform(el.equation, one)
        if count[0]:
            elements[name] = el.with_(equation=new)
            changed = True
    return replace(model, elements=elements) if changed else model


def _draws(model: Model, tree) -> bool:
    """True when the tree calls a random function (a cell's template looked at once)."""
    return any(builtins.is_random(f) for f in tree_calls(model.cell_parts, tree))


def keyed(fn: str, n_args: int) -> bool:
    """True when a call of the random function ``fn`` with ``n_args`` arguments has its key."""
    b = builtins.REGISTRY.get(fn)
    return b is not None and b.numpy is not None and n_args == b.max_args - 1 + KEY_ARGS
