"""The one place generated code is checked and compiled.

Backends generate Python source from checked syntax trees only; element names never appear in
it (slots do). Before anything is compiled, the source is parsed and every identifier, call and
construct is checked against what generators write, so that nothing a modeller wrote can have
slipped into it; the code then runs with no builtins beyond the few it needs.
"""
from __future__ import annotations

import ast
import re
import threading

from ..errors import ModelError

# identifiers generators write: slots (v12), constants (_k3), helpers (_where), arrays (V, DB),
# loop and time variables, argument positions (a0), temporaries (_t7)
IDENT = re.compile(r"^(v\d+|x\d+|a\d+|K\d_\d+|_[A-Za-z0-9_]*|[A-Z][A-Z0-9]*|k|k0|k1|kk|t|ts|r|i|j|n|m|x|y|s|w|c|"
                   r"rec|out|idx|src|pend|v|h|res|kpos|hit|r0|r1|row|g|cur|saved|TM|TN|rows|slots|lo|hi|mask|rehoist|jj|ns|nxt|chk|bad|cols)$")
SAFE_BUILTINS = {"range": range, "len": len, "min": min, "max": max, "abs": abs, "float": float,
                 "int": int, "bool": bool}
NODES = (ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.AugAssign,
         ast.For, ast.While, ast.If, ast.Break, ast.Continue, ast.Expr, ast.Name, ast.Load, ast.Store,
         ast.Constant, ast.Tuple, ast.List, ast.Subscript, ast.Slice, ast.BinOp, ast.UnaryOp, ast.BoolOp,
         ast.Compare, ast.IfExp,
         ast.Call, ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context, ast.keyword,
         ast.Pass)
MAX_NESTING = 150       # Python refuses about 200 nested parentheses
# Generated code is parsed, compiled and imported under one lock: the app computes on a thread
# pool, and CPython 3.11's AST conversion keeps one recursion counter per interpreter, so two
# threads parsing at once can fail with "AST constructor recursion depth mismatch"; an import of
# a kernel module must also finish before another thread takes it from sys.modules.
CODE_LOCK = threading.RLock()


def check(source: str, allowed_calls: set, decorators: frozenset = frozenset()) -> None:
    """Raise when generated source holds anything a generator does not write; ``decorators``
    are the exact decorator texts a generator may put on its functions."""
    depth = nesting(source)
    if depth > MAX_NESTING:
        raise ModelError(f"an equation is nested too deeply to compile ({depth} levels)",
                         hint="split it into auxiliaries")
    with CODE_LOCK:
        tree = ast.parse(source)
    allowed_calls = set(allowed_calls) | {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if ast.unparse(dec) not in decorators:
                    raise AssertionError(f"generated code decorates a function with {ast.unparse(dec)}")
                skip |= {id(x) for x in ast.walk(dec)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if not isinstance(node, NODES):
            raise AssertionError(f"generated code holds a {type(node).__name__}")
        if isinstance(node, ast.Name) and not IDENT.match(node.id) and node.id not in SAFE_BUILTINS:
            raise AssertionError(f"generated code names '{node.id}'")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, bool, type(None))):
            raise AssertionError("generated code holds a string")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and
                                               (node.func.id in allowed_calls or node.func.id in SAFE_BUILTINS)):
            raise AssertionError(f"generated code calls {ast.unparse(node.func)}")


def nesting(source: str) -> int:
    """The deepest nesting of parentheses and brackets in the text."""
    depth = best = 0
    for ch in source:
        if ch in "([":
            depth += 1
            best = max(best, depth)
        elif ch in ")]":
            depth -= 1
    return best


def compile_functions(source: str, name: str, namespace: dict) -> dict:
    """Check and compile generated functions in ``namespace`` (helpers and constants); returns
    the namespace with the functions defined."""
    check(source, {k for k, v in namespace.items() if callable(v)})
    ns = dict(namespace)
    ns["__builtins__"] = SAFE_BUILTINS
    with CODE_LOCK:
        code = compile(source, f"<carbonloop:{name}>", "exec")
    exec(code, ns)  # noqa: S102 - checked above
    return ns
