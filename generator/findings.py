"""Problems found in the handbook's files, as values: collected, sorted and reported together.

Every code, its severity and its default hint live in CODES, so the catalogue of checks reads in one place.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

# code: (severity, name, default hint). Errors fail `rulebook check`; warnings only with --strict.
CODES: dict[str, tuple[str, str, str]] = {
    "E001": ("error", "unreadable-file", "Save the file as UTF-8 text."),
    "E002": ("error", "yaml-syntax", "Check indentation and quoting near this line; a text with ': ' or '#' needs quotes."),
    "E003": ("error", "duplicate-key", "A key may appear once per mapping; merge the two entries."),
    "E010": ("error", "schema", ""),
    "E011": ("error", "missing-field", ""),
    "E012": ("error", "unknown-key", ""),
    "E020": ("error", "file-name", "Rename the file to <id>.yaml or change the id."),
    "E021": ("error", "duplicate-id", "Ids are permanent anchors: give one of them a new id."),
    "E022": ("error", "reused-id", "This id was retired; links to it must never show other text. Choose a new id."),
    "E023": ("error", "language-registry", "Name only languages declared in policies/handbook/languages.yaml."),
    "E030": ("error", "dangling-ref", "Point the reference at an existing clause, or declare the document in policies/handbook/external.yaml and use external:<id>."),
    "E031": ("error", "unknown-external", "Declare the document in policies/handbook/external.yaml."),
    "E032": ("error", "unknown-role", "Add the role to policies/handbook/roles.yaml or fix the id."),
    "E033": ("error", "unknown-topic", "Use a topic id from policies/handbook/requirements.yaml."),
    "E040": ("error", "missing-required-clause", "Add a clause with this kind (see policies/handbook/requirements.yaml)."),
    "E041": ("error", "uncovered-topic", "Tag a clause that deals with this topic with `topics: [<id>]`."),
    "E050": ("error", "missing-translation", "Fill in the translation next to the Chinese (en: for English)."),
    "E051": ("error", "numbering", "Numbers run 1, 2, 3... within each level; renumber the siblings (ids stay as they are)."),
    "E060": ("error", "undefined-parameter", "Define the parameter under `parameters:` or fix the name in braces."),
    "E061": ("error", "parameter-mismatch", "Use the same {parameters} in the Chinese and the English text."),
    "E070": ("error", "editorial-note", "An editorial note must name an existing clause whose Chinese text contains the restored words."),
    "E080": ("error", "bad-selection", "Name clauses and checks that exist in the policy."),
    "E090": ("error", "history-order", "List the history oldest first: each version higher and no earlier than the one before."),
    "E091": ("error", "history-current", "The last history entry is the policy's version, with its effective date."),
    "E092": ("error", "unknown-amendment-version", "Name a version listed under history:."),
    "E093": ("error", "unmarked-value", "Mark the filled-in blank with `changed: VERSION`."),
    "E100": ("error", "version-not-raised", "Raise version and add a history entry for it."),
    "E101": ("error", "removed-not-retired", "Add the removed clause's id to retired_ids."),
    "E102": ("error", "retired-id-revived", "A retired id stays retired: choose a new id and keep the old one under retired_ids."),
    "E103": ("error", "policy-deleted", "Keep the policy file with `status: retired` so that its links still resolve."),
    "E104": ("error", "history-rewritten", "Released history stays as it was; add a new version instead."),
    "E105": ("error", "unmarked-amendment", "Mark the amended clause with `changed: VERSION`."),
    "W101": ("warning", "unfilled-parameter", "The company fills this blank in by giving the parameter a value."),
    "W102": ("warning", "unused-parameter", "Remove the parameter or use it in a text as {id}."),
    "W110": ("warning", "review-overdue", "Review the policy and set a new review date or version."),
    "W130": ("warning", "stale-translation", "Update the translation, then record the review with `rulebook translated FILE:LINE`."),
    "W140": ("warning", "draft", "Release the policy: remove `status: draft`, set the version and add its history entry."),
    "W141": ("warning", "draft-translation", "Fill in the translation before the draft is released."),
    "W142": ("warning", "draft-structure", "Give a clause this kind before the draft is released (see policies/handbook/requirements.yaml)."),
    "W120": ("warning", "glossary-term", "Use the glossary's English term (policies/handbook/glossary.yaml) or add an accepted form."),
}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    hint: str = ""

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
    return json.dumps({"findings": [f.to_dict() for f in findings], "summary": summary(findings)}, ensure_ascii=False, indent=2)
