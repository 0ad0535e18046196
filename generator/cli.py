"""The `rulebook` command line: parses arguments and hands each subcommand to the module that does the work.

Exit status: 0 success, 1 problems found or the work failed, 2 wrong usage or no project.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import NoReturn

from generator import __version__, config, languages
from generator.config import ConfigError
from generator.findings import summary, to_github, to_json
from generator.project import Project, ProjectNotFound, find_project

USAGE, FAILED = 2, 1


def _project(args) -> Project:
    return find_project(Path(args.project) if args.project else None)


def _relative(project: Project, path: str | Path) -> str:
    return project.relative(Path(path))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes (1 or more)")
    return int(text)


def _printing(args):
    from generator.publish import printing

    return printing(cache=not args.no_cache, jobs=args.jobs)


def _printing_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="print every PDF, neither reading nor filling the cache of "
        "printed PDFs ($XDG_CACHE_HOME/rulebook, by default ~/.cache/rulebook)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        type=_jobs,
        default=None,
        help=f"print on N processes at once (default: one per core, here {os.cpu_count() or 1})",
    )


def _print_findings(project: Project, findings, file=None) -> None:
    """Findings as `rulebook check` prints them: path:line:col: CODE message, hints, then the summary."""
    file = file or sys.stdout
    for f in findings:
        print(replace(f, path=_relative(project, f.path)).format(), file=file)
    print(("" if not findings else "\n") + summary(findings), file=file)


def cmd_check(args) -> int:
    from generator.check import check
    from generator.diff import RevisionError

    project = _project(args)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"rulebook check: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return USAGE
    try:
        _, findings = check(project, [Path(p) for p in args.paths] or None, args.today, base=args.base)
    except RevisionError as exc:
        print(f"rulebook check: --base {args.base}: {exc}", file=sys.stderr)
        print(
            "hint: name a commit, branch or tag of this repository, e.g. `rulebook check --base origin/main`",
            file=sys.stderr,
        )
        return USAGE
    if args.format == "json":
        print(to_json([replace(f, path=_relative(project, f.path)) for f in findings]))
    elif args.format == "github":
        print(to_github([replace(f, path=_relative(project, f.path)) for f in findings]))
    else:
        _print_findings(project, findings)
    failing = [f for f in findings if f.severity == "error" or args.strict]
    return FAILED if failing else 0


def cmd_translated(args) -> int:
    from generator.fingerprint import MarkError, mark_reviewed
    from generator.loader import load_languages

    project = _project(args)
    name, _, line = args.target.rpartition(":") if args.target.rpartition(":")[2].isdigit() else (args.target, "", "")
    path = Path(name)
    if not path.is_file():
        print(f"rulebook translated: no such file: {name}", file=sys.stderr)
        return USAGE
    registry = load_languages(project, [])
    unknown = [key for key in args.lang or [] if key not in registry.translations]
    if unknown:
        print(
            f"rulebook translated: --lang {', '.join(unknown)}: the translations are {', '.join(registry.translations)}",
            file=sys.stderr,
        )
        return USAGE
    try:
        marked = mark_reviewed(path, registry, int(line) if line else None, args.lang)
    except MarkError as exc:
        print(f"rulebook translated: {exc}", file=sys.stderr)
        return FAILED
    for mark in marked:
        print(
            f"{_relative(project, str(path))}:{mark.line}: {mark.key} reviewed against {mark.chinese[:20]}{'…' * (len(mark.chinese) > 20)}"
        )
    print(
        f"marked {len(marked)} translation{'s' * (len(marked) != 1)} as reviewed"
        if marked
        else "nothing to mark: every written translation was already marked"
    )
    return 0


def _unknown_languages(command: str, asked: list[str], known: tuple[str, ...]) -> bool:
    """Report the --lang values the handbook's language registry does not have; True if there were any."""
    unknown = [lang for lang in asked if lang not in known]
    if unknown:
        print(
            f"rulebook {command}: --lang {', '.join(unknown)}: the handbook's languages are {', '.join(known)} "
            "(policies/handbook/languages.yaml declares them)",
            file=sys.stderr,
        )
    return bool(unknown)


def _ready_to_print(args, command: str, languages, printed: str | None):
    """What every printing command does first: load the handbook, refuse --lang values it does not have and, for
    sheets with QR codes (printed names them), a placeholder site_url; name the files that do not load.
    Returns (project, handbook), or the exit code when there is nothing to print."""
    from generator.loader import load

    project = _project(args)
    handbook, _, broken = load(project)
    if _unknown_languages(command, args.lang or [], languages(handbook)):
        return USAGE
    if printed:
        config.load(project).require_real_site_url(printed)  # a ConfigError: main() prints it and fails
    for path in broken:
        print(
            f"rulebook {command}: skipped {_relative(project, path)}: it does not load (run `rulebook check`)",
            file=sys.stderr,
        )
    return project, handbook


def _print_and_report(
    args,
    command: str,
    write,
    *,
    unknown: type[Exception],
    errors: tuple[type[Exception], ...],
    many: tuple[type[Exception], ...] = (),
    nothing: str | None = None,
    kept: bool = False,
    summary: bool = True,
) -> int:
    """What every printing command does last: write(printing) with the --no-cache/--jobs choice, then the exit code.
    unknown (an id or sheet asked for that does not exist) exits 2; many (with .failures) lists each failure; errors
    say what stopped the printing (kept: that the files from before are as they were); nothing: what to say when
    nothing was written. summary: print how many PDFs were printed and how many reused."""
    printing = _printing(args)
    try:
        written = write(printing)
    except unknown as exc:
        print(f"rulebook {command}: {exc}", file=sys.stderr)
        return USAGE
    except many as exc:
        for failure in exc.failures:  # type: ignore[attr-defined]
            print(f"error: {failure}", file=sys.stderr)
        return FAILED
    except errors as exc:
        note = "\nnothing was written; the files from before are as they were" if kept else ""
        print(f"rulebook {command}: {exc}{note}", file=sys.stderr)
        return FAILED
    if nothing and not written:
        print(f"rulebook {command}: {nothing}", file=sys.stderr)
        return FAILED
    if summary:
        print(printing.summary())
    return 0


def cmd_poster(args) -> int:
    from generator.pdf import PrintError
    from generator.poster import PosterError, PostersFailed, UnknownPoster, choices, write_posters

    ready = _ready_to_print(args, "poster", choices, "poster")
    if isinstance(ready, int):
        return ready
    project, handbook = ready
    return _print_and_report(
        args,
        "poster",
        lambda printing: write_posters(
            handbook,
            Path(args.out),
            project,
            ids=args.ids,
            size=args.size,
            langs=args.lang,
            keep_going=True,
            progress=print,
            warn=lambda line: print(line, file=sys.stderr),
            printing=printing,
        ),
        unknown=UnknownPoster,
        many=(PostersFailed,),
        errors=(PosterError, PrintError),
        nothing="no poster to print (declare one under posters: in a policy)",
    )


def cmd_book(args) -> int:
    from generator.book import BookError, BooksFailed, UnknownPolicy, write_books
    from generator.pdf import PrintError

    ready = _ready_to_print(args, "book", lambda handbook: handbook.languages.codes, "PDF")
    if isinstance(ready, int):
        return ready
    project, handbook = ready
    return _print_and_report(
        args,
        "book",
        lambda printing: write_books(
            handbook,
            Path(args.out),
            project,
            ids=args.ids,
            langs=args.lang,
            policies=not args.whole,
            whole=args.whole or not args.ids,
            progress=print,
            warn=lambda line: print(line, file=sys.stderr),
            printing=printing,
        ),
        unknown=UnknownPolicy,
        many=(BooksFailed,),
        errors=(BookError, PrintError),
        nothing="no policy in force to print",
    )


def cmd_checklist(args) -> int:
    from generator.checklist import FORMATS, ChecklistError, UnknownChecklist, choices, write_checklists
    from generator.pdf import PrintError

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if not formats or any(f not in FORMATS for f in formats):
        print(
            f"rulebook checklist: --format takes a comma-separated list of {', '.join(FORMATS)}, not '{args.format}'",
            file=sys.stderr,
        )
        return USAGE
    ready = _ready_to_print(args, "checklist", choices, None)
    if isinstance(ready, int):
        return ready
    project, handbook = ready
    if not any(policy.checklists for policy in handbook.policies.values()):
        print("rulebook checklist: no checklist to make (declare one under checklists: in a policy)", file=sys.stderr)
        return FAILED
    return _print_and_report(
        args,
        "checklist",
        lambda printing: write_checklists(
            handbook,
            Path(args.out),
            project,
            ids=args.ids,
            langs=args.lang,
            formats=formats,
            progress=print,
            printing=printing,
        ),
        unknown=UnknownChecklist,
        errors=(ChecklistError, PrintError),
        kept=True,
        summary="pdf" in formats,
    )


def cmd_acknowledgement(args) -> int:
    from generator.acknowledgement import AcknowledgementError, UnknownPolicy, write_acknowledgements
    from generator.pdf import PrintError

    ready = _ready_to_print(args, "acknowledgement", lambda handbook: handbook.languages.codes, "form")
    if isinstance(ready, int):
        return ready
    project, handbook = ready
    return _print_and_report(
        args,
        "acknowledgement",
        lambda printing: write_acknowledgements(
            handbook, Path(args.out), project, ids=args.ids, langs=args.lang, progress=print, printing=printing
        ),
        unknown=UnknownPolicy,
        errors=(AcknowledgementError, PrintError),
        kept=True,
        nothing="no policy in force to acknowledge",
    )


def cmd_acknowledgements_collect(args) -> int:
    from generator.acknowledgement_records import collect, to_csv
    from generator.loader import load
    from generator.versions import earlier_versions

    project = _project(args)
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"rulebook acknowledgements collect: no such folder: {args.folder}", file=sys.stderr)
        return USAGE
    handbook, _, _ = load(project)
    records, findings = collect(
        folder, handbook, earlier_versions(project, handbook), lambda path: _relative(project, path)
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(to_csv(records))
    if findings:
        _print_findings(project, findings, file=sys.stderr)
    print(f"wrote {len(records)} record{'s' * (len(records) != 1)} to {_relative(project, out)}")
    return FAILED if findings else 0


def cmd_import(args) -> int:
    from generator.importer import ImportFailed, import_file

    try:
        project = _project(args)
    except ProjectNotFound:
        if not args.output:
            raise
        project = None
    try:
        _, report = import_file(
            Path(args.file),
            project,
            policy_id=args.id,
            output=Path(args.output) if args.output else None,
            script=args.script,
            guidance=args.guidance,
            force=args.force,
        )
    except ImportFailed as exc:
        print(f"rulebook import: {exc}", file=sys.stderr)
        return FAILED
    print(report)
    return 0


def cmd_diff(args) -> int:
    from generator.diff import RevisionError, compare, render

    project = _project(args)
    try:
        comparison = compare(project, args.base, args.head)
    except RevisionError as exc:
        print(f"rulebook diff: {exc}", file=sys.stderr)
        print("hint: name a commit, branch or tag of this repository, e.g. `rulebook diff main`", file=sys.stderr)
        return USAGE
    sys.stdout.write(render(comparison, project, args.format))
    return FAILED if args.exit_code and not comparison.empty else 0


def cmd_codeowners(args) -> int:
    from generator import codeowners
    from generator.loader import load

    project = _project(args)
    handbook, _, broken = load(project)
    if broken or "roles" not in handbook.data:
        for path in broken:
            print(f"rulebook codeowners: {_relative(project, path)} does not load", file=sys.stderr)
        if "roles" not in handbook.data:
            print("rulebook codeowners: policies/handbook/roles.yaml does not load", file=sys.stderr)
        print("hint: run `rulebook check` and fix these first; the file was left as it was", file=sys.stderr)
        return FAILED
    path = codeowners.location(project.root)
    text = codeowners.render(handbook)
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            return 0
        print(
            f"rulebook codeowners: {_relative(project, str(path))} is out of date; run `rulebook codeowners`",
            file=sys.stderr,
        )
        return FAILED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    routed = sum(1 for line in text.splitlines() if line.startswith("/"))
    print(f"wrote {_relative(project, str(path))}: {routed} of {len(handbook.policies)} policies routed to reviewers")
    return 0


def cmd_build(args) -> int:
    import logging

    from mkdocs.exceptions import Abort, MkDocsException

    from generator.publish import JOBS, NO_CACHE
    from generator.site.build import BuildRefused, build, log_to_console

    project = _project(args)  # the rulebook plugin checks the handbook and stops the build on errors
    out = Path(args.out) if args.out else project.root / "site"
    placeholder = config.load(project).placeholder_warning() if args.strict else None
    if placeholder:
        print(f"rulebook build: {placeholder}. Nothing was built (--strict)", file=sys.stderr)
        return FAILED
    log_to_console(logging.INFO if args.verbose else logging.WARNING)
    try:
        with _environment({NO_CACHE: "1" if args.no_cache else None, JOBS: str(args.jobs) if args.jobs else None}):
            seconds = build(project, out)
    except BuildRefused as exc:
        print(f"rulebook build: {exc}", file=sys.stderr)
        return USAGE
    except MkDocsException as exc:
        # An Abort only says that the build stopped: the reason was logged above it.
        reason = "stopped" if isinstance(exc, Abort) else str(exc)
        print(f"rulebook build: {reason}; the previous site was left as it was", file=sys.stderr)
        return FAILED
    print(f"built the handbook site in {seconds:.1f} s: {_relative(project, str(out))}/")
    return 0


@contextmanager
def _environment(values: dict[str, str | None]):
    """Set (or, for None, leave as they are) environment variables for the block: the build that mkdocs runs reads
    its printing options there."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update({name: value for name, value in values.items() if value is not None})
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def cmd_serve(args) -> int:
    import logging

    from mkdocs.exceptions import MkDocsException

    from generator.site.build import log_to_console, serve

    project = _project(args)
    log_to_console(logging.INFO)
    try:
        serve(project, args.dev_addr, args.open)
    except MkDocsException as exc:
        print(f"rulebook serve: {exc}", file=sys.stderr)
        return FAILED
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rulebook",
        description="Policy-as-code handbook: validate the regulations in policies/ and render the site, posters and checklists.",
    )
    parser.add_argument("--version", action="version", version=f"rulebook {__version__}")
    parser.add_argument(
        "-C",
        "--project",
        metavar="DIR",
        help="run in the project at DIR (default: the nearest folder upwards with mkdocs.yml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    default_langs = languages.default().codes

    p = sub.add_parser(
        "check",
        help="validate policies and report every problem",
        description="Validate policy files against the schema and the handbook's rules. Prints path:line:col: CODE message for each problem.",
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="policy files or folders (default: the project's policies/)"
    )
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="text",
        help="output format: text, json, or github (workflow annotations on each file:line) (default: text)",
    )
    p.add_argument(
        "--today", metavar="YYYY-MM-DD", type=_date, help="date to check review deadlines against (default: today)"
    )
    p.add_argument(
        "--base",
        metavar="REV",
        help="also check what changed since the git revision REV: content changes need a new version, removed clauses a retired id, amended clauses `changed:`",
    )
    p.set_defaults(run=cmd_check)

    p = sub.add_parser(
        "translated",
        help="record that translations were reviewed against the Chinese as it is now",
        description="Write en_of: (the fingerprint of the Chinese) beside every written translation of the text at FILE:LINE, or of every text in FILE. `rulebook check` reports a translation as out of date when the Chinese beside it changes afterwards.",
    )
    p.add_argument(
        "target", metavar="FILE[:LINE]", help="a policy file, or a line of it (as `rulebook check` reports it)"
    )
    p.add_argument(
        "--lang",
        metavar="KEY",
        action="append",
        help="only this translation (a text key such as en); repeat for several (default: every translation)",
    )
    p.set_defaults(run=cmd_translated)

    p = sub.add_parser(
        "import",
        help="turn a plain-text regulation into a policy file",
        description="Import a regulation saved as text (UTF-8, GB18030, Big5 or UTF-16: a Word/PDF export or a copied "
        "web page) as a policy file: strips site noise, web boilerplate and pinyin annotations, recovers the numbering "
        "as the source writes it (第一章 第一節 第一條, 第 9-1 條, 一、 （一） 1. 1.1 (1) 1) a. ①), keeps lines the source "
        "kept apart, turns blanks ([X], ＿＿, 上午 時) into parameters, keeps a closing signature and date, records a "
        "truncated source, and never rewrites a word valid in the document's script. The report ends with a to-do "
        "list: every line removed, every character changed and every numbering it was unsure of, with its position. "
        "English texts are left empty for translation. A Q&A page (one with an accepted answer) is detected and its "
        "accepted answer is imported as a guidance document.",
    )
    p.add_argument("file", metavar="FILE", help="the text file to import")
    p.add_argument(
        "--id",
        metavar="ID",
        help="policy id: lower-case letters, digits and hyphens (default: made from the file name)",
    )
    p.add_argument("-o", "--output", metavar="OUT", help="file to write (default: policies/ID.yaml in the project)")
    p.add_argument(
        "--script",
        choices=languages.default().scripts,
        help="write the Chinese in this script (default: the one the source mostly uses)",
    )
    p.add_argument(
        "--guidance",
        action="store_true",
        help="import as a guidance document (type: guidance); automatic for Q&A pages",
    )
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser(
        "build",
        help="build the handbook site",
        description="Check the handbook, then build the website (mkdocs with the rulebook plugin) into DIR. The new site replaces the old one only once it is complete; a handbook with errors is reported as by `rulebook check` and nothing is built.",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: site/ in the project)")
    p.add_argument("-v", "--verbose", action="store_true", help="show mkdocs' progress messages")
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse to build what must not be published: posters whose QR codes would open a placeholder site_url",
    )
    _printing_options(p)
    p.set_defaults(run=cmd_build)

    p = sub.add_parser(
        "serve",
        help="preview the site, reloading on every change",
        description="Serve the handbook site locally; saving a policy, a hand-written page or a site template rebuilds it and reloads the browser.",
    )
    p.add_argument("-a", "--dev-addr", metavar="IP:PORT", help="address to serve on (default: 127.0.0.1:8000)")
    p.add_argument("--open", action="store_true", help="open the site in the default browser")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser(
        "poster",
        help="print wall posters as one-page PDFs",
        description="Print the posters the policies declare (posters: in a policy file), one PDF per poster and language, into DIR/posters/<policy-id>/<poster-id>-<lang>.pdf. The type is scaled to fill one sheet.",
    )
    p.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="a policy id (all its posters) or policy-id/poster-id (default: every poster)",
    )
    p.add_argument("--size", choices=["A4", "A3", "A2"], default="A3", help="sheet size (default: A3)")
    p.add_argument(
        "--lang",
        metavar="LANG",
        action="append",
        help=f"a language of the handbook ({', '.join(default_langs)} unless policies/handbook/languages.yaml says otherwise) or bilingual; repeat for several (default: every language)",
    )
    p.add_argument("--out", metavar="DIR", default="build", help="output folder (default: build)")
    _printing_options(p)
    p.set_defaults(run=cmd_poster)

    p = sub.add_parser(
        "book",
        help="print the handbook as PDF documents: each policy, and the whole handbook as one book",
        description="Print each policy in force as an A4 document (cover, contents, numbered clauses, cross-references as links, bookmarks, page numbers, a QR code to its page online), and all of them as one book, one PDF per language, into DIR/books/policies/<policy-id>-<lang>.pdf and DIR/books/handbook-<lang>.pdf. Every clause is a named destination: <policy-id>-<lang>.pdf#<clause-id>, handbook-<lang>.pdf#<policy-id>/<clause-id>.",
    )
    p.add_argument(
        "ids", nargs="*", metavar="ID", help="a policy id (default: every policy in force, and the whole handbook)"
    )
    p.add_argument("--whole", action="store_true", help="print the whole handbook only, not each policy")
    p.add_argument(
        "--lang",
        metavar="LANG",
        action="append",
        help=f"a language of the handbook ({', '.join(default_langs)} unless policies/handbook/languages.yaml says otherwise); repeat for several (default: every language)",
    )
    p.add_argument("--out", metavar="DIR", default="build", help="output folder (default: build)")
    _printing_options(p)
    p.set_defaults(run=cmd_book)

    p = sub.add_parser(
        "checklist",
        help="make fill-in checklists: fillable PDF, CSV and JSON",
        description="Make the checklists the policies declare (checklists: in a policy file) into DIR/checklists/<policy-id>/<checklist-id>-<lang>.pdf (a fillable form per language, and a bilingual one), <checklist-id>.csv and .json (one row per item with the PDF's field names, for task tools). Every item shows the clause it comes from.",
    )
    p.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="a policy id (all its checklists) or policy-id/checklist-id (default: every checklist)",
    )
    p.add_argument(
        "--lang",
        metavar="LANG",
        action="append",
        help=f"language of the PDF: a language of the handbook ({', '.join(default_langs)} unless policies/handbook/languages.yaml says otherwise), or bilingual: the Chinese with the first translation beneath; repeat for several (default: every language and bilingual)",
    )
    p.add_argument(
        "--format",
        default="pdf,csv,json",
        metavar="LIST",
        help="what to write, comma-separated: pdf, csv, json (default: all three)",
    )
    p.add_argument("--out", metavar="DIR", default="build", help="output folder (default: build)")
    _printing_options(p)
    p.set_defaults(run=cmd_checklist)

    p = sub.add_parser(
        "acknowledgement",
        help="print read-and-sign forms: one fillable PDF per policy version and language",
        description='Print an acknowledgement form ("I have read and understood") for the current version of each '
        "policy in force, one fillable one-page PDF per language, into "
        "DIR/acknowledgements/<policy-id>/<policy-id>-<version>-<lang>.pdf. Each form prints the version's "
        "fingerprint (shown on the policy's page too) and a QR code to the policy's page in its language; its fields "
        "are named acknowledgement:employee-name, acknowledgement:employee-number, acknowledgement:department, "
        "acknowledgement:date and acknowledgement:signature in every form.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="a policy id (default: every policy in force)")
    p.add_argument(
        "--lang",
        metavar="LANG",
        action="append",
        help=f"a language of the handbook ({', '.join(default_langs)} unless policies/handbook/languages.yaml says otherwise); repeat for several (default: every language)",
    )
    p.add_argument("--out", metavar="DIR", default="build", help="output folder (default: build)")
    _printing_options(p)
    p.set_defaults(run=cmd_acknowledgement)

    p = sub.add_parser(
        "acknowledgements",
        help="work with filled acknowledgement forms",
        description="Work with acknowledgement forms employees filled in and saved.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = actions.add_parser(
        "collect",
        help="read filled acknowledgement forms into a CSV",
        description="Read every filled acknowledgement form (PDF) in FOLDER and its subfolders into one CSV, a row per "
        "form: name, number, department, date, policy, version, fingerprint, signature, language, verified (current: "
        "the version in force; earlier: a version in the history; mismatch or unknown: reported as an error) and "
        "file. Reports forms it cannot read, PDFs that are no acknowledgement form, and forms without a name or "
        "date; exit 1 when there were any.",
    )
    q.add_argument("folder", metavar="FOLDER", help="the folder holding the filled PDFs")
    q.add_argument(
        "--out",
        metavar="FILE",
        default="acknowledgements.csv",
        help="the CSV to write (default: acknowledgements.csv)",
    )
    q.set_defaults(run=cmd_acknowledgements_collect)

    p = sub.add_parser(
        "diff",
        help="show what changed in the policies, clause by clause",
        description="Compare the handbook at two versions by clause id: added and removed clauses with their text, reworded text (Chinese by character, English by word, numbers whole), blanks filled, renumbering, metadata, changes to roles, glossary, topics and external documents with the clauses they affect, and what else the change needs (a version bump, a retired id, translations, broken references, posters and checklists to print again). BASE and HEAD are git revisions; as with git's three dots, the comparison starts from their merge base (main...HEAD); main..HEAD compares the two tips. HEAD defaults to the files on disk.",
    )
    p.add_argument(
        "base",
        nargs="?",
        default="HEAD",
        metavar="BASE",
        help="the revision to compare from, or a range A...B or A..B (default: HEAD)",
    )
    p.add_argument(
        "head", nargs="?", default=None, metavar="HEAD", help="the revision to compare to (default: the working tree)"
    )
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text for a terminal, markdown for a pull request comment, json for tools",
    )
    p.add_argument("--exit-code", action="store_true", help="exit 1 when anything changed, like git diff --exit-code")
    p.set_defaults(run=cmd_diff)

    p = sub.add_parser(
        "codeowners",
        help="write CODEOWNERS so each policy's pull requests reach its reviewers",
        description="Write the GitHub CODEOWNERS file (.github/CODEOWNERS, or where one already is) from the reviewers that policies/handbook/roles.yaml names for each policy's owner and approver (a role without reviewers uses those of the department it is part_of). `rulebook check` warns (W130) when the committed file is out of date.",
    )
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when the file is missing or out of date")
    p.set_defaults(run=cmd_codeowners)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return USAGE
    try:
        return args.run(args)
    except ProjectNotFound as exc:
        print(f"rulebook: {exc}", file=sys.stderr)
        print("hint: run inside a Rulebook checkout, or pass -C DIR", file=sys.stderr)
        return USAGE
    except ConfigError as exc:
        print(f"rulebook: {exc}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`rulebook diff | head`): stop quietly, as git does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def run() -> NoReturn:
    """The `rulebook` command: main(), then leave at once. A check or build ends holding millions of objects, and
    freeing them one by one on the way out is a tenth of a check of a large handbook (mypy leaves the same way).
    Every command has closed, flushed or removed what it opened by the time main() returns, and what the libraries
    and the printers leave to the end of the process is done by the exit handlers, run here."""
    code = main()
    atexit._run_exitfuncs()  # os._exit runs none
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass  # the reader went away, or the stream was closed: what was said is said
    os._exit(code)
