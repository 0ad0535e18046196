"""Routes each policy's pull requests to whoever reviews for its owner and approver, as a GitHub CODEOWNERS file.

`rulebook codeowners` writes the file from policies/handbook/roles.yaml; `rulebook check` reports a committed one that differs.
"""

from __future__ import annotations

from pathlib import Path

from generator.findings import Finding, finding
from generator.model import Handbook

# Where GitHub looks for the file, in the order it looks; a new file goes to the first.
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

HEADER = """\
# Written by `rulebook codeowners` from the reviewers of each policy's owner and approver
# (policies/handbook/roles.yaml). Do not edit by hand: change the roles and run the command again.
"""


def reviewers(handbook: Handbook, role_id: str) -> list[str]:
    """The reviewers a role names, or else those of the nearest department it is part of."""
    seen: set[str] = set()
    role = handbook.roles.get(role_id)
    while role is not None and role.id not in seen:
        if role.reviewers:
            return list(role.reviewers)
        seen.add(role.id)
        role = handbook.roles.get(role.part_of) if role.part_of else None
    return []


def routed(handbook: Handbook) -> bool:
    """Whether any role names a reviewer: until one does, there is nothing to route and no file is expected."""
    return any(role.reviewers for role in handbook.roles.values())


def render(handbook: Handbook) -> str:
    """The CODEOWNERS text: one line per policy file naming its owner's and approver's reviewers."""
    lines = [HEADER]
    for policy in sorted(handbook.policies.values(), key=lambda p: p.path.name):
        try:
            pattern = "/" + policy.path.resolve().relative_to(handbook.root.resolve()).as_posix()
        except ValueError:  # a file named from outside the project is nobody's to route
            continue
        names = list(dict.fromkeys(reviewers(handbook, policy.owner) + reviewers(handbook, policy.approver)))
        if names:
            lines.append(f"{pattern} {' '.join(names)}")
        else:
            lines.append(
                f"# {pattern}: neither {policy.owner} (owner) nor {policy.approver} (approver) names reviewers"
            )
    return "\n".join(lines) + "\n"


def location(root: Path) -> Path:
    """The CODEOWNERS file GitHub would read, or where a new one goes."""
    for name in LOCATIONS:
        if (root / name).is_file():
            return root / name
    return root / LOCATIONS[0]


def stale(handbook: Handbook, roles_path: Path | None) -> Finding | None:
    """A finding when the CODEOWNERS file is missing or differs from what the roles say; None when it is current."""
    path = location(handbook.root)
    if not path.is_file():
        if not routed(handbook) or roles_path is None:
            return None
        return finding(
            (roles_path, 1, 1),
            "W130",
            "roles name reviewers but there is no CODEOWNERS file, so pull requests reach nobody",
        )
    try:
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = ""
    wanted = render(handbook)
    if current == wanted:
        return None
    have, want = current.splitlines(), wanted.splitlines()
    line = next(
        (i for i, (a, b) in enumerate(zip(have, want, strict=False), start=1) if a != b), min(len(have), len(want)) + 1
    )
    return finding(
        (path, line, 1),
        "W130",
        f"CODEOWNERS does not match the reviewers the roles name (first difference at line {line})",
    )
