"""The numpy backend's code for a grouped plan: every slot in ``V``, one statement per block.

A plan whose runlists hold blocks (``plan/group.py``) is written with every slot's value read
and written in place in ``V`` (``V[12]``, a row over the runs; a number for a single run) rather
than in locals, so that a block is one statement over an element axis beside the run axis:
``V[_A3] = V[_A4] * V[_A5]`` with index arrays ``_A<i>`` (and its numbers ``_A<i>`` as a column),
and a block whose cells read each other one such statement per level, in a loop. Stocks are
integrated group by group (stocks with the same number of inflows and outflows in one
statement), records and the NaN checks of unsaved stocks are one fancy index each. Every cell
is computed by the same operations in the same order as the per-cell code computes it, so the
numbers are the same.
"""
from __future__ import annotations

import numpy as np

from .. import lang as ex
from ..plan.group import REDUCE, VARYING_NUM, VARYING_REF, Block
from .base import first_of, unsaved_stocks
from .emitter import euler_line
from .numpy_backend import DELAY_ARGS, Generator


def _vrow(s) -> str:
    return f"V[{s.slot if hasattr(s, 'slot') else s}]"


class GroupedGenerator(Generator):
    """Writes the numpy functions of a grouped plan (see the module docstring)."""

    v = staticmethod(_vrow)

    def __init__(self, plan, single: bool):
        super().__init__(plan, single)
        self.arrays: dict = {}

    def array(self, values) -> str:
        """The name of a namespace array holding ``values``."""
        name = f"_A{len(self.arrays)}"
        self.arrays[name] = values
        return name

    def unpack(self, slots, indent="    ") -> list:
        """Nothing: slots are read in V."""
        return []

    def store(self, slots, indent="    ") -> list:
        """Nothing: slots are written in V."""
        return []

    def items(self, name: str):
        """A runlist's slots and blocks."""
        return self.plan.grouped.get(name, getattr(self.plan, name))

    def statements(self, items, indent: str) -> list:
        """Lines computing the items in order."""
        out: list = []
        for it in items:
            if isinstance(it, Block):
                out += self.block(it, indent)
            else:
                out += self.em.assign(self.v(it), self.plan.equations[it], indent)
        return out

    def block(self, b: Block, indent: str) -> list:
        """One statement for a block (a loop over its levels when it has several)."""
        split = len(b.levels) > 2

        def rows(values, column=False):
            parts = [values[..., a:z] for a, z in zip(b.levels, b.levels[1:])] if split else [values]
            if column and not self.single:
                parts = [p.reshape(-1, 1) for p in parts]
            return self.array(parts if split else parts[0])
        sub = "[_l]" if split else ""
        out = rows(b.out)
        refs = [rows(r) for r in b.refs]
        nums = [rows(c, column=True) for c in b.consts]

        def ref(n):
            if n.name == VARYING_REF:
                return f"V[{refs[n.slot]}{sub}]"
            if n.name == VARYING_NUM:
                return f"{nums[n.slot]}{sub}"
            return f"V[{n.slot}]"
        def reduce(n):
            """A grouped sum: the rows' values pairwise, level by level (``lang.parser.balanced``)."""
            first, count = int(n.args[0].value), int(n.args[1].value)
            stacked = rows(b.refs[first:first + count])
            self.em.temps += 1
            r, m, h = f"_rb{self.em.temps}", f"_rn{self.em.temps}", f"_rh{self.em.temps}"
            self.em.pre += [f"{r} = V[{stacked}{sub}]", f"{m} = {count}", f"while {m} > 1:",
                            f"    {h} = {m} // 2", f"    if {m} % 2 == 1:",
                            f"        {r} = _cat([{r}[0:2 * {h}:2] + {r}[1:2 * {h}:2], {r}[{m} - 1:{m}]])",
                            "    else:", f"        {r} = {r}[0:2 * {h}:2] + {r}[1:2 * {h}:2]",
                            f"    {m} = {h} + {m} % 2"]
            return f"{r}[0]"
        self.em.ref = ref
        self.em.special = {REDUCE: reduce}
        try:
            if split:
                return [f"{indent}for _l in range({len(b.levels) - 1}):"] + \
                    self.em.assign(f"V[{out}[_l]]", b.template, indent + "    ")
            return self.em.assign(f"V[{out}]", b.template, indent)
        finally:
            self.em.ref = self.v
            self.em.special = {}

    # ------------------------------------------------------------------ functions
    def hoist(self) -> list:
        """``_hoist(V)``: the auxiliaries of parameters only."""
        return ["def _hoist(V):", "    t = _t0; ts = _t0"] + self.statements(self.items("hoisted"), "    ") + \
            ["    return 0"]

    def initial(self) -> list:
        """``_initial(V)``: start values; returns the pipelines' delay times (each distinct tree
        computed once, spread by ``_DTK``) and start values."""
        p = self.plan
        L = ["def _initial(V):", "    t = _t0; ts = _t0 + _eps"] + self.statements(self.items("initial"), "    ")
        if not p.delays:
            return L + ["    return [], []"]
        distinct: dict = {}
        for d in p.delays:
            distinct.setdefault(ex.dump(d.delay), d.delay)
        for q, tree in enumerate(distinct.values()):
            L += self.em.assign(f"_dq{q}", tree, "    ")
        return L + [f"    _dq = [{', '.join(f'_dq{q}' for q in range(len(distinct)))}]",
                    "    return _spread(_dq, _DTK), V[_DSLA]"]

    def pipe_reads(self, pipes, k: str, indent: str) -> list:
        """One line reading the pipelines ``pipes`` at step ``k`` into their slots (``_pread``)."""
        pipes = list(pipes)
        if not pipes:
            return []
        idx = self.array(np.array(pipes, np.int64))
        slots = self.array(np.array([self.plan.delays[d].slot for d in pipes], np.int64))
        cols = "None" if self.single else "_cols"
        return [f"{indent}V[{slots}] = _pread(DB, DO, DZ, DS, DI, {k}, {idx}, {cols})"]

    def pipe_pushes(self, k: str, indent: str) -> list:
        """One line pushing every pipeline's input at step ``k`` (``_ppush``)."""
        if not self.plan.delays:
            return []
        cols = "None" if self.single else "_cols"
        return [f"{indent}_ppush(DB, DO, DZ, {k}, V[_DINA], {cols})"]

    def segment(self) -> list:
        """``_segment``: the steps from k0 to k1 (Euler inline, RK4 through ``_rates``)."""
        p = self.plan
        rk4 = p.time.method == "rk4" and bool(p.stocks)
        L = [f"def _segment(k0, k1, V, out, {DELAY_ARGS}, pend, bad):"] + self.columns(p.delays)
        body = self.statements(self.items("dynamic"), "")
        if rk4:
            L += ["    def _rates(t, ts):"] + ["        " + line for line in body] + \
                ["        " + line for line in self.net("_K")] + ["        return _K"]
        L += self.steps(["K1 = _rates(t, t + _eps)"] if rk4 else body, rk4)
        return L + ["    return min(k + 1, k1), -1, None"]

    def stock_groups(self) -> list:
        """Stocks with the same number of inflows and outflows: (positions in stock order,
        stock slots, inflow slot rows, outflow slot rows)."""
        p = self.plan
        by: dict = {}
        for i, (s, (ins, outs)) in enumerate(zip(p.stocks, p.rates)):
            by.setdefault((len(ins), len(outs)), []).append((i, s, ins, outs))
        out = []
        for (n_in, n_out), members in by.items():
            out.append((np.array([m[0] for m in members], np.int64), np.array([m[1] for m in members], np.int64),
                        [np.array([m[2][j] for m in members], np.int64) for j in range(n_in)],
                        [np.array([m[3][j] for m in members], np.int64) for j in range(n_out)]))
        return out

    def _flows(self, ins, outs) -> tuple[str, str]:
        i = " + ".join(f"V[{self.array(a)}]" for a in ins)
        o = " + ".join(f"V[{self.array(a)}]" for a in outs)
        return i, o

    def net(self, target: str) -> list:
        """``target`` = every stock's net flow, in stock order (as ``emitter.net_flow``)."""
        L = [f"{target} = _perstock(V)"]
        for pos, _, ins, outs in self.stock_groups():
            i, o = self._flows(ins, outs)
            text = f"({i}) - ({o})" if i and o else (i or (f"-({o})" if o else "0.0"))
            L.append(f"{target}[{self.array(pos)}] = {text}")
        return L

    def _integrate(self, rk4: bool) -> list:
        p = self.plan
        pad = "        "
        L = []
        if rk4:
            L += [f"{pad}_S0 = V[_STK]"]
            for K, (tt, ts, h, prev) in (("K2", ("t + _h2", "t + _h2", "_h2", "K1")),
                                         ("K3", ("t + _h2", "t + _h2", "_h2", "K2")),
                                         ("K4", ("t + _dt", "t + _dt - _eps", "_dt", "K3"))):
                L += [f"{pad}V[_STK] = _S0 + {h} * {prev}", f"{pad}{K} = _rates({tt}, {ts})"]
            L.append(f"{pad}V[_STK] = _S0 + _dt6 * (K1 + 2.0 * (K2 + K3) + K4)")
        else:                           # as emitter.euler_updates writes each stock
            for _, slots, ins, outs in self.stock_groups():
                line = euler_line(f"V[{self.array(slots)}]", *self._flows(ins, outs))
                if line:
                    L.append(pad + line)
        if p.non_negative:
            L.append(f"{pad}V[_NNG] = _max0(V[_NNG])")
        return L

    def _record(self) -> list:
        p = self.plan
        chk = unsaved_stocks(p)
        if not p.saved and not chk:
            return []
        L, pad = self._saved_step()
        if p.saved:
            L.append(f"{pad}out[_j] = V[_SAV]")
        if chk:
            L += [f"{pad}_x = V[_CHK]", f"{pad}if not _finv(_x):", f"{pad}    _nonfinite(bad, _j, _x, _CHKL)"]
        return L

    def namespace(self) -> dict:
        """The names the code reads: the per-cell namespace and the blocks' arrays (after ``source``)."""
        ns = super().namespace()
        p = self.plan
        ns.update(self.arrays)
        ns.update(_STK=np.array(p.stocks, np.int64), _NNG=np.array(p.non_negative, np.int64),
                  _SAV=np.array(p.saved, np.int64), _CHK=np.array(unsaved_stocks(p), np.int64),
                  _CHKL=list(unsaved_stocks(p)), _finv=_finv, _cat=np.concatenate, _perstock=_perstock(len(p.stocks)),
                  _DSLA=np.array([d.slot for d in p.delays], np.int64),
                  _DINA=np.array([int(d.input) for d in p.delays], np.int64),
                  _DTK=first_of(ex.dump(d.delay) for d in p.delays), _pread=_pread, _ppush=_ppush,
                  _spread=_spread)
        return ns


def _pread(DB, DO, DZ, DS, DI, k, idx, cols):
    """The pipelines ``idx`` at step ``k``: the value pushed ``DS`` steps earlier, before that
    the start value (``delay_read`` for many pipelines at once; ``cols`` the run index of a
    batch, None for one run)."""
    back = k - DS[idx]
    if cols is None:
        return np.where(back >= 0, DB[DO[idx] + back % DZ[idx]], DI[idx])
    return np.where(back >= 0, DB[DO[idx, None] + back % DZ[idx, None], cols], DI[idx])


def _spread(values: list, keys: list) -> list:
    """``values[i]`` for each ``i`` of ``keys``: the distinct delay times spread over the pipelines."""
    return [values[i] for i in keys]


def _ppush(DB, DO, DZ, k, values, cols):
    """Every pipeline's input pushed at step ``k`` (``delay_push`` for all at once)."""
    rows = DO + k % DZ
    if cols is None:
        DB[rows] = values
    else:
        DB[rows[:, None], cols] = values


def _perstock(n: int):
    """A function giving an empty array of ``n`` stocks shaped like a row of V (and of its type)."""
    return lambda V: np.empty((n,) + V.shape[1:], V.dtype)


def _finv(x) -> bool:
    """True when no value of ``x`` is NaN or infinite."""
    return bool(np.isfinite(x).all())
