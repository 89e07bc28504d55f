"""Dominance over an ensemble: the runs of a sweep spec (or any table of parameter samples)
analysed as one batch, so that each loop's share of runs dominant per bin and the bands of its
relative score come from every run."""
from __future__ import annotations

from ..errors import ModelError


def spec_samples(spec, loaded, runs: int | None = None) -> dict:
    """{parameter: values per run} of a sweep spec checked against ``loaded``, the scenario it
    varies (see ``engine.sweeps.run.prepare``); ``runs`` keeps the first that many samples."""
    from ..sweeps import samplers
    from ..sweeps.check import check_ranges
    _, values = samplers.sample(spec)
    check_ranges(spec, loaded, values)
    if runs is not None:
        if runs < 1:
            raise ModelError(f"the number of runs must be at least 1, not {runs}")
        values = values[:runs]
    return {name: values[:, j] for j, name in enumerate(spec.names)}


def analyse_spec(spec, loaded, runs: int | None = None, **options):
    """Dominance over the samples of a checked sweep spec (see ``spec_samples``)."""
    from . import analyse
    return analyse(loaded, params=spec_samples(spec, loaded, runs), **options)
