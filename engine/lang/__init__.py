"""Equations: syntax trees, the parser core and its dialects, reserved names.

``parse`` reads carbonloop's own syntax; other front ends declare their dialect (see
``dialect.Dialect``) and use the same core.
"""
from .dialect import CARBONLOOP, Dialect, parse
from .names import KEYWORDS, RESERVED, is_reserved
from .parser import MAX_DEPTH, ExprSyntaxError, excerpt
from .tree import (
                   Bin,
                   Call,
                   If,
                   Lookup,
                   Name,
                   Node,
                   Num,
                   Ref,
                   Sub,
                   Unary,
                   calls,
                   cell_of,
                   children,
                   constant,
                   depth,
                   dump,
                   named_cells,
                   names,
                   rebuild,
                   same,
                   shape_key,
                   size,
                   substitute,
                   transform,
                   unparse,
                   walk,
)

__all__ = ["CARBONLOOP", "Dialect", "parse", "KEYWORDS", "RESERVED", "is_reserved", "MAX_DEPTH",
           "ExprSyntaxError", "excerpt", "Bin", "Call", "If", "Lookup", "Name", "Node", "Num", "Ref", "Sub", "Unary",
           "calls", "cell_of", "named_cells", "children", "constant", "depth", "dump", "names", "rebuild",
           "same", "shape_key", "size", "substitute", "transform",
           "unparse", "walk"]
