"""Single-precision runs (``time: {precision: single}``): every operation in float32, checked
against hand-written float32 loops bit for bit, on the per-cell and the grouped (arrayed) plans,
Euler and RK4, one run and a batch; the backends that cannot, and bad settings, refused."""
import numpy as np
import pytest

import engine
from engine.errors import ModelError

f32 = np.float32

ROESSLER = """\
scenario: roessler
time: {{start: 0, stop: 100, dt: 0.03125, method: {method}, precision: single}}
stocks:
  x: {{initial: 0.5, inflows: [dxdt]}}
  y: {{initial: 0.5, inflows: [dydt]}}
  z: {{initial: 0.4, inflows: [dzdt]}}
flows:
  dxdt: -y - z
  dydt: x + a * y
  dzdt: b + z * (x - c)
parameters:
  a: 0.2
  b: 0.2
  c: 5.7
"""


A, B, C = f32(0.2), f32(0.2), f32(5.7)


def roessler_rates(x, y, z, a=A):
    return -y - z, x + a * y, B + z * (x - C)


def roessler_by_hand(method: str, a=A) -> np.ndarray:
    """The orbit in float32, written out (numpy float32 scalars: every operation rounded)."""
    dt = f32(0.03125)
    s = np.array([0.5, 0.5, 0.4], dtype=np.float32)
    out = [s.copy()]
    for _ in range(3200):
        if method == "euler":
            s = s + dt * np.array(roessler_rates(*s, a=a), dtype=np.float32)
        else:
            h2 = f32(dt / 2)
            k1 = np.array(roessler_rates(*s, a=a), dtype=np.float32)
            k2 = np.array(roessler_rates(*(s + h2 * k1), a=a), dtype=np.float32)
            k3 = np.array(roessler_rates(*(s + h2 * k2), a=a), dtype=np.float32)
            k4 = np.array(roessler_rates(*(s + dt * k3), a=a), dtype=np.float32)
            s = s + f32(dt / 6) * (k1 + f32(2.0) * (k2 + k3) + k4)
        assert s.dtype == np.float32
        out.append(s.copy())
    return np.array(out, dtype=float)


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_a_chaotic_orbit_is_the_float32_orbit_bit_for_bit(build, method):
    m = build(ROESSLER.format(method=method))
    hand = roessler_by_hand(method)
    r = m.run(backend="numpy")
    got = np.stack([r[v][:, 0] for v in "xyz"], axis=1)
    assert np.array_equal(got, hand)
    # in double precision the chaotic orbit leaves the float32 one well before the end
    d = m.with_time(precision="double").run(backend="numpy")
    assert np.max(np.abs(d["x"][:, 0] - hand[:, 0])) > 1e-4


def test_a_batch_is_its_runs_in_single_precision(build):
    m = build(ROESSLER.format(method="euler"))
    a = np.array([0.2, 0.21, 0.19], dtype=float)
    batch = m.run(params={"a": a}, backend="numpy")
    for i, ai in enumerate(a):
        hand = roessler_by_hand("euler", a=f32(ai))
        assert np.array_equal(batch["x"][:, i], hand[:, 0]), i
        alone = m.run(params={"a": float(ai)}, backend="numpy")
        assert np.array_equal(alone["z"][:, 0], batch["z"][:, i])


ARRAYED = """\
scenario: cohorts
time: {{start: 0, stop: 10, dt: 0.125, precision: single}}
dimensions:
  region: {n}
  age: 3
stocks:
  pop[region, age]: {{initial: 'base[region] * age', inflows: [inflow], outflows: [outflow]}}
flows:
  inflow[region, age]: 'if age > 1 then pop[region, age - 1] * 0.1 else 0.3 * exp(-0.1 * time)'
  outflow[region, age]: pop * rate[age]
parameters:
  base[region]: {{value: {base}}}
  rate[age]: {{value: [0.1, 0.2, 0.3]}}
"""


def cohorts_by_hand(base) -> np.ndarray:
    """pop[region, age] in float32, step by step (Euler)."""
    dt = f32(0.125)
    rate = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    ages = np.arange(1, 4, dtype=np.float32)
    pop = np.array(base, dtype=np.float32)[:, None] * ages[None, :]
    out = [pop.copy()]
    for k in range(80):
        t = f32(k) * dt
        inflow = np.empty_like(pop)
        inflow[:, 0] = f32(0.3) * f32(np.exp(f32(-0.1) * t))
        inflow[:, 1:] = pop[:, :-1] * f32(0.1)
        pop = pop + dt * (inflow - pop * rate[None, :])
        assert pop.dtype == np.float32
        out.append(pop.copy())
    return np.array(out, dtype=float)


def test_arrayed_models_on_the_grouped_plan_in_single_precision(build):
    base = [1.5, 2.0, 0.7, 3.3, 1.1, 0.9]
    m = build(ARRAYED.format(n=len(base), base=base))
    assert m.plan().grouped, "the arrayed model should take the grouped plan"
    r = m.run(backend="numpy")
    hand = cohorts_by_hand(base)
    for i in range(len(base)):
        for j in range(3):
            got = r[f"pop[{i + 1},{j + 1}]"][:, 0]
            assert np.array_equal(got, hand[:, i, j]), (i, j, np.max(np.abs(got - hand[:, i, j])))


def test_every_value_of_a_single_precision_run_is_a_float32(build):
    m = build("""\
        scenario: widths
        time: {start: 0, stop: 5, dt: 0.25, precision: single}
        stocks:
          s: {initial: 1, inflows: [f]}
        flows:
          f: 'lookup(time) + sqrt(s) / 3 + (if s > 2 then 1 else 0) + delay_fixed(s, 1, 0.1) + smooth(s, 2)'
        auxiliaries:
          ratio: s / 7
        lookups:
          lookup: {points: [[0, 0.1], [2, 0.7], [5, 0.3]]}
        """)
    r = m.run(backend="numpy")
    for name in r.names:
        v = r[name]
        assert np.array_equal(v, v.astype(np.float32).astype(float)), name
    assert r["ratio"][3, 0] == float(f32(r["s"][3, 0]) / f32(7))


def test_backends_that_compute_in_double_precision_refuse_it(build, monkeypatch):
    monkeypatch.delenv("CARBONLOOP_BACKEND", raising=False)
    m = build(ROESSLER.format(method="euler"))
    assert "single precision" in m.run().provenance["backend_choice"]       # auto: numpy, and why
    from engine.backends.javascript import JavascriptBackend
    assert "single precision" in JavascriptBackend().supports(m.plan())
    pytest.importorskip("numba")
    with pytest.raises(ModelError, match="single precision"):
        m.run(backend="numba")


def test_bad_precision_settings_are_refused(write):
    p = write(ROESSLER.format(method="euler").replace("precision: single", "precision: half"))
    with pytest.raises(ModelError, match="unknown precision 'half'") as e:
        engine.load(p)
    assert e.value.file and str(p.name) in str(e.value.file) and e.value.line == 2
    m = engine.load(write(ROESSLER.format(method="euler"), "ok.yaml"))
    with pytest.raises(ModelError, match="unknown precision"):
        m.with_time(precision="quadruple")
    with pytest.raises(ModelError, match="must be text"):
        m.with_time(precision=32)


def test_random_functions_are_refused_in_single_precision(build):
    m = build("""\
        scenario: noisy
        time: {start: 0, stop: 5, dt: 1, precision: single}
        auxiliaries:
          draw: RANDOM UNIFORM(0, 1, 0)
        """)
    with pytest.raises(ModelError, match="random functions cannot run in single precision"):
        m.run(backend="numpy")
    assert m.with_time(precision="double").run(backend="numpy")["draw"].shape == (6, 1)


def test_a_converted_model_keeps_its_precision(build, tmp_path):
    """YAML writes the setting; XMILE has none, so its export refuses it (or, lossy, says so)."""
    from engine.outputs.xmile import write
    from engine.outputs.yaml_model import document
    m = build(ROESSLER.format(method="euler"))
    assert document(m.model)["time"]["precision"] == "single"
    assert "precision" not in document(m.with_time(precision="double").model)["time"]
    with pytest.raises(ModelError, match="single precision"):
        write(m.model, tmp_path / "m.xmile")
    notes = write(m.model, tmp_path / "m.xmile", lossy=True)
    assert any("single precision" in n for n in notes)
    assert write(m.with_time(precision="double").model, tmp_path / "d.xmile") == []


def test_a_balance_check_tighter_than_single_precision_says_so(build):
    """a + b holds what entered (a third stock): a check of 1e-9 cannot hold when sums are rounded
    to float32, and the error says why; 1e-5 holds. Every stock starts at 0: the residual of two
    zeros is 0 there (not 0 / 0)."""
    text = """\
        scenario: tanks
        time: {start: 0, stop: 50, dt: 0.1, precision: single}
        stocks:
          a: {initial: 0, inflows: [fill], outflows: [move]}
          b: {initial: 0, inflows: [move]}
          entered: {initial: 0, inflows: [counted]}
        flows:
          fill: 'if time > 1 then 1.3 else 0'
          counted: 'if time > 1 then 1.3 else 0'
          move: a * 0.37
        checks:
          - {name: conserved, lhs: a + b, rhs: entered, tolerance: TOL}
        """
    tight = build(text.replace("TOL", "1e-9"))
    with pytest.raises(ModelError, match="balance check 'conserved'") as e:
        tight.run(backend="numpy")
    assert "single precision" in e.value.hint and "1e-05" in e.value.hint
    assert tight.with_time(precision="double").run(backend="numpy")["a"][-1, 0] > 0
    r = build(text.replace("TOL", "1e-5"), "loose.yaml").run(backend="numpy")
    assert r["check:conserved"][0, 0] == 0 and 0 < r["check:conserved"].max() <= 1e-5
