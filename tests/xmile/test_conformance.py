"""The conformance runner over the public XMILE test models: the whole SDXorg/test-models suite (MIT
licence), read in place from shared/test-models beside the repository, never copied into it.

Every XMILE and Stella model of the suite that has a canonical output must pass, except those listed
below with the reason each does not: a fault of the test file itself ('defect') or a construct the
engine does not support ('unsupported'). A model that newly fails, or a listed one that starts to
pass, fails the test, so that the list stays the truth. The suite's Vensim (.mdl) models are outside
XMILE conformance (the engine reads XMILE and Stella files).
"""
import pytest
from conftest import TEST_MODELS, needs

from engine.cli import main
from engine.conformance import check, find_models, read_output

SUITE = TEST_MODELS

_MACRO = "it calls a macro whose <macro> definition the file does not contain"
_MACROS = "it calls macros whose <macro> definitions the file does not contain"
_UNKNOWN = "the file holds literal '???' equations"
# (status, reason) of every model of the suite that does not pass, by path inside the suite
EXPECTED = {
    "tests/active_initial/test_active_initial.stmx": ("defect", "its XMILE lost the ACTIVE INITIAL"),
    "tests/active_initial/test_active_initial.xmile": ("defect", "its XMILE lost the ACTIVE INITIAL"),
    "tests/logicals/test_logicals.stmx": ("defect", "(NOT written after its operand)"),
    "tests/macro_expression/test_macro_expression.stmx": ("defect", _MACRO),
    "tests/macro_expression/test_macro_expression.xmile": ("defect", _MACRO),
    "tests/macro_multi_expression/test_macro_multi_expression.stmx": ("defect", _MACROS),
    "tests/macro_multi_expression/test_macro_multi_expression.xmile": ("defect", _MACROS),
    "tests/macro_multi_macros/test_macro_multi_macros.stmx": ("defect", _MACROS),
    "tests/macro_multi_macros/test_macro_multi_macros.xmile": ("defect", _MACROS),
    "tests/macro_stock/test_macro_stock.stmx": ("defect", _MACRO),
    "tests/macro_stock/test_macro_stock.xmile": ("defect", _MACRO),
    "tests/smooth_and_stock/test_smooth_and_stock.stmx": ("defect", "columns that its XMILE file does not define"),
    "tests/smooth_and_stock/test_smooth_and_stock.xmile": ("defect", "columns that its XMILE file does not define"),
    "tests/subscript_1d_arrays/test_subscript_1d_arrays.stmx": ("defect", _UNKNOWN),
    "tests/subscript_1d_arrays/test_subscript_1d_arrays.xmile": ("defect", _UNKNOWN),
    "tests/subscript_constant_call/test_subscript_constant_call.stmx": ("defect", _UNKNOWN),
    "tests/subscript_constant_call/test_subscript_constant_call.xmile": ("defect", _UNKNOWN),
    "tests/subscript_mixed_assembly/test_subscript_mixed_assembly.stmx": ("defect", _UNKNOWN),
    "tests/subscript_mixed_assembly/test_subscript_mixed_assembly.xmile": ("defect", _UNKNOWN),
    "tests/subscript_multiples/test_multiple_subscripts.stmx": ("defect", _UNKNOWN),
    "tests/subscript_multiples/test_multiple_subscripts.xmile": ("defect", _UNKNOWN),
    "tests/subscript_subranges/test_subscript_subrange.stmx": ("defect", _UNKNOWN),
    "tests/subscript_subranges/test_subscript_subrange.xmile": ("defect", _UNKNOWN),
    "tests/subscript_subranges_equal/test_subscript_subrange_equal.stmx": ("defect", _UNKNOWN),
    "tests/subscript_subranges_equal/test_subscript_subrange_equal.xmile": ("defect", _UNKNOWN),
    "tests/subscript_updimensioning/test_subscript_updimensioning.stmx": ("defect", _UNKNOWN),
    "tests/subscript_updimensioning/test_subscript_updimensioning.xmile": ("defect", _UNKNOWN),
    "tests/subscripted_flows/test_subscripted_flows.stmx": ("defect", _UNKNOWN),
    "tests/subscripted_flows/test_subscripted_flows.xmile": ("defect", _UNKNOWN),
    "tests/zeroled_decimals/test_zeroled_decimals.xmile": ("defect", "it declares RK4 but its output was "
                                                                     "computed with Euler"),
}
# model files of the suite with no canonical output beside them: nothing to compare, not run
NO_OUTPUT = {
    "samples/arrays/a2a/a2a.stmx", "samples/arrays/non-a2a/non-a2a-gf.stmx",
    "samples/arrays/non-a2a/non-a2a.stmx", "samples/display/1style.stmx",
    "samples/display/multipoint-connection.stmx",
}

XMILE = (".xmile", ".stmx")         # the .mdl files are tests/vensim's


@pytest.fixture(scope="module")
def outcomes():
    return {p.relative_to(SUITE).as_posix(): check(p) for p in find_models(SUITE) if p.suffix.lower() in XMILE}


@needs(SUITE)
def test_every_model_of_the_suite_passes_or_is_listed_with_its_reason(outcomes):
    everything = {p.relative_to(SUITE).as_posix() for p in SUITE.rglob("*")
                  if p.suffix.lower() in (".xmile", ".stmx") and p.is_file()}
    assert everything - set(outcomes) == NO_OUTPUT
    assert {p.relative_to(SUITE).as_posix() for p in find_models(SUITE) if p.suffix.lower() in XMILE} == set(outcomes)
    not_passing = {k: (o.status, o.detail) for k, o in outcomes.items() if o.status != "pass"}
    assert set(not_passing) == set(EXPECTED), (set(not_passing) ^ set(EXPECTED))
    for k, (status, reason) in EXPECTED.items():
        assert not_passing[k][0] == status and reason in not_passing[k][1], (k, not_passing[k])
    for must in ("samples/teacup/teacup.xmile", "samples/bpowers-hares_and_lynxes_modules/model.stmx",
                 "tests/subscripted_trig/test_subscripted_trig.xmile"):          # 2-D arrays
        assert outcomes[must].status == "pass"
    assert sum(o.status == "pass" for o in outcomes.values()) >= 68      # as many as the suite's copy passed


@needs(SUITE)
def test_the_command_reports_the_suite(capsys):
    assert main(["conformance", str(SUITE / "samples" / "teacup")]) == 0
    out = capsys.readouterr().out
    assert "teacup.xmile" in out and " pass " in out and "fail" not in out.replace("0 fail", "")


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
