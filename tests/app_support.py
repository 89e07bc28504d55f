"""Shared by the app's tests: small scenarios with levers, an HTTP client, sample data and loop scores."""
from __future__ import annotations

import http.client
import json
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

CUP = """
scenario: cup
description: A cup of tea cooling toward the room's temperature.
time: {start: 0, stop: 30, dt: 0.125, units: minute}
stocks:
  temperature: {initial: 180, outflows: [heat_loss], units: degF, doc: temperature of the tea}
flows:
  heat_loss: {equation: (temperature - room) / tau, units: degF/minute, doc: heat lost to the room}
auxiliaries:
  excess: {equation: temperature - room, units: degF, doc: how much warmer the tea is than the room}
parameters:
  room: {value: 70, units: degF, range: [0, 100], doc: room temperature}
  tau: {value: 10, units: minute, range: [1, 100], doc: characteristic cooling time}
report:
  years: [5, 10, 20]
  figures:
    - {name: tea, title: Tea temperature, variables: [temperature, excess], ylabel: degF}
levers:
  Room:
    - {parameter: room, label: Room temperature, step: 1}
  Cup:
    - {parameter: tau, label: Cooling time, range: [1, 40], step: 0.5}
"""

FILES = {
    "cup.yaml": CUP,
    "slow.yaml": "scenario: slow\nextends: cup.yaml\noverrides: {tau: 20}\n",
    "fragile.yaml": """
        scenario: fragile
        time: {start: 0, stop: 5, dt: 0.5, units: year}
        stocks:
          s: {initial: 1, inflows: [f], units: widget}
        flows:
          f: {equation: 1 / (k - 5), units: widget/year}
        parameters:
          k: {value: 0, units: 1/year, range: [0, 10]}
        levers:
          - {parameter: k, label: Danger, step: 1}
        """,
    "broken.yaml": "scenario: broken\nextends: cup.yaml\nauxiliaries:\n  bad: {equation: nowhere + 1}\n",
    "study.yaml": "sweep: study\nscenario: cup.yaml\nmethod: grid\n",
    "fit.yaml": "calibration: fit\nscenario: cup.yaml\ndata: data.yaml\n",
    "plain.yaml": """
        scenario: plain
        time: {start: 0, stop: 10, dt: 1, units: day}
        stocks:
          water: {initial: 5, inflows: [rain], units: mm, doc: water in the butt}
        flows:
          rain: {equation: 2, units: mm/day}
        """,
}


def write_folder(folder):
    """The test scenarios, written into ``folder``."""
    for name, text in FILES.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def call(url, path, body=None, *, method=None, headers=None, raw=None):
    """(status, headers, JSON body) of one request to the app at ``url``."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    hdrs.update(headers or {})
    try:
        conn.request(method or ("POST" if data is not None else "GET"), path, body=data, headers=hdrs)
        res = conn.getresponse()
        text = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, json.loads(text) if text else None
    finally:
        conn.close()


def sample_data(loaded, scenario_path):
    """Measured points for the tea's temperature, with error bars (a stand-in data catalogue)."""
    from engine.app.extras import series_payload
    if "temperature" not in loaded.model.elements:
        return {}
    return {"temperature": series_payload([0, 10, 20, 30], [181, 128, 110, 90], [176, 120, 104, 82],
                                          [186, 136, 116, 98], units="degF", source="kitchen log",
                                          label="measured")}


def sample_dominance(loaded, params, variable):
    """Two loops sharing a variable's behaviour (a stand-in loop-dominance analysis)."""
    from engine.app.extras import dominance_payload
    tau = params.get("tau", loaded.model.elements["tau"].value) if "tau" in loaded.model.elements else 10
    share = min(1.0, tau / 40)
    times = [0, 10, 20, 30]
    return dominance_payload(times, [("B1 cooling", "B", [share] * 4),
                                     ("R1 steam", "R", [-(1 - share)] * 4)])


MODELS = Path(__file__).parent / "models"


def calibrated_folder(tmp_path):
    """A folder with the logistic adoption model as two scenarios, a calibration of the first (its
    projection written to outputs/small/)."""
    from engine import calibrate
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "adopt.yaml").write_text((MODELS / "logistic_adoption.yaml").read_text())
    (folder / "other.yaml").write_text("scenario: other\nextends: adopt.yaml\noverrides: {r: 0.4}\n")
    t = np.arange(1.0, 13.0)
    y = 0.8 / (1 + (0.8 / 0.02 - 1) * np.exp(-0.6 * t))
    (folder / "share.csv").write_text("time,value\n" + "".join(f"{a:g},{b:.6g}\n" for a, b in zip(t, y * 1.01)))
    (folder / "small.yaml").write_text(
        "calibration: small\nscenario: adopt.yaml\nseed: 1\n"
        "parameters:\n  r: {bounds: [0.1, 2]}\n  K: {bounds: [0.2, 1]}\n"
        "series:\n  share: {file: share.csv, units: dmnl, variable: adopters, read: at, "
        "error: lognormal, scale: 0.05}\n"
        "discrepancy: {model: ar1, sd_max: 0.3}\noptimizer: {population: 5, generations: 3}\n"
        "project: 15\nassumes: the market stays as it is\n")
    outputs = tmp_path / "outputs"
    calibrate(folder / "small.yaml", output=outputs / "small", mcmc=False, profiles=False, figures_too=False,
              backend="numpy")
    return folder, outputs
