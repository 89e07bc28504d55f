"""Core subcommands: run, validate, loops, graph."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..api import load
from ..outputs.paths import run_folder, safe_component
from . import add_backend


def register(sub):
    """Add the 'run', 'validate', 'loops' and 'graph' subcommands."""
    p = sub.add_parser("run", help="run a scenario and write its results under outputs/",
                       description="Run a scenario (default: scenarios/default.yaml). Writes an HDF5 "
                                   "file and figures to outputs/<scenario>/ and prints a summary.")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario YAML file or XMILE model (default scenarios/default.yaml)")
    p.add_argument("-o", "--output", help="HDF5 file to write (default outputs/<scenario>/results.h5)")
    p.add_argument("--method", choices=["euler", "rk4"], help="override the integration method")
    p.add_argument("--dt", type=float, help="override the time step")
    p.add_argument("--precision", choices=["double", "single"],
                   help="override the arithmetic: single computes in 32-bit floats, as Vensim's "
                        "single-precision editions do (numpy backend)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--params", metavar="FILE",
                   help="parameter values to run with (e.g. the estimates.yaml of 'carbonloop calibrate')")
    p.add_argument("--data", metavar="FILE",
                   help="external data file of a Vensim model (.csv or .tab: Time, then one column per "
                        "data variable)")
    add_backend(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a scenario and its modules without running",
                       description="Load and check a scenario: YAML, equations, names, wiring, "
                                   "algebraic loops, parameter ranges. Lists what the model holds.")
    p.add_argument("scenario", nargs="?", default=None, help="default scenarios/default.yaml")
    p.add_argument("--strict-units", action="store_true",
                   help="treat unit inconsistencies as errors (exit status 2)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("loops", help="list the feedback loops and their polarity",
                       description="Enumerate the feedback loops through stocks, with each link's "
                                   "measured sign and the loop's polarity (R reinforcing, B balancing).")
    p.add_argument("scenario", nargs="?", default=None, help="default scenarios/default.yaml")
    p.add_argument("--max-length", type=int, default=16, help="longest loop to enumerate (elements)")
    p.add_argument("--all", action="store_true", help="include loops inside builtins (SMOOTH stages)")
    p.add_argument("--named", action="store_true", help="list only the loops the scenario names")
    add_backend(p)
    p.set_defaults(func=cmd_loops)

    p = sub.add_parser("graph", help="write the model's causal graph (DOT and PNG)",
                       description="Write the stock-and-flow dependency graph as Graphviz DOT text "
                                   "and as a PNG figure.")
    p.add_argument("scenario", nargs="?", default=None, help="default scenarios/default.yaml")
    p.add_argument("-o", "--output", help="file stem (default outputs/<scenario>/graph)")
    p.add_argument("--focus", metavar="VAR", help="only VAR and its causes (or uses); prints the tree too")
    p.add_argument("--depth", type=int, default=2, help="with --focus: how many links to follow (default 2)")
    p.add_argument("--direction", choices=["causes", "uses"], default="causes",
                   help="with --focus: what VAR is computed from (causes) or what uses it (uses)")
    p.set_defaults(func=cmd_graph)


def _load(args):
    m = load(args.scenario, data=getattr(args, "data", None))
    changes = {k: v for k, v in (("method", getattr(args, "method", None)),
                                 ("dt", getattr(args, "dt", None)),
                                 ("precision", getattr(args, "precision", None))) if v is not None}
    return m.with_time(**changes) if changes else m


def cmd_run(args) -> int:
    """Run a scenario; write its results and figures, print a summary."""
    from ..outputs.report import write_outputs
    m = _load(args)
    params = params_of(args, m)
    warn_units(m.check_units(), most=10)        # as validate does: the run goes on
    t0 = time.perf_counter()
    kernel = m.kernel(backend=args.backend)     # compiled, or loaded from the cache of compiled models
    t1 = time.perf_counter()
    result = m.run(params=params, backend=args.backend, progress=sys.stderr.isatty())
    t2 = time.perf_counter()
    out = Path(args.output) if args.output else run_folder(m.model) / "results.h5"
    written = write_outputs(m, result, out, figures=not args.no_figures)
    print(f"scenario '{m.name}': {m.model.time.start:g}..{m.model.time.stop:g}, dt={m.model.time.dt:g}, "
          f"{m.model.time.method}; ran in {(t2 - t1) * 1000:.1f} ms on the {kernel.backend} backend "
          f"(model prepared in {t1 - t0:.1f} s)")
    from ..outputs.report import summary_table
    print(summary_table(m, result))
    for p in written:
        print(f"wrote {p}")
    return 0


def warn_units(issues, most: int | None = None, level: str = "warning") -> None:
    """Print unit inconsistencies on stderr, one a line (the first ``most`` of them, then a count)."""
    shown = issues if most is None else issues[:most]
    for issue in shown:
        print(f"carbonloop: {level}: units: {issue}", file=sys.stderr)
    if len(issues) > len(shown):
        print(f"carbonloop: {level}: units: ... and {len(issues) - len(shown)} more "
              "('carbonloop validate' lists them all)", file=sys.stderr)


def params_of(args, loaded) -> dict | None:
    """Parameter values from ``--params FILE`` (checked against the model), or None."""
    if not getattr(args, "params", None):
        return None
    from ..calibration.estimates import params_from_file
    return params_from_file(args.params, loaded)


def cmd_validate(args) -> int:
    """Load and check a scenario without running it; list what it holds."""
    m = load(args.scenario)
    m.plan()            # graph and compile: catches algebraic loops
    issues = m.check_units(strict=args.strict_units)
    warn_units(issues, level="error" if args.strict_units else "warning")
    if issues and args.strict_units:
        return 2
    shown = args.scenario or m.model.where.file
    print(f"{shown}: OK" + (f" ({len(issues)} unit warnings)" if issues else ", units consistent"))
    print(repr(m))
    for mod in m.model.modules:
        print(f"  module {mod.name}: {len(mod.elements)} elements; inputs {list(mod.inputs) or '-'}; "
              f"outputs {list(mod.outputs) or '-'}")
    for ev in m.model.events:
        print(f"  event {ev.name}")
    for c in m.model.checks:
        print(f"  check {c.name}: {c.text}")
    return 0


def cmd_loops(args) -> int:
    """Print the feedback loops with their polarity."""
    m = load(args.scenario)
    loops = m.loops(args.max_length, backend=args.backend)
    shown = [lp for lp in loops if args.all or len(lp.visible) >= 2]
    named = [lp for lp in shown if lp.name]
    if named:
        print("Loops the model names:")
        for lp in named:
            _print_loop(lp, lp.name)
        print()
    if not args.named:
        for lp in shown:
            _print_loop(lp, lp.label)
    counts = {p: sum(1 for lp in shown if lp.polarity == p) for p in ("reinforcing", "balancing", "undetermined")}
    print(f"{len(shown)} loops ({counts['reinforcing']} reinforcing, "
          f"{counts['balancing']} balancing, {counts['undetermined']} undetermined)")
    found = {lp.name for lp in loops}
    for spec in m.model.loops:
        if spec.label not in found:
            print(f"carbonloop: warning: no loop passes through all the elements of '{spec.label}' "
                  f"({', '.join(spec.elements)}; {spec.where.file}, line {spec.where.line})", file=sys.stderr)
    return 0


def _print_loop(lp, label):
    path = list(lp.visible or lp.elements)
    print(f"{label:<22} {lp.polarity:<12} {' -> '.join(path + path[:1])}   [{''.join(lp.signs)}]")


def cmd_graph(args) -> int:
    """Write the causal graph (or one variable's causes or uses) as DOT and PNG."""
    from ..outputs.figures import write_graph
    m = load(args.scenario)
    stem = Path(args.output) if args.output else run_folder(m.model) / "graph"
    if args.focus:
        from ..dominance.trace import tree_lines, write_focus
        print("\n".join(tree_lines(m.model, args.focus, args.depth, args.direction)))
        if not args.output:
            stem = stem.with_name(f"{stem.name}_{args.direction}_{safe_component(args.focus)}")
        written = write_focus(m.model, args.focus, args.depth, args.direction, stem)
    else:
        written = write_graph(m, stem)
    for p in written:
        print(f"wrote {p}")
    return 0
