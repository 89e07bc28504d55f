"""Functions of time alone, computed once per time grid instead of at every step of every run.

A dynamic equation often holds a part that depends on time and numbers only: a lookup of TIME
(an exogenous series), ``STEP(2, 2030)``, ``exp(-0.1 * (time - 2021))``. Its value at step k is
the same in every run, so the numba kernel computes each distinct such part once per step of the
time grid (``_ttab``, when the kernel is made: its time settings are an input of the run, not of
the code) and a step reads it from the table at the tail of ``TM``. The table is computed by
the very expression the step would evaluate, at the very time ``_t0 + k * _dt`` the step uses:
the same numbers, bit for bit. Repeated parts (one lookup read by several equations) are
computed once per step as well.

Only Euler steps read the table (an RK4 stage evaluates at times between the grid's). A grid too
long for ``MAX_TABLE_BYTES`` has no table: the step then evaluates the parts itself (``TM[_TTO]``
is 0), so the code works for any horizon.
"""
from __future__ import annotations

from .. import builtins
from .. import lang as ex

PURE = frozenset({"math", "time", "time_exact", "time_dt"})      # builtin kinds that are functions
TIME_NAMES = frozenset({"time", "dt", "starttime", "stoptime", "pi"})
MAX_TABLE_BYTES = 2 ** 25       # the time table of one kernel (grid steps x parts x 8 bytes)


def _maximal(tree) -> list:
    """The largest parts of ``tree`` that depend on time and numbers only and hold a call or a
    lookup (a part of plain arithmetic costs no more to compute than to read)."""
    only: dict = {}
    costly: dict = {}

    def mark(n):
        t = type(n)
        kids = ex.children(n)
        if t is ex.Num:
            ok = True
        elif t is ex.Name:
            ok = n.id in TIME_NAMES
        elif t is ex.Call:
            b = builtins.REGISTRY.get(n.fn)
            ok = b is not None and b.kind in PURE and all(only[id(k)] for k in kids)
        elif t in (ex.Bin, ex.Unary, ex.If, ex.Lookup):
            ok = all(only[id(k)] for k in kids)
        else:
            ok = False
        only[id(n)] = ok
        costly[id(n)] = t in (ex.Call, ex.Lookup) or any(costly[id(k)] for k in kids)
        return n

    ex.transform(tree, mark)
    found, stack = [], [tree]
    while stack:
        n = stack.pop()
        if only[id(n)]:
            if costly[id(n)]:
                found.append(n)
            continue
        stack.extend(ex.children(n))
    return found


class TimeParts:
    """The distinct time-only parts of a kernel's Euler step, numbered as the table's columns."""

    def __init__(self):
        self.parts: list = []           # (the part's tree) by column
        self._column: dict = {}         # key -> column

    def rewrite(self, tree):
        """``tree`` with each time-only part replaced by the name of its column's value
        (``_tv<j>``), and the columns it reads."""
        found = {id(n): self._add(n) for n in _maximal(tree)}
        if not found:
            return tree, []
        new = ex.transform(tree, lambda n: ex.Name(n.pos, f"_tv{found[id(n)]}") if id(n) in found else n)
        return new, sorted(set(found.values()))

    def _add(self, node) -> int:
        key = ex.shape_key(node)
        j = self._column.get(key)
        if j is None:
            j = self._column[key] = len(self.parts)
            self.parts.append(node)
        return j

    def prelude(self, columns, em, offset: int, k: str) -> list:
        """Lines giving ``_tv<j>`` for ``columns`` at step ``k``: from the table when the kernel
        has one, else computed."""
        # the table's width is the module's constant _TTJ: the parts of later chunks are not known yet
        read = [f"    _tv{j} = TM[{offset + 1} + {k} * _TTJ + {j}]" for j in columns]
        own: list = []
        for j in columns:
            own += ["    " + line for line in em.assign(f"_tv{j}", self.parts[j])]
        return [f"if TM[{offset}] != 0.0:"] + read + ["else:"] + own

    def table_function(self, em, time_lines: list) -> list:
        """``_ttab(TM, TN, TT)``: every part at every step of the grid into ``TT[k, j]``."""
        body = ["    for k in range(_n + 1):", "        t = _t0 + k * _dt", "        ts = t + _eps"]
        for j, part in enumerate(self.parts):
            body += ["        " + line for line in em.assign(f"TT[k, {j}]", part)]
        return ["def _ttab(TM, TN, TT):"] + ["    " + x for x in time_lines] + body + ["    return 0", ""]
