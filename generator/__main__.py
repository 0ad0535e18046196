"""Lets `python -m generator` run the same command line as `rulebook`."""

from generator.cli import run

if __name__ == "__main__":  # not when a process spawned by the preview imports it as its main module
    run()
