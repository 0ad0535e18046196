"""Earlier versions of the policies, read from git history: each released version as first committed.

The history page compares each version with the one before it; a project outside git has no earlier texts to show.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.diff import RevisionError, _git
from generator.loader import build_policy, load_valid
from generator.model import Handbook, Policy
from generator.project import Project

_last: tuple[tuple, dict[str, dict[str, Policy]]] | None = None  # the live preview asks again after every save


def earlier_versions(project: Project, handbook: Handbook) -> dict[str, dict[str, Policy]]:
    """{policy id: {version: the policy as first committed at that version, i.e. as released}}, the current versions
    left out (the handbook holds them as they are now). Empty when the project is not in git or its history cannot be
    read. (Edits at a released version are what `check --base` refuses; older history may hold some.) The same
    answer as last time when neither the commits nor the current versions changed; callers do not change it."""
    global _last
    folder = project.policies.relative_to(project.root).as_posix()
    try:
        commits = _git(project, "log", "--reverse", "--format=%H", "--", f"{folder}/").split()
    except (RevisionError, OSError):
        return {}
    asked = (str(project.root), tuple(commits), tuple(sorted((p.id, p.version) for p in handbook.policies.values())))
    if _last is not None and _last[0] == asked:
        return _last[1]
    _last = (asked, _read(project, folder, commits, handbook))
    return _last[1]


def _read(project: Project, folder: str, commits: list[str], handbook: Handbook) -> dict[str, dict[str, Policy]]:
    seen: set[str] = set()  # blobs: most files are the same in many commits
    found: dict[str, dict[str, Policy]] = {}
    for commit in commits:  # oldest first: the first commit seen at a version holds the version as released
        try:
            tree = _git(project, "ls-tree", commit, f"{folder}/")
        except RevisionError:
            continue
        for line in tree.splitlines():
            meta, _, name = line.partition("\t")
            blob = meta.split()[-1]
            if not name.endswith(".yaml") or blob in seen:
                continue
            seen.add(blob)
            try:
                text = _git(project, "cat-file", "blob", blob)
            except RevisionError:
                continue
            # Reading the id and version off the text first spares validating every file of every commit.
            key = {k: m[1] for k in ("id", "version") if (m := re.search(rf"^{k}:\s*['\"]?([^\s'\"#]+)", text, re.M))}
            current = handbook.policies.get(key.get("id", ""))
            if (
                len(key) < 2
                or key["version"] in found.get(key["id"], {})
                or (current and current.version == key["version"])
            ):
                continue
            policy = _policy(text, Path(f"{commit[:10]}:{name}"))
            if policy is not None and policy.id == key["id"]:
                found.setdefault(policy.id, {}).setdefault(policy.version, policy)
    return found


def _policy(text: str, path: Path) -> Policy | None:
    """The policy a committed file holds, or None when it does not load cleanly (it is then left out of the history)."""
    problems: list = []
    doc = None if "\ufffd" in text else load_valid(path, "policy", problems, text)
    return build_policy(doc) if doc is not None and not problems else None
