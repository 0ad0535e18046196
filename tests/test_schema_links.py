"""The schema each YAML file names on its first line: editors complete and underline by it, so it must exist.

A `# yaml-language-server: $schema=PATH` line is read relative to its own file, as the YAML language server reads it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("policies", "tests", "docs", "templates")
SCHEMA_LINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)", re.M)


def schema_links() -> list[tuple[Path, str]]:
    found = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.y*ml")):
            found += [(path, m[1]) for m in SCHEMA_LINE.finditer(path.read_text(encoding="utf-8"))]
    return found


def test_every_schema_line_names_an_existing_schema_of_the_right_kind():
    links = schema_links()
    # Not vacuous: the policies, their handbook data and the test fixtures all carry the line.
    assert {"policies", "tests"} <= {path.relative_to(ROOT).parts[0] for path, _ in links}
    assert any(path.parent.name == "handbook" for path, _ in links)
    wrong = []
    for path, ref in links:
        # Handbook data (roles, glossary, ...) has a schema of its own name; everything else is a policy.
        kind = f"{path.stem}.schema.json" if path.parent.name == "handbook" else "policy.schema.json"
        schema = ROOT / "generator" / "schemas" / kind
        if (path.parent / ref).resolve() != schema or not schema.is_file():
            wrong.append(f"{path.relative_to(ROOT)}: $schema={ref} should be $schema={os.path.relpath(schema, path.parent)}")
    assert not wrong, "\n".join(wrong)
