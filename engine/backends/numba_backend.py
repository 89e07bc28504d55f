"""The numba backend: one run's step compiled to machine code, runs of a batch in parallel.

The module of a plan (``numba_codegen.py``) is written to the user's cache directory under the
plan's digest and a hash of the code that writes it, and compiled with numba's disk cache, so
that a second process (a sweep worker, the next ``carbonloop run``) loads it instead of compiling
it. One module serves every plan of one model structure: saved variables, time settings and
parameter values are arguments.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..gcpause import pausing
from .base import SWITCH_EPS, Backend, Kernel, State, no_events, set_delays, trigger, unsaved_stocks
from .cache import load_module
from .emitter import ScalarEmitter
from .numba_codegen import JIT, TABLE, ScalarGenerator, block_data, constant_lines, module_source
from .numba_times import MAX_TABLE_BYTES
from .numpy_backend import expression_source

PARALLEL = 256          # segments of batches larger than this run on parallel threads
PARALLEL_WORK = 4_000_000   # ... and of more run-steps x statements than this (run_all)
LANE_BYTES = 2 ** 17    # a whole batch steps blocks of runs whose rows take about this much (8..64 runs):
                        # within a core's second-level cache; the flagship's 40 runs a block stepped
                        # 6-10 % faster than 8 (2,000 runs, the two alternated five times in one process)
SOA_BYTES = 2 ** 14     # ... and the structure-of-arrays form (small plans) blocks of this much (8..256 runs)


def _generator_version() -> str:
    """A hash of the code that writes kernels: a change to it never reuses an old kernel."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in ("numba_backend.py", "numba_codegen.py", "numba_times.py", "numba_lib.py", "emitter.py",
              "base.py", "../builtins/scalar.py", "../builtins/rng.py",
              "../plan/group.py"):       # base.py: first_of; group.py: how blocks are laid out
        h.update((here / f).read_bytes())
    import numba
    h.update(numba.__version__.encode())
    return h.hexdigest()[:12]


VERSION = _generator_version()


def _threads() -> int:
    """The threads numba may use here (set to one in sweep workers)."""
    import numba
    return numba.get_num_threads()


class NumbaKernel(Kernel):
    """A plan's compiled numba functions (see the module docstring)."""

    backend = "numba"
    run_major = True
    compiles_events = True

    def __init__(self, plan, module):
        super().__init__(plan)
        self.mod = module
        self.saved = np.array(plan.saved, dtype=np.int64)
        self.chk = np.array(unsaved_stocks(plan), dtype=np.int64)
        t = plan.time
        _, IX, CX = block_data(plan)        # the blocks' slots and numbers follow the time settings
        self.TN = np.concatenate([np.array([t.n_steps, t.save_every], dtype=np.int64), IX])
        self.TM = _with_times(module, np.concatenate([[t.start, t.stop, t.dt, t.dt / 2, t.dt / 6,
                                                       t.dt * SWITCH_EPS], CX]), self.TN)
        self._serial = {f: getattr(self.mod, f) for f in ("_hoist", "_initial", "_segment", "_groups", "_setv")}

    def _call(self, name: str, n: int, *args):
        """Run one function over all runs, in one thread: only long segments of large batches
        are worth waking other threads for (see ``segment``)."""
        return self._serial[name](0, n, self.TM, self.TN, *args)

    def hoist(self, state: State) -> None:
        self._call("_hoist", state.n, state.V.T)

    def initial(self, state: State) -> None:
        nd, n = len(self.plan.delays), state.n
        DT, DN = np.zeros((nd, n)), np.zeros((nd, n))
        self._call("_initial", n, state.V.T, DT, DN)
        if nd:
            set_delays(self.plan, state, DT, DN)

    def new_records(self, n: int) -> np.ndarray:
        """Records laid out run by run (each run writes a contiguous block)."""
        return np.empty((n, self.plan.n_save, len(self.plan.saved)))

    def records(self, out: np.ndarray) -> np.ndarray:
        """The records as data[time, variable, run] (a blocked transpose, compiled)."""
        from .numba_lib import transpose
        n, t, s = out.shape
        if n == 1:                      # one run: the same numbers in the same order
            return out.reshape(t, s, 1)
        data = np.empty((t, s, n))
        if out.size:
            transpose(out.reshape(n, t * s), data.reshape(t * s, n))
        return data

    def _rest(self, state: State) -> tuple:
        """The arguments of the compiled segment after its records (see ``SEGMENT_REST``)."""
        ev = state.events if state.events is not None else no_events(self.plan, state.n)
        return (state.dbuf, state.doff, state.dsize, state.dsteps, state.dinit, state.pending, state.hit, self.chk,
                state.bad, ev.steps, ev.event, ev.next, ev.cond_event, ev.fired, ev.error,
                int(state.events is not None), ev.groups, ev.first, ev.rows, ev.slots, ev.lo, ev.hi, ev.scratch)

    def segment(self, state: State, k1: int, out: np.ndarray):
        args = (state.kpos, k1, state.V.T, out, 0, self.saved, *self._rest(state))
        if state.n > PARALLEL and _threads() > 1:      # a sweep worker computes in one thread
            self.mod._segment_par(self.TM, self.TN, *args)
        else:
            self._serial["_segment"](0, state.n, self.TM, self.TN, *args)
        return trigger(state, state.kpos, state.hit, k1)

    def run_all(self, state: State) -> np.ndarray | None:
        """Every run from its start to the end in one call (see ``Kernel.run_all``), in blocks of
        runs stepped side by side whose records go straight into data[time, variable, run];
        None for one run, whose records need no transpose."""
        n = state.n
        p = self.plan
        if n == 1 or (p.conditions and state.events is None):     # (a condition would stop the run)
            return None
        data = np.empty((p.n_save, len(p.saved), n))
        # threads only for enough work to be worth waking them (and never in a sweep worker)
        parallel = n > PARALLEL and n * p.time.n_steps * (1 + len(p.dynamic)) > PARALLEL_WORK and _threads() > 1
        k1 = p.time.n_steps + 1
        if hasattr(self.mod, "_soa"):        # a small plan without events: a structure of arrays
            block = int(np.clip(SOA_BYTES // (8 * len(p.names) or 1) // 8 * 8, 8, 256))
            args = (state.kpos, k1, state.V.T, data, self.saved, self.chk, state.bad, block)
            if parallel:
                self.mod._soa_par(self.TM, self.TN, *args)
            else:
                self.mod._soa(0, -(-n // block), self.TM, self.TN, *args)
            return data
        block = int(np.clip(LANE_BYTES // (8 * len(p.names) or 1) // 8 * 8, 8, 64))
        args = (state.kpos, k1, state.V.T, self.saved, *self._rest(state), data, block)
        if parallel:
            self.mod._whole_par(self.TM, self.TN, *args)
        else:
            self.mod._whole(self.TM, self.TN, *args)
        return data

    def evaluate(self, state: State, k: int, group: int) -> np.ndarray:
        R = np.empty((len(self.plan.groups[group].probes), state.n))
        if not len(R):                  # nothing to evaluate (a model without events or stage times)
            return R
        self._call("_groups", state.n, group, k, state.V.T, state.dbuf, state.doff, state.dsize, state.dsteps,
                   state.dinit, R)
        return R

    def set_values(self, state: State, k: int, group: int, rows, slots, lo, hi, mask, rehoist: bool) -> int:
        """See ``Kernel.set_values``: one compiled call."""
        R = np.empty((len(self.plan.groups[group].probes), state.n))
        return self.mod._setv(self.TM, self.TN, group, k, state.V.T, state.dbuf, state.doff, state.dsize,
                              state.dsteps, state.dinit, R, rows, slots, lo, hi, mask, rehoist)

    def warm_up(self) -> None:
        """Compile (or load from the disk cache) what a single run uses."""
        from ..run.simulate import prepare_params
        values, _ = prepare_params(self.plan, None)
        state = self.new_state(values, 1)
        out = self.new_records(1)
        self.segment(state, 1, out)
        self.records(out)
        self.evaluate(state, 0, self.plan.start_group)
        if not self.plan.events:        # a model without events never sets values
            return
        none = np.zeros(0, np.int64)
        self.set_values(state, 0, self.plan.start_group, none, none, np.zeros(0), np.zeros(0),
                        np.ones(1, bool), False)


def _with_times(module, TM: np.ndarray, TN: np.ndarray) -> np.ndarray:
    """``TM`` followed by the step's parts of time alone over the grid (``numba_times.py``): a
    flag (1: the table follows) and the table, ``(n_steps + 1) x parts``, row by row."""
    parts = getattr(module, "_TTJ", 0)
    if not parts:
        return TM
    assert module._TTO == len(TM), "the time table's offset is the length of the blocks' numbers"
    steps = int(TN[0]) + 1
    if steps * parts * 8 > MAX_TABLE_BYTES:         # a grid too long: the step computes them
        return np.concatenate([TM, [0.0]])
    table = np.empty((steps, parts))
    module._ttab(TM, TN, table)
    return np.concatenate([TM, [1.0], table.ravel()])


class NumbaBackend(Backend):
    """Compiles plans with numba (an optional dependency)."""

    name = "numba"

    def __init__(self):
        from . import numba_lib  # noqa: F401 - fail here, at choice time, when numba is missing
        self._expr_cache: dict = {}
        self._modules: dict = {}

    def supports(self, plan) -> str | None:
        """Why numba cannot run ``plan``: single precision is the numpy backend's."""
        if plan.time.precision != "double":
            return f"its {plan.time.precision} precision (the numba backend computes in double precision)"
        return None

    def source(self, plan) -> str:
        """The generated module of a plan (for reading and debugging)."""
        gen = ScalarGenerator(plan)
        return module_source(gen.source(), gen.constants())

    @pausing
    def kernel(self, plan) -> NumbaKernel:
        """A kernel for the plan; its module is compiled (or loaded from the disk cache) once per
        model structure and shared by every plan of that structure."""
        fresh = plan.digest not in self._modules
        if fresh:
            self._modules[plan.digest] = load_module(f"clk_{plan.digest[:24]}_{VERSION}", self.source(plan))
        k = NumbaKernel(plan, self._modules[plan.digest])
        if fresh:
            k.warm_up()
        return k

    def expressions(self, trees, args, tables=()):
        """A compiled function of ``args`` arrays evaluating ``trees`` elementwise."""
        source, em = expression_source(trees, args, ScalarEmitter, TABLE)
        key = hashlib.sha256(repr((source, em.consts, tables)).encode()).hexdigest()[:24]
        if key not in self._expr_cache:
            self._expr_cache[key] = _compile_expressions(source, em, tables, key, len(trees), len(args))
        fn = self._expr_cache[key]

        def run(*arrays):
            arrs = np.broadcast_arrays(*[np.asarray(a, float) for a in arrays])
            shape = arrs[0].shape if arrs else ()
            A = np.ascontiguousarray(np.stack([a.reshape(-1) for a in arrs])) if arrs else np.zeros((0, 1))
            R = np.empty((len(trees), A.shape[1]))
            fn(A, R)
            return [R[i].reshape(shape) for i in range(len(trees))]
        return run


def _compile_expressions(source, em, tables, key, n_trees, n_args):
    """Turn ``_e(a0, ...)`` scalar source into a compiled loop over the columns of A."""
    lines = source.splitlines()
    values = lines[-1].strip()[len("return ["):-1]
    body = [JIT, "def _e1(" + lines[0][len("def _e("):]] + lines[1:-1] + \
        [f"    return ({values}{',' if n_trees == 1 else ''})", ""]
    loop = [JIT, "def _e(A, R):", "    for c in range(_ncols(A)):",
            f"        res = _e1({', '.join(f'A[{i}, c]' for i in range(n_args))})"]
    loop += [f"        R[{i}, c] = res[{i}]" for i in range(n_trees)] + ["    return 0", ""]
    mod = load_module(f"cle_{key}_{VERSION}", module_source("\n".join(body + loop) + "\n",
                                                            constant_lines(em.consts, tables)))
    return mod._e
