"""XMILE export: a carbonloop ``Model`` -> an XMILE 1.0 file for Stella, PySD and other tools."""
from .writer import write

__all__ = ["write"]
