"""Equations: one parser core and its dialects, walkers that need no recursion, long chains
balanced, deep nesting refused with a message, one set of reserved names."""
import sys

import pytest

from engine import lang as ex
from engine.frontends.xmile.equations import parse as parse_xmile
from engine.lang.names import CANONICAL, KEYWORDS, RESERVED, reserved_key


def test_unparse_keeps_the_parentheses_a_negated_base_needs():
    tree = ex.Bin(0, "^", ex.Unary(0, "-", ex.Name(0, "x")), ex.Num(0, 2.0))
    assert ex.unparse(tree) == "(-x) ^ 2"
    assert ex.same(ex.parse(ex.unparse(tree)), tree)
    assert ex.unparse(ex.parse("-x ^ 2")) == "-x ^ 2"          # minus of the power: no parentheses
    assert ex.same(ex.parse("-x ^ 2"), ex.Unary(0, "-", ex.Bin(0, "^", ex.Name(0, "x"), ex.Num(0, 2.0))))


def test_a_sum_of_100000_terms_is_a_shallow_balanced_tree():
    tree = ex.parse(" + ".join(f"a{i % 7}" for i in range(100_000)) + " - b")
    assert ex.depth(tree) <= 20
    assert sum(1 for n in ex.walk(tree) if isinstance(n, ex.Name)) == 100_001


def test_a_long_chain_keeps_its_value_and_its_text():
    tree = ex.parse(" + ".join(f"a{i % 7}" for i in range(10_000)) + " - b * c * d / e")
    assert ex.same(ex.parse(ex.unparse(tree)), tree)
    ones = {n: ex.Num(0, 1.0) for n in ex.names(tree)}
    assert ex.constant(ex.substitute(tree, ones)) == 9_999.0


def test_a_short_chain_folds_left_as_written():
    assert ex.unparse(ex.parse("a - b - c")) == "a - b - c"
    tree = ex.parse("a - b - c")
    assert isinstance(tree, ex.Bin) and tree.op == "-" and isinstance(tree.left, ex.Bin)


@pytest.mark.parametrize("text", ["(" * 5000 + "x" + ")" * 5000, "-" * 5000 + "x", "x" + " ^ x" * 5000,
                                  "f(" * 5000 + "x" + ")" * 5000, "not " * 5000 + "x"])
def test_5000_deep_nesting_gives_a_clear_message(text):
    with pytest.raises(ex.ExprSyntaxError, match=f"nested too deeply \\(more than {ex.MAX_DEPTH} levels"):
        ex.parse(text)


def test_the_xmile_dialect_shares_the_core_and_its_limits():
    with pytest.raises(ex.ExprSyntaxError, match="nested too deeply"):
        parse_xmile("(" * 5000 + "x" + ")" * 5000)
    assert ex.depth(parse_xmile(" + ".join(["x"] * 10_000))) <= 16
    assert ex.same(parse_xmile("a MOD 3"), ex.Call(0, "mod", (ex.Name(0, "a"), ex.Num(0, 3.0))))


def test_walkers_visit_trees_deeper_than_the_recursion_limit():
    tree = ex.Name(0, "x")
    for _ in range(sys.getrecursionlimit() * 3):          # built by hand: no parser limit applies
        tree = ex.Unary(0, "-", tree)
    n = sys.getrecursionlimit() * 3 + 1
    assert ex.depth(tree) == n and sum(1 for _ in ex.walk(tree)) == n
    assert ex.names(tree) == {"x"}
    renamed = ex.substitute(tree, {"x": ex.Name(0, "y")})
    assert ex.names(renamed) == {"y"} and ex.depth(renamed) == n
    assert ex.unparse(tree).endswith("x") and ex.same(tree, tree)


def test_one_set_of_reserved_names():
    assert set(CANONICAL) == {reserved_key(n) for n in RESERVED}
    assert {"time", "dt", "pi", "final_time", "initial_time"} <= RESERVED
    assert KEYWORDS == {"if", "then", "else", "and", "or", "not"}
    assert all(ex.is_reserved(n.upper()) for n in RESERVED | KEYWORDS)


def test_a_shape_key_leaves_positions_out_and_nothing_else():
    from engine import lang as ex
    a, b = ex.parse("exp(-0.1 * (time - 2020)) + x"), ex.parse("  exp(-0.1*(time-2020))+x")
    assert a != b and ex.shape_key(a) == ex.shape_key(b)
    assert ex.shape_key(a) != ex.shape_key(ex.parse("exp(-0.1 * (time - 2021)) + x"))
    assert ex.shape_key(a) != ex.shape_key(ex.parse("exp(-0.1 * (time - 2020)) - x"))
    look = [ex.Lookup(0, i, "f", ex.Name(0, "time")) for i in (0, 1)]
    refs = [ex.Ref(3, i, "x") for i in (0, 1)]
    assert ex.shape_key(look[0]) != ex.shape_key(look[1])
    assert ex.shape_key(refs[0]) != ex.shape_key(refs[1])
    assert ex.shape_key(refs[0]) == ex.shape_key(ex.Ref(9, 0, "x"))
