"""The numpy backend, the reference: generated Python over numpy arrays of the run axis.

For a plan it writes ``_hoist(V)``, ``_initial(V)``, ``_segment(k0, k1, V, out, D...)`` (Euler
inlined, or RK4 through a nested rates function) and one ``_g<i>(k, V, D...)`` per probe group.
Every slot is a local variable; a single run uses float64 scalars (a batch of one without the
cost of one-element arrays), a batch arrays over its runs.
"""
from __future__ import annotations

import numpy as np

from .. import lang as ex
from ..errors import ModelError
from ..gcpause import pausing
from ..lang.names import reserved_key
from ..model.noise import RUN_ID
from .base import SWITCH_EPS, Backend, Kernel, State, set_delays, unsaved_stocks
from .emitter import SingleEmitter, VectorEmitter, euler_updates, net_flow
from .source import compile_functions

DELAY_ARGS = "DB, DO, DZ, DS, DI"


def _v(s) -> str:
    return f"v{s.slot if isinstance(s, ex.Ref) else s}"


def reads(trees) -> set:
    """Slots the trees read."""
    return {n.slot for t in trees if t is not None for n in ex.walk(t) if isinstance(n, ex.Ref)}


class Generator:
    """Writes the source of one plan's functions (``single``: one run, scalars)."""

    v = staticmethod(_v)            # the code of a slot's value

    def __init__(self, plan, single: bool):
        self.plan = plan
        self.single = single
        self.f32 = plan.time.precision == "single"
        emitter = SingleEmitter if self.f32 else VectorEmitter     # single: float32 arithmetic
        self.em = emitter(self.v, {"time": "t", "dt": "_dt", "starttime": "_t0", "stoptime": "_t1", "pi": "_pi"},
                          lambda i, x: f"_lk{i}({x})")

    def unpack(self, slots, indent="    ") -> list:
        """Locals for slots held in V."""
        slots = sorted(slots)
        return [f"{indent}{self.v(s)} = V[{s}]" for s in slots]

    def store(self, slots, indent="    ") -> list:
        return [f"{indent}V[{s}] = {self.v(s)}" for s in slots]

    def delay_read(self, d: int, k: str) -> str:
        """A pipeline's value at step ``k``."""
        cols = "" if self.single else ", _cols"
        return (f"_where({k} - DS[{d}] >= 0, DB[DO[{d}] + ({k} - DS[{d}]) % DZ[{d}]{cols}], DI[{d}])")

    def columns(self, pipes) -> list:
        """``_cols``, the run index a batch's pipeline reads pair with their rows: a local of the
        call, so that calls of different batch sizes may run at once."""
        return ["    _cols = _colsof(DB)"] if pipes and not self.single else []

    def delay_push(self, d: int, k: str, value: str) -> str:
        return f"DB[DO[{d}] + {k} % DZ[{d}]] = {value}"

    def pipe_reads(self, pipes, k: str, indent: str) -> list:
        """Lines reading the pipelines ``pipes`` (indices into ``plan.delays``) at step ``k``
        into their slots."""
        return [f"{indent}{self.v(self.plan.delays[d].slot)} = {self.delay_read(d, k)}" for d in pipes]

    def pipe_pushes(self, k: str, indent: str) -> list:
        """Lines pushing every pipeline's input at step ``k``."""
        return [indent + self.delay_push(d_i, k, self.v(d.input)) for d_i, d in enumerate(self.plan.delays)]

    # ------------------------------------------------------------------ functions
    def hoist(self) -> list:
        p = self.plan
        L = ["def _hoist(V):"] + self.unpack(p.params) + ["    t = _t0; ts = _t0"]
        for s in p.hoisted:
            L += self.em.assign(self.v(s), p.equations[s], "    ")
        return L + self.store(p.hoisted) + ["    return 0"]

    def initial(self) -> list:
        p = self.plan
        L = ["def _initial(V):"] + self.unpack(p.params + p.hoisted) + ["    t = _t0; ts = _t0 + _eps"]
        for s in p.initial:
            L += self.em.assign(self.v(s), p.equations[s], "    ")
        L += self.store(p.stocks)
        times = [self.em.num(d.delay) for d in p.delays]
        inits = [self.v(d.slot) for d in p.delays]
        return L + [f"    return [{', '.join(times)}], [{', '.join(inits)}]"]

    def group(self, i: int) -> list:
        p = self.plan
        g = p.groups[i]
        trees = [p.probes[j] for j in g.probes] + [p.equations[s] for s in g.needs]
        held = reads(trees) - set(g.needs) - {d.slot for d in p.delays}
        L = [f"def _g{i}(k, V, {DELAY_ARGS}):"] + self.unpack(held) + ["    t = _t0 + k * _dt; ts = t + _eps"]
        pipes = [d_i for d_i, d in enumerate(p.delays) if d.slot in reads(trees)]
        L += self.columns(pipes) + self.pipe_reads(pipes, "k", "    ")
        for s in g.needs:
            L += self.em.assign(self.v(s), p.equations[s], "    ")
        outs = []
        for j in g.probes:
            L += self.em.assign(f"_p{j}", p.probes[j], "    ")
            outs.append(f"_p{j}")
        return L + [f"    return [{', '.join(outs)}]"]

    def segment(self) -> list:
        p = self.plan
        rk4 = p.time.method == "rk4"
        L = [f"def _segment(k0, k1, V, out, {DELAY_ARGS}, pend, bad):"]
        L += self.unpack(p.params + p.hoisted + p.stocks) + self.columns(p.delays)
        body = []
        for s in p.dynamic:
            body += self.em.assign(self.v(s), p.equations[s])
        if rk4:
            L += self._rates(body)
        first = [f"K1, A = _rates(t, t + _eps, {self._state_args()})"]
        if p.dynamic:
            first.append(f"{', '.join(self.v(s) for s in p.dynamic)}, = A")
        L += self.steps(first if rk4 else body, rk4)
        L += self.store(p.stocks) + ["    return min(k + 1, k1), -1, None"]
        return L

    def steps(self, computed: list, rk4: bool) -> list:
        """The loop over the steps k0..k1 of ``_segment``: time, pipelines read, ``computed``
        (the step's statements, or the first RK4 stage), conditions, pipelines pushed, the record,
        and the integration (not after the last step)."""
        p = self.plan
        L = ["    k = k0", "    for k in range(k0, k1):", "        t = _t0 + k * _dt", "        ts = t + _eps"]
        L += self.pipe_reads(range(len(p.delays)), "k", "        ")
        L += ["        " + line for line in computed]
        L += self._conditions()
        L += self.pipe_pushes("k", "        ")
        L += self._record()
        L += ["        if k >= _n:", "            break"]
        return L + self._integrate(rk4)

    def _state_args(self, shift: str = "") -> str:
        p = self.plan
        stocks = [f"{self.v(s)} + {shift}K{{}}[{i}]" if shift else self.v(s) for i, s in enumerate(p.stocks)]
        return ", ".join(stocks + [self.v(d.slot) for d in p.delays])

    def _rates(self, body) -> list:
        p = self.plan
        args = ", ".join(["t", "ts"] + [self.v(s) for s in p.stocks] + [self.v(d.slot) for d in p.delays])
        derivs = [net_flow(ins, outs, self.v) for ins, outs in p.rates]
        return ([f"    def _rates({args}):"] + ["        " + line for line in body] +
                [f"        return [{', '.join(derivs)}], [{', '.join(self.v(s) for s in p.dynamic)}]"])

    def _conditions(self) -> list:
        L = []
        for i, c in enumerate(self.plan.conditions):
            self.em.pre = []
            text = self.em.cond(c)
            L += ["        " + line for line in self.em.pre]
            L.append(f"        _c = _and({text}, pend[{i}])")
            L.append("        if _any(_c):")
            L += ["            " + line for line in self.store(self.plan.stocks, "")]
            L.append(f"            return k, {i}, _c")
        return L

    def _saved_step(self) -> tuple[list, str]:
        """The lines that open a saved step (``_j`` its record's row) and the indent inside them."""
        pad = "        "
        if self.plan.time.save_every == 1:
            return [f"{pad}_j = k"], pad
        pad += "    "
        return [f"{pad[:-4]}if k % _se == 0 or k == _n:", f"{pad}_j = (k + _se - 1) // _se"], pad

    def _record(self) -> list:
        p = self.plan
        if not p.saved and not unsaved_stocks(p):
            return []
        L, pad = self._saved_step()
        L.append(f"{pad}rec = out[_j]")
        L += [f"{pad}rec[{j}] = {self.v(s)}" for j, s in enumerate(p.saved)]
        chk = unsaved_stocks(p)
        if chk:     # the stocks not saved: one sum says whether to look closer
            values = f"[{', '.join(self.v(s) for s in chk)}]"
            L += [f"{pad}if not _fin({values}):", f"{pad}    _nonfinite(bad, _j, {values}, {list(chk)!r})"]
        return L

    def _integrate(self, rk4: bool) -> list:
        p = self.plan
        L = []
        if rk4 and p.stocks:
            S = [self.v(s) for s in p.stocks]
            P = [self.v(d.slot) for d in p.delays]
            for K, (tt, ts, h, prev) in (("K2", ("t + _h2", "t + _h2", "_h2", "K1")),
                                         ("K3", ("t + _h2", "t + _h2", "_h2", "K2")),
                                         ("K4", ("t + _dt", "t + _dt - _eps", "_dt", "K3"))):
                args = [f"{s} + {h} * {prev}[{i}]" for i, s in enumerate(S)] + P
                L.append(f"        {K}, _ = _rates({tt}, {ts}, {', '.join(args)})")
            for i, s in enumerate(S):
                L.append(f"        {s} = {s} + _dt6 * (K1[{i}] + 2.0 * (K2[{i}] + K3[{i}]) + K4[{i}])")
        else:
            L += euler_updates(p, self.v, "        ")
        for s in p.non_negative:
            L.append(f"        {self.v(s)} = _max0({self.v(s)})")
        return L

    def source(self) -> str:
        lines = self.hoist() + self.initial() + self.segment()
        for i in range(len(self.plan.groups)):
            lines += self.group(i)
        return "\n".join(lines) + "\n"

    def namespace(self) -> dict:
        t = self.plan.time
        ns = self.em.helpers()
        ns.update(self.em.consts)
        for i, tb in enumerate(self.plan.tables):
            ns[f"_lk{i}"] = _table(tb)
        ns.update(_t0=np.float64(t.start), _t1=np.float64(t.stop), _dt=np.float64(t.dt),
                  _h2=np.float64(t.dt / 2), _dt6=np.float64(t.dt / 6), _eps=np.float64(t.dt * SWITCH_EPS),
                  _n=t.n_steps, _se=t.save_every, _pi=np.float64(np.pi), _max0=_max0, _any=np.any,
                  _colsof=_colsof, _fin=_fin, _nonfinite=_nonfinite)
        return ns


def single_precision(ns: dict) -> dict:
    """``ns`` with its floating numbers and arrays (and lists of arrays) in float32: the
    namespace of single-precision code, whose operations then stay in float32."""
    def f32(v):
        if isinstance(v, (np.floating, np.ndarray)) and v.dtype == np.float64:
            return v.astype(np.float32)
        if isinstance(v, list) and v and all(isinstance(x, np.ndarray) for x in v):
            return [f32(x) for x in v]
        return v
    return {k: f32(v) for k, v in ns.items()}


def _table(tb):
    from ..builtins.vector import interp
    xs, ys = np.asarray(tb.xs, float), np.asarray(tb.ys, float)
    return lambda x: interp(x, xs, ys, tb.extrapolate)


def _max0(x):
    return np.maximum(x, 0.0)


def _colsof(DB):
    """The run index of a batch's pipeline buffer."""
    return np.arange(DB.shape[1])


def _fin(values) -> bool:
    """True when no value of the arrays (or numbers) in ``values`` is NaN or infinite: one sum, and
    a closer look only when the sum is not finite (it may have overflowed)."""
    total = values[0]
    for v in values[1:]:
        total = total + v
    return bool(np.isfinite(total).all()) or all(bool(np.isfinite(v).all()) for v in values)


def _nonfinite(bad, j, values, slots):
    """Note record index ``j`` and the slot of the first non-finite value in each run not yet noted."""
    for v, s in zip(values, slots):
        m = ~np.isfinite(v) & (bad[0] < 0)
        bad[1][m] = s
        bad[0][m] = j


class NumpyKernel(Kernel):
    """A plan's generated numpy functions, compiled on first use (batch and single-run forms)."""

    backend = "numpy"

    def __init__(self, plan):
        super().__init__(plan)
        self._ns: dict = {}

    def fns(self, single: bool) -> dict:
        """The compiled functions of one form."""
        if single not in self._ns:
            from .numpy_grouped import GroupedGenerator
            gen = (GroupedGenerator if self.plan.grouped else Generator)(self.plan, single)
            src = gen.source()
            ns = single_precision(gen.namespace()) if gen.f32 else gen.namespace()
            self._ns[single] = compile_functions(src, f"{self.plan.name} (numpy)", ns)
            self._ns[single]["_source"] = src
        return self._ns[single]

    def _views(self, state: State):
        """V and the pipeline arrays as the function form wants them (1-D for one run)."""
        if state.n == 1:
            return (state.V[:, 0], state.dbuf[:, 0], state.doff, state.dsize, state.dsteps[:, 0],
                    state.dinit[:, 0]), True
        return (state.V, state.dbuf, state.doff, state.dsize, state.dsteps, state.dinit), False

    def hoist(self, state: State) -> None:
        views, single = self._views(state)
        with np.errstate(all="ignore"):
            self.fns(single)["_hoist"](views[0])

    def initial(self, state: State) -> None:
        views, single = self._views(state)
        with np.errstate(all="ignore"):
            times, inits = self.fns(single)["_initial"](views[0])
        if self.plan.delays:
            n = state.n
            set_delays(self.plan, state, np.array([np.broadcast_to(np.asarray(x, float), (n,)) for x in times]),
                       np.array([np.broadcast_to(np.asarray(x, float), (n,)) for x in inits]))

    def segment(self, state: State, k1: int, out: np.ndarray):
        views, single = self._views(state)
        ns = self.fns(single)
        k0 = int(state.kpos[0])
        o = out[:, :, 0] if single else out
        pend = state.pending[:, 0] if single else state.pending
        with np.errstate(all="ignore"):
            k, j, mask = ns["_segment"](k0, k1, views[0], o, *views[1:], pend, state.bad)
        state.kpos[:] = k
        if j >= 0:
            mask = np.broadcast_to(np.asarray(mask, bool), (state.n,)).copy()
        return k, j, mask

    def evaluate(self, state: State, k: int, group: int) -> np.ndarray:
        views, single = self._views(state)
        ns = self.fns(single)
        with np.errstate(all="ignore"):
            vals = ns[f"_g{group}"](k, *views)
        out = np.empty((len(vals), state.n))
        for i, v in enumerate(vals):
            out[i] = v
        return out

    @property
    def source(self) -> str:
        """The generated source of the batch form (for reading and debugging)."""
        return self.fns(False)["_source"]


class NumpyBackend(Backend):
    """The reference backend: always available, runs every plan."""

    name = "numpy"

    @pausing
    def kernel(self, plan) -> NumpyKernel:
        if plan.time.precision == "single" and RUN_ID in plan.model.elements:
            raise ModelError("a model with random functions cannot run in single precision: their streams are "
                             "keyed by the seed and the run's number, which float32 holds exactly only up to "
                             "2^24", file=plan.model.where.file, hint="run it in double precision (the default)")
        return NumpyKernel(plan)

    def expressions(self, trees, args, tables=()):
        """A numpy function of ``args`` arrays evaluating ``trees`` (names and slots by name)."""
        source, em = expression_source(trees, args, VectorEmitter)
        ns = VectorEmitter.helpers()
        ns.update(em.consts)
        for i, tb in enumerate(tables):
            ns[f"_lk{i}"] = _table(tb)
        fn = compile_functions(source, "expressions (numpy)", ns)["_e"]

        def run(*arrays):
            with np.errstate(all="ignore"):
                return fn(*arrays)
        return run


class _Args(dict):
    """Argument names; a reserved name may be written in any case ('Time')."""

    def __missing__(self, key):
        k = reserved_key(key)
        if k != key and k in self:
            return self[k]
        raise KeyError(key)


def _lookup_call(i, x) -> str:
    return f"_lk{i}({x})"


def expression_source(trees, args, emitter_class, lookup=_lookup_call) -> tuple[str, object]:
    """Source of ``_e(a0, a1, ...)`` returning the value of each tree; element and reserved
    names are read from the argument of the same name ('time' also gives the switch time)."""
    arg = _Args({a: f"a{i}" for i, a in enumerate(args)})
    em = emitter_class(lambda r: arg[r.name], arg, lookup)
    lines = [f"def _e({', '.join(arg.values())}):"]
    lines.append(f"    t = ts = {arg['time']}" if "time" in arg else "    t = ts = 0.0")
    if "dt" in arg:
        arg["dt"] = "_dt"
        lines.append(f"    _dt = a{args.index('dt')}")
    outs = []
    for i, tree in enumerate(trees):
        lines += em.assign(f"_r{i}", tree, "    ")
        outs.append(f"_r{i}")
    lines.append(f"    return [{', '.join(outs)}]")
    return "\n".join(lines) + "\n", em
