"""Dominance over an ensemble: the runs of a sweep spec (or any table of parameter samples)
analysed as one batch, so that each loop's share of runs dominant per bin and the bands of its
relative score come from every run."""
from __future__ import annotations

from ..errors import ModelError


def spec_samples(spec, runs: int | None = None):
    """(loaded scenario, {parameter: values per run}) of a sweep spec (path, text or mapping);
    ``runs`` keeps the first that many samples."""
    from ..api import load
    from ..sweeps import samplers
    from ..sweeps.check import check_against, check_ranges
    from ..sweeps.spec import load_spec
    spec = load_spec(spec)
    loaded = load(spec.scenario)
    spec = check_against(spec, loaded)
    _, values = samplers.sample(spec)
    check_ranges(spec, loaded, values)
    if runs is not None:
        if runs < 1:
            raise ModelError(f"the number of runs must be at least 1, not {runs}")
        values = values[:runs]
    return loaded, {name: values[:, j] for j, name in enumerate(spec.names)}


def analyse_spec(spec, runs: int | None = None, **options):
    """(loaded scenario, Dominance) of a sweep spec's samples (see ``spec_samples``)."""
    from . import analyse
    loaded, params = spec_samples(spec, runs)
    return loaded, analyse(loaded, params=params, **options)
