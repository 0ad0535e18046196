"""Acknowledgement forms: for each policy version, a fillable one-page "I have read and understood" sheet per language,
printing the version's fingerprint so that a signed copy says which text was read; fields named for collecting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import segno

from generator import config, locations, pdf
from generator.history import version_fingerprint
from generator.localise import Localisers
from generator.model import Handbook, Policy
from generator.project import Project
from generator.reading import in_force

# The form's fields, in the order they are printed: (id, interface word of the label). The PDF field of each is
# FIELD_PREFIX + id, the same in every policy, version and language, so one collector reads them all.
FIELDS = (
    ("employee-name", "ack.employee-name"),
    ("employee-number", "ack.employee-number"),
    ("department", "ack.department"),
    ("date", "ack.date"),
    ("signature", "ack.signature"),
)
FIELD_PREFIX = "acknowledgement:"  # colons, not dots: a PDF reader takes a dot in a field name as nesting
# What the form acknowledges, in this order, in the PDF's Keywords (the template's <meta name="keywords">, which
# WeasyPrint writes into the document information) and in the line at its foot, joined by IDENTITY_SEPARATORS.
IDENTITY = ("policy", "version", "fingerprint", "language")


def field_name(ident: str) -> str:
    return FIELD_PREFIX + ident


class AcknowledgementError(Exception):
    """A form that cannot be made; the message says which and what to do."""


class UnknownPolicy(AcknowledgementError):
    """An id on the command line that names no policy in force."""


@dataclass(frozen=True)
class Field:
    id: str
    name: str  # the PDF field
    label: str


@dataclass(frozen=True)
class AcknowledgementContent:
    """Everything one form prints (and so everything its cached PDF depends on)."""

    policy_id: str
    lang: str
    font: str
    org: str
    heading: str
    title: str
    version: str
    effective: str  # in the language's own form
    effective_iso: str
    fingerprint: str
    statement: str
    url: str | None
    fields: tuple[Field, ...]

    @property
    def file_name(self) -> str:
        return locations.acknowledgement_file(self.policy_id, self.version, self.lang)


def page_url(handbook: Handbook, policy: Policy, lang: str, base_url: str | None) -> str | None:
    """The policy's page in lang on the published site, or None without a site_url."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/{handbook.languages.prefix(lang)}{locations.policy(policy.id)}"


def acknowledgement_content(
    handbook: Handbook, policy: Policy, lang: str, base_url: str | None, localisers: Localisers
) -> AcknowledgementContent:
    """What the form of policy's current version says in lang, a language of the registry."""
    if lang not in handbook.languages.codes:
        raise AcknowledgementError(f"unknown language '{lang}': choose one of {', '.join(handbook.languages.codes)}")
    words = localisers[lang]
    title = words.text(policy.title, policy.script)
    effective = words.date(policy.effective)
    owner = handbook.roles.get(policy.owner)
    return AcknowledgementContent(
        policy_id=policy.id,
        lang=lang,
        font=handbook.languages.font(handbook.languages[lang], policy.script),
        org=words.text(owner.name, handbook.script_of("roles")) if owner else "",
        heading=words.word("ack.title"),
        title=title,
        version=policy.version,
        effective=effective,
        effective_iso=policy.effective.isoformat(),
        fingerprint=version_fingerprint(policy),
        statement=words.word("ack.statement", title=title, version=policy.version, effective=effective),
        url=page_url(handbook, policy, lang, base_url),
        fields=tuple(Field(ident, field_name(ident), words.word(key)) for ident, key in FIELDS),
    )


def acknowledgement_pdf(
    handbook: Handbook,
    policy: Policy,
    project: Project,
    lang: str,
    base_url: str | None,
    localisers: Localisers,
    printing: pdf.Printing | None = None,
) -> tuple[AcknowledgementContent, bytes, bool]:
    """(what the form says, the fillable PDF, whether printing's cache had it). Raises AcknowledgementError, or
    pdf.FontsMissing, which no other sheet would escape either."""
    content = acknowledgement_content(handbook, policy, lang, base_url, localisers)
    templates = pdf.Templates(project, "acknowledgement")
    packages = handbook.languages.font_packages()

    def make() -> tuple[bytes, dict]:
        job = pdf.PrintJob(
            templates,
            fonts=[content.font],
            forms=True,
            name=f"acknowledgement form {policy.id} {policy.version} ({lang})",
            fix_in=policy.path.name,
            packages=packages,
        )
        qr = segno.make(content.url, error="m").svg_data_uri(omitsize=True, border=2) if content.url else None
        printed = job.print(
            "acknowledgement.html",
            a=content,
            qr=qr,
            font=content.font,
            field_font=pdf.FORM_FONT,
            t=localisers.word_in,
        )
        if printed.pages != 1:
            raise AcknowledgementError(
                f"acknowledgement form {policy.id} ({lang}) takes {printed.pages} pages, not one: shorten the "
                "words in templates/words.yaml (ack.*) or the styles in templates/acknowledgement/"
            )
        return printed.pdf, {}

    entry, reused = pdf.print_cached(
        printing,
        templates,
        content=content,
        fonts=[content.font],
        forms=True,
        options=handbook.languages.languages,
        packages=packages,
        make=make,
        error=AcknowledgementError,
    )
    return content, entry.data, reused


def select(handbook: Handbook, ids: Iterable[str] = ()) -> list[Policy]:
    """The policies in force that ids name (all of them when ids is empty): only those are acknowledged."""
    return in_force(
        handbook,
        ids,
        lambda unknown, known: UnknownPolicy(
            f"no policy in force named {', '.join(repr(u) for u in unknown)}; there are: {', '.join(known) or 'none'}"
        ),
    )


@dataclass
class Written:
    path: Path
    content: AcknowledgementContent
    size: int
    seconds: float
    reused: bool


def write_acknowledgements(
    handbook: Handbook,
    out_dir: Path,
    project: Project,
    *,
    ids: Iterable[str] = (),
    langs: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    printing: pdf.Printing | None = None,
) -> list[Path]:
    """Print the forms of the policies ids name (default all in force), in langs (default every language of the
    registry), into out_dir at locations.acknowledgement_file. Every form is printed into a staging folder first: a failure
    raises and leaves the earlier files as they were. Writing them all replaces the whole acknowledgements/ folder,
    so the form of a superseded version does not linger."""
    ids = list(ids)
    langs = list(langs or handbook.languages.codes)
    unknown = [lang for lang in langs if lang not in handbook.languages.codes]
    if unknown:
        raise AcknowledgementError(
            f"unknown language {', '.join(unknown)}: choose from {', '.join(handbook.languages.codes)}"
        )
    base_url = config.load(project).site_url
    localisers = config.localisers(project, handbook)
    printing = printing or pdf.Printing()
    tasks = [(policy, lang) for policy in select(handbook, ids) for lang in langs]

    target = Path(out_dir) / locations.ACKNOWLEDGEMENTS
    written: list[Written] = []
    whole = not ids and len(langs) == len(handbook.languages.codes)
    with pdf.staged(target, whole=whole) as staging:

        def print_one(task: tuple[Policy, str]) -> Written:
            """Print one form into staging (each process writes its own: see poster.write_posters)."""
            started = time.perf_counter()
            content, data, reused = acknowledgement_pdf(
                handbook, task[0], project, task[1], base_url, localisers, printing
            )
            name = Path(content.file_name).relative_to(locations.ACKNOWLEDGEMENTS)
            size = pdf.write_into(staging, name, data)
            return Written(target / name, content, size, time.perf_counter() - started, reused)

        for made in pdf.each(print_one, tasks, printing.jobs):
            printing.count(made.reused)
            written.append(made)
    if progress:
        for made in written:
            progress(
                f"wrote {project.relative(made.path)}  (fingerprint {made.content.fingerprint}, "
                f"{made.size / 1024:.0f} KB, {made.seconds:.1f} s{', from the cache' if made.reused else ''})"
            )
    return [made.path for made in written]
