"""Subcommands of the ``carbonloop`` command line, one module per family."""
from __future__ import annotations


def add_backend(parser) -> None:
    """The --backend option of every command that runs a model."""
    from ..backends import CHOICES
    parser.add_argument("--backend", choices=CHOICES, default="auto",
                        help="how the model's step is computed: numba (compiled) or numpy (the "
                             "reference); auto takes numba when it is installed (default)")
