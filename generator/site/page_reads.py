"""What each generated page reads of the policies besides its own, as plain values for its cache key: the live preview
renders a page again only when something it reads changed (generator/site/page_cache.py).

Read here, not traced: a page that comes to read more must say so here (tests/test_preview_pages.py finds one that
does not, as a page left stale by a change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from generator import model as m
from generator import pdf_cache


class PageReads:
    """One handbook's reads, each worked out once per rebuild."""

    def __init__(self, handbook: m.Handbook, earlier: Mapping[str, Mapping[str, m.Policy]]):
        self.handbook, self.earlier = handbook, earlier
        self._outlines: dict[str, str] = {}
        self._named: dict[str, str] = {}
        self._by_roles: dict[frozenset[str], str] = {}
        self._roles = {p.id: _roles_named(p) for p in handbook.policies.values()}

    def outline(self, policy: m.Policy) -> str:
        """The hash of a policy's data without the words of its clauses: its titles, numbers, roles, checks,
        checklists, parameters, history."""
        if policy.id not in self._outlines:
            self._outlines[policy.id] = pdf_cache.key(
                {k: _bare(v) if k == "clauses" else v for k, v in policy.data.items()}
            )
        return self._outlines[policy.id]

    def named(self, policy: m.Policy) -> str:
        """What a policy's pages (in any version they show) read of the other policies they name: each one's outline,
        and the words of the named clauses (an untitled one is named by its first words) and of the clauses holding
        the named checks."""
        if policy.id in self._named:
            return self._named[policy.id]
        names: dict[str, set[tuple[str, str]]] = {}
        for version in [policy, *self.earlier.get(policy.id, {}).values()]:
            refs = [("clause", ref) for c in version.walk() for ref in _split(c.refs)]
            items = [("check", i.partition("#")) for c in version.checklists for i in c.items]
            for kind, (target, _, ident) in refs + items:
                if target and target != policy.id:
                    names.setdefault(target, set()).add((kind, ident))
        out: list[tuple] = []
        for other_id in sorted(names):
            other = self.handbook.policies.get(other_id)
            if other is None:
                out.append((other_id, None))
                continue
            words = []
            for kind, ident in sorted(names[other_id]):
                check = other.check(ident) if kind == "check" else None
                clause = other.clause(ident) if kind == "clause" else check.clause if check else None
                words.append((kind, ident, _words(clause.text) if clause else None))
            out.append((other_id, self.outline(other), words))
        self._named[policy.id] = pdf_cache.key(out)  # a page's key hashes this hash, not all of it again
        return self._named[policy.id]

    def roles(self, roles: set[str]) -> str:
        """What a role's page reads, roles being the role, those it is part of and the everyone groups: of each policy
        naming one of them, its outline, the words of its clauses that apply to them or hold their checks and of the
        clauses these link to in it, and what it reads of the policies it names."""
        known = self._by_roles.get(frozenset(roles))
        if known is not None:
            return known
        out = []
        for policy in sorted(self.handbook.policies.values(), key=lambda p: p.id):
            if not self._roles[policy.id] & roles:
                continue
            shown = [
                c for c in policy.walk() if roles.intersection(c.applies_to) or any(k.role in roles for k in c.checks)
            ]
            read = {c.id for c in shown} | {
                ident for c in shown for target, _, ident in _split(c.refs) if target in ("", policy.id)
            }
            words = [(c.id, _words(c.text)) for c in policy.walk() if c.id in read]
            out.append((policy.id, self.outline(policy), words, self.named(policy)))
        self._by_roles[frozenset(roles)] = pdf_cache.key(out)
        return self._by_roles[frozenset(roles)]

    def outlines(self) -> str:
        """Every policy's outline: for a page that counts clauses by their roles."""
        return pdf_cache.key(
            [(p.id, self.outline(p)) for p in sorted(self.handbook.policies.values(), key=lambda p: p.id)]
        )


def _bare(clauses: list) -> list:
    return [{k: _bare(v) if k == "clauses" else v for k, v in c.items() if k != "text"} for c in clauses]


def _words(text: m.Text | None) -> tuple | None:
    return (dict(text.words), dict(text.reviewed)) if text else None


def _split(refs: Iterable[str]) -> list[tuple[str, str, str]]:
    return [r.partition("#") for r in refs if not r.startswith("external:")]


def _roles_named(policy: m.Policy) -> set[str]:
    """Every role a policy names: its owner and approver, whom its clauses apply to, who does its checks and fills in
    its checklists."""
    return (
        {policy.owner, policy.approver}
        | {r for c in policy.walk() for r in c.applies_to}
        | {c.role for c in policy.checks()}
        | {c.role for c in policy.checklists if c.role}
    )
