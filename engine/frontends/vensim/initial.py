"""ACTIVE INITIAL: start values that reach such a variable read its initial value instead."""
from __future__ import annotations

from ... import lang as ex


def initial_views(out: list, active: dict) -> list:
    """Initial values that reach an ACTIVE INITIAL variable read its initial value instead:
    in stocks' initial values and in the implicit initial values of SMOOTH and DELAY."""
    out = list(out)
    by = {e.name: e for e in out}
    memo: dict = {}

    def view(n, seen=()):
        def one(x):
            if isinstance(x, ex.Name):
                if x.id in active:
                    return active[x.id]
                el = by.get(x.id)
                if el is not None and el.kind == "auxiliary" and x.id not in seen and \
                        el.equation is not None and _reaches(x.id):
                    return view(el.equation, seen + (x.id,))
            return x
        return ex.transform(n, one)

    def _reaches(name, seen=()):
        if name in memo:
            return memo[name]
        el = by.get(name)
        hit = False
        if name in active:
            hit = True
        elif el is not None and el.kind == "auxiliary" and el.equation is not None and name not in seen:
            hit = any(_reaches(n, seen + (name,)) for n in ex.names(el.equation))
        memo[name] = hit
        return hit

    stateful = {"smooth": 2, "smooth3": 2, "delay1": 2, "delay3": 2}
    for i, el in enumerate(out):
        if el.kind == "stock" and el.equation is not None:
            out[i] = el.with_(equation=view(el.equation))
        elif el.equation is not None and el.kind in ("auxiliary", "flow"):
            def explicit(x):
                if isinstance(x, ex.Call) and x.fn in stateful and len(x.args) == stateful[x.fn]:
                    init = view(x.args[0])
                    if not ex.same(init, x.args[0]):
                        return ex.Call(x.pos, x.fn, (*x.args, init))
                return x
            out[i] = el.with_(equation=ex.transform(el.equation, explicit))
    return out
