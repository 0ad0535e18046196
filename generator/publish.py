"""Prints every poster and checklist of the handbook into an output folder, the two printers side by side.

Used by the site build; the files land at generator.locations' paths, beside the pages that link them.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Callable

from generator import locations
from generator.model import Handbook
from generator.project import Project

Writer = Callable[..., object]  # write_posters / write_checklists: (handbook, out_dir, project) → paths


class PublishFailed(Exception):
    """A printer failed; the message holds each failure's own words."""


def writers() -> dict[str, Writer]:
    """The printers this installation has, by output folder (a minimal install may lack WeasyPrint)."""
    found: dict[str, Writer] = {}
    try:
        from generator.poster import write_posters

        found[locations.POSTERS] = write_posters
    except ImportError:
        pass
    try:
        from generator.checklist import write_checklists

        found[locations.CHECKLISTS] = write_checklists
    except ImportError:
        pass
    return found


def checklist_page():
    """The checklist renderer's printable web page (generator.checklist.checklist_page), or None without it."""
    try:
        from generator.checklist import checklist_page as page
    except ImportError:
        return None
    return page


def print_all(handbook: Handbook, project: Project, out: Path, chosen: dict[str, Writer]) -> None:
    """Print with each chosen writer into a folder of its own inside out, then move the files in: the checklist
    writer replaces its whole output folder, which in the site also holds the checklists' web pages."""
    if not chosen:
        return
    staging = Path(tempfile.mkdtemp(prefix=".printing-", dir=out))
    try:
        side_by_side([functools.partial(write, handbook, staging / str(i), project) for i, write in enumerate(chosen.values())])
        for i in range(len(chosen)):
            folder = staging / str(i)
            for made in sorted(p for p in folder.rglob("*") if p.is_file()):
                target = out / made.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(made, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def side_by_side(jobs: list) -> None:
    """Run the jobs at the same time, each but the first in a forked process (printing PDFs is CPU-bound); where
    processes cannot be forked, one after the other. A job's failure is raised here once all have ended."""
    if len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            try:
                job()
            except Exception as exc:
                raise PublishFailed(str(exc)) from exc
        return
    context = multiprocessing.get_context("fork")
    children = []
    for job in jobs[1:]:
        reader, writer = context.Pipe(duplex=False)
        child = context.Process(target=_run_child, args=(job, writer), daemon=True)
        child.start()
        writer.close()
        children.append((child, reader))
    failures = []
    try:
        jobs[0]()
    except Exception as exc:
        failures.append(str(exc))
    for child, reader in children:
        try:
            failures.append(reader.recv())
        except EOFError:  # the child closed the pipe without a word: it succeeded, or died (see its exit code)
            pass
        child.join()
        if child.exitcode and not failures:
            failures.append(f"printing stopped with exit code {child.exitcode}")
    if failures:
        raise PublishFailed("\n".join(failures))


def _run_child(job, pipe) -> None:
    _end_with_parent()
    try:
        job()
    except BaseException as exc:
        pipe.send(str(exc) or type(exc).__name__)
        raise SystemExit(1)
    finally:
        pipe.close()


def _end_with_parent() -> None:
    """On Linux, have this process stopped when the build that forked it dies, even by SIGKILL, rather than print on
    as an orphan into a folder the next build removes."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
