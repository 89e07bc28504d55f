"""Bad calibration input: one clear message naming the file (and element), exit status 2."""
from pathlib import Path

import pytest

from engine.cli import main

MODELS = Path(__file__).parent / "models"

SPEC = """\
calibration: bad
scenario: {scenario}
seed: 1
parameters:
{parameters}
series:
  share: {{file: {data}, units: {units}, variable: {variable}, read: {read}, scale: {scale}}}
optimizer: {{population: {population}, generations: 5}}
"""
GOOD = dict(parameters="  r: {bounds: [0.1, 2]}\n  K: {bounds: [0.2, 1]}", units="dmnl",
            variable="adopters", read="at", scale="0.01", population=5,
            rows="time,value\n1,0.02\n2,0.03\n3,0.05\n")


@pytest.fixture
def case(tmp_path):
    def _case(**changes):
        v = dict(GOOD, **changes)
        data = tmp_path / "share.csv"
        data.write_text(v.pop("rows"))
        p = tmp_path / "spec.yaml"
        p.write_text(SPEC.format(scenario=MODELS / "logistic_adoption.yaml", data=data, **v))
        return p
    return _case


def fails(argv, capsys, *words):
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("carbonloop: error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for w in words:
        assert w in err, err
    return err


@pytest.mark.parametrize("changes, words", [
    ({"variable": "adoptrs"}, ["spec.yaml", "'share'", "reads 'adoptrs'", "did you mean 'adopters'"]),
    ({"units": "t"}, ["spec.yaml", "'share'", "the series is in t"]),
    ({"read": "integral"}, ["spec.yaml", "reading the variable as 'integral'"]),
    ({"rows": "time,value\n1,0.02\n30,0.5\n"}, ["share.csv:3", "outside the run (0..16)"]),
    ({"rows": ""}, ["share.csv", "the data file is empty"]),
    ({"rows": "# only a comment\n"}, ["share.csv", "the data file is empty"]),
    ({"rows": "time,value\n"}, ["share.csv", "holds no observations"]),
    ({"rows": "time,value\n1,0.02\n2,abc\n"}, ["share.csv:3", "'abc' in column 'value' is not a number"]),
    ({"rows": "time,value\n1,0.02,7\n"}, ["share.csv:2", "3 fields but the header has 2"]),
    ({"rows": "t,value\n1,0.02\n"}, ["share.csv:1", "no 'time' column"]),
    ({"parameters": "  r: {bounds: [0.1, 9]}"}, ["spec.yaml", "'r'", "outside the declared range [0, 5]"]),
    ({"parameters": "  rr: {bounds: [0.1, 2]}"}, ["spec.yaml", "no parameter 'rr'", "did you mean 'r'"]),
    ({"parameters": "  r: {bounds: [2, 1]}"}, ["spec.yaml", "low < high"]),
    ({"population": 2}, ["spec.yaml", "the optimiser cannot start", "population of 2 x 2"]),
    ({"scale": "estimate", "rows": "time,value\n1,0.02\n2,0.03\n"},
     ["spec.yaml", "2 observation(s): too few to estimate its error scale"]),
])
def test_bad_input(case, tmp_path, capsys, changes, words):
    fails(["calibrate", str(case(**changes)), "-o", str(tmp_path / "out")], capsys, *words)
    assert not (tmp_path / "out" / "estimates.yaml").exists()


def test_optimiser_that_cannot_start(case, tmp_path, capsys):
    """Every run of the first generation reads a non-positive value under a log-normal error."""
    p = case(parameters="  r: {bounds: [0.1, 2]}\n  s0: {bounds: [0.0001, 0.001]}",
             rows="time,value\n1,0.02\n2,0.03\n3,0.05\n")
    p.write_text(p.read_text().replace("scale: 0.01}", "scale: 0.01, error: lognormal}")
                 .replace("variable: adopters", "variable: adoption_shortfall"))
    model = tmp_path / "m.yaml"
    model.write_text((MODELS / "logistic_adoption.yaml").read_text() + "auxiliaries:\n"
                     "  adoption_shortfall: {equation: -adopters, units: dmnl}\n")
    p.write_text(p.read_text().replace(str(MODELS / "logistic_adoption.yaml"), str(model)))
    fails(["calibrate", str(p), "-o", str(tmp_path / "out")], capsys, "spec.yaml",
          "the optimiser cannot start", "none of the")


def test_unknown_field_and_unknown_catalogue_series(case, tmp_path, capsys):
    p = case()
    p.write_text(p.read_text() + "optimiser: {}\n")
    fails(["calibrate", str(p)], capsys, "spec.yaml:10", "unknown calibration field 'optimiser'",
          "did you mean 'optimizer'")
    root = Path(__file__).resolve().parents[1]
    q = tmp_path / "cat.yaml"
    q.write_text(f"scenario: {root / 'scenarios' / 'default.yaml'}\n"
                 f"data: {root / 'scenarios' / 'data' / 'catalog.yaml'}\n"
                 "parameters: {price_sensitivity: declared}\nseries: {ets_prices: {}}\n")
    fails(["calibrate", str(q)], capsys, "cat.yaml:4", "has no series 'ets_prices'", "did you mean 'ets_price'")
