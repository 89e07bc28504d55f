"""Results convert to pandas and xarray; the HDF5 file opens in xarray and keeps provenance."""
import json

import numpy as np
import xarray as xr

import engine
from conftest import MODELS
from engine.cli import main


def test_hdf5_opens_in_xarray_with_units_and_provenance(tmp_path):
    m = engine.load(MODELS / "goal_seeking.yaml")
    r = m.run(params={"target": [80.0, 120.0, 150.0]})
    path = r.to_hdf5(tmp_path / "r.h5")
    ds = xr.open_dataset(path, engine="h5netcdf")
    assert dict(ds.sizes) == {"time": 81, "run": 3}
    assert np.array_equal(ds["inventory"].values, r["inventory"])
    assert ds["inventory"].attrs["units"] == "units"
    assert ds["target"].dims == ("run",) and list(ds["target"].values) == [80.0, 120.0, 150.0]
    assert "inventory:" in ds.attrs["scenario_text"] or "inventory" in ds.attrs["scenario_text"]
    assert json.loads(ds.attrs["time_settings"])["dt"] == 0.25
    assert ds.attrs["engine_version"] == engine.__version__
    ds.close()


def test_pandas_and_xarray_views():
    r = engine.load(MODELS / "goal_seeking.yaml").run(params={"adjust_time": [2.0, 8.0]})
    df = r.to_pandas(run=1)
    assert df.index.name == "time" and df["inventory"].iloc[-1] == r["inventory"][-1, 1]
    long = r.to_pandas(run=None)
    assert long.loc[(1, 20.0), "inventory"] == r["inventory"][-1, 1]
    ds = r.to_xarray()
    assert ds["shipments"].sel(run=0).values[-1] == r["shipments"][-1, 0]


def test_keep_limits_saved_variables_and_keeps_numbers():
    m = engine.load(MODELS / "goal_seeking.yaml")
    full = m.run()
    few = m.run(keep=["inventory"])
    assert few.names == ["inventory"]
    assert np.array_equal(few["inventory"], full["inventory"])


def test_cli_run_writes_outputs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(MODELS / "goal_seeking.yaml")]) == 0
    out = capsys.readouterr().out
    assert "inventory" in out and "wrote" in out
    assert (tmp_path / "outputs" / "goal_seeking" / "results.h5").exists()
    # no report section: one figure of the stocks per unit (inventory in units, backlog in none)
    assert (tmp_path / "outputs" / "goal_seeking" / "stocks_units.png").exists()
    assert (tmp_path / "outputs" / "goal_seeking" / "stocks_no_units.png").exists()


def test_cli_help_lists_commands(capsys):
    import pytest
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for cmd in ("run", "validate", "loops", "graph"):
        assert cmd in text
