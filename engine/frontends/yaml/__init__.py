"""The YAML front end: carbonloop's own model, module and scenario files."""
from .scenario import read

SUFFIXES = (".yaml", ".yml")

__all__ = ["read", "SUFFIXES"]
