"""Rulebook: company regulations kept as YAML, validated and rendered into a handbook.

The pipeline reads top to bottom: project → source (YAML with positions) → schema → model → rules → renderers.
"""

__version__ = "0.1.0"
