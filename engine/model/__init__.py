"""The model stage: the shared representation every front end produces (plain, immutable data),
its assemble-and-validate step, the expression checks and the unit checker."""
from .assemble import Override, assemble
from .check import check_time, expression_problems, suggest
from .elements import (
                       Action,
                       Check,
                       Element,
                       Event,
                       Figure,
                       FixedDelay,
                       LoopSpec,
                       Model,
                       Module,
                       Report,
                       TimeSpec,
                       Where,
)

__all__ = ["Override", "assemble", "check_time", "expression_problems", "suggest", "Action", "Check", "Element",
           "Event", "Figure", "FixedDelay", "LoopSpec", "Model", "Module", "Report", "TimeSpec", "Where"]
