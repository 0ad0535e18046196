"""A policy's life as its data records it: history entries, amendment markers, drafts and reviewed translations.

The rules here hold that record consistent in one revision; `changes_since` holds it against a base revision (CI).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Iterator

from generator import policy_texts
from generator.findings import Finding, finding
from generator.fingerprint import stale
from generator.languages import SOURCE
from generator.model import REVIEWED_SUFFIX, Clause, Handbook, Policy, version_key


def history_order(hb: Handbook, today: date) -> Iterator[Finding]:
    """Versions rise and effective dates never go back along the history; the current version is its last entry."""
    for p in hb.policies.values():
        for before, entry in zip(p.history, p.history[1:], strict=False):
            if version_key(entry.version) <= version_key(before.version):
                yield finding(
                    p.pos(entry.at + ("version",)),
                    "E110",
                    f"version {entry.version} follows {before.version} in the history; versions must rise",
                )
            if entry.effective < before.effective:
                yield finding(
                    p.pos(entry.at + ("effective",)),
                    "E110",
                    f"version {entry.version} takes effect on {entry.effective.isoformat()}, before version {before.version} ({before.effective.isoformat()})",
                )
        if not p.history:
            continue
        last = p.history[-1]
        if p.release(p.version) is None:
            yield finding(
                p.pos(("version",)),
                "E111",
                f"version {p.version} has no entry in the history",
                f"Add `- {{version: {p.version}, effective: {p.effective.isoformat()}, summary: {{zh: …, en: …}}}}` at the end of history:.",
            )
        elif last.version != p.version:
            yield finding(
                p.pos(last.at + ("version",)),
                "E111",
                f"the history goes on to {last.version}, past the policy's version {p.version}",
            )
        elif last.effective != p.effective:
            yield finding(
                p.pos(last.at + ("effective",)),
                "E111",
                f"version {p.version} takes effect on {p.effective.isoformat()}, but its history entry says {last.effective.isoformat()}",
                "Give the policy's effective: and its history entry the same date.",
            )


def amendment_markers(hb: Handbook, today: date) -> Iterator[Finding]:
    """Every `changed:` names a released version (or the current one); in a policy with a history, a filled-in blank
    says which version filled it, since a value is never part of the imported text."""
    for p in hb.policies.values():
        if not p.history:
            continue
        known = {h.version for h in p.history}
        marked = [(c.changed, c.at) for c in p.walk() if c.changed] + [
            (x.changed, x.at) for x in p.parameters if x.changed
        ]
        for version, at in marked:
            if version not in known:
                yield finding(
                    p.pos(at + ("changed",)), "E112", f"changed: {version} names a version the history does not have"
                )
        for param in p.parameters:
            if param.value is not None and not param.changed:
                yield finding(
                    p.pos(param.at + ("value",)),
                    "E113",
                    f"blank '{param.id}' is filled in, but not marked with the version that filled it",
                    f"Add `changed: {p.version}` to the parameter and say so in the history entry of {p.version}.",
                )


def stale_translations(hb: Handbook, today: date) -> Iterator[Finding]:
    keys = hb.languages.translations
    for p in hb.policies.values():
        for at, _, text in policy_texts.texts(p.data, hb.languages):
            for key in keys:
                if stale(text, key):
                    yield finding(
                        p.pos(at + (key,)),
                        "W150",
                        f"the Chinese changed since this {key} translation was reviewed ('{_short(text[SOURCE])}')",
                        f"Bring the translation up to date, then run `rulebook translated {p.path.name}:{p.pos(at)[1]}` to record the review.",
                    )


def drafts(hb: Handbook, today: date) -> Iterator[Finding]:
    for p in hb.policies.values():
        if p.draft:
            yield finding(
                p.pos(("status",)),
                "W140",
                f"policy '{p.id}' is a draft: the site shows it as not in force, and it prints no posters or checklists",
            )


def _short(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[:n] + "…"


RULES = [history_order, amendment_markers, stale_translations, drafts]


# Against a base revision ---------------------------------------------------------------------------------------

# What a reader is bound by; a change to it is a new version. (Posters, checklists and notes present it.)
CONTENT = ("title", "type", "status", "parameters", "clauses")


def _content(data):
    """Policy data without what records its life rather than its rules: fingerprints and amendment markers."""
    if isinstance(data, dict):
        return {k: _content(v) for k, v in data.items() if not str(k).endswith(REVIEWED_SUFFIX) and k != "changed"}
    if isinstance(data, list):
        return [_content(v) for v in data]
    return data


def version_fingerprint(policy: Policy) -> str:
    """Eight hex digits that name the text of one version of a policy: a hash of its id, its version and its CONTENT
    in every language (without translation fingerprints and `changed:` marks), whitespace not counted. Printed on its
    acknowledgement forms and shown on its page, so a signed form says which text was read (docs/en/read-and-sign.md).
    """
    known = vars(policy).get("_fingerprint")
    if known is None:  # kept on the policy, as its clause index is: its pages, forms and notes each print it
        content = {k: _content(policy.data.get(k, "in-force" if k == "status" else None)) for k in CONTENT}
        canonical = json.dumps(
            _unspaced([policy.id, policy.version, content]), ensure_ascii=False, sort_keys=True, default=str
        )
        known = vars(policy)["_fingerprint"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]
    return known


def _unspaced(data):
    """Data with the whitespace taken out of every string: re-wrapping a YAML block changes no word."""
    if isinstance(data, dict):
        return {k: _unspaced(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_unspaced(v) for v in data]
    return "".join(data.split()) if isinstance(data, str) else data


def _chinese(clause: Clause) -> tuple:
    return tuple(t.zh if t else "" for t in (clause.title, clause.text))


def _parent(clause: Clause) -> str:
    return clause.parent.id if clause.parent else ""


def declared_changes(old: Policy, new: Policy) -> Iterator[Finding]:
    """What changing old into new must declare: a higher version, retired ids, history kept, amendments marked."""
    old_content = {k: _content(old.data.get(k, "in-force" if k == "status" else None)) for k in CONTENT}
    new_content = {k: _content(new.data.get(k, "in-force" if k == "status" else None)) for k in CONTENT}
    released = not old.draft
    if version_key(new.version) < version_key(old.version):
        yield finding(new.pos(("version",)), "E100", f"version {new.version} is lower than the base's {old.version}")
    elif released and old_content != new_content and new.version == old.version:
        changed = ", ".join(k for k in CONTENT if old_content[k] != new_content[k])
        yield finding(
            new.pos(("version",)),
            "E100",
            f"the policy's content changed ({changed}) but its version is still {new.version}",
            "Raise version (1.0.0 → 1.0.1 for a correction, 1.1.0 for an amendment) and add a history entry for it.",
        )
    new_clauses = {c.id: c for c in new.walk()}
    retired = set(new.retired_ids)
    for clause in old.walk():
        if clause.id not in new_clauses and clause.id not in retired:
            yield finding(
                new.pos(("retired_ids",) if new.retired_ids else ("clauses",), key=True),
                "E101",
                f"clause '{clause.id}' was removed but its id is not under retired_ids",
                "Add the id to retired_ids so that it is never reused and its old links can say it was retired.",
            )
    for ident in old.retired_ids:
        if ident in new_clauses:
            yield finding(
                new.pos(new_clauses[ident].at + ("id",)),
                "E102",
                f"clause id '{ident}' was retired in the base; it may never name a clause again",
                "Choose a new id.",
            )
        elif ident not in retired:
            yield finding(
                new.pos(("retired_ids",), key=True) if new.retired_ids else new.pos(("id",)),
                "E102",
                f"retired id '{ident}' was taken off retired_ids; a retired id stays retired for good",
            )
    for entry in old.history:
        kept = new.release(entry.version)
        if kept is None or kept.effective != entry.effective:
            where = kept.at + ("effective",) if kept else ("history",)
            yield finding(
                new.pos(where),
                "E104",
                f"the history entry of version {entry.version} (effective {entry.effective.isoformat()}) was removed or its date changed",
                "Released history stays as it was; add a new version instead.",
            )
    if not released or new.version == old.version:
        return
    old_clauses = {c.id: c for c in old.walk()}
    for clause in new.walk():
        before = old_clauses.get(clause.id)
        moved = before is not None and _parent(before) != _parent(clause)
        if (before is None or moved or _chinese(before) != _chinese(clause)) and clause.changed != new.version:
            what = "is new" if before is None else "moved" if moved else "has new Chinese"
            yield finding(
                new.pos(clause.at + ("id",)),
                "E105",
                f"clause '{clause.id}' {what} in {new.version} but is not marked as amended",
                f"Add `changed: {new.version}` to the clause: it is no longer the imported text.",
            )
    old_params = {x.id: x for x in old.parameters}
    for param in new.parameters:
        filled = old_params.get(param.id)
        if param.value is not None and (filled is None or filled.value != param.value) and param.changed != new.version:
            yield finding(
                new.pos(param.at + ("value",)),
                "E105",
                f"blank '{param.id}' was filled in or changed in {new.version} but is not marked",
                f"Add `changed: {new.version}` to the parameter.",
            )


def changes_since(hb: Handbook, base: dict[str, Policy], policies_folder: Path, revision: str) -> list[Finding]:
    """Findings of the handbook against the policies of a base revision."""
    out: list[Finding] = []
    for policy_id, old in sorted(base.items()):
        new = hb.policies.get(policy_id)
        if new is None:
            out.append(
                finding(
                    (policies_folder / f"{policy_id}.yaml", 1, 1),
                    "E103",
                    f"policy '{policy_id}' (version {old.version} in {revision}) was deleted",
                    "Keep the file with `status: retired`, a new version and a history entry, so that links to it still resolve.",
                )
            )
            continue
        out.extend(declared_changes(old, new))
    return out
