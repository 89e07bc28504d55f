"""Subcommands of the ``carbonloop`` command line, one module per family."""
