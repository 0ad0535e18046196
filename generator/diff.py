"""Compares the handbook at two versions (git revisions or the working tree) clause by clause, by stable id.

Renumbering reads as renumbering, not as a rewrite; the comparison renders through templates/diff/ for a terminal or a PR.
"""

from __future__ import annotations

import difflib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.findings import Finding
from generator.loader import build_policy, load_valid, policy_files
from generator.model import Clause, Policy
from generator.project import Project
from generator.safe_read import MAX_YAML_BYTES
from generator.source import read_text

WORKING_TREE = None  # a revision of None means the files as they are on disk


class RevisionError(Exception):
    pass


@dataclass
class TextChange:
    """One language of one text of a clause, before and after, with the changed runs marked."""

    part: str  # "title" or "text"
    lang: str  # "zh" or "en"
    old: str
    new: str

    @property
    def runs(self) -> list[tuple[str, str]]:
        """(tag, text) runs: tag is "same", "removed" or "added". Chinese compares by character, English by word."""
        split = list if self.lang == "zh" else (lambda s: re.findall(r"\S+|\s+", s))
        old, new = split(self.old), split(self.new)
        runs = []
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if op == "equal":
                runs.append(("same", "".join(old[a1:a2])))
                continue
            if a2 > a1:
                runs.append(("removed", "".join(old[a1:a2])))
            if b2 > b1:
                runs.append(("added", "".join(new[b1:b2])))
        return runs


@dataclass
class ClauseChange:
    id: str
    status: str  # added, removed, changed
    title: str  # the clause's title (or the start of its text), for the reader
    old_label: str = ""
    new_label: str = ""
    texts: list[TextChange] = field(default_factory=list)
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, old, new)

    @property
    def renumbered(self) -> bool:
        return self.status == "changed" and self.old_label != self.new_label


@dataclass
class PolicyChange:
    id: str
    status: str  # added, removed, changed
    title: str
    old_version: str = ""
    new_version: str = ""
    metadata: list[tuple[str, str, str]] = field(default_factory=list)
    clauses: list[ClauseChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    base: str
    head: str
    policies: list[PolicyChange]
    unreadable: list[str]

    @property
    def empty(self) -> bool:
        return not self.policies


def _git(project: Project, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(project.root), *args], capture_output=True)
    if result.returncode != 0:
        raise RevisionError(result.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    # Undecodable bytes become U+FFFD, which no schema-valid policy contains: such a file is reported as unreadable.
    return result.stdout.decode("utf-8", errors="replace")


def _policy_texts(project: Project, revision: str | None) -> dict[str, tuple[Path, str | None]]:
    """{file name: (path for messages, YAML text or None when it cannot be read)} of the policy files at a revision."""
    if revision is WORKING_TREE:
        return {p.name: (p, read_text(p)[0]) for p in policy_files([project.policies])}
    folder = PurePosixPath(project.policies.relative_to(project.root).as_posix())
    try:
        _git(project, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except RevisionError:
        raise RevisionError(f"unknown revision '{revision}'") from None
    texts = {}
    for line in _git(project, "ls-tree", "-l", revision, f"{folder}/").splitlines():
        mode, kind, _, size, name = line.split(None, 4)
        if name.endswith(".yaml"):
            # As on disk (generator.safe_read): a symlink or an oversized file is not read, only reported.
            readable = kind == "blob" and mode != "120000" and size.isdigit() and int(size) <= MAX_YAML_BYTES
            texts[PurePosixPath(name).name] = (Path(f"{revision}:{name}"), _git(project, "show", f"{revision}:{name}") if readable else None)
    return texts


def load_revision(project: Project, revision: str | None) -> tuple[dict[str, Policy], list[str]]:
    """The policies at a revision that load cleanly, and the names of those that do not."""
    policies, unreadable = {}, []
    for name, (path, text) in _policy_texts(project, revision).items():
        if text is None or "\ufffd" in text:
            unreadable.append(f"{path}")
            continue
        problems: list[Finding] = []
        doc = load_valid(path, "policy", problems, text)
        if doc is None or problems:
            unreadable.append(f"{path}")
            continue
        policy = build_policy(doc)
        if policy.id in policies:  # rulebook check reports the duplicate id; here the first file stands
            unreadable.append(f"{path}")
            continue
        policies[policy.id] = policy
    return policies, unreadable


def _short(clause: Clause) -> str:
    if clause.title:
        return clause.title.zh
    text = clause.text.zh if clause.text else ""
    return text[:16] + ("…" if len(text) > 16 else "")


def _label(clause: Clause) -> str:
    return clause.label("en") or "(unnumbered)"


def _where(clause: Clause) -> str:
    return clause.parent.id if clause.parent else "(top)"


def compare_clause(old: Clause, new: Clause) -> ClauseChange | None:
    change = ClauseChange(new.id, "changed", _short(new), _label(old), _label(new))
    for part in ("title", "text"):
        before, after = getattr(old, part), getattr(new, part)
        for lang in ("zh", "en"):
            a, b = (getattr(before, lang) if before else ""), (getattr(after, lang) if after else "")
            if a != b:
                change.texts.append(TextChange(part, lang, a, b))
    for name in ("kind", "applies_to", "topics", "refs"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            change.fields.append((name, _show(a), _show(b)))
    if _where(old) != _where(new):
        change.fields.append(("parent", _where(old), _where(new)))
    checks_old = {c.id: (c.do, c.role, c.frequency, c.evidence) for c in old.checks}
    checks_new = {c.id: (c.do, c.role, c.frequency, c.evidence) for c in new.checks}
    if checks_old != checks_new:
        change.fields.append(("checks", _show(sorted(checks_old)), _show(sorted(checks_new))))
    return change if (change.texts or change.fields or change.renumbered) else None


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value)


METADATA = ("title", "type", "script", "version", "effective", "owner", "approver", "review_interval_months", "review_next", "source", "truncated")


def compare_policy(old: Policy | None, new: Policy | None) -> PolicyChange | None:
    if old is None or new is None:
        policy = new or old
        status = "added" if old is None else "removed"
        change = PolicyChange(policy.id, status, policy.title.zh, old.version if old else "", new.version if new else "")
        change.clauses = [ClauseChange(c.id, status, _short(c), new_label=_label(c)) for c in policy.walk()]
        return change
    change = PolicyChange(new.id, "changed", new.title.zh, old.version, new.version)
    for name in METADATA:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            change.metadata.append((name, _show(a.zh + " / " + a.en if name == "title" else a), _show(b.zh + " / " + b.en if name == "title" else b)))
    old_clauses, new_clauses = {c.id: c for c in old.walk()}, {c.id: c for c in new.walk()}
    for clause in new.walk():
        if clause.id not in old_clauses:
            change.clauses.append(ClauseChange(clause.id, "added", _short(clause), new_label=_label(clause)))
        else:
            found = compare_clause(old_clauses[clause.id], clause)
            if found:
                change.clauses.append(found)
    removed = [c for c in old.walk() if c.id not in new_clauses]
    change.clauses += [ClauseChange(c.id, "removed", _short(c), old_label=_label(c)) for c in removed]
    for name in ("parameters", "editorial_notes", "posters", "checklists"):
        if old.data.get(name) != new.data.get(name):
            change.metadata.append((name, "changed", ""))
    if not change.metadata and not change.clauses:
        return None
    content_changed = any(c.texts or c.status != "changed" for c in change.clauses)
    if content_changed and old.version == new.version:
        change.problems.append(f"the text changed but the version is still {new.version}: raise it")
    for clause in removed:
        if clause.id not in new.retired_ids:
            change.problems.append(f"clause '{clause.id}' was removed: list its id under retired_ids so it is never reused")
    return change


def compare(project: Project, base: str, head: str | None = WORKING_TREE) -> Comparison:
    """Everything that differs between the policies at base and at head (default: the working tree)."""
    old, unreadable_old = load_revision(project, base)
    new, unreadable_new = load_revision(project, head)
    changes = [compare_policy(old.get(pid), new.get(pid)) for pid in sorted(set(old) | set(new))]
    return Comparison(base, head or "working tree", [c for c in changes if c], unreadable_old + unreadable_new)


# Inline Markdown only: values never start a line, so block markers (#, -, >) need no escape there.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")


def _markdown_text(value) -> str:
    """Every value printed into Markdown: HTML-escaped and Markdown-escaped, on one line, so it stays text."""
    if value is None:
        return ""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def render(comparison: Comparison, project: Project, fmt: str = "text") -> str:
    """The comparison as text (terminal), markdown (pull request) or json (tools)."""
    if fmt == "json":
        import json
        from dataclasses import asdict

        data = asdict(comparison)
        for policy, change in zip(data["policies"], comparison.policies):
            for clause, clause_change in zip(policy["clauses"], change.clauses):
                for text, text_change in zip(clause["texts"], clause_change.texts):
                    text["runs"] = text_change.runs
        return json.dumps(data, ensure_ascii=False, indent=2)
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(project.templates / "diff"),
        undefined=StrictUndefined,
        autoescape=False,  # not HTML: markdown values are escaped by finalize below, terminal text needs none
        finalize=_markdown_text if fmt == "markdown" else None,
        keep_trailing_newline=True,
    )
    template = env.get_template("diff.md.j2" if fmt == "markdown" else "diff.txt.j2")
    return template.render(comparison=comparison, base=comparison.base, head=comparison.head)
