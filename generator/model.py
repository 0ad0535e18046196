"""The handbook's domain objects: Policy, Clause, Text and the handbook-wide data around them.

Built from schema-valid data only; each object keeps the position it came from so rules can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator, Mapping

from generator import languages
from generator.source import SourceMap

REVIEWED_SUFFIX = "_of"  # en_of: the fingerprint of the Chinese the English was reviewed against
PARAMETER = re.compile(r"\{([a-z0-9]+(?:-[a-z0-9]+)*)\}")
CHINESE_DIGITS = "零一二三四五六七八九"
LEVELS = {1: "chapter", 2: "section", 3: "item", 4: "sub-item"}
STYLES = {
    "chapter": "{cn}、",
    "section": "（{cn}）",
    "item": "{n}.",
    "sub-item": "({n})",
    # The numbering of laws and of the company rules written like them, kept as the source wrote it. 條/節 are
    # written in the policy's script (label()); an inserted article (第 9-1 條) adds its second number.
    "law-chapter": "第{cn}章",
    "law-section": "第{cn}節",
    "article": "第{cn}條",
    "article-arabic": "第 {n} 條",
    "decimal": "{n}",
    "item-paren": "{n})",
    "letter": "{a}.",
    "circled": "{c}",
}


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 101 → 一百零一, 1010 → 一千零一十, up to 9999 (the schema's limit)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (CHINESE_DIGITS[n - 10] if n > 10 else "")
    out, zero = "", False
    for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = n // value % 10
        if digit:
            out += ("零" if zero else "") + CHINESE_DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def format_label(style: str, n: int, inserted: int | None = None) -> str:
    """One clause number as the source writes it in style: 第三條, 第 9-1 條, 1), b., ③ (in Traditional script, as
    STYLES are; generator.localise puts it into the reader's script)."""
    if style == "article-arabic" and inserted:
        label = f"第 {n}-{inserted} 條"
    elif style == "article" and inserted:
        label = f"第{chinese_numeral(n)}條之{chinese_numeral(inserted)}"
    else:
        label = STYLES[style].format(
            n=n,
            cn=chinese_numeral(n),
            a=chr(96 + n) if 1 <= n <= 26 else str(n),
            c=chr(0x245F + n) if 1 <= n <= 20 else f"({n})",
        )
    return label


@dataclass(frozen=True)
class Text:
    """One text in each language it is written in, by text key: the Chinese source (in the data's script) and its
    translations. generator.localise turns it into the words of one reading language."""

    words: Mapping[str, str]
    # Per translation key, the fingerprint of the Chinese that translation was last reviewed against (`en_of:`).
    reviewed: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, data: dict | None) -> "Text | None":
        if data is None:
            return None
        words = {k: v for k, v in data.items() if not k.endswith(REVIEWED_SUFFIX)}
        reviewed = {k[: -len(REVIEWED_SUFFIX)]: v for k, v in data.items() if k.endswith(REVIEWED_SUFFIX)}
        return cls(words, reviewed)

    @classmethod
    def required(cls, data: dict) -> "Text":
        """A text the schema requires (a title, a label): never absent once the file is valid."""
        return cls(dict(data))

    @property
    def zh(self) -> str:
        """The Chinese source, in the script of the file it comes from."""
        return self.words.get(languages.SOURCE, "")

    def get(self, key: str) -> str:
        return self.words.get(key, "")

    def written(self, key: str) -> bool:
        """Whether the text has words under key (a translation of only spaces has none)."""
        return bool(self.words.get(key, "").strip())


@dataclass
class Parameter:
    id: str
    label: Text
    value: Text | None
    at: tuple
    changed: str | None = None  # the version that filled in (or changed) the value
    source_shown: str | None = None  # what the source showed, when the label is an editor's
    source_reason: Text | None = None


@dataclass
class EditorialNote:
    """A repair of the source's text (original → restored), or a flag on verbatim text for the policy owner."""

    clause: str
    original: str
    restored: str
    reason: Text
    at: tuple
    kind: str = "repair"  # or "flag": nothing restored, original and restored are empty

    @property
    def is_repair(self) -> bool:
        return self.kind == "repair"


@dataclass(frozen=True)
class Addition:
    """What a check asks beyond its clause's words: the company's own, with who answers for it."""

    owner: str
    reason: Text


@dataclass
class Check:
    """One tickable item of a checklist, declared on the clause it enforces."""

    id: str
    do: Text
    role: str
    frequency: str
    evidence: Text | None
    clause: "Clause"
    at: tuple
    addition: Addition | None = None  # None: the check restates its clause


@dataclass
class ChecklistField:
    id: str
    label: Text
    type: str


@dataclass
class Checklist:
    id: str
    title: Text
    event: Text | None
    role: str | None
    frequency: str | None
    items: list[str]
    fields: list[ChecklistField]
    at: tuple


@dataclass
class Poster:
    id: str
    title: Text | None
    clauses: list[str]
    at: tuple


@dataclass
class Clause:
    """A numbered part of a policy: chapter, section, item or sub-item, by depth."""

    id: str
    number: int | None
    style: str | None
    kind: str | None
    title: Text | None
    text: Text | None
    applies_to: list[str]
    topics: list[str]
    refs: list[str]
    checks: list[Check]
    clauses: list["Clause"]
    level: int
    parent: "Clause | None"
    policy: "Policy"
    at: tuple  # JSON path inside the policy file
    inserted: int | None = None  # 第 9-1 條: number 9, inserted 1
    changed: str | None = None  # the version whose amendment last changed (or added, or moved) the clause

    @property
    def level_name(self) -> str:
        return LEVELS.get(self.level, "sub-item")

    def label(self, numbering: str = "chinese") -> str:
        """The number as a reader sees it: 一、 （一） 1. (1) in Chinese numbering (by depth, or by style); 1 / 1.1 /
        1.1.1 in dotted numbering."""
        if self.number is None:
            return ""
        if numbering == "chinese":
            style = self.style or LEVELS.get(self.level, "sub-item")
            if style == "decimal":  # 3.1.2: its own number after its decimal ancestors' and the first other one's
                numbers, node = [str(self.number)], self.parent
                while node is not None and node.number is not None:
                    numbers.append(str(node.number))
                    if node.style != "decimal":
                        break
                    node = node.parent
                return ".".join(reversed(numbers))
            return format_label(style, self.number, self.inserted)
        numbers, node = [], self
        while node is not None and node.number is not None:
            numbers.append(f"{node.number}-{node.inserted}" if node.inserted else str(node.number))
            node = node.parent
        return ".".join(reversed(numbers))

    def full_label(self, numbering: str = "chinese") -> str:
        """The label with its ancestors' in Chinese numbering (三、（一）1.), where a bare 1. would be ambiguous;
        dotted numbers are already full."""
        if numbering != "chinese":
            return self.label(numbering)
        chain = [*self.ancestors(), self]
        # A decimal label already holds its decimal parents' numbers (2.1.1, not 2.12.1.1).
        return "".join(
            c.label(numbering)
            for c, child in zip(chain, [*chain[1:], None], strict=True)
            if not (c.style == "decimal" and child is not None and child.style == "decimal")
        )

    def walk(self) -> Iterator["Clause"]:
        # Depth first, in reading order; a stack, as nested generators pass each clause up through every level.
        stack = [self]
        while stack:
            clause = stack.pop()
            yield clause
            stack.extend(reversed(clause.clauses))

    def ancestors(self) -> list["Clause"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


@dataclass
class HistoryEntry:
    """One released version of a policy: when it took effect and what it changed, in words for readers."""

    version: str
    effective: date
    summary: Text
    at: tuple


def version_key(version: str) -> tuple[int, ...]:
    """1.10.0 sorts after 1.9.0."""
    return tuple(int(part) for part in version.split("."))


STATUSES = ("draft", "in-force", "retired")


@dataclass
class Policy:
    id: str
    type: str
    title: Text
    script: str
    version: str
    effective: date
    owner: str
    approver: str
    review_interval_months: int | None
    review_next: date | None
    source: str
    source_title: str | None
    truncated: bool
    provenance_note: Text | None
    parameters: list[Parameter]
    editorial_notes: list[EditorialNote]
    retired_ids: list[str]
    posters: list[Poster]
    checklists: list[Checklist]
    clauses: list[Clause]
    path: Path
    smap: SourceMap
    data: dict
    status: str = "in-force"  # or draft (previewed, not in force) or retired (kept so its links still resolve)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def draft(self) -> bool:
        return self.status == "draft"

    @property
    def retired(self) -> bool:
        return self.status == "retired"

    def release(self, version: str) -> HistoryEntry | None:
        """The history entry of a version, if the history has one."""
        return next((h for h in self.history if h.version == version), None)

    def walk(self) -> Iterator[Clause]:
        for clause in self.clauses:
            yield from clause.walk()

    def clause(self, clause_id: str) -> Clause | None:
        return self._index().get(clause_id)

    def _index(self) -> dict[str, Clause]:
        if not hasattr(self, "_by_id"):
            self._by_id: dict[str, Clause] = {}
            for clause in self.walk():
                self._by_id.setdefault(clause.id, clause)
        return self._by_id

    def checks(self) -> Iterator[Check]:
        for clause in self.walk():
            yield from clause.checks

    def check(self, check_id: str) -> Check | None:
        if not hasattr(self, "_checks_by_id"):
            # Built once, as _index is: checklists name checks by id, hundreds of times in a large handbook.
            self._checks_by_id: dict[str, Check] = {}
            for check in self.checks():
                self._checks_by_id.setdefault(check.id, check)
        return self._checks_by_id.get(check_id)

    def parameter(self, parameter_id: str) -> Parameter | None:
        return next((p for p in self.parameters if p.id == parameter_id), None)

    @property
    def next_review(self) -> date:
        if self.review_next is not None:
            return self.review_next
        months = self.effective.month - 1 + (self.review_interval_months or 12)
        year, month = self.effective.year + months // 12, months % 12 + 1
        return date(year, month, min(self.effective.day, 28))

    def pos(self, at: tuple = (), key: bool = False) -> tuple:
        return self.smap.at(at, key=key)


@dataclass
class Role:
    id: str
    kind: str
    name: Text
    part_of: str | None
    at: tuple
    reviewers: list[str] = field(default_factory=list)  # GitHub users and teams who review for this role
    everyone: bool = False  # the group every employee is in: its clauses apply to every role


@dataclass
class Term:
    zh: str
    en: str
    accept: list[str]
    note: str | None
    at: tuple
    exclude: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)  # everyday words employees search with for this term

    @property
    def forms(self) -> list[str]:
        return [self.en, *self.accept]


@dataclass
class Topic:
    id: str
    name: Text
    source: str | None
    at: tuple


@dataclass
class RequiredClause:
    kind: str
    name: Text
    policy_types: list[str]
    at: tuple


@dataclass
class ExternalDocument:
    id: str
    name: Text
    url: str | None
    at: tuple


@dataclass
class HandbookData:
    """One of the handbook-wide files (roles, glossary, requirements, external) with its script and source map."""

    script: str
    smap: SourceMap


@dataclass
class Handbook:
    """Everything the renderers need: the policies and the handbook-wide data, all validated."""

    root: Path
    languages: languages.Registry = field(default_factory=languages.default)
    policies: dict[str, Policy] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    required_clauses: list[RequiredClause] = field(default_factory=list)
    topics: dict[str, Topic] = field(default_factory=dict)
    external: dict[str, ExternalDocument] = field(default_factory=dict)
    data: dict[str, HandbookData] = field(default_factory=dict)
    # Ids (file names) of policy files that did not load: what refers to them cannot be judged until they are fixed.
    unloaded: set[str] = field(default_factory=set)

    def script_of(self, name: str) -> str:
        """The script a handbook-wide file (roles, glossary, requirements, external) is written in; without the
        file, the default language's."""
        data = self.data.get(name)
        return data.script if data else self.languages.scripts[0]

    def resolve(self, ref: str, policy: Policy | None) -> "Clause | ExternalDocument | None":
        """The clause or external document a reference names, or None when it dangles."""
        if ref.startswith("external:"):
            return self.external.get(ref.split(":", 1)[1])
        policy_id, _, clause_id = ref.partition("#")
        target = self.policies.get(policy_id) if policy_id else policy
        return target.clause(clause_id) if target else None

    def resolve_check(self, item: str, policy: Policy) -> Check | None:
        """The check a checklist item names (`check-id` in the policy itself, `other-policy#check-id`), or None."""
        policy_id, _, check_id = item.partition("#")
        target = self.policies.get(policy_id) if policy_id else policy
        return target.check(check_id) if target else None

    def covering(self, topic_id: str) -> list[Clause]:
        return [c for p in self.policies.values() for c in p.walk() if topic_id in c.topics]
