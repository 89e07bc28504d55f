"""The 'convert' subcommand: a model from any reader (Vensim .mdl, XMILE) to YAML or XMILE."""
from __future__ import annotations

from pathlib import Path

from ..errors import ModelError


def register(sub):
    """Add the 'convert' subcommand."""
    p = sub.add_parser("convert", help="convert a model (.mdl, .xmile, .yaml) to YAML or XMILE",
                       description="Read a model with its reader (a Vensim .mdl, an XMILE or a YAML "
                                   "file) and write it as a carbonloop YAML scenario (-o model.yaml) or "
                                   "as XMILE (-o model.xmile). The converted model runs with the same "
                                   "numbers.")
    p.add_argument("model", help="the model file to convert")
    p.add_argument("-o", "--output", required=True, help="file to write: .yaml/.yml or .xmile")
    p.add_argument("--data", metavar="FILE", help="external data file for a Vensim model (.csv or .tab)")
    p.set_defaults(func=cmd_convert)


def cmd_convert(args) -> int:
    """Convert a model to YAML or XMILE."""
    from ..api import load
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".yaml", ".yml", ".xmile"):
        raise ModelError(f"cannot write '{out.suffix or out.name}'", file=str(out),
                         hint="write .yaml (carbonloop's own format) or .xmile")
    m = load(args.model, data=args.data)
    if suffix == ".xmile":
        from ..outputs.xmile import write as write_xmile
        notes = write_xmile(m.model, out)
        for n in notes:
            print(f"left out: {n}")
    else:
        from ..outputs.yaml_model import write
        write(m.model, out)
    print(f"wrote {out}")
    return 0
