"""Misused API arguments are refused with a ModelError naming the argument (or the parameter),
never an AttributeError or TypeError from deep inside the engine."""
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.errors import ModelError

TEACUP = Path(__file__).parent / "bad_inputs" / "base" / "teacup.yaml"


@pytest.fixture(scope="module")
def teacup():
    """The teacup model, loaded once."""
    return engine.load(TEACUP)


@pytest.mark.parametrize("params, says", [
    ("x", "params must map parameter names to values, not str 'x'"),
    ([1, 2], "params must map parameter names to values, not list"),
    ({"room": {}}, "the values for 'room' must be a number or a flat sequence of numbers, not dict"),
    ({"room": "warm"}, "the values for 'room' must be a number or a flat sequence of numbers, not str"),
    ({"room": [1, {}]}, "the values for 'room' must be a number or a flat sequence of numbers"),
    ({"room": [[1, 2]]}, "the values for 'room' must be a number or a flat sequence"),
    ({"room": 10 ** 400}, "the values for 'room': the number 100000000000... (401 digits) is too large"),
    ({"room": [50, 10 ** 400]}, "the values for 'room': the number 100000000000... (401 digits) is too large"),
    ({1: 2}, "params must be keyed by parameter names, not 1"),
])
def test_run_refuses_params_that_are_not_numbers_by_name(teacup, params, says):
    with pytest.raises(ModelError) as err:
        teacup.run(params=params, backend="numpy")
    assert says in str(err.value)


@pytest.mark.parametrize("changes, says", [
    ({"dt": "1/2"}, "with_time(dt=...) must be a finite number, not str '1/2'"),
    ({"nope": 1}, "with_time() has no setting 'nope'"),
    ({"stop": 10 ** 400}, "with_time(stop=...) must be a finite number, the number 1000"),
    ({"dt": None}, "with_time(dt=...) must be a finite number, not NoneType None"),
    ({"start": True}, "with_time(start=...) must be a finite number, not bool True"),
    ({"method": 4}, "with_time(method=...) must be text, not int 4"),
    ({"units": "1/(year"}, "the time units cannot be read: unbalanced parentheses in units '1/(year'"),
])
def test_with_time_refuses_unknown_settings_and_values_of_the_wrong_type(teacup, changes, says):
    with pytest.raises(ModelError) as err:
        teacup.with_time(**changes)
    assert says in str(err.value)


def test_with_time_takes_good_settings(teacup):
    m = teacup.with_time(dt=0.5, save_step=None, method="rk4")
    assert (m.model.time.dt, m.model.time.method) == (0.5, "rk4")


@pytest.mark.parametrize("path", [123, b"teacup.yaml", ["teacup.yaml"]])
def test_load_refuses_what_is_not_a_path(path):
    with pytest.raises(ModelError, match=r"load\(\) takes the path of a model file"):
        engine.load(path)


def test_params_as_arrays_still_make_a_batch(teacup):
    r = teacup.run(params={"room": np.array([60.0, 70.0])}, backend="numpy")
    assert r.data.shape[2] == 2


def test_a_value_that_is_not_finite_is_named_as_given_not_as_declared(teacup):
    with pytest.raises(ModelError) as err:
        teacup.run(params={"room": [60.0, float("nan")]}, backend="numpy")
    text = str(err.value)
    assert text.startswith("in 'room': the value nan given for the parameter is not a finite number"), text
    assert "the parameter is declared at" in text and "teacup.yaml:9" in text


@pytest.mark.parametrize("kwargs, says", [
    ({"keep": 1}, "keep must be a variable name or a list of names, not int 1"),
    ({"keep": [1.5]}, "keep must be a variable name or a list of names, not list"),
    ({"n_runs": "x"}, "n_runs must be a whole number of runs (at least 1), not 'x'"),
    ({"n_runs": 0}, "n_runs must be a whole number of runs (at least 1), not 0"),
    ({"n_runs": True}, "n_runs must be a whole number of runs (at least 1), not True"),
    ({"n_runs": 10 ** 400}, "is more runs than one batch can hold (at most 2,147,483,648"),
    ({"n_runs": 2 ** 31 + 1}, "n_runs=2147483649 is more runs than one batch can hold"),
])
def test_run_refuses_keep_and_n_runs_of_the_wrong_type(teacup, kwargs, says):
    with pytest.raises(ModelError) as err:
        teacup.run(backend="numpy", **kwargs)
    assert says in str(err.value)


@pytest.mark.parametrize("n_runs, says", [
    (10 ** 400, "is more runs than one batch can hold"),
    (2 ** 30, "GB, more than the"),
])
def test_dominance_refuses_a_batch_too_large_to_hold(teacup, n_runs, says):
    with pytest.raises(ModelError) as err:
        teacup.dominance(n_runs=n_runs, backend="numpy")
    assert says in str(err.value)
