"""What the live preview adds to a build: each rebuild renders again only the pages whose content changed, and the
printed files (posters, checklists, whatever generator/publish.py prints) are made in the background after the pages.

Knows nothing of mkdocs: generator/site/plugin.py asks which pages changed and hands the finished site folder here.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import jinja2
import jinja2.bccache

from generator import pdf_cache
from generator.site.render import NavEntry, SitePage

log = logging.getLogger("mkdocs.plugins.rulebook.preview")

WAIT_SECONDS = 300  # how long a request for a printed file waits for the printing; then it is answered as it stands
# Printing waits until the browser has reloaded the page (the server quiet for QUIET_SECONDS after asking for a page),
# or FIRST_SECONDS at most: printing in this process would otherwise slow every answer of the reload.
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


class BackgroundPrinting:
    """Prints the site's files after the pages are served, so a save reloads the page at once; a request for a printed
    file waits until the printing of the current rebuild is done. A rebuild that starts meanwhile makes the earlier
    printing's files stale: they are dropped, never placed over the new site."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.generation = 0
        self.busy = False
        self.page_asked = False  # since the rebuild began
        self.last_request = 0.0

    def begin(self) -> None:
        """A rebuild starts (before it touches the site folder)."""
        with self.changed:
            self.generation += 1
            self.busy = True
            self.page_asked = False

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

    def start(self, print_into: Callable[[Path], None], site: Path) -> threading.Thread:
        """Run print_into(a folder) in the background, then move what it made into site."""
        with self.changed:
            generation = self.generation
        thread = threading.Thread(
            target=self._run, args=(generation, print_into, site), name="rulebook-printing", daemon=True
        )
        thread.start()
        return thread

    def _run(self, generation: int, print_into: Callable[[Path], None], site: Path) -> None:
        started = time.monotonic()
        while time.monotonic() - started < FIRST_SECONDS and not self._reloaded(started):
            time.sleep(0.05)
        folder = Path(tempfile.mkdtemp(prefix="rulebook-printing-"))
        try:
            print_into(folder)
            with self.changed:
                if generation == self.generation:
                    for made in sorted(p for p in folder.rglob("*") if p.is_file()):
                        target = site / made.relative_to(folder)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.move(made, target)
        except Exception as exc:  # the preview goes on; the pages link files that are missing until the next save
            log.error(f"the printed files could not be made: {exc}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with self.changed:
                if generation == self.generation:
                    self.busy = False
                    self.changed.notify_all()

    def wait(self, timeout: float = WAIT_SECONDS) -> bool:
        """Wait until the current rebuild's files are printed; False when the time ran out first."""
        with self.changed:
            return self.changed.wait_for(lambda: not self.busy, timeout)


def is_printed_file(path: str, folders: list[str]) -> bool:
    """Whether a request path (site-relative, no leading slash) names a file the printers make: one inside a
    printer's folder that is not a page."""
    return any(path.startswith(folder) for folder in folders) and not path.endswith(("/", ".html"))
