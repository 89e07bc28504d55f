"""Builtin functions against hand-computed values."""
import numpy as np
import pytest
from conftest import BACKENDS

MODEL = """
time: {start: 0, stop: 12, dt: 0.25}
auxiliaries:
  s: step(2, 3)
  r: ramp(1.5, 2, 6)
  p: pulse(4, 1)
  pt: pulse_train(1, 0.5, 3, 8)
  pt_end: pulse_train(1, 0.5, 3, 7)
  lk_clamp: table(time)
  lk_extra: table_x(time)
  cond: if time > 5 and not (time > 9) then 1 else 0
  mm: min(time, 4) + max(time, 10) - clip(time, 2, 3)
  safe: xidz(1, time - 6, 99) + zidz(4, 2)
  fixed: delay_fixed(time, 2, -1)
  prev: previous(time, -5)
  first: init(time + 7)
  tr: trend(exp(0.1 * time), 0.5, 0.1)
  sm3: smooth3(step(1, 2), 3)
  powers: 2 ^ 3 ^ 2 - (-2) ^ 2
  small: -expm1(ln(0.8) / 4000) + log1p(1e-10 * time)
lookups:
  table: {points: [[0, 0], [4, 8], [8, 0]]}
  table_x: {points: [[0, 0], [4, 8], [8, 0]], extrapolate: true}
"""


@pytest.fixture(scope="module", params=BACKENDS)
def r(tmp_path_factory, request):
    import engine
    p = tmp_path_factory.mktemp("b") / "m.yaml"
    p.write_text(MODEL)
    return engine.load(p).run(backend=request.param)


def at(r, name, t):
    return r.at(name, t)[0]


def test_time_functions(r):
    assert [at(r, "s", t) for t in (2.75, 3, 5)] == [0, 2, 2]
    assert [at(r, "r", t) for t in (1, 2, 4, 6, 10)] == [0, 0, 3, 6, 6]
    assert [at(r, "p", t) for t in (3.75, 4, 4.75, 5)] == [0, 1, 1, 0]
    assert [at(r, "pt", t) for t in (0.75, 1, 1.25, 1.5, 4, 7, 10)] == [0, 1, 1, 0, 1, 1, 0]
    # a pulse that starts at the end time is on at that time only (Vensim's PULSE TRAIN)
    assert [at(r, "pt_end", t) for t in (4, 6.75, 7, 7.25, 7.5)] == [1, 0, 1, 0, 0]


def test_lookups(r):
    assert at(r, "lk_clamp", 2) == 4 and at(r, "lk_clamp", 10) == 0
    assert at(r, "lk_extra", 10) == -4


def test_logic_and_arithmetic(r):
    assert [at(r, "cond", t) for t in (5, 5.25, 9, 9.25)] == [0, 1, 1, 0]
    assert at(r, "mm", 1) == 1 + 10 - 2
    assert at(r, "mm", 11) == 4 + 11 - 3
    assert at(r, "safe", 6) == 99 + 2 and at(r, "safe", 7) == 1 + 2
    assert at(r, "powers", 0) == 2 ** 9 - 4


def test_expm1_and_log1p_keep_the_digits_that_subtraction_loses(r):
    # 1 - 0.8^(1/4000) = -(x + x^2/2! + ... + x^5/5!) with x = ln(0.8)/4000 (next term ~3e-28)
    x = np.log(0.8) / 4000
    exact = -(x + x ** 2 / 2 + x ** 3 / 6 + x ** 4 / 24 + x ** 5 / 120)
    assert abs(at(r, "small", 0) - exact) <= 4e-16 * abs(exact)
    # log1p(1e-10 t) = 1e-10 t - 5e-21 t^2 at t = 8
    assert abs(at(r, "small", 8) - exact - (8e-10 - 5e-21 * 64)) <= 1e-20


def test_stateful(r):
    assert at(r, "fixed", 1) == -1 and at(r, "fixed", 5) == 3
    assert at(r, "prev", 0) == -5 and at(r, "prev", 3) == 2.75
    assert at(r, "first", 10) == 7
    # TREND of a 10 %/yr exponential is its growth rate, 0.1 (exactly, in continuous time)
    assert at(r, "tr", 12) == pytest.approx(0.1, rel=2e-2)
    t = 8.0
    x = 3 * (t - 2) / 3
    # Erlang-3 step response; Euler at dt = stage time / 4 is within 0.03
    assert at(r, "sm3", t) == pytest.approx(1 - np.exp(-x) * (1 + x + x * x / 2), abs=3e-2)
