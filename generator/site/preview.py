"""What the live preview adds to a build: each rebuild renders again only the pages whose content changed, and the
printed files (posters, checklists, whatever generator/publish.py prints) are made in the background after the pages.

Knows nothing of mkdocs: generator/site/plugin.py asks which pages changed and hands the finished site folder here.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

import jinja2
import jinja2.bccache

from generator import pdf_cache, publish
from generator.site.render import NavEntry, SitePage

log = logging.getLogger("mkdocs.plugins.rulebook.preview")

WAIT_SECONDS = 300  # how long a request for a printed file waits for the printing; then it is answered as it stands
# Printing waits until the browser has reloaded the page (the server quiet for QUIET_SECONDS after asking for a page),
# or FIRST_SECONDS at most: the printing process would otherwise take the core the browser's reload needs.
QUIET_SECONDS, FIRST_SECONDS = 0.3, 3.0


class CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates as compiled by the first rebuild, kept for the next: mkdocs makes a new template
    environment for every build and would compile them all again (jinja2 checks each one against its source)."""

    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.kept.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.kept[bucket.key] = bucket.bytecode_to_string()


class ChangedPages:
    """Remembers the pages of the last rebuild that succeeded. A generated page is unchanged when its content is and
    nothing it shares with every page is (the navigation with every title, the configuration, the theme): then the
    HTML it was written as last time is still right, and mkdocs need not render it again."""

    def __init__(self) -> None:
        self.pages: dict[str, SitePage] = {}
        self.shared: str | None = None

    def forget(self) -> None:
        """After a failed rebuild the folder holds the error page only: the next one renders everything."""
        self.pages, self.shared = {}, None

    def compare(self, pages: dict[str, SitePage], shared: str) -> tuple[bool, set[str]]:
        """(whether what every page shares changed, the paths of the generated pages to render again)."""
        if shared != self.shared:
            return True, set(pages)
        return False, {path for path, page in pages.items() if self.pages.get(path) != page}

    def remember(self, pages: dict[str, SitePage], shared: str) -> None:
        self.pages, self.shared = dict(pages), shared


def shared_key(navs: dict[str, list[NavEntry]], pages: list[tuple[str, str]], files: list[Path], settings: dict) -> str:
    """What every page shows besides its own content: each language's navigation, every page's address and title
    (neighbours' links, the language menu), the files of the theme and the site configuration, and the settings the
    pages carry (extra, theme)."""
    return pdf_cache.key(
        {lang: _plain_nav(entries) for lang, entries in navs.items()},
        sorted(pages),
        pdf_cache.file_digests(files),
        [str(f) for f in files],
        json.dumps(settings, sort_keys=True, default=str),
    )


def _plain_nav(entries: list[NavEntry]) -> list:
    return [[e.title, e.path, _plain_nav(e.children)] for e in entries]


@dataclass(frozen=True)
class PrintJob:
    """One rebuild's printing: the folder to print into, placed(a printer's output folder) to call when that printer
    is done, and stale() that turns true when a newer rebuild makes the work useless."""

    folder: Path
    placed: Callable[[str], None]
    stale: Callable[[], bool]


PrintInto = Callable[[PrintJob], None]


class BackgroundPrinting:
    """Prints the site's files after the pages are served, so a save reloads the page at once; each printer's files
    are placed in the site as soon as it is done, and a request for a printed file waits until its printer is (the
    posters come first; the whole handbook's PDFs, last). A rebuild that starts meanwhile makes the earlier
    printing's files stale: they are dropped, never placed over the new site."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.generation = 0
        self.busy = False
        self.page_asked = False  # since the rebuild began
        self.last_request = 0.0
        self.placed: set[str] = set()  # the output folders (posters/, ...) of the printers done in this rebuild

    def begin(self) -> None:
        """A rebuild starts (before it touches the site folder)."""
        with self.changed:
            self.generation += 1
            self.busy = True
            self.page_asked = False
            self.placed = set()

    def requested(self, page: bool) -> None:
        """The server was asked for something (page: a page, not one of its assets or printed files)."""
        with self.changed:
            self.last_request = time.monotonic()
            self.page_asked = self.page_asked or page

    def _reloaded(self, since: float) -> bool:
        with self.changed:
            return self.page_asked and time.monotonic() - max(self.last_request, since) >= QUIET_SECONDS

    def give_up(self) -> None:
        """The rebuild failed: nothing will be printed for it."""
        with self.changed:
            self.busy = False
            self.changed.notify_all()

    def start(self, print_into: PrintInto, site: Path) -> threading.Thread:
        """Run print_into(a job) in the background, moving what it made into site as each printer is done and at
        the end."""
        with self.changed:
            generation = self.generation
        thread = threading.Thread(
            target=self._run, args=(generation, print_into, site), name="rulebook-printing", daemon=True
        )
        thread.start()
        return thread

    def _run(self, generation: int, print_into: PrintInto, site: Path) -> None:
        started = time.monotonic()
        while time.monotonic() - started < FIRST_SECONDS and not self._reloaded(started):
            time.sleep(0.05)
        folder = Path(tempfile.mkdtemp(prefix="rulebook-printing-"))

        def placed(name: str) -> None:
            with self.changed:
                if generation == self.generation:
                    publish.move_in(folder / name, site / name)
                    self.placed.add(name)
                    self.changed.notify_all()

        try:
            print_into(PrintJob(folder, placed, lambda: generation != self.generation))
            with self.changed:
                if generation == self.generation:
                    publish.move_in(folder, site)
        except Exception as exc:  # the preview goes on; the pages link files that are missing until the next save
            log.error(f"the printed files could not be made: {exc}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with self.changed:
                if generation == self.generation:
                    self.busy = False
                    self.changed.notify_all()

    def wait(self, path: str = "", timeout: float = WAIT_SECONDS) -> bool:
        """Wait until the current rebuild's file at path (site-relative) is printed, or (no path) all of them; False
        when the time ran out first."""
        with self.changed:
            return self.changed.wait_for(
                lambda: not self.busy or any(path.startswith(name) for name in self.placed if path), timeout
            )


def print_in_child(root: Path, folders: list[str], job: PrintJob) -> None:
    """Print the files of the printers named by folders (posters/, ...) for the project at root, in a process of
    its own: the server's process stays free for the next rebuild (a thread would share its interpreter), and a
    printing made stale by a newer save is stopped at once instead of running to its end. Spawned, not forked: the
    server has threads."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_print_in_child, args=(str(root), str(job.folder), folders, send), name="rulebook-printing", daemon=True
    )
    child.start()
    send.close()  # the child holds the only sending end: its exit ends the pipe
    try:
        while not job.stale():
            if not receive.poll(0.1):
                continue
            try:
                kind, value = receive.recv()
            except EOFError:
                break
            if kind == "placed":
                job.placed(value)
            elif kind == "done":
                log.info(value)
            else:
                raise PrintFailed(value)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(10)
        receive.close()


class PrintFailed(Exception):
    """The printing process reported a failure; the message is its own."""


def _print_in_child(root: str, folder: str, folders: list[str], send: Connection) -> None:
    from generator import pdf
    from generator.check import check
    from generator.project import Project

    pdf.start_printing_process()
    # Stopped (a newer save, or the server gone): leave through multiprocessing's own ending, which runs what
    # start_printing_process registered, rather than die where the signal finds it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        project = Project(Path(root))
        started = time.monotonic()
        handbook, findings = check(project)
        if any(f.severity == "error" for f in findings):
            send.send(("error", "the handbook has errors again (saved meanwhile?); the next rebuild prints"))
            return
        printers = {name: w for name, w in publish.writers().items() if name in folders}
        placed = lambda name: send.send(("placed", name))  # noqa: E731
        printing = publish.print_all(handbook, project, Path(folder), printers, publish.printing(jobs=1), placed)
        send.send(("done", f"{printing.summary()} in {time.monotonic() - started:.1f} s (in the background)"))
    except Exception as exc:  # the preview goes on and reports it; the next save prints again
        send.send(("error", str(exc)))


def warm_up(env: jinja2.Environment) -> None:
    """Load what the first rebuild after a save needs and the first build may not have (its pages were read back
    from the cache): the page templates compiled, and the poster renderer (the pages show each poster's check code)
    with WeasyPrint. Run in the background as the preview starts: the first save reloads as fast as the next."""
    try:
        import generator.poster  # noqa: F401
    except ImportError:  # installed without the printers: the pages show no check codes
        pass
    # theme/ holds mkdocs' overrides, compiled by mkdocs' own environment; a template that does not compile is
    # reported by the rebuild that uses it.
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html") and not name.startswith("theme/")):
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass


def is_printed_file(path: str, folders: list[str]) -> bool:
    """Whether a request path (site-relative, no leading slash) names a file the printers make: one inside a
    printer's folder that is not a page."""
    return any(path.startswith(folder) for folder in folders) and not path.endswith(("/", ".html"))
