"""The tutorial's model runs as written and shows what the tutorial says it shows."""
import re

import numpy as np
from conftest import ROOT

import engine
from engine.cli import main


def blocks():
    return re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "tutorial.md").read_text(), re.S)


def test_tutorial_model(tmp_path, capsys):
    market, floor = blocks()
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
