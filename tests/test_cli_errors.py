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
