"""The XMILE front end: .xmile and Stella .stmx files -> the shared ``Model``."""
from .reader import read

__all__ = ["read"]
