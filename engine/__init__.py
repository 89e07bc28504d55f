"""carbonloop: a system-dynamics engine for long-horizon feedback simulation and large sweeps.

Stages: load -> graph -> compile -> run -> results -> outputs. Start with ``engine.load(path)``.
"""
__version__ = "0.1.0"

from .api import Loaded, load, run  # noqa: E402
from .errors import ModelError, SimulationError  # noqa: E402
from .results import Result  # noqa: E402
from . import sweep  # noqa: E402  (callable: engine.sweep(spec, output=...))
from . import calibrate  # noqa: E402  (callable: engine.calibrate(spec, output=...))

__all__ = ["load", "run", "sweep", "calibrate", "Loaded", "Result", "ModelError", "SimulationError", "__version__"]
