"""Bad sweep input: one clear message, exit status 2, nothing overwritten."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEACUP = ROOT / "scenarios" / "teacup.yaml"

SPEC = """\
sweep: bad
scenario: {scenario}
method: {method}
samples: {samples}
seed: 1
parameters:
{parameters}
outputs:
  metrics:
    final: {{variable: teacup_temperature, at: 30}}
"""
GOOD = "  room_temperature: {range: [60, 80]}\n  characteristic_time: {range: [5, 15]}"


@pytest.fixture
def spec(tmp_path):
    def _spec(method="latin", samples=64, parameters=GOOD, name="spec.yaml"):
        p = tmp_path / name
        p.write_text(SPEC.format(scenario=TEACUP, method=method, samples=samples, parameters=parameters))
        return p
    return _spec


def fails(argv, capsys, *words):
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("carbonloop: error: ") and "Traceback" not in err
    for w in words:
        assert w in err, err
    return err


@pytest.mark.parametrize("param, words", [
    ("{distribution: uniform, low: 80, high: 60}", ["room_temperature", "low < high"]),
    ("{distribution: normal, mean: 70, sd: -1}", ["positive sd"]),
    ("{distribution: triangular, low: 60, mode: 90, high: 80}", ["low <= mode <= high"]),
    ("{distribution: lognormal, median: 70}", ["missing 'sigma'"]),
    ("{distribution: gamma, low: 1}", ["unknown distribution 'gamma'"]),
    ("{distribution: normal, mean: 70, sd: 40}", ["outside the declared range"]),
])
def test_invalid_distribution(spec, tmp_path, capsys, param, words):
    p = spec(parameters=f"  room_temperature: {param}")
    err = fails(["sweep", str(p), "-o", str(tmp_path / "out.h5")], capsys, *words)
    assert "spec.yaml" in err
    assert not list(tmp_path.glob("out.h5*"))


def test_parameter_the_model_lacks(spec, tmp_path, capsys):
    p = spec(parameters="  room_temprature: {range: [60, 80]}")
    fails(["sweep", str(p), "-o", str(tmp_path / "o.h5")], capsys, "no parameter 'room_temprature'",
          "room_temperature")
    assert not list(tmp_path.glob("o.h5*"))


def test_sobol_needs_a_power_of_two(spec, tmp_path, capsys):
    p = spec(method="sobol", samples=100)
    fails(["sweep", str(p), "-o", str(tmp_path / "o.h5")], capsys, "power of two", "64 or 128")


def test_scheduler_that_does_not_answer(spec, tmp_path, capsys):
    p = spec()
    fails(["sweep", str(p), "-o", str(tmp_path / "o.h5"), "--scheduler", "tcp://127.0.0.1:9"],
          capsys, "no Dask scheduler answers", "tcp://127.0.0.1:9")
    assert not list(tmp_path.glob("o.h5*"))


@pytest.mark.parametrize("option, words", [
    (["--scheduler", "garbage"], ["'garbage' is not a Dask scheduler address", "tcp://HOST:PORT"]),
    (["--scheduler", "10.0.0.5:8786"], ["is not a Dask scheduler address"]),
    (["--memory-mb", "-5"], ["--memory-mb) must be a positive number of megabytes, not -5.0"]),
    (["--memory-mb", "nan"], ["--memory-mb) must be a positive number of megabytes, not nan"]),
])
def test_command_line_options_that_cannot_work_are_refused_before_anything_runs(spec, tmp_path, capsys, option,
                                                                                words):
    """A malformed scheduler address is refused before Dask tries it (its client would print a
    traceback while it is collected); a working memory must be positive."""
    fails(["sweep", str(spec()), "-o", str(tmp_path / "o.h5"), "--no-progress", *option], capsys, *words)
    assert not list(tmp_path.glob("o.h5*"))


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_output_of_another_spec_at_the_resume_path(spec, tmp_path, capsys):
    out = tmp_path / "o.h5"
    assert main(["sweep", str(spec(samples=64)), "-o", str(out), "--no-progress"]) == 0
    before = digest(out)
    other = spec(samples=128, name="other.yaml")
    fails(["sweep", str(other), "-o", str(out), "--no-progress"], capsys, "holds a different sweep",
          "nothing was overwritten")
    assert digest(out) == before
    # a partial file of another spec is protected too
    out.rename(tmp_path / "o.h5.partial")
    fails(["sweep", str(other), "-o", str(out), "--no-progress"], capsys, "different sweep")
    assert digest(tmp_path / "o.h5.partial") == before


def test_unknown_trajectory_and_metric_variable(spec, tmp_path, capsys):
    p = tmp_path / "s.yaml"
    p.write_text(SPEC.format(scenario=TEACUP, method="latin", samples=8, parameters=GOOD)
                 .replace("teacup_temperature, at: 30", "tea_temp, at: 30"))
    fails(["sweep", str(p), "-o", str(tmp_path / "o.h5")], capsys, "'tea_temp'", "teacup_temperature")


def test_morris_on_a_file_from_a_spec(spec, tmp_path, capsys):
    out = tmp_path / "m.h5"
    assert main(["sensitivity", str(spec(method="morris", samples=4)), "-o", str(out), "--no-figures"]) == 0
    text = capsys.readouterr().out
    assert "mu_star" in text and "room_temperature" in text
    fails(["sensitivity", str(tmp_path / "missing.h5")], capsys, "no such sweep file")
