"""Results stage: one array ``data[time, variable, run]`` plus a name map, and the HDF5 file."""
from .result import Result

__all__ = ["Result"]
