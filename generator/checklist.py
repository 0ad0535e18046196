"""Fill-in checklists: a policy's `checklists:` as a fillable PDF, a printable web page, and CSV/JSON for task tools.

Builds what a checklist says from the model (ChecklistContent), then fills templates/checklist/ with it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import posixpath
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from generator import config, locations, pdf
from generator.languages import SOURCE, Registry
from generator.localise import Localisers
from generator.model import PARAMETER, Check, Checklist, Handbook, Policy, Text
from generator.project import Project

BILINGUAL = "bilingual"  # the Chinese of the policy's own script with the first translation beneath
OWN = "zh"  # the policy's own script, as the site's pages ask for it
FORMATS = ("pdf", "csv", "json")
# The site links an item to its clause from the checklist's page, which sits at checklists/<policy>/<checklist>/.
SITE_ROOT = "../../../"
# The answers an item takes, as the PDF's radio states and the exports name them; each word is form.answer.<answer>.
ANSWERS = ("done", "not-done", "na")
# What is recorded of each item besides its answer, as suffixes of its field names: who did it, on which day, the
# reference of the evidence kept, a note. Each word is form.<suffix>.
ITEM_FIELDS = ("by", "on", "evidence", "note")
# What is recorded of the form as a whole: its record number and the date or period it is due for.
FORM_FIELDS = ("record", "due")
# What each role that signs off writes: its person's name, the date and the signature.
SIGNOFF_FIELDS = ("name", "date", "signature")


def choices(handbook: Handbook) -> tuple[str, ...]:
    return (*handbook.languages.codes, BILINGUAL)


def columns(registry: Registry) -> tuple[str, ...]:
    """The CSV's columns: ids and paths, then each text once per language of the registry."""

    def each(name: str) -> tuple[str, ...]:
        return tuple(f"{name}_{code}" for code in registry.codes)

    return (
        "policy",
        "version",
        "checklist",
        "item",
        "check",
        "clause_policy",
        "clause",
        *each("clause_number"),
        "clause_path",
        *each("do"),
        "role",
        *each("role_name"),
        "frequency",
        *each("evidence"),
        "pdf_field",
        *(f"pdf_field_{suffix}" for suffix in ITEM_FIELDS),
        "addition_owner",
        *each("addition_reason"),
    )


class ChecklistError(Exception):
    """A checklist that cannot be produced; the message names the file and line and says what to do."""


class UnknownChecklist(ChecklistError):
    """An id on the command line that names no checklist."""


# What a checklist says -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One tickable item. Texts are tuples aligned with ChecklistContent.langs (one language, or Chinese then English)."""

    number: int
    ref: str  # the check as the checklist names it, normalised: 'check-id' or 'other-policy#check-id'
    check: str
    clause_policy: str
    clause: str
    clause_ref: str  # the clause as a reference from the checklist's policy: 'clause-id' or 'other-policy#clause-id'
    clause_number: tuple[str, ...]
    clause_title: tuple[str, ...]
    clause_path: str  # from the site's root: policies/<policy-id>/#<clause-id>
    do: tuple[str, ...]
    role: str
    role_name: tuple[str, ...]
    frequency: str
    evidence: tuple[str, ...]
    box: str  # PDF field names, stable as long as the ids are (see field_name): the answer's radio group
    fields: tuple[tuple[str, str], ...]  # (suffix of ITEM_FIELDS, field name) of what is recorded of the item
    addition_owner: str = ""  # role id when the check is the company's addition to its clause
    addition_owner_name: tuple[str, ...] = ()
    addition_reason: tuple[str, ...] = ()


@dataclass(frozen=True)
class Blank:
    """A form field besides the items: a name, a date, notes or a signature line."""

    id: str
    kind: str
    label: tuple[str, ...]
    name: str


@dataclass(frozen=True)
class Signoff:
    """One role that signs the form off: who it is, and the names of its fields (SIGNOFF_FIELDS, in that order)."""

    role: str
    role_name: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ChecklistContent:
    policy_id: str
    checklist_id: str
    lang: str
    langs: tuple[str, ...]
    font: str  # the family of the page text, from the language registry
    org: tuple[str, ...]
    policy_title: tuple[str, ...]
    title: tuple[str, ...]
    version: str
    effective: str
    produced: str
    event: tuple[str, ...]
    role_name: tuple[str, ...]
    frequency: str | None
    rows: tuple[Row, ...]
    blanks: tuple[Blank, ...]
    form_fields: tuple[tuple[str, str], ...]  # (FORM_FIELDS entry, field name)
    signoffs: tuple[Signoff, ...]

    @property
    def name(self) -> str:
        return f"{self.policy_id}/{self.checklist_id}"

    def fields(self, kind: str | None = None) -> list[Blank]:
        return [b for b in self.blanks if kind is None or b.kind == kind]

    def field_names(self) -> list[str]:
        """Every PDF field name of the form, in the order the form shows them."""
        return [
            *(name for _, name in self.form_fields),
            *(b.name for b in self.blanks),
            *(name for row in self.rows for name in (row.box, *(n for _, n in row.fields))),
            *(name for s in self.signoffs for _, name in s.fields),
        ]


def field_name(policy: Policy, checklist: Checklist, *parts: str) -> str:
    """<policy>:<checklist>:<part>...: made of ids only, so a filled-in form still matches after regeneration.

    The parts (documented in docs/developers/checklists.md): <item> for an item's answer, where <item> is the check
    as the checklist lists it ('check-id' or 'other-policy#check-id'); <item>:by|on|evidence|note for what is
    recorded of it; form:record and form:due; field:<field-id> for the fields the checklist declares;
    signoff:<role-id>:name|date|signature for each role that signs.
    Colons, not dots: a PDF field name may not contain a period (ISO 32000-1, 12.7.3.2), readers take it as nesting.
    """
    return ":".join((policy.id, checklist.id, *parts))


def produced_on() -> date:
    """Today, or SOURCE_DATE_EPOCH's day, so that a reproducible build prints the same date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), timezone.utc).date() if epoch and epoch.isdigit() else date.today()


def languages(handbook: Handbook, policy: Policy, lang: str) -> tuple[str, ...]:
    """The languages a checklist's words are in: lang; for "bilingual" the policy's own script and the first language
    that reads a translation; for "zh" the policy's own script."""
    registry = handbook.languages
    own = registry.of_script(policy.script).code
    if lang == OWN:
        return (own,)
    if lang == BILINGUAL:
        other = next((lg.code for lg in registry if lg.text != SOURCE), None)
        return (own, other) if other else (own,)
    if lang not in registry:
        raise ChecklistError(f"unknown language '{lang}': choose one of {', '.join(choices(handbook))}")
    return (lang,)


class _Words:
    """The model's texts in each of a checklist's languages, through the language's Localiser; parameters filled in."""

    def __init__(self, handbook: Handbook, localisers: Localisers, langs: tuple[str, ...]):
        self.handbook, self.localisers, self.langs = handbook, localisers, langs

    def one(self, text: Text | None, lang: str, script: str, policy: Policy | None = None) -> str:
        words = self.localisers[lang].text(text, script)  # untranslated: `rulebook check` reports it (E050)
        if policy is None:
            return words

        def value(match) -> str:
            parameter = policy.parameter(match[1])
            if parameter is None or parameter.value is None:
                return self.localisers[lang].word("blank.line")
            return self.one(parameter.value, lang, policy.script)

        return PARAMETER.sub(value, words)

    def all(self, text: Text | None, script: str, policy: Policy | None = None) -> tuple[str, ...]:
        return () if text is None else tuple(self.one(text, lang, script, policy) for lang in self.langs)

    def word(self, key: str) -> tuple[str, ...]:
        return tuple(self.localisers[lang].word(key) for lang in self.langs)

    def role(self, role_id: str | None) -> tuple[str, ...]:
        if role_id is None:
            return ()
        role = self.handbook.roles.get(role_id)
        if role is None:
            return tuple(role_id for _ in self.langs)
        return self.all(role.name, self.handbook.script_of("roles"))


def resolve(handbook: Handbook, policy: Policy, checklist: Checklist) -> list[tuple[str, Check]]:
    """The checklist's checks in order, each with its normalised reference; a dangling one stops with E080's words."""
    found, dangling = [], []
    for i, item in enumerate(checklist.items):
        check = handbook.resolve_check(item, policy)
        if check is None:
            dangling.append(
                f"{policy.path.name}:{policy.pos(checklist.at + ('items', i))[1]}: checklist "
                f"'{checklist.id}' lists check '{item}', which does not exist"
            )
            continue
        owner = check.clause.policy
        found.append((check.id if owner is policy else f"{owner.id}#{check.id}", check))
    if dangling:
        raise ChecklistError(
            "\n".join(dangling) + "\nhint: name checks that exist (`rulebook check` lists them all as E080)"
        )
    return found


def checklist_content(
    handbook: Handbook,
    policy: Policy,
    checklist: Checklist,
    lang: str = BILINGUAL,
    localisers: Localisers | None = None,
) -> ChecklistContent:
    """What one checklist says in one language of the registry, bilingually, or in the policy's own script ("zh")."""
    localisers = localisers or config.localisers(Project(handbook.root), handbook)
    return _content(handbook, policy, checklist, lang, languages(handbook, policy, lang), localisers)


def _content(
    handbook: Handbook, policy: Policy, checklist: Checklist, lang: str, langs: tuple[str, ...], localisers: Localisers
) -> ChecklistContent:
    words = _Words(handbook, localisers, langs)
    rows = []
    for number, (ref, check) in enumerate(resolve(handbook, policy, checklist), start=1):
        clause, source = check.clause, check.clause.policy
        title = words.all(clause.title, source.script, source) or tuple(
            _short(t) for t in words.all(clause.text, source.script, source)
        )
        rows.append(
            Row(
                number=number,
                ref=ref,
                check=check.id,
                clause_policy=source.id,
                clause=clause.id,
                clause_ref=clause.id if source is policy else f"{source.id}#{clause.id}",
                clause_number=tuple(localisers[lg].full_label(clause) for lg in langs),
                clause_title=title,
                clause_path=f"{locations.policy(source.id)}#{clause.id}",
                do=words.all(check.do, source.script, source),
                role=check.role,
                role_name=words.role(check.role),
                frequency=check.frequency,
                evidence=words.all(check.evidence, source.script, source),
                box=field_name(policy, checklist, ref),
                fields=tuple((suffix, field_name(policy, checklist, ref, suffix)) for suffix in ITEM_FIELDS),
                **_addition(words, check, source),
            )
        )
    blanks = tuple(
        Blank(f.id, f.type, words.all(f.label, policy.script), field_name(policy, checklist, "field", f.id))
        for f in checklist.fields
    )
    signers = dict.fromkeys([*([checklist.role] if checklist.role else []), *(row.role for row in rows)])
    signoffs = tuple(
        Signoff(
            role,
            words.role(role),
            tuple((part, field_name(policy, checklist, "signoff", role, part)) for part in SIGNOFF_FIELDS),
        )
        for role in signers
    )
    owner = handbook.roles.get(policy.owner)
    content = ChecklistContent(
        policy_id=policy.id,
        checklist_id=checklist.id,
        lang=lang,
        langs=langs,
        font=handbook.languages.font(handbook.languages[langs[0]], policy.script),
        org=words.role(policy.owner) if owner else (),
        policy_title=words.all(policy.title, policy.script),
        title=words.all(checklist.title, policy.script),
        version=policy.version,
        effective=policy.effective.isoformat(),
        produced=produced_on().isoformat(),
        event=words.all(checklist.event, policy.script, policy),
        role_name=words.role(checklist.role),
        frequency=checklist.frequency,
        rows=tuple(rows),
        blanks=blanks,
        form_fields=tuple((part, field_name(policy, checklist, "form", part)) for part in FORM_FIELDS),
        signoffs=signoffs,
    )
    names = content.field_names()
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ChecklistError(
            f"{policy.path.name}:{policy.pos(checklist.at)[1]}: checklist '{checklist.id}' would have two fields "
            f"named {', '.join(twice)}\nhint: give its declared fields ids that are not 'by', 'on', 'evidence' or "
            "'note' when a check of it is named 'field'"
        )
    return content


def _addition(words: _Words, check: Check, source: Policy) -> dict:
    if check.addition is None:
        return {}
    return {
        "addition_owner": check.addition.owner,
        "addition_owner_name": words.role(check.addition.owner),
        "addition_reason": words.all(check.addition.reason, source.script, source),
    }


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[:n].rstrip() + "…"


# Exports -------------------------------------------------------------------------------------------------------


def table(
    handbook: Handbook, policy: Policy, checklist: Checklist, localisers: Localisers | None = None
) -> ChecklistContent:
    """The checklist for the exports: every text in every language of the registry, whatever the PDF's language."""
    localisers = localisers or config.localisers(Project(handbook.root), handbook)
    return _content(handbook, policy, checklist, "all", handbook.languages.codes, localisers)


def records(content: ChecklistContent) -> list[dict]:
    """One record per item of a table(), in the columns of columns(): what the CSV and the JSON hold."""
    out = []
    for row in content.rows:
        record = {
            "policy": content.policy_id,
            "version": content.version,
            "checklist": content.checklist_id,
            "item": row.number,
            "check": row.check,
            "clause_policy": row.clause_policy,
            "clause": row.clause,
            "clause_path": row.clause_path,
            "role": row.role,
            "frequency": row.frequency,
            "pdf_field": row.box,
            **{f"pdf_field_{suffix}": name for suffix, name in row.fields},
            "addition_owner": row.addition_owner,
        }
        for i, code in enumerate(content.langs):
            record[f"clause_number_{code}"] = row.clause_number[i]
            record[f"do_{code}"] = row.do[i]
            record[f"role_name_{code}"] = row.role_name[i]
            record[f"evidence_{code}"] = row.evidence[i] if row.evidence else ""
            record[f"addition_reason_{code}"] = row.addition_reason[i] if row.addition_reason else ""
        out.append(record)
    return out


def spreadsheet_safe(value):
    """A cell a spreadsheet shows as text: one starting with = + - @ tab or CR would be run as a formula
    (=HYPERLINK(...) sends data away), so it gains a leading apostrophe, which Excel and LibreOffice hide."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(rows: list[dict], registry: Registry) -> bytes:
    """UTF-8 with a byte-order mark: without it Excel reads the Chinese as mojibake."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(registry), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_json(content: ChecklistContent) -> bytes:
    """The table() with its header (title, dates, the form's other fields); items are the CSV's rows."""
    data = {
        "policy": content.policy_id,
        "version": content.version,
        "effective": content.effective,
        "checklist": content.checklist_id,
        "title": dict(zip(content.langs, content.title, strict=False)),
        "event": dict(zip(content.langs, content.event, strict=False)) or None,
        "role": dict(zip(content.langs, content.role_name, strict=False)) or None,
        "frequency": content.frequency,
        "produced": content.produced,
        "record": {part: {"pdf_field": name} for part, name in content.form_fields},
        "fields": [
            {"id": b.id, "type": b.kind, "label": dict(zip(content.langs, b.label, strict=False)), "pdf_field": b.name}
            for b in content.blanks
        ],
        "answers": list(ANSWERS),
        "items": records(content),
        "signoff": [
            {
                "role": s.role,
                "role_name": dict(zip(content.langs, s.role_name, strict=False)),
                "pdf_fields": dict(s.fields),
            }
            for s in content.signoffs
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# Rendering -----------------------------------------------------------------------------------------------------


def checklist_page(
    handbook: Handbook,
    policy: Policy,
    checklist: Checklist,
    lang: str,
    *,
    site_root: str = SITE_ROOT,
    files: str = "../",
) -> str:
    """The checklist as an HTML fragment for the site's page (insert it as a raw HTML block): boxes tick on screen, a
    print stylesheet, and every item links to its clause at <site_root>policies/<policy-id>/#<clause-id>.

    lang: a language of the registry, bilingual, or zh (the policy's own script). files is where the PDF, CSV and JSON are,
    relative to the page: by default the page is checklists/<policy-id>/<checklist-id>/ and the files sit beside
    its folder, as write_checklists() puts them.
    """
    project = Project(handbook.root)
    localisers = config.localisers(project, handbook)
    content = checklist_content(handbook, policy, checklist, lang, localisers)
    # The PDF in the page's own language first, then the others and the bilingual form.
    own = lang if lang in handbook.languages else content.langs[0]
    pdfs = [
        (
            handbook.languages[code].name if code in handbook.languages else localisers[own].word("form.bilingual"),
            code,
            posixpath.basename(locations.checklist_pdf(policy.id, checklist.id, code)),
        )
        for code in sorted(choices(handbook), key=lambda code: code != own)
    ]
    html = pdf.Templates(project, "checklist").render(
        "page.html", c=content, answers=ANSWERS, pdfs=pdfs, site_root=site_root, files=files, t=localisers.word_in
    )
    # No blank lines: Markdown would end the raw HTML block at the first one.
    return "\n".join(line for line in html.splitlines() if line.strip()) + "\n"


def checklist_pdf(
    handbook: Handbook,
    policy: Policy,
    checklist: Checklist,
    lang: str = BILINGUAL,
    localisers: Localisers | None = None,
    printing: pdf.Printing | None = None,
) -> tuple[bytes, bool]:
    """The fillable PDF in memory, and whether printing's cache had it. Raises ChecklistError or pdf.PrintError."""
    localisers = localisers or config.localisers(Project(handbook.root), handbook)
    content = checklist_content(handbook, policy, checklist, lang, localisers)
    page_font = content.font
    # The words come from the checklist's policy and from those it borrows checks from.
    sources = sorted({policy.path.name} | {handbook.policies[row.clause_policy].path.name for row in content.rows})
    templates = pdf.Templates(Project(handbook.root), "checklist")
    packages = handbook.languages.font_packages()

    def make() -> tuple[bytes, dict]:
        job = pdf.PrintJob(
            templates,
            fonts=[page_font],
            forms=True,
            name=f"checklist {content.name}",
            fix_in=" or ".join(sources),
            packages=packages,
        )
        printed = job.print(
            "checklist.html", c=content, answers=ANSWERS, font=page_font, field_font=pdf.FORM_FONT, t=localisers.word_in
        )
        return printed.pdf, {}

    entry, reused = pdf.print_cached(
        printing,
        templates,
        content=content,
        fonts=[page_font],
        forms=True,
        options=handbook.languages.languages,
        packages=packages,
        make=make,
    )
    return entry.data, reused


def select(handbook: Handbook, ids: Iterable[str] = ()) -> list[tuple[Policy, Checklist]]:
    """The checklists named by ids ('policy-id' or 'policy-id/checklist-id'); all of them when ids is empty."""
    return pdf.select(
        handbook,
        "checklists",
        ids,
        lambda unknown, declared: UnknownChecklist(
            f"no checklist {', '.join(repr(u) for u in unknown)}; there are: {', '.join(declared) or 'none'}"
        ),
    )


def write_checklists(
    handbook: Handbook,
    out_dir: Path,
    project: Project,
    *,
    ids: Iterable[str] = (),
    langs: Iterable[str] | None = None,
    formats: Iterable[str] = FORMATS,
    progress: Callable[[str], None] | None = None,
    printing: pdf.Printing | None = None,
) -> list[Path]:
    """Write the chosen checklists (default all) as PDF, CSV and JSON into out_dir: a PDF per language of langs (by
    default every language of the registry, and the bilingual form) at locations.checklist_pdf, one CSV and one JSON
    holding every language at locations.checklist_file. printing says through which cache and over how many
    processes the PDFs are printed, and counts them.

    Everything is made in a temporary folder first: a failure raises and leaves the previous files as they were.
    Writing all checklists in all formats replaces the whole checklists/ folder, so a removed one leaves no stale file.
    """
    ids, formats = list(ids), [f for f in FORMATS if f in set(formats)]
    langs = list(dict.fromkeys(langs)) if langs else list(choices(handbook))
    unknown = [lang for lang in langs if lang not in choices(handbook)]
    if unknown:
        raise ChecklistError(f"unknown language '{unknown[0]}': choose one of {', '.join(choices(handbook))}")
    localisers = config.localisers(project, handbook)
    tables, problems = [], []
    for policy, checklist in select(handbook, ids):  # every item resolved before the first slow PDF
        try:
            tables.append((policy, checklist, table(handbook, policy, checklist, localisers)))
        except ChecklistError as exc:
            problems.append(str(exc))
    if problems:
        raise ChecklistError("\n".join(problems))
    printing = printing or pdf.Printing()
    sheets = [(policy, checklist, lang) for policy, checklist, _ in tables for lang in langs]

    target, made = Path(out_dir) / locations.CHECKLISTS, []
    with pdf.staged(
        target, whole=not ids and len(formats) == len(FORMATS) and langs == list(choices(handbook))
    ) as staging:

        def print_one(sheet: tuple[Policy, Checklist, str]) -> tuple[int, bool, float]:
            """Print one sheet into staging (each process writes its own: see poster.write_posters); its size."""
            started = time.perf_counter()
            data, reused = checklist_pdf(handbook, sheet[0], sheet[1], sheet[2], localisers, printing)
            path = locations.checklist_pdf(sheet[0].id, sheet[1].id, sheet[2])
            size = pdf.write_into(staging, Path(path).relative_to(locations.CHECKLISTS), data)
            return size, reused, time.perf_counter() - started

        printed = {}
        if "pdf" in formats:
            made_pdfs = pdf.each(print_one, sheets, printing.jobs)
            printed = {(p.id, c.id, lang): result for (p, c, lang), result in zip(sheets, made_pdfs, strict=True)}
        for policy, checklist, exported in tables:
            files: list[tuple[str, int, bool, float | None]] = []  # each file written, with its size
            for fmt in formats:
                if fmt == "pdf":
                    for lang in langs:
                        length, reused, took = printed[(policy.id, checklist.id, lang)]
                        printing.count(reused)
                        files.append((locations.checklist_pdf(policy.id, checklist.id, lang), length, reused, took))
                else:
                    path = locations.checklist_file(policy.id, checklist.id, fmt)
                    data = to_csv(records(exported), handbook.languages) if fmt == "csv" else to_json(exported)
                    length = pdf.write_into(staging, Path(path).relative_to(locations.CHECKLISTS), data)
                    files.append((path, length, False, None))
            for path, length, reused, seconds in files:
                name = str(Path(path).relative_to(locations.CHECKLISTS))
                made.append(name)
                if progress:
                    shown = f"{length / 1024:.0f} KB" if length >= 1024 else f"{length} B"
                    timing = f", {seconds:.1f} s" if seconds is not None else ""
                    progress(
                        f"made {name}  ({len(exported.rows)} items, {shown}{timing}"
                        f"{', from the cache' if reused else ''})"
                    )
    if progress:
        progress(f"wrote {len(made)} file{'s' * (len(made) != 1)} to {project.relative(target)}/")
    return [target / name for name in made]
