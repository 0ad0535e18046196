"""Walks the folders the build reads (policies/, docs/, templates/) without following links, before anything reads them.

A symlink anywhere in policies/, one elsewhere that leads out of the project or in circles, and any special file
(FIFO, device, socket) are findings, so that `check` refuses what the build would otherwise publish or hang on.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from generator.findings import Finding, finding
from generator.project import Project

# Beyond this many entries a folder is no handbook a person maintains; stop walking rather than spend minutes on it.
MAX_ENTRIES = 100_000


def read_folders(project: Project) -> list[tuple[Path, bool]]:
    """(folder, whether any symlink in it is refused) for each folder the build reads."""
    return [(project.policies, True), (project.root / "docs", False), (project.templates, False)]


def _leaves(path: Path, root: Path) -> str | None:
    """Why the symlink at path may not be followed, or None if it stays inside root."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "a symbolic link that leads nowhere or in circles"
    if not target.is_relative_to(root):
        return "a symbolic link that leads outside the project"
    if path.absolute().is_relative_to(target):
        # The project's root, or a folder holding the link: everything below it, .git included, would be served.
        return "a symbolic link to a folder that holds it (the project's root, or one of its parents)"
    if any(part.startswith(".") for part in target.relative_to(root).parts):
        # .git holds the checkout's credentials in CI; .venv and .cache are the machine's, not the handbook's.
        return "a symbolic link into a hidden folder of the project (such as .git)"
    return None


def unsafe_files(project: Project) -> list[Finding]:
    """One finding per symlink or special file the build must not read."""
    root = project.root.resolve()
    out: list[Finding] = []
    seen = 0
    for folder, no_links in read_folders(project):
        if folder.is_symlink():
            why = "a symbolic link" if no_links else _leaves(folder, root)
            if why:
                out.append(
                    finding((folder, 1, 1), "E004", f"{folder.name}/ is {why}; the build does not read through it")
                )
            continue
        if not folder.is_dir():
            continue
        for here, dirs, files in os.walk(folder, followlinks=False):
            for name in sorted(dirs + files):
                seen += 1
                if seen > MAX_ENTRIES:
                    out.append(
                        finding(
                            (folder, 1, 1),
                            "E005",
                            f"{folder.name}/ holds more than {MAX_ENTRIES:,} files and folders; the build does not read that many",
                        )
                    )
                    return out
                path = Path(here) / name
                try:
                    mode = path.lstat().st_mode
                except OSError:
                    continue
                if stat.S_ISLNK(mode):
                    why = "a symbolic link" if no_links else _leaves(path, root)
                    if why:
                        out.append(finding((path, 1, 1), "E004", f"{name} is {why}; the build does not read it"))
                elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    out.append(
                        finding(
                            (path, 1, 1),
                            "E004",
                            f"{name} is not a regular file (a FIFO, device or socket); the build does not read it",
                        )
                    )
    return out
