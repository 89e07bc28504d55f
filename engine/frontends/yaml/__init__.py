"""The YAML front end: carbonloop's own model, module and scenario files."""
from .scenario import read

__all__ = ["read"]
