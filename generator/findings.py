"""Problems found in the handbook's files, as values: collected, sorted and reported together.

Every code, its severity and its default hint live in CODES, so the catalogue of checks reads in one place.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

# A line break inside a message (a quoted key, the start of a multi-line text) would split one finding over two lines,
# which editors and CI annotations read as two: every run of white space that holds one becomes a single space.
_BREAK = re.compile(r"\s*[\r\n\u2028\u2029\x0b\x0c\x85]\s*")


def one_line(text: str) -> str:
    return _BREAK.sub(" ", text)


# code: (severity, name, default hint). Errors fail `rulebook check`; warnings only with --strict.
CODES: dict[str, tuple[str, str, str]] = {
    "E001": ("error", "unreadable-file", "Save the file as UTF-8 text."),
    "E002": (
        "error",
        "yaml-syntax",
        "Check indentation and quoting near this line; a text with ': ' or '#' needs quotes.",
    ),
    "E003": ("error", "duplicate-key", "A key may appear once per mapping; merge the two entries."),
    "E004": (
        "error",
        "unsafe-file",
        "The build reads only regular files inside the project: replace the link or special file with a regular file.",
    ),
    "E005": (
        "error",
        "input-limit",
        "Keep files small and plainly written: write values out instead of aliases, and nest less deeply.",
    ),
    "E010": ("error", "schema", ""),
    "E011": ("error", "missing-field", ""),
    "E012": ("error", "unknown-key", ""),
    "E020": ("error", "file-name", "Rename the file to <id>.yaml or change the id."),
    "E021": ("error", "duplicate-id", "Ids are permanent anchors: give one of them a new id."),
    "E022": ("error", "reused-id", "This id was retired; links to it must never show other text. Choose a new id."),
    "E023": ("error", "language-registry", "Name only languages declared in policies/handbook/languages.yaml."),
    "E030": (
        "error",
        "dangling-ref",
        "Point the reference at an existing clause, or declare the document in policies/handbook/external.yaml and use external:<id>.",
    ),
    "E031": ("error", "unknown-external", "Declare the document in policies/handbook/external.yaml."),
    "E032": ("error", "unknown-role", "Add the role to policies/handbook/roles.yaml or fix the id."),
    "E033": ("error", "unknown-topic", "Use a topic id from policies/handbook/requirements.yaml."),
    "E040": (
        "error",
        "missing-required-clause",
        "Add a clause with this kind (see policies/handbook/requirements.yaml).",
    ),
    "E041": ("error", "uncovered-topic", "Tag a clause that deals with this topic with `topics: [<id>]`."),
    "E050": ("error", "missing-translation", "Fill in the translation next to the Chinese (en: for English)."),
    "E051": (
        "error",
        "numbering",
        "Numbers run 1, 2, 3... within each level; renumber the siblings (ids stay as they are).",
    ),
    "E060": ("error", "undefined-parameter", "Define the parameter under `parameters:` or fix the name in braces."),
    "E061": ("error", "parameter-mismatch", "Use the same {parameters} in the Chinese and the English text."),
    "E070": (
        "error",
        "editorial-note",
        "An editorial note must name an existing clause whose Chinese text contains the restored words.",
    ),
    "E080": ("error", "bad-selection", "Name clauses and checks that exist in the policy."),
    "E090": (
        "error",
        "unprintable-character",
        "Replace the character (an emoji, say), or leave the text off the poster or checklist: their font cannot print it.",
    ),
    "E100": ("error", "version-not-raised", "Raise version and add a history entry for it."),
    "E101": ("error", "removed-not-retired", "Add the removed clause's id to retired_ids."),
    "E102": (
        "error",
        "retired-id-revived",
        "A retired id stays retired: choose a new id and keep the old one under retired_ids.",
    ),
    "E103": ("error", "policy-deleted", "Keep the policy file with `status: retired` so that its links still resolve."),
    "E104": ("error", "history-rewritten", "Released history stays as it was; add a new version instead."),
    "E105": ("error", "unmarked-amendment", "Mark the amended clause with `changed: VERSION`."),
    "E110": (
        "error",
        "history-order",
        "List the history oldest first: each version higher and no earlier than the one before.",
    ),
    "E111": ("error", "history-current", "The last history entry is the policy's version, with its effective date."),
    "E112": ("error", "unknown-amendment-version", "Name a version listed under history:."),
    "E113": ("error", "unmarked-value", "Mark the filled-in blank with `changed: VERSION`."),
    "E120": (
        "error",
        "unprintable-in-document",
        "Replace the character (an emoji, say): the handbook PDFs print every text of a policy in force in its font.",
    ),
    # Read-and-sign records (`rulebook acknowledgements collect`): about filled forms, not the handbook's files.
    "E130": (
        "error",
        "unreadable-form",
        "Save the form again as a PDF from the reader it was filled in, or remove it.",
    ),
    "E131": (
        "error",
        "not-an-acknowledgement",
        "Collect only acknowledgement forms the handbook printed (acknowledgements/ in the site), filled in and saved.",
    ),
    "E132": (
        "error",
        "fingerprint-mismatch",
        "Compare the fingerprint printed on the form with the policy page of its version; ask for the form again.",
    ),
    "E133": ("error", "incomplete-form", "Ask the employee to fill in the name and the date, and to sign."),
    "E135": (
        "error",
        "poster-too-long",
        "Select fewer clauses for the poster under posters:, split it into two posters, or shorten the longest clauses.",
    ),
    "W101": ("warning", "unfilled-parameter", "The company fills this blank in by giving the parameter a value."),
    "W102": ("warning", "unused-parameter", "Remove the parameter or use it in a text as {id}."),
    "W110": ("warning", "review-overdue", "Review the policy and set a new review date or version."),
    "W150": (
        "warning",
        "stale-translation",
        "Update the translation, then record the review with `rulebook translated FILE:LINE`.",
    ),
    "W140": (
        "warning",
        "draft",
        "Release the policy: remove `status: draft`, set the version and add its history entry.",
    ),
    "W141": ("warning", "draft-translation", "Fill in the translation before the draft is released."),
    "W142": (
        "warning",
        "draft-structure",
        "Give a clause this kind before the draft is released (see policies/handbook/requirements.yaml).",
    ),
    "W120": (
        "warning",
        "glossary-term",
        "Use the glossary's English term (policies/handbook/glossary.yaml) or add an accepted form.",
    ),
    "W130": ("warning", "codeowners-stale", "Run `rulebook codeowners` and commit the file it writes."),
}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    hint: str = ""

    def __post_init__(self):
        object.__setattr__(self, "message", one_line(self.message))
        object.__setattr__(self, "hint", one_line(self.hint))

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    @property
    def name(self) -> str:
        return CODES[self.code][1]

    def format(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"
        hint = self.hint or CODES[self.code][2]
        return text + (f"\n    hint: {hint}" if hint else "")

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(severity=self.severity, name=self.name, hint=self.hint or CODES[self.code][2])
        return data


def finding(pos: "tuple[Path | str, int, int]", code: str, message: str, hint: str = "") -> Finding:
    """Make a finding at a (path, line, col) position."""
    if code not in CODES:
        raise KeyError(f"unknown finding code {code}")
    path, line, col = pos
    return Finding(str(path), line, col, code, message, hint)


def summary(findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    files = len({f.path for f in findings})
    if not findings:
        return "no problems found"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} in {files} file{'s' * (files != 1)}"


def to_json(findings: list[Finding]) -> str:
    return json.dumps(
        {"findings": [f.to_dict() for f in findings], "summary": summary(findings)}, ensure_ascii=False, indent=2
    )


def _escape(text: str, property: bool = False) -> str:
    """GitHub workflow-command escaping: %, CR and LF always; ',' and ':' also inside a property (file=, title=)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property else text


def to_github(findings: list[Finding]) -> str:
    """One `::error file=…,line=…,col=…::` workflow command per finding: GitHub shows each on its line of the diff."""
    lines = []
    for f in findings:
        level = "error" if f.severity == "error" else "warning"
        hint = f.hint or CODES[f.code][2]
        props = f"file={_escape(f.path, True)},line={f.line},col={f.col},title={_escape(f'{f.code} {f.name}', True)}"
        lines.append(f"::{level} {props}::{_escape(f.message + (f' (hint: {hint})' if hint else ''))}")
    lines.append(summary(findings))
    return "\n".join(lines)
