"""Docstring coverage of the package: public modules, classes, functions and methods with a docstring.

    python benchmarks/docstring_coverage.py [--at-least PERCENT] [--list]

Public means a name not starting with '_' inside a module whose path has no part starting with '_'
(``__init__.py`` aside); functions nested in functions are not counted. Exits with status 1 when
the share is below ``--at-least``.
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def public_definitions(path: Path) -> list[tuple[str, int, bool]]:
    """(qualified name, line, has a docstring) of the module and each public class, function and
    method of one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = [(path.stem, 1, ast.get_docstring(tree) is not None)]
    stack = [(node, "") for node in tree.body]
    while stack:
        node, prefix = stack.pop()
        if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if node.name.startswith("_"):
            continue
        out.append((prefix + node.name, node.lineno, ast.get_docstring(node) is not None))
        if isinstance(node, ast.ClassDef):
            stack.extend((child, prefix + node.name + ".") for child in node.body)
    return out


def coverage(package: Path) -> tuple[int, int, list[str]]:
    """(documented, public, the undocumented as 'file:line name') over a package."""
    documented = total = 0
    missing = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent)
        if any(part.startswith("_") and part != "__init__.py" for part in rel.parts):
            continue
        for name, line, has_doc in public_definitions(path):
            total += 1
            documented += has_doc
            if not has_doc:
                missing.append(f"{rel}:{line} {name}")
    return documented, total, missing


def main(argv=None) -> int:
    """Print the coverage of engine/; status 1 when it is below --at-least."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--at-least", type=float, default=0.0, help="lowest acceptable share in percent")
    ap.add_argument("--list", action="store_true", help="list what has no docstring")
    args = ap.parse_args(argv)
    documented, total, missing = coverage(ROOT / "engine")
    share = 100.0 * documented / total if total else 100.0
    print(f"docstrings: {documented} of {total} public modules, classes, functions and methods ({share:.1f} %)")
    if args.list:
        print("\n".join(missing))
    return 0 if share >= args.at_least else 1


if __name__ == "__main__":
    sys.exit(main())
