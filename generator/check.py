"""Runs the whole validation: load every file, check schemas, then the handbook's rules; returns all findings.

`rulebook check FILE` still loads the rest of policies/ so that references into other policies resolve; `--base REV`
adds what a change since that revision must declare (generator/history.py).
"""

from __future__ import annotations

import gc
import os
from datetime import date
from pathlib import Path

from generator import history, rules
from generator.findings import Finding
from generator.loader import load, policy_files
from generator.model import Handbook
from generator.project import Project
from generator.project_files import unsafe_files


def check(
    project: Project, paths: list[Path] | None = None, today: date | None = None, base: str | None = None
) -> tuple[Handbook, list[Finding]]:
    """(handbook, findings) for the named policy files or folders (default: the whole of policies/); with base (a git
    revision), also what changing the base's policies into these must declare. An unknown base raises RevisionError."""
    # Loading makes hundreds of thousands of objects that all live on; the cyclic garbage collector would scan them
    # again and again (a third of the time of a check of 200 policies). It resumes when the check is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(project, paths, today, base)
    finally:
        if collecting:
            gc.enable()


def _check(
    project: Project, paths: list[Path] | None, today: date | None, base: str | None
) -> tuple[Handbook, list[Finding]]:
    today = today or date.today()
    whole = not paths
    everything = policy_files([project.policies])
    targets = policy_files(paths) if paths else everything
    known = {_absolute(p) for p in everything}
    handbook, findings, _ = load(project, everything + [t for t in targets if _absolute(t) not in known])
    findings += rules.run(handbook, today, whole=whole)
    if base is not None:
        from generator.diff import load_revision

        findings += history.changes_since(handbook, load_revision(project, base).policies, project.policies, base)
    if not whole:
        # The named files' findings, and always the handbook data's: with a broken roles.yaml no role can be checked.
        wanted = {str(_absolute(t)) for t in targets}
        data = _absolute(project.handbook_data)
        findings = [f for f in findings if str(_absolute(f.path)) in wanted or data in _absolute(f.path).parents]
    # Files the build must not read are reported however the check was narrowed: they stop every build. The walk
    # and the reader may both name a symlinked policy file; once is enough.
    unsafe = unsafe_files(project)
    named = {f.path for f in unsafe}
    findings = [f for f in findings if not (f.code == "E004" and f.path in named)] + unsafe
    return handbook, sorted(set(findings), key=lambda f: (f.path, f.line, f.col, f.code, f.message))


def _absolute(path) -> Path:
    """The path made absolute without following symlinks, so a symlinked file is reported under its own name."""
    return Path(os.path.abspath(path))
