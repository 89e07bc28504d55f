"""The 'dominance' subcommand: which feedback loops drive a run (or an ensemble), and when."""
from __future__ import annotations

from pathlib import Path

from ..api import DEFAULT_SCENARIO, load
from ..outputs.paths import output_folder, safe_component
from . import add_backend


def register(sub):
    """Add the 'dominance' subcommand."""
    p = sub.add_parser("dominance", help="which feedback loops drive the behaviour, and when",
                       description="Loop dominance by the Loops That Matter method: link, loop and "
                                   "relative loop scores of a run (or of every run of a sweep spec's "
                                   "samples), the dominant loops per period of each cycle partition, "
                                   "a stacked chart of relative loop scores and diagrams of the "
                                   "strongest loops. Writes dominance.h5 and PNG figures.")
    p.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO), help="scenario YAML file")
    p.add_argument("--sweep", metavar="SPEC", help="analyse every run of a sweep spec's samples (an ensemble)")
    p.add_argument("--runs", type=int, help="with --sweep: only the first N samples")
    p.add_argument("--cap", type=int, default=1000,
                   help="loops per partition enumerated exhaustively; beyond, the strongest-path search")
    p.add_argument("--every", type=float, help="period length for dominance (time units; default: about 60 periods)")
    p.add_argument("--top", type=int, default=10, help="loops listed per partition")
    p.add_argument("--no-verify", action="store_true",
                   help="skip measuring the share of behaviour the loops found explain")
    p.add_argument("-o", "--output", help="folder (default outputs/<scenario>/dominance)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    add_backend(p)
    p.set_defaults(func=cmd_dominance)


def _options(args) -> dict:
    from ..errors import ModelError
    if args.cap < 1:
        raise ModelError(f"--cap must be at least 1, not {args.cap}")
    if args.every is not None and args.every <= 0:
        raise ModelError(f"--every must be a positive time, not {args.every:g}")
    opts = {"cap": args.cap, "verify": not args.no_verify, "backend": args.backend}
    if args.every is not None:
        opts["every"] = args.every
    return opts


def cmd_dominance(args) -> int:
    """Loop dominance of a scenario or an ensemble: print the tables, write the file and figures."""
    from ..dominance import analyse, analyse_spec
    from ..dominance import report as rep
    if args.sweep:
        from ..sweeps.run import prepare
        spec, m = prepare(args.sweep)
        d = analyse_spec(spec, m, args.runs, **_options(args))
        result, name = None, Path(args.sweep).stem
    else:
        m = load(args.scenario)
        d = analyse(m, **_options(args))
        result, name = m.run(backend=args.backend), m.name
    folder = Path(args.output) if args.output else output_folder(name) / "dominance"
    print(f"loop dominance of '{m.name}' over {d.n_runs} run{'s' if d.n_runs > 1 else ''} "
          f"({len(d.loops)} loops scored)")
    for line in rep.discovery_lines(d):
        print("  " + line)
    print()
    print(rep.loops_text(d, args.top, also=rep.cited(d)))
    print()
    print(rep.shares_text(d) if d.n_runs > 1 else rep.periods_text(d))
    for p in _write(d, m, result, folder, args):
        print(f"wrote {p}")
    return 0


def _write(d, m, result, folder, args) -> list:
    written = [d.to_hdf5(folder / "dominance.h5", result)]
    d.table().to_csv(folder / "loops.csv")
    written.append(str(folder / "loops.csv"))
    if args.no_figures:
        return written
    from ..dominance.diagrams import loop_diagram
    from ..dominance.figures import ensemble_chart, stacked_chart, top_loops
    for part in d.partitions:
        if len(d.groups[part.number - 1]) < 2 and part.number > 1:
            continue
        if d.n_runs > 1:
            written.append(ensemble_chart(d, folder / f"ensemble_P{part.number}.png", part.number))
        else:
            written.append(stacked_chart(d, folder / f"stacked_P{part.number}.png", part.number))
    if d.n_runs == 1 and d.relative is not None:
        for lp in top_loops(d, 1, 3)[:3]:
            written.append(loop_diagram(d, lp, folder / f"loop_{safe_component(lp.label)}.png"))
    return written
