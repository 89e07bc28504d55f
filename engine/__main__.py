"""``python -m engine`` is the ``carbonloop`` command."""
import sys

from .cli import main

sys.exit(main())
