"""Bad XMILE input: one clear message naming file, variable and construct; exit status 2."""
import pytest

from engine.cli import main

NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"


def run(tmp_path, text, capsys, name="bad.xmile"):
    p = tmp_path / name
    p.write_text(text)
    status = main(["validate", str(p)])
    return status, capsys.readouterr().err


def model(variables):
    return (f'<xmile version="1.0" xmlns="{NS}"><sim_specs><start>0</start><stop>5</stop><dt>1</dt>'
            f"</sim_specs><model><variables>{variables}</variables></model></xmile>")


def test_not_xml(tmp_path, capsys):
    status, err = run(tmp_path, "stock: this is YAML, not XML", capsys)
    assert status == 2 and "bad.xmile" in err and "not an XML file" in err


def test_xml_that_is_not_xmile(tmp_path, capsys):
    status, err = run(tmp_path, "<html><body/></html>", capsys)
    assert status == 2 and "not XMILE" in err and "<html>" in err


def test_unknown_builtin(tmp_path, capsys):
    status, err = run(tmp_path, model('<aux name="Price"><eqn>FROBNICATE(3)</eqn></aux>'), capsys)
    assert status == 2 and "bad.xmile" in err and "'Price'" in err and "FROBNICATE" in err


@pytest.mark.parametrize("variables, construct", [
    ('<stock name="q"><eqn>1</eqn><queue/></stock><aux name="v"><eqn>q[1]</eqn></aux>', "batches of a queue"),
    ('<stock name="v"><eqn>1</eqn><conveyor><len>2</len><arrest>1</arrest></conveyor></stock>', "arrest"),
    ('<aux name="v"><eqn>GAMMA(2, 1)</eqn></aux>', "GAMMA"),
    ('<aux name="v"><eqn>SINWAVE(1, 12)</eqn></aux>', "SINWAVE"),
    ('<aux name="v"><eqn>PERCENT(0.5)</eqn></aux>', "PERCENT"),
    ('<aux name="v"><eqn>DERIVN(TIME, 1)</eqn></aux>', "DERIVN"),
])
def test_unsupported_construct_is_named(tmp_path, capsys, variables, construct):
    status, err = run(tmp_path, model(variables), capsys)
    assert status == 2 and "unsupported XMILE construct" in err and construct in err and "'v'" in err


def test_a_subscript_on_a_scalar_is_named(tmp_path, capsys):
    status, err = run(tmp_path, model('<aux name="v"><eqn>x[1, 2]</eqn></aux><aux name="x"><eqn>1</eqn></aux>'),
                      capsys)
    assert status == 2 and "'x' is not arrayed; it takes no subscripts" in err and "'v'" in err


def test_unsupported_method(tmp_path, capsys):
    text = model('<aux name="a"><eqn>1</eqn></aux>').replace("<sim_specs>", '<sim_specs method="RK45">')
    status, err = run(tmp_path, text, capsys)
    assert status == 2 and "RK45" in err


def test_syntax_error_names_variable(tmp_path, capsys):
    status, err = run(tmp_path, model('<aux name="Cost"><eqn>(1 + </eqn></aux>'), capsys)
    assert status == 2 and "'Cost'" in err and "syntax error" in err


def test_unknown_name(tmp_path, capsys):
    status, err = run(tmp_path, model('<aux name="Cost"><eqn>price * 2</eqn></aux>'), capsys)
    assert status == 2 and "unknown name 'price'" in err


def test_unknown_tag_is_not_dropped(tmp_path, capsys):
    status, err = run(tmp_path, model('<aux name="a"><eqn>1</eqn></aux><widget name="w"/>'), capsys)
    assert status == 2 and "<widget>" in err
