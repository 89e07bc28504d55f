"""The noise seed and run id of a model that draws random numbers.

A model whose equations call a random function gets two hidden parameters: ``noise_seed`` (the
time settings' ``noise_seed``, 0 unless given) and ``run_id`` (the run's identity in its batch or
sweep, filled in by the run stage). Being parameters, they are held per run like any other, so a
batch or a sweep can vary the seed, and a run of a sweep can be repeated alone by giving its id.
A model may declare ``noise_seed`` itself as a parameter (to give it a range, say).
"""
from __future__ import annotations

from .. import builtins
from .. import lang as ex
from .elements import Element

NOISE_SEED = "noise_seed"
RUN_ID = "run_id"
LIMIT = float(2 ** 53)          # seeds and run ids are whole numbers held exactly as floats


def uses_random(elements: dict, parts=None) -> bool:
    """True when an element's equation calls a random function. ``parts`` (``templates.CellParts``)
    may say which trees are a template's nodes and the replacements of its sites: a template's
    own nodes are then looked at once, not once per cell."""
    def draws(nodes) -> bool:
        return any(type(n) is ex.Call and builtins.is_random(n.fn) and n.fn not in elements for n in nodes)
    seen: dict = {}
    for el in elements.values():
        if el.equation is None or el.kind == "lookup":
            continue
        found = parts(el.equation) if parts is not None else None
        if found is None:
            if draws(ex.walk(el.equation)):
                return True
            continue
        template, reps = found
        if id(template) not in seen:
            seen[id(template)] = draws(template.own()[0])
        if seen[id(template)]:
            return True
        for r in reps:
            if type(r) is not ex.Name and type(r) is not ex.Num and draws(ex.walk(r)):
                return True
    return False


def noise_parameters(elements: dict, time, random: bool | None = None) -> list:
    """The hidden parameters a model with random functions lacks (none when it has none);
    ``random`` says whether it has them when the caller knows (``uses_random``)."""
    if not (uses_random(elements) if random is None else random):
        return []
    out = []
    if NOISE_SEED not in elements:
        out.append(Element(name=NOISE_SEED, kind="parameter", equation=ex.Num(0, time.noise_seed),
                           text=repr(time.noise_seed), value=time.noise_seed, range=(-LIMIT, LIMIT),
                           hidden=True, module="time", source="time settings",
                           doc="the seed of the random functions' streams (a whole number)"))
    if RUN_ID not in elements:
        out.append(Element(name=RUN_ID, kind="parameter", equation=ex.Num(0, 0.0), text="0", value=0.0,
                           range=(0.0, LIMIT), hidden=True, module="time", source="run stage",
                           doc="the run's number in its batch or sweep (keys its random streams)"))
    return out
