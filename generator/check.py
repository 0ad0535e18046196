"""Runs the whole validation: load every file, check schemas, then the handbook's rules; returns all findings.

`rulebook check FILE` still loads the rest of policies/ so that references into other policies resolve.
"""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path

from generator import rules
from generator.findings import Finding
from generator.loader import load, policy_files
from generator.model import Handbook
from generator.project import Project


def check(project: Project, paths: list[Path] | None = None, today: date | None = None) -> tuple[Handbook, list[Finding]]:
    """(handbook, findings) for the named policy files or folders (default: the whole of policies/)."""
    # Loading makes hundreds of thousands of objects that all live on; the cyclic garbage collector would scan them
    # again and again (a third of the time of a check of 200 policies). It resumes when the check is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(project, paths, today)
    finally:
        if collecting:
            gc.enable()


def _check(project: Project, paths: list[Path] | None, today: date | None) -> tuple[Handbook, list[Finding]]:
    today = today or date.today()
    whole = not paths
    everything = policy_files([project.policies])
    targets = everything if whole else policy_files(paths)
    known = {p.resolve() for p in everything}
    handbook, findings, _ = load(project, everything + [t for t in targets if t.resolve() not in known])
    findings += rules.run(handbook, today, whole=whole)
    if not whole:
        # The named files' findings, and always the handbook data's: with a broken roles.yaml no role can be checked.
        wanted = {str(t.resolve()) for t in targets}
        data = project.handbook_data.resolve()
        findings = [f for f in findings if str(Path(f.path).resolve()) in wanted or data in Path(f.path).resolve().parents]
    return handbook, sorted(set(findings), key=lambda f: (f.path, f.line, f.col, f.code, f.message))
