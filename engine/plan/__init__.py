"""Plan stage: a validated model -> an immutable plan a backend turns into a kernel."""
from .compile import compile_model, default_keep
from .plan import Plan

__all__ = ["compile_model", "default_keep", "Plan"]
