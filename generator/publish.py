"""Prints every poster, checklist and acknowledgement form of the handbook into an output folder, over all cores,
through the PDF cache.

Used by the site build; the files land at generator.locations' paths, beside the pages that link them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from generator import locations
from generator.model import Handbook
from generator.pdf_cache import NO_CACHE, PdfCache, Printing
from generator.project import Project

JOBS = "RULEBOOK_JOBS"

Writer = Callable[
    ..., object
]  # write_posters / write_checklists / write_acknowledgements: (handbook, out_dir, project, printing=) → paths


class PublishFailed(Exception):
    """A printer failed; the message holds each failure's own words."""


PRINTED = (locations.POSTERS, locations.CHECKLISTS, locations.ACKNOWLEDGEMENTS, locations.BOOKS)  # in print order


def writers() -> dict[str, Writer]:
    """The printers this installation has, by output folder (a minimal install may lack WeasyPrint)."""
    found: dict[str, Writer] = {}
    try:
        import weasyprint  # noqa: F401 - generator.poster loads it only when it prints

        from generator.poster import write_posters

        found[locations.POSTERS] = write_posters
    except ImportError:
        pass
    try:
        from generator.checklist import write_checklists

        found[locations.CHECKLISTS] = write_checklists
    except ImportError:
        pass
    try:
        from generator.acknowledgement import write_acknowledgements

        found[locations.ACKNOWLEDGEMENTS] = write_acknowledgements
        from generator.book import write_books

        found[locations.BOOKS] = write_books
    except ImportError:
        pass
    return found


def chosen(names: bool | list[str]) -> dict[str, Writer]:
    """The installed printers the site's configuration chose: all (true), none (false), or those named by their
    output folder without its slash (posters, checklists, acknowledgements, books). An unknown name is a ValueError
    saying which names there are."""
    installed = writers()
    if names is True:
        return installed
    if not names:
        return {}
    folders = {folder.rstrip("/"): folder for folder in PRINTED}
    unknown = [str(name) for name in names if name not in folders]
    if unknown:
        raise ValueError(
            f"print_files names {', '.join(unknown)}, which is not a kind of printed file; name some of "
            f"{', '.join(folders)}, or write true (all) or false (none)"
        )
    return {folders[n]: installed[folders[n]] for n in folders if n in names and folders[n] in installed}


def checklist_page():
    """The checklist renderer's printable web page (generator.checklist.checklist_page), or None without it."""
    try:
        from generator.checklist import checklist_page as page
    except ImportError:
        return None
    return page


def printing(*, cache: bool | None = None, jobs: int | None = None) -> Printing:
    """How the site's files are printed: through the shared cache unless cache is False (default: unless
    RULEBOOK_NO_CACHE is set), over jobs processes (default: RULEBOOK_JOBS, else one per core). The environment is
    how `rulebook build --no-cache --jobs N` reaches the build that mkdocs runs, and how CI can ask the same."""
    if cache is None:
        cache = not os.environ.get(NO_CACHE)
    if jobs is None:
        given = os.environ.get(JOBS, "")
        jobs = int(given) if given.isdigit() and int(given) > 0 else os.cpu_count() or 1
    return Printing(PdfCache() if cache else None, jobs)


def print_all(
    handbook: Handbook,
    project: Project,
    out: Path,
    chosen: dict[str, Writer],
    printing: Printing | None = None,
    placed: Callable[[str], None] | None = None,
) -> Printing:
    """Print with each chosen writer into a folder of its own inside out, then move the files in: the checklist
    writer replaces its whole output folder, which in the site also holds the checklists' web pages. Each writer
    spreads its sheets over printing.jobs processes. Files are moved in once every writer succeeded; with placed,
    each writer's as soon as it is done, and then placed(its folder) is called (the live preview serves them from
    then on). Returns printing, which has counted the PDFs."""
    printing = printing or Printing()
    if not chosen:
        return printing
    staging = Path(tempfile.mkdtemp(prefix=".printing-", dir=out))
    try:
        for i, (name, write) in enumerate(chosen.items()):
            try:
                write(handbook, staging / str(i), project, printing=printing)
            except Exception as exc:
                raise PublishFailed(str(exc)) from exc
            if placed is not None:
                move_in(staging / str(i), out)
                placed(name)
        for i in range(len(chosen)):
            move_in(staging / str(i), out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if printing.cache is not None:
        printing.cache.built()
    return printing


def move_in(folder: Path, out: Path) -> None:
    """Move every file below folder to the same place below out, replacing what is there (folder may be on another
    file system)."""
    for made in sorted(p for p in folder.rglob("*") if p.is_file()):
        target = out / made.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(made, target)
