"""The graph stage (networkx): dependencies, evaluation order, algebraic loops, feedback loops
and their polarity."""
from .structure import (
                        INSTANT_KINDS,
                        STATE_KINDS,
                        Loop,
                        Loops,
                        dependencies,
                        feedback_graph,
                        feedback_loops,
                        initial_order,
                        instant_order,
                        name_declared,
)

__all__ = ["INSTANT_KINDS", "STATE_KINDS", "Loop", "Loops", "dependencies", "feedback_graph",
           "feedback_loops", "initial_order", "instant_order", "name_declared"]
