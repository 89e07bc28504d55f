"""Executors: where chunks of runs are computed. Workers compute; only the parent writes.

All three share one contract, ``with executor: for out in executor.run(tasks): ...``, yielding
each chunk's output once, in any order. A chunk is a pure function of the model and its rows of
the sample table, so a chunk lost with a killed worker is computed again elsewhere and its
numbers do not depend on where or with what others it ran.
"""
from __future__ import annotations

import multiprocessing
import re
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..model.noise import RUN_ID
from . import metrics as mx
from .mainguard import no_main

SCHEDULER_ADDRESS = re.compile(r"(tcp|tls|ws|wss|ucx|inproc)://[^\s/]+")   # a Dask scheduler's address
MAX_RESTARTS = 3            # worker deaths tolerated, per worker, before a sweep stops
CONNECT_TIMEOUT = "5s"      # how long to wait for a Dask scheduler to answer


def check_scheduler_address(address) -> None:
    """A Dask scheduler address (``tcp://HOST:PORT``) before any connection is tried: a malformed
    one makes Dask's client fail in ways that print tracebacks."""
    if not isinstance(address, str) or not SCHEDULER_ADDRESS.fullmatch(address.strip()):
        raise ModelError(f"'{str(address)[:80]}' is not a Dask scheduler address",
                         hint="write it as tcp://HOST:PORT, e.g. --scheduler tcp://10.0.0.5:8786")


@dataclass
class Task:
    """One chunk: its index and its rows of the parameter table."""
    index: int
    start: int
    values: np.ndarray      # runs x parameters


@dataclass
class Output:
    """What one chunk gives back: its index, kept trajectories and metrics."""
    index: int
    trajectories: dict      # name -> (time x run)
    metrics: dict           # name -> (run,)


class ChunkRunner:
    """Runs one chunk of a sweep: the model, which parameters vary, what to keep and measure.

    Picklable; the compiled program is rebuilt lazily in each process that uses it.
    """

    def __init__(self, model, spec, save_index, backend: str = "auto"):
        self.model = model
        self.backend = backend
        self.names = spec.names
        self.keep = spec.kept
        self.trajectories = list(spec.trajectories)
        self.metrics = list(spec.metrics)
        self.save_index = np.asarray(save_index)
        self._loaded = None
        self._conds: dict = {}

    def __getstate__(self):
        return dict(self.__dict__, _loaded=None, _conds={})

    def one_thread(self) -> None:
        """In a worker process: compute in one thread (the workers share the machine's cores)."""
        if self.backend == "numba":
            import numba
            numba.set_num_threads(1)

    def _prepare(self):
        if self._loaded is None:
            from ..api import Loaded
            self._loaded = Loaded(self.model)
            self._loaded.kernel(self.keep, self.backend)
            self._conds = {m.name: mx.condition_function(m) for m in self.metrics if m.kind == "first"}
        return self._loaded

    def __call__(self, task: Task) -> Output:
        """Run one chunk: its trajectories and metrics."""
        loaded = self._prepare()
        params = {n: np.ascontiguousarray(task.values[:, j]) for j, n in enumerate(self.names)}
        if RUN_ID in self.model.elements and RUN_ID not in params:     # a run keeps its number in
            params[RUN_ID] = task.start + np.arange(len(task.values), dtype=float)   # the sweep
        try:
            res = loaded.run(params=params, keep=self.keep, backend=self.backend)
        except ModelError as exc:
            n = len(task.values)
            raise ModelError(f"{exc} [sweep runs {task.start}..{task.start + n - 1}, chunk {task.index}]",
                             ) from None
        series = {n: res[n] for n in self.keep}
        out_m = {m.name: mx.compute(m, res.times, series, self._conds.get(m.name), self.model.time, res.n_runs)
                 for m in self.metrics}
        out_t = {n: np.ascontiguousarray(series[n][self.save_index]) for n in self.trajectories}
        return Output(task.index, out_t, out_m)


class InProcess:
    """Chunks one after another in this process (the default)."""

    label = "in-process"

    def __init__(self, runner: ChunkRunner):
        self.runner = runner

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, tasks):
        """Compute the chunks one after another."""
        for task in tasks:
            yield self.runner(task)


def _serve(conn, runner):
    """A worker process: compute the chunks the parent sends until it sends None. Each worker
    computes in one thread: the processes are the parallelism."""
    runner.one_thread()
    while True:
        task = conn.recv()
        if task is None:
            return
        try:
            conn.send(("ok", runner(task)))
        except ModelError as exc:
            conn.send(("error", ModelError(str(exc))))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the sweep
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


class Processes:
    """Chunks spread over local worker processes, one chunk at a time each, over a private pipe.

    The parent watches every worker's pipe and process sentinel: a worker that dies is replaced
    and the chunk it held goes back to the queue (nothing shared can be left locked by the dead).
    """

    def __init__(self, runner: ChunkRunner, workers: int):
        self.runner = runner
        self.workers = int(workers)
        self.label = f"{self.workers} processes"
        self.ctx = multiprocessing.get_context("spawn")
        self.pool: list = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for _, conn in self.pool:
            try:
                conn.send(None)
            except OSError:
                pass
        for proc, conn in self.pool:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
            conn.close()
        self.pool = []
        return False

    def _spawn(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_serve, args=(child, self.runner), daemon=True)
        with no_main():         # a worker needs nothing from the script that started the sweep
            proc.start()
        child.close()
        self.pool.append((proc, parent))
        return proc, parent

    def _bury(self, worker):
        self.pool.remove(worker)
        worker[1].close()
        worker[0].join(timeout=1)

    def run(self, tasks):
        """Compute the chunks in the worker processes; yield each one's output as it arrives."""
        from multiprocessing.connection import wait as wait_any
        todo = deque(tasks)
        idle = [self._spawn() for _ in range(min(self.workers, len(todo)))]
        busy = {}               # worker -> task
        deaths = returned = 0
        while todo or busy:
            while idle and todo:
                w = idle.pop()
                busy[w] = todo.popleft()
                try:
                    w[1].send(busy[w])
                except OSError:
                    pass        # it died: its sentinel says so below
            watch = {}
            for w in busy:
                watch[w[1]] = watch[w[0].sentinel] = w
            for ready in wait_any(list(watch)):
                w = watch[ready]
                if w not in busy:
                    continue
                msg = None
                if ready is w[1]:
                    try:
                        msg = w[1].recv()
                    except (EOFError, OSError):
                        msg = None
                task = busy.pop(w)
                if msg is None:             # the worker died: its chunk goes back in the queue
                    deaths += 1
                    todo.appendleft(task)
                    self._bury(w)
                    self._check(deaths, returned)
                    idle.append(self._spawn())
                    continue
                if msg[0] == "error":
                    raise msg[1]
                returned += 1
                idle.append(w)
                yield msg[1]

    def _check(self, deaths, returned):
        if not returned and deaths >= self.workers:
            raise ModelError("the worker processes died before finishing any chunk",
                             hint="try without --workers to see the error")
        if deaths > MAX_RESTARTS * self.workers:
            raise ModelError(f"worker processes died {deaths} times; the sweep stopped "
                             "(completed chunks are kept: re-run the same command to resume)",
                             hint="a worker may run out of memory: lower memory_mb or --workers")


class Dask:
    """Chunks on a Dask cluster: an existing scheduler, or a LocalCluster started here.

    The runner is sent once to every worker; a task lost with a killed worker is rescheduled
    by Dask itself.
    """

    def __init__(self, runner: ChunkRunner, scheduler: str | None = None, workers: int | None = None):
        self.runner = runner
        self.scheduler = scheduler
        self.workers = workers or 2
        self.cluster = self.client = None
        self.label = f"Dask at {scheduler}" if scheduler else f"Dask LocalCluster ({self.workers} workers)"

    def __enter__(self):
        from distributed import Client, LocalCluster
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ModelError(f"no Dask scheduler answers at '{self.scheduler}' within "
                                 f"{CONNECT_TIMEOUT} ({type(exc).__name__})",
                                 hint="start one with 'dask scheduler' or leave out --scheduler") from None
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None)
            self.client = Client(self.cluster, set_as_default=False)
        return self

    def __exit__(self, *exc):
        if self.client:
            self.client.close()
        if self.cluster:
            self.cluster.close()
        return False

    def run(self, tasks):
        """Submit the chunks to the cluster a few at a time; yield each one's output as it finishes."""
        from distributed import as_completed
        runner = self.client.scatter(self.runner, broadcast=True, hash=False)
        todo = deque(tasks)
        limit = 2 * max(1, len(self.client.scheduler_info().get("workers", {})))
        submit = lambda t: self.client.submit(_call, runner, t, pure=False, retries=2)  # noqa: E731
        first = [submit(todo.popleft()) for _ in range(min(limit, len(todo)))]
        if not first:
            return
        pending = as_completed(first, loop=self.client.loop)
        for fut in pending:
            out = fut.result()
            fut.release()
            if todo:
                pending.add(submit(todo.popleft()))
            yield out


def _call(runner, task):
    runner.one_thread()
    return runner(task)


def executor_for(runner, workers: int | None = None, scheduler: str | None = None, dask: bool = False):
    """The executor the options ask for (in-process when neither workers nor a scheduler)."""
    if scheduler or dask:
        return Dask(runner, scheduler=scheduler, workers=workers)
    if workers and workers > 1:
        return Processes(runner, workers)
    return InProcess(runner)
