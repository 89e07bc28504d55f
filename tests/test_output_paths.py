"""Where outputs go: names written inside files never lead outside the output folder, models of
two formats with one name keep apart, and a failure while writing leaves earlier results whole."""
import textwrap
from pathlib import Path

import pytest

import engine
from engine.cli import main
from engine.outputs import figures
from engine.outputs.paths import output_folder, run_folder, safe_component
from engine.sweeps.run import default_output
from engine.sweeps.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
CUP = """\
scenario: {name}
time: {{start: 0, stop: 4, dt: 1}}
stocks:
  tea: {{initial: 180, outflows: [loss], units: degF}}
flows:
  loss: {{equation: (tea - 70) / 10, units: degF/minute}}
report:
  figures:
    - {{name: "{figure}", variables: [tea]}}
"""


@pytest.mark.parametrize("name", ["../../escape", "/tmp/absolute", "..", "a/../../b", "C:\\\\windows", ""])
def test_a_name_is_one_safe_component(name):
    part = safe_component(name)
    assert part and "/" not in part and "\\" not in part and part not in (".", "..")
    assert output_folder(name).parent == Path("outputs")


def files_under(folder: Path) -> set:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_scenario_and_figure_names_cannot_write_outside_the_outputs(tmp_path, monkeypatch):
    work = tmp_path / "deep" / "work"
    work.mkdir(parents=True)
    (work / "s.yaml").write_text(CUP.format(name="../../../escape", figure="/tmp/../../outside"))
    monkeypatch.chdir(work)
    assert main(["run", "s.yaml"]) == 0
    written = files_under(tmp_path)
    assert written == {"deep/work/s.yaml", "deep/work/outputs/escape/results.h5",
                       "deep/work/outputs/escape/tmp_.._.._outside.png"}


def test_sweep_and_calibration_names_give_folders_inside_the_outputs(tmp_path):
    spec = load_spec(textwrap.dedent(f"""\
        sweep: ../../../escape
        scenario: {ROOT / 'scenarios' / 'teacup.yaml'}
        parameters: {{room_temperature: {{range: [60, 80]}}}}
        outputs: {{metrics: {{final: {{variable: teacup_temperature, at: 30}}}}}}
        """))
    assert default_output(spec) == Path("outputs/escape/sweep.h5")
    assert output_folder("/etc") == Path("outputs/etc")


def test_an_xmile_and_a_yaml_model_of_one_name_keep_apart(tmp_path):
    yaml_model = engine.load(ROOT / "scenarios" / "teacup.yaml").model
    xmile = tmp_path / "teacup.xmile"
    main(["export", str(ROOT / "scenarios" / "teacup.yaml"), "-o", str(xmile)])
    xmile_model = engine.load(xmile).model
    assert yaml_model.name == xmile_model.name == "teacup"
    assert run_folder(yaml_model) == Path("outputs/teacup")
    assert run_folder(xmile_model) == Path("outputs/teacup-xmile")


def test_a_failure_while_writing_leaves_earlier_results_whole(tmp_path, monkeypatch, capsys):
    (tmp_path / "s.yaml").write_text(CUP.format(name="cup", figure="tea"))
    monkeypatch.chdir(tmp_path)
    assert main(["run", "s.yaml"]) == 0
    before = {p: (tmp_path / p).read_bytes() for p in files_under(tmp_path)}

    def broken(loaded, result, folder, **kw):
        (Path(folder) / "half.png").write_bytes(b"half a figure")
        raise RuntimeError("the figure failed half-way")
    monkeypatch.setattr(figures, "report_figures", broken)
    monkeypatch.setenv("CARBONLOOP_REPORTS", str(tmp_path.parent / "reports"))
    (tmp_path / "s.yaml").write_text(CUP.format(name="cup", figure="tea").replace("180", "150"))
    assert main(["run", "s.yaml"]) == 3
    assert "internal error: RuntimeError: the figure failed half-way" in capsys.readouterr().err
    after = {p: (tmp_path / p).read_bytes() for p in files_under(tmp_path)}
    before["s.yaml"] = after["s.yaml"]
    assert after == before          # the earlier results.h5 and figure are untouched, nothing half-written
