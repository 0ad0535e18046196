"""Lets `python -m generator` run the same command line as `rulebook`."""

import sys

from generator.cli import main

if __name__ == "__main__":  # not when a process spawned by the preview imports it as its main module
    sys.exit(main())
