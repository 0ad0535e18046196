"""Runs the mkdocs build for `rulebook build` (atomically: a failed build leaves the previous site as it was) and
the live preview for `rulebook serve`.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import sys
import time
from pathlib import Path

from generator import output_folders
from generator.config import SITE_FILE
from generator.project import Project

LOOPBACK = "127.0.0.1:8000"
POLL_SECONDS = 0.1  # how often the preview looks for saved files (mkdocs: 0.5)


class BuildRefused(Exception):
    """The output folder is not one a build may replace."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output(project: Project, out: Path) -> None:
    """Refuse outputs whose replacement would destroy what the user wrote: the project or a folder the build reads,
    a symlink, a file, and any folder a build did not make (output_folders.claim)."""
    root = project.root.resolve()
    if _inside(root, out) or _inside(root, out.resolve()):
        raise BuildRefused(f"{out} holds the project itself; choose a folder of its own, such as {root / 'site'}")
    for kept in (project.policies, project.templates, root / "docs", root / "generator"):
        if _inside(out, kept.resolve()) or _inside(out.resolve(), kept.resolve()):
            raise BuildRefused(f"{out} is inside {kept.name}/, which the build reads; choose a folder of its own")
    try:
        output_folders.claim(out)
    except output_folders.OutputRefused as exc:
        raise BuildRefused(str(exc)) from None


class _Console(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a message comes, not what it was when the handler was made."""

    @property
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

    # Made absolute but not resolved: a symlink named like the output is refused, never followed.
    out = Path(os.path.abspath(out))
    check_output(project, out)
    started = time.monotonic()
    with output_folders.stopped_by_signals():
        output_folders.remove_leftovers(out)
        staging: Path | None = None
        try:
            staging = output_folders.staging_folder(out)
            config = load_config(config_file=str((project.root / SITE_FILE)), site_dir=str(staging))
            config.plugins.on_startup(command="build", dirty=False)
            try:
                mkdocs_build(config)
            finally:
                config.plugins.on_shutdown()
            _swap(staging, out)
        except BaseException:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            raise
    return time.monotonic() - started


def _swap(new: Path, out: Path) -> None:
    try:
        output_folders.replace(new, out)
    except output_folders.OutputRefused as exc:
        raise BuildRefused(str(exc)) from None


def serve(project: Project, address: str | None, open_browser: bool = False) -> None:
    from mkdocs.commands import serve as mkdocs_serve_module

    # mkdocs.yml comes with every pull request, so its dev_addr is not taken: only -a opens the preview beyond this
    # machine. A mkdocs.yml that asks for another address is told so.
    asked = re.search(
        r"^dev_addr:\s*['\"]?([^'\"\s#]+)",
        (project.root / SITE_FILE).read_text(encoding="utf-8", errors="replace"),
        re.M,
    )
    if address is None and asked and asked.group(1) != LOOPBACK:
        logging.getLogger("mkdocs").warning(
            f"mkdocs.yml sets dev_addr: {asked.group(1)}; serving on {LOOPBACK} (pass -a to serve on another address)"
        )
    # mkdocs' preview keeps a browser's request waiting until a build succeeds: a broken policy would make the page
    # hang. Its builder is wrapped so that a failed build shows the errors instead.
    real_build = mkdocs_serve_module.build
    mkdocs_serve_module.build = functools.partial(build_or_show_errors, real_build, project)
    # mkdocs looks for saved files every half second, half the preview's time on average; a few hundred files
    # are looked at in a millisecond or two.
    real_server = mkdocs_serve_module.LiveReloadServer
    quick = functools.partial(real_server, polling_interval=POLL_SECONDS)
    mkdocs_serve_module.LiveReloadServer = quick  # type: ignore[misc, assignment]
    quiet = _NoDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(quiet)
    try:
        mkdocs_serve_module.serve(
            config_file=str((project.root / SITE_FILE)),
            livereload=True,
            open_in_browser=open_browser,
            dev_addr=address or LOOPBACK,
        )
    finally:
        mkdocs_serve_module.build = real_build
        mkdocs_serve_module.LiveReloadServer = real_server  # type: ignore[misc]
        logging.getLogger("mkdocs.commands.build").removeFilter(quiet)


class _NoDirtyWarning(logging.Filter):
    """The preview's rebuilds are dirty on purpose (the plugin decides what is rendered again, and empties the folder
    when every page must be): mkdocs' warning against dirty builds would only alarm."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def build_or_show_errors(real_build, project: Project, config, **options) -> None:
    """Run a preview build; when it fails, the preview's folder holds one page with the errors, served for every
    address (as 404.html), instead of the build raising. Builds are dirty: the rulebook plugin renders again only the
    pages that changed (generator/site/preview.py)."""
    from mkdocs.exceptions import MkDocsException
    from mkdocs.utils import clean_directory

    errors = _Errors()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(errors)
    try:
        real_build(config, **{**options, "dirty": True})
    except MkDocsException as exc:
        message = "\n".join(errors.messages) or str(exc)
        site = Path(config.site_dir)
        clean_directory(str(site))
        page = _error_page(project, message)
        for name in ("index.html", "404.html"):
            (site / name).write_text(page, encoding="utf-8")
    finally:
        logger.removeHandler(errors)


def _error_page(project: Project, message: str) -> str:
    import jinja2
    from markupsafe import escape

    try:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(project.templates / "site")), autoescape=True)
        return env.get_template("serve-error.html").render(message=message)
    except (jinja2.TemplateError, OSError):  # the templates may be what is broken
        return f"<!doctype html><meta http-equiv=refresh content=3><pre>{escape(message)}</pre>"
