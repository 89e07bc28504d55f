"""Cells written from templates: an arrayed equation resolved once for all its cells.

The cells of one apply-to-all equation replace the same nodes of its tree (the references,
dimension names and lookups a cell binds), so ``Space.resolve`` (``arrays.py``) finds those nodes
once (a ``Template``) and writes each cell by filling in its own replacements, which gives the
tree resolving the cell alone gives, node for node. ``CellParts`` remembers which cells' trees
were written from which template, so that what holds for a whole tree (the names it reads, the
functions it calls: ``tree_facts``) is found from the template once and from each cell's
replacements; the plan stage reads them so (``plan/compile.py``, ``plan/expand.py``,
``plan/noise.py``, ``graph/structure.py``).
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any

from .. import lang as ex
from ..lang.tree import rebuild


class CellParts:
    """The trees of cells written from a template (``Space.resolve``): called with a tree, the
    (Template, the replacements of its sites) it was written from, else None. Such a tree is the
    template's own nodes (``Template.own``, the same in every cell) with the replacements in
    place of its sites, so what holds for every node of a tree (the names it reads, the functions
    it calls) can be found from the template once and from each cell's replacements."""

    def __init__(self):
        self.made: dict = {}            # id(tree) -> (tree, Template, replacements[, facts])

    def __call__(self, tree) -> tuple | None:
        """(Template, replacements) of ``tree``, or None."""
        info = self.made.get(id(tree))
        return None if info is None or info[0] is not tree else info[1:3]

    def __len__(self) -> int:
        return len(self.made)

    def plain(self, tree) -> tuple | None:
        """(Template, replacements) of a tree written from a template whose replacements are all
        names and numbers (what the tree reads is then its template's own names and theirs), else
        None."""
        info = self.made.get(id(tree))
        if info is None or info[0] is not tree or not Template.plain(info[2]):
            return None
        return info[1], info[2]

    def facts(self, tree) -> tuple | None:
        """(names, functions) of a tree written from a template: the ids of its Name and Sub
        nodes and the functions of its Call nodes (with repeats, in no particular order), its
        template's found once; None for any other tree. Kept with the tree once found."""
        info = self.made.get(id(tree))
        if info is None or info[0] is not tree:
            return None
        if len(info) > 3:
            return info[3]
        names, calls = (list(x) for x in info[1].facts())
        r: Any
        for r in info[2]:
            t = type(r)
            if t is ex.Name:
                names.append(r.id)
            elif t is not ex.Num:
                _collect_facts(r, names, calls)
        found = (tuple(names), tuple(calls))
        self.made[id(tree)] = (*info, found)
        return found


def tree_calls(parts, tree) -> tuple:
    """The functions ``tree`` calls (with repeats, in no particular order), as
    ``tree_facts(parts, tree)[1]``; for a cell whose replacements are all names and numbers,
    its template's own, found once and shared by every such cell."""
    info = parts.made.get(id(tree)) if parts is not None else None
    if info is not None and info[0] is tree:
        if len(info) > 3:
            return info[3][1]
        if info[1].plain(info[2]):
            return info[1].facts()[1]
    return tree_facts(parts, tree)[1]


def tree_facts(parts, tree) -> tuple:
    """(names, functions) of ``tree`` (as ``CellParts.facts``; found by a walk when ``parts`` is
    None or does not know the tree)."""
    found = parts.facts(tree) if parts is not None else None
    if found is not None:
        return found
    names: list = []
    calls: list = []
    _collect_facts(tree, names, calls)
    return tuple(names), tuple(calls)


def _collect_facts(tree, names: list, calls: list) -> None:
    """Append the names (variables and subscripted references) and the functions ``tree`` holds."""
    n: Any
    for n in ex.walk(tree):
        t = type(n)
        if t is ex.Name or t is ex.Sub:
            names.append(n.id)
        elif t is ex.Call:
            calls.append(n.fn)


class Template:
    """An equation (``node``) ready to be written for any cell of the same bound dimensions:
    ``shape`` is the tree with the nodes a cell replaces (``sites``, in the order ``Space.resolve`` meets
    them) as their index, a subtree no cell changes as None, any other node as (node, its
    children, their shapes)."""

    __slots__ = ("node", "shape", "sites", "keys", "shared", "_own", "_facts", "_getters")

    def __init__(self, node: ex.Node, shape, sites: tuple, keys: tuple):
        self.node = node
        self.shape = shape
        self.sites = sites
        self.keys = keys                # per site: the bound dimensions deciding it (or None)
        self.shared: list = [{} for _ in sites]     # per site: elements of those dimensions -> its node
        self._own: tuple | None = None
        self._facts: tuple | None = None
        # per site: the elements of its bound dimensions from a binding (None: made for every cell)
        self._getters = tuple(None if k is None else itemgetter(*k) if k else (lambda b: ()) for k in keys)

    def fill(self, space, binding: dict, made: dict | None = None) -> ex.Node | None:
        """The cell's tree (``Space.resolve``'s, node for node), or None when a site comes back
        unchanged (the full walk then decides); ``made`` records the tree's parts."""
        reps = []
        out: ex.Node | None
        one = space._one
        for n, get, shared in zip(self.sites, self._getters, self.shared):
            if get is None:
                out = one(n, binding)
            else:                       # cells that agree on these dimensions share the node
                key = get(binding)
                out = shared.get(key)
                if out is None:
                    out = shared[key] = one(n, binding)
            if out is n:
                return None
            reps.append(out)
        shape = self.shape
        tree = self.node if shape is None else build(shape, reps)
        if made is not None:
            made[id(tree)] = (tree, self, tuple(reps))
        return tree

    def facts(self) -> tuple:
        """The names (of Name nodes) and the functions (of Call nodes) among the template's own
        nodes, in walk order: what every cell's tree reads outside its sites."""
        if self._facts is None:
            own = self.own()[0]
            self._facts = (tuple(n.id for n in own if type(n) is ex.Name),
                           tuple(n.fn for n in own if type(n) is ex.Call))
        return self._facts

    @staticmethod
    def plain(reps) -> bool:
        """True when every replacement is a name or a number (no node of its own calls anything)."""
        for r in reps:
            t = type(r)
            if t is not ex.Name and t is not ex.Num:
                return False
        return True

    def own(self) -> tuple:
        """The template's nodes outside its sites, parents first, and the depth of the tree
        counting each site as a leaf, with each site's depth (the root's is 1)."""
        if self._own is None:
            sites = {id(n) for n in self.sites}
            nodes, depths, best = [], [], 0
            stack = [(self.node, 1)]
            while stack:
                n, d = stack.pop()
                best = max(best, d)
                if id(n) in sites:
                    depths.append(d)
                    continue
                nodes.append(n)
                stack.extend((k, d + 1) for k in reversed(ex.children(n)))
            self._own = (tuple(nodes), best, tuple(depths))
        return self._own


def build(shape, reps) -> ex.Node:
    """The tree a shape (as ``Template.shape``: None stands for no change, so it is not given
    here; an int for ``reps[int]``; (node, children, their shapes)) describes with ``reps``."""
    return reps[shape] if type(shape) is int else _build(shape, reps)


def _build(shape, reps):
    node, kids, inner = shape
    new = []
    changed = False
    for k, i in zip(kids, inner):
        if i is not None:
            v = reps[i] if type(i) is int else _build(i, reps)
            if v is not k:
                changed = True
                k = v
        new.append(k)
    return rebuild(node, tuple(new)) if changed else node
