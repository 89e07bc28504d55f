"""The plan stage's shortcuts for cells written from templates answer what the tree-by-tree path
answers: a cell's digest text and block signature from its resolved template
(``plan/celltrees.py``), every element's dependencies and called functions from its template's
own nodes (``graph.all_dependencies``, ``templates.tree_calls``), and the random-stream pass
skipped for a model without a run id. Models: every arrayed model of the array, plan-group and
template tests (exceptions per element, mappings, subranges, reductions, SMOOTH and DELAY per
cell, x[i] reading x[i - 1], computed positions, random draws per cell) and the benchmark's
chain; the plans as a whole are compared with the cell-by-cell path's in test_array_templates.py."""
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from test_array_templates import arrayed_models

import engine
from engine import lang as ex
from engine.graph.structure import all_dependencies, dependencies
from engine.model.noise import RUN_ID, uses_random
from engine.model.templates import tree_calls, tree_facts
from engine.plan import compile as plan_compile
from engine.plan.group import _signature
from engine.plan.noise import with_streams

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from arrays import MODEL as CHAIN  # noqa: E402


def models() -> dict:
    """Name -> YAML text: the arrayed test models and a small chain of the benchmark."""
    out = dict(arrayed_models())
    out["benchmark-chain"] = CHAIN.format(n=4).split("\n", 1)[1]
    return out


def _load(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + models()[name])
    return engine.load(path).model


@pytest.mark.parametrize("name", sorted(models()))
def test_digest_text_and_signatures_from_templates_are_those_of_the_trees(tmp_path, monkeypatch, name):
    made = []
    real = plan_compile._Resolver.__init__

    def keep(self, *args):
        real(self, *args)
        made.append(self)
    monkeypatch.setattr(plan_compile._Resolver, "__init__", keep)
    plan = plan_compile.compile_model(_load(tmp_path, name))
    cells = made[0].cells
    shortcut = [e for e in plan.equations if e is not None and cells._parts(e) is not None]
    assert shortcut or name == "random"         # most cells' trees go through their template
    for e in plan.equations:
        assert cells.dump(e) == ex.dump(e)
        if e is not None:
            assert cells.signature(e) == _signature(e)


@pytest.mark.parametrize("name", sorted(models()))
def test_dependencies_and_calls_from_templates_are_those_of_the_trees(tmp_path, name):
    model = _load(tmp_path, name)
    alone = replace(model, cell_parts=None)
    assert all_dependencies(model) == {n: dependencies(alone, el) for n, el in model.elements.items()}
    for el in model.elements.values():
        if el.equation is not None:
            assert sorted(tree_calls(model.cell_parts, el.equation)) == sorted(tree_facts(None, el.equation)[1])


@pytest.mark.parametrize("name", sorted(models()))
def test_a_model_has_a_run_id_exactly_when_it_draws_random_numbers(tmp_path, name):
    # what lets the random-stream pass skip a model without a run id
    model = _load(tmp_path, name)
    assert (RUN_ID in model.elements) == uses_random(model.elements)
    if RUN_ID not in model.elements:
        assert with_streams(model) is model


GC_PAUSE_CHECK = """
import gc
import weakref

from engine.gcpause import paused


class Cell:
    pass


gc.enable()
with paused():
    made = [[] for _ in range(5000)]
    loop = Cell()
    loop.me = loop          # a reference cycle made in the pause
    gone = weakref.ref(loop)
    del loop
assert gc.get_count()[0] < 700 and gc.get_freeze_count() == 0, (gc.get_count(), gc.get_freeze_count())
gc.collect()
assert gone() is None       # the full collection finds the cycle
del made
gc.freeze()                 # a program that keeps objects frozen keeps them so
frozen = gc.get_freeze_count()
with paused():
    made = [[] for _ in range(100)]
assert gc.get_freeze_count() == frozen and made
print("ok")
"""


def test_objects_made_in_a_pause_are_aged_at_once_and_their_cycles_still_collected():
    # in a fresh interpreter: the collector's counts and frozen generation belong to the whole
    # process, which other tests' threads (the app's server, a Dask cluster) share
    import subprocess
    out = subprocess.run([sys.executable, "-c", GC_PAUSE_CHECK], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
