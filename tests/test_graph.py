"""Feedback graph: evaluation order, loops through stocks and their polarity, DOT/PNG output."""
from conftest import MODELS

import engine
from engine.cli import main

LOOPS = """
time: {start: 0, stop: 30, dt: 0.25}
stocks:
  population: {initial: 100, inflows: [births], outflows: [deaths]}
flows:
  births: population * birth_rate
  deaths: population / lifetime * crowding
auxiliaries:
  crowding: 1 + population / capacity
parameters:
  birth_rate: 0.05
  lifetime: 40
  capacity: 1000
"""


def test_loops_and_polarity(build):
    m = build(LOOPS)
    loops = {tuple(lp.elements): lp.polarity for lp in m.loops()}
    assert loops[("population", "births")] == "reinforcing"
    assert loops[("population", "deaths")] == "balancing"
    assert loops[("population", "crowding", "deaths")] == "balancing"
    assert len(loops) == 3


def test_declared_polarity_overrides_measured(build):
    m = build(LOOPS.replace("crowding: 1 + population / capacity",
                            "crowding: {equation: 1 + population / capacity, polarity: {population: '-'}}"))
    loops = {tuple(lp.elements): lp.polarity for lp in m.loops()}
    assert loops[("population", "crowding", "deaths")] == "reinforcing"


def test_loops_through_builtins_are_found(build):
    m = engine.load(MODELS / "goal_seeking.yaml")
    loops = m.loops()
    pol = {lp.visible: lp.polarity for lp in loops}
    assert pol[("inventory", "desired_production", "production")] == "balancing"


def test_cli_loops_and_graph(write, tmp_path, capsys):
    p = write(LOOPS)
    assert main(["loops", str(p)]) == 0
    out = capsys.readouterr().out
    assert "R1" in out and "B1" in out and "3 loops (1 reinforcing, 2 balancing" in out
    assert main(["graph", str(p), "-o", str(tmp_path / "g")]) == 0
    dot = (tmp_path / "g.dot").read_text()
    assert '"births" -> "population"' in dot and (tmp_path / "g.png").stat().st_size > 1000


def test_declared_loop_names_the_shortest_matching_loop(build):
    m = build(LOOPS + "loops:\n  crowding limit: {elements: [population, deaths]}\n")
    named = [lp for lp in m.loops() if lp.name]
    assert len(named) == 1 and named[0].name == "crowding limit"
    assert named[0].elements == ("population", "deaths") and named[0].polarity == "balancing"


def test_link_never_active_in_the_run_takes_its_sign_from_the_equation(build):
    # births are capped all along the run, so nudging population never moves them;
    # the form min(population * rate, cap) still says the link is positive
    m = build("""
time: {start: 0, stop: 10, dt: 0.5}
stocks:
  population: {initial: 100, inflows: [births], outflows: [deaths]}
flows:
  births: min(population * birth_rate, cap)
  deaths: population / lifetime
parameters:
  birth_rate: 0.05
  cap: 1
  lifetime: 40
""")
    loops = {lp.elements: lp.polarity for lp in m.loops()}
    assert loops[("population", "births")] == "reinforcing"


def test_structural_sign_rules():
    from engine import lang as ex
    from engine.graph.polarity import structural_sign

    class M:
        elements = {}
    for text, sign in [("x * k", "+"), ("k / x", "-"), ("k - x", "-"), ("exp(-x)", "-"),
                       ("max(x, k) - min(k, 2 * x)", "?"), ("x ^ 2", "+"), ("k ^ x", "?"),
                       ("if k > 0 then x else 0", "+"), ("if x > 0 then 1 else 0", "?"),
                       ("zidz(k, x)", "-")]:
        assert structural_sign(ex.parse(text), "x", M) == sign, text


def test_a_negative_factor_or_divisor_turns_the_structural_sign():
    from engine import lang as ex
    from engine.graph.polarity import structural_sign

    class M:
        elements = {}
    for text, sign in [("x * -2", "-"), ("x / -4", "-"), ("-2 * x", "-"), ("-x * -3", "+"),
                       ("x * (0 - 2)", "-"), ("x * 2", "+"), ("k / -x", "+"), ("x ^ -1", "-"),
                       ("x ^ (1 / 2)", "+"), ("2 ^ x", "?")]:
        assert structural_sign(ex.parse(text), "x", M) == sign, text


def test_loops_are_listed_the_same_whatever_the_enumeration_order(build):
    """A ring of stocks with chords has more short loops than the limit: whole lengths only, sorted."""
    from engine.graph.polarity import LinkSigns
    from engine.graph.structure import feedback_loops
    n = 8
    stocks = "\n".join(f"  s{i}: {{initial: 1, inflows: [f{i}]}}" for i in range(n))
    flows = "\n".join(f"  f{i}: s{(i + 1) % n} + s{(i + 3) % n} - s{(i + 5) % n}" for i in range(n))
    m = build(f"time: {{start: 0, stop: 1, dt: 0.5}}\nstocks:\n{stocks}\nflows:\n{flows}\n")
    sign = LinkSigns(m.model, "numpy")
    full = feedback_loops(sign.plan.model, sign, max_length=12, limit=10 ** 6)
    cut = feedback_loops(sign.plan.model, sign, max_length=12, limit=len(full) // 2)
    assert 0 < cut.complete_to < full.complete_to
    assert [lp.elements for lp in cut] == [lp.elements for lp in full if len(lp.elements) <= cut.complete_to]
    assert [len(lp.elements) for lp in cut] == sorted(len(lp.elements) for lp in cut)


def test_cli_loops_named_warns_only_for_a_declared_loop_no_loop_matches(write, capsys):
    p = write(LOOPS + "loops:\n  crowding limit: {elements: [population, deaths]}\n"
                      "  ghost: {elements: [births, crowding]}\n")
    assert main(["loops", str(p), "--named"]) == 0
    out, err = capsys.readouterr()
    assert "crowding limit" in out
    assert "'crowding limit'" not in err and "LoopSpec" not in err
    assert "no loop passes through all the elements of 'ghost' (births, crowding;" in err


def test_the_declared_order_is_networkx_lexicographical_topological_sort():
    # the evaluation orders' sort (numbers instead of names, for large arrayed models) against
    # networkx's: nodes by declared rank, then by the order they were added; random graphs with
    # undeclared nodes, edges given twice, self-loops and cycles (None)
    import random
    from types import SimpleNamespace

    import networkx as nx

    from engine.graph.structure import _in_declared_order
    for trial in range(300):
        rnd = random.Random(trial)
        n = rnd.randint(1, 30)
        names = [f"v{i}" for i in range(n)]
        declared = rnd.sample(names, n)
        model = SimpleNamespace(elements=dict.fromkeys(declared[:rnd.randint(0, n)]))
        nodes = rnd.sample(names, rnd.randint(0, n))
        later = rnd.sample(names, n)            # edges along it: no cycle (but every third graph)
        edges = []
        for _ in range(rnd.randint(0, 3 * n)):
            a, b = rnd.choice(names), rnd.choice(names)
            if trial % 3 == 0 or later.index(a) < later.index(b):
                edges.append((a, b))
        added = list(dict.fromkeys(nodes + [x for e in edges for x in e]))
        g = nx.DiGraph()
        g.add_nodes_from(added)
        g.add_edges_from(edges)
        rank = {k: i for i, k in enumerate(model.elements)}
        got = _in_declared_order(nodes, edges, model)
        if nx.is_directed_acyclic_graph(g):
            assert got == list(nx.lexicographical_topological_sort(g, key=lambda x: (rank.get(x, 0), added.index(x))))
        else:
            assert got is None
