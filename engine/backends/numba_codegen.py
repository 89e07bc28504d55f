"""Scalar code for the numba backend: a plan -> the source of one module of compiled functions.

Each run keeps its slots in local variables ``x<slot>`` and steps through a segment; hoist, start
values, probe groups and event actions are functions over a range of runs, with a parallel twin
for segments of large batches. The code has no branches inside equations (a condition selects
between two computed values, as ``numpy.where`` does), which keeps numba's compile time in
proportion to the number of operations; runlists longer than ``BLOCK`` statements become blocks
taking the values they read and returning those read later.
"""
from __future__ import annotations

import ast

import numpy as np

from .. import lang as ex
from .emitter import ScalarEmitter, euler_updates, net_flow
from .numpy_backend import reads
from .source import check

BLOCK = 400             # statements per compiled block
HEADER = "import numpy as np\nfrom numba import njit\nfrom engine.backends.numba_lib import *  # noqa: F403\n"
JIT = "@njit(cache=True, error_model='numpy', nogil=True)"
PJIT = "@njit(cache=True, error_model='numpy', parallel=True)"
CALLS = {"_dread", "_interp", "_sel", "_empty", "_prange", "_nruns", "_ncols", "len"}
DELAYS = "DB, DO, DZ, DS, DI"
# time settings are arguments (not constants), so one compiled kernel serves every horizon and dt
TIME = ["_t0 = TM[0]", "_t1 = TM[1]", "_dt = TM[2]", "_h2 = TM[3]", "_dt6 = TM[4]", "_eps = TM[5]",
        "_n = TN[0]", "_se = TN[1]"]


def TABLE(i, x) -> str:
    """A lookup call in scalar code."""
    return f"_interp({x}, _LX{i}, _LY{i}, _LE{i})"


def _x(s) -> str:
    return f"x{s.slot if isinstance(s, ex.Ref) else s}"


class ScalarGenerator:
    """Writes the module of one plan's kernel: every slot is a local ``x<slot>``."""

    def __init__(self, plan):
        self.plan = plan
        self.em = ScalarEmitter(_x, {"time": "t", "dt": "_dt", "starttime": "_t0", "stoptime": "_t1",
                                     "pi": "_pi"}, TABLE)
        self.defs: list = []
        self.n_blocks = 0

    # ------------------------------------------------------------------ pieces
    def run_of(self, slots, later: set, indent: str) -> list:
        """Lines computing ``slots`` in order; long runs go to blocks whose results that are
        read later (``later``, or by a later block) come back as locals."""
        stmts = [(s, self.em.assign(_x(s), self.plan.equations[s])) for s in slots]
        if len(stmts) <= BLOCK:
            return [indent + line for _, st in stmts for line in st]
        chunks = [stmts[i:i + BLOCK] for i in range(0, len(stmts), BLOCK)]
        lines = []
        for c, chunk in enumerate(chunks):
            defined = {s for s, _ in chunk}
            read = reads(self.plan.equations[s] for s, _ in chunk) - defined
            after = set(later) | {r for ch in chunks[c + 1:] for r in reads(self.plan.equations[s] for s, _ in ch)}
            outs = sorted(defined & after)
            name = f"_blk{self.n_blocks}"
            self.n_blocks += 1
            args = ", ".join(["TM", "TN", "t", "ts"] + [_x(s) for s in sorted(read)])
            body = TIME + [line for _, st in chunk for line in st]
            ret = ", ".join(_x(s) for s in outs)
            self.defs += [JIT, f"def {name}({args}):"] + ["    " + b for b in body] + \
                [f"    return ({ret}{',' if len(outs) == 1 else ''})", ""]
            if outs:
                lines.append(f"{indent}{ret}{',' if len(outs) == 1 else ''} = {name}({args})")
        return lines

    def loads(self, slots, indent="        ") -> list:
        """Locals read from the run's row of V."""
        return [f"{indent}{_x(s)} = c[{s}]" for s in sorted(slots)]

    def stores(self, slots, indent="        ") -> list:
        """Locals written back to the run's row of V."""
        return [f"{indent}c[{s}] = {_x(s)}" for s in slots]

    def delay_reads(self, slots_needed, indent) -> list:
        """The pipelines' values at step k (those in ``slots_needed``)."""
        return [f"{indent}{_x(d.slot)} = _dread(DB, DO[{i}], DZ[{i}], DS[{i}, r], DI[{i}, r], k, r)"
                for i, d in enumerate(self.plan.delays) if d.slot in slots_needed]

    def over_runs(self, name: str, args: str, body: list) -> list:
        """``name(r0, r1, ...)`` running ``body`` for runs r0..r1-1 (``V`` is run-major here, ``c``
        the run's row of it), and ``name_par`` over all runs in chunks on parallel threads
        (compiled on first use)."""
        return ([JIT, f"def {name}(r0, r1, TM, TN, {args}):"] + ["    " + x for x in TIME] +
                ["    for r in range(r0, r1):", "        c = V[r]"] + body + ["    return 0", "",
                 PJIT, f"def {name}_par(TM, TN, {args}):", "    n = _nruns(V)", "    m = (n + 63) // 64",
                 "    for i in _prange(m):", f"        {name}(i * 64, min(n, i * 64 + 64), TM, TN, {args})",
                 "    return 0", ""])

    # ------------------------------------------------------------------ functions
    def hoist(self) -> list:
        """``_hoist``: the auxiliaries of parameters only."""
        p = self.plan
        body = self.loads(reads(p.equations[s] for s in p.hoisted) - set(p.hoisted))
        body += ["        t = _t0", "        ts = _t0"]
        body += self.run_of(p.hoisted, set(p.hoisted), "        ") + self.stores(p.hoisted)
        return self.over_runs("_hoist", "V", body)

    def initial(self) -> list:
        """``_initial``: start values of stocks and pipelines, and the pipelines' delay times."""
        p = self.plan
        trees = [p.equations[s] for s in p.initial] + [d.delay for d in p.delays]
        body = self.loads(reads(trees) - set(p.initial)) + ["        t = _t0", "        ts = _t0 + _eps"]
        later = set(p.stocks) | {d.slot for d in p.delays} | reads(d.delay for d in p.delays)
        body += self.run_of(p.initial, later, "        ") + self.stores(p.stocks)
        for i, d in enumerate(p.delays):
            body += ["        " + line for line in self.em.assign(f"DT[{i}, r]", d.delay)]
            body.append(f"        DN[{i}, r] = {_x(d.slot)}")
        return self.over_runs("_initial", "V, DT, DN", body)

    def groups(self) -> list:
        """One function for every probe group: the group's number chooses its branch."""
        p = self.plan
        body = ["        t = _t0 + k * _dt", "        ts = t + _eps"]
        for i, g in enumerate(p.groups):
            trees = [p.probes[j] for j in g.probes] + [p.equations[s] for s in g.needs]
            needed = reads(trees)
            part = self.loads(needed - set(g.needs) - {d.slot for d in p.delays}, "            ")
            part += self.delay_reads(needed, "            ")
            part += self.run_of(g.needs, reads(p.probes[j] for j in g.probes), "            ")
            for row, j in enumerate(g.probes):
                part += ["            " + line for line in self.em.assign(f"R[{row}, r]", p.probes[j])]
            body += [f"        {'if' if i == 0 else 'elif'} g == {i}:"] + (part or ["            pass"])
        return self.over_runs("_groups", f"g, k, V, {DELAYS}, R", body)

    def segment(self) -> list:
        """``_segment``: each run steps to k1 (or its first 'when' condition), recording."""
        p = self.plan
        rk4 = p.time.method == "rk4"
        later = self._read_after_dynamic()
        needed = reads([p.equations[s] for s in p.dynamic] + list(p.conditions)) | later
        fixed = set(p.params) | set(p.hoisted)
        body = self.loads((needed & fixed) | set(p.stocks) | (fixed if rk4 else set()))
        body += ["        R = rec[r]", "        k = kpos[r]", "        h = -1", "        ns = len(saved)",
                 "        j = (k + _se - 1) // _se", "        nxt = j * _se", "        for k in range(kpos[r], k1):",
                 "            t = _t0 + k * _dt", "            ts = t + _eps"]
        body += self.delay_reads({d.slot for d in p.delays}, "            ")
        body += self.run_of(p.dynamic, later, "            ")
        body += self._conditions()
        body += [f"            DB[DO[{i}] + k % DZ[{i}], r] = {_x(d.input)}" for i, d in enumerate(p.delays)]
        body += self._record() + ["            if k >= _n:", "                break"]
        body += self._rk4() if rk4 and p.stocks else euler_updates(p, _x, "            ")
        body += [f"            {_x(s)} = _fn_max({_x(s)}, 0.0)" for s in p.non_negative]
        body += ["        kpos[r] = min(k + 1, k1) if h < 0 else k", "        hit[r] = h"] + self.stores(p.stocks)
        return self.over_runs("_segment", f"kpos, k1, V, rec, saved, {DELAYS}, pend, hit", body)

    def _read_after_dynamic(self) -> set:
        p = self.plan
        out = set(self.recordable()) | {d.input for d in p.delays} | reads(p.conditions)
        for ins, outs in p.rates:
            out |= set(ins) | set(outs)
        return out

    def _conditions(self) -> list:
        L = []
        for i, c in enumerate(self.plan.conditions):
            self.em.pre = []
            text = self.em.cond(c)
            L += ["            " + line for line in self.em.pre]
            L += [f"            if pend[{i}, r] and {text}:", f"                h = {i}", "                break"]
        return L

    def recordable(self) -> list:
        """Slots whose values change within a segment: what a record may read besides V."""
        p = self.plan
        return list(p.stocks) + list(p.dynamic) + [d.slot for d in p.delays]

    def _record(self) -> list:
        """Every changing value goes to the run's row of V, then the saved slots (chosen at run
        time, so that one kernel serves every keep=) are copied from it into the record."""
        pad = "                "
        L = ["            if k == nxt:"]
        L += [f"{pad}c[{s}] = {_x(s)}" for s in self.recordable()]
        L += [f"{pad}for jj in range(ns):", f"{pad}    R[j, jj] = c[saved[jj]]", f"{pad}j += 1", f"{pad}nxt += _se"]
        return L

    def _rk4(self) -> list:
        """The three later RK4 stages call ``_rates`` (stage states in, derivatives out); the
        first stage's derivatives come from the step's own values."""
        p = self.plan
        fixed = sorted(set(p.params) | set(p.hoisted) | {d.slot for d in p.delays})
        S = [_x(s) for s in p.stocks]
        self._rates_function(fixed)
        fargs = ", ".join(_x(s) for s in fixed)
        L = [f"            K1_{i} = {net_flow(ins, outs, _x)}" for i, (ins, outs) in enumerate(p.rates)]
        prev = "K1"
        for K, (tt, ts, h) in (("K2", ("t + _h2", "t + _h2", "_h2")), ("K3", ("t + _h2", "t + _h2", "_h2")),
                               ("K4", ("t + _dt", "t + _dt - _eps", "_dt"))):
            stage = ", ".join(f"{s} + {h} * {prev}_{i}" for i, s in enumerate(S))
            names = ", ".join(f"{K}_{i}" for i in range(len(S)))
            comma = "," if len(S) == 1 else ""
            L.append(f"            {names}{comma} = _rates(TM, TN, {tt}, {ts}, ({stage}{comma}), {fargs})")
            prev = K
        L += [f"            {s} = {s} + _dt6 * (K1_{i} + 2.0 * (K2_{i} + K3_{i}) + K4_{i})" for i, s in enumerate(S)]
        return L

    def _rates_function(self, fixed) -> None:
        p = self.plan
        S = [_x(s) for s in p.stocks]
        body = ["    " + x for x in TIME] + [f"    {', '.join(S)}{',' if len(S) == 1 else ''} = SS"]
        body += self.run_of(p.dynamic, {f for ins, outs in p.rates for f in ins + outs}, "    ")
        derivs = ", ".join(net_flow(ins, outs, _x) for ins, outs in p.rates)
        self.defs += [JIT, f"def _rates(TM, TN, t, ts, SS, {', '.join(_x(s) for s in fixed)}):"] + body + \
            [f"    return ({derivs}{',' if len(S) == 1 else ''})", ""]

    def source(self) -> str:
        """The module's functions (without header and constants)."""
        body = self.hoist() + self.initial() + self.segment() + self.groups() + SET_VALUES
        return "\n".join(self.defs + body) + "\n"

    def constants(self) -> list:
        """Module-level constants: numbers and lookup tables."""
        return [f"_pi = {float(np.pi)!r}"] + constant_lines(self.em.consts, self.plan.tables)


# an event's actions in one call: evaluate its probe group for the runs in mask, check the values
# (finite, within their ranges), and only when all pass, set them and re-hoist those runs
SET_VALUES = [JIT, f"def _setv(TM, TN, g, k, V, {DELAYS}, R, rows, slots, lo, hi, mask, rehoist):",
              "    for r in range(_nruns(V)):",
              "        if mask[r]:",
              f"            _groups(r, r + 1, TM, TN, g, k, V, {DELAYS}, R)",
              "            for i in range(len(rows)):",
              "                v = R[rows[i], r]",
              "                if not (v >= lo[i] and v <= hi[i]):",
              "                    return i",
              "    for r in range(_nruns(V)):",
              "        if mask[r]:",
              "            for i in range(len(rows)):",
              "                V[r, slots[i]] = R[rows[i], r]",
              "            if rehoist:",
              "                _hoist(r, r + 1, TM, TN, V)",
              "    return -1", ""]


def constant_lines(consts: dict, tables) -> list:
    """Module-level numbers and lookup tables."""
    lines = [f"{k} = {_literal(float(v))}" for k, v in consts.items()]
    for i, tb in enumerate(tables):
        lines += [f"_LX{i} = np.array({[float(x) for x in tb.xs]!r})",
                  f"_LY{i} = np.array({[float(y) for y in tb.ys]!r})", f"_LE{i} = {bool(tb.extrapolate)}"]
    return lines


def _literal(v: float) -> str:
    if v != v:
        return "np.nan"
    if v in (float("inf"), float("-inf")):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


def module_source(body: str, constants: list) -> str:
    """Check generated code and put it under its header and constants."""
    from .numba_lib import HELPERS
    decorators = frozenset(ast.unparse(ast.parse(d[1:], mode="eval").body) for d in (JIT, PJIT))
    check(body, set(HELPERS) | CALLS, decorators=decorators)
    return HEADER + "\n".join(constants) + "\n\n" + body
