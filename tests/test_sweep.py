"""Sweeps: Sobol indices of a known function, Morris screening, resume after a kill, executors."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import BACKENDS

import engine
from engine.sweeps import store

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = Path(__file__).parent / "sweeps"

# Ishigami (a=7, b=0.1): first-order and total indices
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def file_content(path):
    """Every dataset and attribute of a file (the creation time aside)."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[...]
            for k, v in obj.attrs.items():
                if k not in ("created", "REFERENCE_LIST", "DIMENSION_LIST"):
                    out[f"{name}@{k}"] = v
        visit("/", f)
        f.visititems(visit)
    return out


def assert_same_content(a, b):
    ca, cb = file_content(a), file_content(b)
    assert sorted(ca) == sorted(cb)
    for k in ca:
        x, y = np.asarray(ca[k]), np.asarray(cb[k])
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), k
        else:
            assert np.array_equal(x, y), k


def test_ishigami_sobol_indices_match_analytic_values(tmp_path):
    res = engine.sweep(SWEEPS / "ishigami-sobol.yaml", output=tmp_path / "ish.h5", progress=False)
    df = res.sensitivity(figures=False).set_index("parameter")
    for p in ("x1", "x2", "x3"):
        assert abs(df.loc[p, "S1"] - ISHIGAMI_S1[p]) <= df.loc[p, "S1_conf"], p
        assert abs(df.loc[p, "ST"] - ISHIGAMI_ST[p]) <= df.loc[p, "ST_conf"], p
    with h5py.File(tmp_path / "ish.h5", "r") as f:
        assert list(f["sensitivity/ST"][...]) == list(df["ST"])
    assert (tmp_path / "ish-sensitivity.csv").exists()


@pytest.mark.slow
def test_morris_on_the_flagship_ranks_an_inert_parameter_last(tmp_path):
    res = engine.sweep(SWEEPS / "flagship-morris.yaml", output=tmp_path / "m.h5", progress=False)
    df = res.sensitivity(figures=True)
    assert set(df["metric"]) == set(res.metric_names) and not df.attrs["skipped"]
    for metric, sub in df.groupby("metric"):
        mu = sub.set_index("parameter")["mu_star"]
        assert mu.idxmin() == "range_example_pack_mass" and mu.min() == 0.0, (metric, mu)
        assert (mu.drop("range_example_pack_mass") > 0).all(), (metric, mu)
    assert any(p.endswith(".png") for p in df.attrs["written"])


def _done_chunks(part: Path) -> tuple[int, int]:
    with h5py.File(part, "r", locking=False) as f:
        done = f["chunk_done"][...]
    return int(done.sum()), len(done)


# a sweep that stops, blocked, inside its progress report once 20 chunks are in the file
STOP_AFTER_20_CHUNKS = """
import sys
import engine
chunks = []
def progress(done, total):
    chunks.append(done)
    if len(chunks) == 20:
        print(len(chunks), flush=True)
        sys.stdin.readline()        # wait here to be killed
engine.sweep(sys.argv[1], output=sys.argv[2], progress=progress)
"""


@pytest.mark.slow
def test_resume_after_kill_equals_uninterrupted_run(tmp_path):
    spec = SWEEPS / "teacup-kill.yaml"
    out = tmp_path / "killed.h5"
    part = store.partial_path(out)
    proc = subprocess.Popen([sys.executable, "-c", STOP_AFTER_20_CHUNKS, str(spec), str(out)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    bound = threading.Timer(300, proc.kill)     # a hung child fails the test instead of hanging it
    bound.start()
    try:
        said = proc.stdout.readline()           # the sweep reports its 20th chunk written, then waits
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        bound.cancel()
    assert said.strip() == "20", proc.stderr.read()
    done, total = _done_chunks(part)
    assert done == 20 < total and not out.exists()
    cmd = [sys.executable, "-m", "engine", "sweep", str(spec), "-o", str(out), "--no-progress"]
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert out.exists() and not part.exists()
    ref = engine.sweep(spec, output=tmp_path / "ref.h5", progress=False)
    assert_same_content(out, ref.path)


@pytest.mark.slow
def test_same_numbers_in_process_processes_and_dask(tmp_path, backend):
    spec = SWEEPS / "teacup-sweep.yaml"
    a = engine.sweep(spec, output=tmp_path / "a.h5", progress=False, backend=backend)
    b = engine.sweep(spec, output=tmp_path / "b.h5", workers=2, progress=False, memory_mb=1, backend=backend)
    others = [b]
    if backend == "numpy":      # the Dask executor is the same code on either backend: once is enough
        others.append(engine.sweep(spec, output=tmp_path / "c.h5", workers=2, dask=True, progress=False,
                                   memory_mb=2, backend=backend))
    assert a.attrs["chunk_size"] != b.attrs["chunk_size"] and a.attrs["backend"] == backend
    for other in others:
        for name in a.metric_names:
            assert np.array_equal(a.metrics()[name], other.metrics()[name])
        assert np.array_equal(a.trajectory("teacup_temperature"), other.trajectory("teacup_temperature"))
        assert np.array_equal(a.samples().to_numpy(), other.samples().to_numpy())


def test_sweep_file_opens_with_xarray(tmp_path):
    res = engine.sweep(SWEEPS / "teacup-sweep.yaml", output=tmp_path / "x.h5", progress=False)
    ds = res.to_xarray()
    assert ds["teacup_temperature"].dims == ("time", "run")
    assert ds["room_temperature"].attrs["role"] == "parameter"
    assert ds.attrs["spec_hash"] == res.attrs["spec_hash"]
    assert "teacup-latin" in ds.attrs["spec_text"]
    ds.close()


def test_metrics_follow_their_definitions(tmp_path):
    res = engine.sweep(SWEEPS / "teacup-sweep.yaml", output=tmp_path / "m.h5", progress=False)
    s = res.samples()
    m = engine.load(ROOT / "scenarios" / "teacup.yaml")
    r = m.run(params={k: s[k].to_numpy()[:50] for k in s.columns}, keep=["teacup_temperature", "heat_loss"])
    met = res.metrics().iloc[:50]
    assert np.array_equal(met["temp_at_10"], r.at("teacup_temperature", 10))
    hot = r["teacup_temperature"] < 100
    expect = np.where(hot.any(0), r.times[np.argmax(hot, axis=0)], 31.0)
    assert np.array_equal(met["cool_time"], expect)
    dt = r.times[1] - r.times[0]
    assert np.allclose(met["heat_lost"], r["heat_loss"][:-1].sum(0) * dt, rtol=1e-12)


def _cmdline(proc) -> str:
    import psutil
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def test_a_killed_worker_loses_and_duplicates_no_runs(tmp_path):
    import psutil

    from engine.frontends.yaml.yamlio import load_file
    data, _ = load_file(SWEEPS / "teacup-kill.yaml")
    spec = dict(data, samples=20000, scenario=str(ROOT / "scenarios" / "teacup.yaml"))
    killed = []

    def kill_a_worker(done, total):     # once the first chunk is in the file, a worker dies
        if killed:
            return
        workers = [p for p in psutil.Process().children() if "spawn_main" in _cmdline(p)]
        assert len(workers) == 2
        workers[0].kill()
        killed.append((workers[0].pid, done, total))

    res = engine.sweep(spec, output=tmp_path / "w.h5", workers=2, progress=kill_a_worker)
    assert killed and killed[0][1] < killed[0][2]
    assert killed[0][0] not in {p.pid for p in psutil.Process().children()}
    ref = engine.sweep(spec, output=tmp_path / "ref.h5", progress=False)
    assert np.array_equal(res.metrics()["final"], ref.metrics()["final"])
    assert np.array_equal(res.trajectory("teacup_temperature"), ref.trajectory("teacup_temperature"))


def test_a_scenario_may_carry_its_own_sweep(tmp_path):
    path = SWEEPS / "teacup-with-sweep.yaml"
    assert engine.load(path).run().at("teacup_temperature", 0)[0] == 180     # still a scenario
    res = engine.sweep(path, output=tmp_path / "own.h5", progress=False)
    ct = res.samples()["characteristic_time"].to_numpy()
    assert len(ct) == 200 and ct.min() >= 5 and ct.max() <= 15
    # the scenario's own override (room at 65) is in every run
    m = engine.load(path)
    expect = m.run(params={"characteristic_time": ct}, keep=["teacup_temperature"]).at("teacup_temperature", 10)
    assert np.array_equal(res.metrics()["temp_at_10"].to_numpy(), expect)


def test_a_metric_whose_condition_reads_no_variable(tmp_path):
    spec = {"sweep": "clock", "scenario": str(ROOT / "scenarios" / "teacup.yaml"), "samples": 10,
            "parameters": {"room_temperature": {"range": [60, 80]}},
            "outputs": {"metrics": {"after_5": {"first": "time >= 5", "otherwise": -1},
                                    "never": {"first": "0", "otherwise": -1}}}}
    m = engine.sweep(spec, output=tmp_path / "c.h5", progress=False).metrics()
    assert (m["after_5"] == 5).all() and (m["never"] == -1).all()


def test_sensitivity_shows_each_metric_spread_beside_its_indices(tmp_path):
    from engine.sweeps.analyse import table_text
    res = engine.sweep(SWEEPS / "teacup-sweep.yaml", output=tmp_path / "s.h5", progress=False)
    df = res.sensitivity(figures=False)
    y = res.metrics()["temp_at_10"].to_numpy()
    row = df[df["metric"] == "temp_at_10"].iloc[0]
    assert row["metric_sd"] == np.std(y, ddof=1) and row["metric_mean"] == np.mean(y)
    assert (row["metric_p5"], row["metric_p95"]) == tuple(np.percentile(y, [5, 95]))
    text = table_text(df)
    assert f"temp_at_10: mean {np.mean(y):.4g}, sd {np.std(y, ddof=1):.4g}, 5-95 %" in text


def test_re_running_a_finished_sweep_says_so_plainly(tmp_path, capsys):
    from engine.cli import main
    argv = ["sweep", str(SWEEPS / "ishigami-sobol.yaml"), "-o", str(tmp_path / "i.h5"), "--no-progress"]
    assert main(argv) == 0
    assert "wrote" in capsys.readouterr().out
    before = (tmp_path / "i.h5").stat().st_mtime_ns
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "is already finished" in out and "nothing was run and nothing written" in out and "wrote" not in out
    assert (tmp_path / "i.h5").stat().st_mtime_ns == before


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
def test_a_resumed_sweep_keeps_the_backend_of_its_first_chunks(tmp_path, monkeypatch):
    spec = SWEEPS / "teacup-sweep.yaml"
    out = tmp_path / "r.h5"

    def stop_after_first_chunk(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine.sweep(spec, output=out, progress=stop_after_first_chunk, backend="numpy")
    assert store.recorded_backend(out) == "numpy" and not out.exists()
    monkeypatch.setenv("CARBONLOOP_BACKEND", "numba")     # what 'auto' would take for a new sweep
    from engine.backends.numba_backend import NumbaKernel

    def not_numba(*args):
        raise AssertionError("the resumed chunks ran on numba")
    monkeypatch.setattr(NumbaKernel, "segment", not_numba)
    res = engine.sweep(spec, output=out, progress=False)
    assert res.attrs["backend"] == "numpy"
    ref = engine.sweep(spec, output=tmp_path / "ref.h5", progress=False, backend="numpy")
    assert_same_content(out, ref.path)
