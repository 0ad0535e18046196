"""Wall posters: a policy's `posters:` selection printed on one sheet (title, numbered rules, footer, QR code).

Builds what the sheet says from the model, fills templates/poster/ with it and lets WeasyPrint lay it out and print.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import yaml

import generator
from generator import config, font_widths, locations, pdf_cache
from generator.findings import CODES, Finding, finding
from generator.languages import SOURCE, Registry
from generator.localise import Localiser, Localisers
from generator.model import PARAMETER, Clause, Handbook, Policy, Poster, Text
from generator.poster_fit import PAPERS, SURE_FIT, SURE_OVERFLOW, Paper, TooLong, estimate, fit, larger, overflow
from generator.project import Project

if TYPE_CHECKING:
    from generator import pdf  # imported where it prints: WeasyPrint takes a second to load, and `check` needs none

# The sheet the site build prints every poster on, and so the one `rulebook check` holds each poster to.
SITE_SIZE = "A3"
FAR_TOO_LONG = 8  # beyond this many times too long, the message says only that

BILINGUAL = "bilingual"  # the Chinese of the policy's own script with the first translation beneath: on request


class PosterError(Exception):
    """A poster that cannot be printed; the message says which one, why, and what to do."""


class UnknownPoster(PosterError):
    """An id on the command line that names neither a policy nor a poster."""


class PostersFailed(PosterError):
    """Some sheets could not be printed: one message per sheet in failures."""

    def __init__(self, failures: list[str]):
        self.failures = failures
        super().__init__("\n".join(failures))


# What the sheet says ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A run of printed words, or a blank the company has not filled in yet (printed as a line to write on)."""

    text: str
    blank: bool = False


@dataclass(frozen=True)
class Version:
    """A clause's title and text in one language."""

    lang: str
    title: tuple[Span, ...]
    text: tuple[Span, ...]


@dataclass(frozen=True)
class Item:
    """A printed clause: a heading (chapter or section), a rule, or a point under a rule."""

    id: str
    role: str
    level: int  # 1 chapter, 2 section, 3 item, 4 sub-item: the label's form (一、 （一） 1. (1)) follows it
    label: str
    versions: tuple[Version, ...]  # the sheet's language first; a bilingual sheet adds English
    children: tuple["Item", ...]
    titled: bool = True  # False when the sheet's title already says it


@dataclass(frozen=True)
class PosterContent:
    policy_id: str
    poster_id: str
    lang: str  # the option asked for: a language of the registry, or bilingual
    langs: tuple[str, ...]  # the languages the words are in, the main one first
    font: str  # the font family the sheet is set in (the registry's, for its main language)
    org: tuple[str, ...]
    policy_title: tuple[str, ...]
    title: tuple[str, ...]
    items: tuple[Item, ...]
    version: str
    effective: str
    url: str | None
    fingerprint: str
    notes: tuple[str, ...] = ()


def languages(handbook: Handbook, policy: Policy, lang: str) -> tuple[str, ...]:
    """The languages a sheet's words are in, the main one first: lang itself, or for "bilingual" the policy's own
    script and the first language that reads a translation."""
    registry = handbook.languages
    if lang != BILINGUAL:
        return (lang,)
    own = registry.of_script(policy.script).code
    other = next((lg.code for lg in registry if lg.text != SOURCE), None)
    return (own, other) if other else (own,)


def choices(handbook: Handbook) -> tuple[str, ...]:
    return (*handbook.languages.codes, BILINGUAL)


class _Words:
    """The policy's texts on one sheet, through each language's Localiser: parameters filled in, and a note of what
    is missing (untranslated texts, unfilled blanks) for the one printing it."""

    def __init__(self, policy: Policy, localisers: Localisers):
        self.policy, self.localisers = policy, localisers
        self.untranslated: list[str] = []
        self.blanks: list[str] = []

    def plain(self, text: Text | None, lang: str, script: str | None = None, where: str = "") -> str:
        words = self.localisers[lang]
        script = script or self.policy.script
        if words.fell_back(text, script) and not words.reads_source:
            self.untranslated.append(where)
        return words.text(text, script)

    def spans(self, text: Text | None, lang: str, where: str) -> tuple[Span, ...]:
        words = self.plain(text, lang, where=where)
        out: list[Span] = []
        for i, part in enumerate(PARAMETER.split(words)):
            if i % 2 == 0:
                if part:
                    out.append(Span(part))
                continue
            parameter = self.policy.parameter(part)
            if parameter is not None and parameter.value is not None:
                out.append(Span(self.plain(parameter.value, lang, where=f"parameter {part}")))
            else:
                self.blanks.append(part)
                out.append(Span(self.localisers[lang].word("blank.line"), blank=True))
        return tuple(out)


def _label(clause: Clause, words: Localiser, role: str) -> str:
    if clause.number is None:
        return ""
    if words.chinese_numbering:
        return words.label(clause)
    # Dotted numbers on a sheet: in full for headings (5.1), short for the rules under them.
    return (
        words.label(clause) if role == "heading" else (f"{clause.number}." if role == "rule" else f"({clause.number})")
    )


def _item(clause: Clause, langs: tuple[str, ...], words: _Words, under_rule: bool = False) -> Item:
    if not under_rule and clause.level <= 2 and clause.clauses:
        role = "heading"
    else:
        role = "point" if under_rule else "rule"
    versions = tuple(
        Version(lang, words.spans(clause.title, lang, clause.id), words.spans(clause.text, lang, clause.id))
        for lang in langs
    )
    children = tuple(_item(c, langs, words, under_rule=role != "heading") for c in clause.clauses)
    return Item(clause.id, role, clause.level, _label(clause, words.localisers[langs[0]], role), versions, children)


def _flat(spans: tuple[Span, ...]) -> str:
    return "".join("＿" if s.blank else s.text for s in spans)


def sheet_text(content: PosterContent) -> str:
    """Every word the sheet prints, in reading order (blanks as ＿); what the fingerprint is taken of."""
    lines = [*content.org, *content.policy_title, *content.title]

    def walk(items):
        for item in items:
            lines.append(item.label)
            for v in item.versions:
                lines.extend((_flat(v.title), _flat(v.text)))
            walk(item.children)

    walk(content.items)
    return "\n".join(lines)


def fingerprint(text: str, version: str) -> str:
    """A short, stable check value of the printed words and the version: the same on the wall and online."""
    return hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()[:8]


def poster_content(
    handbook: Handbook,
    policy: Policy,
    poster: Poster,
    lang: str,
    base_url: str | None,
    localisers: Localisers | None = None,
) -> PosterContent:
    """What one poster says in one language of the registry, or bilingually."""
    localisers = localisers or config.localisers(Project(handbook.root), handbook)
    langs = languages(handbook, policy, lang)
    words = _Words(policy, localisers)
    missing = [c for c in poster.clauses if policy.clause(c) is None]
    if missing:
        line = policy.pos(poster.at)[1]
        raise PosterError(
            f"{policy.path.name}:{line}: poster '{poster.id}' selects clause {', '.join(repr(m) for m in missing)}, "
            "which does not exist; fix the id under posters: (rulebook check lists every such problem)"
        )
    items = [_item(clause, langs, words) for clause in filter(None, map(policy.clause, poster.clauses))]
    owner = handbook.roles.get(policy.owner)
    org = tuple(words.plain(owner.name, lg, handbook.script_of("roles"), "owner") for lg in langs) if owner else ()
    policy_title = tuple(words.plain(policy.title, lg, where="title") for lg in langs)
    title = tuple(words.plain(poster.title, lg, where="poster title") for lg in langs) if poster.title else policy_title
    # One heading that only repeats the sheet's title would say it twice.
    if (
        len(items) == 1
        and items[0].role == "heading"
        and _flat(items[0].versions[0].title).casefold() == title[0].casefold()
    ):
        items[0] = replace(items[0], titled=False)
    # The QR code opens the page in the sheet's main language.
    page = handbook.languages.prefix(langs[0]) + locations.policy(policy.id)
    url = f"{base_url.rstrip('/')}/{page}#{poster.clauses[0]}" if base_url else None
    notes = []
    if words.untranslated:
        notes.append(f"no English text yet for {', '.join(sorted(set(words.untranslated)))}: printed in Chinese")
    if words.blanks:
        notes.append(
            f"{len(set(words.blanks))} blank(s) printed as lines to fill in by hand ({', '.join(sorted(set(words.blanks)))}); "
            f"give the parameters a value in {policy.path.name} to print them"
        )
    font = handbook.languages.font(handbook.languages[langs[0]], policy.script)
    content = PosterContent(
        policy.id,
        poster.id,
        lang,
        langs,
        font,
        org,
        policy_title,
        title,
        tuple(items),
        policy.version,
        policy.effective.isoformat(),
        url,
        "",
        tuple(notes),
    )
    return replace(content, fingerprint=fingerprint(sheet_text(content), policy.version))


# Printing ------------------------------------------------------------------------------------------------------


NO_SITE_URL = config.NO_SITE_URL


@dataclass
class PrintedPoster:
    content: PosterContent
    paper: Paper
    pdf: bytes
    type_pt: float
    layouts: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    reused: bool = False  # read back from the cache, not printed
    size: int = 0  # bytes, once written by pdf.written (pdf is then empty)

    @property
    def file_name(self) -> str:
        """Where the sheet goes, relative to the output folder."""
        return locations.poster_file(self.content.policy_id, self.content.poster_id, self.content.lang)


class _Sheet:
    """One poster's content on one paper, as the printer lays it out: the same layout decides whether it fits."""

    def __init__(
        self,
        project: Project,
        handbook: Handbook,
        policy: Policy,
        content: PosterContent,
        paper: Paper,
        localisers: Localisers,
    ):
        self.project, self.handbook, self.policy = project, handbook, policy
        self.content, self.paper, self.localisers = content, paper, localisers

    def job(self) -> pdf.PrintJob:
        from generator import pdf

        name = f"{self.policy.id}/{self.content.poster_id} ({self.content.lang}, {self.paper.name})"
        return pdf.PrintJob(
            pdf.Templates(self.project, "poster"),
            fonts=[self.content.font],
            name=f"poster {name}",
            fix_in=self.policy.path.name,
            packages=self.handbook.languages.font_packages(),
        )

    def layouts(self, job: pdf.PrintJob) -> Callable[[float], pdf.weasyprint.Document]:
        import segno

        content = self.content
        qr = segno.make(content.url, error="m").svg_data_uri(omitsize=True, border=2) if content.url else None
        return lambda type_pt: job.layout(
            "poster.html",
            poster=content,
            paper=self.paper,
            type_pt=round(type_pt, 2),
            qr=qr,
            font=content.font,
            t=self.localisers.word_in,
        )


@dataclass(frozen=True)
class SheetFit:
    """Whether a poster fits its sheet at the smallest permitted type, and if not, by how much (a share of the
    sheet: 0.3 is 30 % too long; inf, more than 8 times) and how that is known: "estimate" (bounds from the fonts'
    widths, generator.poster_fit.estimate) or "layout" (WeasyPrint's, at that size)."""

    fits: bool
    by: str
    overflow: float = 0.0
    longest: tuple[tuple[str, float], ...] = ()  # the clauses taking the most room, longest first, with their share


def sheet_fit(sheet: _Sheet, cache: pdf_cache.PdfCache | None) -> SheetFit | None:
    """The verdict `rulebook check` reports and the printer obeys: the estimate where its bounds decide, else a
    layout at the smallest type, remembered in cache by everything that decides it. None when it cannot be known
    here (no WeasyPrint, a font or template missing): the printer then says why it cannot print."""
    content, paper = sheet.content, sheet.paper
    widths = font_widths.widths(content.font)
    longest: tuple[tuple[str, float], ...] = ()
    if widths is not None:
        need, sure = estimate(content, paper, widths)
        longest = need.clauses[:3]
        if sure and need.upper <= SURE_FIT:
            return SheetFit(True, "estimate")
        if need.lower >= SURE_OVERFLOW:
            return SheetFit(False, "estimate", _capped(need.lower - 1), longest)
    key = _fit_key(sheet)
    entry = cache.get(key) if cache and key else None
    if entry is None:
        try:
            from generator import pdf
        except ImportError:
            return None
        try:
            layout = sheet.layouts(sheet.job())
            document = layout(paper.min_type_pt)
            pages = len(document.pages)
            excess = _excess_of(document, lambda: overflow(lambda size: len(layout(size).pages), paper.min_type_pt))
        except pdf.PrintError:  # a font or template missing, a broken template: the printer says so itself
            return None
        entry = pdf_cache.Entry(b"", {"pages": pages, "overflow": excess if excess != float("inf") else "inf"})
        if cache and key:
            cache.put(key, b"", entry.meta)
    if entry.meta["pages"] == 1:
        return SheetFit(True, "layout")
    return SheetFit(False, "layout", _capped(float(entry.meta["overflow"])), longest)


def _capped(excess: float) -> float:
    return excess if excess <= FAR_TOO_LONG else float("inf")


def _excess_of(document, searched: Callable[[], float]) -> float:
    """How much longer than its sheet a laid-out poster is (see filled). Where WeasyPrint's boxes cannot be read,
    searched() finds it by the type size that would fit."""
    if len(document.pages) == 1:
        return 0.0
    share = filled(document)
    return share - 1 if share is not None else searched()


def filled(document) -> float | None:
    """The share of one page a laid-out poster fills (1.3 on two pages: 30 % too long): the height of the masthead and
    the rules down to the last one each page holds, over one page's. None where WeasyPrint's boxes cannot be read."""
    pages = document.pages
    try:
        height = 0.0
        for page in pages:
            box = page._page_box
            main = next(b for b in _boxes(box) if getattr(b, "element_tag", None) == "main")
            # A block split over pages reaches to the foot of the page; what it holds ends at its lowest child.
            height += max(b.position_y + b.margin_height() for b in _boxes(main) if b is not main) - box.content_box_y()
        return height / pages[0]._page_box.height
    except (AttributeError, StopIteration, ValueError, ZeroDivisionError):
        return None


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def _fit_key(sheet: _Sheet) -> str | None:
    """What decides a layout's verdict: the content, the paper, the poster templates, the interface words, the font
    files, this generator's code and WeasyPrint's version (read without loading WeasyPrint)."""
    widths = font_widths.widths(sheet.content.font)
    try:
        weasyprint = metadata.version("weasyprint")
    except metadata.PackageNotFoundError:
        return None
    folder = sheet.project.templates / "poster"
    return pdf_cache.key(
        "poster-fit",
        sheet.content,
        sheet.paper,
        pdf_cache.file_digests(sorted(p for p in folder.rglob("*") if p.is_file())),
        pdf_cache.file_digests([sheet.project.templates / "words.yaml"]),
        list(widths.files) if widths else [],
        _code(),
        weasyprint,
    )


@lru_cache(maxsize=1)
def _code() -> str:
    package = Path(generator.__file__).parent
    return pdf_cache.key(
        generator.__version__,
        pdf_cache.file_digests(sorted(p for p in package.rglob("*") if p.suffix in (".py", ".yaml", ".json"))),
    )


def unfit(policy: Policy, poster: Poster, lang: str, paper: Paper, verdict: SheetFit, registry: Registry) -> Finding:
    """The finding for a poster that does not fit: `rulebook check` reports it and the printer refuses with it."""
    language = next((each.name for each in registry if each.code == lang), lang)
    excess = (
        f"more than {FAR_TOO_LONG:g} times too long"
        if verdict.overflow == float("inf")
        else f"{'about' if verdict.by == 'layout' else 'at least'} {max(verdict.overflow, 0.01):.0%} too long"
    )
    longest = ", ".join(
        f"{clause.id} (line {policy.pos(clause.at)[1]}, up to {max(share, 0.01):.0%} of the sheet)"
        for clause, share in ((policy.clause(c), share) for c, share in verdict.longest)
        if clause is not None
    )
    bigger = larger(paper)
    return finding(
        policy.pos(poster.at),
        "E135",
        f"poster {policy.id}/{poster.id} does not fit on one {paper.name} sheet in {language}: at the smallest permitted "
        f"type ({paper.min_type_pt:g} pt) it is {excess}" + (f"; its longest clauses are {longest}" if longest else ""),
        CODES["E135"][2] + (f" `rulebook poster --size {bigger.name}` prints it on a larger sheet." if bigger else ""),
    )


def unfit_posters(hb: Handbook) -> list[Finding]:
    """E135 for every poster the site build would refuse: in force, on SITE_SIZE, in each language of the registry.

    The verdicts of a policy's posters are kept in the PDF cache by everything they follow from (its file, the
    handbook's data, the site's configuration and words, the poster templates, the fonts, this code), so that a
    check of unchanged policies makes no poster at all."""
    project = Project(hb.root)
    try:
        base_url = config.load(project).site_url
        localisers = config.localisers(project, hb)
    except (config.ConfigError, OSError, ValueError, yaml.YAMLError):
        return []  # without the site's configuration or words no poster is printed; the build says why
    from generator import publish

    cache = publish.printing(jobs=1).cache
    paper = PAPERS[SITE_SIZE]
    shared = _shared_inputs(project, hb) if cache else None
    out = []
    for policy in hb.policies.values():
        if policy.status != "in-force" or not policy.posters:
            continue
        key = pdf_cache.key("poster-fit-policy", shared, pdf_cache.file_digests([policy.path])) if shared else None
        known = cache.get(key) if cache and key else None
        if known is not None:
            verdicts = [
                (
                    v["poster"],
                    v["lang"],
                    SheetFit(False, v["by"], float(v["overflow"]), tuple(map(tuple, v["longest"]))),
                )
                for v in known.meta["unfit"]
            ]
        else:
            verdicts, decided = [], True
            for poster in policy.posters:
                for lang in hb.languages.codes:
                    try:
                        content = poster_content(hb, policy, poster, lang, base_url, localisers)
                    except PosterError:
                        continue  # a clause that does not exist: E080
                    verdict = sheet_fit(_Sheet(project, hb, policy, content, paper, localisers), cache)
                    decided = decided and verdict is not None
                    if verdict is not None and not verdict.fits:
                        verdicts.append((poster.id, lang, verdict))
            if cache and key and decided:
                unfit_meta = [
                    {"poster": p, "lang": lg, "by": v.by, "overflow": str(v.overflow), "longest": v.longest}
                    for p, lg, v in verdicts
                ]
                cache.put(key, b"", {"unfit": unfit_meta})
        posters = {poster.id: poster for poster in policy.posters}
        for poster_id, lang, verdict in verdicts:
            if poster_id in posters:
                out.append(unfit(policy, posters[poster_id], lang, paper, verdict, hb.languages))
    return out


def _shared_inputs(project: Project, hb: Handbook) -> list | None:
    """Everything besides its own file that a policy's posters follow from, or None when the fonts are unknown."""
    # Every sheet is set in the font of a language of the registry (one without a font borrows another's).
    widths = [font_widths.widths(family) for family in sorted({lang.font for lang in hb.languages if lang.font})]
    if any(w is None for w in widths):
        return None
    data = sorted(p for p in project.handbook_data.rglob("*") if p.is_file())
    templates = sorted(p for p in (project.templates / "poster").rglob("*") if p.is_file())
    return [
        pdf_cache.file_digests(data),
        [str(p.relative_to(project.handbook_data)) for p in data],
        pdf_cache.file_digests([*templates, project.templates / "words.yaml", project.root / config.SITE_FILE]),
        [w.files for w in widths if w],
        SITE_SIZE,
        _code(),
    ]


def print_poster(
    handbook: Handbook,
    policy: Policy,
    poster: Poster,
    project: Project,
    lang: str | None = None,
    size: str = SITE_SIZE,
    base_url: str | None = None,
    localisers: Localisers | None = None,
    printing: pdf.Printing | None = None,
) -> PrintedPoster:
    """One poster as a one-page PDF in memory (by default in the handbook's default language), read back from
    printing's cache when nothing it depends on changed. Raises PosterError with a message meant for the user, or
    pdf.FontsMissing, which no other sheet would escape either. A poster too long for its sheet is refused with
    the finding `rulebook check` reports for it (sheet_fit decides for both)."""
    from generator import pdf

    started = time.perf_counter()
    lang = lang or handbook.languages.default.code
    if size not in PAPERS or lang not in choices(handbook):
        raise PosterError(
            f"cannot print a poster in {lang!r} on {size!r}: sizes are {', '.join(PAPERS)}, "
            f"languages {', '.join(choices(handbook))}"
        )
    paper = PAPERS[size]
    localisers = localisers or config.localisers(project, handbook)
    content = poster_content(handbook, policy, poster, lang, base_url, localisers)
    sheet = _Sheet(project, handbook, policy, content, paper, localisers)
    templates = pdf.Templates(project, "poster")

    def refuse(verdict: SheetFit) -> PosterError:
        found = unfit(policy, poster, lang, paper, verdict, handbook.languages)
        return PosterError(replace(found, path=project.relative(Path(found.path))).format())

    verdict = sheet_fit(sheet, printing.cache if printing else None)
    if verdict is not None and not verdict.fits:
        raise refuse(verdict)

    def make() -> tuple[bytes, dict]:
        job = sheet.job()
        fitted = fit(sheet.layouts(job), paper, filled)
        printed = job.finish(fitted.layout)
        return printed.pdf, {"type_pt": fitted.type_pt, "layouts": fitted.layouts, "warnings": printed.warnings}

    try:
        entry, reused = pdf.print_cached(
            printing,
            templates,
            content=content,
            fonts=[content.font],
            options=(paper, handbook.languages.languages),
            packages=handbook.languages.font_packages(),
            make=make,
            error=PosterError,
        )
    except TooLong as exc:
        # Only where the verdict could not be known beforehand: the layout's own measure, in the same words.
        raise refuse(SheetFit(False, "layout", exc.overflow)) from None
    # What WeasyPrint ignored in a restyled template (an unknown CSS property, say) is worth telling its author.
    ignored = [f"template: {m}" for m in entry.meta["warnings"] if "refused" not in m]
    notes = list(content.notes) + ignored + ([] if content.url else [NO_SITE_URL])
    return PrintedPoster(
        content,
        paper,
        entry.data,
        entry.meta["type_pt"],
        entry.meta["layouts"],
        time.perf_counter() - started,
        notes,
        reused,
    )


def select(handbook: Handbook, ids: Iterable[str] = ()) -> list[tuple[Policy, Poster]]:
    """The posters named by ids ('policy-id' or 'policy-id/poster-id'); all of them when ids is empty."""
    from generator import pdf

    return pdf.select(
        handbook,
        "posters",
        ids,
        lambda unknown, declared: UnknownPoster(
            f"no such policy or poster: {', '.join(unknown)}\nhint: posters are: {', '.join(declared) or 'none'}"
        ),
    )


def write_posters(
    handbook: Handbook,
    out_dir: Path,
    project: Project,
    *,
    ids: Iterable[str] = (),
    size: str = SITE_SIZE,
    langs: Iterable[str] | None = None,
    keep_going: bool = False,
    progress: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    printing: pdf.Printing | None = None,
) -> list[Path]:
    """Print the posters ids name (by default every poster every policy declares, in every language of the registry)
    into out_dir at locations.poster_file. progress hears of each file written, warn of the sheets' notes; printing
    says through which cache and over how many processes (by default: no cache, one process) and counts the PDFs.

    Every sheet is printed into a staging folder first. One that fails raises PostersFailed (listing every failure) before any
    file is written; with keep_going, the sheets that did print are written first. Returns [] when ids choose none.
    """
    from generator import pdf

    chosen = select(handbook, ids)
    if not chosen:
        return []
    base_url = config.load(project).site_url
    localisers = config.localisers(project, handbook)
    printing = printing or pdf.Printing()
    tasks = [(policy, poster, lang) for policy, poster in chosen for lang in langs or handbook.languages.codes]

    out_dir = Path(out_dir)
    # Each process writes its sheets into the staging folder and hands back the rest: a handbook's posters are more
    # bytes than a build should hold (two copies, the printing process's and this one's, at 200 policies: gigabytes).
    with pdf.staged(out_dir / locations.POSTERS) as folder:

        def attempt(task: tuple[Policy, Poster, str]) -> PrintedPoster | str:
            try:
                sheet = print_poster(handbook, *task[:2], project, task[2], size, base_url, localisers, printing)
            except PosterError as exc:
                return str(exc)
            return pdf.written(sheet, folder, Path(sheet.file_name).relative_to(locations.POSTERS))

        sheets, failures = pdf.sorted_out(pdf.each(attempt, tasks, printing.jobs), printing)
        if failures and (not keep_going or not sheets):
            raise PostersFailed(failures)  # nothing is written: the staging folder goes
    written: list[Path] = []
    notes: dict[str, None] = {}
    for sheet in sheets:
        written.append(out_dir / sheet.file_name)
        if progress:
            progress(describe(project, written[-1], sheet))
        for note in sheet.notes:
            notes.setdefault(
                note if note == NO_SITE_URL else f"{sheet.content.policy_id}/{sheet.content.poster_id}: {note}", None
            )
    if warn:
        for note in notes:
            warn(f"note: {note}")
    if failures:
        raise PostersFailed(failures)
    return written


def describe(project: Project, path: Path, sheet: PrintedPoster) -> str:
    return (
        f"wrote {project.relative(path)}  ({sheet.paper.name}, type {sheet.type_pt:.1f} pt, "
        f"{sheet.size / 1024:.0f} KB, {sheet.seconds:.1f} s{', from the cache' if sheet.reused else ''})"
    )
