"""carbonloop: a system-dynamics engine for long-horizon feedback simulation and large sweeps.

Stages, one package each: ``frontends`` (YAML, XMILE) -> ``model`` (the shared representation,
assembled and validated) -> ``graph`` -> ``plan`` -> ``backends`` (numpy, numba) -> ``run`` ->
``results`` -> ``outputs``. Start with ``engine.load(path)``.
"""
__version__ = "0.2.0"

from .api import Loaded, load, run  # noqa: E402
from .errors import ModelError, SimulationError  # noqa: E402
from .results import Result  # noqa: E402


def sweep(spec, output=None, workers=None, scheduler=None, **options):
    """Run or resume a sweep (see ``engine.sweeps.run.run_sweep``); returns its ``SweepResult``."""
    from .sweeps.run import run_sweep
    return run_sweep(spec, output=output, workers=workers, scheduler=scheduler, **options)


def calibrate(spec, output=None, **options):
    """Run or resume a calibration (see ``engine.calibration.run.calibrate``); returns its
    ``Calibration``."""
    from .calibration.run import calibrate as run_calibration
    return run_calibration(spec, output=output, **options)


__all__ = ["load", "run", "sweep", "calibrate", "Loaded", "Result", "ModelError", "SimulationError", "__version__"]
