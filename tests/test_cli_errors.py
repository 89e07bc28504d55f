"""The command line's exit statuses: 2 for bad input, 3 and one line for a defect of the engine."""
from engine import cli
from engine.commands import core


def test_an_internal_error_prints_one_line_and_writes_a_report(tmp_path, monkeypatch, capsys):
    def broken(path):
        raise ZeroDivisionError("a defect deep inside")
    monkeypatch.setattr(core, "load", broken)
    monkeypatch.setenv("CARBONLOOP_REPORTS", str(tmp_path / "reports"))
    code = cli.main(["validate", "whatever.yaml"])
    err = capsys.readouterr().err
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("carbonloop: internal error: ZeroDivisionError: a defect deep inside")
    reports = list((tmp_path / "reports").iterdir())
    assert len(reports) == 1 and str(reports[0]) in lines[0]
    text = reports[0].read_text()
    assert "Traceback" in text and "ZeroDivisionError: a defect deep inside" in text and "broken" in text


def test_a_report_that_cannot_be_written_still_gives_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(core, "load", lambda path: [][1])
    monkeypatch.setenv("CARBONLOOP_REPORTS", str(blocker / "reports"))
    assert cli.main(["validate", "x.yaml"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: IndexError" in err and "no report could be written" in err


def test_bad_input_is_status_2_and_names_the_file(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert "missing.yaml" in err and "file not found" in err


def test_a_time_step_of_zero_on_the_command_line_is_refused(tmp_path, capsys, monkeypatch):
    from conftest import ROOT
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(ROOT / "scenarios" / "teacup.yaml"), "--dt", "0"]) == 2
    assert "time step dt must be positive, got 0" in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists()


def test_run_and_validate_find_the_default_scenario_from_any_folder(tmp_path, capsys, monkeypatch):
    from conftest import ROOT
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "model 'default'" in out and out.startswith(str(ROOT / "scenarios" / "default.yaml") + ": OK")


def test_importing_the_package_has_no_side_effects():
    import subprocess
    import sys

    from conftest import ROOT
    code = ("import sys, engine; print('matplotlib' in sys.modules, callable(engine), "
            "type(engine).__name__, hasattr(engine, 'sweep') and callable(engine.sweep))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "module", "True"]
    # drawing figures uses matplotlib's Figure objects: no pyplot, no backend chosen for the caller
    code = ("import sys, matplotlib, engine.sweeps.figures, engine.calibration.figures, engine.dominance.figures\n"
            "from engine.outputs.canvas import subplots\n"
            "fig, ax = subplots(figsize=(2, 2))\nax.plot([0, 1])\nfig.savefig(sys.argv[1])\n"
            "raw = dict.__getitem__(matplotlib.rcParams, 'backend')\n"
            "print('matplotlib.pyplot' in sys.modules, isinstance(raw, str))")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([sys.executable, "-c", code, f"{d}/f.png"], cwd=ROOT, capture_output=True, text=True,
                             check=True)
    assert out.stdout.split() == ["False", "False"]      # no pyplot, and the backend still unchosen


def test_provenance_names_the_git_commit_of_a_checkout():
    import subprocess

    from conftest import ROOT

    from engine.model.provenance import git_commit
    if not (ROOT / ".git").exists():
        import pytest
        pytest.skip("not a git checkout")
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    import engine
    r = engine.load(ROOT / "scenarios" / "teacup.yaml").run()
    assert git_commit() == head and r.provenance["engine_commit"] == head


def test_a_long_run_reports_its_progress_step_by_step():
    from conftest import ROOT

    import engine
    from engine.run import run_kernel

    class Recorder:
        chunk = 7
        seen: list = []

        def __call__(self, k):
            self.seen.append(k)
    m = engine.load(ROOT / "scenarios" / "teacup.yaml")
    rec = Recorder()
    run_kernel(m.kernel(), None, None, True, rec)
    n = m.model.time.n_steps
    assert rec.seen == sorted(rec.seen) and rec.seen[-1] == n + 1 and len(rec.seen) == -(-(n + 1) // 7)


def test_an_output_path_that_is_a_folder_or_goes_through_a_file_is_refused(tmp_path, capsys):
    from conftest import MODELS
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("not a folder")
    for out, says in ((tmp_path / "folder", "the output path is a folder"),
                      (tmp_path / "file" / "r.h5", "which is a file, not a folder")):
        assert cli.main(["run", str(MODELS / "goal_seeking.yaml"), "-o", str(out), "--no-figures"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("carbonloop: error: ") and says in err and str(out) in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file", "folder"]
