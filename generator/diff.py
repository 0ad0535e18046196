"""Compares the handbook at two versions (git revisions or the working tree) clause by clause, by stable id.

Renumbering reads as renumbering, not as a rewrite; the comparison renders through templates/diff/ for a terminal or a PR.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import cast

from generator import redline
from generator.findings import Finding
from generator.languages import SOURCE
from generator.loader import HANDBOOK_FILES, build_policy, load_valid
from generator.model import PARAMETER, Clause, Policy, Text
from generator.project import Project
from generator.safe_read import MAX_YAML_BYTES
from generator.source import read_text

WORKING_TREE = None  # a revision of None means the files as they are on disk


class RevisionError(Exception):
    pass


@dataclass
class TextChange:
    """One language of one text, before and after, with the changed runs marked (trimmed to the changed sentences)."""

    part: str  # "title", "text", "check <id>", "value"
    lang: str  # the text key: the Chinese source (zh) or a translation's
    old: str
    new: str
    runs: list[redline.Run] = field(init=False)

    def __post_init__(self):
        self.runs = redline.trimmed(redline.runs(self.old, self.new), max(len(self.old), len(self.new)))


@dataclass
class ClauseChange:
    id: str
    status: str  # added, removed, changed
    title: str  # the clause's title (or the start of its text), for the reader
    old_label: str = ""
    new_label: str = ""
    texts: list[TextChange] = field(default_factory=list)
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, old, new)
    moved: tuple[str, str] | None = None  # (old parent, new parent) when the clause moved under another one

    @property
    def renumbered(self) -> bool:
        return self.status == "changed" and self.old_label != self.new_label

    @property
    def only_renumbered(self) -> bool:
        return self.renumbered and not (self.texts or self.fields or self.moved)


@dataclass
class Renumbering:
    """A run of siblings shifted by the same amount: one line instead of one row per clause."""

    parent: str
    old: str  # "3–9" (English labels, which carry the full path)
    new: str
    ids: list[str]


@dataclass
class ParameterChange:
    id: str
    label: str
    status: str  # filled, changed, cleared, added, removed, relabelled
    old: str
    new: str
    texts: list[TextChange] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)  # "label id" of the clauses that print this value


@dataclass
class Consequence:
    kind: str  # stale-translation, broken-reference, reprint-poster, reprint-checklist
    policy: str
    message: str


@dataclass
class PolicyChange:
    id: str
    status: str  # added, removed, changed
    title: str
    old_version: str = ""
    new_version: str = ""
    metadata: list[tuple[str, str, str]] = field(default_factory=list)
    clauses: list[ClauseChange] = field(default_factory=list)
    renumbered: list[Renumbering] = field(default_factory=list)
    parameters: list[ParameterChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # editorial notes, retired ids, poster and checklist definitions
    problems: list[str] = field(default_factory=list)


@dataclass
class HandbookChange:
    """One entry of a handbook-wide file (a role, a term, a topic, a required clause, an external document)."""

    file: str
    entry: str
    status: str  # added, removed, changed
    texts: list[TextChange] = field(default_factory=list)
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    affected: list[str] = field(default_factory=list)  # policy#clause (or policy) whose meaning the change touches


@dataclass
class Unreadable:
    path: str
    revision: str


@dataclass
class Comparison:
    base: str
    head: str
    policies: list[PolicyChange]
    unreadable: list[Unreadable]
    handbook: list[HandbookChange] = field(default_factory=list)
    consequences: list[Consequence] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.policies or self.handbook)


# --- reading a revision ---------------------------------------------------------------------------------------------


def _git(project: Project, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(project.root), *args], capture_output=True)
    if result.returncode != 0:
        raise RevisionError(result.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    # Undecodable bytes become U+FFFD, which no schema-valid policy contains: such a file is reported as unreadable.
    return result.stdout.decode("utf-8", errors="replace")


def _commit(project: Project, revision: str) -> str:
    try:
        return _git(project, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
    except RevisionError:
        raise RevisionError(f"unknown revision '{revision}'") from None


def resolve_range(project: Project, base: str, head: str | None) -> tuple[str, str | None, str]:
    """(base commit, head revision or WORKING_TREE, how to name the base) as git's three-dot reads them.

    `main`, `main HEAD` and `main...HEAD` all start from the merge base of main and HEAD, so commits that landed on main
    since the branch began are not shown as reverted; `main..HEAD` compares the two tips directly.
    """
    direct = False
    if "..." in base or ".." in base:
        if head is not None:
            raise RevisionError(f"give either a range '{base}' or two revisions, not both")
        direct = "..." not in base
        base, _, head = base.partition("..." if not direct else "..")
        base, head = base or "HEAD", head or "HEAD"
    base_commit = _commit(project, base)
    tip = _commit(project, head) if head is not WORKING_TREE else _commit(project, "HEAD")
    if direct:
        return base_commit, head, base
    try:
        merge_base = _git(project, "merge-base", base_commit, tip).strip()
    except RevisionError:
        raise RevisionError(
            f"'{base}' and {head or 'HEAD'} share no history: there is no merge base to compare from"
        ) from None
    name = base if merge_base == base_commit else f"{base} (merge base {merge_base[:10]})"
    return merge_base, head, name


def _files(project: Project, revision: str | None) -> dict[str, tuple[str, str | None]]:
    """{path under policies/: (path for messages, YAML text or None when it cannot be read)} at a revision."""
    root = project.policies
    if revision is WORKING_TREE:
        paths = sorted(p for p in root.glob("*.yaml") if p.is_file())
        paths += [
            root / "handbook" / f"{n}.yaml" for n in HANDBOOK_FILES if (root / "handbook" / f"{n}.yaml").is_file()
        ]
        return {p.relative_to(root).as_posix(): (str(p), read_text(p)[0]) for p in paths}
    folder = PurePosixPath(root.relative_to(project.root).as_posix())
    entries: dict[str, tuple[str, str, str]] = {}
    for line in _git(project, "ls-tree", "-r", "-l", revision, f"{folder}/").splitlines():
        meta, name = line.split("\t", 1)
        mode, kind, _, size = meta.split()
        entries[name] = (mode, kind, size)
    wanted = {n for n in entries if n.endswith(".yaml") and PurePosixPath(n).parent == folder}
    wanted |= {f"{folder}/handbook/{n}.yaml" for n in HANDBOOK_FILES} & set(entries)

    def text(name: str) -> str | None:
        # As on disk (generator.safe_read): a symlink or an oversized file is not read, only reported.
        mode, kind, size = entries[name]
        readable = kind == "blob" and mode != "120000" and size.isdigit() and int(size) <= MAX_YAML_BYTES
        return _git(project, "show", f"{revision}:{name}") if readable else None

    return {str(PurePosixPath(n).relative_to(folder)): (f"{revision}:{n}", text(n)) for n in sorted(wanted)}


@dataclass
class Revision:
    policies: dict[str, Policy]
    files: dict[str, str]  # policy id -> file name under policies/
    handbook: dict[str, dict]  # handbook file name -> its data
    unreadable: dict[str, str]  # file name under policies/ -> path for messages
    duplicates: set[str] = field(default_factory=set)  # files that load but repeat another file's policy id


def load_revision(project: Project, revision: str | None) -> Revision:
    """The policies and handbook files at a revision that load cleanly, and the files that do not."""
    loaded = Revision({}, {}, {}, {})
    for name, (path, text) in _files(project, revision).items():
        if text is None or "\ufffd" in text:
            loaded.unreadable[name] = path
            continue
        problems: list[Finding] = []
        is_handbook = name.startswith("handbook/")
        schema = PurePosixPath(name).stem if is_handbook else "policy"
        doc = load_valid(Path(path), schema, problems, text)
        if doc is None or problems:
            loaded.unreadable[name] = path
        elif is_handbook:
            loaded.handbook[schema] = cast(dict, doc.data)  # valid against its schema, whose top level is a mapping
        else:
            policy = build_policy(doc)
            if policy.id in loaded.policies:  # rulebook check reports the duplicate id; here the first file stands
                loaded.unreadable[name] = path
                loaded.duplicates.add(name)
                continue
            loaded.policies[policy.id] = policy
            loaded.files[policy.id] = name
    return loaded


# --- comparing policies ---------------------------------------------------------------------------------------------


def _short(clause: Clause) -> str:
    if clause.title:
        return clause.title.zh
    text = clause.text.zh if clause.text else ""
    return text[:16] + ("…" if len(text) > 16 else "")


def _label(clause: Clause) -> str:
    return clause.label("dotted") or "(unnumbered)"


def _named(clause: Clause | None) -> str:
    if clause is None:
        return "(top level)"
    return f"{_label(clause)} {clause.id}"


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, Text):
        return _both(value)
    return str(value)


def _both(text: Text) -> str:
    """A text in every language it is written in, the Chinese first: 總則 / General Provisions."""
    return " / ".join(dict.fromkeys([text.zh, *(w for w in text.words.values() if w)]))


def _keys(*texts: Text | None) -> list[str]:
    """The text keys of the texts, the Chinese source first."""
    return list(dict.fromkeys([SOURCE, *(key for t in texts if t for key in t.words)]))


def _text_changes(part: str, before: Text | None, after: Text | None) -> list[TextChange]:
    out = []
    for lang in _keys(before, after):
        a, b = (before.get(lang) if before else ""), (after.get(lang) if after else "")
        if a != b:
            out.append(TextChange(part, lang, a, b))
    return out


def _whole(clause: Clause, status: str) -> ClauseChange:
    """An added or removed clause with all its wording, both languages, so the reviewer reads it in the comment."""
    if status == "added":
        change = ClauseChange(clause.id, status, _short(clause), new_label=_label(clause))
    else:
        change = ClauseChange(clause.id, status, _short(clause), old_label=_label(clause))
    for part in ("title", "text"):
        text = getattr(clause, part)
        change.texts += _text_changes(part, text, None) if status == "removed" else _text_changes(part, None, text)
    for check in clause.checks:
        pair = (check.do, None) if status == "removed" else (None, check.do)
        change.texts += _text_changes(f"check {check.id}", *pair)
    for name in ("applies_to", "refs"):
        if getattr(clause, name):
            value = _show(getattr(clause, name))
            change.fields.append((name, value, "") if status == "removed" else (name, "", value))
    return change


def _check_changes(old: Clause, new: Clause, change: ClauseChange) -> None:
    before, after = {c.id: c for c in old.checks}, {c.id: c for c in new.checks}
    for check_id in [*before, *(i for i in after if i not in before)]:
        a, b = before.get(check_id), after.get(check_id)
        change.texts += _text_changes(f"check {check_id}", a.do if a else None, b.do if b else None)
        for name in ("role", "frequency"):
            x, y = (getattr(a, name) if a else ""), (getattr(b, name) if b else "")
            if x != y:
                change.fields.append((f"check {check_id} {name}", x or "—", y or "—"))
        x, y = (a.evidence if a else None), (b.evidence if b else None)
        change.texts += _text_changes(f"check {check_id} evidence", x, y)
        # Marking a check as the company's own addition (or no longer) changes what the form claims of its clause.
        x, y = (a.addition if a else None), (b.addition if b else None)
        if x != y:
            change.fields.append((f"check {check_id} addition", _addition(x), _addition(y)))


def _addition(addition) -> str:
    return "—" if addition is None else f"{addition.owner}: {_both(addition.reason)}"


def compare_clause(old: Clause, new: Clause) -> ClauseChange | None:
    change = ClauseChange(new.id, "changed", _short(new), _label(old), _label(new))
    for part in ("title", "text"):
        change.texts += _text_changes(part, getattr(old, part), getattr(new, part))
    for name in ("kind", "applies_to", "topics", "refs"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            change.fields.append((name, _show(a), _show(b)))
    _check_changes(old, new, change)
    old_parent, new_parent = (old.parent.id if old.parent else None), (new.parent.id if new.parent else None)
    if old_parent != new_parent:
        change.moved = (_named(old.parent), _named(new.parent))
    return change if (change.texts or change.fields or change.renumbered or change.moved) else None


def _collapse_renumbering(
    new: Policy, old_clauses: dict[str, Clause], changes: dict[str, ClauseChange]
) -> list[Renumbering]:
    """Takes the clauses that were only renumbered out of changes, as runs of siblings shifted by the same amount.

    A clause whose own number stayed while an ancestor's changed (2.1 → 3.1) is covered by the ancestor's line.
    """
    runs: list[Renumbering] = []
    for clause_id in [i for i, c in changes.items() if c.only_renumbered]:
        old, now = old_clauses[clause_id], new.clause(clause_id)
        if now is not None and old.number == now.number and old.style == now.style and old.level == now.level:
            del changes[clause_id]
    for siblings in [new.clauses] + [c.clauses for c in new.walk() if c.clauses]:
        current: list[tuple[Clause, int]] = []
        for clause in siblings + [None]:
            change = changes.get(clause.id) if clause else None
            shift = None
            if clause is not None and change and change.only_renumbered and clause.number is not None:
                was = old_clauses[clause.id].number
                if was is not None:
                    shift = clause.number - was
            if current and (shift is None or shift != current[-1][1]):
                first, last = current[0][0], current[-1][0]
                old_first, old_last = _label(old_clauses[first.id]), _label(old_clauses[last.id])
                runs.append(
                    Renumbering(
                        _named(first.parent),
                        old_first if first is last else f"{old_first}–{old_last}",
                        _label(first) if first is last else f"{_label(first)}–{_label(last)}",
                        [c.id for c, _ in current],
                    )
                )
                for c, _ in current:
                    del changes[c.id]
                current = []
            if clause is not None and shift is not None:
                current.append((clause, shift))
    return runs


def _uses(policy: Policy) -> dict[str, list[Clause]]:
    """{parameter id: the clauses whose title, text or checks print it}."""
    out: dict[str, list[Clause]] = {}
    for clause in policy.walk():
        texts = [clause.title, clause.text, *(c.do for c in clause.checks)]
        names = {n for t in texts if t for n in PARAMETER.findall(" ".join(t.words.values()))}
        for name in sorted(names):
            out.setdefault(name, []).append(clause)
    return out


def _value(text: Text | None) -> str:
    return "(blank)" if text is None else _both(text)


def _parameters(old: Policy, new: Policy) -> list[ParameterChange]:
    before, after = {p.id: p for p in old.parameters}, {p.id: p for p in new.parameters}
    latest = before | after  # each parameter as it is at head, or as it was when removed
    uses_new, uses_old = _uses(new), _uses(old)
    out = []
    for pid in [*before, *(i for i in after if i not in before)]:
        a, b = before.get(pid), after.get(pid)
        if a is not None and b is not None and (a.label, a.value) == (b.label, b.value):
            continue
        label = _both(latest[pid].label)
        if a is None:
            status = "added"
        elif b is None:
            status = "removed"
        elif a.value == b.value:
            status = "relabelled"
        else:
            status = "filled" if a.value is None else "cleared" if b.value is None else "changed"
        change = ParameterChange(pid, label, status, _value(a.value) if a else "—", _value(b.value) if b else "—")
        if a is not None and b is not None and a.value is not None and b.value is not None:
            change.texts = _text_changes("value", a.value, b.value)
        if a is not None and b is not None and a.label != b.label:
            change.texts += _text_changes("label", a.label, b.label)
        using = uses_new.get(pid) if b is not None else uses_old.get(pid)
        change.clauses = [f"{_label(c)} {c.id}" for c in using or []]
        out.append(change)
    return out


def _by_id(items) -> dict:
    return {item.id: item for item in items}


def _fields_changed(a, b) -> list[str]:
    """The fields in which two versions of a definition differ; its place in the file (at) is not content."""
    return [name for name in vars(b) if name != "at" and getattr(a, name) != getattr(b, name)]


def _definitions(old: Policy, new: Policy) -> list[str]:
    """Editorial notes, retired ids, poster and checklist definitions: one line per entry that changed."""
    notes = []
    old_notes = {(n.clause, n.restored): n for n in old.editorial_notes}
    new_notes = {(n.clause, n.restored): n for n in new.editorial_notes}
    for key in [k for k in new_notes if k not in old_notes]:
        notes.append(
            f"editorial note added on clause '{key[0]}': restored '{key[1]}' (source showed '{new_notes[key].original}')"
        )
    for key in [k for k in old_notes if k not in new_notes]:
        notes.append(f"editorial note removed from clause '{key[0]}' (it restored '{key[1]}')")
    for key in [k for k in new_notes if k in old_notes and _fields_changed(old_notes[k], new_notes[k])]:
        notes.append(f"editorial note on clause '{key[0]}' reworded")
    retired = [i for i in new.retired_ids if i not in old.retired_ids]
    if retired:
        notes.append("retired ids added: " + ", ".join(retired))
    for kind, a, b in (
        ("poster", _by_id(old.posters), _by_id(new.posters)),
        ("checklist", _by_id(old.checklists), _by_id(new.checklists)),
    ):
        for ident in [*a, *(i for i in b if i not in a)]:
            if ident not in b:
                notes.append(f"{kind} '{ident}' removed")
            elif ident not in a:
                notes.append(f"{kind} '{ident}' added ({b[ident].title.zh if b[ident].title else ident})")
            else:
                names = _fields_changed(a[ident], b[ident])
                if names:
                    notes.append(f"{kind} '{ident}': {', '.join(names)} changed")
    return notes


METADATA = (
    "title",
    "type",
    "script",
    "version",
    "effective",
    "owner",
    "approver",
    "review_interval_months",
    "review_next",
    "source",
    "truncated",
)


def compare_policy(old: Policy | None, new: Policy | None) -> PolicyChange | None:
    if old is None or new is None:
        policy = new or old
        if policy is None:
            return None  # absent at both sides: nothing changed
        status = "added" if old is None else "removed"
        change = PolicyChange(
            policy.id, status, policy.title.zh, old.version if old else "", new.version if new else ""
        )
        change.clauses = [_whole(c, status) for c in policy.walk()]
        return change
    change = PolicyChange(new.id, "changed", new.title.zh, old.version, new.version)
    for name in METADATA:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            change.metadata.append((name, _show(a), _show(b)))
    old_clauses, new_clauses = {c.id: c for c in old.walk()}, {c.id: c for c in new.walk()}
    found: dict[str, ClauseChange] = {}
    for clause in new.walk():
        if clause.id not in old_clauses:
            found[clause.id] = _whole(clause, "added")
        else:
            compared = compare_clause(old_clauses[clause.id], clause)
            if compared:
                found[clause.id] = compared
    change.renumbered = _collapse_renumbering(new, old_clauses, found)
    removed = [c for c in old.walk() if c.id not in new_clauses]
    change.clauses = list(found.values()) + [_whole(c, "removed") for c in removed]
    change.parameters = _parameters(old, new)
    change.notes = _definitions(old, new)
    if not (change.metadata or change.clauses or change.renumbered or change.parameters or change.notes):
        return None
    content_changed = any(c.texts or c.status != "changed" for c in change.clauses) or any(
        p.status not in ("relabelled",) for p in change.parameters
    )
    if content_changed and old.version == new.version:
        change.problems.append(f"the text changed but the version is still {new.version}: raise it")
    for clause in removed:
        if clause.id not in new.retired_ids:
            change.problems.append(
                f"clause '{clause.id}' was removed: list its id under retired_ids so it is never reused"
            )
    return change


# --- consequences -------------------------------------------------------------------------------------------------


def _stale_translations(changes: list[PolicyChange]) -> list[Consequence]:
    out = []
    for policy in changes:
        if policy.status != "changed":
            continue
        for clause in policy.clauses:
            if clause.status != "changed":
                continue
            parts = _untouched_translations(clause.texts)
            for part in sorted(parts):
                out.append(
                    Consequence(
                        "stale-translation",
                        policy.id,
                        f"clause '{clause.id}' ({clause.new_label}): the Chinese {part} changed but the translation did not; update the translation",
                    )
                )
        for parameter in policy.parameters:
            if _untouched_translations(parameter.texts):
                out.append(
                    Consequence(
                        "stale-translation",
                        policy.id,
                        f"parameter '{parameter.id}': the Chinese value changed but the translation did not; update the translation",
                    )
                )
    return out


def _untouched_translations(texts: list[TextChange]) -> set[str]:
    """The parts whose Chinese changed while no translation of them did."""
    return {t.part for t in texts if t.lang == SOURCE} - {t.part for t in texts if t.lang != SOURCE}


def _broken_references(old: dict[str, Policy], new: dict[str, Policy], skipped: set[str]) -> list[Consequence]:
    """References at head that resolved at base and no longer do because their target was removed."""
    out = []
    for policy in new.values():
        for clause in policy.walk():
            for ref in clause.refs:
                if ref.startswith("external:"):
                    continue
                target_id, _, clause_id = ref.partition("#")
                target_id = target_id or policy.id
                if target_id in skipped:
                    continue  # the target does not load at one side: nothing can be said about it
                was, now = old.get(target_id), new.get(target_id)
                if (
                    was is not None
                    and was.clause(clause_id) is not None
                    and (now is None or now.clause(clause_id) is None)
                ):
                    gone = f"policy '{target_id}'" if now is None else f"clause '{clause_id}' of {target_id}"
                    out.append(
                        Consequence(
                            "broken-reference",
                            policy.id,
                            f"clause '{clause.id}' ({_label(clause)}) refers to '{ref}', but {gone} was removed",
                        )
                    )
    return out


def _printed(old: dict[str, Policy], new: dict[str, Policy], changes: list[PolicyChange]) -> list[Consequence]:
    """Posters and checklists at head whose printed content differs from base: they must be printed again."""
    changed_clauses: dict[str, set[str]] = {}
    changed_checks: dict[str, set[str]] = {}
    for change in changes:
        if change.status != "changed":
            continue
        ids = changed_clauses.setdefault(change.id, set())
        checks = changed_checks.setdefault(change.id, set())
        for clause in change.clauses:
            ids.add(clause.id)
            # An added clause is at head, a removed one at base: either changes what its parent prints.
            if clause.status in ("added", "removed"):
                whole = (new if clause.status == "added" else old)[change.id].clause(clause.id)
                if whole is not None and whole.parent is not None:
                    ids.add(whole.parent.id)
            checks |= {t.part.split()[1] for t in clause.texts if t.part.startswith("check ")}
            checks |= {f[0].split()[1] for f in clause.fields if f[0].startswith("check ")}
            if clause.renumbered:
                now = new[change.id].clause(clause.id)
                if now is not None:
                    checks |= {c.id for c in now.checks}
        for run in change.renumbered:
            for clause_id in run.ids:
                shifted = new[change.id].clause(clause_id)
                if shifted is not None:
                    ids |= {c.id for c in shifted.walk()}
                    checks |= {k.id for c in shifted.walk() for k in c.checks}
        for parameter in change.parameters:
            ids |= {c.split()[1] for c in parameter.clauses}
    out = []
    for pid, policy in new.items():
        before = old.get(pid)
        if before is None:
            continue
        for poster in policy.posters:
            selected = [policy.clause(clause_id) for clause_id in poster.clauses]
            printed = {c.id for top in selected if top for c in top.walk()}
            touched = sorted(printed & changed_clauses.get(pid, set()))
            name = poster.title.zh if poster.title else policy.title.zh
            out += _reprint("poster", pid, poster, _by_id(before.posters).get(poster.id), touched, "clauses", name)
        for checklist in policy.checklists:
            touched = []
            for item in checklist.items:
                owner, _, check = item.rpartition("#")  # an item is "check" or "policy#check"
                if check in changed_checks.get(owner or pid, set()):
                    touched.append(item)
            was = _by_id(before.checklists).get(checklist.id)
            out += _reprint("checklist", pid, checklist, was, touched, "items", checklist.title.zh)
    return out


def _reprint(kind: str, pid: str, sheet, was, touched: list[str], parts: str, name: str) -> list[Consequence]:
    """The consequence of a poster or checklist whose parts (clauses, items) changed, or whose own fields did."""
    if not touched and (was is None or not _fields_changed(was, sheet)):
        return []
    why = f"{parts} {', '.join(touched)} changed" if touched else "its definition changed"
    return [Consequence(f"reprint-{kind}", pid, f"{kind} '{sheet.id}' ({name}): {why}; print it again")]


# --- handbook-wide files --------------------------------------------------------------------------------------------


def _affected(file: str, entry: dict, policies: dict[str, Policy]) -> list[str]:
    """The clauses (or policies) whose meaning an entry of a handbook file decides."""
    out: list[str] = []
    for policy in policies.values():
        if file == "roles":
            rid = entry["id"]
            out += [f"{policy.id} ({name})" for name in ("owner", "approver") if getattr(policy, name) == rid]
            out += [
                f"{policy.id}#{c.id}"
                for c in policy.walk()
                if rid in c.applies_to or any(k.role == rid for k in c.checks)
            ]
        elif file == "glossary":
            term = entry["zh"]
            out += [f"{policy.id}#{c.id}" for c in policy.walk() if any(term in t.zh for t in (c.title, c.text) if t)]
        elif file == "topics":
            out += [f"{policy.id}#{c.id}" for c in policy.walk() if entry["id"] in c.topics]
        elif file == "required_clauses":
            if policy.type in entry.get("policy_types", []):
                out.append(policy.id)
        elif file == "external":
            out += [f"{policy.id}#{c.id}" for c in policy.walk() if f"external:{entry['id']}" in c.refs]
    return out


_ENTRIES = {  # file -> [(list key, id key, label for the report)]
    "roles": [("roles", "id", "roles")],
    "glossary": [("terms", "zh", "glossary")],
    "requirements": [("topics", "id", "topics"), ("required_clauses", "kind", "required_clauses")],
    "external": [("documents", "id", "external")],
}


def _entry_changes(kind: str, key: str, a: dict | None, b: dict | None, old: dict, new: dict) -> HandbookChange:
    status = "added" if a is None else "removed" if b is None else "changed"
    entry = b if b is not None else a
    assert entry is not None, "an entry absent at both sides has not changed, and compare_handbook passes only changes"
    change = HandbookChange(kind, str(entry[key]), status)
    for name in sorted(set(a or {}) | set(b or {})):
        x, y = (a or {}).get(name), (b or {}).get(name)
        if x == y or name == key:
            continue
        if isinstance(x, dict) or isinstance(y, dict):
            change.texts += _text_changes(name, Text.of(x), Text.of(y))
        else:
            change.fields.append((name, _show(x), _show(y)))
    # What the entry governs, at head for an entry that still exists, at base for a removed one.
    affected = _affected(kind, entry, new if b is not None else old)
    if a is not None and b is None:
        affected = affected or _affected(kind, entry, old)
    change.affected = affected
    return change


def compare_handbook(old: Revision, new: Revision) -> list[HandbookChange]:
    out = []
    for file, lists in _ENTRIES.items():
        if file not in old.handbook or file not in new.handbook:
            continue  # absent or unreadable on one side: reported as unreadable, never as every entry removed
        for list_key, key, kind in lists:
            before = {str(e[key]): e for e in old.handbook[file].get(list_key, [])}
            after = {str(e[key]): e for e in new.handbook[file].get(list_key, [])}
            for ident in [*before, *(i for i in after if i not in before)]:
                a, b = before.get(ident), after.get(ident)
                if a != b:
                    out.append(_entry_changes(kind, key, a, b, old.policies, new.policies))
    return out


def compare(project: Project, base: str, head: str | None = WORKING_TREE) -> Comparison:
    """Everything that differs between the handbook at base and at head (default: the working tree).

    base is read as git's three-dot: the merge base of base and head (see resolve_range).
    """
    base_commit, head, base_name = resolve_range(project, base, head)
    old, new = load_revision(project, base_commit), load_revision(project, head)
    # A file that does not load on one side is named once; its policy is neither added, removed nor compared.
    broken_names = (set(old.unreadable) - old.duplicates) | (set(new.unreadable) - new.duplicates)
    skipped = {pid for rev in (old, new) for pid, name in rev.files.items() if name in broken_names}
    skipped |= {PurePosixPath(n).stem for n in broken_names}
    ids = sorted((set(old.policies) | set(new.policies)) - skipped)
    changes = [c for c in (compare_policy(old.policies.get(i), new.policies.get(i)) for i in ids) if c]
    unreadable = [Unreadable(path, base_name) for path in old.unreadable.values()]
    unreadable += [Unreadable(path, head or "working tree") for path in new.unreadable.values()]
    comparison = Comparison(base_name, head or "working tree", changes, unreadable, compare_handbook(old, new))
    comparison.consequences = (
        _stale_translations(changes)
        + _broken_references(old.policies, new.policies, skipped)
        + _printed(old.policies, new.policies, changes)
    )
    return comparison


# --- output --------------------------------------------------------------------------------------------------------

# Inline Markdown only: values never start a line, so block markers (#, -, >) need no escape there.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")


def _markdown_text(value) -> str:
    """Every value printed into Markdown: HTML-escaped and Markdown-escaped, on one line, so it stays text."""
    if value is None:
        return ""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def to_json(comparison: Comparison) -> str:
    import json
    from dataclasses import asdict

    return json.dumps(asdict(comparison), ensure_ascii=False, indent=2)


def render(comparison: Comparison, project: Project, fmt: str = "text") -> str:
    """The comparison as text (terminal), markdown (pull request) or json (tools)."""
    if fmt == "json":
        return to_json(comparison)
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    markdown = fmt == "markdown"
    env = Environment(
        loader=FileSystemLoader(project.templates / "diff"),
        undefined=StrictUndefined,
        # Markdown: every value is escaped for HTML and Markdown by finalize; a macro's output (Markup) is already
        # made of escaped values. The terminal view is plain text and needs no escaping.
        autoescape=markdown,
        finalize=(lambda v: v if isinstance(v, Markup) else Markup(_markdown_text(v))) if markdown else None,
        keep_trailing_newline=True,
    )
    template = env.get_template("diff.md.j2" if fmt == "markdown" else "diff.txt.j2")
    out = template.render(comparison=comparison, base=comparison.base, head=comparison.head)
    # Sections are optional, so their blank lines can meet: one blank line between blocks is what Markdown needs.
    return re.sub(r"\n{3,}", "\n\n", out) if markdown else out
