"""Parts of equations that depend on time alone are computed once per step of the grid in the
numba kernel (``backends/numba_times.py``): the same numbers, bit for bit, as the step computing
them itself (the table left out), and numpy's to 1e-12."""
import numpy as np
import pytest
from conftest import BACKENDS

from engine import lang as ex
from engine.backends import numba_backend, numba_codegen
from engine.backends.numba_times import _maximal
from engine.lang import parse

pytestmark = pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")

# a lookup of time read by two equations, time-only calls (STEP, RAMP, exp of time, a pulse
# train), a part mixed with a parameter, a 'when' event and a timed event (applied in the kernel)
MODEL = """
time: {start: 2020, stop: 2030, dt: 0.125, method: METHOD}
stocks:
  pool: {initial: 10, inflows: [fill], outflows: [drain]}
flows:
  fill: "demand(time) * (1 + step(0.5, 2024)) + ramp(0.2, 2022, 2026) + share"
  drain: "pool * exp(-0.1 * (time - 2020)) / tau + 0.1 * demand(time) * share"
auxiliaries:
  share: "min(1, max(0, (time - 2020) / 10)) * sin(time) ^ 2 + pulse_train(2021, 0.25, 2, 2029)"
  mixed: "demand(time + tau)"
parameters:
  tau: {value: 3, range: [0.5, 20]}
lookups:
  demand:
    points: [[2020, 1], [2023, 2.5], [2027, 2], [2030, 4]]
events:
  - {name: nudge, at: 2025, set: {tau: "tau * 1.5"}}
"""


def _runs(m, **kw):
    """The runs of ``m`` on numba with and without the time table, and on numpy."""
    with_table = m.run(backend="numba", **kw)
    old = numba_backend.MAX_TABLE_BYTES
    numba_backend.MAX_TABLE_BYTES = 0        # the next kernels have no table: the step computes the parts
    try:
        m2 = type(m)(m.model)                # a fresh kernel cache for the same model
        without = m2.run(backend="numba", **kw)
        k = m2.kernel(kw.get("keep"), backend="numba")
        assert k.TM[k.mod._TTO] == 0.0 and len(k.TM) == k.mod._TTO + 1      # no table
    finally:
        numba_backend.MAX_TABLE_BYTES = old
    k = m.kernel(kw.get("keep"), backend="numba")
    assert k.TM[k.mod._TTO] == 1.0 and len(k.TM) == k.mod._TTO + 1 + (k.plan.time.n_steps + 1) * k.mod._TTJ
    return with_table, without, m.run(backend="numpy", **kw)


def test_the_time_table_gives_the_numbers_of_the_step_itself(build):
    m = build(MODEL.replace("METHOD", "euler"))
    a, b, c = _runs(m, params={"tau": [2.0, 3.0, 7.5]})
    assert np.array_equal(a.data, b.data)
    assert np.allclose(a.data, c.data, rtol=1e-12, atol=1e-12)
    assert a.provenance["events_applied"] == c.provenance["events_applied"]
    source = numba_backend.NumbaBackend().source(m.plan())
    # the largest parts: fill's first three terms, 0.1 * demand(time), the exp, share's equation
    assert "_TTJ = 4" in source
    assert "k * _TTJ +" in source        # the step reads them from the table


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_a_model_in_chunks_reads_the_table_in_each(build, method, monkeypatch, tmp_path):
    """A step longer than a chunk (here 6 statements, 400 in use) is compiled as several functions,
    each given k (RK4's stages give them none: they compute their parts). The kernels go to a
    folder of their own: a chunk size is not part of a kernel's name."""
    monkeypatch.setattr(numba_codegen, "BLOCK", 6)
    monkeypatch.setenv("CARBONLOOP_CACHE", str(tmp_path / "kernels"))
    lines = [f"  a{i}: \"demand(time) * {i + 1} + a{i - 1} * 0.001\"" for i in range(1, 14)]
    text = MODEL.replace("METHOD", method).replace("auxiliaries:\n", "auxiliaries:\n  a0: \"demand(time)\"\n"
                                                   + "\n".join(lines) + "\n")
    m = build(text)
    keep = ["pool", "a2", "a8", "a13", "share"]       # a variable of each chunk
    if method == "euler":
        a, b, c = _runs(m, keep=keep)
        assert np.array_equal(a.data, b.data)
    else:
        a, c = m.run(backend="numba", keep=keep), m.run(backend="numpy", keep=keep)
    assert np.allclose(a.data, c.data, rtol=1e-12, atol=1e-12)
    assert numba_backend.NumbaBackend().source(m.plan()).count("def _blk") >= 3


def test_rk4_steps_compute_their_parts_of_time_themselves(build):
    """An RK4 stage is at a time between the grid's: no table."""
    m = build(MODEL.replace("METHOD", "rk4"))
    assert "_TTJ = 0" in numba_backend.NumbaBackend().source(m.plan())
    a = m.run(backend="numba")
    assert np.allclose(a.data, m.run(backend="numpy").data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text, parts", [
    ("demand(time) + tau * 2", ["demand(time)"]),
    ("exp(-0.1 * (time - 2020)) * tau", ["exp(-0.1 * (time - 2020))"]),
    ("time * 2 + tau", []),                          # plain arithmetic: computed, not read
    ("exp(tau * time)", []),                         # a parameter inside: per run
    ("step(1, 2024) + step(tau, 2024)", ["step(1, 2024)"]),
    ("if time > 2025 then ln(time) else tau", ["ln(time)"]),
])
def test_the_parts_found_are_the_largest_of_time_alone_with_a_call(text, parts):
    tree = ex.transform(parse(text), lambda n: ex.Ref(n.pos, 0, "tau") if isinstance(n, ex.Name) and
                        n.id == "tau" else (ex.Lookup(n.pos, 0, "demand", n.args[0]) if isinstance(n, ex.Call) and
                                            n.fn == "demand" else n))
    expect = [ex.unparse(ex.transform(parse(p), lambda n: ex.Lookup(n.pos, 0, "demand", n.args[0])
                                      if isinstance(n, ex.Call) and n.fn == "demand" else n)) for p in parts]
    assert sorted(ex.unparse(n) for n in _maximal(tree)) == sorted(expect)
