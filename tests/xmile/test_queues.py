"""XMILE queues: the import's elements against a queue stepped batch by batch.

The reference below keeps a literal first-in-first-out list of batches (each step every inflow
with something to give adds a batch of inflow · DT at the back, in the listed order; the outflows
take from the front in their listed order: into a cloud or a stock everything, into a conveyor
what its room admits, splitting a batch where it must, or only the front batch when the conveyor
takes one at a time) and, downstream, a literal belt stepped slat by slat, independently of the
closed form the import writes.
"""
import re
from collections import deque

import numpy as np
import pytest
from js_support import needs_node, run_js

import engine
from engine.outputs.xmile import write as export_xmile

NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
DT, STOP = 0.5, 12
STEPS = round(STOP / DT) + 1


def arrive(t):
    return 4 + (10 if t >= 3 else 0) - (14 if t >= 6 else 0) + (6 if t >= 9 else 0)


def walk_in(t):
    return 2 - (3 if t >= 2 else 0) + (2 if t >= 7 else 0)      # negative from 2 to 7: no batch


def reference(q0, inflows, belt=None, overflow=False, one_at_a_time=False, steps=STEPS):
    """Queue, its outflows and (when it feeds one) the belt per step, batch by batch.

    ``belt``: dict(V=initial contents, T=transit time, capacity, in_limit, leak=linear fraction)."""
    batches = deque([q0] if q0 > 0 else [])
    out = {"queue": [], "serve": [], "spill": [], "belt": [], "leave": [], "leak": [], "batches": []}
    if belt:
        n = max(1, round(belt["T"] / DT))
        f = belt.get("leak", 0.0)
        per = [1 - f * k / n for k in range(n)][::-1]       # a steady cohort's content, front first
        e = belt["V"] / sum(per)
        slats = [[e * c, e] for c in per]                   # [content, the cohort's volume at entry]
    for j in range(steps):
        t = j * DT
        contents = sum(batches)
        out["queue"].append(contents)
        out["batches"].append(list(batches))
        if belt:
            on = sum(s[0] for s in slats)
            leak = 0.0
            for s in slats:
                amount = min(f * s[1] / n, s[0])
                s[0] -= amount
                leak += amount
            front = slats[0][0]
            room = max(0.0, min(belt.get("capacity", np.inf) - (on - leak - front),
                                belt.get("in_limit", np.inf) * DT))
            if one_at_a_time:
                room = min(room, batches[0] if batches else 0.0)
        else:
            room = np.inf
        taken = 0.0
        while batches and taken < room:         # from the front: whole batches, then part of one
            part = min(batches[0], room - taken)
            taken += part
            batches[0] -= part
            if batches[0] <= 1e-15 * max(1.0, part):
                batches.popleft()
        spilt = sum(batches) if overflow else 0.0   # the overflow takes what the first outflow left
        if overflow:
            batches.clear()
        for x in inflows:                       # new batches at the back, in the listed order
            amount = max(0.0, x(t)) * DT
            if amount > 0:
                batches.append(amount)
        out["serve"].append(taken / DT)
        out["spill"].append(spilt / DT)
        if belt:
            slats = slats[1:] + [[taken, taken]]
            out["belt"].append(on)
            out["leave"].append(front / DT)
            out["leak"].append(leak / DT)
    return {k: (np.array(v) if k != "batches" else v) for k, v in out.items()}


def model(tmp_path, conveyor="", overflow=False, inflows=("arrive", "walk in"), method="", extra="",
          queue="<queue/>"):
    spill = "<outflow>spill</outflow>" if overflow else ""
    spill_flow = '<flow name="spill"><overflow/></flow>' if overflow else ""
    ins = "".join(f"<inflow>{i}</inflow>" for i in inflows)
    down = (f'<stock name="belt"><eqn>20</eqn><inflow>serve</inflow><outflow>leave</outflow>'
            f"<outflow>leak</outflow>{conveyor}</stock>"
            '<flow name="leave"/><flow name="leak"><eqn>0.2</eqn><leak/></flow>') if conveyor else \
        '<stock name="served"><eqn>0</eqn><inflow>serve</inflow></stock>'
    p = tmp_path / "queue.xmile"
    p.write_text(f'<?xml version="1.0"?><xmile version="1.0" xmlns="{NS}"><sim_specs{method}><start>0</start>'
                 f"<stop>{STOP}</stop><dt>{DT}</dt></sim_specs><model><variables>"
                 f'<stock name="line"><eqn>5</eqn>{ins}<outflow>serve</outflow>{spill}{queue}</stock>'
                 '<flow name="arrive"><eqn>4 + STEP(10, 3) - STEP(14, 6) + STEP(6, 9)</eqn></flow>'
                 '<aux name="walk in"><eqn>2 - STEP(3, 2) + STEP(2, 7)</eqn></aux>'    # an aux as a flow
                 '<flow name="serve"><eqn>1000</eqn></flow>'       # a queue's outflow: its equation is not used
                 f"{spill_flow}{down}{extra}</variables></model></xmile>")
    return p


def close(a, b, what):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_queue_into_a_stock_lets_everything_out_one_step_later(tmp_path, backend):
    r = engine.load(model(tmp_path)).run(backend=backend)
    ref = reference(5, (arrive, walk_in))
    close(r["line"][:, 0], ref["queue"], "queue")
    close(r["serve"][:, 0], ref["serve"], "outflow")
    close(r["walk_in"][:, 0], [max(0, walk_in(j * DT)) for j in range(STEPS)], "inflow (no negative batch)")
    assert max(len(b) for b in ref["batches"]) == 2        # two inflows: two batches a step, in order
    assert ref["batches"][1] == [arrive(0) * DT, walk_in(0) * DT]


def test_the_batches_of_a_queue_that_lets_everything_out_are_read(tmp_path):
    """q[1] (the front batch, the first out), q[2], q[3] (beyond the last: 0), SIZE and SUM: the
    queue holds what its inflows gave the step before, one batch each, in their listed order."""
    reads = {"front": "line[1]", "second": "line[2]", "third": "line[3]", "place": "line[INT(TIME) MOD 3]",
             "count": "SIZE(line)", "total": "SUM(line)"}
    extra = "".join(f'<aux name="{k}"><eqn>{e}</eqn></aux>' for k, e in reads.items())
    r = engine.load(model(tmp_path, extra=extra)).run()
    ref = reference(5, (arrive, walk_in))

    def at(j, n):
        b = ref["batches"][j]
        return b[n - 1] if 1 <= n <= len(b) else 0.0
    close(r["front"][:, 0], [at(j, 1) for j in range(STEPS)], "front")
    close(r["second"][:, 0], [at(j, 2) for j in range(STEPS)], "second")
    assert np.all(r["third"][:, 0] == 0)
    close(r["place"][:, 0], [at(j, int(j * DT) % 3) for j in range(STEPS)], "place")
    close(r["count"][:, 0], [len(b) for b in ref["batches"]], "count")
    close(r["total"][:, 0], ref["queue"], "total")
    assert {len(b) for b in ref["batches"]} == {0, 1, 2}      # empty, one and two batches


CONVEYORS = {
    "capacity and inflow limit": ('<conveyor one_at_a_time="false"><len>2</len><capacity>32</capacity>'
                                  "<in_limit>9</in_limit></conveyor>", False,
                                  dict(V=20, T=2, capacity=32, in_limit=9, leak=0.2)),
    "an overflow takes what the belt refuses": ('<conveyor one_at_a_time="false"><len>2</len>'
                                                "<capacity>22</capacity></conveyor>", True,
                                                dict(V=20, T=2, capacity=22, leak=0.2)),
}


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("case", CONVEYORS)
def test_a_queue_feeding_a_conveyor_lets_out_what_the_belt_admits(tmp_path, case, backend):
    conveyor, overflow, belt = CONVEYORS[case]
    r = engine.load(model(tmp_path, conveyor, overflow)).run(backend=backend)
    ref = reference(5, (arrive, walk_in), belt, overflow)
    for name, col in (("line", "queue"), ("serve", "serve"), ("belt", "belt"), ("leave", "leave"),
                      ("leak", "leak")):
        close(r[name][:, 0], ref[col], name)
    if overflow:
        close(r["spill"][:, 0], ref["spill"], "spill")
        assert ref["spill"].max() > 5                       # the belt's capacity binds
    else:
        assert ref["queue"].max() > 15 and max(len(b) for b in ref["batches"]) == 3     # batches wait


def test_one_batch_at_a_time_from_a_queue_of_one_inflow(tmp_path):
    """The XMILE default (one_at_a_time) into a belt without limits: the queue never holds more
    than one batch, so its front batch is all of it."""
    p = model(tmp_path, "<conveyor><len>2</len></conveyor>", inflows=("arrive",))
    r = engine.load(p).run()
    ref = reference(5, (arrive,), dict(V=20, T=2, leak=0.2), one_at_a_time=True)
    assert max(len(b) for b in ref["batches"]) == 1
    for name, col in (("line", "queue"), ("serve", "serve"), ("belt", "belt"), ("leave", "leave")):
        close(r[name][:, 0], ref[col], name)


def test_a_queue_between_two_conveyors_conserves_what_it_passes_on(tmp_path):
    """Belt -> queue -> belt with a capacity and an inflow limit, the overflow into a stock: the
    material on the belts, in the queue and downstream is what was loaded, and the queue empties
    every step into the second belt (at most its inflow limit) and the overflow."""
    p = tmp_path / "chain.xmile"
    p.write_text(f'<?xml version="1.0"?><xmile version="1.0" xmlns="{NS}"><sim_specs><start>0</start><stop>12</stop>'
                 "<dt>0.25</dt></sim_specs><model><variables>"
                 '<stock name="first belt"><eqn>10</eqn><inflow>load</inflow><outflow>unload</outflow>'
                 "<conveyor><len>1.5</len></conveyor></stock>"
                 '<flow name="load"><eqn>6 + STEP(8, 2) - STEP(12, 5)</eqn></flow><flow name="unload"/>'
                 '<stock name="line"><eqn>2</eqn><inflow>unload</inflow><outflow>serve</outflow>'
                 "<outflow>spill</outflow><queue/></stock>"
                 '<flow name="serve"/><flow name="spill"><overflow/></flow>'
                 '<stock name="second belt"><eqn>4</eqn><inflow>serve</inflow><outflow>off</outflow>'
                 '<conveyor one_at_a_time="false"><len>2</len><capacity>20</capacity><in_limit>9</in_limit>'
                 '</conveyor></stock><flow name="off"/>'
                 '<stock name="rejected"><eqn>0</eqn><inflow>spill</inflow></stock>'
                 '<stock name="out"><eqn>0</eqn><inflow>off</inflow></stock></variables></model></xmile>')
    r = engine.load(p).run()
    v = {k: r[k][:, 0] for k in ("first_belt", "line", "second_belt", "rejected", "out", "load", "serve", "spill")}
    loaded = 16 + np.concatenate([[0], np.cumsum(v["load"][:-1]) * 0.25])
    close(v["first_belt"] + v["line"] + v["second_belt"] + v["rejected"] + v["out"], loaded, "conservation")
    close(v["serve"] + v["spill"], v["line"] / 0.25, "the queue empties")
    assert v["serve"].max() == 9 and v["spill"].max() > 4          # the inflow limit binds


@pytest.mark.parametrize("into", ["a stock, its batches read", "a conveyor, with an overflow"])
def test_an_exported_queue_imports_back_with_the_same_numbers(tmp_path, into):
    if into.startswith("a stock"):
        m = engine.load(model(tmp_path, extra='<aux name="front"><eqn>line[1]</eqn></aux>'
                                              '<aux name="count"><eqn>SIZE(line)</eqn></aux>'))
        names = ("line", "serve", "front", "count", "walk_in")
    else:
        m = engine.load(model(tmp_path, CONVEYORS["an overflow takes what the belt refuses"][0], True))
        names = ("line", "serve", "spill", "belt", "leave", "arrive", "walk_in")
    assert export_xmile(m.model, tmp_path / "back.xmile") == []
    a, b = m.run(), engine.load(tmp_path / "back.xmile").run()
    for name in names:
        close(b[name], a[name], name)


@needs_node
def test_a_queue_runs_alike_in_javascript(tmp_path):
    """The web page's JavaScript kernel computes what numpy does (a queue is plain elements there
    too; its batch reads are pipelines)."""
    extra = '<aux name="front"><eqn>line[1]</eqn></aux><aux name="count"><eqn>SIZE(line)</eqn></aux>'
    for conveyor, overflow in (("", False), (CONVEYORS["an overflow takes what the belt refuses"][0], True)):
        m = engine.load(model(tmp_path, conveyor, overflow, extra="" if conveyor else extra))
        plan = m.plan()
        got = run_js(plan, [{}], tmp_path)[0]
        r = m.run()
        for i, name in enumerate(plan.saved_names):
            close(got[:, i], r[name][:, 0], name)


REFUSED = {
    "arrayed, its flows not": ("a queue whose flow 'arrive' is not arrayed as the queue is",
                               dict(queue="<queue/><dimensions><dim name=\"d\"/></dimensions>")),
    "rk4": ("a queue under RK4 integration", dict(method=' method="RK4"')),
    "one batch at a time into a limited belt": (
        "one batch at a time (one_at_a_time, the XMILE default) from queue 'line'",
        dict(conveyor="<conveyor><len>2</len><capacity>30</capacity></conveyor>")),
    "whole batches": ("only whole batches (batch_integrity) from queue 'line'",
                      dict(conveyor='<conveyor one_at_a_time="false" batch_integrity="true"><len>2</len>'
                                    "<in_limit>3</in_limit></conveyor>")),
    "a batch held by a belt": ("the batches of a queue whose first outflow does not take everything",
                               dict(conveyor='<conveyor one_at_a_time="false"><len>2</len></conveyor>',
                                    extra='<aux name="first"><eqn>line[1]</eqn></aux>')),
    "a queue's mean": ("MIN, MAX, MEAN, STDDEV and PROD of a queue's batches",
                       dict(extra='<aux name="first"><eqn>MEAN(line)</eqn></aux>')),
    "QLEN": ("builtin QLEN", dict(extra='<aux name="first"><eqn>QLEN(line)</eqn></aux>')),
}


def arrayed(p, starts=(5, 0, 9)):
    """The model of ``p`` with every variable arrayed over three places (apply to all), but the
    queue's start value given place by place."""
    text = re.sub(r'<(stock|flow|aux) name="([^"]+)"/>', r'<\1 name="\2"></\1>', p.read_text())
    text = re.sub(r'(<(?:stock|flow|aux) name="[^"]+">)', r'\1<dimensions><dim name="Place"/></dimensions>', text)
    text = text.replace("<model>", '<dimensions><dim name="Place" size="3"/></dimensions><model>')
    pieces = "".join(f'<element subscript="{i + 1}"><eqn>{x}</eqn></element>' for i, x in enumerate(starts))
    text = text.replace('<stock name="line"><dimensions><dim name="Place"/></dimensions><eqn>5</eqn>',
                        f'<stock name="line"><dimensions><dim name="Place"/></dimensions>{pieces}', 1)
    assert pieces in text
    p.write_text(text)
    return p


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("into", ["a stock", "a conveyor, with an overflow"])
def test_an_arrayed_queue_is_a_queue_per_element(tmp_path, into, backend):
    """Each place's queue (and belt) steps as a queue of its own start value does, batch by batch."""
    if into == "a stock":
        p, belt, overflow = model(tmp_path), None, False
        names = (("line", "queue"), ("serve", "serve"))
    else:
        conveyor, overflow, belt = CONVEYORS["an overflow takes what the belt refuses"]
        p = model(tmp_path, conveyor, overflow)
        names = (("line", "queue"), ("serve", "serve"), ("spill", "spill"), ("belt", "belt"), ("leave", "leave"))
    starts = (5, 0, 9)
    r = engine.load(arrayed(p, starts)).run(backend=backend)
    for i, q0 in enumerate(starts):
        ref = reference(q0, (arrive, walk_in), belt, overflow)
        for name, col in names:
            close(r[f"{name}[{i + 1}]"][:, 0], ref[col], f"{name}[{i + 1}]")


def test_an_arrayed_queue_is_read_as_an_array(tmp_path):
    """Subscripts and array functions of an arrayed queue read its elements (not its batches)."""
    p = arrayed(model(tmp_path, extra='<aux name="first"><eqn>line[3]</eqn></aux>'
                                      '<aux name="all"><eqn>SUM(line[*])</eqn></aux>'))
    r = engine.load(p).run()
    close(r["first[1]"][:, 0], r["line[3]"][:, 0], "line[3]")
    close(r["all[2]"][:, 0], sum(r[f"line[{i}]"][:, 0] for i in (1, 2, 3)), "SUM")


@pytest.mark.parametrize("case", REFUSED)
def test_what_depends_on_the_batches_is_refused_by_name(tmp_path, case):
    said, kw = REFUSED[case]
    p = model(tmp_path, **kw)
    if case.startswith("arrayed"):
        p.write_text(p.read_text().replace("<model>", '<dimensions><dim name="d" size="2"/></dimensions><model>'))
    with pytest.raises(engine.ModelError, match="unsupported XMILE construct") as e:
        engine.load(p)
    assert said in str(e.value)
    element = {"one batch at a time into a limited belt": "belt", "whole batches": "belt"}.get(
        case, "first" if "extra" in kw else "line")
    assert e.value.element == element


@pytest.mark.parametrize("change, says, element", [
    (("<outflow>serve</outflow>", "<outflow>nowhere</outflow>"), "flow 'nowhere' is not defined", "line"),
    (("<outflow>serve</outflow>", '<outflow>serve</outflow><outflow>drop</outflow>'),
     "after the first that is not an <overflow/> ('drop')", "line"),
    (('<flow name="drop"><eqn>1</eqn>', '<flow name="drop"><eqn>1</eqn><overflow/>'),
     "an <overflow/> flow that is not an outflow of a queue", "drop"),
    (("<eqn>5</eqn>", "<eqn>-5</eqn>"), "the queue starts at -5", "line"),
    (("<queue/>", "<queue/><conveyor><len>2</len></conveyor>"), "a conveyor or a queue, not both", "line"),
])
def test_a_queue_written_wrong_is_an_error_naming_it(tmp_path, change, says, element):
    p = model(tmp_path, extra='<flow name="drop"><eqn>1</eqn></flow>')
    p.write_text(p.read_text().replace(*change, 1))
    with pytest.raises(engine.ModelError, match=re.escape(says)) as e:
        engine.load(p)
    assert e.value.element == element
