"""Runs the mkdocs build for `rulebook build` (atomically: a failed build leaves the previous site as it was) and
the live preview for `rulebook serve`.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from generator.config import SITE_FILE
from generator.project import Project


class BuildRefused(Exception):
    """The output folder is not one a build may replace."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output(project: Project, out: Path) -> None:
    """Refuse outputs whose replacement would destroy what the user wrote."""
    root = project.root.resolve()
    if _inside(root, out):
        raise BuildRefused(f"{out} holds the project itself; choose a folder of its own, such as {root / 'site'}")
    for kept in (project.policies, project.templates, root / "docs", root / "generator"):
        if _inside(out, kept.resolve()):
            raise BuildRefused(f"{out} is inside {kept.name}/, which the build reads; choose a folder of its own")
    if out.exists() and not out.is_dir():
        raise BuildRefused(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").exists():
        raise BuildRefused(f"{out} is not empty and holds no site from an earlier build; it would be replaced")


class _Console(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a message comes, not what it was when the handler was made."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def log_to_console(level: int) -> None:
    logger = logging.getLogger("mkdocs")
    if not any(isinstance(h, _Console) for h in logger.handlers):
        handler = _Console()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # The handbook's own progress lines stay visible even when mkdocs' are quietened.
    logging.getLogger("mkdocs.plugins.rulebook").setLevel(min(level, logging.INFO))


def build(project: Project, out: Path) -> float:
    """Build the site into out and return the seconds it took. The new site replaces out only once complete."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    out = out.resolve()
    check_output(project, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        config = load_config(config_file=str(project.root / SITE_FILE), site_dir=str(staging))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return time.monotonic() - started


def _swap(new: Path, out: Path) -> None:
    os.chmod(new, 0o755)  # mkdtemp makes the folder private; a published site is readable
    if not out.exists():
        new.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def serve(project: Project, address: str | None, open_browser: bool = False) -> None:
    from mkdocs.commands.serve import serve as mkdocs_serve

    options = {"dev_addr": address} if address else {}
    mkdocs_serve(config_file=str(project.root / SITE_FILE), livereload=True, open_in_browser=open_browser, **options)
