"""`rulebook import`: turns a plain-text regulation (a Word/PDF export or a scraped web copy) into policy data.

Cleans the text (generator.cleanup), recovers the numbering hierarchy, splits run-in headings, turns blanks into
parameters and reports everything a person must still look at; policy_writer turns the data into the YAML file.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.cleanup import BLANK, CJK, FOOTER, NOISE_LINES, CleanText, clean
from generator.headings import join_lines, split_siblings
from generator.model import LEVELS, STYLES, chinese_numeral
from generator.safe_read import MAX_IMPORT_BYTES, Refused, read_regular
from generator.scripts import convert


class ImportFailed(Exception):
    """The input cannot be imported; the message says why in one line."""


NUMERAL = "一二三四五六七八九十"
MARKER = re.compile(
    rf"(?<![{NUMERAL}])(?P<chapter>[{NUMERAL}]{{1,3}})、"
    rf"|[（(](?P<section>[{NUMERAL}]{{1,3}})[）)]"
    rf"|[（(](?P<sub>\d{{1,2}})[）)]"
    rf"|(?P<circled>[①-⑳])"
    rf"|(?<![\dA-Za-z.．\[第])(?P<item>\d{{1,2}})[.．、](?!\d)"
)
RANK = {"chapter": 1, "section": 2, "item": 3, "sub": 4, "circled": 4}
LEVEL_NAMES = {1: ("chapter", "chapters"), 2: ("section", "sections"), 3: ("item", "items"), 4: ("sub-item", "sub-items")}
STRONG_BEFORE = "\n。！？；：!?;:"

# A label that opens an unnumbered sub-item inside an item's text: …提升等。內部培訓：定期組織… (seed 002 四（二）1.).
LABEL = re.compile(rf"(?:^|(?<=[。；]))([{CJK}]{{2,8}})：")

# Titles that say what kind a clause is, compared in Simplified script. Only unambiguous ones: a wrong kind is worse
# than none, and `rulebook check` asks for the missing ones.
KIND_BY_TITLE = {
    "目的": "purpose", "目的与依据": "purpose",
    "适用范围": "scope", "范围": "scope",
    "基本原则": "principle", "原则": "principle",
    "定义": "definition", "术语和定义": "definition", "术语定义": "definition",
}

# A Q&A page: the accepted answer starts after this line and ends at its comment counter or the next answer.
ACCEPTED_ANSWER = re.compile(r"^[•·●\s]*已被[采採][纳納][为為]最佳回答$")
ANSWER_END = re.compile(r"^(\d+\S{0,3}前\s*\d+\s*[条條][评評][论論]|[•·●].*)$")

PLACEHOLDERS = {"version": "0.1.0", "owner": "operations-department", "approver": "management", "interval_months": 12}
TRUNCATION_NOTE = {
    "zh": "本文件匯入自不完整的來源副本：原文在句子中間中斷，其後的內容缺失。",
    "en": "Imported from an incomplete copy of the source: it breaks off mid-sentence and the rest is missing.",
}


@dataclass
class Node:
    """A clause while it is being recovered: where its marker sits in the cleaned text and what follows it."""

    rank: int
    number: int | None
    start: int  # offset of the marker (or of the text, for unnumbered clauses) in the cleaned text
    end: int = 0  # offset just past the marker
    stop: int = 0  # offset where the next clause starts
    run: str = ""
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    title: str | None = None
    text: str | None = None
    id: str = ""


@dataclass
class Problem:
    line: int | None
    col: int | None
    message: str


@dataclass
class ImportResult:
    data: dict
    source: str
    script: str
    counts: dict[int, list[int]]  # depth → [numbered, unnumbered]
    cleaned: CleanText
    garbled: list[tuple[int | None, int | None, str, str]]  # line, col, span, clause id
    warnings: list[Problem]
    blanks: list[tuple[str, str]]  # parameter id, label
    qa_lines: tuple[int, int] | None = None
    left_out_lines: int = 0
    kinds: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------- input


def read_source(path: Path) -> str:
    """The file's text; ImportFailed with a one-line reason for anything that is not non-empty UTF-8 text."""
    try:
        raw = read_regular(path, MAX_IMPORT_BYTES, follow_symlinks=True)  # the file the user named
    except Refused as exc:
        raise ImportFailed(f"{path}: {exc}" if "folder" not in str(exc) else f"{path} is a folder; name a text file") from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportFailed(f"{path} is UTF-16 text; save it as UTF-8 and import again")
    if b"\0" in raw:
        raise ImportFailed(f"{path} is a binary file, not text; export the document as plain text (UTF-8) first")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); convert it first, e.g. iconv -f GB18030 -t UTF-8"
        ) from None
    if not text.strip():
        raise ImportFailed(f"{path} is empty")
    return text


def slug(name: str) -> str:
    """A policy id from a file name: 000_43cb.txt → 000-43cb. Empty when the name has no Latin letters or digits."""
    return re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")[:64].strip("-")


def accepted_answer(raw: str) -> tuple[str, int, int] | None:
    """(question, first line, last line) of a Q&A page's accepted answer (0-based, inclusive), or None."""
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if ACCEPTED_ANSWER.match(line.strip())), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if ANSWER_END.match(lines[i].strip())), len(lines))
    body = [i for i in range(start + 1, end) if lines[i].strip()]
    if not body:
        return None
    question = next((line.strip() for line in lines[:start] if line.strip()), "")
    return question, body[0], body[-1]


# ------------------------------------------------------------------------------------------------------------ positions


ANNOTATION = r"(?:\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\))?"


def _tolerant(snippet: str) -> re.Pattern:
    """A pattern that finds cleaned text in the raw source: either script, half- or full-width punctuation, and the
    pinyin annotations and spaces that cleaning removed."""
    parts = []
    for ch in snippet:
        if re.match(f"[{CJK}]", ch):
            variants = {ch, convert(ch, "zh-Hant", "zh-Hans"), convert(ch, "zh-Hans", "zh-Hant")}
            parts.append("(?:" + "|".join(map(re.escape, sorted(variants))) + ")")
        elif ch in "，,":
            parts.append("[，,]")
        elif ch in "：:":
            parts.append(r"\s*[：:]\s*")
        elif ch in "；;":
            parts.append("[；;]")
        elif ch in "（(":
            parts.append("[（(]")
        elif ch in "）)":
            parts.append("[）)]")
        elif ch.isspace():
            parts.append(r"\s*")
        else:
            parts.append(re.escape(ch))
    return re.compile(ANNOTATION.join(parts))


class SourceMap:
    """Finds where a piece of the cleaned text came from in the raw file, as (line, column), both 1-based."""

    def __init__(self, raw: str, cleaned: str, first_line: int = 0, last_line: int | None = None):
        self.raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.cleaned = cleaned
        lines = self.raw.split("\n")
        self.line_starts = [0]
        for line in lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        last = len(lines) - 1 if last_line is None else last_line
        footer = next((i for i, line in enumerate(lines) if FOOTER.match(line.strip())), len(lines))
        self.usable = {
            i for i in range(first_line, min(last, footer - 1) + 1)
            if not any(rx.match(lines[i].strip().lstrip("•·● ").strip()) for rx in NOISE_LINES)
        }

    def _line_col(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    def locate(self, offset: int, length: int = 8) -> tuple[int | None, int | None]:
        snippet = self.cleaned[offset: offset + max(length, 8)].split("\n")[0] or self.cleaned[offset: offset + 1]
        pattern = _tolerant(snippet)
        nth = sum(1 for m in pattern.finditer(self.cleaned) if m.start() < offset)
        hits = [m.start() for m in pattern.finditer(self.raw) if self._line_col(m.start())[0] - 1 in self.usable]
        if not hits:
            return None, None
        return self._line_col(hits[min(nth, len(hits) - 1)])


# ------------------------------------------------------------------------------------------------------------- parsing


def parse_numeral(numeral: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20; None for anything that is not a well-formed number up to 99."""
    for n in range(1, 100):
        if chinese_numeral(n) == numeral:
            return n
    return None


def _is_strong(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] in STRONG_BEFORE


def find_structure(text: str, sources: SourceMap) -> tuple[Node, list[Problem]]:
    """The clause tree of cleaned text: every numbering marker that makes sense where it stands, nested by kind.

    A marker is taken when its number is the next one expected at its level (1 after a new parent). Where a
    sentence has just ended, a skipped or repeated number is taken too and reported, so that a slip in the source
    does not swallow a clause. Markers inside blanks ([…]) never count.
    """
    root = Node(rank=0, number=None, start=0)
    stack = [root]
    warnings: list[Problem] = []
    blanks = [(m.start(), m.end()) for m in BLANK.finditer(text)]
    nodes: list[Node] = []
    for m in MARKER.finditer(text):
        if any(a <= m.start() < b for a, b in blanks):
            continue
        kind = m.lastgroup
        value = m.group(kind)
        n = parse_numeral(value) if kind in ("chapter", "section") else (ord(value) - 0x245F if kind == "circled" else int(value))
        if not n:
            continue
        rank = RANK[kind]
        same = next((node for node in stack if node.rank == rank), None)
        expected = same.number + 1 if same else 1
        strong = _is_strong(text, m.start())
        if n == expected:
            if not strong and not _plausible_weak(text, m, kind):
                continue
        elif not (strong and (expected - 1 <= n <= expected + 2) and n >= 1):
            continue
        if n != expected:
            line, col = sources.locate(m.start(), len(m.group(0)) + 6)
            singular = LEVEL_NAMES[min(rank, 4)][0]
            shown = _label(rank, n)
            if n < expected:
                message = f"{singular} {shown} appears twice; kept as numbered in the source, renumber it"
            else:
                missing = ", ".join(_label(rank, k) for k in range(expected, n))
                message = f"{singular} {shown} follows {_label(rank, expected - 1) if expected > 1 else 'no ' + singular} ({missing} missing); kept as numbered in the source"
            warnings.append(Problem(line, col, message))
        while stack[-1].rank >= rank:
            stack.pop()
        node = Node(rank=rank, number=n, start=m.start(), end=m.end(), parent=stack[-1])
        stack[-1].children.append(node)
        stack.append(node)
        nodes.append(node)
    for node, following in zip(nodes, nodes[1:] + [None]):
        node.stop = following.start if following else len(text)
        node.run = text[node.end:node.stop]
    root.end = 0
    root.stop = nodes[0].start if nodes else len(text)
    root.run = text[:root.stop]
    warnings += _depth_mismatches(root)
    return root, warnings


def _depth_mismatches(root: Node) -> list[Problem]:
    """The handbook numbers clauses by depth (一、 （一） 1. (1)); say where the source's own markers will change."""
    seen: dict[tuple[int, int], Node] = {}
    stack = [(child, 1) for child in root.children]
    while stack:
        node, depth = stack.pop()
        if node.number is not None and node.rank != depth and min(node.rank, 4) != min(depth, 4):
            seen.setdefault((node.rank, depth), node)
        stack += [(child, depth + 1) for child in node.children]
    return [
        Problem(None, None, f"{LEVEL_NAMES[min(rank, 4)][1]} ({_label(rank, 1)}) sit at the {LEVEL_NAMES[min(depth, 4)][0]} level here; the handbook will number them {_label(depth, 1)} {_label(depth, 2)} …")
        for (rank, depth) in sorted(seen)
    ]


def _plausible_weak(text: str, m: re.Match, kind: str) -> bool:
    """Whether a marker that does not follow a sentence end still reads as one (總則（一）目的, 基本原則1.…)."""
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end(): m.end() + 1]
    if kind == "chapter":
        return before not in "、" + NUMERAL and after not in "、" + NUMERAL and not after.isdigit()
    return True


def _label(rank: int, n: int) -> str:
    return STYLES[LEVELS.get(rank, "sub-item")].format(n=n, cn=chinese_numeral(n))


def split_headings(node: Node, script: str) -> None:
    """Title and text of every clause, one sibling group at a time (see headings.split_siblings)."""
    if not node.children:
        return
    headings = split_siblings([(child.run, bool(child.children)) for child in node.children], script)
    for child, heading in zip(node.children, headings):
        child.title, child.text = heading.title, heading.text
        split_headings(child, script)


def label_sub_items(node: Node) -> None:
    """Unnumbered sub-items that an item's text introduces by label (內部培訓：… 外部培訓：…): two or more make a list."""
    for child in node.children:
        label_sub_items(child)
    if node.children or not node.text:
        return
    labels = list(LABEL.finditer(node.text))
    if len(labels) < 2:
        return
    parts = [(m.group(1), node.text[m.end(): following.start() if following else len(node.text)]) for m, following in zip(labels, labels[1:] + [None])]
    node.text = node.text[: labels[0].start()].strip() or None
    offset = node.start + len(node.run) - len(node.run.lstrip())
    for title, text in parts:
        node.children.append(Node(rank=node.rank + 1, number=None, start=offset, parent=node, title=title, text=text.strip() or None))


def walk(node: Node):
    for child in node.children:
        yield child
        yield from walk(child)


def assign_ids(node: Node, prefix: str = "c") -> None:
    """Stable positional ids: c1, c1-2, c1-2-3; unnumbered clauses get letters (c4-2-1-a), a preamble 'intro'."""
    numbered = letters = 0
    for child in node.children:
        if child.number is not None:
            numbered += 1
            child.id = f"{prefix}{numbered}" if node.rank == 0 else f"{prefix}-{numbered}"
        else:
            letters += 1
            child.id = ("intro" if letters == 1 else f"intro-{letters}") if node.rank == 0 else f"{prefix}-{chr(96 + letters)}"
        assign_ids(child, child.id)


# ------------------------------------------------------------------------------------------------------------ building


def _text(zh: str, en: str = "") -> dict:
    return {"zh": zh, "en": en}


def _kind(title: str | None) -> str | None:
    if not title:
        return None
    return KIND_BY_TITLE.get(convert(title, "zh-Hant", "zh-Hans"))


def _clause(node: Node, kinds: list[str]) -> dict:
    data: dict = {"id": node.id}
    if node.number is not None:
        data["number"] = node.number
    kind = _kind(node.title)
    if kind:
        data["kind"] = kind
        kinds.append(kind)
    if node.title:
        data["title"] = _text(node.title)
    if node.text:
        data["text"] = _text(node.text)
    if node.children:
        data["clauses"] = [_clause(child, kinds) for child in node.children]
    return data


def _blanks_to_parameters(root: Node) -> list[tuple[str, str]]:
    """Every [blank] becomes its own parameter, numbered in reading order; the text refers to it as {blank-N}."""
    found: list[tuple[str, str]] = []

    def replace(match: re.Match) -> str:
        pid = f"blank-{len(found) + 1}"
        found.append((pid, match.group(1)))
        return "{" + pid + "}"

    for node in walk(root):
        if node.title:
            node.title = BLANK.sub(replace, node.title)
        if node.text:
            node.text = BLANK.sub(replace, node.text)
    return found


def _drop_empty(node: Node, warnings: list[Problem], sources: SourceMap) -> None:
    for child in list(node.children):
        _drop_empty(child, warnings, sources)
        if not (child.title or child.text or child.children):
            line, col = sources.locate(child.start, 4)
            warnings.append(Problem(line, col, f"{LEVEL_NAMES[min(child.rank, 4)][0]} {_label(child.rank, child.number or 0)} has no text (the source ends there); left out"))
            node.children.remove(child)


def _roles(project_roles: dict[str, str] | None) -> tuple[str, str]:
    """Owner and approver placeholders that exist in the project's roles.yaml."""
    owner, approver = PLACEHOLDERS["owner"], PLACEHOLDERS["approver"]
    if project_roles:
        if owner not in project_roles:
            owner = next((r for r, kind in project_roles.items() if kind == "department"), next(iter(project_roles)))
        if approver not in project_roles:
            approver = next((r for r, kind in project_roles.items() if kind == "group"), next(iter(project_roles)))
    return owner, approver


def import_text(
    raw: str,
    policy_id: str,
    source_name: str,
    script: str | None = None,
    guidance: bool = False,
    today: date | None = None,
    roles: dict[str, str] | None = None,
    provenance_source: str | None = None,
) -> ImportResult:
    """Policy data (schema-valid, translations empty) and everything the report needs, from a raw document.

    source_name names the document in messages; provenance_source (default: source_name) is what the policy records.
    """
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    qa = accepted_answer(raw)
    lines = raw.split("\n")
    if qa:
        question, first, last = qa
        body = "\n".join(lines[first: last + 1])
        cleaned = clean(body, script)
        sources = SourceMap(raw, cleaned.text, first, last)
        guidance = True
    else:
        cleaned = clean(raw, script)
        sources = SourceMap(raw, cleaned.text)
    text = cleaned.text
    if not text.strip():
        raise ImportFailed(f"{source_name} holds nothing but site noise; there is no document text to import")
    text = re.sub(r"\{([a-z0-9-]+)\}", "｛\\1｝", text)  # literal braces would read as parameters
    root, warnings = find_structure(text, sources)
    if not root.children:
        warnings.append(Problem(None, None, "no numbering (一、 （一） 1. (1)) found: the whole text is one clause"))

    # The text before the first clause: the document's title, or a Q&A answer's introduction.
    preamble = join_lines(root.run)
    if qa:
        title = clean(question, cleaned.script).text.strip() or preamble.split("\n")[0]
        intro = preamble
    else:
        first_line, _, intro = preamble.partition("\n")
        title = first_line
        if len(title) > 40 or re.search("[。；]", title):  # no title line: the document starts with its text
            title, intro = "", preamble
    source_title = title
    title = title.rstrip("?？ ").strip() or Path(source_name).stem
    if intro.strip():
        root.children.insert(0, Node(rank=1, number=None, start=0, parent=root, text=intro.strip(), run=intro))
    if not root.children:
        raise ImportFailed(f"{source_name} has a title but no text to import")

    split_headings(root, cleaned.script)
    label_sub_items(root)
    _drop_empty(root, warnings, sources)
    if not root.children:
        raise ImportFailed(f"{source_name} has numbering but no clause text to import")
    assign_ids(root)
    blanks = _blanks_to_parameters(root)

    garbled = []
    for offset, span in cleaned.garbled:
        holders = [n for n in walk(root) if span in (n.title or "") + "\n" + (n.text or "")]
        before = [n for n in holders if n.start <= offset] or holders
        line, col = sources.locate(offset, len(span))
        garbled.append((line, col, span, max(before, key=lambda n: n.start).id if before else "(title)"))

    counts: dict[int, list[int]] = {}

    def count(node: Node, depth: int) -> None:
        for child in node.children:
            counts.setdefault(depth, [0, 0])[child.number is None] += 1
            count(child, depth + 1)

    count(root, 1)
    kinds: list[str] = []
    owner, approver = _roles(roles)
    data: dict = {
        "id": policy_id,
        "type": "guidance" if guidance else "regulation",
        "title": _text(title),
        "script": cleaned.script,
        "version": PLACEHOLDERS["version"],
        "effective": (today or date.today()).isoformat(),
        "owner": owner,
        "approver": approver,
        "review": {"interval_months": PLACEHOLDERS["interval_months"]},
        "provenance": {"source": provenance_source or source_name, "source_title": source_title or title, "truncated": cleaned.truncated},
    }
    if cleaned.truncated:
        data["provenance"]["note"] = _text(convert(TRUNCATION_NOTE["zh"], "zh-Hant", cleaned.script), TRUNCATION_NOTE["en"])
    if blanks:
        data["parameters"] = [{"id": pid, "label": _text(label), "value": None} for pid, label in blanks]
    data["clauses"] = [_clause(child, kinds) for child in root.children]
    return ImportResult(
        data=data, source=source_name, script=cleaned.script, counts=counts, cleaned=cleaned, garbled=garbled,
        warnings=warnings, blanks=blanks, qa_lines=(qa[1] + 1, qa[2] + 1) if qa else None,
        left_out_lines=sum(1 for i, line in enumerate(lines) if line.strip() and not (qa[1] <= i <= qa[2])) if qa else 0,
        kinds=list(dict.fromkeys(kinds)),
    )


# -------------------------------------------------------------------------------------------------------------- report


def report(result: ImportResult, output: str) -> str:
    """What the import found and did, and what a person must do next."""
    d = result.data
    out = [f"imported {result.source} → {output}"]
    out.append(f"  document   {d['title']['zh']} ({d['type']}, {result.script})")
    parts = []
    for depth in sorted(result.counts):
        numbered, unnumbered = result.counts[depth]
        singular, plural = LEVEL_NAMES[min(depth, 4)]
        if numbered:
            parts.append(f"{numbered} {singular if numbered == 1 else plural}")
        if unnumbered and depth == 1:
            parts.insert(0, "an unnumbered introduction")
        elif unnumbered:
            parts.append(f"{unnumbered} unnumbered {singular if unnumbered == 1 else plural}")
    out.append(f"  structure  {', '.join(parts) or 'no clauses'}")
    c = result.cleaned
    if result.qa_lines:
        out.append(f"  Q&A page   imported the accepted answer (lines {result.qa_lines[0]}-{result.qa_lines[1]}); {result.left_out_lines} other lines (question, other answers, page furniture) left out")
    out.append(f"  cleaned    {c.pinyin_removed} pinyin annotation{'s' * (c.pinyin_removed != 1)} removed, {len(c.noise_lines)} noise line{'s' * (len(c.noise_lines) != 1)} removed (page lists, banners, footer)")
    if result.blanks:
        out.append(f"  blanks     {len(result.blanks)} → parameters {result.blanks[0][0]} … {result.blanks[-1][0]} (values left empty)")
    else:
        out.append("  blanks     none")
    if d["provenance"]["truncated"]:
        tail = c.text.rstrip()[-12:].replace("\n", " ")
        out.append(f"  truncated  yes: the source ends mid-sentence (…{tail}); recorded in provenance")
    else:
        out.append("  truncated  no")
    out.append(f"  kinds      {', '.join(result.kinds) + ' (from titles)' if result.kinds else 'none recognised from titles'}")
    problems = [(w.line, w.col, w.message) for w in result.warnings]
    problems += [(line, col, f"garbled text '{_excerpt(span)}' in clause {cid}: the importer cannot repair it; restore it by hand and add an editorial note") for line, col, span, cid in result.garbled]
    if problems:
        out.append(f"\n{len(problems)} warning{'s' * (len(problems) != 1)}:")
        for line, col, message in sorted(problems, key=lambda p: (p[0] or 0, p[1] or 0)):
            where = f"{result.source}:{line}:{col}" if line else result.source
            out.append(f"  {where}: {message}")
    steps = [
        f"Fill in the metadata: version {d['version']}, effective {d['effective']}, owner {d['owner']}, approver {d['approver']} and a {d['review']['interval_months']}-month review are placeholders.",
        "Rename the clause ids (c1, c1-2, …) to meaningful English ids before publishing; after that, ids never change.",
    ]
    if result.garbled:
        steps.append(f"Repair the {len(result.garbled)} garbled span{'s' * (len(result.garbled) != 1)} and record each repair under editorial_notes.")
    if result.blanks:
        steps.append("Give the blank parameters meaningful ids (in the text too) and, where the company has decided, values.")
    steps.append("Check titles that ran into their text in the source, set kinds, applies_to and topics, then translate every en: ''.")
    steps.append(f"Run: rulebook check {output}")
    out.append("\nnext steps:")
    out += [f"  {i}. {step}" for i, step in enumerate(steps, 1)]
    return "\n".join(out)


def _excerpt(span: str, n: int = 12) -> str:
    return span if len(span) <= n else span[:n] + "…"


# ----------------------------------------------------------------------------------------------------------------- file

POLICY_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _project_roles(project) -> dict[str, str] | None:
    """Role id → kind from the project's roles.yaml, or None when there is none to read."""
    import yaml

    path = project.handbook_data / "roles.yaml" if project else None
    if path is None or not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {r["id"]: r.get("kind", "") for r in data["roles"]} or None
    except (yaml.YAMLError, OSError, UnicodeDecodeError, KeyError, TypeError):
        return None


def import_file(
    path: Path,
    project=None,
    policy_id: str | None = None,
    output: Path | None = None,
    script: str | None = None,
    guidance: bool = False,
    force: bool = False,
    today: date | None = None,
) -> tuple[Path, str]:
    """Import path into a policy file; returns (the file written, the report). Writes nothing on any failure."""
    from generator.policy_writer import FileExists, dump_policy, write_new
    from generator.schema import validate
    from generator.source import load_document

    path = Path(path)
    raw = read_source(path)
    policy_id = policy_id or slug(path.name)
    if not policy_id:
        raise ImportFailed(f"cannot make a policy id from the file name '{path.name}'; pass one with --id, e.g. --id attendance-rules")
    if not POLICY_ID.match(policy_id) or len(policy_id) > 64:
        raise ImportFailed(f"'{policy_id}' is not a valid policy id: use lower-case letters, digits and single hyphens, e.g. attendance-rules")
    if output is None:
        if project is None:
            raise ImportFailed("no project to write into; pass -o FILE or run inside a Rulebook project")
        output = project.policies / f"{policy_id}.yaml"
    output = Path(output)
    if output.is_dir():
        output = output / f"{policy_id}.yaml"
    if output.exists() and not force:
        raise ImportFailed(f"{_shown(output)} already exists; pass --force to replace it, or -o to write somewhere else")
    # The policy records where its source lives in the project (sources/…), or just its name when it lives elsewhere.
    try:
        recorded = path.resolve().relative_to(project.root.resolve()).as_posix() if project else path.name
    except ValueError:
        recorded = path.name
    result = import_text(
        raw, policy_id, _shown(path), script=script, guidance=guidance, today=today, roles=_project_roles(project),
        provenance_source=recorded,
    )
    comments: dict[str, list[str]] = {}
    for line, col, span, clause_id in result.garbled:
        where = f"source line {line}, column {col}" if line else "source"
        comments.setdefault(clause_id, []).append(
            f"Garbled in the source ({where}): '{span}'. Restore the words and add an entry under editorial_notes."
        )
    text = dump_policy(result.data, output.parent.resolve(), comments)
    doc, problems = load_document(output, text)
    problems += validate(doc, "policy") if doc else []
    if problems:  # a bug here, not a problem of the input: say so rather than write a broken file
        raise ImportFailed(f"the generated policy does not pass the schema ({problems[0].message}); nothing was written")
    try:
        write_new(output, text, force=force)
    except FileExists:
        raise ImportFailed(f"{_shown(output)} already exists; pass --force to replace it") from None
    except OSError as exc:
        raise ImportFailed(f"cannot write {_shown(output)}: {exc.strerror}") from None
    return output, report(result, _shown(output))


def _shown(path: Path) -> str:
    """A path as the user should see it: relative to the current folder when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
