"""``python -m nn_core``: the command line (see :mod:`nn_core.programs.cli`)."""

import sys

from .programs.cli import main

if __name__ == "__main__":
    sys.exit(main())
