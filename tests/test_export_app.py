"""carbonloop export-app without a browser: what the file holds, its policy, the joined modules, the
trimmed loop shares, and the command's errors (the page itself is driven in test_app_browser.py)."""
import base64
import hashlib
import json
import re
import subprocess

import numpy as np
import pytest
from app_support import sample_data, sample_dominance, write_folder
from conftest import ROOT
from js_support import NODE, needs_node

import engine
from engine.app.export import bundle_modules, export_app, trim_dominance
from engine.app.extras import dominance_payload
from engine.app.service import RunService
from engine.cli import main

SCRIPT = re.compile(r"<script(?: type=\"module\")?>(.*?)</script>", re.S)


@pytest.fixture(scope="module")
def cup_page(tmp_path_factory):
    folder = write_folder(tmp_path_factory.mktemp("cups"))
    service = RunService(folder, data_source=sample_data, dominance_source=sample_dominance,
                         has_dominance=lambda loaded: True)
    out = folder / "out" / "cup.html"
    info = export_app(folder / "cup.yaml", out, service=service)
    service.close()
    return folder, out.read_text(), info


def bundle_of(text):
    return json.loads(re.search(r'<script type="application/json" id="carbonloop-bundle">(.*?)</script>',
                                text, re.S).group(1))


def test_the_file_holds_the_scenario_the_page_needs(cup_page):
    folder, text, info = cup_page
    b = bundle_of(text)
    meta = b["scenario"]
    assert meta["name"] == "cup" and [g["name"] for g in meta["groups"]] == ["Room", "Cup"]
    assert meta["panels"][0]["variables"] == ["temperature", "excess"] and meta["years"] == [5.0, 10.0, 20.0]
    assert {p["name"]: p["doc"] for p in meta["parameters"]} == {"room": "room temperature",
                                                                  "tau": "characteristic cooling time"}
    base = engine.load(folder / "cup.yaml").run()
    for name, encoded in b["baseline"].items():           # the engine's numbers, exactly
        assert np.array_equal(np.frombuffer(base64.b64decode(encoded), "<f8"), base[name][:, 0])
    assert b["data"]["temperature"]["source"] == "kitchen log"
    assert b["dominance"]["temperature"]["loops"][0]["name"] == "B1 cooling"
    assert info["levers"] == 2 and info["variables"] == 3
    assert "uPlot" in text and "globalThis.carbonloopModel" in text and "Model documentation" in text


def test_the_policy_allows_only_the_files_own_scripts_and_style(cup_page):
    _, text, _ = cup_page
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text).group(1)
    rules = dict(r.strip().split(" ", 1) for r in csp.split(";"))
    assert rules["default-src"] == "'none'" and rules["connect-src"] == "'none'"
    scripts = SCRIPT.findall(text)
    assert len(scripts) == 3
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    assert set(rules["script-src"].split()) == hashes
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    assert rules["style-src"] == "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"
    assert "/static/" not in text and "http://" not in text.replace("http://www.w3.org", "")


@needs_node
def test_the_joined_modules_define_what_the_page_imports(tmp_path):
    joined = bundle_modules()
    assert "import " not in joined and "\nexport " not in joined
    (tmp_path / "page.mjs").write_text(joined)
    done = subprocess.run([NODE, "--check", str(tmp_path / "page.mjs")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr                # the joined script parses as a module
    # each module's scope returns its exports; a module that imports reads them from there
    block = joined.split("const _m_format = (() => {")[1].split("// ----")[0]
    exports = re.search(r"\nreturn \{ ([^}]*) \};\n\}\)\(\);\n$", block).group(1)
    assert {"fmt", "el", "f64", "decodeRun"} <= set(exports.split(", "))
    assert "const { decodeRun, f64 } = _m_format;" in joined


def test_the_baselines_loop_dominance_from_the_engine(tmp_path):
    out = tmp_path / "teacup.html"
    export_app(ROOT / "scenarios" / "teacup.yaml", out)
    shares = bundle_of(out.read_text())["dominance"]["teacup_temperature"]
    assert [lp["polarity"] for lp in shares["loops"]] == ["B"]          # the one balancing loop, all along
    assert {abs(s) for s in shares["loops"][0]["share"]} == {1.0}            # its whole behaviour


def test_loop_shares_keep_the_largest_loops_and_sum_the_rest():
    loops = [(f"L{i}", "B", [0.01 * i, -0.01 * i]) for i in range(12)]
    out = trim_dominance(dominance_payload([0, 1], loops), top=3)
    assert [lp["name"] for lp in out["loops"]] == ["L9", "L10", "L11", "9 other loops"]
    assert out["loops"][-1]["share"] == pytest.approx([sum(0.01 * i for i in range(9))] * 2)


@pytest.mark.slow
def test_the_flagship_file_is_under_a_megabyte(tmp_path, capsys):
    out = tmp_path / "flagship.html"
    assert main(["export-app", str(ROOT / "scenarios" / "default.yaml"), "-o", str(out), "--no-dominance"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"carbonloop export-app: {out} (") and "19 levers" in said
    assert out.stat().st_size < 2 ** 20
    assert len(bundle_of(out.read_text())["baseline"]) == 16       # the report's panel variables


def test_the_commands_errors(tmp_path, capsys):
    folder = write_folder(tmp_path)
    assert main(["export-app", str(folder / "cup.yaml"), "-o", str(tmp_path / "cup.txt")]) == 2
    assert "the output must be an .html file" in capsys.readouterr().err
    assert main(["export-app", str(folder / "nowhere.yaml"), "-o", str(tmp_path / "x.html")]) == 2
    assert "nowhere.yaml: file not found" in capsys.readouterr().err
    assert main(["export-app", str(folder / "study.yaml"), "-o", str(tmp_path / "x.html")]) == 2
    assert "not a scenario (a sweep specification?)" in capsys.readouterr().err
    assert main(["export-app", str(folder / "broken.yaml"), "-o", str(tmp_path / "x.html")]) == 2
    assert "unknown name 'nowhere'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
