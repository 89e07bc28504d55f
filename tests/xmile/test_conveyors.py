"""XMILE conveyors: the import's elements against the belt stepped slat by slat.

The reference below moves a literal belt (isee's per-DT rules: each step every cohort leaks, the
front slat leaves, the admitted inflow enters at the back, capacity and inflow limit bound what is
admitted), independently of the closed form the import writes.
"""
import numpy as np
import pytest

import engine

NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"


def belt(V, T, dt, steps, req, fracs=(), exponential=False, capacity=np.inf, in_limit=np.inf):
    """Conveyor, outflow, leaks and admitted inflow per step of a belt stepped slat by slat."""
    n = max(1, round(T / dt))
    c = [1.0]                               # a steady cohort's content, entry slat first
    for _ in range(n - 1):
        last = c[-1]
        if exponential:
            for f in fracs:
                last -= last * f * dt
        else:
            last -= sum(fracs) / n
        c.append(last)
    c = c[::-1]
    e = V / sum(c)
    slats = [[e * ci, e] for ci in c]       # [content, the cohort's volume at entry], front first
    out = {"conveyor": [], "outflow": [], "leaks": [], "inflow": []}
    for j in range(steps):
        content = sum(s[0] for s in slats)
        leak = [0.0] * len(fracs)
        for s in slats:
            for k, f in enumerate(fracs):
                amount = min(s[0] * f * dt if exponential else f * s[1] / n, s[0])
                s[0] -= amount
                leak[k] += amount
        front = slats[0][0]
        room = max(0.0, capacity - (content - sum(leak) - front))
        admitted = max(0.0, min(req(j * dt) * dt, room, in_limit * dt))
        slats = slats[1:] + [[admitted, admitted]]
        out["conveyor"].append(content)
        out["outflow"].append(front / dt)
        out["leaks"].append([x / dt for x in leak])
        out["inflow"].append(admitted / dt)
    return {k: np.array(v) for k, v in out.items()}


def model(tmp_path, conveyor, leaks=(), inflow="5 + STEP(10, 3) - STEP(12, 6)", method="", dt=0.5, stop=12,
          extra=""):
    outs = "".join(f"<outflow>leak{k}</outflow>" for k in range(len(leaks)))
    flows = "".join(f'<flow name="leak{k}"><eqn>{f}</eqn><non_negative/><leak/></flow>' for k, f in enumerate(leaks))
    p = tmp_path / "belt.xmile"
    p.write_text(f'<?xml version="1.0"?><xmile version="1.0" xmlns="{NS}"><sim_specs{method}><start>0</start>'
                 f"<stop>{stop}</stop><dt>{dt}</dt></sim_specs><model><variables>"
                 f'<stock name="belt"><eqn>30</eqn><inflow>arrive</inflow><outflow>leave</outflow>{outs}'
                 f"{conveyor}</stock>"
                 f'<flow name="arrive"><eqn>{inflow}</eqn></flow><flow name="leave"/>{flows}'
                 f'<aux name="transit"><eqn>2.5</eqn></aux>{extra}</variables></model></xmile>')
    return p


def request(t):
    return 5 + (10 if t >= 3 else 0) - (12 if t >= 6 else 0)


CASES = {
    "plain": ("<conveyor><len>transit</len></conveyor>", (), {}),
    "linear leaks": ("<conveyor><len>transit</len></conveyor>", (0.2, 0.1), {}),
    "exponential leaks": ('<conveyor exponential_leak="true"><len>transit</len></conveyor>', (0.2, 0.1),
                          {"exponential": True}),
    "capacity and inflow limit": ("<conveyor><len>transit</len><capacity>35</capacity><in_limit>12</in_limit>"
                                  "</conveyor>", (0.2,), {"capacity": 35, "in_limit": 12}),
}


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("case", CASES)
def test_a_conveyor_moves_as_its_belt_does(tmp_path, case, backend):
    conveyor, leaks, kw = CASES[case]
    r = engine.load(model(tmp_path, conveyor, leaks)).run(backend=backend)
    ref = belt(30, 2.5, 0.5, 25, request, fracs=leaks, **kw)
    np.testing.assert_allclose(r["belt"][:, 0], ref["conveyor"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r["leave"][:, 0], ref["outflow"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r["arrive"][:, 0], ref["inflow"], rtol=1e-12, atol=1e-12)
    for k in range(len(leaks)):
        np.testing.assert_allclose(r[f"leak{k}"][:, 0], ref["leaks"][:, k], rtol=1e-12, atol=1e-12)
    if case == "capacity and inflow limit":       # the limits bind: less is admitted than requested
        assert np.any(ref["inflow"] < np.array([request(t) for t in np.arange(25) * 0.5]) - 1)


def test_a_conveyor_delays_by_its_transit_time_and_conserves(tmp_path):
    """No leak: what enters leaves exactly one transit time (5 steps) later; the belt holds the rest."""
    r = engine.load(model(tmp_path, "<conveyor><len>transit</len></conveyor>", inflow="STEP(4, 1)")).run()
    arrive, leave, content = r["arrive"][:, 0], r["leave"][:, 0], r["belt"][:, 0]
    assert np.all(leave[:5] == 30 / 2.5)                      # the initial 30 spread over 5 slats
    np.testing.assert_array_equal(leave[5:], arrive[:-5])
    np.testing.assert_allclose(content[1:], 30 + np.cumsum(arrive - leave)[:-1] * 0.5, rtol=1e-12)


REFUSED = {
    "discrete": ('<conveyor discrete="true"><len>2</len></conveyor>', (), "", "discrete conveyors"),
    "arrest": ("<conveyor><len>2</len><arrest>TIME > 3</arrest></conveyor>", (), "", "<arrest>"),
    "varying transit": ("<conveyor><len>1 + TIME</len></conveyor>", (), "", "transit time that varies"),
    "varying leak": ("<conveyor><len>2</len></conveyor>", ("0.1 * TIME",), "", "leak fraction that varies"),
    "a leak from STEP": ("<conveyor><len>2</len></conveyor>", ("STEP(0.1, 3)",), "", "it calls STEP"),
    "rk4": ("<conveyor><len>2</len></conveyor>", (), ' method="RK4"', "RK4"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_a_conveyor_needs_per_slat_state_for_is_refused_by_name(tmp_path, case):
    conveyor, leaks, method, said = REFUSED[case]
    with pytest.raises(engine.ModelError, match="unsupported") as e:
        engine.load(model(tmp_path, conveyor, leaks, method=method))
    assert said in str(e.value)


def test_a_narrow_leak_zone_and_a_stray_leak_are_refused(tmp_path):
    p = model(tmp_path, "<conveyor><len>2</len></conveyor>", (0.1,))
    p.write_text(p.read_text().replace('<flow name="leak0">', '<flow name="leak0" leak_start="0.5">'))
    with pytest.raises(engine.ModelError, match="leak zone narrower"):
        engine.load(p)
    p = model(tmp_path, "<conveyor><len>2</len></conveyor>", extra='<flow name="stray"><eqn>0.1</eqn><leak/></flow>')
    with pytest.raises(engine.ModelError, match="leakage flow that is not an outflow of a conveyor"):
        engine.load(p)


@pytest.mark.parametrize("length, says", [("0", "transit time <len> is 0; it must be more than 0"),
                                          ("-2", "transit time <len> is -2; it must be more than 0")])
def test_a_transit_time_that_is_not_positive_is_an_error(tmp_path, length, says):
    with pytest.raises(engine.ModelError, match=says):
        engine.load(model(tmp_path, f"<conveyor><len>{length}</len></conveyor>"))


def test_a_conveyor_naming_a_flow_that_does_not_exist_is_an_error(tmp_path):
    p = model(tmp_path, "<conveyor><len>2</len></conveyor>")
    p.write_text(p.read_text().replace("<outflow>leave</outflow>", "<outflow>nowhere</outflow>"))
    with pytest.raises(engine.ModelError, match="flow 'nowhere' is not defined"):
        engine.load(p)


def test_a_transit_time_longer_than_the_run_keeps_the_initial_contents_leaving(tmp_path):
    """<len> 1e300: one slat per step of the run would be more than the run; what enters never
    leaves, and the initial contents, spread over the belt, leave at a negligible rate."""
    r = engine.load(model(tmp_path, "<conveyor><len>1e300</len></conveyor>", inflow="2")).run()
    assert np.all(r["leave"][:, 0] < 1e-290)
    np.testing.assert_allclose(r["belt"][:, 0], 30 + 2 * 0.5 * np.arange(25), rtol=1e-12)


# an arrayed conveyor: a belt per element, each with its own transit time, start value and inflow
REGION = '<dimensions><dim name="Region"/></dimensions>'
TRANSITS, STARTS, SCALES = (2.5, 1.0, 4.0), (30.0, 12.0, 0.0), (1.0, 2.0, 0.5)
REGION_CASES = {
    "plain": ("", (), {}),
    "linear leaks": ("", (0.2, 0.1), {}),
    "exponential leaks": (' exponential_leak="true"', (0.2, 0.1), {"exponential": True}),
    "capacity and inflow limit": ("<capacity>35</capacity><in_limit>12</in_limit>", (0.2,),
                                  {"capacity": 35, "in_limit": 12}),
}


def arrayed_model(tmp_path, case) -> object:
    attr, leaks, _ = REGION_CASES[case]
    attr, limits = (attr, "") if attr.startswith(" ") else ("", attr)

    def per_region(values):
        return "".join(f'<element subscript="{r}"><eqn>{x}</eqn></element>' for r, x in zip("abc", values))
    outs = "".join(f"<outflow>leak{k}</outflow>" for k in range(len(leaks)))
    flows = "".join(f'<flow name="leak{k}">{REGION}<eqn>{f}</eqn><non_negative/><leak/></flow>'
                    for k, f in enumerate(leaks))
    arrive = per_region(f"{s} * (5 + STEP(10, 3) - STEP(12, 6))" for s in SCALES)
    p = tmp_path / "belts.xmile"
    p.write_text(f'<?xml version="1.0"?><xmile version="1.0" xmlns="{NS}"><sim_specs><start>0</start>'
                 '<stop>12</stop><dt>0.5</dt></sim_specs><dimensions><dim name="Region"><elem name="a"/>'
                 '<elem name="b"/><elem name="c"/></dim></dimensions><model><variables>'
                 f'<stock name="belt">{REGION}{per_region(STARTS)}<inflow>arrive</inflow><outflow>leave</outflow>'
                 f"{outs}<conveyor{attr}><len>transit</len>{limits}</conveyor></stock>"
                 f'<flow name="arrive">{REGION}{arrive}</flow><flow name="leave">{REGION}</flow>{flows}'
                 f'<aux name="transit">{REGION}{per_region(TRANSITS)}</aux></variables></model></xmile>')
    return p


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("case", REGION_CASES)
def test_an_arrayed_conveyor_moves_as_a_belt_per_element(tmp_path, case, backend):
    _, leaks, kw = REGION_CASES[case]
    r = engine.load(arrayed_model(tmp_path, case)).run(backend=backend)
    for e, T, V, s in zip("abc", TRANSITS, STARTS, SCALES):
        ref = belt(V, T, 0.5, 25, lambda t, s=s: s * request(t), fracs=leaks, **kw)
        np.testing.assert_allclose(r[f"belt[{e}]"][:, 0], ref["conveyor"], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r[f"leave[{e}]"][:, 0], ref["outflow"], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r[f"arrive[{e}]"][:, 0], ref["inflow"], rtol=1e-12, atol=1e-12)
        for k in range(len(leaks)):
            np.testing.assert_allclose(r[f"leak{k}[{e}]"][:, 0], ref["leaks"][:, k], rtol=1e-12, atol=1e-12)


def test_a_conveyor_whose_flows_are_not_arrayed_as_it_is_is_refused(tmp_path):
    p = arrayed_model(tmp_path, "plain")
    p.write_text(p.read_text().replace(f'<flow name="leave">{REGION}</flow>', '<flow name="leave"/>'))
    with pytest.raises(engine.ModelError, match="'leave' is not arrayed as the conveyor is"):
        engine.load(p)
