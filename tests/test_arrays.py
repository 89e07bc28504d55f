"""Arrays: each arrayed model against the same model written out element by element as scalars
(by hand, below), on both backends; results labelled by dimension."""
import numpy as np
import pytest
from conftest import BACKENDS

import engine

R, T = ("north", "south"), ("solar", "wind", "coal")
HEAD = "time: {start: 0, stop: 6, dt: 0.25}\ndimensions:\n  region: [north, south]\n  tech: [solar, wind, coal]\n"


def scalar_name(cell: str) -> str:
    """capacity[north,solar] -> capacity_north_solar"""
    if "[" not in cell:
        return cell
    base, subs = cell[:-1].split("[")
    return base + "_" + "_".join(subs.split(","))


def lines(*rows) -> str:
    return "".join(f"  {r}\n" for r in rows)


# ---------------------------------------------------------------------- the pairs
def chain():
    arrayed = HEAD + """
stocks:
  cap[region, tech]: {initial: 10 * tech + region, inflows: [build], outflows: [retire]}
flows:
  build[region, tech]: cap * g[tech]
  retire[region, tech]: cap / life
parameters:
  g[tech]: {value: [0.1, 0.05, 0.02]}
  life: 20
"""
    g = {"solar": 0.1, "wind": 0.05, "coal": 0.02}
    st, fl, pa = [], [], [f"g_{t}: {g[t]}" for t in T] + ["life: 20"]
    for i, r in enumerate(R):
        for j, t in enumerate(T):
            st.append(f"cap_{r}_{t}: {{initial: 10 * {j + 1} + {i + 1}, inflows: [build_{r}_{t}], "
                      f"outflows: [retire_{r}_{t}]}}")
            fl += [f"build_{r}_{t}: cap_{r}_{t} * g_{t}", f"retire_{r}_{t}: cap_{r}_{t} / life"]
    scalar = HEAD + "stocks:\n" + lines(*st) + "flows:\n" + lines(*fl) + "parameters:\n" + lines(*pa)
    return arrayed, scalar


def reductions():
    arrayed = HEAD + """
auxiliaries:
  x[region, tech]: (region * 3 + tech) * (1 + time)
  tot[region]: sum(x[region, *])
  mx[tech]: max(x[*, tech])
  mn: min(x[*, *])
  avg[region]: mean(x[region, *])
  pr[tech]: prod(x[*, tech])
  sd[region]: stddev(x[region, *])
  n: size(x[*, *])
"""
    rows = []
    for i, r in enumerate(R):
        for j, t in enumerate(T):
            rows.append(f"x_{r}_{t}: ({i + 1} * 3 + {j + 1}) * (1 + time)")
    for r in R:
        a, b, c = (f"x_{r}_{t}" for t in T)
        rows += [f"tot_{r}: {a} + {b} + {c}", f"avg_{r}: ({a} + {b} + {c}) / 3",
                 f"sd_{r}: sqrt((({a} - ({a} + {b} + {c}) / 3) ^ 2 + ({b} - ({a} + {b} + {c}) / 3) ^ 2 "
                 f"+ ({c} - ({a} + {b} + {c}) / 3) ^ 2) / 3)"]
    for t in T:
        rows += [f"mx_{t}: max(x_north_{t}, x_south_{t})", f"pr_{t}: x_north_{t} * x_south_{t}"]
    cells = [f"x_{r}_{t}" for r in R for t in T]
    rows.append(f"mn: min(min(min({cells[0]}, {cells[1]}), min({cells[2]}, {cells[3]})), min({cells[4]}, {cells[5]}))")
    rows.append("n: 6")
    return arrayed, HEAD + "auxiliaries:\n" + lines(*rows)


def exceptions():
    arrayed = HEAD + """
auxiliaries:
  y[region, tech]:
    equation: tech * time
    elements: {"north, coal": -time, "south, *": 7}
parameters:
  p[region]: {value: {north: 2, south: 3}}
  q[region, tech]: {value: [[1, 2, 3], [4, 5, 6]]}
"""
    rows = []
    for r in R:
        for j, t in enumerate(T):
            eq = "-time" if (r, t) == ("north", "coal") else "7" if r == "south" else f"{j + 1} * time"
            rows.append(f"y_{r}_{t}: {eq}")
    pars = ["p_north: 2", "p_south: 3"] + [f"q_{r}_{t}: {3 * i + j + 1}" for i, r in enumerate(R)
                                           for j, t in enumerate(T)]
    return arrayed, HEAD + "auxiliaries:\n" + lines(*rows) + "parameters:\n" + lines(*pars)


def broadcast_and_transpose():
    arrayed = HEAD + """
auxiliaries:
  a[region]: region * 10 + time
  b[tech]: tech
  c[region, tech]: a * b + a[region] - b[tech]
  tr[tech, region]: c[region, tech] * 2
  one: c[south, wind] + tr[coal, north]
"""
    rows = [f"a_{r}: {i + 1} * 10 + time" for i, r in enumerate(R)] + [f"b_{t}: {j + 1}" for j, t in enumerate(T)]
    rows += [f"c_{r}_{t}: a_{r} * b_{t} + a_{r} - b_{t}" for r in R for t in T]
    rows += [f"tr_{t}_{r}: c_{r}_{t} * 2" for t in T for r in R]
    rows.append("one: c_south_wind + tr_coal_north")
    return arrayed, HEAD + "auxiliaries:\n" + lines(*rows)


def subranges_and_mappings():
    head = HEAD + """  renew: [solar, wind]
  zone: {elements: [z1, z2], maps_to: region}
  area: {elements: [x, y, w], maps_to: {region: [north, north, south]}}
"""
    arrayed = head + """
auxiliaries:
  base[region]: region * 100
  z[zone]: base[zone] + 1
  ar[area]: base[area] * 2
  s[tech]:
    equation: 0
    elements: {renew: tech * 10}
  rsum: sum(s[renew])
"""
    rows = ["base_north: 1 * 100", "base_south: 2 * 100", "z_z1: base_north + 1", "z_z2: base_south + 1",
            "ar_x: base_north * 2", "ar_y: base_north * 2", "ar_w: base_south * 2",
            "s_solar: 1 * 10", "s_wind: 2 * 10", "s_coal: 0", "rsum: s_solar + s_wind"]
    return arrayed, head + "auxiliaries:\n" + lines(*rows)


def lookups():
    arrayed = HEAD + """
auxiliaries:
  shared[region]: curve(time + region)
  own[region]: per(time)
  fixed[tech]: per(per[south], time + tech)
lookups:
  curve: {points: [[0, 0], [4, 8], [8, 0]]}
  per[region]:
    elements: {north: [[0, 1], [6, 7]], south: [[0, 5], [6, -1]]}
"""
    scalar = HEAD + """
auxiliaries:
  shared_north: curve(time + 1)
  shared_south: curve(time + 2)
  own_north: per_north(time)
  own_south: per_south(time)
  fixed_solar: per_south(time + 1)
  fixed_wind: per_south(time + 2)
  fixed_coal: per_south(time + 3)
lookups:
  curve: {points: [[0, 0], [4, 8], [8, 0]]}
  per_north: {points: [[0, 1], [6, 7]]}
  per_south: {points: [[0, 5], [6, -1]]}
"""
    return arrayed, scalar


def stateful():
    arrayed = HEAD + """
auxiliaries:
  signal[region, tech]: step(region * tech, 1)
  sm[region, tech]: smooth(signal, tech)
  dl[region]: delay3(signal[region, wind], 2)
  fx[tech]: delay_fixed(signal[north, tech], 1, 0)
"""
    rows = [f"signal_{r}_{t}: step({i + 1} * {j + 1}, 1)" for i, r in enumerate(R) for j, t in enumerate(T)]
    rows += [f"sm_{r}_{t}: smooth(signal_{r}_{t}, {j + 1})" for r in R for j, t in enumerate(T)]
    rows += [f"dl_{r}: delay3(signal_{r}_wind, 2)" for r in R]
    rows += [f"fx_{t}: delay_fixed(signal_north_{t}, 1, 0)" for t in T]
    return arrayed, HEAD + "auxiliaries:\n" + lines(*rows)


def computed_position():
    arrayed = HEAD + """
auxiliaries:
  v[tech]: tech * 11
  pick: v[mod(int(time), 3) + 1]
  outside: v[int(time) + 1]
"""
    rows = ["v_solar: 1 * 11", "v_wind: 2 * 11", "v_coal: 3 * 11",
            "pick: if int(mod(int(time), 3) + 1) == 1 then v_solar else if int(mod(int(time), 3) + 1) == 2 "
            "then v_wind else if int(mod(int(time), 3) + 1) == 3 then v_coal else 0",
            "outside: if int(int(time) + 1) == 1 then v_solar else if int(int(time) + 1) == 2 then v_wind "
            "else if int(int(time) + 1) == 3 then v_coal else 0"]
    return arrayed, HEAD + "auxiliaries:\n" + lines(*rows)


def events_and_checks():
    arrayed = HEAD + """
stocks:
  s[region]: {initial: 5, inflows: [f]}
flows:
  f[region]: k[region]
parameters:
  k[region]: {value: [1, 2]}
events:
  - {name: boost, at: [2], set: {"k[north]": 10, "s[south]": 0}}
checks:
  - {name: total, lhs: "s[north] + s[south]", rhs: "sum(s[*])"}
"""
    scalar = HEAD + """
stocks:
  s_north: {initial: 5, inflows: [f_north]}
  s_south: {initial: 5, inflows: [f_south]}
flows:
  f_north: k_north
  f_south: k_south
parameters:
  k_north: 1
  k_south: 2
events:
  - {name: boost, at: [2], set: {k_north: 10, s_south: 0}}
checks:
  - {name: total, lhs: "s_north + s_south", rhs: "s_north + s_south"}
"""
    return arrayed, scalar


def stock_per_element_initial():
    arrayed = HEAD + """
stocks:
  st[tech]:
    initial: 1
    elements: {coal: 50}
    inflows: [into]
    non_negative: true
flows:
  into[tech]: -st[tech] * tech / 4 + (if tech == 2 then -30 else 0)
"""
    rows_s = [f"st_{t}: {{initial: {50 if t == 'coal' else 1}, inflows: [into_{t}], non_negative: true}}" for t in T]
    rows_f = [f"into_{t}: -st_{t} * {j + 1} / 4 + (if {j + 1} == 2 then -30 else 0)" for j, t in enumerate(T)]
    return arrayed, HEAD + "stocks:\n" + lines(*rows_s) + "flows:\n" + lines(*rows_f)


def ranges_and_sizes():
    head = "time: {start: 0, stop: 3, dt: 1}\ndimensions:\n  age: a1..a4\n  n3: 3\n"
    arrayed = head + """
auxiliaries:
  w[age, n3]: age * n3 + time
  oldest[n3]: w[a4, n3]
  total: sum(w[*, *]) / size(w[*, *])
"""
    ages = ("a1", "a2", "a3", "a4")
    rows = [f"w_{a}_{k}: {i + 1} * {k} + time" for i, a in enumerate(ages) for k in (1, 2, 3)]
    rows += [f"oldest_{k}: w_a4_{k}" for k in (1, 2, 3)]
    cells = [f"w_{a}_{k}" for a in ages for k in (1, 2, 3)]
    # a sum of 12 terms is built as a balanced tree: ((c1 + c2) + (c3 + c4)) + ...
    level = cells
    while len(level) > 1:
        nxt = [f"({level[i]} + {level[i + 1]})" for i in range(0, len(level) - 1, 2)]
        level = nxt + ([level[-1]] if len(level) % 2 else [])
    rows.append(f"total: {level[0]} / 12")
    return arrayed, head + "auxiliaries:\n" + lines(*rows)


def offsets():
    head = "time: {start: 0, stop: 3, dt: 1}\ndimensions:\n  age: 4\n"
    arrayed = head + """
auxiliaries:
  v[age]: age * 10 + time
  younger[age]: v[age - 1]
  older[age]: v[age + 1] * 2
"""
    rows = [f"v_{k}: {k} * 10 + time" for k in range(1, 5)]
    rows += [f"younger_{k}: {f'v_{k - 1}' if k > 1 else 0}" for k in range(1, 5)]
    rows += [f"older_{k}: {f'v_{k + 1} * 2' if k < 4 else 0}" for k in range(1, 5)]
    return arrayed, head + "auxiliaries:\n" + lines(*rows)


PAIRS = [offsets, chain, reductions, exceptions, broadcast_and_transpose, subranges_and_mappings, lookups, stateful,
         computed_position, events_and_checks, stock_per_element_initial, ranges_and_sizes]


def load_text(tmp_path, name, text):
    p = tmp_path / f"{name}.yaml"
    p.write_text(f"scenario: {name}\n" + text)
    return engine.load(p)


# every pair on the reference backend; on numba (a compile per model, and the backends' agreement
# is tested in test_backends.py) the one with stocks and state
CASES = [(p, "numpy") for p in PAIRS] + [(p, "numba") for p in (stateful,) if "numba" in BACKENDS]


@pytest.mark.parametrize("pair, backend", CASES, ids=[f"{p.__name__}-{b}" for p, b in CASES])
def test_an_arrayed_model_equals_its_scalar_twin(tmp_path, pair, backend):
    arrayed, scalar = pair()
    a = load_text(tmp_path, "arrayed", arrayed).run(backend=backend)
    s = load_text(tmp_path, "scalar", scalar).run(backend=backend)
    cells = [n for n in a.names if not n.startswith("check:")]
    assert sorted(scalar_name(n) for n in cells) == sorted(n for n in s.names if not n.startswith("check:"))
    for n in cells:
        assert np.array_equal(a[n], s[scalar_name(n)]), n


def test_results_carry_the_dimensions(tmp_path):
    m = load_text(tmp_path, "arrayed", chain()[0])
    r = m.run(backend="numpy")
    assert r["cap"].shape == (len(r.times), 2, 3, 1)
    assert np.array_equal(r["cap"][:, 1, 2, :], r["cap[south,coal]"])
    ds = r.to_xarray()
    assert ds["cap"].dims == ("time", "region", "tech", "run")
    assert np.array_equal(ds["cap"].sel(region="north", tech="wind").values, r["cap[north,wind]"])
    assert list(r.to_pandas().columns[:2]) == ["cap[north,solar]", "cap[north,wind]"]
    import xarray as xr
    path = r.to_hdf5(tmp_path / "r.h5")
    with xr.open_dataset(path, engine="h5netcdf") as f:
        assert list(f["region"].values) == ["north", "south"]
        assert np.array_equal(f["cap"].sel(tech="coal").values, r["cap"][:, :, 2, :])


def test_an_override_of_an_arrayed_parameter_sets_every_cell(tmp_path):
    base = chain()[0]
    m = load_text(tmp_path, "over", base + "overrides:\n  g: 0.3\n  \"g[wind]\": 0.4\n")
    assert [m.parameters[f"g[{t}]"].value for t in T] == [0.3, 0.4, 0.3]


def test_a_sweep_varies_and_measures_one_cell(tmp_path):
    (tmp_path / "arrayed.yaml").write_text("scenario: arrayed\n" + events_and_checks()[0])
    (tmp_path / "sweep.yaml").write_text("""sweep: cells
scenario: arrayed.yaml
method: grid
parameters:
  "k[south]": {levels: [1, 3]}
outputs:
  metrics:
    south_end: {variable: "s[south]", at: 6}
    north_big: {first: "s[north] > 8", otherwise: 99}
""")
    res = engine.sweep(tmp_path / "sweep.yaml", output=tmp_path / "s.h5", progress=False)
    m = res.metrics()
    # s[south] is set to 0 at t=2, then grows at k[south] per year for 4 years
    assert sorted(m["south_end"]) == [4, 12]
    # s[north] = 5 + t until 2, then + 10 per year: above 8 first at t = 2.25 (dt 0.25)
    assert list(m["north_big"]) == [2.25, 2.25]


# computed_position is left out: its cells are choices among the elements, each reading MOD and INT
# of the time, which XMILE spells by repeating their arguments (the reader refuses the result's size)
EXPORTED = [chain, reductions, exceptions, broadcast_and_transpose, subranges_and_mappings, stateful,
            stock_per_element_initial, ranges_and_sizes]


@pytest.mark.parametrize("pair", EXPORTED, ids=[p.__name__ for p in EXPORTED])
def test_arrays_export_to_xmile_as_arrays_and_come_back_with_the_same_numbers(tmp_path, pair):
    from engine.outputs.xmile import write
    m = load_text(tmp_path, "arrayed", pair()[0])
    notes = write(m.model, tmp_path / "a.xmile")
    assert not notes
    text = (tmp_path / "a.xmile").read_text()
    assert "<dimensions>" in text and "[" not in text.split("<model>")[0]
    back = engine.load(tmp_path / "a.xmile")
    a, b = m.run(backend="numpy"), back.run(backend="numpy")
    for n in a.names:
        if n.startswith("check:"):
            continue
        if n in b.names:
            np.testing.assert_allclose(b[n], a[n], rtol=1e-12, atol=1e-300, err_msg=n)
        else:           # a constant auxiliary comes back as a parameter
            assert np.all(a[n] == back.parameters[n].value), n


def test_a_lookup_called_with_a_computed_subscript_is_refused(tmp_path):
    from engine.errors import ModelError
    text = HEAD + """
auxiliaries:
  y: per(per[int(time) + 1], time)
lookups:
  per[region]:
    elements: {north: [[0, 1], [6, 7]], south: [[0, 5], [6, -1]]}
"""
    with pytest.raises(ModelError, match="the subscripts of lookup 'per' must name one of its cells"):
        load_text(tmp_path, "computed", text)
