"""``python -m bristol`` runs the command line (see :mod:`bristol.cli`)."""
import sys

from .cli import main

sys.exit(main())
