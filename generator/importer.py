"""`rulebook import`: turns a regulation saved as text (a Word/PDF export or a scraped web copy) into policy data.

Reads and decodes the file, cleans the text (generator.cleanup), recovers the numbering hierarchy from the patterns in
generator.import_patterns, splits run-in headings, turns blanks into parameters and reports, as a to-do list,
everything a person must still look at; policy_writer turns the data into the YAML file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypedDict

from generator import import_patterns as patterns
from generator.cleanup import BLANK, CJK, FOOTER, NOISE_LINES, CleanText, clean
from generator.headings import join_lines, split_siblings
from generator.model import LEVELS, chinese_numeral, format_label
from generator.scripts import convert


class ImportFailed(Exception):
    """The input cannot be imported; the message says why in one line."""


NUMERAL = "一二三四五六七八九十"

STRONG_BEFORE = "\n。！？；：!?;:"
LEVEL_NAMES = {
    1: ("chapter", "chapters"),
    2: ("section", "sections"),
    3: ("item", "items"),
    4: ("sub-item", "sub-items"),
}
LAW_KINDS = {"law-chapter", "law-section", "article", "article-arabic"}
LIST_KINDS = {"chapter", "section", "item", "sub", "item-paren", "letter", "circled"}
# How the report names each kind of numbered clause, singular and plural.
KIND_NAMES = {
    "law-chapter": ("chapter (第X章)", "chapters (第X章)"),
    "law-section": ("section (第X節)", "sections (第X節)"),
    "article": ("article (第X條)", "articles (第X條)"),
    "article-arabic": ("article (第 N 條)", "articles (第 N 條)"),
    "chapter": ("一、 item", "一、 items"),
    "section": ("（一） item", "（一） items"),
    "item": ("1. item", "1. items"),
    "decimal": ("1.1 item", "1.1 items"),
    "sub": ("(1) item", "(1) items"),
    "item-paren": ("1) item", "1) items"),
    "letter": ("a. item", "a. items"),
    "circled": ("① item", "① items"),
}
# A label that opens an unnumbered sub-item inside an item's text: …提升等。內部培訓：定期組織… (seed 002 四（二）1.).
LABEL = re.compile(rf"(?:^|(?<=[。；]))([{CJK}]{{2,8}})：")

# Titles that say what kind a clause is, compared in Simplified script. Only unambiguous ones: a wrong kind is worse
# than none, and `rulebook check` asks for the missing ones.
KIND_BY_TITLE = {
    "目的": "purpose",
    "目的与依据": "purpose",
    "适用范围": "scope",
    "范围": "scope",
    "基本原则": "principle",
    "原则": "principle",
    "定义": "definition",
    "术语和定义": "definition",
    "术语定义": "definition",
}

# A Q&A page: the accepted answer starts after this line and ends at its comment counter or the next answer.
ACCEPTED_ANSWER = re.compile(r"^[•·●\s]*已被[采採][纳納][为為]最佳回答$")
ANSWER_END = re.compile(r"^(\d+\S{0,3}前\s*\d+\s*[条條][评評][论論]|[•·●].*)$")


class _Placeholders(TypedDict):
    """What an imported policy says until its owner fills it in."""

    version: str
    owner: str
    approver: str
    interval_months: int


PLACEHOLDERS: _Placeholders = {
    "version": "0.1.0",
    "owner": "operations-department",
    "approver": "management",
    "interval_months": 12,
}
TRUNCATION_NOTE = {
    "zh": "本文件匯入自不完整的來源副本：原文在句子中間中斷，其後的內容缺失。",
    "en": "Imported from an incomplete copy of the source: it breaks off mid-sentence and the rest is missing.",
}


@dataclass
class Node:
    """A clause while it is being recovered: where its marker sits in the cleaned text and what follows it."""

    rank: float
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
    kind: str = ""  # the numbering kind (import_patterns.NUMBERING), "" for unnumbered clauses
    inserted: int | None = None  # 第 9-1 條
    path: tuple = ()  # the decimal numbers that name it: (1,) for 1., (1, 2) for 1.2
    restart: bool = False  # a list that starts again at 1 after a paragraph of its article


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
    source_title: str = ""  # the title line as the source has it; empty when the source has none
    left_out_lines: int = 0
    kinds: list[str] = field(default_factory=list)
    numbered: dict[str, int] = field(default_factory=dict)  # numbering kind → clauses
    inserted: int = 0  # articles inserted by an amendment (第 9-1 條)
    paragraphs: int = 0  # unnumbered paragraphs kept after a list
    changed: list[tuple[int, str, str]] = field(default_factory=list)  # offset in the cleaned text, from, to
    tables: list[tuple[int, int]] = field(default_factory=list)  # first and last source line of each table
    encoding: str = "utf_8"
    sources: "SourceMap | None" = None


# ---------------------------------------------------------------------------------------------------------------- input


# A regulation of several hundred pages is well under a megabyte of text; anything far larger is not one.
LARGEST_SOURCE = 5 * 1024 * 1024
ENCODINGS = ("utf_8", "gb18030", "big5", "cp950", "utf_16", "utf_16_le", "utf_16_be")
ENCODING_NAMES = {
    "utf_8": "UTF-8",
    "gb18030": "GB18030",
    "big5": "Big5",
    "cp950": "Big5 (cp950)",
    "utf_16": "UTF-16",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "utf-8-sig": "UTF-8 with BOM",
}


def read_source(path: Path) -> str:
    """The file's text; ImportFailed with a one-line reason for anything that is not non-empty text."""
    return read_source_with_encoding(path)[0]


def read_source_with_encoding(path: Path) -> tuple[str, str]:
    """(text, the encoding it was read in). UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such;
    other text is detected (charset-normalizer, limited to the encodings Chinese documents come in: GB18030, Big5,
    UTF-16). A FIFO, a device or an oversized file is refused before anything is read from it."""
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportFailed(f"{path} is a folder; name a text file")
    if not stat.S_ISREG(info.st_mode):
        what = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(info.st_mode)
            else "a device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "not a regular file"
        )
        raise ImportFailed(f"{path} is {what}; save the document to a file and import that")
    if info.st_size > LARGEST_SOURCE:
        raise ImportFailed(
            f"{path} is {info.st_size / 1024 / 1024:.1f} MB, more than the {LARGEST_SOURCE // 1024 // 1024} MB a regulation's text can be; import the regulation itself, not a collection or a binary file"
        )
    try:
        with open(path, "rb") as f:
            raw = f.read(LARGEST_SOURCE + 1)
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > LARGEST_SOURCE:
        raise ImportFailed(f"{path} is more than {LARGEST_SOURCE // 1024 // 1024} MB; import the regulation itself")
    if b"\0" in raw and raw[:2] not in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 has NUL bytes; other text never does
        raise ImportFailed(f"{path} is a binary file, not text; export the document as plain text (UTF-8) first")
    text, encoding = _decode(path, raw)
    if not text.strip():
        raise ImportFailed(f"{path} is empty")
    return text, encoding


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), "utf_16"
        except UnicodeDecodeError:
            raise ImportFailed(
                f"{path} starts like UTF-16 text but is not; export the document as plain text (UTF-8) first"
            ) from None
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf_8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # UTF-16 without a BOM shows itself by the zero bytes of its Latin letters and digits; without any, it is not.
    candidates = [e for e in ENCODINGS if not e.startswith("utf_16") or b"\0" in raw]
    best = from_bytes(raw, cp_isolation=candidates).best()
    text, encoding = (str(best), best.encoding) if best is not None else ("", "")
    if not _plausible(text):
        text, encoding = _common_chinese(raw)  # short texts: the decoding whose characters are the common ones
    if not _plausible(text):
        if b"\0" in raw:
            raise ImportFailed(f"{path} is a binary file, not text; export the document as plain text (UTF-8) first")
        raise ImportFailed(
            f"{path} is not text in UTF-8, GB18030, Big5 or UTF-16; convert it to UTF-8 first, e.g. iconv -f ENCODING -t UTF-8"
        )
    return text, encoding


def _plausible(text: str) -> bool:
    readable = sum(1 for ch in text if ch.isprintable() or ch.isspace())
    return bool(text) and readable >= 0.98 * len(text) and bool(re.search(f"[{CJK}]", text))


def _common_chinese(raw: bytes) -> tuple[str, str]:
    """The GB18030 or Big5 reading of raw whose Chinese characters are more often common ones (GB 2312, Big5 level
    1): a wrong decoding turns text into rare characters. ("", "") when neither decodes."""

    def common(ch: str, encoding: str) -> bool:
        try:
            code = ch.encode("gb2312" if encoding == "gb18030" else "big5")
        except UnicodeEncodeError:
            return False
        return encoding == "gb18030" or 0xA440 <= int.from_bytes(code, "big") <= 0xC67E

    scored = []
    for encoding in ("gb18030", "big5"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        chinese = re.findall(f"[{CJK}]", text)
        if chinese:
            scored.append((sum(common(ch, encoding) for ch in chinese) / len(chinese), text, encoding))
    if not scored:
        return "", ""
    score, text, encoding = max(scored)
    return (text, encoding) if score >= 0.9 else ("", "")


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


def _tolerant(snippet: str, written_for: dict[str, set[str]] | None = None) -> re.Pattern:
    """A pattern that finds cleaned text in the raw source: either script, half- or full-width punctuation, and the
    pinyin annotations and spaces that cleaning removed. written_for maps a character of the cleaned text to the
    source characters clean-up changed into it (了 → 瞭 by its word, which a single character's conversion misses)."""
    parts = []
    for ch in snippet:
        if re.match(f"[{CJK}]", ch):
            variants = {ch, convert(ch, "zh-Hant", "zh-Hans"), convert(ch, "zh-Hans", "zh-Hant")} | (
                written_for or {}
            ).get(ch, set())
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

    def __init__(
        self,
        raw: str,
        cleaned: str,
        first_line: int = 0,
        last_line: int | None = None,
        skip: AbstractSet[int] = frozenset(),
    ):
        self.raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.cleaned = cleaned
        self.written_for: dict[str, set[str]] = {}
        lines = self.raw.split("\n")
        self.line_starts = [0]
        for line in lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        last = len(lines) - 1 if last_line is None else last_line
        footer = next((i for i, line in enumerate(lines) if FOOTER.match(line.strip())), len(lines))
        self.usable = {
            i
            for i in range(first_line, min(last, footer - 1) + 1)
            if i not in skip and not any(rx.match(lines[i].strip().lstrip("•·● ").strip()) for rx in NOISE_LINES)
        }

    def _line_col(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    def locate(self, offset: int, length: int = 8) -> tuple[int | None, int | None]:
        snippet = self.cleaned[offset : offset + max(length, 8)].split("\n")[0] or self.cleaned[offset : offset + 1]
        pattern = _tolerant(snippet, self.written_for)
        nth = sum(1 for m in pattern.finditer(self.cleaned) if m.start() < offset)
        hits = [m.start() for m in pattern.finditer(self.raw) if self._line_col(m.start())[0] - 1 in self.usable]
        if not hits:
            return None, None
        return self._line_col(hits[min(nth, len(hits) - 1)])


# ------------------------------------------------------------------------------------------------------------- parsing


_NUMERALS = {chinese_numeral(n): n for n in range(1, 1000)} | {"一" + chinese_numeral(n): n for n in range(10, 20)}


def parse_numeral(numeral: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零一 → 101; None for anything that is not a well-formed number up to 999."""
    numeral = numeral.replace("〇", "零").replace("两", "二")
    return int(numeral) if numeral.isdigit() else _NUMERALS.get(numeral)


def _is_strong(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] in STRONG_BEFORE


@dataclass
class _Marker:
    kind: str
    start: int
    end: int
    number: int
    inserted: int | None = None
    prefix: tuple[int, ...] = ()


def _markers(text: str) -> list[_Marker]:
    """Every numbering marker the patterns find, earliest first; where two overlap, the one listed first wins."""
    found = []
    for order, numbering in enumerate(patterns.NUMBERING):
        for m in re.finditer(numbering.pattern, text):
            found.append((m.start(), order, numbering, m))
    markers, last_end = [], 0
    for start, _, numbering, m in sorted(found, key=lambda f: (f[0], f[1])):
        if start < last_end:
            continue
        value, sub = m.group("n"), (m.groupdict().get("sub"))
        kind = numbering.kind
        prefix: tuple[int, ...] = ()
        n: int | None
        if kind == "decimal":
            parts = [int(p) for p in re.split("[.．]", value)]
            prefix, n = tuple(parts[:-1]), parts[-1]
        elif kind == "letter":
            n = ord(value) - 96
        elif kind == "circled":
            n = ord(value) - 0x245F
        else:
            n = parse_numeral(value)
        if not n:
            continue
        inserted = parse_numeral(sub) if sub else None
        markers.append(_Marker(kind, start, m.end(), n, inserted, prefix))
        last_end = m.end()
    return markers


def _reference(text: str, marker: _Marker) -> bool:
    """Whether a 第X條 marker is a reference inside a sentence (依第十七條規定, 本法第三十九條和…)."""
    after = text[marker.end : marker.end + 3].lstrip(" \u3000")
    before = text[max(0, marker.start - 3) : marker.start]
    return after.startswith(patterns.REFERENCE_AFTER) or (
        not _is_strong(text, marker.start) and before.endswith(patterns.REFERENCE_BEFORE)
    )


def _number(node: Node) -> int:
    """The number of a clause find_structure took from a marker: all but the root, until unnumbered ones are added."""
    assert node.number is not None, "find_structure makes every clause but the root from a numbered marker"
    return node.number


def find_structure(text: str, sources: SourceMap) -> tuple[Node, list[Problem]]:
    """The clause tree of cleaned text: every numbering marker that makes sense where it stands, nested by kind.

    A marker is taken when its number is the next one expected at its level (1 after a new parent; articles count
    on across chapters). Where a sentence has just ended, a skipped or repeated number is taken too and reported, so
    that a slip in the source does not swallow a clause. Markers inside blanks ([…]) and 第X條 references never
    count. Kinds nest by their default depth (import_patterns.NUMBERING), except that a kind first seen directly
    under a flexible one (a. b. c., 一、) nests inside it, as the source shows.
    """
    root = Node(rank=0, number=None, start=0)
    stack = [root]
    warnings: list[Problem] = []
    blanks = [(m.start(), m.end()) for m in BLANK.finditer(text)]
    nodes: list[Node] = []
    ranks = {n.kind: n.rank for n in patterns.NUMBERING}
    seen: set[str] = set()
    last_article: tuple[int, int | None] | None = None  # number, inserted number
    for marker in _markers(text):
        kind, n = marker.kind, marker.number
        if any(a <= marker.start < b for a, b in blanks):
            continue
        numbering = patterns.BY_KIND[kind]
        strong = _is_strong(text, marker.start)
        if numbering.law:
            if _reference(text, marker):
                if strong:  # a line that starts like a heading but reads as a reference: say what was assumed
                    line, col = sources.locate(marker.start, marker.end - marker.start + 6)
                    warnings.append(
                        Problem(
                            line,
                            col,
                            f"'{text[marker.start : marker.end + 4].strip()}…' starts a line but reads as a reference to another article; kept in the text of the clause before. If it is a heading, split it there",
                        )
                    )
                continue
            # A document numbers its articles one way: 第 1 條 or 第一條, and the other form is a reference.
            other = "article" if kind == "article-arabic" else "article-arabic" if kind == "article" else None
            if other in seen:
                continue
        if kind == "decimal":
            parent = next((node for node in reversed(stack) if node.path == marker.prefix), None)
            if parent is None:
                if strong and len(text) > marker.end and re.match(f"[{CJK}]", text[marker.end :].lstrip()[:1] or "x"):
                    line, col = sources.locate(marker.start, marker.end - marker.start + 6)
                    shown = ".".join(map(str, marker.prefix + (n,)))
                    warnings.append(
                        Problem(
                            line,
                            col,
                            f"{shown} has no {'.'.join(map(str, marker.prefix))} to belong to; kept in the text of the clause before. Number it by hand if it is a clause",
                        )
                    )
                continue
            rank = parent.rank + 1
            siblings = [c for c in parent.children if c.kind == "decimal"]
            expected = _number(siblings[-1]) + 1 if siblings else 1
        else:
            rank = ranks[kind]
            same = next((node for node in reversed(stack) if node.kind == kind), None)
            top = stack[-1]
            if same is not None:
                rank = same.rank  # siblings share their depth, wherever the first of them was put
            elif (
                top is not root
                and top.kind in patterns.FLEXIBLE
                and not top.children
                and n == 1
                and rank <= top.rank
                and not numbering.law
                and kind in seen
            ):
                rank = top.rank + 1  # a new list right under a flexible marker (b 早退 1、…) nests in it
            if (
                kind not in seen
                and stack[-1] is not root
                and stack[-1].kind in patterns.FLEXIBLE
                and rank <= stack[-1].rank
                and not numbering.law
            ):
                # First seen directly under a flexible kind: the source nests it there (a 迟到 1、… b 早退 1、…).
                shift = stack[-1].rank + 1 - rank
                for other_kind, numbered in ranks.items():
                    if other_kind not in seen and other_kind != kind and numbered > rank:
                        ranks[other_kind] = numbered + shift
                rank = ranks[kind] = stack[-1].rank + 1
                line, col = sources.locate(marker.start, marker.end - marker.start + 6)
                warnings.append(
                    Problem(
                        line,
                        col,
                        f"{format_label(numbering.style, n)} items follow {format_label(patterns.BY_KIND[stack[-1].kind].style, _number(stack[-1]))} and are taken as its parts, here and below; move them up a level if they are not",
                    )
                )
            if kind in ("article", "article-arabic"):
                expected = last_article[0] + 1 if last_article else 1
            else:
                if same is None:
                    parent = next((node for node in reversed(stack) if node.rank < rank), root)
                    earlier = [c for c in parent.children if c.kind == kind]
                    expected = _number(earlier[-1]) + 1 if earlier else 1
                else:
                    expected = _number(same) + 1
        inserted = marker.inserted
        restart = False
        if (
            kind in ("article", "article-arabic")
            and inserted
            and last_article
            and n == last_article[0]
            and inserted == (last_article[1] or 0) + 1
        ):
            ok = True  # 第 9-1 條 after 第 9 條
        elif n == expected:
            ok = (
                strong
                or (not numbering.law and _plausible_weak(text, marker, kind))
                or (numbering.law and not _reference(text, marker))
            )
            if kind == "letter" and not strong and n == 1:
                ok = False  # a lone "a" inside a sentence is a word, not a list
        elif strong and numbering.law and kind not in seen and n > expected and not inserted:
            ok = True  # an excerpt of a law starts where the excerpt starts
            line, col = sources.locate(marker.start, marker.end - marker.start + 6)
            warnings.append(
                Problem(
                    line,
                    col,
                    f"the numbering starts at {format_label(numbering.style, n)}, not at {format_label(numbering.style, 1)}: an excerpt? Kept as numbered in the source; say in the policy which part of the law it holds",
                )
            )
        elif strong and n == 1 and kind in LIST_KINDS and _after_paragraph(text, stack, kind, marker.start):
            ok = restart = True  # a second list in the same article, after a paragraph of its own
        elif strong and expected - 1 <= n <= expected + 2 and not (kind == "letter"):
            ok = True
            line, col = sources.locate(marker.start, marker.end - marker.start + 6)
            shown = format_label(numbering.style if kind != "decimal" else "item", n, inserted)
            if n < expected:
                message = f"{shown} appears twice; kept as numbered in the source. Renumber it, or merge the two"
            else:
                missing = ", ".join(
                    format_label(numbering.style if kind != "decimal" else "item", k) for k in range(expected, n)
                )
                message = f"{shown} follows {format_label(numbering.style if kind != 'decimal' else 'item', expected - 1) if expected > 1 else 'nothing'} ({missing} missing); kept as numbered in the source. Check the source for a lost clause"
            warnings.append(Problem(line, col, message))
        else:
            ok = False
        if not ok:
            continue
        seen.add(kind)
        if kind == "decimal":
            while stack[-1] is not parent:
                stack.pop()
        else:
            while stack[-1].rank >= rank:
                stack.pop()
        node = Node(
            rank=rank,
            number=n,
            start=marker.start,
            end=marker.end,
            parent=stack[-1],
            kind=kind,
            inserted=inserted,
            restart=restart,
        )
        # The numbers a decimal child repeats: 3.1 belongs under 三、 or 3., 3.1.2 under 3.1.
        node.path = (
            marker.prefix + (n,) if kind in ("decimal", "item", "chapter", "section", "law-chapter", "article") else ()
        )
        if kind in ("article", "article-arabic"):
            last_article = (n, inserted)
        stack[-1].children.append(node)
        stack.append(node)
        nodes.append(node)
    for node, following in zip(nodes, nodes[1:] + [None], strict=False):  # with no nodes, [None] is the longer
        node.stop = following.start if following else len(text)
        node.run = text[node.end : node.stop]
    root.end = 0
    root.stop = nodes[0].start if nodes else len(text)
    root.run = text[: root.stop]
    return root, warnings


def _after_paragraph(text: str, stack: list[Node], kind: str, at: int) -> bool:
    """Whether a list marker numbered 1 follows a paragraph that is not part of the list before it (劳动合同法 第四十一条:
    its first list, then 裁减人员时，应当优先留用下列人员：, then a second list)."""
    same = next((node for node in reversed(stack) if node.kind == kind), None)
    if same is None or same.children:
        return False
    lines = [line for line in text[same.end : at].split("\n") if line.strip()]
    return len(lines) >= 2 and lines[0].rstrip()[-1:] in "。；;.!?！？"


def _plausible_weak(text: str, m: _Marker, kind: str) -> bool:
    """Whether a marker that does not follow a sentence end still reads as one (總則（一）目的, 基本原則1.…)."""
    before = text[m.start - 1] if m.start else ""
    after = text[m.end : m.end + 1]
    if kind == "chapter":
        return before not in "、" + NUMERAL and after not in "、" + NUMERAL and not after.isdigit()
    if kind == "letter":
        return bool(re.match(f"[{CJK}]", text[m.end :].lstrip(" \u3000")[:1]))
    return True


def _numbered_as(node: Node) -> str:
    """A clause as the source numbers it (第三條, （二）, 1.2), for a message."""
    if node.number is None:
        return "an unnumbered clause"
    if node.kind == "decimal":
        return ".".join(map(str, node.path))
    return format_label(patterns.BY_KIND[node.kind].style, node.number, node.inserted)


def _trailing_paragraphs(node: Node) -> None:
    """Paragraphs of an article that follow its list stay in the article, after the list, as unnumbered clauses;
    a list that starts again after such a paragraph belongs to it (the paragraph introduces it)."""
    for child in node.children:
        _trailing_paragraphs(child)
    if node.kind not in LAW_KINDS or not any(c.kind in LIST_KINDS for c in node.children):
        return
    arranged: list[Node] = []
    holder: Node | None = None
    for child in node.children:
        if child.restart and arranged and arranged[-1].kind == "paragraph":
            holder = arranged[-1]
        if holder is not None and child.kind in LIST_KINDS:
            child.parent = holder
            holder.children.append(child)
        else:
            holder = None
            arranged.append(child)
        leaf = child
        while leaf.children:
            leaf = leaf.children[-1]
        if leaf.kind not in LIST_KINDS:
            continue
        first, newline, rest = leaf.run.strip("\n").partition("\n")
        if rest.strip() and first.rstrip()[-1:] in "。；;.!?！？":
            at = leaf.run.index(rest)
            paragraph = Node(rank=child.rank, number=None, start=leaf.end + at, parent=node, kind="paragraph", run=rest)
            leaf.run = leaf.run[:at]
            arranged.append(paragraph)
            holder = None
    node.children = arranged


def split_headings(node: Node, script: str) -> None:
    """Title and text of every clause, one sibling group at a time (see headings.split_siblings)."""
    if not node.children:
        return
    # Laws and the articles of rules written like laws carry no run-in headings: only a heading on a line of its
    # own (第一條 目的) is a title; a colon in an article or its list is part of the sentence (主管機關：在中央為…).
    law = node.kind in LAW_KINDS or any(c.kind in LAW_KINDS for c in node.children) or node.kind == "paragraph"
    headings = split_siblings([(child.run, bool(child.children)) for child in node.children], script, openers=not law)
    for child, heading in zip(node.children, headings, strict=True):
        child.title, child.text = heading.title, heading.text
        if child.kind == "closing":  # the issuer and the date: lines of text, no heading
            child.title, child.text = None, join_lines(child.run)
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
    parts = [
        (m.group(1), node.text[m.end() : following.start() if following else len(node.text)])
        for m, following in zip(labels, labels[1:] + [None], strict=True)
    ]
    node.text = node.text[: labels[0].start()].strip() or None
    offset = node.start + len(node.run) - len(node.run.lstrip())
    for title, text in parts:
        node.children.append(
            Node(rank=node.rank + 1, number=None, start=offset, parent=node, title=title, text=text.strip() or None)
        )


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
            child.id = (
                ("intro" if letters == 1 else f"intro-{letters}") if node.rank == 0 else f"{prefix}-{chr(96 + letters)}"
            )
        assign_ids(child, child.id)


# ------------------------------------------------------------------------------------------------------------ building


def _text(zh: str, en: str = "") -> dict:
    return {"zh": zh, "en": en}


def _kind(title: str | None) -> str | None:
    if not title:
        return None
    return KIND_BY_TITLE.get(convert(title, "zh-Hant", "zh-Hans"))


def _clause(node: Node, kinds: list[str], depth: int = 1) -> dict:
    data: dict = {"id": node.id}
    if node.number is not None:
        data["number"] = node.number
        if node.inserted:
            data["inserted"] = node.inserted
        style = patterns.BY_KIND[node.kind].style if node.kind else None
        if style and style != LEVELS.get(depth, "sub-item"):
            data["style"] = style  # the numbering as the source wrote it, where it is not the handbook's default
    kind = _kind(node.title)
    if kind:
        data["kind"] = kind
        kinds.append(kind)
    if node.title:
        data["title"] = _text(node.title)
    if node.text:
        data["text"] = _text(node.text)
    if node.children:
        data["clauses"] = [_clause(child, kinds, depth + 1) for child in node.children]
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
            warnings.append(Problem(line, col, f"{_numbered_as(child)} has no text (the source ends there); left out"))
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
        body = "\n".join(lines[first : last + 1])
        cleaned = clean(body, script)
        sources = SourceMap(
            raw, cleaned.text, first, last, {first + line - 1 for line, why, _ in cleaned.removed if why != "watermark"}
        )
        guidance = True
    else:
        cleaned = clean(raw, script)
        sources = SourceMap(
            raw, cleaned.text, skip={line - 1 for line, why, _ in cleaned.removed if why != "watermark"}
        )
    for _, was, written in cleaned.changed:
        sources.written_for.setdefault(written, set()).add(was)
    text = cleaned.text
    if not text.strip():
        raise ImportFailed(f"{source_name} holds nothing but site noise; there is no document text to import")
    text = re.sub(r"\{([a-z0-9-]+)\}", "｛\\1｝", text)  # literal braces would read as parameters
    closing_at = len(text)
    if cleaned.closing:  # the issuer and date close the document: kept as its last clause, not numbered with the rest
        closing_at = text.rstrip().rfind(cleaned.closing[0])
    root, warnings = find_structure(text[:closing_at], sources)
    if not root.children:
        warnings.append(
            Problem(
                None,
                None,
                "no numbering (第一條, 一、 （一） 1. 1.1 (1) a. ①) found: the whole text is one clause; split it by hand if the source has parts",
            )
        )
    _trailing_paragraphs(root)

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
    if cleaned.closing:
        root.children.append(
            Node(rank=1, number=None, start=closing_at, parent=root, kind="closing", run="\n".join(cleaned.closing))
        )
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
        "provenance": {
            "source": provenance_source or source_name,
            "source_title": source_title or title,
            "truncated": cleaned.truncated,
        },
    }
    if cleaned.truncated:
        data["provenance"]["note"] = _text(
            convert(TRUNCATION_NOTE["zh"], "zh-Hant", cleaned.script), TRUNCATION_NOTE["en"]
        )
    if blanks:
        data["parameters"] = [{"id": pid, "label": _text(label), "value": None} for pid, label in blanks]
    data["clauses"] = [_clause(child, kinds) for child in root.children]
    return ImportResult(
        data=data,
        source=source_name,
        script=cleaned.script,
        counts=counts,
        cleaned=cleaned,
        garbled=garbled,
        warnings=warnings,
        blanks=blanks,
        qa_lines=(qa[1] + 1, qa[2] + 1) if qa else None,
        source_title=source_title,
        left_out_lines=sum(1 for i, line in enumerate(lines) if line.strip() and not (qa[1] <= i <= qa[2]))
        if qa
        else 0,
        kinds=list(dict.fromkeys(kinds)),
        numbered=_numbered(root),
        inserted=sum(1 for n in walk(root) if n.inserted),
        paragraphs=sum(1 for n in walk(root) if n.kind == "paragraph"),
        changed=list(cleaned.changed),
        tables=_tables(raw),
        sources=sources,
    )


def _numbered(root: Node) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in walk(root):
        if node.number is not None:
            counts[node.kind] = counts.get(node.kind, 0) + 1
    return counts


def _tables(raw: str) -> list[tuple[int, int]]:
    """Runs of two or more source lines that read as table rows (cells apart by tabs, bars or wide spaces)."""
    found, start = [], None
    lines = raw.split("\n") + [""]
    for i, line in enumerate(lines, 1):
        if sum(1 for cell in patterns.TABLE_CELL_SEPARATOR.split(line.strip()) if cell.strip()) >= patterns.TABLE_CELLS:
            start = start or i
        else:
            if start and i - start >= 2:
                found.append((start, i - 1))
            start = None
    return found


# -------------------------------------------------------------------------------------------------------------- report


def _structure(result: ImportResult) -> str:
    """The clauses found, named as the source numbers them (8 chapters (第X章), 98 articles (第X條), …), or by
    depth where the source uses the handbook's own numbering (一、 （一） 1. (1))."""
    plain = set(result.numbered) <= {"chapter", "section", "item", "sub", "circled"}
    parts = []
    if plain:
        for depth in sorted(result.counts):
            numbered, unnumbered = result.counts[depth]
            singular, plural = LEVEL_NAMES[min(depth, 4)]
            if numbered:
                parts.append(f"{numbered} {singular if numbered == 1 else plural}")
            if unnumbered and depth == 1:
                parts.insert(0, "an unnumbered introduction")
            elif unnumbered:
                parts.append(f"{unnumbered} unnumbered {singular if unnumbered == 1 else plural}")
        return ", ".join(parts) or "no clauses"
    for kind in sorted(result.numbered, key=lambda k: patterns.BY_KIND[k].rank):
        count = result.numbered[kind]
        singular, plural = KIND_NAMES[kind]
        parts.append(f"{count} {singular if count == 1 else plural}")
        if kind.startswith("article") and result.inserted:
            parts[-1] = parts[-1][:-1] + f", {result.inserted} of them inserted articles such as 第 9-1 條)"
    if result.paragraphs:
        parts.append(f"{result.paragraphs} unnumbered paragraph{'s' * (result.paragraphs != 1)} after a list")
    if result.counts.get(1, [0, 0])[1]:
        parts.insert(0, "an unnumbered introduction")
    return ", ".join(parts) or "no clauses"


def report(result: ImportResult, output: str) -> str:
    """What the import found and did, then a to-do list for the policy owner: each item says where and what to do."""
    d = result.data
    c = result.cleaned
    src = result.source

    def at(line, col=None) -> str:
        return f"{src}:{line}:{col}" if line and col else f"{src}:{line}" if line else src

    out = [f"imported {src} → {output}"]
    read_as = ENCODING_NAMES.get(result.encoding, result.encoding)
    out.append(f"  document   {d['title']['zh']} ({d['type']}, {result.script}, read as {read_as})")
    out.append(f"  structure  {_structure(result)}")
    if result.qa_lines:
        out.append(
            f"  Q&A page   imported the accepted answer (lines {result.qa_lines[0]}-{result.qa_lines[1]}); {result.left_out_lines} other lines (question, other answers, page furniture) left out"
        )
    out.append(
        f"  cleaned    {c.pinyin_removed} pinyin annotation{'s' * (c.pinyin_removed != 1)} removed, {len(c.noise_lines)} noise line{'s' * (len(c.noise_lines) != 1)} removed (page lists, banners, footer, web boilerplate)"
    )
    converted = c.detected != result.script  # asked for the other script: the whole document is converted
    if converted:
        out.append(
            f"  script     converted from {c.detected} to {result.script} as asked ({len(result.changed)} characters)"
        )
    else:
        out.append(
            f"  script     {len(result.changed)} character{'s' * (len(result.changed) != 1)} changed to {result.script}"
            + (" (listed below)" if result.changed else "; the source's own spelling is kept")
        )
    if result.blanks:
        out.append(
            f"  blanks     {len(result.blanks)} → parameters {result.blanks[0][0]} … {result.blanks[-1][0]} (values left empty)"
        )
    else:
        out.append("  blanks     none")
    if c.closing:
        out.append(f"  closing    {' / '.join(c.closing)} (signature and date, kept as the last clause)")
    if d["provenance"]["truncated"]:
        tail = c.text.rstrip()[-12:].replace("\n", " ")
        out.append(f"  truncated  yes: the source ends mid-sentence (…{tail}); recorded in provenance")
    else:
        out.append("  truncated  no")
    out.append(
        f"  kinds      {', '.join(result.kinds) + ' (from titles)' if result.kinds else 'none recognised from titles'}"
    )

    todo: list[tuple[str, list[str]]] = []
    problems = sorted(((w.line or 0, w.col or 0, w.message) for w in result.warnings))
    if problems:
        todo.append(
            (
                "Check the numbering where the importer was unsure; it kept what the source says:",
                [f"{at(line, col)}: {message}" for line, col, message in problems],
            )
        )
    if result.garbled:
        todo.append(
            (
                f"Repair the {len(result.garbled)} garbled span{'s' * (len(result.garbled) != 1)} by hand and record each repair under editorial_notes:",
                [
                    f"{at(line, col)}: '{_excerpt(span)}' in clause {cid}"
                    for line, col, span, cid in sorted(result.garbled, key=lambda g: (g[0] or 0, g[1] or 0))
                ],
            )
        )
    if c.removed:
        todo.append(
            (
                "Make sure no removed line belonged to the regulation (restore it in the policy if one did):",
                [
                    f"{src}:{first}{'-' + str(last) if last != first else ''}: {why}: {_excerpt(text, 40)}"
                    + (f" (and {count - 1} more line{'s' * (count != 2)})" if count > 1 else "")
                    for first, last, why, text, count in _runs(c.removed)
                ],
            )
        )
    if result.changed and not converted:
        pairs: dict[tuple[str, str], list[int]] = {}
        for offset, a, b in result.changed:
            pairs.setdefault((a, b), []).append(offset)
        details = []
        for (a, b), offsets in sorted(pairs.items(), key=lambda p: p[1][0]):
            where = [result.sources.locate(o, 1) if result.sources else (None, None) for o in offsets[:SHOWN_POSITIONS]]
            shown = [f"{line}:{col}" for line, col in where if line] or ["position not found"]
            more = f" and {len(offsets) - SHOWN_POSITIONS} more" if len(offsets) > SHOWN_POSITIONS else ""
            details.append(f"{a} → {b} ({len(offsets)}×) at {src}:{', '.join(shown)}{more}")
        todo.append(
            (
                f"Check the characters changed to {result.script}, leftovers of the other script (words valid in {result.script}, such as 雇主 or 公布, are never changed):",
                details,
            )
        )
    if result.tables:
        todo.append(
            (
                "Convert the tables by hand: their rows were kept as lines of text:",
                [f"{src}:{first}-{last}: {last - first + 1} rows" for first, last in result.tables],
            )
        )
    if result.blanks:
        todo.append(
            (
                "Give the blank parameters meaningful ids (in the text too) and, where the company has decided, values:",
                [f"{pid}: {_excerpt(label, 24)}" for pid, label in result.blanks],
            )
        )
    if d["provenance"]["truncated"]:
        todo.append(
            (
                f"The source breaks off mid-sentence (…{c.text.rstrip()[-12:]}): find the complete document and import it again, or keep the note in provenance so readers know.",
                [],
            )
        )
    if not result.source_title:
        todo.append(
            (
                f"Give the policy its title: the source has no title line, so it is named after the file ('{d['title']['zh']}').",
                [],
            )
        )
    if d["type"] == "regulation":
        missing = [k for k in ("purpose", "scope", "principle") if k not in result.kinds]
        if missing:
            todo.append(
                (
                    f"Set kind: {', '.join(missing)} on the clauses that state them (the handbook requires them of a regulation; no title said so), or add them.",
                    [],
                )
            )
    todo.append(
        (
            f"Fill in the metadata: version {d['version']}, effective {d['effective']}, owner {d['owner']}, approver {d['approver']} and a {d['review']['interval_months']}-month review are placeholders.",
            [],
        )
    )
    todo.append(
        (
            "Rename the clause ids (c1, c1-2, …) to meaningful English ids before publishing; after that, ids never change.",
            [],
        )
    )
    todo.append(
        (
            "Check titles that ran into their text in the source, set kinds, applies_to and topics, then translate every en: ''.",
            [],
        )
    )
    todo.append((f"Run: rulebook check {output}", []))
    out.append("\nto do:")
    for i, (step, details) in enumerate(todo, 1):
        out.append(f"  {i}. {step}")
        out += [f"       {detail}" for detail in details]
    return "\n".join(out)


def _runs(removed: list[tuple[int, str, str]]) -> list[tuple[int, int, str, str, int]]:
    """Removed lines, the page furniture grouped into runs (a site footer of 17 lines is one entry): first and last
    line, the reason, the first line's text and how many lines. Boilerplate lines are listed one by one."""
    runs: list[list] = []
    for line, why, text in removed:
        if runs and runs[-1][2] == why and why in ("site noise", "site footer") and line - runs[-1][1] <= 2:
            runs[-1][1] = line
            runs[-1][4] += 1
        else:
            runs.append([line, line, why, text, 1])
    return [tuple(r) for r in runs]


SHOWN_POSITIONS = 5  # positions listed for each kind of character change; the count says how many there are


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
    if policy_id is not None and not policy_id.strip():
        raise ImportFailed(
            "--id is empty; give the policy an id such as attendance-rules, or leave --id out to make one from the file name"
        )
    raw, encoding = read_source_with_encoding(path)
    policy_id = policy_id or slug(path.name)
    if not policy_id:
        raise ImportFailed(
            f"cannot make a policy id from the file name '{path.name}'; pass one with --id, e.g. --id attendance-rules"
        )
    if not POLICY_ID.match(policy_id) or len(policy_id) > 64:
        raise ImportFailed(
            f"'{policy_id}' is not a valid policy id: use lower-case letters, digits and single hyphens, e.g. attendance-rules"
        )
    if output is None:
        if project is None:
            raise ImportFailed("no project to write into; pass -o FILE or run inside a Rulebook project")
        output = project.policies / f"{policy_id}.yaml"
    output = Path(output)
    if output.is_dir():
        output = output / f"{policy_id}.yaml"
    if output.exists() and not force:
        raise ImportFailed(
            f"{_shown(output)} already exists; pass --force to replace it, or -o to write somewhere else"
        )
    # The policy records where its source lives in the project (sources/…), or just its name when it lives elsewhere.
    try:
        recorded = path.resolve().relative_to(project.root.resolve()).as_posix() if project else path.name
    except ValueError:
        recorded = path.name
    result = import_text(
        raw,
        policy_id,
        _shown(path),
        script=script,
        guidance=guidance,
        today=today,
        roles=_project_roles(project),
        provenance_source=recorded,
    )
    result.encoding = encoding
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
        raise ImportFailed(
            f"the generated policy does not pass the schema ({problems[0].message}); nothing was written"
        )
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
