"""Read-and-sign records from filled acknowledgement forms: one CSV row per form in a folder, and a finding for each
form that cannot be read, names no policy version, or carries a fingerprint that is not its version's.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdf
from pypdf.errors import PdfReadError

from generator.acknowledgement import FIELD_PREFIX, IDENTITY
from generator.checklist import spreadsheet_safe
from generator.findings import Finding, finding
from generator.history import version_fingerprint
from generator.model import Handbook, Policy

# The CSV's columns: the employee's entries (by the form's field ids), what the form acknowledges, and how it compares
# with the handbook: current (the version in force), earlier (a version from the history), mismatch, unknown.
ENTRIES = ("employee-name", "employee-number", "department", "date", "signature")
COLUMNS = (
    "name",
    "number",
    "department",
    "date",
    "policy",
    "version",
    "fingerprint",
    "signature",
    "language",
    "verified",
    "file",
)
# What a form acknowledges (IDENTITY), as its Keywords hold it and, for a form whose reader dropped the document
# information on saving, as the line at its foot does.
KEYWORDS = re.compile(r"^([a-z0-9][a-z0-9-]*), (\d+(?:\.\d+)+), ([0-9a-f]{8}), ([A-Za-z-]+)$")
REFERENCE = re.compile(r"([a-z0-9][a-z0-9-]*)\s*·\s*(\d+(?:\.\d+)+)\s*·\s*([0-9a-f]{8})\s*·\s*([A-Za-z-]+)")


@dataclass(frozen=True)
class Record:
    name: str
    number: str
    department: str
    date: str
    policy: str
    version: str
    fingerprint: str
    signature: str
    language: str
    verified: str
    file: str

    def row(self) -> dict[str, str]:
        return {column: getattr(self, column) for column in COLUMNS}


def _value(field) -> str:
    value = field.get("/V") if field else None
    return "" if value is None else " ".join(str(value).split())


@contextmanager
def _quiet():
    """pypdf logs what it repairs in a damaged file; what matters reaches the user as a finding instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_form(path: Path, shown: str) -> tuple[dict[str, str], dict[str, str]] | Finding:
    """(the employee's entries by field id, what the form acknowledges: policy, version, fingerprint, language), or
    the finding that says why path is no acknowledgement form. shown is the path as messages give it."""
    try:
        with _quiet():
            reader = pypdf.PdfReader(path)
            fields = reader.get_fields() or {}
            keywords = KEYWORDS.match(
                " ".join(str(reader.metadata.get("/Keywords") or "").split()) if reader.metadata else ""
            )
            footer = "" if keywords else (reader.pages[0].extract_text() if reader.pages else "")
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        return finding((shown, 1, 1), "E130", f"cannot be read as a PDF ({exc.__class__.__name__})")
    entries = {ident: _value(fields.get(FIELD_PREFIX + ident)) for ident in ENTRIES}
    if not any(FIELD_PREFIX + ident in fields for ident in ENTRIES):
        return finding((shown, 1, 1), "E131", "is not an acknowledgement form: it has none of its fields")
    found = keywords or REFERENCE.search(" ".join(footer.split()))
    if found is None:
        return finding(
            (shown, 1, 1),
            "E131",
            "has the acknowledgement fields but says neither in its keywords nor at its foot which policy version "
            "it acknowledges",
        )
    what = dict(zip(IDENTITY, found.groups(), strict=True))
    return entries, what


def verify(what: dict[str, str], handbook: Handbook, earlier: dict[str, dict[str, Policy]]) -> str:
    """current, earlier or mismatch (the fingerprint is not that of the version the form names), or unknown (the
    handbook has no such policy, or no record of that version's text)."""
    policy = handbook.policies.get(what["policy"])
    if policy is None:
        return "unknown"
    versions = {policy.version: policy, **earlier.get(policy.id, {})}
    known = versions.get(what["version"])
    if known is None:
        return "unknown"
    if version_fingerprint(known) != what["fingerprint"]:
        return "mismatch"
    return "current" if known is policy else "earlier"


def collect(
    folder: Path,
    handbook: Handbook,
    earlier: dict[str, dict[str, Policy]],
    relative=lambda path: str(path),
) -> tuple[list[Record], list[Finding]]:
    """A record for every acknowledgement form among the PDFs in folder and its subfolders (in path order), and the
    findings: unreadable files (E130), PDFs that are no acknowledgement form (E131), forms whose fingerprint is not
    that of the version they name (E132), forms without a name or a date (E133). earlier holds the policies'
    earlier versions (generator.versions.earlier_versions), so that a form signed before an amendment verifies."""
    records: list[Record] = []
    findings: list[Finding] = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() == ".pdf" and p.is_file()):
        shown = relative(path)
        read = read_form(path, shown)
        if isinstance(read, Finding):
            findings.append(read)
            continue
        entries, what = read
        verified = verify(what, handbook, earlier)
        if verified in ("mismatch", "unknown"):
            findings.append(
                finding(
                    (shown, 1, 1),
                    "E132",
                    f"acknowledges {what['policy']} {what['version']} with fingerprint {what['fingerprint']}, "
                    + (
                        "which is not that version's text"
                        if verified == "mismatch"
                        else "a policy version this handbook has no record of"
                    ),
                )
            )
        missing = [label for ident, label in (("employee-name", "name"), ("date", "date")) if not entries[ident]]
        if missing:
            findings.append(finding((shown, 1, 1), "E133", f"the form has no {' and no '.join(missing)} filled in"))
        records.append(
            Record(
                name=entries["employee-name"],
                number=entries["employee-number"],
                department=entries["department"],
                date=entries["date"],
                policy=what["policy"],
                version=what["version"],
                fingerprint=what["fingerprint"],
                signature=entries["signature"],
                language=what["language"],
                verified=verified,
                file=shown,
            )
        )
    return records, findings


def to_csv(records: list[Record]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the Chinese; every cell kept as text, since what employees
    type (a name starting with =) must never run as a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: spreadsheet_safe(value) for key, value in record.row().items()} for record in records)
    return buffer.getvalue().encode("utf-8-sig")
