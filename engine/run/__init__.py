"""Run stage: the simpy clock, events and the batch run over a backend's kernel."""
from .simulate import batch_size, prepare_params, run_kernel, verify

__all__ = ["batch_size", "prepare_params", "run_kernel", "verify"]
