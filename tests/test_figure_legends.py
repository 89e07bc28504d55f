"""Every mark a figure draws is named in its legend or axes: data-period bars, the focus graph's
colours and link signs, the fit panels' units and their 'compared, not fitted' points; a grid
sweep is drawn one line per run, never as a 5-95 % fan of points that were chosen, not drawn."""
import numpy as np
import pytest
from conftest import MODELS
from matplotlib.figure import Figure

import engine


@pytest.fixture
def saved(monkeypatch):
    """The figures drawn while the test runs (they are still written)."""
    figures = []
    original = Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def legend_texts(fig) -> list:
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    return [t.get_text() for lg in legends for t in lg.get_texts()]


def test_data_period_bars_are_named(build, tmp_path, saved):
    from engine.outputs.figures import report_figures
    m = build("""
time: {start: 0, stop: 4, dt: 1}
stocks:
  x: {initial: 1, inflows: [f]}
flows:
  f: 1
""")
    obs = {"x": [{"label": "x (data)", "x": np.array([1.5]), "y": np.array([2.0]), "xerr": np.array([0.5]),
                  "se": np.array([np.nan]), "units": "", "source": ""}]}
    report_figures(m, m.run(), tmp_path, observations=obs)
    assert "x (data); bar: the period it averages" in legend_texts(saved[0])


def test_the_focus_graph_names_its_colours_and_signs(build, tmp_path, saved):
    from engine.dominance.trace import write_focus
    m = build("""
time: {start: 0, stop: 4, dt: 1}
stocks:
  x: {initial: 1, inflows: [fill], outflows: [drain]}
flows:
  fill: rate
  drain: x / 2
parameters:
  rate: 1
""")
    write_focus(m.model, "x", 2, "causes", tmp_path / "focus")
    texts = legend_texts(saved[0])
    assert {"stock", "flow", "the variable in focus"} <= set(texts)
    assert any(t.startswith("+ / - on an arrow") for t in texts)
    drawn = {t.get_text() for t in saved[0].axes[0].texts}
    assert {"+", "-"} <= drawn


@pytest.mark.slow
def test_fit_panels_have_units_and_name_the_compared_points(tmp_path, saved):
    m = engine.load(MODELS / "two_stock.yaml")
    r = m.run(keep=["upstream", "downstream"])
    t = np.arange(0.5, 12.0, 0.5)
    for name, var in (("up", "upstream"), ("down", "downstream")):
        k = [int(np.argmin(np.abs(r.times - x))) for x in t]
        (tmp_path / f"{name}.csv").write_text("time,value\n" + "".join(
            f"{x:g},{v:.8g}\n" for x, v in zip(t, r[var][k, 0] * 1.01)))
    spec = {"calibration": "legend", "scenario": str(MODELS / "two_stock.yaml"), "seed": 1,
            "parameters": {"transfer_time": {"bounds": [0.2, 10], "scale": "log"}},
            "series": {"up": {"file": str(tmp_path / "up.csv"), "units": "t", "variable": "upstream",
                              "read": "at", "error": "lognormal", "scale": 0.05},
                       "down": {"file": str(tmp_path / "down.csv"), "units": "t", "variable": "downstream",
                                "read": "at", "fit": False}},
            "optimizer": {"population": 5, "generations": 3}}
    engine.calibrate(spec, output=tmp_path / "out", mcmc=False)
    fit = next(f for f in saved if any("(upstream)" in ax.get_title() for ax in f.axes))
    assert [ax.get_ylabel() for ax in fit.axes if ax.get_visible()] == ["t", "t"]
    assert "compared, not fitted" in legend_texts(fit)
    residuals = next(f for f in saved if any("model vs data" in ax.get_title() for ax in f.axes))
    assert {"fitted", "compared, not fitted"} <= set(legend_texts(residuals))


def test_a_grid_sweep_is_drawn_one_line_per_run(tmp_path, saved):
    from conftest import ROOT

    from engine.sweeps.figures import sweep_figures
    spec = {"sweep": "grid", "scenario": str(ROOT / "scenarios" / "teacup.yaml"), "method": "grid",
            "parameters": {"room_temperature": {"levels": [60, 70, 80]}},
            "outputs": {"trajectories": ["teacup_temperature"]}}
    s = engine.sweep(spec, output=tmp_path / "g.h5", progress=False)
    sweep_figures(s.path, __import__("pandas").DataFrame(), tmp_path / "fig")
    fan = saved[0]
    texts = legend_texts(fan)
    assert not any("5–95" in t for t in texts)
    assert texts == ["room_temperature=60", "room_temperature=70", "room_temperature=80"]
