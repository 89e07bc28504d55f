"""The shortcuts that keep large arrays cheap give what the cell-by-cell path gives: cells written
from one template per equation (``model.templates.Template``) make the same model, node for node,
as resolving every cell's tree on its own; the checks and the random-function scan that look at
a template once find the same problems, in the same order; plans compiled from such models are
the ones the per-cell path compiles. Covered: exceptions per element, mappings, subranges,
reductions, lookups per cell, stateful builtins per cell (SMOOTH, DELAY, TREND, PREVIOUS),
internal dependencies (x[i] reads x[i - 1]), computed positions, random draws per cell, and the
arrayed mistakes of the bad-input corpus."""
import gc
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import test_arrays
import test_plan_groups
from conftest import TEST_MODELS

import engine
from engine import lang as ex
from engine.errors import ModelError
from engine.gcpause import paused
from engine.model.arrays import Space
from engine.plan.compile import compile_model, with_saved

CORPUS = Path(__file__).parent / "bad_inputs"

RANDOM = """time: {start: 0, stop: 2, dt: 0.5}
dimensions:
  r: 4
auxiliaries:
  shock[r]: random_normal(-1, 1, 0, 0.1 * r, 0) + noise[r]
  noise[r]: random_uniform(0, r, 0)
"""

# the template's own nodes hold a problem (every cell has it), and a cell-by-cell one: an
# element's cell whose replacement is a lookup (named as a value, not called)
PROBLEMS = {
    "unknown-function": """time: {start: 0, stop: 2, dt: 1}
dimensions:
  r: 3
auxiliaries:
  a[r]: frobnicate(r) + b[r]
  b[r]: r
""",
    "unknown-name": """time: {start: 0, stop: 2, dt: 1}
dimensions:
  r: 3
auxiliaries:
  a[r]: b[r] * nowhere
  b[r]: r
""",
    "lookup-as-value": """time: {start: 0, stop: 2, dt: 1}
dimensions:
  r: [x, y]
auxiliaries:
  a[r]: curve * 2
lookups:
  curve[r]:
    elements: {x: [[0, 0], [1, 1]], y: [[0, 1], [1, 0]]}
""",
}


def arrayed_models() -> dict:
    """Name -> YAML text of every arrayed model of the array and plan-group tests."""
    out = {p.__name__: p()[0] for p in test_arrays.PAIRS}
    out.update({f"groups-{k}": text for k, (text, _) in test_plan_groups.MODELS.items()})
    out["random"] = RANDOM
    return out


def load(path, templates: bool, monkeypatch):
    """The model (or its error message) with or without templates."""
    monkeypatch.setattr(Space, "templates", templates)
    try:
        return engine.load(path)
    except ModelError as e:
        return str(e)


def _blocks(plan) -> list:
    out = []
    for name, items in sorted(plan.grouped.items()):
        out.append(name)
        for it in items:
            out.append(it if isinstance(it, int) else (it.template, it.out.tolist(), it.refs.tolist(),
                                                       it.consts.tobytes(), it.levels))
    return out


def same_plans(a, b):
    fields = ("names", "kinds", "equations", "params", "stocks", "hoisted", "dynamic", "initial", "rates",
              "tables", "delays", "conditions", "probes", "groups", "saved", "stage_times", "sinks", "digest")
    for f in fields:
        assert getattr(a, f) == getattr(b, f), f
    assert _blocks(a) == _blocks(b)


@pytest.mark.parametrize("name", sorted(arrayed_models()))
def test_cells_from_templates_make_the_model_and_plan_of_the_cell_by_cell_path(tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + arrayed_models()[name])
    fast, slow = load(path, True, monkeypatch), load(path, False, monkeypatch)
    assert not isinstance(fast, str), fast
    assert fast.model == slow.model
    a, b = compile_model(fast.model), compile_model(slow.model)
    same_plans(a, b)
    same_plans(compile_model(fast.model, group=False), compile_model(slow.model, group=False))
    # another choice of saved variables keeps the plan's idea of what feeds a stock
    keep = [n for n in a.names if a.kinds[a.slot[n]] in ("auxiliary", "flow")][:2]
    assert with_saved(a, keep).sinks == with_saved(b, keep).sinks == with_saved(replace(a, feeding=None), keep).sinks


def test_cells_of_an_apply_to_all_equation_are_written_from_its_template(tmp_path):
    path = tmp_path / "chain.yaml"
    path.write_text("scenario: chain\n" + test_plan_groups.CHAIN)
    model = engine.load(path).model
    cells = [n for n in model.elements if n.startswith(("build[", "retire[", "scrap["))]
    found = [model.cell_parts(model.elements[n].equation) for n in cells]
    assert len(cells) == 18 and all(f is not None for f in found)
    assert len({id(f[0]) for f in found}) == 3         # one template per equation
    # the start values hold the dimensions' positions: cells of one tech share that number
    starts = [model.cell_parts(model.elements[f"cap[{r},{t}]"].equation)[1] for r in test_arrays.R
              for t in test_arrays.T]
    assert starts[0][0] is starts[3][0] and starts[0][0] is not starts[1][0]


def test_the_same_numbers_from_templates_as_cell_by_cell(tmp_path, monkeypatch):
    path = tmp_path / "stateful.yaml"
    path.write_text("scenario: s\n" + test_plan_groups.STATEFUL)
    fast, slow = load(path, True, monkeypatch), load(path, False, monkeypatch)
    ra, rb = fast.run(backend="numpy"), slow.run(backend="numpy")
    assert ra.names == rb.names
    for n in ra.names:
        assert np.array_equal(ra[n], rb[n], equal_nan=True), n


@pytest.mark.parametrize("case", sorted(PROBLEMS) + sorted(p.name for p in (CORPUS / "scenario").glob("arrays-*.yaml")))
def test_problems_found_through_templates_are_those_of_the_full_check(tmp_path, monkeypatch, case):
    if case in PROBLEMS:
        path = tmp_path / f"{case}.yaml"
        path.write_text(f"scenario: {case}\n" + PROBLEMS[case])
    else:
        path = CORPUS / "scenario" / case
    fast, slow = load(path, True, monkeypatch), load(path, False, monkeypatch)
    assert isinstance(fast, str) and fast == slow


ARRAYED_SUITE = ("subscript_2d_arrays", "subscript_3d_arrays", "subscript_mapping_simple", "subscript_subranges",
                 "subscript_transposition", "subscripted_delays", "subscripted_smooth", "subscripted_trend",
                 "subscripted_lookups", "subscript_individually_defined_stocks", "vector_select")


@pytest.mark.skipif(not TEST_MODELS.is_dir(), reason=f"the shared test models ({TEST_MODELS}) are not here "
                                                      "(clone the repository beside shared/)")
@pytest.mark.parametrize("folder", ARRAYED_SUITE)
def test_the_public_arrayed_models_resolve_the_same_through_templates(monkeypatch, folder):
    files = sorted(f for ext in ("mdl", "xmile", "stmx") for f in (TEST_MODELS / "tests" / folder).glob(f"*.{ext}"))
    assert files
    for f in files:
        fast, slow = load(f, True, monkeypatch), load(f, False, monkeypatch)
        if isinstance(fast, str) or isinstance(slow, str):
            assert fast == slow, f
            continue
        assert fast.model == slow.model, f
        same_plans(compile_model(fast.model), compile_model(slow.model))


def test_dump_tells_trees_apart_as_equality_does():
    trees = [ex.parse(t) for t in ("a + b * 2", "a + b * 2.5", "(a + b) * 2", "a + c * 2", "max(a, b)",
                                   "max(a, b, 2)", "if a > 1 then b else -c", "x[r, 2] + 1")]
    texts = [ex.dump(t) for t in trees]
    assert len(set(texts)) == len(trees)
    assert ex.dump(ex.parse("a + b * 2")) == texts[0]
    assert ex.dump(None) == "None"


def test_pauses_of_the_collector_nest_and_restore_it():
    was = gc.isenabled()
    gc.enable()
    try:
        with paused():
            assert not gc.isenabled()
            with paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with paused():
            pass
        assert not gc.isenabled()       # left as it was
    finally:
        (gc.enable if was else gc.disable)()


VENSIM_FORMS = """{UTF-8}
DimA: A1, A2, A3 ~~|
SubA: A1, A2 ~~|
DimB: B1, B2, B3 -> (DimA: A3, A2, A1) ~~|
DimD: D1, D2 -> (DimA: SubA, A3) ~~|
s[DimA] = DimB + Time ~~|
x[DimA] :EXCEPT: [A2] = DimA * 2 ~~|
x[A2] = 7 ~~|
y[DimD] = x[DimD] + s[DimD] ~~|
INITIAL TIME = 0 ~~|
FINAL TIME = 2 ~~|
TIME STEP = 1 ~~|
SAVEPER = 1 ~~|
"""


def test_vensim_ranges_as_values_mappings_and_exceptions_through_templates(tmp_path, monkeypatch):
    # the forms the Vensim reader writes over ranges (a mapped range as a value, a mapping by
    # subranges, :EXCEPT:) give through templates the model of the cell-by-cell path
    path = tmp_path / "forms.mdl"
    path.write_text(VENSIM_FORMS)
    fast, slow = load(path, True, monkeypatch), load(path, False, monkeypatch)
    assert not isinstance(fast, str), fast
    assert fast.model == slow.model
    same_plans(compile_model(fast.model), compile_model(slow.model))
