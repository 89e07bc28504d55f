"""The ``carbonloop`` command: a thin layer over the Python API (``main(argv) -> int``)."""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import ModelError

# each module registers its subcommands: register(subparsers) -> None
COMMAND_MODULES = (
    "engine.commands.core",
    "engine.commands.sweep",
    "engine.commands.xmile",
    "engine.commands.model",
    "engine.commands.dominance",
    "engine.commands.app",
    "engine.commands.calibrate",
    "engine.commands.convert",
)

EPILOG = """Start with 'carbonloop run' (the default scenario, results under outputs/).
Model files and scenarios are YAML: see docs/model-files.md and docs/tutorial.md."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command module's subcommands."""
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="carbonloop",
        description="System-dynamics simulation of a carbon market and solid-state batteries, "
                    "and a general engine for stock-and-flow models and large parameter sweeps.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"carbonloop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status: 0 done, 2 a problem with the model or
    input (one message naming the file, line and element), 3 an internal error of the engine
    (one line naming the report file that holds the traceback), 130 interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    import warnings

    from .errors import ModelWarning
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ModelWarning)
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except ModelError as exc:
        print(f"carbonloop: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("carbonloop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:         # output piped into a reader that stopped (e.g. head)
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - a defect of the engine: one line, a report, status 3
        print(internal_error_line(exc), file=sys.stderr)
        return 3


def internal_error_line(exc: BaseException) -> str:
    """The one line the command prints for an unexpected exception, naming where its full
    report (the traceback) was written."""
    from .errors import report_internal_error
    try:
        where = f"full report: {report_internal_error(exc)}"
    except Exception as failed:  # noqa: BLE001 - the report itself could not be written
        where = f"no report could be written: {type(failed).__name__}: {failed}"
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return (f"carbonloop: internal error: {type(exc).__name__}: {text} ({where}; "
            "this is a defect of carbonloop, not of your model)")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"carbonloop: warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
