"""The numba backend against the numpy reference, its disk cache, and the safety of generated code."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import BACKENDS, MODELS, ROOT, TEST_MODELS, needs

import engine
from engine.backends.source import check
from engine.errors import ModelError

needs_numba = pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
RTOL = 1e-12


def rel_diff(a, b) -> float:
    """Largest difference of two results relative to each variable's largest magnitude in its run
    (a value that merely nears 0, like a growth rate late in a run, gives no false alarm).

    Balance checks hold relative residuals, rounding noise of about 1e-16 when the balance holds:
    they are compared on an absolute scale of 1 (noise against noise has no relative meaning)."""
    names = None if isinstance(a, np.ndarray) else a.names
    if not isinstance(a, np.ndarray):
        a, b = a.data, b.data
    scale = np.maximum(np.abs(b).max(axis=0, keepdims=True), 1e-300)
    if names is not None:
        checks = [i for i, n in enumerate(names) if n.startswith("check:")]
        scale[:, checks] = 1.0
    return float(np.max(np.abs(a - b) / scale, initial=0.0))


@needs_numba
@pytest.mark.xdist_group("flagship-numba")      # one test process compiles the flagship's kernels once
@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_flagship_agrees_on_every_saved_variable(method):
    m = engine.load(ROOT / "scenarios" / "default.yaml").with_time(method=method)
    a, b = m.run(backend="numba"), m.run(backend="numpy")
    assert a.provenance["backend"] == "numba" and b.provenance["backend"] == "numpy"
    assert a.names == b.names and len(a.names) > 100
    assert rel_diff(a, b) <= RTOL


@needs_numba
@pytest.mark.xdist_group("flagship-numba")
def test_one_kernel_serves_every_keep_dt_and_override():
    m = engine.load(ROOT / "scenarios" / "default.yaml")
    base = m.run(backend="numba", keep=["carbon_price"])
    other = engine.load(ROOT / "scenarios" / "rd-fund.yaml")
    assert other.plan().digest == m.plan(keep=["ssb_cost"]).digest == m.with_time(dt=1 / 24).plan().digest
    r = other.with_time(dt=1 / 24).run(backend="numba", keep=["ssb_cost", "carbon_price"])
    ref = other.with_time(dt=1 / 24).run(backend="numpy", keep=["ssb_cost", "carbon_price"])
    assert rel_diff(r, ref) <= RTOL
    assert not np.array_equal(base["carbon_price"], r["carbon_price"][::2])


CONFORMANCE = ["abs", "builtin_max", "comparisons", "delay_xmile", "eval_order", "exp", "exponentiation",
               "lookups", "lookups_inline", "non_negative_stocks", "rounding", "sqrt", "xidz_zidz"]


@needs_numba
@needs(TEST_MODELS)
@pytest.mark.parametrize("name", CONFORMANCE)
def test_conformance_models_agree(name):
    folder = TEST_MODELS / "tests" / name
    files = sorted(folder.glob("*.xmile")) or sorted(folder.glob("*.stmx"))
    m = engine.load(files[0])
    assert rel_diff(m.run(backend="numba").data, m.run(backend="numpy").data) <= RTOL


@needs_numba
def test_when_conditions_stop_each_run_where_its_own_condition_holds(build):
    m = build("""
        time: {start: 0, stop: 20, dt: 0.25}
        stocks:
          level: {initial: 0, inflows: [filling]}
        flows:
          filling: rate
        parameters:
          rate: {value: 1, range: [0, 10]}
          cap: {value: 5, range: [0, 100]}
        events:
          - {name: cap reached, when: level >= cap, set: {rate: "rate / 2"}}
          - {name: later, when: level >= 2 * cap, set: {level: 0}}
        """)
    caps = np.array([1.0, 2.5, 4.0, 30.0, 7.25, 3.0, 9.0, 12.0, 1.5, 6.0])   # more runs than one thread takes
    a = m.run(params={"cap": caps}, backend="numba")
    b = m.run(params={"cap": caps}, backend="numpy")
    assert np.array_equal(a.data, b.data)
    for i, c in enumerate(caps):
        assert np.array_equal(m.run(params={"cap": c}, backend="numba").data[:, :, 0], a.data[:, :, i])


@pytest.mark.slow
@needs_numba
def test_a_second_process_loads_the_compiled_kernel_from_disk(tmp_path):
    script = textwrap.dedent(f"""
        import engine
        from engine.backends import get
        m = engine.load({str(MODELS / "goal_seeking.yaml")!r})
        m.run(backend="numba")
        mod = get("numba")._modules[m.plan().digest]
        stats = [mod._segment.stats, mod._hoist.stats, mod._initial.stats, mod._groups.stats]
        print(sum(s.cache_hits.total() for s in stats), sum(s.cache_misses.total() for s in stats))
        """)
    env = dict(os.environ, CARBONLOOP_CACHE=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
            for _ in range(2)]
    first, second = (tuple(map(int, r.stdout.split())) for r in runs)
    assert first[1] >= 4            # the first process compiles
    assert second == (4, 0)         # the second only loads


def test_generated_code_is_checked_before_it_is_compiled():
    check("def _f(V):\n    v1 = V[1]\n    return _where(v1 > 0, v1, 0.0)\n", {"_where"})
    for bad in ("def _f(V):\n    return __import__('os')\n",
                "def _f(V):\n    return V.__class__\n",
                "def _f(V):\n    return open\n",
                "def _f(V):\n    return 'text'\n",
                "def _f(V):\n    import os\n"):
        with pytest.raises(AssertionError):
            check(bad, {"_where"})


def test_element_names_never_reach_generated_code(build):
    m = build("""
        time: {start: 0, stop: 1, dt: 0.5}
        stocks:
          os_system: {initial: 1, inflows: [eval_flow]}
        flows:
          eval_flow: exec_rate * os_system
        parameters:
          exec_rate: 0.1
        """)
    src = m.kernel(backend="numpy").source
    assert "os_system" not in src and "eval_flow" not in src and "exec_rate" not in src
    if "numba" in BACKENDS:
        from engine.backends import get
        src = get("numba").source(m.plan())
        assert "os_system" not in src and "exec_rate" not in src


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_no_compiled_function_grows_with_the_model(write, method):
    """numba's compile time grows faster than a function's size, so the module of a 3,000-element
    model must be many small functions, none longer than a chunk (its loads, statements and stores),
    read from the source: nothing is compiled."""
    import ast

    from engine.backends import get
    from engine.backends.numba_codegen import BLOCK
    n = 600
    lines = [f"time: {{start: 0, stop: 5, dt: 0.25, method: {method}}}", "stocks:"]
    lines += [f"  s{i}: {{initial: 1, inflows: [f{i}], outflows: [o{i}]}}" for i in range(n)]
    lines += ["flows:"] + [f"  f{i}: g{i} / p{i}" for i in range(n)] + [f"  o{i}: s{i} / 9" for i in range(n)]
    lines += ["auxiliaries:"] + [f"  g{i}: max(s{(i + 1) % n}, 1) ^ 0.5" for i in range(n)]
    lines += ["parameters:"] + [f"  p{i}: {{value: 2, range: [1, 9]}}" for i in range(n)]
    m = engine.load(write("\n".join(lines) + "\n"))
    assert len(m.plan().equations) >= 5 * n
    tree = ast.parse(get("numba").source(m.plan()))
    sizes = {f.name: sum(1 for _ in ast.walk(f) if isinstance(_, ast.stmt)) for f in tree.body
             if isinstance(f, ast.FunctionDef)}
    assert sum(name.startswith("_blk") for name in sizes) >= 5
    assert max(sizes.values()) <= 3 * BLOCK + 50, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]


def test_unknown_or_missing_backend_is_a_clear_error(build):
    m = build("time: {start: 0, stop: 1, dt: 0.5}\nparameters:\n  a: 1\nauxiliaries:\n  b: a * 2\n")
    with pytest.raises(ModelError, match="unknown backend 'fortran'"):
        m.run(backend="fortran")


def test_auto_takes_numba_for_small_batches_and_numpy_for_large_ones(build, monkeypatch):
    """A plan with events; a plan without (below) takes numba at any size."""
    from engine import backends
    monkeypatch.delenv("CARBONLOOP_BACKEND", raising=False)
    plain = """
        time: {start: 0, stop: 2, dt: 0.5}
        stocks:
          s: {initial: 1, inflows: [f]}
        flows:
          f: rate * s
        parameters:
          rate: {value: 0.1, range: [0, 1]}
        """
    m = build(plain.rstrip(" ") + "        events:\n          - {name: bump, at: 1, set: {s: 's + 1'}}\n")
    small = "numba" if "numba" in BACKENDS else "numpy"
    assert backends.choose(build(plain).plan(), "auto", 100_000).name == small
    assert backends.choose(m.plan(), "auto").name == small
    assert backends.choose(m.plan(), "auto", backends.LARGE_BATCH).name == small
    assert backends.choose(m.plan(), "auto", backends.LARGE_BATCH + 1).name == "numpy"
    assert m.run().provenance["backend"] == small
    big = m.run(params={"rate": np.linspace(0, 1, backends.LARGE_BATCH + 1)})
    assert big.provenance["backend"] == "numpy"
    if "numba" in BACKENDS:      # asked for by name, numba runs any batch
        assert m.run(params={"rate": np.linspace(0, 1, 2000)}, backend="numba").provenance["backend"] == "numba"
    monkeypatch.setenv("CARBONLOOP_BACKEND", "numpy")
    assert backends.choose(m.plan(), "auto").name == "numpy"


def test_auto_leaves_a_plan_too_large_to_compile_to_numpy(write, monkeypatch):
    """A 2,000-term sum (6,000 terms in the plan) runs on numpy under 'auto', and the provenance
    says why; a plan under the threshold (the flagship's) keeps numba."""
    from engine import backends
    monkeypatch.delenv("CARBONLOOP_BACKEND", raising=False)
    n = 2000
    p = write("time: {start: 0, stop: 3, dt: 1}\nstocks:\n  s: {initial: 0, inflows: [f]}\n"
              f"flows:\n  f: {' + '.join(f'p{i}' for i in range(n))}\n"
              "parameters:\n" + "".join(f"  p{i}: {i}\n" for i in range(n)), "big.yaml")
    m = engine.load(p)
    assert backends.plan_terms(m.plan()) == 3 * n > backends.MAX_NUMBA_TERMS
    assert backends.choose(m.plan(), "auto").name == "numpy"
    r = m.run()
    assert r.provenance["backend"] == "numpy" and r["s"][-1, 0] == 3 * sum(range(n))
    assert r.provenance["backend_choice"].startswith(f"auto: numpy for a plan of {3 * n:,} terms (more than 5,000")
    assert m.run(backend="numpy").provenance["backend_choice"] == "numpy, as asked"
    flagship = engine.load(ROOT / "scenarios" / "baseline.yaml").plan()
    assert backends.plan_terms(flagship) < backends.MAX_NUMBA_TERMS
    assert backends.choose(flagship, "auto").name == ("numba" if "numba" in BACKENDS else "numpy")
