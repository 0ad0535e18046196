"""The handbook as a document: each policy in force, and all of them as one book, typeset as an A4 PDF per language,
with a cover, contents, the site's clause numbers as PDF destinations, live cross-references, bookmarks, page numbers.

What a document says is built here from the model (through the Reader the site reads with, so numbers and words
match the site); templates/book/ sets it, and generator.pdf prints it, tagged as PDF/UA, through the cache and over a process pool.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

import segno

from generator import config, locations, pdf
from generator.localise import Localisers
from generator.model import Clause, ExternalDocument, Handbook, Policy
from generator.project import Project
from generator.reading import ClauseView, Link, Reader, in_force

VARIANT = "pdf/ua-1"  # tagged, with the document's language and title: what a screen reader needs
NO_SITE_URL = (
    f"{config.SITE_FILE} has no site_url, so the handbook PDFs carry no QR code nor address of the current version; "
    f"add `site_url: https://<where the handbook is published>/` to {config.SITE_FILE} to print them"
)


class BookError(Exception):
    """A document that cannot be printed; the message says which one, why, and what to do."""


class UnknownPolicy(BookError):
    """An id on the command line that names no policy in force."""


class BooksFailed(BookError):
    def __init__(self, failures: list[str]):
        self.failures = failures
        super().__init__("\n".join(failures))


# What the document says --------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """A line of the contents: the clause's destination, its name (number and title), its depth (1 = top)."""

    target: str
    name: str
    depth: int


@dataclass
class Part:
    """One policy in a document. Every id it prints starts with anchor: "" in the policy's own PDF (so that
    policy.pdf#<clause-id> is the site's #<clause-id>), "<policy-id>/" in the whole book."""

    id: str
    anchor: str
    title: str
    kind: str  # regulation or guidance, in words
    version: str
    effective: str
    effective_iso: str
    owner: str
    approver: str
    url: str | None  # the policy's page in this language online
    font: str
    contents: list[Entry]
    clauses: list[ClauseView]


@dataclass
class BookContent:
    """One PDF: a policy (whole=False, one part) or the whole handbook (whole=True, every policy in force)."""

    lang: str
    whole: bool
    title: str
    author: str
    printed: str  # the date it was printed, in words
    printed_iso: str
    url: str | None  # where the current version is online
    font: str
    fonts: tuple[str, ...]
    parts: list[Part] = field(default_factory=list)


def printing_day() -> date:
    """Today, or the day SOURCE_DATE_EPOCH names, so that a reproducible build prints the same words."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc).date()
    return date.today()


class Typesetter:
    """Builds the content of every document of one handbook, in each language of its registry."""

    def __init__(self, handbook: Handbook, localisers: Localisers, site_url: str | None, site_name: str | None):
        self.handbook, self.localisers = handbook, localisers
        self.base = site_url.rstrip("/") + "/" if site_url else None
        self.site_name = site_name
        self.readers = {code: Reader(handbook, words) for code, words in localisers.items()}
        self.day = printing_day()

    def policies(self) -> list[Policy]:
        """The policies in force, in the site's order: a draft is not yet in force, a retired one no longer is."""
        return in_force(self.handbook)

    def online(self, lang: str, path: str) -> str | None:
        return f"{self.base}{self.handbook.languages.prefix(lang)}{path}" if self.base else None

    def policy(self, policy: Policy, lang: str) -> BookContent:
        part = self.part(policy, lang, anchor="", inside={policy.id: ""})
        return self._content(lang, False, part.title, [part], part.url, part.owner)

    def whole(self, lang: str) -> BookContent:
        policies = self.policies()
        inside = {p.id: f"{p.id}/" for p in policies}
        parts = [self.part(p, lang, inside[p.id], inside) for p in policies]
        r = self.readers[lang]
        default_script = self.handbook.languages.default.script or ""
        title = r.words.source(self.site_name, default_script) if self.site_name else r.t("book.handbook")
        return self._content(lang, True, title, parts, self.online(lang, locations.HOME), title)

    def _content(self, lang: str, whole: bool, title: str, parts: list[Part], url, author: str) -> BookContent:
        r = self.readers[lang]
        fonts = tuple(dict.fromkeys(p.font for p in parts)) or (self._font(lang, self.handbook.languages.default),)
        return BookContent(
            lang, whole, title, author, r.date(self.day), self.day.isoformat(), url, fonts[0], fonts, parts
        )

    def _font(self, lang: str, language) -> str:
        return self.handbook.languages.font(self.handbook.languages[lang], language.script or "")

    def part(self, policy: Policy, lang: str, anchor: str, inside: dict[str, str]) -> Part:
        """policy as a part of a document whose parts' anchors are inside (policy id → anchor)."""
        r = self.readers[lang]
        contents = [
            Entry(anchor + c.id, r.clause_name(c), c.level)
            for c in policy.walk()
            if c.level <= 2 and (c.number is not None or c.title)
        ]
        clauses = [self._clause(c, r, inside) for c in policy.clauses]
        return Part(
            policy.id,
            anchor,
            r.policy_title(policy),
            r.t(f"policy.{policy.type}"),
            policy.version,
            r.date(policy.effective),
            policy.effective.isoformat(),
            r.role_name(policy.owner),
            r.role_name(policy.approver),
            self.online(lang, locations.policy(policy.id)),
            self.handbook.languages.font(self.handbook.languages[lang], policy.script),
            contents,
            clauses,
        )

    def _clause(self, clause: Clause, r: Reader, inside: dict[str, str]) -> ClauseView:
        view = replace(r.clause(clause, deep=False))  # a copy: the reader hands every caller the same view
        view.refs = [self._reference(ref, clause.policy, r, inside) for ref in clause.refs]
        view.children = [self._clause(c, r, inside) for c in clause.clauses]
        # What the site shows beside a clause (roles, topics, checks, editors' notes) belongs to the site.
        view.roles, view.topics, view.checks, view.notes = [], [], [], []
        return view

    def _reference(self, ref: str, policy: Policy, r: Reader, inside: dict[str, str]) -> Link:
        """A reference as the document links it: a clause in the document by its destination (#...), one outside
        by its address online, an external document by its own address; without an address, its name alone."""
        target = self.handbook.resolve(ref, policy)
        if isinstance(target, Clause):
            other = target.policy is not policy
            note = r.policy_title(target.policy) if other else ""
            name = r.clause_name(target, full=True)
            if target.policy.id in inside:
                return Link(name, f"#{inside[target.policy.id]}{target.id}", note, "clause")
            page = self.online(r.lang, locations.policy(target.policy.id))
            return Link(name, f"{page}#{target.id}" if page else "", note, "policy")
        if isinstance(target, ExternalDocument):
            return r.reference(ref, policy)
        return Link(ref, "", "", "missing")


# Printing ----------------------------------------------------------------------------------------------------------


@dataclass
class PrintedBook:
    content: BookContent
    file_name: str  # relative to the output folder
    pdf: bytes
    pages: int
    seconds: float
    reused: bool = False
    size: int = 0  # bytes, once written by pdf.written (pdf is then empty)


def qr_code(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(omitsize=True, border=2)


def print_book(
    content: BookContent,
    file_name: str,
    project: Project,
    handbook: Handbook,
    localisers: Localisers,
    printing: pdf.Printing | None = None,
) -> PrintedBook:
    """One document as a PDF in memory, read back from printing's cache when nothing it depends on changed."""
    started = time.perf_counter()
    templates = pdf.Templates(project, "book")
    name = f"{'the handbook' if content.whole else content.parts[0].id} ({content.lang})"
    packages = handbook.languages.font_packages()

    def make() -> tuple[bytes, dict]:
        job = pdf.PrintJob(
            templates,
            fonts=content.fonts,
            name=f"handbook PDF {name}",
            fix_in="the policy" if content.whole else f"{content.parts[0].id}.yaml",
            packages=packages,
            variant=VARIANT,
        )
        addresses = [content.url, *(part.url for part in content.parts)]
        qrs = {url: qr_code(url) for url in addresses if url}
        printed = job.print("book.html", book=content, qrs=qrs, t=localisers[content.lang].word)
        return printed.pdf, {"pages": printed.pages, "warnings": printed.warnings}

    entry, reused = pdf.print_cached(
        printing,
        templates,
        content=content,
        fonts=content.fonts,
        options=(VARIANT, handbook.languages.languages),
        packages=packages,
        make=make,
        error=BookError,
    )
    return PrintedBook(content, file_name, entry.data, entry.meta["pages"], time.perf_counter() - started, reused)


def select(handbook: Handbook, ids: Iterable[str]) -> list[Policy]:
    """The policies in force that ids name (all of them when ids is empty), in the site's order."""
    return in_force(
        handbook,
        ids,
        lambda unknown, known: UnknownPolicy(
            f"no policy in force is called {', '.join(unknown)}\nhint: the policies are: {', '.join(known) or 'none'}"
        ),
    )


def write_books(
    handbook: Handbook,
    out_dir: Path,
    project: Project,
    *,
    ids: Iterable[str] = (),
    langs: Iterable[str] | None = None,
    policies: bool = True,
    whole: bool = True,
    progress: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    printing: pdf.Printing | None = None,
) -> list[Path]:
    """Print each chosen policy (policies: all in force, or those ids name) and, with whole, the whole handbook, in
    each of langs (default: every language of the registry) into out_dir at locations.book_file/handbook_file.

    Every PDF is printed into a staging folder first; one that fails raises BooksFailed (listing every failure) before any file
    is written."""
    chosen = select(handbook, ids) if policies else []
    settings = config.load(project)
    localisers = config.localisers(project, handbook)
    typesetter = Typesetter(handbook, localisers, settings.site_url, settings.site_name)
    printing = printing or pdf.Printing()
    codes = list(langs or handbook.languages.codes)
    # The whole book first: it takes longest, so it starts while the policies print beside it.
    tasks: list[tuple[Policy | None, str]] = [(None, lang) for lang in codes if whole and typesetter.policies()]
    tasks += [(policy, lang) for policy in chosen for lang in codes]
    if not tasks:
        return []

    out_dir = Path(out_dir)
    with pdf.staged(out_dir / locations.BOOKS) as folder:  # each process writes its books (see write_posters)

        def attempt(task: tuple[Policy | None, str]) -> PrintedBook | str:
            policy, lang = task
            try:
                if policy is None:
                    content, file_name = typesetter.whole(lang), locations.handbook_file(lang)
                else:
                    content, file_name = typesetter.policy(policy, lang), locations.book_file(policy.id, lang)
                book = print_book(content, file_name, project, handbook, localisers, printing)
            except BookError as exc:
                return str(exc)
            return pdf.written(book, folder, Path(book.file_name).relative_to(locations.BOOKS))

        books, failures = pdf.sorted_out(pdf.each(attempt, tasks, printing.jobs), printing)
        if failures:
            raise BooksFailed(failures)  # nothing is written: the staging folder goes
    written = []
    for book in books:
        written.append(out_dir / book.file_name)
        if progress:
            progress(describe(project, written[-1], book))
    if warn and not settings.site_url:
        warn(f"note: {NO_SITE_URL}")
    return written


def describe(project: Project, path: Path, book: PrintedBook) -> str:
    return (
        f"wrote {project.relative(path)}  ({book.pages} page{'s' * (book.pages != 1)}, "
        f"{book.size / 1024:.0f} KB, {book.seconds:.1f} s{', from the cache' if book.reused else ''})"
    )
