"""The tutorial's model runs as written and shows what the tutorial says it shows."""
import re

import numpy as np
from conftest import ROOT

import engine
from engine.cli import main


def blocks():
    return re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "tutorial.md").read_text(), re.S)


def test_tutorial_model(tmp_path, capsys):
    market, floor, _ = blocks()
    (tmp_path / "market.yaml").write_text(market)
    (tmp_path / "market-floor.yaml").write_text(floor)
    (tmp_path / "bad.yaml").write_text(market.replace("equation: emissions", "equation: emisions"))
    assert main(["validate", "--strict-units", str(tmp_path / "market.yaml")]) == 0
    assert "units consistent" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "bad.yaml")]) == 2
    assert "bad.yaml:21: in 'surrender': unknown name 'emisions'" in capsys.readouterr().err
    assert main(["loops", str(tmp_path / "market.yaml")]) == 0
    out = capsys.readouterr().out
    assert "bank -> price_change -> price -> emissions -> surrender -> bank" in out
    assert "2 loops (0 reinforcing, 1 balancing, 1 undetermined)" in out
    m = engine.load(tmp_path / "market.yaml")
    batch = m.run(params={"half_price": np.linspace(50, 500, 1000)}, keep=["price", "emissions"])
    assert batch.to_pandas(run=None).shape == (1000 * 229, 2)
    assert np.all(batch["price"] > 0)
    base = m.run()
    f = engine.load(tmp_path / "market-floor.yaml").run()
    assert f.at("bank", 2040)[0] == 0.0 and f.at("price", 2040)[0] > base.at("price", 2040)[0]
    # the floor holds at every step, where the market alone would take the price under it
    assert base["price"].min() < 37 and base.at("price", 2025)[0] < 40
    assert f["price"].min() >= 40 - 1e-9 and abs(f.at("price", 2025)[0] - 40) < 1e-9


def test_tutorial_arrays(tmp_path, capsys):
    capacity = blocks()[2]
    (tmp_path / "capacity.yaml").write_text(capacity)
    assert main(["validate", "--strict-units", str(tmp_path / "capacity.yaml")]) == 0
    r = engine.load(tmp_path / "capacity.yaml").run(backend="numpy")
    assert r["capacity"].shape == (len(r.times), 2, 3, 1)
    # the shares of each region add up to one; coal is a fifth as attractive as its cost says
    share = r["share"]
    assert np.allclose(share.sum(axis=2), 1.0)
    east = [1 / 3.5, 1 / 6, 0.2 / 5]
    assert np.allclose(share[0, 0, :, 0], np.array(east) / sum(east))
    # stock balance of every cell: capacity(t) = capacity(0) + integral(build - retire)
    for cell in ("capacity[east,coal]", "capacity[west,solar]"):
        flows = r[cell.replace("capacity", "build")] - r[cell.replace("capacity", "retire")]
        assert np.isclose(r[cell][-1, 0], r[cell][0, 0] + 0.25 * flows[:-1, 0].sum())
    renew = sum(r[f"capacity[{g},{t}]"] for g in ("east", "west") for t in ("solar", "wind"))
    assert np.allclose(r["renewable_share"], renew / r["capacity"].sum(axis=(1, 2)))
    bad = capacity.replace("share[region, tech]:\n    equation: attractiveness /",
                           "share[region, tech]:\n    equation: attractiveness[tech] /")
    (tmp_path / "bad.yaml").write_text(bad)
    assert main(["validate", str(tmp_path / "bad.yaml")]) == 2
    assert "'attractiveness' has 2 dimensions (region, tech) but is written with 1 subscript" in capsys.readouterr().err
