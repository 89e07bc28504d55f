"""Scalar code for the numba backend: a plan -> the source of one module of compiled functions.

Each run keeps its slots in its row ``c`` of the run-major state ``V``. A runlist is computed in
chunks of at most ``BLOCK`` statements: a chunk loads the slots it reads from the row into locals
``x<slot>``, computes, and stores what it defined back. A runlist of one chunk is written inline;
a longer one becomes one function per chunk, so that no compiled function grows with the model
(numba's compile time grows faster than linearly with a function's size). Stock updates, pipeline
reads and writes and the records are loops over constant slot arrays, so they do not grow either.
Hoist, start values, probe groups and event actions are functions over a range of runs, with a
parallel twin for segments of large batches. The code has no branches inside equations (a
condition selects between two computed values, as ``numpy.where`` does).
"""
from __future__ import annotations

import ast
import re

import numpy as np

from .. import lang as ex
from ..plan.group import REDUCE, VARYING_NUM, VARYING_REF, Block
from .base import first_of
from .emitter import ScalarEmitter, euler_updates, net_flow
from .numba_times import TimeParts
from .numpy_backend import reads
from .source import check

BLOCK = 400             # statements per compiled chunk
BLOCK_COST = 8          # a block's loop counts as this many statements of a chunk
TM_HEAD, TN_HEAD = 6, 2     # time settings in TM and TN; the blocks' numbers and slots follow
RK4_INLINE = 16         # RK4 stages of up to this many stocks are written out, beyond that loops
HEADER = "import numpy as np\nfrom numba import njit\nfrom engine.backends.numba_lib import *  # noqa: F403\n"
JIT = "@njit(cache=True, error_model='numpy', nogil=True)"
PJIT = "@njit(cache=True, error_model='numpy', parallel=True)"
DECORATORS = frozenset(ast.unparse(ast.parse(d[1:], mode="eval").body) for d in (JIT, PJIT))   # at import
CALLS = {"_dread", "_interp", "_sel", "_empty", "_copy", "_prange", "_nruns", "_ncols", "len"}
DELAYS = "DB, DO, DZ, DS, DI"
# what an event applied in the kernel needs (see ``backends.base.EventTables``)
EVENT_TABLES = "EG, EA, AR, AS, ALO, AHI, PR"
# the arguments of ``_segment`` after its records
SEGMENT_REST = f"{DELAYS}, pend, hit, chk, bad, FK, FE, FP, CE, FD, ER, CV, {EVENT_TABLES}"
# time settings are arguments (not constants), so one compiled kernel serves every horizon and dt
TIME = ["_t0 = TM[0]", "_t1 = TM[1]", "_dt = TM[2]", "_h2 = TM[3]", "_dt6 = TM[4]", "_eps = TM[5]",
        "_n = TN[0]", "_se = TN[1]"]


def TABLE(i, x) -> str:
    """A lookup call in scalar code."""
    return f"_interp({x}, _LX{i}, _LY{i}, _LE{i})"


def _slot(s) -> int:
    return s.slot if isinstance(s, ex.Ref) else int(s)


def _x(s) -> str:
    return f"x{_slot(s)}"


class ScalarGenerator:
    """Writes the module of one plan's kernel (see the module docstring)."""

    def __init__(self, plan):
        self.plan = plan
        self.rk4 = plan.time.method == "rk4" and bool(plan.stocks)     # RK4 stages (Euler without stocks)
        self.em = ScalarEmitter(_x, {"time": "t", "dt": "_dt", "starttime": "_t0", "stoptime": "_t1",
                                     "pi": "_pi"}, TABLE)
        self.defs: list = []
        self.n_blocks = 0
        self.offsets, _, cx = block_data(plan)
        self._step_lines: tuple | None = None
        # the Euler step reads its parts of time alone from a table after the blocks' numbers
        self.times = TimeParts() if not self.rk4 else None
        self.tto = TM_HEAD + len(cx)
        self._in_step = False

    # ------------------------------------------------------------------ pieces
    def _chunk(self, slots, row: str) -> list:
        """Lines computing ``slots`` from and into the row ``row``: loads, statements, stores."""
        eqs = {s: self.plan.equations[s] for s in slots}
        first: list = []
        if self._in_step and self.times is not None:        # parts of time alone: from the table
            columns: set = set()
            for s in slots:
                eqs[s], cols = self.times.rewrite(eqs[s])
                columns.update(cols)
            for j in columns:
                self.em.reserved[f"_tv{j}"] = f"_tv{j}"
            if columns:
                first = self.times.prelude(sorted(columns), self.em, self.tto, "k")
        stmts = [line for s in slots for line in self.em.assign(_x(s), eqs[s])]
        return first + self.loads(reads(eqs.values()) - set(slots), row) + stmts + \
            [f"{row}[{s}] = {_x(s)}" for s in slots]

    def _loop(self, block: Block, row: str) -> list:
        """A block's cells in one loop (in its order, so cells that read cells of the block
        come after them): every slot read and written in the row, the block's slots and
        numbers read from the tails of ``TN`` and ``TM`` (``block_data``)."""
        out, refs, consts = self.offsets[id(block)]

        def ref(n):
            if n.name == VARYING_REF:
                return f"{row}[TN[{refs[n.slot]} + _q]]"
            if n.name == VARYING_NUM:
                return f"TM[{consts[n.slot]} + _q]"
            return f"{row}[{n.slot}]"
        def reduce(n):
            """A grouped sum: the rows' values pairwise, level by level, in a buffer."""
            first, count = int(n.args[0].value), int(n.args[1].value)
            self.em.temps += 1
            b, m = f"_rb{self.em.temps}", f"_rn{self.em.temps}"
            self.em.pre += [f"{b} = _empty({count})", f"for _i in range({count}):",
                            f"    {b}[_i] = {row}[TN[{refs[first]} + _i * {block.size} + _q]]",
                            f"{m} = {count}", f"while {m} > 1:", f"    for _i in range({m} // 2):",
                            f"        {b}[_i] = {b}[2 * _i] + {b}[2 * _i + 1]",
                            f"    if {m} % 2 == 1:", f"        {b}[{m} // 2] = {b}[{m} - 1]",
                            f"    {m} = ({m} + 1) // 2"]
            return f"{b}[0]"
        self.em.ref = ref
        self.em.special = {REDUCE: reduce}
        try:
            stmt = self.em.assign(f"{row}[TN[{out} + _q]]", block.template, "    ")
        finally:
            self.em.ref = _x
            self.em.special = {}
        return [f"for _q in range({block.size}):"] + stmt

    def _lines(self, items, row: str) -> list:
        """Lines computing ``items`` (slots and blocks) in order into ``row``."""
        out: list = []
        run: list = []
        for it in list(items) + [None]:
            if isinstance(it, Block) or it is None:
                if run:
                    out += self._chunk(run, row)
                    run = []
                if it is not None:
                    out += self._loop(it, row)
            else:
                run.append(it)
        return out

    def compute(self, items, indent: str, row: str = "c", k: str = "k") -> list:
        """Lines computing ``items`` (slots, and blocks of a grouped runlist) in order into
        ``row``: inline when they fit one chunk, else a call of one compiled function per chunk
        (a block counts as ``BLOCK_COST`` statements; ``k``: the step, which a chunk of the Euler
        step needs to read the time table)."""
        chunks: list = [[]]
        size = 0
        for it in items:
            cost = BLOCK_COST if isinstance(it, Block) else 1
            if chunks[-1] and size + cost > BLOCK:
                chunks.append([])
                size = 0
            chunks[-1].append(it)
            size += cost
        if len(chunks) == 1:
            return [indent + line for line in self._lines(chunks[0], row)]
        lines = []
        for chunk in chunks:
            name = f"_blk{self.n_blocks}"
            self.n_blocks += 1
            body = TIME + self._lines(chunk, "c") + ["return 0"]
            self.defs += [JIT, f"def {name}(c, t, ts, k, TM, TN):"] + ["    " + b for b in body] + [""]
            lines.append(f"{indent}{name}({row}, t, ts, {k}, TM, TN)")
        return lines

    def runlist(self, name: str):
        """A runlist's items: its blocks and slots when the plan grouped it, else its slots."""
        return self.plan.grouped.get(name, getattr(self.plan, name))

    @staticmethod
    def loads(slots, row: str = "c", indent: str = "") -> list:
        """Locals read from a row."""
        return [f"{indent}{_x(s)} = {row}[{s}]" for s in sorted(slots)]

    def probe_lines(self, trees_targets, row: str, indent: str) -> list:
        """``target = tree`` for each pair, reading slots from ``row``."""
        trees = [tr for tr, _ in trees_targets]
        lines = self.loads(reads(trees), row, indent)
        for tree, target in trees_targets:
            lines += [indent + line for line in self.em.assign(target, tree)]
        return lines

    def over_runs(self, name: str, args: str, body: list, before=()) -> list:
        """``name(r0, r1, ...)`` running ``body`` for runs r0..r1-1 (``V`` is run-major here, ``c``
        the run's row of it), and ``name_par`` over all runs in chunks on parallel threads
        (compiled on first use)."""
        return ([JIT, f"def {name}(r0, r1, TM, TN, {args}):"] + ["    " + x for x in TIME + list(before)] +
                ["    for r in range(r0, r1):", "        c = V[r]"] + body + ["    return 0", "",
                 PJIT, f"def {name}_par(TM, TN, {args}):", "    n = _nruns(V)", "    m = (n + 63) // 64",
                 "    for i in _prange(m):", f"        {name}(i * 64, min(n, i * 64 + 64), TM, TN, {args})",
                 "    return 0", ""])

    # ------------------------------------------------------------------ functions
    def hoist(self) -> list:
        """``_hoist``: the auxiliaries of parameters only."""
        body = ["        t = _t0", "        ts = _t0"] + self.compute(self.runlist("hoisted"), "        ", k="0")
        return self.over_runs("_hoist", "V", body)

    def initial(self) -> list:
        """``_initial``: start values of stocks and pipelines, and the pipelines' delay times,
        computed in a copy of the run's row (only the stocks go back to it)."""
        p = self.plan
        body = ["        w = _copy(c)", "        t = _t0", "        ts = _t0 + _eps"]
        body += self.compute(self.runlist("initial"), "        ", "w", k="0")
        body += ["        for i in range(len(_STK)):", "            c[_STK[i]] = w[_STK[i]]"]
        body += self.delay_times("w", "        ")
        if p.delays:
            body += ["        for i in range(len(_DSL)):", "            DN[i, r] = w[_DSL[i]]"]
        return self.over_runs("_initial", "V, DT, DN", body)

    def delay_times(self, row: str, indent: str) -> list:
        """``DT[i, r]``, every pipeline's delay time: each distinct tree computed once into
        ``_dtv`` and spread by ``_DTK`` (pipeline -> its tree), so that the cells of an arrayed
        DELAY FIXED with one delay time cost one expression, not one per cell."""
        distinct: dict = {}
        for d in self.plan.delays:
            distinct.setdefault(ex.dump(d.delay), d.delay)
        if not distinct:
            return []
        trees = list(distinct.values())
        return [f"{indent}_dtv = _empty({len(trees)})"] + \
            self.probe_lines([(tree, f"_dtv[{q}]") for q, tree in enumerate(trees)], row, indent) + \
            [f"{indent}for i in range(len(_DSL)):", f"{indent}    DT[i, r] = _dtv[_DTK[i]]"]

    def groups(self) -> list:
        """One function for every probe group, computed in a copy of the run's row: the
        group's number chooses its branch."""
        p = self.plan
        body = ["        w = _copy(c)", "        t = _t0 + k * _dt", "        ts = t + _eps"]
        for i, g in enumerate(p.groups):
            needed = reads([p.probes[j] for j in g.probes] + [p.equations[s] for s in g.needs])
            part = [f"            w[{d.slot}] = _dread(DB, DO[{q}], DZ[{q}], DS[{q}, r], DI[{q}, r], k, r)"
                    for q, d in enumerate(p.delays) if d.slot in needed]
            part += self.compute(g.needs, "            ", "w")
            part += self.probe_lines([(p.probes[j], f"R[{row}, r]") for row, j in enumerate(g.probes)],
                                     "w", "            ")
            body += [f"        {'if' if i == 0 else 'elif'} g == {i}:"] + (part or ["            pass"])
        return self.over_runs("_groups", f"g, k, V, {DELAYS}, R", body)

    def dynamic(self) -> list:
        """``_dyn(c, t, ts, TM, TN)``: the dynamic runlist of one run at one time."""
        body = TIME + self.compute(self.runlist("dynamic"), "", k="0") + ["return 0"]
        return [JIT, "def _dyn(c, t, ts, TM, TN):"] + ["    " + b for b in body] + [""]

    def _step(self, lanes: bool) -> list:
        """The lines of one run's step ``k`` (unindented): its timed firings, its values, its
        'when' conditions, its record and its update. A value failing its check sets ``h`` to -2
        and breaks; a 'when' event that fires continues (the step is computed again). The step's
        own lines are made once (``_step_lines``): the scalar and the lane forms share them."""
        if self._step_lines is None:
            p = self.plan
            self._in_step = True
            try:
                values = self.compute(self.runlist("dynamic"), "") if not self.rk4 else ["_dyn(c, t, ts, TM, TN)"]
            finally:
                self._in_step = False
            self._step_lines = (
                values + self._conditions(""),
                self._rk4("") if self.rk4 else
                euler_updates(p, lambda s: f"c[{_slot(s)}]", "") if len(p.stocks) <= BLOCK and not p.grouped else
                # straight-line updates (as the numpy backend writes them) up to BLOCK stocks, else a loop
                ["for i in range(len(_STK)):", "    c[_STK[i]] = c[_STK[i]] + _dt * _net(c, i)"])
        values, update = self._step_lines
        # a plan without events has no firings to look for (and ``_fire``, never called, is then
        # never compiled: about half a second of numba's time per kernel)
        fire = ["while FP[r] < _ncols(FE) and FK[r, FP[r]] == k:",
                "    _e = FE[r, FP[r]]", "    FP[r] += 1",
                f"    if _fire(r, _e, k, TM, TN, V, {DELAYS}, {EVENT_TABLES}) >= 0:",
                "        ER[0, r] = k", "        ER[1, r] = _e", "        h = -2", "        break",
                "if h == -2:", "    break"] if self.plan.events else []
        return (fire + [
                 "t = _t0 + k * _dt", "ts = t + _eps",
                 "for i in range(len(_DSL)):",
                 "    c[_DSL[i]] = _dread(DB, DO[i], DZ[i], DS[i, r], DI[i, r], k, r)"] + values +
                ["for i in range(len(_DIN)):", "    DB[DO[i] + k % DZ[i], r] = c[_DIN[i]]",
                 "if k == nxt or k == _n:", "    for jj in range(ns):",
                 "        R[j, jj] = c[saved[jj]]", "    if bad[0, r] < 0:",
                 "        for i in range(len(chk)):", "            _xv = c[chk[i]]",
                 "            if _xv - _xv != 0.0:", "                bad[0, r] = j",
                 "                bad[1, r] = chk[i]", "                break"] +
                ([] if lanes else ["    j += 1", "    nxt += _se"]) + ["if k >= _n:", "    break"] + update +
                ["for i in range(len(_NNG)):", "    c[_NNG[i]] = _fn_max(c[_NNG[i]], 0.0)",
                 "break" if lanes else "k += 1"])

    def segment(self) -> list:
        """``_segment``: each run steps to k1 (or its first 'when' condition), recording at the saved
        steps (every ``_se``-th and the last), where it also looks for a NaN or infinity in the
        slots ``chk`` (the first one found in run r: record index and slot into ``bad[:, r]``).
        With ``CV`` = 1 events apply inside: at the start of each step the run's timed firings
        due there (``FK``/``FE`` from ``FP`` on), and an event whose 'when' condition holds at once,
        the step then computed again; a value failing its check stops the run (``ER``)."""
        pad = "            "
        body = ["        R = rec[r - _ro]", "        k = kpos[r]", "        h = -1", "        ns = len(saved)",
                "        j = (k + _se - 1) // _se", "        nxt = j * _se", "        while k < k1:"]
        body += [pad + line for line in self._step(lanes=False)]
        body += ["        kpos[r] = min(k + 1, k1) if h == -1 else k", "        hit[r] = max(h, -1)"]
        before = ["_S0 = _empty(len(_STK))", "_KK = _empty((4, len(_STK)))"] if self.rk4 else []
        return self.over_runs("_segment", f"kpos, k1, V, rec, _ro, saved, {SEGMENT_REST}", body, before)

    def lanes(self) -> list:
        """``_lanes(r0, r1, ...)``: the runs r0..r1-1 from step 0 to k1 side by side, step by step
        (the loop over the runs inside the loop over the steps, so that the work of several runs
        overlaps), each run's step the very lines of ``_segment``'s: the same numbers. A run whose
        event value fails its check stops there (``ER``); 'when' events apply inside (``CV`` = 1),
        so no run stops at a condition. Records go straight to ``rec[time, variable, run]``: the
        runs of a block fill the same few cache lines at each saved step."""
        p8 = "                "
        # a run's row and records are indexed in place: a view of them made at every step would cost
        # more than a small model's step (kept where the step hands its row to a function)
        step = [re.sub(r"\bc\[", "V[r, ", line).replace("R[j, jj]", "rec[j, jj, r]")
                for line in self._step(lanes=True)]
        row = ["            c = V[r]"] if any(re.search(r"\bc\b", line) for line in step) else []
        body = ["    ns = len(saved)", "    j = 0", "    nxt = 0", "    k = 0", "    while k < k1:",
                "        for r in range(r0, r1):", "            if ER[0, r] >= 0:", "                continue",
                *row, "            h = -1", "            while True:"]
        body += [p8 + line for line in step]
        body += ["        if k == nxt or k == _n:", "            j += 1", "            nxt += _se", "        k += 1",
                 "    for r in range(r0, r1):", "        kpos[r] = k1 if ER[0, r] < 0 else ER[0, r]"]
        before = ["_S0 = _empty(len(_STK))", "_KK = _empty((4, len(_STK)))"] if self.rk4 else []
        return [JIT, f"def _lanes(r0, r1, TM, TN, kpos, k1, V, rec, saved, {SEGMENT_REST}):"] + \
            ["    " + x for x in TIME + before] + body + ["    return 0", ""]

    @staticmethod
    def whole() -> list:
        """``_whole`` and ``_whole_par``: every run of a batch from step 0 to k1, in blocks of ``_B``
        runs stepped side by side (``_lanes``), the records written straight into
        ``_data[time, variable, run]`` (no records run by run, no transpose afterwards)."""
        def fn(name, deco, loop):
            return [deco, f"def {name}(TM, TN, kpos, k1, V, saved, {SEGMENT_REST}, _data, _B):",
                    "    n = _nruns(V)", f"    for i in {loop}((n + _B - 1) // _B):",
                    f"        _lanes(i * _B, min(n, i * _B + _B), TM, TN, kpos, k1, V, _data, saved, {SEGMENT_REST})",
                    "    return 0", ""]
        return fn("_whole", JIT, "range") + fn("_whole_par", PJIT, "_prange")

    def soa(self) -> list:
        """``_soa_whole`` and its parallel twin, for a plan without events, pipelines or RK4 and
        with one chunk of dynamic statements (``soa_ready``): blocks of ``_B`` runs stepped as
        lanes of a structure of arrays ``_L[slot, lane]``, each statement's loop over the lanes
        free of branches, so that the compiler may use vector instructions; the records go
        straight into ``_data[time, variable, run]``. Each lane computes the very expressions of
        the scalar step, in the same order: the same numbers."""
        p = self.plan
        if not soa_ready(p):
            return []
        self._step(lanes=True)
        assert self._step_lines is not None
        values = [re.sub(r"\bc\[(\d+)\]", r"_L[\1, _l]", line) for line in self._step_lines[0]]
        if any(re.search(r"\bc\b", line) for line in values):
            return []
        p16 = " " * 16
        update = [p16 + line for line in euler_updates(p, lambda x: f"_L[{_slot(x)}, _l]", "")]
        update += [f"{p16}_L[{_slot(x)}, _l] = _fn_max(_L[{_slot(x)}, _l], 0.0)" for x in p.non_negative]
        body = SOA_START.format(slots=len(p.names)).splitlines() + ([p16 + line for line in values] or [p16 + "pass"])
        body += SOA_RECORDS.splitlines() + (update or [p16 + "pass"])
        body += SOA_END.splitlines()
        fn = [JIT, "def _soa(_b0, _b1, TM, TN, kpos, k1, V, rec, saved, chk, bad, _B):"] + \
            ["    " + x for x in TIME] + body + ["    return 0", ""]
        return fn + [PJIT, "def _soa_par(TM, TN, kpos, k1, V, rec, saved, chk, bad, _B):",
                     "    m = (_nruns(V) + _B - 1) // _B", "    w = min(m, 64)",
                     "    for i in _prange(w):",
                     "        _soa(i * m // w, (i + 1) * m // w, TM, TN, kpos, k1, V, rec, saved, chk, bad, _B)",
                     "    return 0", ""]

    def _conditions(self, pad: str) -> list:
        conds = self.plan.conditions
        if not conds:
            return []
        L = self.loads(reads(conds), "c", pad)
        for i, c in enumerate(conds):
            self.em.pre = []
            text = self.em.cond(c)
            L += [pad + line for line in self.em.pre]
            L += [f"{pad}if pend[{i}, r] and {text}:", f"{pad}    if CV == 0:", f"{pad}        h = {i}",
                  f"{pad}        break", f"{pad}    pend[{i}, r] = False", f"{pad}    FD[{i}, r] = k",
                  f"{pad}    if _fire(r, CE[{i}], k, TM, TN, V, {DELAYS}, {EVENT_TABLES}) >= 0:",
                  f"{pad}        ER[0, r] = k", f"{pad}        ER[1, r] = CE[{i}]", f"{pad}        h = -2",
                  f"{pad}        break", f"{pad}    continue"]
        return L

    def _rk4(self, pad: str) -> list:
        """Three more evaluations of the dynamic runlist at the stage states; the first stage's
        derivatives come from the step's own values. Up to ``RK4_INLINE`` stocks the per-stock
        lines are written out (as the numpy backend writes them), beyond that they are loops
        (nine lines per stock would make the step function slow to compile)."""
        p = self.plan

        def per_stock(template: str) -> list:
            """``template`` for every stock: ``{S}`` its cell in the row, ``{i}`` its index,
            ``{NET}`` its net flow."""
            if len(p.stocks) > RK4_INLINE or p.grouped:
                return [f"{pad}for i in range(len(_STK)):",
                        pad + "    " + template.format(S="c[_STK[i]]", i="i", NET="_net(c, i)")]
            return [pad + template.format(S=f"c[{_slot(s)}]", i=i,
                                          NET=net_flow(ins, outs, lambda f: f"c[{_slot(f)}]"))
                    for i, (s, (ins, outs)) in enumerate(zip(p.stocks, p.rates))]
        L = [f"{pad}_tk = t"] + per_stock("_S0[{i}] = {S}") + per_stock("_KK[0, {i}] = {NET}")
        for row, (tt, ts, h) in enumerate((("_tk + _h2", "_tk + _h2", "_h2"), ("_tk + _h2", "_tk + _h2", "_h2"),
                                           ("_tk + _dt", "_tk + _dt - _eps", "_dt")), start=1):
            L += per_stock("{S} = _S0[{i}] + " + h + " * _KK[" + str(row - 1) + ", {i}]")
            L.append(f"{pad}_dyn(c, {tt}, {ts}, TM, TN)")
            L += per_stock("_KK[" + str(row) + ", {i}] = {NET}")
        return L + per_stock("{S} = _S0[{i}] + _dt6 * (_KK[0, {i}] + 2.0 * (_KK[1, {i}] + _KK[2, {i}]) + _KK[3, {i}])")

    NET = [JIT, "def _net(c, i):",
           "    _si = 0.0",
           "    for _q in range(_IP[i], _IP[i + 1]):",
           "        _si += c[_IN[_q]]",
           "    _so = 0.0",
           "    for _q in range(_OP[i], _OP[i + 1]):",
           "        _so += c[_OUT[_q]]",
           "    return _si - _so", ""]

    def source(self) -> str:
        """The module's functions (without header and constants)."""
        body = (self.dynamic() if self.rk4 else []) + self.NET + self.hoist() + self.initial() + self.segment() + \
            self.lanes() + self.whole() + self.soa() + self.groups() + SET_VALUES + FIRE
        if self.times is not None and self.times.parts:         # (known once the step is written)
            body += [JIT] + self.times.table_function(self.em, TIME)
        return "\n".join(self.defs + body) + "\n"

    def constants(self) -> list:
        """Module-level constants: numbers, lookup tables and the slot arrays of the loops."""
        p = self.plan
        ins = [[_slot(f) for f in i] for i, _ in p.rates]
        outs = [[_slot(f) for f in o] for _, o in p.rates]

        def arr(name, values):
            return f"{name} = np.array({[int(v) for v in values]!r}, dtype=np.int64)"

        def offsets(lists):
            return np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(int)
        parts = len(self.times.parts) if self.times is not None else 0
        return [f"_pi = {float(np.pi)!r}", f"_TTO = {self.tto}", f"_TTJ = {parts}",
                arr("_STK", [_slot(x) for x in p.stocks]),
                arr("_NNG", [_slot(x) for x in p.non_negative]),
                arr("_DSL", [d.slot for d in p.delays]), arr("_DIN", [_slot(d.input) for d in p.delays]),
                arr("_DTK", first_of(ex.dump(d.delay) for d in p.delays)),
                arr("_IN", [f for x in ins for f in x]), arr("_IP", offsets(ins)),
                arr("_OUT", [f for x in outs for f in x]), arr("_OP", offsets(outs))] + \
            constant_lines(self.em.consts, self.plan.tables)


# an event applied inside the segment (one run, one firing): evaluate its probe group, check the
# values (finite, within their ranges), and only when all pass, set them (and re-hoist): -1, or the
# index of the action whose value failed
FIRE = [JIT, f"def _fire(r, _e, k, TM, TN, V, {DELAYS}, {EVENT_TABLES}):",
        f"    _groups(r, r + 1, TM, TN, EG[_e, 0], k, V, {DELAYS}, PR)",
        "    for i in range(EA[_e], EA[_e + 1]):",
        "        v = PR[AR[i], r]",
        "        if not (v >= ALO[i] and v <= AHI[i]):",
        "            return i - EA[_e]",
        "    for i in range(EA[_e], EA[_e + 1]):",
        "        V[r, AS[i]] = PR[AR[i], r]",
        "    if EG[_e, 1]:",
        "        _hoist(r, r + 1, TM, TN, V)",
        "    return -1", ""]

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


def block_data(plan) -> tuple[dict, np.ndarray, np.ndarray]:
    """The blocks of a grouped plan as data: per block (by ``id``) the offset of its defined
    slots in ``TN``, the offsets of its index rows in ``TN`` and of its number rows in ``TM``;
    and the tails of ``TN`` (slots) and ``TM`` (numbers) holding them. Passing them with the
    time settings keeps the code of a block the same size for any number of cells."""
    offsets: dict = {}
    ints: list = []
    floats: list = []
    n_i, n_f = TN_HEAD, TM_HEAD
    for name in ("hoisted", "initial", "dynamic"):
        for b in plan.grouped.get(name, ()):
            if not isinstance(b, Block) or id(b) in offsets:
                continue
            rows = [b.out] + list(b.refs)
            offs = [n_i + i * b.size for i in range(len(rows))]
            n_i += len(rows) * b.size
            ints += rows
            coffs = [n_f + i * b.size for i in range(len(b.consts))]
            n_f += len(b.consts) * b.size
            floats += list(b.consts)
            offsets[id(b)] = (offs[0], offs[1:], coffs)
    IX = np.concatenate(ints).astype(np.int64) if ints else np.zeros(0, np.int64)
    CX = np.concatenate(floats).astype(np.float64) if floats else np.zeros(0)
    return offsets, IX, CX


# the fixed parts of ``_soa``: a block's runs into the lanes, the records and checks of a saved
# step, the lanes back into the runs' rows
SOA_START = """\
    n = _nruns(V)
    _L = _empty(({slots}, _B))
    ns = len(saved)
    for i in range(_b0, _b1):
        r0 = i * _B
        m = min(n, r0 + _B) - r0
        for _l in range(m):
            for s in range(len(_L)):
                _L[s, _l] = V[r0 + _l, s]
        j = 0
        nxt = 0
        k = 0
        while k < k1:
            t = _t0 + k * _dt
            ts = t + _eps
            for _l in range(m):"""
SOA_RECORDS = """\
            if k == nxt or k == _n:
                for jj in range(ns):
                    for _l in range(m):
                        rec[j, jj, r0 + _l] = _L[saved[jj], _l]
                for _l in range(m if len(chk) else 0):
                    if bad[0, r0 + _l] < 0:
                        for _i in range(len(chk)):
                            _xv = _L[chk[_i], _l]
                            if _xv - _xv != 0.0:
                                bad[0, r0 + _l] = j
                                bad[1, r0 + _l] = chk[_i]
                                break
                j += 1
                nxt += _se
            if k >= _n:
                break
            for _l in range(m):"""
SOA_END = """\
            k += 1
        for _l in range(m):
            for s in range(len(_L)):
                V[r0 + _l, s] = _L[s, _l]
            kpos[r0 + _l] = k1"""


def soa_ready(plan) -> bool:
    """Whether a plan's batches can step as a structure of arrays (``ScalarGenerator.soa``)."""
    return (not plan.events and not plan.delays and not plan.conditions and plan.time.method != "rk4"
            and not plan.grouped and len(plan.dynamic) <= BLOCK and len(plan.stocks) <= BLOCK)


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
    check(body, set(HELPERS) | CALLS, decorators=DECORATORS)
    return HEADER + "\n".join(constants) + "\n\n" + body
