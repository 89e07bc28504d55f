"""The app draws a calibration's predictive band behind the baseline of the scenario it calibrated: the
band's rows are those of the calibration's projection.csv, for that scenario and no other."""
from pathlib import Path

import pandas as pd
import pytest
from app_support import calibrated_folder, call

from engine.app.bands import bands_for
from engine.app.serve import running
from engine.app.service import RunService

MODELS = Path(__file__).parent / "models"


@pytest.mark.slow
def test_the_band_of_a_calibration_comes_with_its_scenario_and_no_other(tmp_path):
    folder, outputs = calibrated_folder(tmp_path)
    rows = pd.read_csv(outputs / "small" / "projection.csv")
    service = RunService(folder, workers=1, backend="numpy", outputs=outputs)
    with running(folder, service=service) as url:
        status, _, adopt = call(url, "/api/scenario/adopt")
        assert status == 200
        status, _, other = call(url, "/api/scenario/other")
        assert status == 200
    assert other["bands"] == {} and other["bands_error"] == ""
    assert list(adopt["bands"]) == ["adopters"] and adopt["bands_error"] == ""
    [band] = adopt["bands"]["adopters"]
    # the rows as the calibration wrote them: a reading 'at' a time stands at that time
    assert band["times"] == rows["time"].tolist() == [13.0, 14.0, 15.0]
    for key, column in (("low", "q05"), ("median", "median"), ("high", "q95"),
                        ("param_low", "param_q05"), ("param_high", "param_q95")):
        assert band[key] == rows[column].tolist(), key
    assert band["label"] == ("90 % predictive band (parameters, model error, measurement) from calibration "
                             "small, assumes: the market stays as it is")
    assert "The scenario `adopt.yaml` as written" in band["assumptions"]
    assert "a lever move leaves it in place" in band["note"]


def test_no_band_without_results_a_projection_that_cannot_be_read_is_named_a_bad_spec_skipped(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "adopt.yaml").write_text((MODELS / "logistic_adoption.yaml").read_text())
    (folder / "share.csv").write_text("time,value\n1,0.03\n2,0.05\n3,0.08\n")
    (folder / "fit.yaml").write_text("calibration: fit/../x\nscenario: adopt.yaml\nproject: 10\nparameters:\n"
                                     "  r: {bounds: [0.1, 2]}\nseries:\n  share: {file: share.csv, units: dmnl, "
                                     "variable: adopters, scale: 0.01}\n")
    outputs = tmp_path / "outputs"
    assert bands_for(folder / "adopt.yaml", folder, {"adopters"}, outputs) == ({}, "")
    # the calibration's name is made one safe folder name, as 'carbonloop calibrate' makes it
    bad = outputs / "fit_.._x" / "projection.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("series,time\nshare,11\n")
    bands, error = bands_for(folder / "adopt.yaml", folder, {"adopters"}, outputs)
    assert bands == {} and "calibration 'fit/../x'" in error and "no column" in error
    # a spec that cannot be read (its catalogue is missing) is left out, its results too
    (folder / "unread.yaml").write_text("calibration: unread\nscenario: adopt.yaml\ndata: nowhere.yaml\n")
    (outputs / "unread").mkdir()
    (outputs / "unread" / "projection.csv").write_text(
        "series,variable,read,time,end,q05,median,q95,param_q05,param_q95\nshare,adopters,at,11,12,0.5,0.6,0.7,0.55,0.65\n")
    assert bands_for(folder / "adopt.yaml", folder, {"adopters"}, outputs)[0] == {}
