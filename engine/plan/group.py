"""Arrays kept as arrays in the plan: the cells of one arrayed equation as one statement.

Arrayed elements reach the plan as cells (``x[a,b]``), each with its own resolved tree. The
cells of one arrayed element whose trees have the same shape, and differ only in the slots they
read and in their numbers, become one ``Block``: a template tree and, per cell, the slot it
defines, the slots it reads and the numbers it holds. A backend writes one statement per block
that loops over its cells (numpy over an element axis beside the run axis, numba in a compiled
loop), so the code a backend writes, and its compile time, do not grow with dimension sizes.

A runlist becomes a sequence of items, each a slot (a statement of its own, as before) or a
block, in an order that respects every dependency between cells:

- a block whose cells read each other (``x[i]`` uses ``x[i-1]``) holds them level by level
  (``levels``: the cells of a level read only cells of earlier levels), so a sequential loop over
  its cells, or one vector operation per level, computes them in a valid order;
- blocks that depend on each other both ways (``a[2]`` reads ``b[1]``, ``b[1]`` reads ``a[1]``)
  go back to statements of their own, cell by cell, which then follow the runlist's order.

Only cells of arrayed elements are grouped, only auxiliaries, flows and the start values of
stocks and pipelines, and never a tree that calls a vector or matrix kernel (``builtins/cells.py`` and ``profiles.py``:
it computes one cell from the position it is given); everything else stays a statement of its
own. A random call's
stream key (``noise.py``) differs between cells only in its call site, a number: the sites are
the block's numbers like any other (a row of ``consts``), and the random functions draw over an
element axis as over the run axis (``builtins/rng.py``), key by key. The cells' numbers are
computed by the same operations in the same order as their own statements would compute them,
so a grouped plan gives the per-cell plan's numbers exactly, draws included.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import builtins
from .. import lang as ex
from ..graph.structure import ready_order
from ..lang.parser import balanced

MIN_CELLS = 2                       # a block holds at least this many cells
REDUCE_MIN = 8                      # a balanced sum of at least this many cells' values is a loop
REDUCE = "#sum"                     # Call.fn of a template's grouped sum (args: first row, rows)
GROUPABLE = ("auxiliary", "flow", "stock", "pipeline")
VARYING_REF = "@"                   # Ref.name of a template's reference read from the block's index arrays
VARYING_NUM = "#"                   # Ref.name of a template's number read from the block's constants
_SUBS = re.compile(r"\[[^\]]*\]")
_COUNTER = re.compile(r":\d+")


@dataclass(frozen=True, eq=False)
class Block:
    """One statement computing many cells. ``template`` is the first cell's tree in which each
    reference that differs between cells is ``Ref(pos, j, "@")`` (the j-th row of ``refs``) and
    each number that differs is ``Ref(pos, i, "#")`` (the i-th row of ``consts``); what is the
    same in every cell stays as written. ``out[k]`` is the slot cell k defines; ``levels`` are
    offsets into the cells: the cells of ``levels[q]:levels[q + 1]`` read only cells before
    ``levels[q]`` (one level when no cell reads another)."""
    template: ex.Node
    out: np.ndarray                 # int64 [cells]
    refs: np.ndarray                # int64 [varying references, cells]
    consts: np.ndarray              # float64 [varying numbers, cells]
    levels: tuple

    @property
    def size(self) -> int:
        """The number of cells."""
        return len(self.out)


def _base(name: str) -> str:
    """The arrayed element a cell's name comes from (hidden counters dropped)."""
    if ":" not in name and name.endswith("]") and name.count("[") == 1:     # x[a,b]: most cells
        return name[:name.index("[")] + "[]"
    return _COUNTER.sub(":", _SUBS.sub("[]", name))


def _signature(tree):
    """The tree's shape (a token per node, parents first), its references and its numbers in
    the order a walk meets them; None for a tree that calls a vector kernel."""
    tokens: list = []
    refs: list = []
    nums: list = []
    token, ref, num = tokens.append, refs.append, nums.append
    stack = [tree]                      # the walk of ``ex.walk``, written out (every cell's tree)
    pop, push = stack.pop, stack.append
    while stack:
        n = pop()
        t = type(n)
        if t is ex.Ref:
            token("R")
            ref(n.slot)
        elif t is ex.Num:
            token("N")
            num(n.value)
        elif t is ex.Bin:
            token(n.op)
            push(n.right)
            push(n.left)
        elif t is ex.Call:
            if n.fn in builtins.CELL_FUNCTIONS:
                return None
            token((n.fn, len(n.args)))
            stack.extend(reversed(n.args))
        elif t is ex.Name:
            token(("name", n.id))
        elif t is ex.Unary:
            token(("u", n.op))
            push(n.arg)
        elif t is ex.If:
            token("if")
            push(n.other)
            push(n.then)
            push(n.cond)
        elif t is ex.Lookup:
            token(("lookup", n.table))
            push(n.arg)
        else:
            return None
    return tuple(tokens), refs, nums


def _template(tree, varying_refs: dict, varying_nums: dict):
    """The tree with its varying references and numbers (by their index in walk order) as
    ``Ref`` placeholders. Leaves are met in the same left-to-right order by ``walk`` and by
    ``transform``, so the indices agree."""
    count = {"r": 0, "n": 0}

    def one(n):
        if isinstance(n, ex.Ref):
            i = count["r"]
            count["r"] += 1
            return ex.Ref(n.pos, varying_refs[i], VARYING_REF) if i in varying_refs else n
        if isinstance(n, ex.Num):
            i = count["n"]
            count["n"] += 1
            return ex.Ref(n.pos, varying_nums[i], VARYING_NUM) if i in varying_nums else n
        return n
    return ex.transform(tree, one)


def group_runlist(slots, equations, names, kinds, signature=None):
    """The runlist ``slots`` as items (slots and ``Block``s) in a valid order; None when no block
    forms (the runlist stays as it is). ``signature`` gives a tree's ``_signature`` when the
    caller knows a faster way (``celltrees.ResolvedCells.signature``)."""
    signature = _signature if signature is None else signature
    slots = list(slots)
    pos = {s: i for i, s in enumerate(slots)}
    sig: dict = {}
    buckets: dict = {}
    for s in slots:
        if "[" not in names[s] or kinds[s] not in GROUPABLE or equations[s] is None:
            continue
        found = signature(equations[s])
        if found is None:
            continue
        sig[s] = found
        buckets.setdefault((_base(names[s]), found[0]), []).append(s)
    groups = [cells for cells in buckets.values() if len(cells) >= MIN_CELLS]
    if not groups:
        return None
    reads = {s: (sig[s][1] if s in sig else [r.slot for r in ex.walk(equations[s]) if isinstance(r, ex.Ref)])
             for s in slots}
    while True:
        order, stuck = _order(slots, pos, reads, groups)
        if not stuck:
            break
        groups = [g for i, g in enumerate(groups) if i not in stuck]
        if not groups:
            return None
    out = []
    for item in order:
        if item < len(groups):
            out.append(_block(groups[item], pos, reads, sig, equations))
        else:
            out.append(slots[item - len(groups)])
    return tuple(out)


def _order(slots, pos, reads, groups):
    """Items in dependency order (ties by their first position in the runlist), and the groups
    caught in a cycle between items (empty when there is none)."""
    G = len(groups)
    item_of = {s: G + pos[s] for s in slots}
    for g, cells in enumerate(groups):
        for s in cells:
            item_of[s] = g
    first = [pos[cells[0]] for cells in groups] + list(range(len(slots)))
    succ: dict = {}
    indeg = [0] * (G + len(slots))
    for s in slots:
        i = item_of[s]
        for r in reads[s]:
            j = item_of.get(r)
            if j is None or j == i:
                continue
            targets = succ.setdefault(j, set())
            if i not in targets:
                targets.add(i)
                indeg[i] += 1
    live = set(item_of.values())
    order = ready_order({i: indeg[i] for i in live}, succ, first)
    if len(order) == len(live):
        return order, set()
    import networkx as nx
    left = live - set(order)
    graph = nx.DiGraph()
    graph.add_nodes_from(left)
    graph.add_edges_from((i, j) for i in left for j in succ.get(i, ()) if j in left)
    stuck = {i for comp in nx.strongly_connected_components(graph) if len(comp) > 1 for i in comp if i < G}
    return order, stuck


def _block(cells, pos, reads, sig, equations) -> Block:
    """A block of cells (in runlist order), sorted into levels."""
    inside = set(cells)
    level: dict = {}
    for s in cells:
        level[s] = 1 + max((level[r] for r in reads[s] if r in inside), default=-1)
    cells = sorted(cells, key=lambda s: (level[s], pos[s]))
    refs = np.array([sig[s][1] for s in cells], dtype=np.int64).reshape(len(cells), -1).T
    nums = np.array([sig[s][2] for s in cells], dtype=np.float64).reshape(len(cells), -1).T
    vary_r = [j for j in range(refs.shape[0]) if (refs[j] != refs[j, 0]).any()]
    vary_n = [i for i in range(nums.shape[0]) if not _same(nums[i])]
    template = _template(equations[cells[0]], {j: k for k, j in enumerate(vary_r)},
                         {i: k for k, i in enumerate(vary_n)})
    template = _sums(template)
    lv = [level[s] for s in cells]
    levels = tuple([0] + [k for k in range(1, len(cells)) if lv[k] != lv[k - 1]] + [len(cells)])
    return Block(template, np.array(cells, dtype=np.int64), np.ascontiguousarray(refs[vary_r]),
                 np.ascontiguousarray(nums[vary_n]), levels)


def _same(values: np.ndarray) -> bool:
    """True when every number is the first one, bit for bit (NaN included)."""
    return bool((values.view(np.int64) == values[:1].view(np.int64)).all())


def _sums(template):
    """The template with each balanced sum (as reductions are built: ``lang.parser.balanced``) of
    at least ``REDUCE_MIN`` varying references, in consecutive rows, as ``Call(pos, "#sum",
    (first row, rows))``: backends sum those rows pairwise, level by level, in a loop (the same
    additions in the same order), so the code does not grow with the dimension summed over."""
    if ex.depth(template) > 200:        # written out as it is (and walked without recursion)
        return template

    def terms(n):
        out, stack = [], [n]
        while stack:
            x = stack.pop()
            if isinstance(x, ex.Bin) and x.op == "+":
                stack += [x.right, x.left]
            else:
                out.append(x)
        return out

    def shape(n):
        return [x.op if isinstance(x, ex.Bin) else "leaf" for x in ex.walk(n)]

    def one(n):
        if not (isinstance(n, ex.Bin) and n.op == "+"):
            return n
        leaves = terms(n)
        if len(leaves) < REDUCE_MIN or not all(isinstance(x, ex.Ref) and x.name == VARYING_REF for x in leaves):
            return n
        rows = [x.slot for x in leaves]
        if rows != list(range(rows[0], rows[0] + len(rows))) or shape(n) != shape(balanced("+", leaves, n.pos)):
            return n
        return ex.Call(n.pos, REDUCE, (ex.Num(n.pos, float(rows[0])), ex.Num(n.pos, float(len(rows)))))
    return _top_down(template, one)


def _top_down(node, fn):
    """``fn`` applied to the outermost nodes it changes (their insides not visited), the tree
    rebuilt above them."""
    out = fn(node)
    if out is not node:
        return out
    kids = ex.children(node)
    new = tuple(_top_down(k, fn) for k in kids)
    return node if all(a is b for a, b in zip(new, kids)) else ex.rebuild(node, new)
