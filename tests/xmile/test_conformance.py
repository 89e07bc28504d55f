"""The conformance runner over the public XMILE test models (tests/data/test-models, a subset of
SDXorg/test-models under its MIT licence)."""
from pathlib import Path

from engine.cli import main
from engine.conformance import read_output, run_suite

SUITE = Path(__file__).resolve().parents[1] / "data" / "test-models"


def test_every_supported_model_passes(capsys):
    status = main(["conformance", str(SUITE)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert " fail " not in out.replace("0 fail", "")
    assert "teacup.xmile" in out


def test_outcomes_are_classified():
    outcomes = {o.path.relative_to(SUITE).as_posix(): o for o in run_suite(SUITE)}
    assert outcomes["samples/teacup/teacup.xmile"].status == "pass"
    assert outcomes["samples/bpowers-hares_and_lynxes_modules/model.stmx"].status == "pass"
    assert outcomes["tests/subscripted_flows/test_subscripted_flows.xmile"].status == "defect"
    assert outcomes["tests/smooth_and_stock/test_smooth_and_stock.xmile"].status == "defect"
    assert outcomes["tests/subscripted_trig/test_subscripted_trig.xmile"].status == "pass"     # 2-D arrays
    assert {o.status for o in outcomes.values()} <= {"pass", "unsupported", "defect"}


def test_a_failing_model_fails(tmp_path, capsys):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "m.xmile").write_text(
        '<xmile xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"><sim_specs><start>0</start>'
        '<stop>2</stop><dt>1</dt></sim_specs><model><variables><aux name="Growth Rate"><eqn>TIME</eqn>'
        '</aux></variables></model></xmile>')
    (tmp_path / "m" / "output.csv").write_text("Time,growth rate\n0,0\n1,1\n2,2.5\n")
    assert main(["conformance", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "fail" in out and "growth rate" in out


def test_tab_output_with_cr_line_ends(tmp_path):
    p = tmp_path / "output.tab"
    p.write_bytes(b"Time\tA b\r0\t1\r1\t2\r")
    times, cols = read_output(p)
    assert list(times) == [0, 1] and list(cols["A b"]) == [1, 2]
