"""Plan stage: a validated model -> an immutable plan a backend turns into a kernel."""
from .compile import compile_model, default_keep, with_saved
from .plan import Plan

__all__ = ["compile_model", "default_keep", "with_saved", "Plan"]
