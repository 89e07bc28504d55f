"""The Vensim front end: .mdl files -> the shared ``Model``."""
from .reader import read

__all__ = ["read"]
