"""Syntax trees of equations: the closed set of node types, and walkers that need no recursion.

Every front end (YAML scenarios, XMILE) parses into these nodes; every later stage reads them.
``walk``, ``transform`` and ``substitute`` keep an explicit stack, so a tree of any depth can be
visited; the parser also caps nesting (``parser.MAX_DEPTH``) so that generated code stays shallow.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Node:
    """A node of an equation's syntax tree; ``pos`` is the 0-based column in the source text."""
    pos: int


@dataclass(frozen=True)
class Num(Node):
    """A number."""
    value: float


@dataclass(frozen=True)
class Name(Node):
    """A reference to a model element or a reserved variable (time, dt, ...)."""
    id: str


@dataclass(frozen=True)
class Sub(Node):
    """A subscripted reference ``id[s1, s2, ...]`` to an arrayed element (front ends and the model
    stage only: arrays are resolved to their cells before the plan). Each subscript is a Name
    (a dimension, standing for "this element" in an apply-to-all equation; or an element), the
    Name ``*`` (the whole dimension, inside a reduction), a number (a 1-based position) or any
    other expression (a position computed as the model runs)."""
    id: str
    subs: tuple


@dataclass(frozen=True)
class Unary(Node):
    """Negation ('-') or logical 'not'."""
    op: str
    arg: Node


@dataclass(frozen=True)
class Bin(Node):
    """A binary operation: + - * / ^ < <= > >= == != and or."""
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class If(Node):
    """if cond then a else b."""
    cond: Node
    then: Node
    other: Node


@dataclass(frozen=True)
class Call(Node):
    """A builtin function or a lookup called by name (``fn`` lower-case, spaces as '_')."""
    fn: str
    args: tuple


@dataclass(frozen=True)
class Ref(Node):
    """A model element resolved to its slot (only in compiled plans)."""
    slot: int
    name: str


@dataclass(frozen=True)
class Lookup(Node):
    """A graphical function resolved to its table (only in compiled plans)."""
    table: int
    name: str
    arg: Node


def children(node: Node) -> tuple:
    """The direct sub-trees of a node, in order."""
    kids = _KIDS.get(type(node))
    return kids(node) if kids is not None else ()


_KIDS: dict = {
    Unary: lambda n: (n.arg,),
    Lookup: lambda n: (n.arg,),
    Bin: lambda n: (n.left, n.right),
    If: lambda n: (n.cond, n.then, n.other),
    Call: lambda n: tuple(n.args),
    Sub: lambda n: tuple(n.subs),
}


def rebuild(node: Node, kids: tuple) -> Node:
    """A copy of ``node`` with other children (same type, operator and position). The copy is
    made field by field without the dataclass's ``__init__`` (twice as fast; large arrayed
    models rebuild millions of nodes): the same node as the constructor would make."""
    t = type(node)
    if t not in _KIDS:
        return node
    new = object.__new__(t)
    fields = new.__dict__
    fields.update(node.__dict__)
    if t is Bin:
        fields["left"] = kids[0]
        fields["right"] = kids[1]
    elif t is Call:
        fields["args"] = tuple(kids)
    elif t is If:
        fields["cond"] = kids[0]
        fields["then"] = kids[1]
        fields["other"] = kids[2]
    elif t is Sub:
        fields["subs"] = tuple(kids)
    else:                               # Unary, Lookup
        fields["arg"] = kids[0]
    return new


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right."""
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        n: Any = pop()
        yield n
        t = type(n)
        if t is Bin:
            push(n.right)
            push(n.left)
        elif t is Call:
            extend(reversed(n.args))
        elif t is If:
            push(n.other)
            push(n.then)
            push(n.cond)
        elif t is Unary or t is Lookup:
            push(n.arg)
        elif t is Sub:
            extend(reversed(n.subs))


def transform(node: Node, fn: Callable[[Node], Node]) -> Node:
    """Rebuild the tree bottom-up: ``fn`` gets each node with its children already transformed
    and returns its replacement. Unchanged sub-trees are shared, not copied."""
    stack: list = [node]        # a node to visit, or (node, its children) to rebuild
    done: list = []
    kids_of = _KIDS.get
    while stack:
        item = stack.pop()
        if type(item) is tuple:
            n, kids = item
            k = len(kids)
            new = tuple(done[-k:])
            del done[-k:]
            for a, b in zip(new, kids):
                if a is not b:
                    n = rebuild(n, new)
                    break
            done.append(fn(n))
            continue
        f = kids_of(type(item))
        kids = f(item) if f is not None else ()
        if kids:
            stack.append((item, kids))
            stack.extend(reversed(kids))
        else:
            done.append(fn(item))
    return done[0]


def dump(node: Node | None) -> str:
    """The whole tree as compact text, every field of every node in walk order (equal trees,
    and only they, give the same text): a faster ``repr`` for hashing many trees."""
    if node is None:
        return "None"
    out: list = []
    put = out.append
    stack = [node]
    pop, push = stack.pop, stack.append
    while stack:
        n: Any = pop()
        t = type(n)
        if t is Num:
            put(f"N{n.pos}:{n.value!r}")
        elif t is Ref:
            put(f"R{n.pos}:{n.slot}:{n.name!r}")
        elif t is Name:
            put(f"n{n.pos}:{n.id!r}")
        elif t is Bin:
            put(f"B{n.pos}:{n.op}")
            push(n.right)
            push(n.left)
        elif t is Call:
            put(f"C{n.pos}:{n.fn!r}:{len(n.args)}")
            stack.extend(reversed(n.args))
        elif t is If:
            put(f"I{n.pos}")
            push(n.other)
            push(n.then)
            push(n.cond)
        elif t is Unary:
            put(f"U{n.pos}:{n.op}")
            push(n.arg)
        elif t is Lookup:
            put(f"L{n.pos}:{n.table}:{n.name!r}")
            push(n.arg)
        elif t is Sub:
            put(f"S{n.pos}:{n.id!r}:{len(n.subs)}")
            stack.extend(reversed(n.subs))
        else:
            put(repr(n))
    return " ".join(out)


def substitute(node: Node, mapping: dict) -> Node:
    """A copy of the tree with names replaced by the sub-trees ``mapping`` gives for them."""
    return transform(node, lambda n: mapping.get(n.id, n) if isinstance(n, Name) else n)


def cell_of(node: Sub) -> str | None:
    """The name of the cell a subscripted reference with element subscripts names
    (``cap[north, solar]`` -> ``cap[north,solar]``), or None when a subscript is anything else."""
    subs = []
    for s in node.subs:
        if isinstance(s, Name) and s.id != "*":
            subs.append(s.id)
        elif isinstance(s, Num) and s.value.is_integer():
            subs.append(str(int(s.value)))
        else:
            return None
    return f"{node.id}[{','.join(subs)}]"


def named_cells(node: Node) -> Node:
    """The tree with each reference to one cell (``cap[north, solar]``) as that cell's name: for
    expressions read outside the model's equations (metrics), which name cells, not arrays."""
    def one(n):
        cell = cell_of(n) if isinstance(n, Sub) else None
        return Name(n.pos, cell) if cell is not None else n
    return transform(node, one)


def size(node: Node) -> int:
    """The number of nodes of the tree as the later stages walk it; a sub-tree shared by several
    parents (as front ends build MOD and INT) counts once per parent, but is visited once."""
    counted: dict = {}
    stack = [(node, False)]
    while stack:
        n, done = stack.pop()
        if id(n) in counted and not done:
            continue
        if done:
            counted[id(n)] = 1 + sum(counted[id(k)] for k in children(n))
        else:
            stack.append((n, True))
            stack.extend((k, False) for k in children(n) if id(k) not in counted)
    return counted[id(node)]


def depth(node: Node) -> int:
    """The number of nodes on the longest path from the root to a leaf."""
    best = 0
    stack = [(node, 1)]
    kids_of = _KIDS.get
    while stack:
        n, d = stack.pop()
        if d > best:
            best = d
        kids = kids_of(type(n))
        if kids is not None:
            stack.extend([(k, d + 1) for k in kids(n)])
    return best


def names(node: Node) -> set[str]:
    """Names of elements (and reserved variables) an expression refers to; functions excluded."""
    return {n.id for n in walk(node) if isinstance(n, (Name, Sub)) and n.id != "*"}


def calls(node: Node) -> set[str]:
    """Names of functions (and lookups) an expression calls."""
    return {n.fn for n in walk(node) if isinstance(n, Call)}


def constant(node: Node) -> float:
    """The value of an expression made of numbers and + - * / ^ only; ValueError otherwise."""
    def fold(n):
        if isinstance(n, Num):
            return n
        if isinstance(n, Unary) and n.op == "-" and isinstance(n.arg, Num):
            return Num(n.pos, -n.arg.value)
        if isinstance(n, Bin) and n.op in ("+", "-", "*", "/", "^") and \
                isinstance(n.left, Num) and isinstance(n.right, Num):
            return Num(n.pos, _arith(n.op, n.left.value, n.right.value))
        raise ValueError("not a constant")
    out = transform(node, fold)
    assert isinstance(out, Num)
    return out.value


def _arith(op: str, a: float, b: float) -> float:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b if b else math.nan
        return a ** b
    except (OverflowError, ZeroDivisionError):
        return math.inf if op != "/" else math.nan


# precedence of each level, as both grammars read them (higher binds tighter)
PREC = {"or": 1, "and": 2, "not": 3, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
        "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "^": 8}


def unparse(node: Node) -> str:
    """Equation text of a tree in carbonloop's own syntax; ``parse(unparse(t))`` gives ``t`` back
    (positions aside). Parentheses appear only where precedence needs them."""
    out: list = []
    stack: list = [(node, 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        else:
            stack.extend(reversed(_pieces(*item)))
    return "".join(out)


def _own(n: Node) -> int:
    """The precedence of the text a node prints (10: an atom)."""
    if isinstance(n, Num):
        return PREC["neg"] if n.value < 0 else 10
    if isinstance(n, Unary):
        return PREC["neg"] if n.op == "-" else PREC["not"]
    if isinstance(n, Bin):
        return PREC[n.op]
    return 0 if isinstance(n, If) else 10


def _pieces(n: Node, least: int) -> list:
    """The text of one node as strings and (child, least precedence it may print) items; the
    node is parenthesised when its own precedence is below ``least``."""
    if isinstance(n, Num):
        parts: list = [_number(n.value)]
    elif isinstance(n, (Name, Ref)):
        parts = [n.id if isinstance(n, Name) else n.name]
    elif isinstance(n, Lookup):
        parts = [f"{n.name}(", (n.arg, 0), ")"]
    elif isinstance(n, Unary):
        parts = ["-", (n.arg, PREC["neg"])] if n.op == "-" else ["not ", (n.arg, PREC["not"])]
    elif isinstance(n, Bin):
        p = PREC[n.op]
        left, right = (p + 1, p) if n.op == "^" else (p + 1, p + 1) if p == PREC["=="] else (p, p + 1)
        parts = [(n.left, left), f" {n.op} ", (n.right, right)]
    elif isinstance(n, If):
        parts = ["if ", (n.cond, 0), " then ", (n.then, 0), " else ", (n.other, 0)]
    elif isinstance(n, Sub):
        parts = [f"{n.id}["]
        for i, a in enumerate(n.subs):
            parts += ([", "] if i else []) + [(a, 0)]
        parts.append("]")
    elif isinstance(n, Call):
        parts = [f"{n.fn}("]
        for i, a in enumerate(n.args):
            parts += ([", "] if i else []) + [(a, 0)]
        parts.append(")")
    else:
        raise TypeError(f"not a syntax tree node: {n!r}")
    return ["(", *parts, ")"] if _own(n) < least else parts


def _number(v: float) -> str:
    if math.isinf(v):
        return "1e999" if v > 0 else "-1e999"
    if math.isnan(v):
        return "(0 * 1e999)"
    return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def shape_key(node: Node) -> tuple:
    """A hashable key of a tree that leaves source positions out: equal for trees that differ only
    in where they were written (one part of two equations), different otherwise."""
    out: list = []
    n: Any
    for n in walk(node):
        t = type(n)
        if t is Num:
            out.append(("N", n.value))
        elif t is Name:
            out.append(("n", n.id))
        elif t is Bin or t is Unary:
            out.append((t.__name__, n.op))
        elif t is Call:
            out.append(("C", n.fn, len(n.args)))
        elif t is Ref:
            out.append(("R", n.slot, n.name))
        elif t is Lookup:
            out.append(("L", n.table, n.name))
        elif t is Sub:
            out.append(("S", n.id, len(n.subs)))
        else:
            out.append((t.__name__,))
    return tuple(out)


def same(a: Node, b: Node) -> bool:
    """True when two trees are equal apart from source positions."""
    sa, sb = list(walk(a)), list(walk(b))
    if len(sa) != len(sb):
        return False
    return all(_same_node(x, y) for x, y in zip(sa, sb))


def _same_node(x: Node, y: Node) -> bool:
    """True when two nodes agree apart from their position and children."""
    if type(x) is not type(y):
        return False
    if isinstance(x, Num) and isinstance(y, Num):
        return x.value == y.value or (x.value != x.value and y.value != y.value)
    if isinstance(x, Name) and isinstance(y, Name):
        return x.id == y.id
    if isinstance(x, (Unary, Bin)) and isinstance(y, (Unary, Bin)):
        return x.op == y.op
    if isinstance(x, Call) and isinstance(y, Call):
        return x.fn == y.fn and len(x.args) == len(y.args)
    if isinstance(x, Sub) and isinstance(y, Sub):
        return x.id == y.id and len(x.subs) == len(y.subs)
    return True
