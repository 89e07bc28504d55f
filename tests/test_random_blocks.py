"""Random draws in arrayed models group into blocks: the cells of an arrayed equation that draws
random numbers differ only in their call sites (numbers), which a block carries as a row of its
numbers, so the plan holds one block per arrayed equation and the code does not grow with the
cells. The draws stay the per-cell plan's numbers bit for bit (grouped and not, numpy and numba,
single runs, batches and chunks of them), and those are the numbers of the stream's key as
``plan/noise.py`` defines it, computed here from the key directly."""
import numpy as np
import pytest
from conftest import BACKENDS

import engine
from engine import backends
from engine import lang as ex
from engine.builtins import is_random, rng
from engine.errors import ModelWarning
from engine.plan.compile import compile_model
from engine.plan.group import VARYING_NUM, Block
from engine.plan.noise import site_key
from engine.run.simulate import run_kernel

needs_numba = pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")

HEAD = """scenario: rblocks
time: {{start: 0, stop: 3, dt: 0.5, noise_seed: 7}}
dimensions:
  region: {regions}
  tech: {techs}
"""

# several distributions over two dimensions, per-element exceptions (another distribution,
# another stream id), per-cell arguments, a draw as a stock's start value and inside SMOOTH and
# DELAY3 and DELAY FIXED arguments, XMILE's names beside Vensim's, cells that read each other
MODEL = HEAD + """stocks:
  cap[region, tech]: {{initial: 'RANDOM UNIFORM(1, 2, 0)', inflows: [build]}}
flows:
  build[region, tech]: smooth(RANDOM NORMAL(-1, 1, 0, 0.5, 0), 1) + delay3(EXPRND(2), 3) + late
auxiliaries:
  u[region, tech]: RANDOM UNIFORM(0, 1, 0)
  n[region, tech]: RANDOM NORMAL(-5, 5, region, tech * 0.1, 0) + NORMAL(0, 1)
  p[region, tech]:
    equation: POISSON(3) * RANDOM 0 1()
    elements:
      "1, 1": RANDOM TRIANGULAR(0, 4, 0, 1, 4, 0)
      "2, *": RANDOM LOGNORMAL(0, 8, 2, 1, 1, 1.5, 9)
  s[region, tech]: RANDOM UNIFORM(0, 1, 5)
  late[region, tech]: delay_fixed(RANDOM UNIFORM(0, 1, 0) * cap, 1, 0)
  w[region, tech]: w[region, tech - 1] * 0.5 + RANDOM UNIFORM(0, 1, 0)
"""
RANDOM_ELEMENTS = ("cap", "build", "u", "n", "p", "s", "late", "w")


def _model(tmp_path, n_region=3, n_tech=4, text=MODEL):
    path = tmp_path / f"rblocks-{n_region}-{n_tech}.yaml"
    path.write_text(text.format(regions=n_region, techs=n_tech))
    return engine.load(path)


def _blocks(plan) -> list:
    return [it for items in plan.grouped.values() for it in items if isinstance(it, Block)]


def _draws(tree) -> bool:
    return any(isinstance(n, ex.Call) and is_random(n.fn) for n in ex.walk(tree))


def _runs(model, group: bool, backend: str) -> list:
    """A single run, a batch of five runs and the same batch in two chunks."""
    kernel = backends.get(backend).kernel(compile_model(model, group=group))
    batch = run_kernel(kernel, {"run_id": np.arange(5.0)}, 5)
    chunks = [run_kernel(kernel, {"run_id": np.arange(a, b, dtype=float)}, b - a) for a, b in ((0, 2), (2, 5))]
    assert np.array_equal(batch.data, np.concatenate([c.data for c in chunks], axis=2), equal_nan=True)
    return [run_kernel(kernel, None, None), batch]


def _same(a: list, b: list) -> None:
    for ra, rb in zip(a, b):
        assert ra.names == rb.names
        bad = [n for n in ra.names if not np.array_equal(ra[n], rb[n], equal_nan=True)]
        assert not bad, bad[:5]


def test_the_cells_of_an_arrayed_random_equation_form_one_block(tmp_path):
    plan = compile_model(_model(tmp_path).model)
    names = plan.names
    random_blocks: dict = {}
    for b in _blocks(plan):
        if _draws(b.template):
            random_blocks.setdefault(names[b.out[0]].split("[")[0], []).append(b)
            # the call sites differ in every cell: a row of the block's numbers
            sites = [n for n in ex.walk(b.template) if isinstance(n, ex.Call) and is_random(n.fn)]
            assert all(isinstance(c.args[-2], ex.Ref) and c.args[-2].name == VARYING_NUM for c in sites)
    assert set(random_blocks) == set(RANDOM_ELEMENTS)
    sizes = {k: sorted(b.size for b in v) for k, v in random_blocks.items()}
    # p: the default's 7 cells (3 x 4 less p[1,1] and row 2), row 2's exception (4 cells) in a
    # block of its own; p[1,1] alone stays a statement; every other equation is one block
    assert sizes.pop("p") == [4, 7]
    # w[r, t] reads w[r, t - 1]: w[r, 1] (which reads no cell) a block, w[r, 2..4] one in levels
    assert sizes.pop("w") == [3, 9] and [b.levels for b in random_blocks["w"] if b.size == 9] == [(0, 3, 6, 9)]
    assert all(v == [12] for k, v in sizes.items() if k not in ("build", "late")), sizes
    blocked = {int(s) for b in _blocks(plan) for s in b.out}
    alone = [names[s] for s in range(len(names)) if s not in blocked and plan.equations[s] is not None
             and plan.kinds[s] in ("auxiliary", "flow", "stock") and _draws(plan.equations[s])]
    assert alone == ["p[1,1]"]


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_grouped_draws_are_the_per_cell_numbers_on_numpy(tmp_path, method):
    size = (3, 4) if method == "euler" else (2, 2)      # RK4 evaluates the draws four times a step
    model = _model(tmp_path, *size, text=MODEL.replace("dt: 0.5,", f"dt: 0.5, method: {method},")).model
    _same(_runs(model, True, "numpy"), _runs(model, False, "numpy"))


def test_the_draws_are_the_numbers_of_their_stream_keys(tmp_path):
    """u[r,t] at step k of run j is the uniform of the key (seed, run, site of 'u[r,t]', 0, k):
    the keys, and so the numbers, are those of the per-cell plan before blocks."""
    m = _model(tmp_path)
    res = m.run(n_runs=3)
    times = res.times
    with np.errstate(over="ignore"):         # the hash's arithmetic wraps around on purpose
        for cell in ("u[1,1]", "u[2,3]", "u[3,4]"):
            site = site_key(cell, 0, 0.0)
            want = [[rng.random_uniform(t + 1e-9, 0.0, 1.0, 0.0, 0.5, 7.0, float(j), site, 0.0) for j in range(3)]
                    for t in times]
            assert np.array_equal(res[cell], np.array(want)), cell
        s = [rng.random_uniform(t + 1e-9, 0.0, 1.0, 0.0, 0.5, 5.0, 0.0, site_key("s[2,2]", 0, 5.0), 0.0)
             for t in times]
    assert np.array_equal(res["s[2,2]"], np.array([s] * 3).T)     # a stream id of its own: every run alike


def test_the_numpy_source_of_a_random_model_does_not_grow_with_its_cells(tmp_path):
    sizes = []
    for n in (3, 9):
        kernel = backends.get("numpy").kernel(_model(tmp_path, n, n).plan())
        sizes.append((len(kernel.source.splitlines()), len(kernel.fns(True)["_source"].splitlines())))
    assert sizes[0] == sizes[1]


@needs_numba
def test_the_numba_source_of_a_random_model_does_not_grow_with_its_cells(tmp_path):
    from engine.backends.numba_backend import NumbaBackend
    lines, statements = [], []
    for n in (3, 9):
        source = NumbaBackend().source(_model(tmp_path, n, n).plan())
        body = source.split("\n\n", 1)[1]           # after the header and the module's constant arrays
        lines.append(len(source.splitlines()))
        statements.append(len([x for x in body.splitlines() if x.strip()]))
    assert lines[0] == lines[1] and statements[0] == statements[1]


@needs_numba
@pytest.mark.slow                   # compiles two kernels with numba
def test_grouped_draws_are_the_per_cell_numbers_on_numba_and_numpy(tmp_path):
    """Grouped numba draws numpy's grouped numbers, which are the per-cell ones (the test above):
    the per-cell numba kernel, slow to compile, is left out."""
    model = _model(tmp_path, 2, 3).model
    _same(_runs(model, True, "numba"), _runs(model, True, "numpy"))


# XMILE's random builtins (Vensim's have no XMILE form), arrayed
XMILE_MODEL = HEAD + """stocks:
  cap[region, tech]: {{initial: 'RANDOM(1, 2)', inflows: [build]}}
flows:
  build[region, tech]: smooth(NORMAL(0, 0.5), 1) + EXPRND(2)
auxiliaries:
  a[region, tech]: NORMAL(region, tech * 0.1) + POISSON(3)
  b[region, tech]:
    equation: LOGNORMAL(2, 1)
    elements:
      "1, *": RANDOM(0, 1, 4)
"""


def test_an_arrayed_xmile_export_draws_the_numbers_of_its_yaml_in_blocks(tmp_path):
    from engine.outputs.xmile import write
    m = _model(tmp_path, text=XMILE_MODEL)
    assert write(m.model, tmp_path / "x.xmile") == []
    back = engine.load(tmp_path / "x.xmile")
    plan = back.plan()
    assert {plan.names[b.out[0]].split("[")[0] for b in _blocks(plan) if _draws(b.template)} == \
        {"cap", "build", "a", "b"}
    a, b = m.run(n_runs=3), back.run(n_runs=3)
    for v in ("cap", "build", "a", "b"):
        assert np.array_equal(np.asarray(a[v]), np.asarray(b[v]), equal_nan=True), v


def test_the_stages_of_an_arrayed_smooth_share_one_probe_and_one_warning(tmp_path):
    m = _model(tmp_path, text=MODEL.replace("delay3(EXPRND(2), 3)", "delay3(EXPRND(2), 1)"))
    plan = m.plan()
    start = plan.groups[plan.start_group].probes
    assert len(plan.stage_times) == 2 * 12 and len(start) == 2        # SMOOTH and DELAY3 over 3 x 4 cells
    with pytest.warns(ModelWarning) as caught:
        m.run()
    shown = [str(w.message) for w in caught if "stage lasts" in str(w.message)]
    assert len(shown) == 1 and "in 'build[1,1]' (and 11 more with the same stage time): a DELAY3 stage " \
        "lasts 0.333333, less than dt=0.5" in shown[0]
