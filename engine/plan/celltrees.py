"""What the plan asks of every cell's resolved tree, found once per template.

The resolver (``compile._Resolver``) writes the resolved tree of a cell written from a template
(``model/templates.py``) as the template resolved once with a hole at each site and the cell's
own resolved replacements in the holes. ``ResolvedCells`` remembers, per such tree, the resolved
template and the replacements, so that what the plan asks of every tree is found from the
template once and from each cell's replacements:

- ``dump``: the tree's text for the plan's digest (``lang.dump``, the same text);
- ``signature``: its shape, references and numbers for grouping cells into blocks
  (``group._signature``, the same triple), when every replacement is a reference or a number.

Any other tree is looked at node by node, as before.
"""
from __future__ import annotations

from typing import Any

from .. import lang as ex
from .group import _signature

HOLE = "?hole"                      # Ref.name of a site of a cell's template being resolved


class ResolvedCells:
    """The resolved trees of cells written from a resolved template with holes (``add``)."""

    def __init__(self):
        self.made: dict = {}        # id(tree) -> (tree, resolved template, its replacements)
        self._dumps: dict = {}      # id(resolved template) -> (it, text between its holes, holes)
        self._sigs: dict = {}       # (id(resolved template), kinds of its replacements) -> (it, parts)

    def add(self, tree: ex.Node, template: ex.Node, reps: list) -> None:
        """Remember that ``tree`` is ``template`` (resolved, with ``Ref(pos, i, HOLE)`` at its
        holes) with ``reps[i]`` in hole i."""
        self.made[id(tree)] = (tree, template, reps)

    def _parts(self, tree) -> tuple | None:
        info = self.made.get(id(tree))
        return info if info is not None and info[0] is tree else None

    def dump(self, tree) -> str:
        """``lang.dump(tree)``, from its template's text and its replacements' when known."""
        info = self._parts(tree) if tree is not None else None
        if info is None:
            return ex.dump(tree)
        _, template, reps = info
        known = self._dumps.get(id(template))
        if known is None or known[0] is not template:
            known = self._dumps[id(template)] = (template, _split_dump(template))
        if known[1] is None:
            return ex.dump(tree)
        texts, holes = known[1]
        out = [texts[0]]
        for k, i in enumerate(holes):
            r = reps[i]
            # a reference's word as ``lang.dump`` writes it (tests/test_plan_shortcuts.py)
            out.append(f"R{r.pos}:{r.slot}:{r.name!r}" if type(r) is ex.Ref else ex.dump(r))
            out.append(texts[k + 1])
        return "".join(out)

    def signature(self, tree):
        """``group._signature(tree)``, from its template's when every replacement is a reference
        or a number."""
        info = self._parts(tree)
        if info is None:
            return _signature(tree)
        _, template, reps = info
        kinds = tuple(type(r) for r in reps)
        for t in kinds:
            if t is not ex.Ref and t is not ex.Num:
                return _signature(tree)
        key = (id(template), kinds)
        known = self._sigs.get(key)
        if known is None or known[0] is not template:
            known = self._sigs[key] = (template, _split_signature(template, kinds))
        parts = known[1]
        if parts is None:
            return _signature(tree)
        tokens, refs, nums, ref_holes, num_holes = parts
        if ref_holes:
            refs = list(refs)
            for k, i in ref_holes:
                refs[k] = reps[i].slot
        if num_holes:
            nums = list(nums)
            for k, i in num_holes:
                nums[k] = reps[i].value
        return tokens, refs, nums


def _holes(template) -> list:
    """The holes of a resolved template in walk order."""
    return [n for n in ex.walk(template) if type(n) is ex.Ref and n.name == HOLE]


def _split_dump(template) -> tuple | None:
    """The template's text cut at its holes (in walk order: ``lang.dump`` writes one word per
    node, a hole's word is its own) and the replacement each cut stands for; None when a hole's
    word cannot be told apart."""
    text = f" {ex.dump(template)} "
    texts, holes = [], []
    for h in _holes(template):
        before, found, text = text.partition(f" {ex.dump(h)} ")
        if not found:
            return None
        texts.append(before + " ")
        holes.append(h.slot)
        text = " " + text
    texts.append(text)
    texts[0], texts[-1] = texts[0][1:], texts[-1][:-1]
    return tuple(texts), tuple(holes)


def _split_signature(template, kinds: tuple) -> tuple | None:
    """The signature (``group._signature``) of the template with a reference or a number (as
    ``kinds`` says) at each hole, and per hole the place of its reference or number among the
    signature's and its replacement's index; None when that signature is None."""
    marks: dict = {}

    def one(n):
        if type(n) is ex.Ref and n.name == HOLE and kinds[n.slot] is ex.Num:
            mark = ex.Num(n.pos, 0.0)
            marks[id(mark)] = (mark, n.slot)
            return mark
        return n
    probe = ex.transform(template, one)
    found = _signature(probe)
    if found is None:
        return None
    tokens, refs, nums = found
    ref_holes, num_holes = [], []
    r = k = 0
    n: Any
    for n in ex.walk(probe):
        t = type(n)
        if t is ex.Ref:
            if n.name == HOLE:
                ref_holes.append((r, n.slot))
            r += 1
        elif t is ex.Num:
            mark = marks.get(id(n))
            if mark is not None and mark[0] is n:
                num_holes.append((k, mark[1]))
            k += 1
    return tokens, refs, nums, tuple(ref_holes), tuple(num_holes)
