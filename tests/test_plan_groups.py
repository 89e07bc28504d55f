"""Arrays kept as arrays in the plan: a plan whose arrayed cells are grouped into blocks gives the
per-cell plan's numbers exactly, on both backends, single runs and batches; blocks form where
they should, cells that read each other are computed level by level, and blocks that depend on
each other both ways go back to statements of their own."""
import numpy as np
import pytest
from conftest import BACKENDS

import engine
from engine import backends
from engine import lang as ex
from engine.plan.compile import compile_model
from engine.plan.group import REDUCE, Block
from engine.run.simulate import run_kernel

HEAD = "time: {start: 0, stop: 6, dt: 0.25}\ndimensions:\n  region: [north, south]\n  tech: [solar, wind, coal]\n"

CHAIN = HEAD + """
stocks:
  cap[region, tech]: {initial: 10 * tech + region, inflows: [build], outflows: [retire, scrap]}
flows:
  build[region, tech]: cap * g[tech] + (if region > 1 then 0.2 * cap[north, tech] else 0)
  retire[region, tech]: cap / life
  scrap[region, tech]: max(0, cap - 40) * 0.1
parameters:
  g[tech]: {value: [0.1, 0.05, 0.02]}
  life: 20
events:
  - {name: halve, when: "cap[south,coal] > 33", set: {life: 10}}
"""

# x[a] reads x[a - 1]: one block computed level by level; y[r, a] reads y[r, a - 1]
INTERNAL = """time: {start: 0, stop: 4, dt: 0.5}
dimensions:
  age: 6
  r: 3
stocks:
  pop[r, age]: {initial: 10 * age + r, inflows: [ageing_in], outflows: [ageing_out]}
flows:
  ageing_in[r, age]: ageing_out[r, age - 1]
  ageing_out[r, age]: pop / stay[age]
auxiliaries:
  x[age]: x[age - 1] * 0.5 + time * age
  y[r, age]: y[r, age - 1] + x[age] * r
  total[r]: sum(pop[r, *])
parameters:
  stay[age]: 2
"""

# a[i] reads b[i - 1] and b[i] reads a[i]: the two blocks would depend on each other both ways
# (c still forms one)
CROSS = """time: {start: 0, stop: 3, dt: 1}
dimensions:
  i: 5
auxiliaries:
  a[i]: b[i - 1] + time + i
  b[i]: a[i] * 2
  c[i]: a[i] + b[i] * i
"""

STATEFUL = HEAD + """
stocks:
  s[region]: {initial: 1, inflows: [f]}
flows:
  f[region]: sm[region, wind] + dl[region] + fx[solar] + tr[region]
auxiliaries:
  signal[region, tech]: step(region * tech, 1) + s[region] * 0.01
  sm[region, tech]: smooth(signal, tech)
  dl[region]: delay3(signal[region, wind], 2)
  fx[tech]: delay_fixed(signal[north, tech], 1, 0)
  tr[region]: trend(signal[region, coal], 2, 0)
  pv[tech]: previous(sm[south, tech], 0)
"""

LOOKUPS = HEAD + """
stocks:
  k[region]: {initial: 1, inflows: [grow]}
flows:
  grow[region]: curve(time + region) + per(k) * 0.1 + sum(w[region, *]) / size(w[region, *])
auxiliaries:
  w[region, tech]: k[region] * tech + ramp(tech, 1, 4) + hg
  hg[region, tech]: gain * tech / 10
parameters:
  gain[region]: {value: [1, 2]}
lookups:
  curve: {points: [[0, 0], [4, 8], [8, 0]]}
  per[region]:
    elements: {north: [[0, 1], [6, 7]], south: [[0, 5], [6, -1]]}
events:
  - {name: cut, at: [2], set: {"k[north]": 0.5}}
  - {name: raise, at: [3], set: {"gain[south]": 5}}
"""

# sums over 9 and 10 elements: loops over the rows (pairwise, as reductions are built); one with
# its cells in levels (acc[j] reads acc[j - 1])
SUMS = """time: {start: 0, stop: 2, dt: 0.5}
dimensions:
  i: 9
  j: 4
  k: 10
stocks:
  s[j, i]: {initial: i * 0.1 + j, inflows: [f]}
flows:
  f[j, i]: tot[j] * 0.01 - s * 0.1
auxiliaries:
  tot[j]: sum(s[j, *])
  avg[j]: mean(s[j, *] * 1) + sd[j]
  sd[j]: stddev(s[j, *])
  acc[j]: acc[j - 1] + sum(w[j, *])
  w[j, k]: s[j, 1] * k + time
"""

RK4 = CHAIN.replace("dt: 0.25}", "dt: 0.25, method: rk4}")

MODELS = {"chain": (CHAIN, {"life": [20, 10, 5]}), "internal": (INTERNAL, {"stay[3]": [2, 4, 8]}),
          "cross": (CROSS, None), "stateful": (STATEFUL, None), "lookups": (LOOKUPS, None),
          "rk4": (RK4, {"g[wind]": [0.05, 0.5, 0.1]}), "reduce": (SUMS, None)}


def _load(tmp_path, name):
    p = tmp_path / f"{name}.yaml"
    p.write_text(f"scenario: {name}\n" + MODELS[name][0])
    return engine.load(p)


def _runs(model, group: bool, backend: str, batch):
    plan = compile_model(model, group=group)
    kernel = backends.get(backend).kernel(plan)
    out = [run_kernel(kernel, None, None)]
    if batch:
        out.append(run_kernel(kernel, batch, len(next(iter(batch.values())))))
    return plan, out


def _blocks(plan) -> list:
    return [it for items in plan.grouped.values() for it in items if isinstance(it, Block)]


def _same(model, backend, batch):
    grouped, a = _runs(model, True, backend, batch)
    cells, b = _runs(model, False, backend, batch)
    assert _blocks(grouped) and not cells.grouped
    assert grouped.digest != cells.digest
    for ra, rb in zip(a, b):
        assert ra.names == rb.names
        assert np.array_equal(ra.data, rb.data), [n for n in ra.names if not np.array_equal(ra[n], rb[n])][:5]
    return grouped


@pytest.mark.parametrize("name", list(MODELS))
def test_a_grouped_plan_gives_the_per_cell_numbers_on_numpy(tmp_path, name):
    _same(_load(tmp_path, name).model, "numpy", MODELS[name][1])


NUMBA = ["chain", "internal", "stateful", "lookups", "reduce"] if "numba" in BACKENDS else []


@pytest.mark.slow
@pytest.mark.parametrize("name", NUMBA)
def test_a_grouped_plan_gives_the_per_cell_numbers_on_numba(tmp_path, name):
    _same(_load(tmp_path, name).model, "numba", MODELS[name][1])


def test_cells_that_read_each_other_are_computed_level_by_level(tmp_path):
    plan = compile_model(_load(tmp_path, "internal").model)
    names = plan.names
    by_base = {}
    for b in _blocks(plan):
        by_base.setdefault(names[b.out[0]].split("[")[0], []).append(b)
    (x,) = by_base["x"]                 # x[2..6] (x[1] reads no other cell: a shape of its own)
    assert [names[s] for s in x.out] == [f"x[{a}]" for a in range(2, 7)]
    assert x.levels == (0, 1, 2, 3, 4, 5)
    first, y = sorted(by_base["y"], key=lambda b: len(b.levels))   # y[r, 1] (reads no y), y[r, 2..6]
    assert first.levels == (0, 3)
    assert y.levels == (0, 3, 6, 9, 12, 15)
    assert [names[s] for s in y.out[:3]] == ["y[1,2]", "y[2,2]", "y[3,2]"]


def test_blocks_that_depend_on_each_other_both_ways_stay_cells(tmp_path):
    plan = compile_model(_load(tmp_path, "cross").model)
    kept = {plan.names[s].split("[")[0] for b in _blocks(plan) for s in b.out}
    assert kept == {"c"}
    order = [it for it in plan.grouped["dynamic"] if not isinstance(it, Block)]
    assert order == [s for s in plan.dynamic if s in set(order)]
    assert {plan.names[s][0] for s in order} == {"a", "b"}


def test_the_code_of_a_block_does_not_grow_with_its_cells(tmp_path):
    sizes = []
    for n in (3, 30):
        p = tmp_path / f"grow{n}.yaml"
        p.write_text(f"scenario: grow\ntime: {{start: 0, stop: 1, dt: 0.5}}\ndimensions:\n  d: {n}\n"
                     "stocks:\n  s[d]: {initial: d, outflows: [f]}\nflows:\n  f[d]: s * k[d] + s[d - 1]\n"
                     "parameters:\n  k[d]: 0.1\n")
        plan = engine.load(p).plan()
        assert plan.grouped
        sizes.append(len(backends.get("numpy").kernel(plan).source.splitlines()))
        if "numba" in BACKENDS:
            from engine.backends.numba_backend import NumbaBackend
            sizes.append(len(NumbaBackend().source(plan).splitlines()))
    assert sizes[:len(sizes) // 2] == sizes[len(sizes) // 2:]


def test_sums_over_a_dimension_are_loops(tmp_path):
    plan = compile_model(_load(tmp_path, "reduce").model)
    sums = {plan.names[b.out[0]].split("[")[0]: b for b in _blocks(plan)
            if any(isinstance(n, ex.Call) and n.fn == REDUCE for n in ex.walk(b.template))}
    assert {"tot", "sd", "acc"} <= set(sums)
    assert sums["acc"].levels == (0, 1, 2, 3)     # acc[2..4], each reading the one before
