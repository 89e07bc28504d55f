"""The JavaScript backend: a plan -> one JavaScript module that runs the model in a web page or in
Node.js, with no library and no server (see docs/app.md, 'Exporting the app').

Unlike the numpy and numba backends it makes no kernel for the Python run stage: the module holds
its own run stage (``runtime.js``: the clock, events, ramps, records and checks), so a page can
run the model alone. ``supports`` says what a plan holds that it cannot write (by construct and
element); ``module_source`` writes the module. It is checked against numpy in
tests/test_javascript_backend.py.
"""
from __future__ import annotations

from ... import builtins
from ... import lang as ex
from ...errors import ModelError
from ..base import Backend
from .codegen import JsGenerator

METHODS = ("euler", "rk4")


class JavascriptBackend(Backend):
    """Writes a plan as a JavaScript module (see the module docstring)."""

    name = "javascript"

    def kernel(self, plan):
        """No kernel for the Python run stage: the module runs in a page or in Node.js."""
        raise ModelError("the javascript backend writes a module for a web page; it does not run in Python",
                         hint="run with the numpy or numba backend, or export the app (carbonloop export-app)")

    def supports(self, plan) -> str | None:
        """Why this backend cannot write ``plan`` (None when it can)."""
        if plan.time.method not in METHODS:
            return f"the integration method '{plan.time.method}' (it has {' and '.join(METHODS)})"
        if plan.time.precision != "double":
            return f"its {plan.time.precision} precision (JavaScript's numbers are doubles)"
        for slot, tree in enumerate(plan.equations):
            why = _unsupported(tree)
            if why:
                return f"{why} in '{plan.names[slot]}'"
        for ev in plan.events:
            probes = [*ev.event.at, *(a.expr for a in ev.event.actions)]
            if any(_unsupported(n) for n in probes if n is not None):
                return f"{_unsupported(next(n for n in probes if n is not None and _unsupported(n)))} " \
                       f"in event '{ev.event.name}'"
        for tree in (*plan.probes, *plan.conditions):
            why = _unsupported(tree)
            if why:
                return f"{why} in an event"
        return None

    def module_source(self, plan) -> str:
        """The JavaScript module of ``plan`` (ModelError when it holds what this backend cannot write)."""
        why = self.supports(plan)
        if why:
            raise ModelError(f"the javascript backend cannot write this model: {why}",
                             hint="run it with the numpy or numba backend (carbonloop run)")
        return JsGenerator(plan).source()


def _unsupported(tree) -> str | None:
    """What in the tree has no JavaScript form, or None."""
    if tree is None:
        return None
    for n in ex.walk(tree):
        if isinstance(n, ex.Call):
            b = builtins.REGISTRY.get(n.fn)
            if b is None or b.javascript is None:
                return f"the function {n.fn.upper()} has no JavaScript implementation"
        elif not isinstance(n, (ex.Num, ex.Ref, ex.Name, ex.Unary, ex.Bin, ex.If, ex.Lookup)):
            return f"the construct {type(n).__name__} has no JavaScript form"
    return None


def module_source(plan) -> str:
    """The JavaScript module of ``plan`` (see ``JavascriptBackend.module_source``)."""
    return JavascriptBackend().module_source(plan)


__all__ = ["JavascriptBackend", "module_source"]
