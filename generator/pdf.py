"""What posters and checklists share to become files: choosing them by id, filling templates/ safely, printing to PDF
that reads nothing beyond templates/ and data: URIs and never shows empty boxes, through the PDF cache and over a
process pool, and putting the files in place whole.
"""

from __future__ import annotations

import atexit
import ctypes
import dataclasses
import logging
import mimetypes
import multiprocessing
import os
import shutil
import signal
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import util as multiprocessing_util
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import weasyprint

import generator
from generator import acroform, output_folders, pdf_cache
from generator import fonts as installed
from generator.fonts import FIELD_FONT
from generator.form_font import FORM_FONT, form_font
from generator.pdf_cache import Printing
from generator.reading import in_force

if TYPE_CHECKING:
    from generator.model import Handbook, Policy
    from generator.project import Project

FORM_FONT_URL = "rulebook:form-font.ttf"


class PrintError(Exception):
    """A file that must not be written; the message says which, why and what to do."""


class FontsMissing(PrintError):
    """Without these fonts WeasyPrint would still write a PDF, with empty boxes in place of every Chinese character."""

    def __init__(self, missing: installed.FontsMissing):
        self.families = missing.families
        super().__init__(str(missing))


# Which posters or checklists ---------------------------------------------------------------------------------------


def select(
    handbook: Handbook, kind: str, ids: Iterable[str], refusal: Callable[[list[str], list[str]], Exception]
) -> list[tuple[Policy, Any]]:
    """The (policy, poster or checklist) pairs that ids name, of the policies in force, in the site's order; kind is the policy's attribute,
    "posters" or "checklists". An id is 'policy-id' (all of that policy's) or 'policy-id/item-id'; no ids, all of them.

    Ids that name nothing raise refusal(those ids, every 'policy-id/item-id' there is, sorted).
    """
    policies, ids = in_force(handbook), list(ids)
    every = [(policy, item) for policy in policies for item in getattr(policy, kind)]
    declared = sorted(f"{p.id}/{item.id}" for p, item in every)
    unknown = [i for i in ids if i not in {p.id for p in policies} | set(declared)]
    if unknown:
        raise refusal(unknown, declared)
    return [(p, item) for p, item in every if not ids or p.id in ids or f"{p.id}/{item.id}" in ids]


# Templates ---------------------------------------------------------------------------------------------------------


class Templates:
    """One folder of the project's templates/ (poster, checklist), autoescaped, every variable required; a missing or
    broken template is a PrintError that names the file and line."""

    def __init__(self, project: Project, kind: str):
        self.project, self.kind = project, kind
        self.folder = project.templates / kind
        self.environment = _environment(self.folder)

    def render(self, name: str, **values) -> str:
        path = self.folder / name
        if not path.is_file():
            raise PrintError(
                f"{self.project.relative(path)} is missing: the {self.kind} templates live in "
                f"{self.project.relative(self.folder)}/"
            )
        try:
            return self.environment.get_template(name).render(**values)
        except jinja2.TemplateSyntaxError as exc:
            where = self.project.relative(Path(exc.filename or path))
            raise PrintError(f"{where}:{exc.lineno}: {exc.message} (fix the {self.kind} template)") from None
        except jinja2.TemplateError as exc:
            raise PrintError(f"{self.project.relative(path)}: the {self.kind} template fails: {exc}") from None


@lru_cache(maxsize=16)
def _environment(folder: Path) -> jinja2.Environment:
    """One environment per folder, so that each template is compiled once per process rather than once per sheet or
    checklist page (jinja2 still reads a template again when its file changes)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# Printing ----------------------------------------------------------------------------------------------------------


class AssetFetcher(weasyprint.URLFetcher):
    """Serves the files inside one folder and data: URIs, and refuses every other URL (other files, http, ftp).

    WeasyPrint's default fetcher reads any file:// URL, and `<link rel=attachment>` would embed it in the PDF.
    """

    def __init__(self, root: Path, made: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = Path(root).resolve()
        self.made = made or {}  # url → (body, content type) of files made in memory, e.g. the form font
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url in self.made:
            body, kind = self.made[url]
            return weasyprint.urls.URLFetcherResponse(url, body, {"Content-Type": kind})
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            # Resolved first, so that neither a symlink nor a .. leads out of the folder.
            path = Path(url2pathname(parts.path)).resolve()
            hidden = path.is_relative_to(self.root) and any(
                part.startswith(".") for part in path.relative_to(self.root).parts
            )
            if path.is_relative_to(self.root) and not hidden and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return weasyprint.urls.URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        self.refused.append(url)
        raise ValueError(f"only files under {self.root} may be used: refused {url}")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def weasyprint_warnings() -> Iterator[list[str]]:
    """The warnings WeasyPrint logs meanwhile: missing glyphs and refused URLs show up only there."""
    collect, logger = _Collect(), logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        yield collect.messages
    finally:
        logger.removeHandler(collect)


@dataclass
class Printed:
    pdf: bytes
    pages: int
    fonts: set[str]
    warnings: list[str] = field(default_factory=list)  # each once, in the order WeasyPrint logged them


class PrintJob:
    """One PDF from one folder of templates/. Its layouts read only templates/ and data: URIs, and their warnings are
    kept, so that finish() refuses a PDF that asked for another file, shows empty boxes, or borrowed a stray font.

    fonts: the families the template names; they must be installed and are the only ones the PDF may use (besides
    FORM_FONT: forms=True makes form controls PDF fields, whose text the templates set in it). name says which PDF in
    messages, fix_in where its words can be changed (a policy file).
    """

    def __init__(
        self,
        templates: Templates,
        *,
        fonts: Iterable[str],
        forms: bool = False,
        name: str = "the PDF",
        fix_in: str = "the policy",
        packages: dict[str, str] | None = None,
        variant: str | None = None,
    ):
        from weasyprint.text.fonts import FontConfiguration

        self.templates, self.forms, self.name, self.fix_in = templates, forms, name, fix_in
        # A PDF variant (WeasyPrint's pdf_variant, e.g. "pdf/ua-1": tagged for accessibility) for layout and writing.
        self.options = {"pdf_variant": variant} if variant else {}
        self.fonts = tuple(dict.fromkeys(fonts))
        made = {}
        try:
            installed.require_fonts(*self.fonts, *([FIELD_FONT] if forms else []), packages=packages)
            if forms:
                # Served by URL, not inlined as data: tinycss2 takes seconds over a 5 MB data: URI.
                made[FORM_FONT_URL] = (form_font(), "font/ttf")
        except installed.FontsMissing as exc:
            raise FontsMissing(exc) from None
        self.fetcher = AssetFetcher(templates.project.templates, made)
        self.font_config = FontConfiguration()
        # Forget the collected ones (WeasyPrint removed their folders): `rulebook serve` makes printers for hours.
        _font_configurations[:] = [(pid, ref) for pid, ref in _font_configurations if ref() is not None]
        _font_configurations.append((os.getpid(), weakref.ref(self.font_config)))
        self.stylesheets = []
        if forms:
            face = f'@font-face {{ font-family: "{FORM_FONT}"; src: url("{FORM_FONT_URL}") format("truetype"); }}'
            self.stylesheets.append(weasyprint.CSS(string=face, font_config=self.font_config, url_fetcher=self.fetcher))
        self.warnings: list[str] = []

    def layout(self, template: str, **values) -> weasyprint.Document:
        """The template filled with values and laid out, not yet checked: a poster tries several type sizes."""
        source = self.templates.render(template, **values)
        base = self.templates.folder.resolve().as_uri() + "/"
        with weasyprint_warnings() as warnings:
            document = weasyprint.HTML(string=source, base_url=base, url_fetcher=self.fetcher).render(
                font_config=self.font_config, stylesheets=self.stylesheets, pdf_forms=self.forms, **self.options
            )
        self.warnings += warnings
        return document

    def finish(self, document: weasyprint.Document) -> Printed:
        """The PDF of a laid-out document. Raises PrintError rather than return one the checks refuse."""
        with weasyprint_warnings() as warnings:
            pdf = document.write_pdf(pdf_forms=self.forms, **self.options)
        self.warnings += warnings
        if self.fetcher.refused:
            raise PrintError(
                f"{self.name}: the template asks for {', '.join(dict.fromkeys(self.fetcher.refused))}; "
                f"only files under {self.templates.project.relative(self.fetcher.root)}/ and data: URIs "
                "may be used"
            )
        # WeasyPrint logs '.notdef glyph rendered for Unicode string unsupported by fonts: "X" (U+XXXX)'.
        missing = sorted({m.split(": ", 1)[-1] for m in self.warnings if ".notdef" in m})
        if missing:
            raise PrintError(
                f"{self.name}: no installed font has {', '.join(missing)}, which would print as empty "
                f"boxes; replace {'it' if len(missing) == 1 else 'them'} in {self.fix_in}"
            )
        used = {font.family for font in document.fonts.values()}
        stray = used - set(self.fonts) - ({FORM_FONT} if self.forms else set())
        if stray:
            raise PrintError(
                f"{self.name}: some characters were set in {', '.join(sorted(stray))} because "
                f"{' and '.join(self.fonts)} lacks them; replace them in {self.fix_in}"
            )
        if self.forms:
            pdf = acroform.settle(pdf)
        return Printed(pdf, len(document.pages), used, list(dict.fromkeys(self.warnings)))

    def print(self, template: str, **values) -> Printed:
        return self.finish(self.layout(template, **values))


# Cached and parallel ---------------------------------------------------------------------------------------------


def print_cached(
    printing: Printing | None,
    templates: Templates,
    *,
    content: Any,
    fonts: Iterable[str],
    forms: bool = False,
    options: Any = None,
    packages: dict[str, str] | None = None,
    make: Callable[[], tuple[bytes, dict]],
    error: type[Exception] | None = None,
) -> tuple[pdf_cache.Entry, bool]:
    """The PDF of content: read back from the cache when everything that decides it is unchanged, else make() (the
    PDF and what to remember beside it) and store it. Returns the entry and whether it was reused. error: the sheet's
    own exception, raised with the words of a PrintError (FontsMissing goes through as it is).

    The key holds content (a frozen dataclass: all the template receives from the model), options (the paper, say),
    every file of the sheet's templates, the interface words, the files of the fonts, this generator's code and the
    WeasyPrint it runs on."""
    fonts = tuple(dict.fromkeys(fonts))
    families = (*fonts, *([FIELD_FONT, *installed.LATIN_FONTS] if forms else []))
    try:
        installed.require_fonts(*families, packages=packages)  # a sheet in the cache is no excuse for a missing font
    except installed.FontsMissing as exc:
        raise FontsMissing(exc) from None
    cache = printing.cache if printing else None
    if cache is None:
        pdf, meta = _made(make, error)
        return pdf_cache.Entry(pdf, meta), False
    key = pdf_cache.key(
        templates.kind,
        content,
        options,
        forms,
        fonts,
        pdf_cache.file_digests(sorted(p for p in templates.folder.rglob("*") if p.is_file())),
        pdf_cache.file_digests([templates.project.templates / "words.yaml"]),
        pdf_cache.file_stamps(sorted({p for f in families for p in installed.font_files().get(f, ())})),
        _software(),
        os.environ.get("SOURCE_DATE_EPOCH", ""),
    )
    entry = cache.get(key)
    if entry is not None:
        return entry, True
    pdf, meta = _made(make, error)
    cache.put(key, pdf, meta)
    return pdf_cache.Entry(pdf, meta), False


def _made(make: Callable[[], tuple[bytes, dict]], error: type[Exception] | None) -> tuple[bytes, dict]:
    try:
        return make()
    except FontsMissing:
        raise
    except PrintError as exc:
        if error is None:
            raise
        raise error(str(exc)) from None


@lru_cache(maxsize=1)
def _software() -> tuple:
    """This generator's version and code (a changed printer must not reuse old sheets), and WeasyPrint's version."""
    package = Path(generator.__file__).parent
    code = pdf_cache.file_digests(sorted(p for p in package.rglob("*") if p.suffix in (".py", ".yaml", ".json")))
    return generator.__version__, pdf_cache.key(code), weasyprint.__version__


Item = TypeVar("Item")
Result = TypeVar("Result")
_work: Callable | None = None


def each(work: Callable[[Item], Result], items: list[Item], jobs: int = 1) -> list[Result]:
    """[work(item) for item in items], spread over up to jobs forked processes, in the same order. Forked children
    share this process's memory (the handbook), so only an item's index goes to a child and its result comes back.

    An exception in a child is raised again by running that item here, so that it arrives whole and of its own type.
    Where processes cannot be forked, one after the other.
    """
    global _work
    items = list(items)
    if jobs <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [work(item) for item in items]
    _work = lambda i: work(items[i])  # noqa: E731 - read by the forked children
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(min(jobs, len(items)), mp_context=context, initializer=start_printing_process) as pool:
            outcomes = list(pool.map(_run, range(len(items))))
    except BrokenProcessPool:
        raise PrintError("a printing process died (out of memory?); run again with --jobs 1 to print in one") from None
    finally:
        _work = None
    return [work(items[i]) if failed else result for i, (failed, result) in enumerate(outcomes)]


def write_into(folder: Path, name: Path | str, data: bytes) -> int:
    """Write one made file to folder/name (a staging folder, from whichever printing process made it); its size."""
    place = folder / name
    place.parent.mkdir(parents=True, exist_ok=True)
    place.write_bytes(data)
    return len(data)


Sheet = TypeVar("Sheet")


def written(printed: Sheet, folder: Path, name: Path | str) -> Sheet:
    """printed (a dataclass holding its PDF in `pdf`) with the PDF written to folder/name and dropped, its `size`
    kept: a printing process writes what it printed, and hands back to the build only what to report."""
    size = write_into(folder, name, printed.pdf)  # type: ignore[attr-defined]
    return dataclasses.replace(printed, pdf=b"", size=size)  # type: ignore[type-var]


def sorted_out(outcomes: Iterable[Sheet | str], printing: Printing) -> tuple[list[Sheet], list[str]]:
    """each()'s outcomes as (what printed, counted in printing as printed or reused; the failures' messages)."""
    printed: list[Sheet] = []
    failures: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, str):
            failures.append(outcome)
        else:
            printed.append(outcome)
            printing.count(outcome.reused)  # type: ignore[attr-defined]
    return printed, failures


def _run(index: int) -> tuple[bool, Any]:
    try:
        return False, _work(index)  # type: ignore[misc]
    except Exception:
        return True, None


# Writing -----------------------------------------------------------------------------------------------------------


@contextmanager
def staged(target: Path, *, whole: bool = False) -> Iterator[Path]:
    """A temporary folder beside target to write into. When the block ends well its files move into target (whole:
    the folder replaces target, so nothing stale stays); when it fails, target is as it was. Either way no reader
    sees half a file, since each arrives by a rename. Only a folder a build made (output_folders) is ever replaced,
    and none is written through a symlink: PrintError otherwise."""
    target = Path(os.path.abspath(target))
    try:
        if whole:
            output_folders.claim(target)
        elif target.is_symlink() or (os.path.lexists(target) and not target.is_dir()):
            raise output_folders.OutputRefused(
                f"{target} is a symbolic link or a file; the files are written into a real folder only"
            )
        output_folders.remove_leftovers(target)
    except output_folders.OutputRefused as exc:
        raise PrintError(str(exc)) from None
    except OSError as exc:
        raise PrintError(f"cannot write to {target}: {exc.strerror}") from None
    new_parent = not target.parent.exists()  # removed again, if empty, when the block fails: nothing is left
    with output_folders.stopped_by_signals():
        staging = output_folders.staging_folder(target)
        done = False
        try:
            yield staging
            # mkdtemp makes the folder private; what is printed is for anyone to read.
            os.chmod(staging, 0o755)
            for path in staging.rglob("*"):
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
            if whole:
                output_folders.replace(staging, target)
                done = True
                return
            if not target.exists():
                target.mkdir()
                output_folders.mark(target)
            for path in sorted(staging.rglob("*")):
                if path.is_file() and path.name != output_folders.MARKER:
                    place = target / path.relative_to(staging)
                    place.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, place)
            done = True
        except output_folders.OutputRefused as exc:
            raise PrintError(str(exc)) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if new_parent and not done:
                try:
                    target.parent.rmdir()
                except OSError:  # not empty: something else was written there meanwhile
                    pass


# WeasyPrint writes a document's web fonts (the form font, 4.5 MB) into a temporary folder that it removes only when
# its FontConfiguration is collected, which never happens in a process that leaves by os._exit: the `rulebook` command
# (generator.cli.run) and every printing process. Each process removes the folders of the configurations it made.
_font_configurations: list[tuple[int, weakref.ref]] = []


def remove_font_folders() -> None:
    """Remove the font folders of this process's printers (a forked process leaves its parent's alone)."""
    for pid, made in _font_configurations:
        config = made()
        folder = getattr(config, "_folder", None)  # weasyprint.text.fonts.FontConfiguration (pinned in pyproject)
        if pid == os.getpid() and folder:
            shutil.rmtree(folder, ignore_errors=True)
            config._folder = None  # type: ignore[union-attr]


atexit.register(remove_font_folders)


def start_printing_process() -> None:
    """Set up a process that prints for a build: stopped with its parent, and leaving no font folder behind
    (multiprocessing runs its finalizers as the process ends, as it does not run atexit's)."""
    end_with_parent()
    multiprocessing_util.Finalize(None, remove_font_folders, exitpriority=0)


def end_with_parent() -> None:
    """On Linux, have a printing process stopped when the build that forked it dies, even by SIGKILL, rather than
    print on as an orphan into a folder the next build removes."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
