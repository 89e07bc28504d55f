"""Model subcommands: compare two scenarios (overlay figures and a side-by-side table)."""
from __future__ import annotations

from pathlib import Path

from ..api import load
from ..outputs.paths import output_folder
from . import add_backend


def register(sub):
    """Add the 'compare' subcommand."""
    p = sub.add_parser("compare", help="run two scenarios and overlay their results",
                       description="Run scenarios A and B, print the report variables side by side at "
                                   "the report years, and write overlay PNGs of the report figures to "
                                   "outputs/compare_<A>_<B>/.")
    p.add_argument("a", help="scenario YAML file A (e.g. scenarios/default.yaml)")
    p.add_argument("b", help="scenario YAML file B (e.g. scenarios/no-coupling.yaml)")
    p.add_argument("-o", "--output", help="folder for the figures (default outputs/compare_<A>_<B>)")
    p.add_argument("--no-figures", action="store_true", help="print the table only")
    p.add_argument("--params", metavar="FILE",
                   help="parameter values both scenarios run with (e.g. a calibration's estimates.yaml)")
    add_backend(p)
    p.set_defaults(func=cmd_compare)


def _spec(loaded):
    rep = loaded.model.report
    names = list(rep.summary or [e.name for e in loaded.model.elements.values()
                                          if e.kind == "stock" and not e.hidden])
    return names, list(rep.years)


def compare_table(ma, ra, mb, rb) -> str:
    """Report variables of A and B (run 0) at the report years, with B's change from A in %."""
    names, years = _spec(ma)
    names = [n for n in names if n in ra and n in rb]
    t = ra.times
    years = [y for y in (years or list(t[[0, len(t) // 2, -1]])) if t[0] - 1e-9 <= y <= t[-1] + 1e-9]
    width = max([len(n) for n in names] + [8]) + 2
    head = f"{'variable':<{width}}{'year':>6}{ma.name:>14}{mb.name:>14}{'B vs A':>10}  units"
    lines = [head, "-" * len(head)]
    for n in names:
        units = ma.model.elements[n].units if n in ma.model.elements else ""
        for y in years:
            a, b = float(ra.at(n, y)[0]), float(rb.at(n, y)[0])
            rel = f"{(b - a) / abs(a) * 100:+9.1f}%" if a else f"{'-':>10}"
            lines.append(f"{n:<{width}}{y:>6g}{a:>14.4g}{b:>14.4g}{rel}  {units}")
    return "\n".join(lines)


def compare_figures(ma, ra, mb, rb, folder) -> list:
    """One PNG per report figure of A, with A solid and B dashed."""
    from ..outputs.figures import report_figures
    return report_figures(ma, ra, folder, others=[(rb, mb.name)], title_suffix=f": {ma.name} vs {mb.name}")


def cmd_compare(args) -> int:
    """Run two scenarios; print their report side by side and write overlay figures."""
    from .core import params_of
    ma, mb = load(args.a), load(args.b)
    ra = ma.run(params=params_of(args, ma), backend=args.backend)
    rb = mb.run(params=params_of(args, mb), backend=args.backend)
    print(compare_table(ma, ra, mb, rb))
    if not args.no_figures:
        folder = Path(args.output) if args.output else output_folder(f"compare_{ma.name}_{mb.name}")
        for p in compare_figures(ma, ra, mb, rb, folder):
            print(f"wrote {p}")
    return 0
