"""XMILE subcommands: conformance (run a test suite) and export (a scenario to XMILE)."""
from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from . import add_backend


def register(sub):
    """Add the 'export' and 'conformance' subcommands."""
    p = sub.add_parser("conformance", help="run every XMILE and Vensim model under a folder against its output",
                       description="Import each .xmile / .stmx / .mdl model under DIR, run it, and compare "
                                   "it with the output.csv / output.tab beside it at the output's times "
                                   "(XMILE: relative tolerance 1e-3; Vensim: |sim - ref| <= 1e-5 |ref| + "
                                   "1e-5, as PySD compares). Prints one line per model: pass, "
                                   "fail (largest error and its variable), unsupported (the "
                                   "construct) or defect (a fault of the test file). Exits 1 if a "
                                   "supported model fails.")
    p.add_argument("folder", metavar="DIR", help="folder of models with canonical outputs")
    add_backend(p)
    p.set_defaults(func=cmd_conformance)

    p = sub.add_parser("export", help="write a scenario (or any model) as an XMILE file",
                       description="Export a model to XMILE 1.0 for Stella, PySD and other tools. "
                                   "Events at fixed times become STEP/RAMP terms (parameters) or a "
                                   "flow and auxiliaries (stocks), balance checks auxiliaries, so the "
                                   "file computes the same numbers; a model with anything XMILE cannot "
                                   "express is refused, naming it.")
    p.add_argument("scenario", help="scenario YAML file (or an .xmile/.stmx model)")
    p.add_argument("-o", "--output", required=True, help="XMILE file to write")
    p.add_argument("--lossy", action="store_true",
                   help="write the file even so, leaving out (and listing) what XMILE cannot express")
    p.set_defaults(func=cmd_export)


def cmd_conformance(args) -> int:
    """Run every XMILE model under a folder against its canonical output."""
    from ..conformance import run_suite, table
    folder = Path(args.folder)
    if not folder.is_dir():
        raise ModelError(f"'{folder}' is not a folder")
    outcomes = run_suite(folder, backend=args.backend)
    if not outcomes:
        raise ModelError(f"no .xmile, .stmx or .mdl model with an output.csv/output.tab under '{folder}'")
    print(table(outcomes, folder))
    return 1 if any(o.status == "fail" for o in outcomes) else 0


def cmd_export(args) -> int:
    """Write a model as XMILE, naming what has no XMILE form."""
    from ..api import load
    from ..outputs.xmile import write
    m = load(args.scenario)
    notes = write(m.model, args.output, lossy=args.lossy)
    for n in notes:
        print(f"left out: {n}")
    print(f"wrote {args.output}" + (f" ({len(notes)} items left out)" if notes else ""))
    return 0
