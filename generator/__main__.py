"""Lets `python -m generator` run the same command line as `rulebook`."""

import sys

from generator.cli import main

sys.exit(main())
