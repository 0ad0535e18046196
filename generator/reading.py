"""The handbook as a reader sees it in one language: texts in the right script, clause names, blanks, links, and the
order of its policies. Pure data for the site's and the documents' templates: every string is plain text (the
templates escape it), every link a site path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from generator import locations as paths
from generator import model as m
from generator.fingerprint import text_stale
from generator.localise import Localiser

SNIPPET, SNIPPET_WORDS = 24, 60  # characters that name an untitled clause: Chinese numbering, and word-spaced text


def ordered_policies(handbook: m.Handbook) -> list[m.Policy]:
    """Regulations before guidance, then by id: a stable order for navigation, tables and the book."""
    return sorted(handbook.policies.values(), key=lambda p: (p.type != "regulation", p.id))


def in_force(
    handbook: m.Handbook, ids: Iterable[str] = (), unknown: Callable[[list[str], list[str]], Exception] | None = None
) -> list[m.Policy]:
    """The policies in force that ids name (all of them when ids is empty), in ordered_policies' order: a draft is not
    in force yet and a retired policy no longer is, so neither is printed, put on a wall or signed for. Ids that name
    none of them raise unknown(those ids, the ids in force): a caller naming ids must say what an unknown one is."""
    policies, ids = [p for p in ordered_policies(handbook) if p.status == "in-force"], list(ids)
    if ids and unknown is None:
        raise TypeError("in_force: ids given without the error to raise for one that names no policy in force")
    known = {p.id for p in policies}
    missing = [i for i in ids if i not in known]
    if missing and unknown is not None:
        raise unknown(missing, [p.id for p in policies])
    return [p for p in policies if not ids or p.id in ids]


@dataclass
class Segment:
    """A run of clause text: plain words, a blank to fill in, a filled-in value, or words restored by an editor."""

    kind: str  # text | blank | value | restored
    text: str
    hint: str = ""


@dataclass
class Link:
    text: str
    path: str  # site path, maybe with #fragment; "" for an unlinked name
    note: str = ""
    kind: str = ""


@dataclass
class CheckView:
    id: str
    do: list[Segment]
    role: Link
    frequency: str
    evidence: str
    addition: Link | None = None  # who answers for a check the company added to its clause
    addition_reason: str = ""


@dataclass
class NoteView:
    original: str
    restored: str
    reason: str
    kind: str = "repair"


@dataclass
class ClauseView:
    id: str
    level: int
    label: str
    full_label: str
    title: str
    name: str  # label and title, or label and the start of the text when the clause has no title
    paragraphs: list[list[Segment]]
    refs: list[Link]
    roles: list[Link]
    topics: list[Link]
    checks: list[CheckView]
    notes: list[NoteView]
    children: list["ClauseView"] = field(default_factory=list)
    lang: str = ""  # set when the text falls back to another language than the page's
    changed: str = ""  # the version that last amended the clause
    changed_on: str = ""  # that version's effective date, in words
    stale: bool = False  # the translation shown was reviewed against other Chinese than the clause now has


class Reader:
    """The handbook in one reading language, through that language's Localiser."""

    def __init__(self, handbook: m.Handbook, localiser: Localiser):
        self.handbook, self.words = handbook, localiser
        self.lang = localiser.code
        # Each clause's view, made once: a clause shows on its policy's pages, its roles' pages and in links to it.
        self._clauses: dict[tuple[int, bool], tuple[m.Clause, ClauseView]] = {}

    # Words and texts

    def t(self, key: str, **values) -> str:
        return self.words.word(key, **values)

    @property
    def chinese(self) -> bool:
        """Whether this language numbers and runs words together as Chinese does (一、總則, no spaces)."""
        return self.words.chinese_numbering

    @property
    def colon(self) -> str:
        return self.words.colon

    def zh(self, text: str, script: str) -> str:
        """Chinese text in the reading script (a language that does not read Chinese keeps it as written)."""
        return self.words.source(text, script)

    def text(self, text: m.Text | None, script: str) -> str:
        return self.words.text(text, script)

    def untranslated(self, text: m.Text | None, script: str) -> bool:
        return self.words.fell_back(text, script)

    def data_script(self, name: str) -> str:
        return self.handbook.script_of(name)

    def date(self, day: date) -> str:
        return self.words.date(day)

    def link(self, path: str) -> str:
        """A site path in this reading language."""
        return self.handbook.languages.prefix(self.lang) + path

    # Handbook-wide names

    def role_name(self, role_id: str) -> str:
        role = self.handbook.roles.get(role_id)
        return self.text(role.name, self.data_script("roles")) if role else role_id

    def role_link(self, role_id: str) -> Link:
        known = role_id in self.handbook.roles
        return Link(self.role_name(role_id), self.link(paths.role(role_id)) if known else "")

    def topic_name(self, topic_id: str) -> str:
        topic = self.handbook.topics.get(topic_id)
        return self.text(topic.name, self.data_script("requirements")) if topic else topic_id

    def topic_link(self, topic_id: str) -> Link:
        return Link(self.topic_name(topic_id), self.link(paths.COVERAGE) + f"#topic-{topic_id}")

    def policy_title(self, policy: m.Policy) -> str:
        return self.text(policy.title, policy.script)

    # Clauses

    def plain(self, text: m.Text | None, policy: m.Policy) -> str:
        """A policy text as plain words, for titles and links: a blank becomes ［its label］, a filled one its value."""
        parts = [s.text if s.kind != "blank" else f"［{s.text}］" for para in self.segments(text, policy) for s in para]
        return "".join(parts)

    def clause_title(self, clause: m.Clause) -> str:
        return self.plain(clause.title, clause.policy)

    def label(self, clause: m.Clause) -> str:
        return self.words.label(clause)

    def full_label(self, clause: m.Clause) -> str:
        return self.words.full_label(clause)

    def snippet(self, clause: m.Clause) -> str:
        words = re.sub(r"\s+", " ", self.plain(clause.text, clause.policy)).strip()
        if " " not in words:  # Chinese (or a fallback to it) runs on without spaces: cut by characters
            return words if len(words) <= SNIPPET else words[:SNIPPET].rstrip() + "…"
        if len(words) <= SNIPPET_WORDS:
            return words
        return words[: SNIPPET_WORDS + 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"

    def clause_name(self, clause: m.Clause, full: bool = False) -> str:
        """How a link or a search result names a clause: its number and title (or, untitled, its first words)."""
        label = self.full_label(clause) if full else self.label(clause)
        words = self.clause_title(clause) or self.snippet(clause)
        return join_label(label, words, self.chinese)

    def segments(self, text: m.Text | None, policy: m.Policy, clause_id: str = "") -> list[list[Segment]]:
        """A policy text as paragraphs of segments, each part in the reading script: blanks to fill in, filled-in
        values, and (in the clause clause_id) the words an editor restored, marked."""
        if text is None:
            return []
        # Parameters and restored words are found in the text as written, then each run is put into the reading
        # language (converted to its script when that text is the Chinese source).
        shown = self.words.shown_in(text, policy.script)
        source = shown == policy.script or (shown == self.lang and self.words.reads_source)
        raw = text.zh if source else self.words.text(text, policy.script)

        def words(run: str) -> str:
            return self.zh(run, policy.script) if source else run

        restored = (
            [n.restored for n in policy.editorial_notes if n.clause == clause_id and n.is_repair] if source else []
        )
        pattern = m.PARAMETER.pattern + "".join(f"|({re.escape(r)})" for r in restored)
        paragraphs = []
        for block in re.split(r"\n\s*\n", raw.strip()):
            out: list[Segment] = []
            at = 0
            for match in re.finditer(pattern, block):
                if match.start() > at:
                    out.append(Segment("text", words(block[at : match.start()])))
                if match.group(1):
                    out.append(self._parameter(policy, match.group(1)))
                else:
                    out.append(Segment("restored", words(match.group(0)), self.t("policy.restored")))
                at = match.end()
            if at < len(block):
                out.append(Segment("text", words(block[at:])))
            paragraphs.append(out)
        return paragraphs

    def line(self, text: m.Text | None, policy: m.Policy) -> list[Segment]:
        """A short policy text (a check, a title) as one run of segments."""
        paragraphs = self.segments(text, policy)
        return [s for i, para in enumerate(paragraphs) for s in ([Segment("text", " ")] if i else []) + para]

    def _parameter(self, policy: m.Policy, name: str) -> Segment:
        param = policy.parameter(name)
        if param is None:
            return Segment("blank", name, self.t("policy.blank"))
        label = self.text(param.label, policy.script)
        if param.value is None:
            shown = f" ({self.t('policy.blank_source', shown=param.source_shown)})" if param.source_shown else ""
            return Segment("blank", label, f"{self.t('policy.blank')}: {label}{shown}")
        return Segment("value", self.text(param.value, policy.script), label)

    def reference(self, ref: str, policy: m.Policy | None) -> Link:
        """A link for a reference written in policy (None: a handbook-wide file's, which names its policy)."""
        target = self.handbook.resolve(ref, policy)
        if isinstance(target, m.ExternalDocument):
            name = self.text(target.name, self.data_script("external"))
            return Link(name, target.url or "", self.t("clause.external"), "external")
        if isinstance(target, m.Clause):
            path = self.link(paths.policy(target.policy.id)) + f"#{target.id}"
            other = target.policy is not policy
            note = self.policy_title(target.policy) if other else ""
            return Link(self.clause_name(target, full=True), path, note, "policy" if other else "clause")
        return Link(ref, "", "", "missing")

    def check(self, check: m.Check) -> CheckView:
        policy = check.clause.policy
        addition = check.addition
        return CheckView(
            check.id,
            self.line(check.do, policy),
            self.role_link(check.role),
            self.t(f"frequency.{check.frequency}"),
            self.plain(check.evidence, policy),
            self.role_link(addition.owner) if addition else None,
            self.plain(addition.reason, policy) if addition else "",
        )

    def clause(self, clause: m.Clause, deep: bool = True) -> ClauseView:
        """The clause as the page shows it; with deep, its sub-clauses too. The same view for every call: a caller
        that changes it takes a copy."""
        known = self._clauses.get((id(clause), deep))
        if known is None or known[0] is not clause:
            known = self._clauses[(id(clause), deep)] = (clause, self._clause_view(clause, deep))
        return known[1]

    def _clause_view(self, clause: m.Clause, deep: bool) -> ClauseView:
        policy = clause.policy
        notes = [
            NoteView(n.original, self.zh(n.restored, policy.script), self.text(n.reason, policy.script), n.kind)
            for n in policy.editorial_notes
            if n.clause == clause.id
        ]
        checks = [self.check(c) for c in clause.checks]
        untranslated = self.untranslated(clause.text, policy.script) or self.untranslated(clause.title, policy.script)
        return ClauseView(
            id=clause.id,
            level=clause.level,
            label=self.label(clause),
            full_label=self.full_label(clause),
            title=self.clause_title(clause),
            name=self.clause_name(clause),
            paragraphs=self.segments(clause.text, policy, clause.id),
            refs=[self.reference(r, policy) for r in clause.refs],
            roles=[self.role_link(r) for r in clause.applies_to],
            topics=[self.topic_link(t) for t in clause.topics],
            checks=checks,
            notes=notes,
            children=[self.clause(c) for c in clause.clauses] if deep else [],
            lang=self.words.shown_in(clause.text or clause.title, policy.script) if untranslated else "",
            changed=clause.changed or "",
            changed_on=self._effective(policy, clause.changed),
            stale=not untranslated and any(self.stale(t) for t in (clause.title, clause.text)),
        )

    def stale(self, text: m.Text | None) -> bool:
        """Whether the translation this page shows of text is out of date: the Chinese changed since its review."""
        key = self.words.language.text
        return text is not None and not self.words.reads_source and text_stale(text, key)

    def _effective(self, policy: m.Policy, version: str | None) -> str:
        release = policy.release(version) if version else None
        return self.date(release.effective) if release else ""


def join_label(label: str, words: str, chinese: bool) -> str:
    """一、總則 and （一）目的 run together; 1. 市場調研 and 1.2 Scope take a space."""
    if not label:
        return words
    if not words:
        return label
    if chinese and label.endswith(("、", "）")):
        return label + words
    return f"{label} {words}"
