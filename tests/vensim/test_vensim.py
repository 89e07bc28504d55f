"""The Vensim .mdl reader: its dialect, names, sections, functions, macros and data, checked
against closed forms; and the SDXorg suite (read in place from ../shared/test-models) against
Vensim's own outputs, directly and after conversion to YAML and XMILE."""
import re
from pathlib import Path

import numpy as np
import pytest

from engine import lang as ex
from engine.api import Loaded, load
from engine.cli import main
from engine.conformance import _data_of, _match_key, check, find_models
from engine.errors import ModelError
from engine.frontends.vensim import read
from engine.frontends.vensim.errors import Unsupported
from engine.frontends.vensim.names import key
from engine.lang.vensim import parse

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT.parent / "shared" / "test-models"
needs_suite = pytest.mark.skipif(not SUITE.is_dir(), reason=f"the SDXorg test models are not at {SUITE}")

CONTROL = """
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = {stop} ~ Month ~ |
TIME STEP = {dt} ~ Month [0,?] ~ |
SAVEPER = TIME STEP ~ Month ~ |
"""

# every .mdl model of the suite with an output that carbonloop reproduces at rtol 1e-5
PASSING = {
    "samples/Roessler_Chaos/roessler_chaos.mdl",      # in single precision, as its output was computed
    "samples/simple_harmonic_oscillator/simple_harmonic_oscillator.mdl",
    "samples/teacup/teacup.mdl",
    "samples/teacup/teacup_mdl.mdl",
    "tests/abs/test_abs.mdl",
    "tests/active_initial/test_active_initial.mdl",
    "tests/active_initial_circular/test_active_initial_circular.mdl",
    "tests/allocate_by_priority/test_allocate_by_priority.mdl",
    "tests/arguments/test_arguments.mdl",
    "tests/arithmetics/test_arithmetics.mdl",
    "tests/arithmetics_exp/test_arithmetics_exp.mdl",
    "tests/control_vars/test_control_vars.mdl",
    "tests/array_with_line_break/test_array_with_line_break.mdl",
    "tests/builtin_max/builtin_max.mdl",
    "tests/case_sensitive_extension/teacup-upper.MDL",
    "tests/chained_initialization/test_chained_initialization.mdl",
    "tests/conditional_subscripts/test_conditional_subscripts.mdl",
    "tests/constant_expressions/test_constant_expressions.mdl",
    "tests/data_from_other_model/model_to_generate_data.mdl",
    "tests/data_from_other_model/test_data_from_other_model.mdl",
    "tests/delay_fixed/test_delay_fixed.mdl",
    "tests/delay_numeric_error/test_delay_numeric_error.mdl",
    "tests/delay_parentheses/test_delay_parentheses.mdl",
    "tests/delay_pipeline/test_pipeline_delays.mdl",
    "tests/delays/test_delays.mdl",
    "tests/dynamic_final_time/test_dynamic_final_time.mdl",
    "tests/elm_count/test_elm_count.mdl",
    "tests/euler_step_vs_saveper/test_euler_step_vs_saveper.mdl",
    "tests/except/test_except.mdl",
    "tests/except_multiple/test_except_multiple.mdl",
    "tests/except_subranges/test_except_subranges.mdl",
    "tests/exp/test_exp.mdl",
    "tests/exponentiation/exponentiation.mdl",
    "tests/forecast/test_forecast.mdl",
    "tests/fully_invalid_names/test_fully_invalid_names.mdl",
    "tests/function_capitalization/test_function_capitalization.mdl",
    "tests/game/test_game.mdl",
    "tests/get_constants_incomplete_subscript/test_get_constants_incomplete_subscript.mdl",
    "tests/get_constants_subranges/test_get_constants_subranges.mdl",
    "tests/get_data_args_3d_xls/test_get_data_args_3d_xls.mdl",
    "tests/get_lookups_data_3d_xls/test_get_lookups_data_3d_xls.mdl",
    "tests/get_lookups_subscripted_args/test_get_lookups_subscripted_args.mdl",
    "tests/get_lookups_subset/test_get_lookups_subset.mdl",
    "tests/get_mixed_definitions/test_get_mixed_definitions.mdl",
    "tests/get_subscript_3d_arrays_xls/test_get_subscript_3d_arrays_xls.mdl",
    "tests/get_time_value/test_get_time_value_simple.mdl",
    "tests/get_values_order/test_get_values_order.mdl",
    "tests/get_with_missing_values_xlsx/test_get_with_missing_values_xlsx.mdl",
    "tests/get_xls_cellrange/test_get_xls_cellrange.mdl",
    "tests/input_functions/test_inputs.mdl",
    "tests/invert_matrix/test_invert_matrix.mdl",
    "tests/limits/test_limits.mdl",
    "tests/line_breaks/test_line_breaks.mdl",
    "tests/log/test_log.mdl",
    "tests/logicals/test_logicals.mdl",
    "tests/lookups/test_lookups.mdl",
    "tests/lookups_funcnames/test_lookups_funcnames.mdl",
    "tests/lookups_inline/test_lookups_inline.mdl",
    "tests/lookups_inline_bounded/test_lookups_inline_bounded.mdl",
    "tests/lookups_inline_spaces/test_lookups_inline_spaces.mdl",
    "tests/lookups_with_expr/test_lookups_with_expr.mdl",
    "tests/lookups_without_range/test_lookups_without_range.mdl",
    "tests/macro_cross_reference/test_macro_cross_reference.mdl",
    "tests/macro_expression/test_macro_expression.mdl",
    "tests/macro_multi_expression/test_macro_multi_expression.mdl",
    "tests/macro_multi_macros/test_macro_multi_macros.mdl",
    "tests/macro_stock/test_macro_stock.mdl",
    "tests/macro_trailing_definition/test_macro_trailing_definition.mdl",
    "tests/model_doc/model_doc.mdl",
    "tests/multiple_lines_def/test_multiple_lines_def.mdl",
    "tests/na/test_na.mdl",
    "tests/nested_functions/test_nested_functions.mdl",
    "tests/number_handling/test_number_handling.mdl",
    "tests/odd_number_quotes/teacup_3quotes.mdl",
    "tests/parentheses/test_parens.mdl",
    "tests/partial_range_definitions/test_partial_range_definitions.mdl",
    "tests/power/power.mdl",
    "tests/reference_capitalization/test_reference_capitalization.mdl",
    "tests/reality_checks/test_reality_checks.mdl",
    "tests/repeated_subscript/test_repeated_subscript.mdl",
    "tests/rounding/test_rounding.mdl",
    "tests/sample_if_true/test_sample_if_true.mdl",
    "tests/smaller_range/test_smaller_range.mdl",
    "tests/smooth/test_smooth.mdl",
    "tests/smooth_and_stock/test_smooth_and_stock.mdl",
    "tests/special_characters/test_special_variable_names.mdl",
    "tests/sqrt/test_sqrt.mdl",
    "tests/subrange_merge/test_subrange_merge.mdl",
    "tests/subscript_1d_arrays/test_subscript_1d_arrays.mdl",
    "tests/subscript_2d_arrays/test_subscript_2d_arrays.mdl",
    "tests/subscript_3d_arrays/test_subscript_3d_arrays.mdl",
    "tests/subscript_3d_arrays_lengthwise/test_subscript_3d_arrays_lengthwise.mdl",
    "tests/subscript_3d_arrays_widthwise/test_subscript_3d_arrays_widthwise.mdl",
    "tests/subscript_aggregation/test_subscript_aggregation.mdl",
    "tests/subscript_constant_call/test_subscript_constant_call.mdl",
    "tests/subscript_copy/test_subscript_copy.mdl",
    "tests/subscript_copy/test_subscript_copy2.mdl",
    "tests/subscript_definition/test_subscript_definition.mdl",
    "tests/subscript_docs/subscript_docs.mdl",
    "tests/subscript_element_name/test_subscript_element_name.mdl",
    "tests/subscript_individually_defined_1_of_2d_arrays/subscript_individually_defined_1_of_2d_arrays.mdl",
    "tests/subscript_individually_defined_1_of_2d_arrays_from_floats/subscript_individually_defined_1_of_2d_arrays_from_floats.mdl",
    "tests/subscript_individually_defined_stocks/test_subscript_individually_defined_stocks.mdl",
    "tests/subscript_logicals/test_subscript_logicals.mdl",
    "tests/subscript_mapping_simple/test_subscript_mapping_simple.mdl",
    "tests/subscript_mapping_vensim/test_subscript_mapping_vensim.mdl",
    "tests/subscript_mixed_assembly/test_subscript_mixed_assembly.mdl",
    "tests/subscript_multiples/test_multiple_subscripts.mdl",
    "tests/subscript_numeric_range/test_subscript_numeric_range.mdl",
    "tests/subscript_selection/subscript_selection.mdl",
    "tests/subscript_subranges/test_subscript_subrange.mdl",
    "tests/subscript_subranges_equal/test_subscript_subrange_equal.mdl",
    "tests/subscript_switching/subscript_switching.mdl",
    "tests/subscript_transposition/test_subscript_transposition.mdl",
    "tests/subscript_updimensioning/test_subscript_updimensioning.mdl",
    "tests/subscripted_delays/test_subscripted_delays.mdl",
    "tests/subscripted_flows/test_subscripted_flows.mdl",
    "tests/subscripted_if_then_else/test_subscripted_if_then_else.mdl",
    "tests/subscripted_logicals/test_subscripted_logicals.mdl",
    "tests/subscripted_lookups/test_subscripted_lookups.mdl",
    "tests/subscripted_ramp_step/test_subscripted_ramp_step.mdl",
    "tests/subscripted_round/test_subscripted_round.mdl",
    "tests/subscripted_smooth/test_subscripted_smooth.mdl",
    "tests/subscripted_trend/test_subscripted_trend.mdl",
    "tests/subscripted_trig/test_subscripted_trig.mdl",
    "tests/subscripted_xidz/test_subscripted_xidz.mdl",
    "tests/tabbed_arrays/tabbed_arrays.mdl",
    "tests/subset_duplicated_coord/test_subset_duplicated_coord.mdl",
    "tests/time/test_time.mdl",
    "tests/trend/test_trend.mdl",
    "tests/unchangeable_constant/test_unchangeable_constant.mdl",
    "tests/unicode_characters/unicode_test_model.mdl",
    "tests/variable_ranges/test_variable_ranges.mdl",
    "tests/vector_order/test_vector_order.mdl",
    "tests/vector_select/test_vector_select.mdl",
    "tests/with_lookup/test_with_lookup.mdl",
    "tests/xidz_zidz/xidz_zidz.mdl",
    "tests/zeroled_decimals/test_zeroled_decimals.mdl",
}
# the rest, with their outcome and the reason each does not pass
NOT_PASSING = {
    "samples/Query_file/Query_file.mdl":
        ("unsupported", "random draws: its output holds draws of the generator of the tool that made it"),
    # Vensim stops its search for the priority level short of the exact one (docs/vensim.md)
    "tests/allocate_available/test_allocate_available.mdl": ("fail", "in 'allocation mixed[Dayton,B,small]'"),
}


def model(tmp_path, body: str, stop=10, dt=1, name="m.mdl") -> Path:
    """A .mdl file of ``body`` and a control section."""
    p = tmp_path / name
    p.write_text("{UTF-8}\n" + body + CONTROL.format(stop=stop, dt=dt))
    return p


def run(path, **kw):
    """A model's result on the numpy backend."""
    return Loaded(read(path, **kw)).run(check=False, backend="numpy")


# ---------------------------------------------------------------- dialect and names
def test_names_are_case_and_space_insensitive():
    assert key("Room  Temperature") == key("room_temperature") == key('"Room Temperature"') == "room temperature"


def test_the_dialect_reads_vensim_operators():
    tree, _ = parse("a :AND: :NOT: b = c :OR: d <> 2")
    assert tree == parse("(a :AND: (:NOT: (b = c))) :OR: (d <> 2)")[0] or ex.same(
        tree, parse("(a :AND: (:NOT: (b = c))) :OR: (d <> 2)")[0])
    assert ex.same(parse("-2^2")[0], ex.Unary(0, "-", ex.Bin(0, "^", ex.Num(0, 2), ex.Num(0, 2))))
    call = parse("IF THEN ELSE(Time > 5, :NA:, Room Temperature)")[0]
    assert call.fn == "if then else" and call.args[2] == ex.Name(call.args[2].pos, "room temperature")
    assert np.isnan(call.args[1].value)


def test_with_lookup_and_get_keep_what_the_tree_cannot_hold():
    tree, extras = parse("WITH LOOKUP(x, ([(0,0)-(2,4)], (0,0), (1,2), (2,-4)))")
    assert tree.fn == "with lookup" and extras[0].points == ((0, 0), (1, 2), (2, -4))
    assert extras[0].xrange == (0, 2)
    tree, extras = parse("GET DIRECT DATA('a b.csv', ',', 'A', 'B2')")
    assert extras[0].args == ("a b.csv", ",", "A", "B2")


# ---------------------------------------------------------------- sections and elements
def test_units_ranges_documentation_groups_and_lines(tmp_path):
    p = model(tmp_path, """
********************************************************
	.Economy
********************************************************~
		Money matters.
	|

Growth Rate = 0.1
	~	1/Month [0, 0.5, 0.01]
	~	How fast it grows.
	|
"Cash Stock" = INTEG(Growth Rate * "Cash Stock", 100) ~ $ ~ cash |
""")
    m = read(p)
    g = m.elements["Growth_Rate"]
    assert g.kind == "parameter" and g.units == "1/Month" and g.range == (0, 0.5)
    assert g.doc == "How fast it grows." and "Economy" in g.source and g.where.line == 9
    assert g.label == "Growth Rate"
    s = m.elements["Cash_Stock"]
    assert s.kind == "stock" and s.where.line == 13 and m.time.units == "Month"
    r = run(p)
    assert np.allclose(r["Cash_Stock"][:, 0], 100 * 1.1 ** np.arange(11))


def test_flows_of_a_stock_are_its_rate_terms(tmp_path):
    p = model(tmp_path, "s = INTEG(birth - death, 10) ~~|\nbirth = 2 + 0 * s ~~|\ndeath = s / 5 ~~|\n")
    s = read(p).elements["s"]
    assert s.inflows == ("birth",) and s.outflows == ("death",)


def test_a_lookup_and_its_variants(tmp_path):
    p = model(tmp_path, """
tab( [(0,0)-(10,20)], (0,0), (10,20) ) ~~|
plain( (0,5), (10,15) ) ~~|
a = tab(Time) ~~|
b = LOOKUP EXTRAPOLATE(tab, Time + 5) ~~|
c = LOOKUP INVERT(tab, Time) ~~|
d = plain(Time) + tab(100) ~~|
""")
    r = run(p)
    t = np.arange(11.0)
    assert np.allclose(r["a"][:, 0], 2 * t)
    assert np.allclose(r["b"][:, 0], 2 * (t + 5))       # extrapolated past x = 10
    assert np.allclose(r["c"][:, 0], t / 2)
    assert np.allclose(r["d"][:, 0], 5 + t + 20)        # held at the last point


def test_integer_modulo_quantum_and_log(tmp_path):
    p = model(tmp_path, """
x = Time - 5.5 ~~|
i = INTEGER(x) ~~|
mo = MODULO(x, 3) ~~|
q = QUANTUM(x, 2) ~~|
l = LOG(8, 2) + 0 * Time ~~|
""")
    r = run(p)
    x = np.arange(11.0) - 5.5
    assert np.allclose(r["i"][:, 0], np.trunc(x))
    assert np.allclose(r["mo"][:, 0], np.fmod(x, 3))
    assert np.allclose(r["q"][:, 0], 2 * np.trunc(x / 2))
    assert np.allclose(r["l"][:, 0], 3)


def test_sample_if_true_holds_the_last_sample(tmp_path):
    p = model(tmp_path, "s = SAMPLE IF TRUE(MODULO(Time, 3) = 0, Time * 10, -1) ~~|\n")
    r = run(p)
    assert list(r["s"][:, 0]) == [0, 0, 0, 30, 30, 30, 60, 60, 60, 90, 90]


def test_active_initial_breaks_an_initial_loop(tmp_path):
    p = model(tmp_path, "a = ACTIVE INITIAL(s * 2, 7) ~~|\ns = INTEG(1, a) ~~|\n")
    r = run(p)
    assert r["s"][0, 0] == 7 and r["a"][0, 0] == 14


def test_a_macro_called_twice_keeps_two_states(tmp_path):
    p = model(tmp_path, """
:MACRO: ACCUMULATE(rate)
ACCUMULATE = INTEG(rate, 0) ~ ~ |
:END OF MACRO:
one = ACCUMULATE(1) ~~|
two = ACCUMULATE(2) ~~|
""")
    r = run(p)
    t = np.arange(11.0)
    assert np.allclose(r["one"][:, 0], t) and np.allclose(r["two"][:, 0], 2 * t)


def test_delay_n_lowers_its_order_to_the_time_step(tmp_path):
    # a delay of 2.5 steps cannot have 3 stages of at least one step: Vensim uses 2
    body = "x = STEP(1, 2) ~~|\nd3 = DELAY N(x, 2.5, 0, 3) ~~|\nd2 = DELAY N(x, 2.5, 0, 2) ~~|\n"
    r = run(model(tmp_path, body))
    assert np.allclose(r["d3"][:, 0], r["d2"][:, 0])


def test_delay_fixed_rounds_its_delay_to_whole_steps(tmp_path):
    r = run(model(tmp_path, "x = Time ~~|\nd = DELAY FIXED(x, 2.5, -1) ~~|\n"))
    assert list(r["d"][:, 0]) == [-1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7]


# ---------------------------------------------------------------- data
def test_get_direct_data_constants_and_lookups_from_csv(tmp_path):
    (tmp_path / "series.csv").write_text("Time,v\n0,1\n10,21\n")
    (tmp_path / "const.csv").write_text("a,b\n4.5,6\n")
    p = model(tmp_path, """
v := GET DIRECT DATA('series.csv', ',', 'A', 'B2') ~~|
k := GET DIRECT CONSTANTS('const.csv', ',', 'B2') ~~|
tab( GET DIRECT LOOKUPS('series.csv', ',', 'A', 'B2') ) ~~|
w = tab(Time / 2) ~~|
""")
    r = run(p)
    t = np.arange(11.0)
    assert np.allclose(r["v"][:, 0], 1 + 2 * t)
    assert read(p).elements["k"].value == 6
    assert np.allclose(r["w"][:, 0], 1 + t)


def test_get_xls_data_from_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Inputs"
    for i, row in enumerate([("year", 0, 5, 10), ("v", 0, 50, 100)], start=1):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=v)
    wb.save(tmp_path / "in.xlsx")
    p = model(tmp_path, "v := GET XLS DATA('in.xlsx', 'Inputs', '1', 'B2') ~~|\n")
    assert np.allclose(run(p)["v"][:, 0], 10 * np.arange(11.0))


def test_external_data_file(tmp_path, capsys):
    (tmp_path / "ext.csv").write_text("Time,Demand Level\n0,3\n10,13\n")
    p = model(tmp_path, "Demand Level ~ widget ~ |\ny = Demand Level * 2 ~~|\n")
    with pytest.raises(ModelError, match="data variable without an equation"):
        read(p)
    assert np.allclose(run(p, data=tmp_path / "ext.csv")["y"][:, 0], 2 * (3 + np.arange(11.0)))


def test_arrayed_external_data_read_as_each_keyword_says(tmp_path):
    # data at even times 0..10 (value 10 * t, and 10 * t + 1 for element b); a run with dt 1
    rows = ["Time,x[a],x[B],h[a],h[b],f[a],f[b],r[A],r[b]"]
    rows += [",".join([str(t)] + [str(10 * t + j) for _ in range(4) for j in (0, 1)]) for t in range(0, 11, 2)]
    (tmp_path / "run.csv").write_text("\n".join(rows) + "\n")
    p = model(tmp_path, """
d: a, b ~~|
x[d] ~~|
h[d] :HOLD BACKWARD: ~~|
f[d] :LOOK FORWARD: ~~|
r[d] :RAW: ~~|
""")
    r = run(p, data=tmp_path / "run.csv")
    t = np.arange(11.0)
    even = t % 2 == 0
    for j, e in enumerate("ab"):
        assert np.allclose(r[f"x[{e}]"][:, 0], 10 * t + j)                          # interpolated
        assert np.allclose(r[f"h[{e}]"][:, 0], 10 * np.where(even, t, t - 1) + j)   # the last value
        assert np.allclose(r[f"f[{e}]"][:, 0], 10 * np.where(even, t, t + 1) + j)   # the next value
        raw = r[f"r[{e}]"][:, 0]
        assert np.allclose(raw[even], 10 * t[even] + j) and np.isnan(raw[~even]).all()  # missing between


def test_external_data_without_the_variable_names_its_column(tmp_path):
    (tmp_path / "run.csv").write_text("Time,x[a]\n0,1\n10,2\n")
    p = model(tmp_path, "d: a, b ~~|\nx[d] ~~|\n")
    with pytest.raises(ModelError, match=r"the data file run.csv has no column 'x\[b\]'"):
        read(p, data=tmp_path / "run.csv")


def test_a_data_variable_without_its_file_names_the_file_the_settings_load(tmp_path):
    p = model(tmp_path, "Demand ~ widget ~ |\n")
    p.write_text(p.read_text() + "\\\\\\---/// Sketch\n///---\\\\\\\n:L\x7f<%^E!@\n13:history.vdf\n")
    with pytest.raises(ModelError, match="none was given that holds it") as caught:
        read(p)
    assert "the model's settings load history.vdf with a run" in caught.value.hint


def test_settings_name_the_export_file_and_the_data_of_a_run(tmp_path):
    from engine.conformance import _output_of
    from engine.frontends.vensim.sections import settings
    tail = "\\\\\\---/// Sketch information\n///---\\\\\\\n:L\x7f<%^E!@\n1:data.vdf\n9:run\n13:other.vdf\n43:data\n"
    text = model(tmp_path, "x = Time ~~|\n").read_text() + tail
    assert settings(text) == {"1": ["data.vdf"], "9": ["run"], "13": ["other.vdf"], "43": ["data"]}
    p = tmp_path / "m.mdl"
    p.write_text(text)
    for name in ("output.tab", "data.tab", "other.tab"):
        (tmp_path / name).write_text("Time\tx\n0\t0\n")
    assert _output_of(p).name == "data.tab"         # the export file, not the folder's output.tab
    assert _data_of(p).name == "other.tab"          # the .vdf the settings load, as its .tab
    (tmp_path / "data.tab").unlink()
    assert _output_of(p).name == "output.tab"
    # a second model of the folder whose settings export its run to output.tab owns that file
    q = tmp_path / "other.mdl"
    q.write_text(text.replace("43:data", "43:output"))
    assert _output_of(q).name == "output.tab" and _output_of(p) is None


@needs_suite
def test_a_model_beside_another_models_output_has_no_output():
    """tests/get_time_value holds two models and one output.tab, which the simple model's settings
    name as its run's export: the other model (its README's "future model") is not compared with it."""
    from engine.conformance import find_models
    found = {p.name for p in find_models(SUITE / "tests" / "get_time_value")}
    assert found == {"test_get_time_value_simple.mdl"}


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("body, says", [
    ("y = GET DATA MAX(a, 0, 1) ~~|\n", "GET DATA MAX"),
    ("y = TIME SHIFT(t, 1) ~~|\nt = 1 ~~|\n", "TIME SHIFT"),
    ("y = RANDOM BETA(0, 1, 2, 2, 0, 1, 0) ~~|\n", "RANDOM BETA"),
    ("d: a, b ~~|\ny[d] = MATRIX MULTIPLY(x[d], p[d]) ~~|\n", "MATRIX MULTIPLY"),
])
def test_unsupported_functions_are_refused_by_name(tmp_path, body, says):
    with pytest.raises(Unsupported, match=says):
        read(model(tmp_path, body))


def test_every_vensim_function_carbonloop_refuses_is_named(tmp_path):
    """Each function of the library's refusal list is refused as itself (never 'unknown')."""
    from engine.frontends.vensim.library import REFUSED
    for fn in REFUSED:
        with pytest.raises(Unsupported) as e:
            read(model(tmp_path, f"y = {fn.upper()}(1, 2, 3) ~~|\n", name="r.mdl"))
        assert fn.upper() in str(e.value).upper(), fn


# ---------------------------------------------------------------- time settings that are not constants
def controlled(tmp_path, body: str, final="20", step="1", save="TIME STEP", initial="0", name="c.mdl") -> Path:
    """A .mdl file of ``body`` with the given control equations."""
    p = tmp_path / name
    p.write_text("{UTF-8}\n" + body + f"INITIAL TIME = {initial} ~~|\nFINAL TIME = {final} ~~|\n"
                 f"TIME STEP = {step} ~~|\nSAVEPER = {save} ~~|\n")
    return p


def test_a_final_time_of_time_ends_the_run_when_time_reaches_it(tmp_path):
    # x = 2 t passes 7 at t = 4, where FINAL TIME becomes Time: the run is 0..4
    body = "x = Time * 2 ~~|\nhorizon = 100 ~~|\nleft = FINAL TIME - Time ~~|\n"
    p = controlled(tmp_path, body, final="IF THEN ELSE(x > 7, Time, horizon)", step="0.5")
    r = run(p)
    final = next(n for n, e in read(p).elements.items() if e.label == "FINAL TIME")
    assert list(r.times) == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]
    assert list(r[final][:, 0]) == [100] * 8 + [4]
    assert list(r["left"][:, 0]) == list(np.r_[100 - r.times[:-1], 0])


def test_a_time_step_of_time_that_keeps_one_value_is_that_value(tmp_path):
    r = run(controlled(tmp_path, "y = Time ~~|\n", final="10", step="IF THEN ELSE(Time < 50, 0.5, 1)"))
    assert len(r.times) == 21 and r.times[-1] == 10


def test_a_constant_the_time_settings_read_is_not_a_sweeps_to_change(tmp_path):
    p = controlled(tmp_path, "horizon = 8 ~~|\nrate = 2 ~~|\ns = INTEG(rate, 0) ~~|\n", final="horizon")
    loaded = Loaded(read(p))
    r = loaded.run(check=False, backend="numpy", params={"rate": [1, 3]})        # a parameter
    assert r.times[-1] == 8 and list(r["s"][-1]) == [8, 24]
    assert r["horizon"][-1, 0] == 8
    with pytest.raises(ModelError, match="'horizon' is an? auxiliary, not a parameter"):
        loaded.run(check=False, backend="numpy", params={"horizon": [5, 10]})     # it would not move the end


@pytest.mark.parametrize("control, says", [
    (dict(step="IF THEN ELSE(s > 4, 1, 0.5)"), "TIME STEP that depends on the model's state"),
    (dict(save="IF THEN ELSE(s > 4, 1, 5)"), "SAVEPER that depends on the model's state"),
    (dict(initial="IF THEN ELSE(Time < 3, 5, 0.2)"), "INITIAL TIME that depends on Time and gives another start"),
    (dict(initial="s"), "INITIAL TIME that is not a constant"),
    (dict(final="IF THEN ELSE(s > 5, Time, 20)"), "FINAL TIME that depends on the model's state"),
])
def test_time_settings_that_cannot_be_computed_before_the_run_are_refused_by_name(tmp_path, control, says):
    with pytest.raises(Unsupported, match=re.escape(says)):
        read(controlled(tmp_path, "s = INTEG(1, 0) ~~|\n", **control))


def test_a_time_step_of_time_over_a_horizon_too_long_is_the_horizon_refused(tmp_path):
    with pytest.raises(ModelError, match="is 1e\\+12 steps; a run may take at most"):
        read(controlled(tmp_path, "y = 1 ~~|\n", step="IF THEN ELSE(Time < 4, 1, 0.5)", final="1e12"))


# ---------------------------------------------------------------- reality checks
def test_reality_checks_are_set_aside_by_a_simulation(tmp_path):
    p = model(tmp_path, """
d: a, b ~~|
out[d] = w[d] * 2 ~~|
w[d] = 3, 4 ~~|
zero_in[d] :TEST INPUT: w[d] = RC_STEP(w[d], 0) ~~|
none_out[d] :THE CONDITION: zero_in[d] :IMPLIES: out[d] <= RC_STEP_CHECK(0.5, out[d], 1e-4) ~~|
plain :THE CONDITION: w[a] = 0 :IMPLIES: out[a] = 0 ~~|
""")
    m = read(p)
    assert not any("zero" in n or "none" in n or "plain" in n for n in m.elements)
    r = run(p)
    assert list(r["out[a]"][:, 0]) == [6] * 11 and list(r["out[b]"][:, 0]) == [8] * 11


def test_implies_outside_a_reality_check_is_named(tmp_path):
    with pytest.raises(ModelError, match="':IMPLIES:' belongs inside a reality check"):
        read(model(tmp_path, "x :IMPLIES: y = 0 ~~|\n"))


def test_time_step_and_saveper_are_held_in_single_precision(tmp_path):
    # as Vensim holds them (the suite's simple_harmonic_oscillator shows it); a step that single
    # precision holds exactly is unchanged, and the run's times are the steps' own sums
    body = "x = INTEG(1, 0) ~~|\n"
    m = read(model(tmp_path, body, stop=1, dt=0.1))
    assert m.time.dt == float(np.float32(0.1)) != 0.1 and m.time.save_every == 1
    assert read(model(tmp_path, body, stop=1, dt=0.0625, name="b.mdl")).time.dt == 0.0625
    r = run(model(tmp_path, body.replace("1, 0", "TIME STEP, 0"), stop=1, dt=0.1, name="c.mdl"))
    assert r["x"][-1, 0] == pytest.approx(10 * float(np.float32(0.1)) ** 2, rel=1e-12)


PHASED = """x = INTEG(x, 1) ~~|
first x = INITIAL(x) ~~|
step read = TIME STEP * 10 ~~|
INITIAL TIME = 0 ~~|
FINAL TIME = IF THEN ELSE(Time < 2.5, 3, 4) ~~|
TIME STEP = IF THEN ELSE(Time < 2, 1, 0.25) ~~|
SAVEPER = IF THEN ELSE(Time < 3, TIME STEP, 0.5) ~~|
"""


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_time_step_that_changes_during_the_run(tmp_path, backend):
    # Euler on x' = x: two steps of 1 (x = 4 at time 2), then steps of 0.25 to the final time,
    # which moves from 3 to 4 at time 2.5; saved every step until 3, then every 0.5
    p = tmp_path / "phased.mdl"
    p.write_text("{UTF-8}\n" + PHASED)
    m = load(p)
    assert m.model.time.phases == ((0.0, 1.0), (2.0, 0.25))
    r = m.run(backend=backend)
    assert list(r.times) == [0, 1, 2, 2.25, 2.5, 2.75, 3, 3.5, 4]
    expect = [1, 2, 4] + [4 * 1.25 ** k for k in (1, 2, 3, 4, 6, 8)]
    assert np.allclose(r["x"][:, 0], expect, rtol=1e-14)
    assert np.all(r["first_x"] == 1)                    # INITIAL keeps its value across phases
    assert list(r["step_read"][:, 0]) == [10, 10, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5]
    final = {e.label: n for n, e in m.model.elements.items()}["FINAL TIME"]     # (FINAL_TIME is reserved)
    assert list(r[final][:, 0]) == [3, 3, 3, 3, 4, 4, 4, 4, 4]
    assert list(r["SAVEPER"][:, 0]) == [1, 1, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5]
    b = m.run(params={}, n_runs=3, backend=backend)     # a batch: every run the same
    assert np.array_equal(b["x"], np.repeat(r["x"], 3, axis=1))


def test_a_saveper_that_changes_with_one_time_step(tmp_path):
    # one phase: the run is an ordinary run (a pipeline too), its saved times chosen by SAVEPER
    p = tmp_path / "saves.mdl"
    p.write_text("{UTF-8}\nx = INTEG(1, 0) ~~|\nlate = DELAY FIXED(x, 1, 0) ~~|\nINITIAL TIME = 0 ~~|\n"
                 "FINAL TIME = 10 ~~|\nTIME STEP = 0.5 ~~|\nSAVEPER = IF THEN ELSE(Time < 4, 1, 2.5) ~~|\n")
    r = load(p).run(backend="numpy")
    assert list(r.times) == [0, 1, 2, 3, 4, 6.5, 9, 10]
    assert list(r["x"][:, 0]) == list(r.times)
    assert list(r["late"][:, 0]) == [0, 0, 1, 2, 3, 5.5, 8, 9]


def test_what_a_changing_time_step_cannot_carry_is_refused(tmp_path, capsys):
    p = tmp_path / "delayed.mdl"
    p.write_text("{UTF-8}\n" + PHASED + "late = DELAY FIXED(x, 1, 0) ~~|\n")
    with pytest.raises(ModelError, match="time step that changes during the run with a pipeline delay"):
        load(p).run(backend="numpy")
    p = tmp_path / "phased.mdl"
    p.write_text("{UTF-8}\n" + PHASED)
    with pytest.raises(ModelError, match="only a run steps phase by phase"):
        load(p).plan()
    for out in ("m.yaml", "m.xmile"):
        assert main(["convert", str(p), "-o", str(tmp_path / out)]) == 2
        assert "cannot export" in capsys.readouterr().err
    q = tmp_path / "start.mdl"
    q.write_text("{UTF-8}\n" + PHASED.replace("INITIAL TIME = 0", "INITIAL TIME = IF THEN ELSE(Time < 1, 1, 0)"))
    with pytest.raises(ModelError, match="INITIAL TIME that depends on Time and gives another start"):
        load(q)


# ---------------------------------------------------------------- the SDXorg suite
@needs_suite
@pytest.mark.slow
def test_the_suite_conformance():
    outcomes = {p.relative_to(SUITE).as_posix(): check(p, backend="numpy")
                for p in find_models(SUITE) if p.suffix.lower() == ".mdl"}
    passing = {k for k, o in outcomes.items() if o.status == "pass"}
    assert passing == PASSING, {k: outcomes[k].detail for k in passing ^ PASSING if k in outcomes}
    for name, o in outcomes.items():
        if name in PASSING:
            continue
        status, reason = NOT_PASSING[name]
        assert o.status == status and reason in o.detail, (name, o.status, o.detail)


def _printed_digits_off(sim, ref) -> float:
    """The largest difference in units of half the last of the six digits Vensim prints."""
    ok = ref != 0
    half = 0.5 * 10.0 ** (np.floor(np.log10(np.abs(ref[ok]))) - 5)
    return float(np.max(np.abs(sim[ok] - ref[ok]) / half))


@needs_suite
def test_single_precision_outputs_roessler_and_the_oscillators_time_step():
    from engine.conformance import read_output
    # Roessler: Euler in float32 gives every printed digit; a double-precision run does not, and
    # carbonloop's single-precision run is that float32 orbit
    _, ref = read_output(SUITE / "samples" / "Roessler_Chaos" / "output.tab")
    f = np.float32
    a, b, c, dt = f(0.2), f(0.2), f(5.7), f(0.03125)
    x, y, z = f(0.5), f(0.5), f(0.4)
    orbit = []
    for _ in range(3201):
        orbit.append((x, y, z))
        x, y, z = f(x + dt * (-y - z)), f(y + dt * (x + a * y)), f(z + dt * (b + z * (x - c)))
    orbit = np.array(orbit, dtype=float)
    assert max(_printed_digits_off(orbit[:, i], ref[v]) for i, v in enumerate("xyz")) <= 1.0
    path = SUITE / "samples" / "Roessler_Chaos" / "roessler_chaos.mdl"
    double = load(path).run(backend="numpy")
    assert max(_printed_digits_off(double[v][:, 0], ref[v]) for v in "xyz") > 100
    single = load(path).with_time(precision="single").run(backend="numpy")
    assert all(np.array_equal(single[v][:, 0], orbit[:, i]) for i, v in enumerate("xyz"))
    outcome = check(path, backend="numpy")
    assert outcome.status == "pass" and "single precision" in outcome.detail and outcome.worst < 1e-5
    # the oscillator: Euler in double precision with TIME STEP 0.01 as a float32 gives every printed
    # digit; with 0.01 itself the position is 26 half-digits off (the suite's rule fails): the reader
    # holds TIME STEP as Vensim does, so the file passes
    _, ref = read_output(SUITE / "samples" / "simple_harmonic_oscillator" / "output.tab")
    off = {}
    for step in (float(np.float32(0.01)), 0.01):
        pos, speed, saved = 50.0, 0.0, []
        for k in range(5001):
            if k % 10 == 0:
                saved.append(pos)
            pos, speed = pos + step * speed, speed + step * (-0.5 / 10 * pos)
        off[step] = _printed_digits_off(np.array(saved), ref["position"])
    assert off[float(np.float32(0.01))] <= 1.0 and off[0.01] > 25
    outcome = check(SUITE / "samples" / "simple_harmonic_oscillator" / "simple_harmonic_oscillator.mdl",
                    backend="numpy")
    assert outcome.status == "pass" and outcome.worst < 5e-6


# XMILE has no DELAY N whose delay time varies (Vensim's own computation of it), no :NA: (nor the
# missing values of :RAW: data), SAMPLE IF TRUE, QUANTUM or vector and matrix functions, and the export
# writes no arrayed lookup nor a call of one element's lookup
# a time step that changes during the run: neither a scenario nor XMILE has more than one
NO_CONVERSION = {"tests/control_vars/test_control_vars.mdl"}
NO_XMILE_FORM = {
    "tests/allocate_by_priority/test_allocate_by_priority.mdl", "tests/invert_matrix/test_invert_matrix.mdl",
    "tests/vector_order/test_vector_order.mdl", "tests/vector_select/test_vector_select.mdl",
    "tests/data_from_other_model/test_data_from_other_model.mdl",
    "tests/delays/test_delays.mdl", "tests/na/test_na.mdl", "tests/sample_if_true/test_sample_if_true.mdl",
    "tests/get_lookups_data_3d_xls/test_get_lookups_data_3d_xls.mdl",
    "tests/get_lookups_subscripted_args/test_get_lookups_subscripted_args.mdl",
    "tests/get_lookups_subset/test_get_lookups_subset.mdl",
    "tests/partial_range_definitions/test_partial_range_definitions.mdl",
    "tests/subscripted_delays/test_subscripted_delays.mdl",
    "tests/subscripted_lookups/test_subscripted_lookups.mdl",
    "tests/subscripted_round/test_subscripted_round.mdl"}
CHUNKS = 4


@needs_suite
@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_converted_models_run_with_the_same_numbers(tmp_path, chunk, capsys):
    """Every passing model converted to YAML and to XMILE runs with the .mdl's numbers (the suite in
    four parts, each model run once and compared with both conversions)."""
    names = sorted(PASSING)[chunk::CHUNKS]
    left_out = set()
    for name in names:
        src = SUITE / name
        data = _data_of(src)        # the data file its settings load with a run
        a = load(src, data=data)
        ra = a.run(check=False, backend="numpy")
        for suffix in (".yaml", ".xmile"):
            out = tmp_path / (src.stem + suffix)
            status = main(["convert", str(src), "-o", str(out)] + (["--data", str(data)] if data else []))
            said = capsys.readouterr()
            if status == 2 and "cannot export" in said.err:     # refused: it would compute something else
                left_out.add((name, suffix))
                continue
            assert status == 0, said.err
            b = load(out)
            rb = b.run(check=False, backend="numpy")
            same = {_match_key(m): m for m in rb.names}
            for n, el in a.model.elements.items():
                if el.hidden or n not in ra.names:
                    continue
                other = same.get(_match_key(n))
                if other is None:       # a constant auxiliary comes back from XMILE as a parameter
                    value = {_match_key(k): p.value for k, p in b.parameters.items()}[_match_key(n)]
                    assert np.allclose(ra[n][:, 0], value, rtol=1e-12, atol=1e-12), (name, suffix, n)
                    continue
                assert np.allclose(ra[n][:, 0], rb[other][:, 0], rtol=1e-12, atol=1e-12, equal_nan=True), \
                    (name, suffix, n)
    assert left_out == {(n, ".xmile") for n in NO_XMILE_FORM if n in names} | \
        {(n, suffix) for n in NO_CONVERSION if n in names for suffix in (".yaml", ".xmile")}


@needs_suite
def test_the_conformance_command_prints_mdl_outcomes(tmp_path, capsys):
    import shutil
    for name in ("samples/teacup", "tests/subscript_1d_arrays", "tests/invert_matrix"):
        shutil.copytree(SUITE / name, tmp_path / name)
    model(tmp_path, "cash = 5 ~~|\nvalue = FIND ZERO(cash, 0.1, 0, 1) ~~|\n", name="zero.mdl")
    (tmp_path / "output.tab").write_text("Time\tvalue\n0\t0\n")
    assert main(["conformance", str(tmp_path), "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "teacup.mdl" in out and "pass" in out and "unsupported  FIND ZERO" in out
    assert f"{'.mdl':<7} {5:3d} files: 4 pass, 0 fail, 1 unsupported, 0 defect" in out


@pytest.mark.parametrize("keyword, expect", [
    ("", [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12]),
    (":HOLD BACKWARD:", [0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 12]),
    (":LOOK FORWARD:", [0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12]),
])
def test_data_keywords(tmp_path, keyword, expect):
    (tmp_path / "d.csv").write_text("Time,v\n0,0\n4,4\n8,8\n10,12\n")
    p = model(tmp_path, f"v {keyword}:= GET DIRECT DATA('d.csv', ',', 'A', 'B2') ~~|\n")
    assert list(run(p)["v"][:, 0]) == pytest.approx(expect, abs=1e-9)


# ---------------------------------------------------------------- random input
TEACUP = """{UTF-8}
Characteristic Time = 10 ~ Minute [1,100] ~ How long it takes to cool 1/e of the way. |
Heat Loss to Room = (Teacup Temperature - Room Temperature) / Characteristic Time
	~	Degrees Fahrenheit/Minute
	~	Heat flowing into the room.
	|
Room Temperature = 70 ~ Degrees Fahrenheit ~ |
Teacup Temperature = INTEG(-Heat Loss to Room, 180) ~ Degrees Fahrenheit ~ |
cooling curve( [(0,0)-(10,1)], (0,0), (10,1) ) ~~|
:MACRO: TWICE(x)
TWICE = 2 * x ~ ~ |
:END OF MACRO:
shown = TWICE(cooling curve(Time / 3)) + SMOOTH(Teacup Temperature, 2) ~~|
INITIAL TIME = 0 ~ Minute ~ |
FINAL TIME = 30 ~ Minute ~ |
TIME STEP = 0.125 ~ Minute ~ |
SAVEPER = TIME STEP ~ Minute ~ |
\\\\\\---/// Sketch information - do not modify anything except names
V300  Do not put anything below this section - it will be ignored
"""


def _only_engine_errors(path, capsys):
    try:
        load(path).run(check=False, backend="numpy")
    except ModelError:
        pass
    assert main(["validate", str(path)]) in (0, 2)
    assert "internal error" not in capsys.readouterr().err


def test_the_random_input_seed_runs(tmp_path):
    p = tmp_path / "teacup.mdl"
    p.write_text(TEACUP)
    r = run(p)
    assert r["Teacup_Temperature"][-1, 0] == pytest.approx(70 + 110 * (1 - 0.0125) ** 240)


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@hypothesis.settings(max_examples=80, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(st.data())
def test_a_mdl_file_with_bytes_changed_raises_only_the_engine_errors(tmp_path, capsys, data):
    seed = bytearray(TEACUP.encode())
    for _ in range(data.draw(st.integers(1, 10))):
        at = data.draw(st.integers(0, len(seed) - 1))
        op = data.draw(st.sampled_from(["set", "delete", "insert"]))
        if op == "set":
            seed[at] = data.draw(st.sampled_from(b"~|:=()[]\"'{}\\,-+*/^<>!0123456789 aZ\n\t\x00\xff"))
        elif op == "delete":
            del seed[at]
        else:
            seed.insert(at, data.draw(st.sampled_from(b"~|:=()[]\"'{}\\,-+*/^<>! \n")))
    path = tmp_path / "changed.mdl"
    path.write_bytes(bytes(seed))
    _only_engine_errors(path, capsys)


@hypothesis.settings(max_examples=150, deadline=None, derandomize=True, database=None)
@hypothesis.given(st.text(alphabet="ab :ANDORT()[],'\"+-*/^<>=.0123456789{}~|\\", max_size=60))
def test_random_equations_raise_only_syntax_errors(text):
    try:
        parse(text)
    except ex.ExprSyntaxError:
        pass


def test_the_new_builtins_agree_between_backends():
    from engine.builtins import scalar, vector
    a = np.array([-7.5, -2.0, -0.5, 0.0, 0.5, 3.0, 7.5])
    for q in (2.0, 0.0, -1.0):
        assert list(vector.quantum(a, q)) == [scalar.quantum(x, q) for x in a]
    assert list(np.trunc(a)) == [scalar.trunc(x) for x in a]


def test_sample_if_true_has_its_input_units(tmp_path):
    from engine.model.units import check_units
    p = model(tmp_path, "x = 3 ~ widget ~ |\ns = SAMPLE IF TRUE(Time > 2, x, 0) ~ widget ~ |\n"
                        "bad = SAMPLE IF TRUE(Time > 2, x, 0) ~ gadget ~ |\n")
    issues = check_units(read(p))
    assert [i.element for i in issues] == ["bad"]


def test_get_time_value_of_the_model_time(tmp_path):
    r = run(model(tmp_path, "y = GET TIME VALUE(0, 2.5, 0) ~~|\n"))
    assert np.allclose(r["y"][:, 0], np.arange(11.0) + 2.5)


@pytest.mark.parametrize("args, error, says", [
    ("2, 0, 7", Unsupported, "GET TIME VALUE of the computer's clock (relative to 2)"),
    ("1, 0, 0", Unsupported, "GET TIME VALUE relative to the start of the run (relative to 1)"),
    ("0, 0, 3", Unsupported, "GET TIME VALUE as a calendar measure of the model's time (measure 3: the month"),
    ("0, 0, Time", Unsupported, "GET TIME VALUE whose first or third argument"),
    ("3, 0, 0", ModelError, "GET TIME VALUE(3, offset, 0): relative to is 0, 1 or 2"),
])
def test_get_time_value_forms_refused_by_name(tmp_path, args, error, says):
    with pytest.raises(error, match=re.escape(says)):
        read(model(tmp_path, f"y = GET TIME VALUE({args}) ~~|\n"))


def test_flows_made_by_with_lookup_and_a_macro(tmp_path):
    p = model(tmp_path, """
a = WITH LOOKUP(Time, ([(0,0)-(10,10)],(0,0),(10,10))) ~~|
b = MYMAC(3) ~~|
:MACRO: MYMAC(x)
MYMAC = INTEG(x, 0) ~~|
:END OF MACRO:
s = INTEG(a + b, 0) ~~|
""")
    m = read(p)
    assert m.elements["s"].inflows == ("a", "b")
    assert sum(e.kind == "lookup" for e in m.elements.values()) == 1
    t = np.arange(11.0)
    assert np.allclose(run(p)["s"][:, 0], 4 * t * (t - 1) / 2)


def test_results_keep_the_names_as_written(tmp_path):
    import h5py

    from engine.results.hdf5 import write_result
    p = model(tmp_path, '"Room Temperature (°F)" = 70 ~ degF ~ |\nTeacup = INTEG(-1, "Room Temperature (°F)") ~~|\n')
    r = run(p)
    assert r.labels["Teacup"] == "Teacup"
    write_result(r, tmp_path / "r.h5")
    with h5py.File(tmp_path / "r.h5") as f:
        longs = {f[k].attrs["long_name"] for k in f if "long_name" in f[k].attrs}
    assert "Room Temperature (°F)" in longs


@needs_suite
def test_get_xls_data_from_an_xls_file_of_the_suite(tmp_path):
    # row 4 holds the times 0, 5, ..., row 5 from column C one series (read in place)
    xls = SUITE / "tests" / "get_data_args_3d_xls" / "input.xls"
    p = model(tmp_path, f"v := GET XLS DATA('{xls}', 'Sheet1', '4', 'C5') ~~|\n", stop=10)
    v = run(p)["v"][:, 0]
    assert v[0] == 0 and v[5] == -2 and v[10] == 10 and v[3] == pytest.approx(-2 * 3 / 5)


def test_get_direct_data_from_a_tab_file(tmp_path):
    (tmp_path / "d.tab").write_text("Time\t0\t10\nlevel\t5\t25\n")
    p = model(tmp_path, "v := GET DIRECT DATA('d.tab', '\\t', '1', 'B2') ~~|\n")
    assert np.allclose(run(p)["v"][:, 0], 5 + 2 * np.arange(11.0))


@pytest.mark.parametrize("out, says", [("nowhere/m.yaml", "cannot write the file"),
                                       ("nowhere/m.xmile", "cannot write the file"),
                                       ("m.txt", "cannot write '.txt'")])
def test_convert_refuses_what_it_cannot_write(tmp_path, capsys, out, says):
    src = model(tmp_path, "x = 1 ~~|\n")
    assert main(["convert", str(src), "-o", str(tmp_path / out)]) == 2
    assert says in capsys.readouterr().err


def test_na_constants_and_unwritten_equations(tmp_path):
    r = run(model(tmp_path, "x = :NA: ~~|\ny = IF THEN ELSE(Time > 4, x, 1) ~~|\n"))
    assert np.isnan(r["y"][-1, 0]) and r["y"][0, 0] == 1
    with pytest.raises(ModelError, match="A FUNCTION OF"):
        read(model(tmp_path, "y = A FUNCTION OF(Time) ~~|\n", name="todo.mdl"))


def test_subscripts_the_vensim_way(tmp_path):
    body = """region: north, south ~~|
sub: (c1-c3) ~~|
later: c2, c3 -> earlier ~~|
earlier: c1, c2 ~~|
cap[region, sub] = 1, 2, 3; 4, 5, 6; ~~|
total[region] = SUM(cap[region, sub!]) ~~|
share[region, sub] = cap[region, sub] / total[region] ~~|
biggest = VMAX(cap[region!, sub!]) ~~|
shifted[later] = cap[north, earlier] ~~|
flag[region] :EXCEPT: [south] = 1 ~~|
flag[south] = 7 ~~|
stock[region] = INTEG(inflow[region], 10) ~~|
inflow[region] = ELMCOUNT(sub) * cap[region, c1] ~~|
"""
    r = run(model(tmp_path, body, stop=2))
    assert r.at("total[north]", 0)[0] == 6 and r.at("total[south]", 0)[0] == 15
    assert r.at("share[south,c3]", 0)[0] == 6 / 15 and r.at("biggest", 0)[0] == 6
    assert r.at("shifted[c2]", 0)[0] == 1 and r.at("shifted[c3]", 0)[0] == 2      # c2 -> c1, c3 -> c2
    assert r.params["flag[north]"][0] == 1 and r.params["flag[south]"][0] == 7     # constants: parameters
    assert list(r["stock[south]"][:, 0]) == [10, 22, 34]                            # + 3 x 4 per month


def test_other_time_settings_for_a_changing_time_step(tmp_path):
    p = tmp_path / "phased.mdl"
    p.write_text("{UTF-8}\n" + PHASED)
    m = load(p)
    assert list(m.with_time(stop=2.5).run(backend="numpy").times) == [0, 1, 2, 2.25, 2.5]
    regular = m.with_time(dt=0.5, stop=6).run(backend="numpy")           # one time step throughout
    assert regular.times[-1] == 6 and np.allclose(regular["x"][-1], 1.5 ** 12)
    for change, says in ((dict(stop=5), "cannot start elsewhere or run longer"),
                         (dict(start=1), "cannot start elsewhere or run longer"),
                         (dict(stop=2.6), "not a whole number of its steps"),
                         (dict(save_step=1), "saves on a schedule")):
        with pytest.raises(ModelError, match=says):
            m.with_time(**change)
