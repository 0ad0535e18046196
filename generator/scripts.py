"""Converts Chinese between Traditional and Simplified script with OpenCC's phrase-level tables.

A policy stores one script; every other script a reader or a check needs is derived here, never stored twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import opencc

from generator.source import safe_load

# The handbook's Traditional is Taiwan's standard (為, 裡, 著), so both directions use the Taiwan tables.
# s2tw, not s2t: s2t turns 考核 into 考覈 and 群 into 羣. tw2s, not t2s: only tw2s knows that 著 is 着 in 穿著 and
# 著裝 but 著 in 顯著 (OpenCC's TWVariantsRevPhrases). Not tw2sp: it also swaps vocabulary (指標 → 指针, 執行 → 运行).
_CONFIG = {("zh-Hans", "zh-Hant"): "s2tw.json", ("zh-Hant", "zh-Hans"): "tw2s.json"}

WORDS_FILE = Path(__file__).with_name("scripts_words.yaml")


@dataclass(frozen=True)
class Direction:
    """What the handbook has reviewed for one direction: the characters whose conversion depends on the word, and
    every word around them with its right form."""

    ambiguous: frozenset[str]
    words: dict[str, str]
    pattern: re.Pattern | None


@dataclass(frozen=True)
class Unreviewed:
    """One occurrence of an ambiguous character that no reviewed word covers, or that converts otherwise."""

    index: int
    char: str
    context: str
    converted: str
    expected: str | None


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@lru_cache(maxsize=None)
def direction(source: str, target: str) -> Direction:
    data = safe_load(WORDS_FILE.read_text(encoding="utf-8"))[f"{source} to {target}"]
    words = dict(data.get("words") or {})
    longest_first = sorted(words, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, longest_first))) if words else None
    return Direction(frozenset(data["ambiguous"]), words, pattern)


def convert(text: str, source: str, target: str) -> str:
    """text written in the source script, in the target script ('zh-Hant' or 'zh-Hans')."""
    if source == target or not text:
        return text
    converted = _converter(_CONFIG[(source, target)]).convert(text)
    reviewed = direction(source, target)
    if reviewed.pattern is None:
        return converted
    if len(converted) != len(
        text
    ):  # OpenCC's tables map character for character; if one ever does not, convert around our words
        pieces, start = [], 0
        for match in reviewed.pattern.finditer(text):
            pieces += [
                _converter(_CONFIG[(source, target)]).convert(text[start : match.start()]),
                reviewed.words[match.group()],
            ]
            start = match.end()
        return "".join(pieces) + _converter(_CONFIG[(source, target)]).convert(text[start:])
    out = list(converted)
    for match in reviewed.pattern.finditer(text):
        out[match.start() : match.end()] = reviewed.words[match.group()]
    return "".join(out)


def unreviewed(text: str, source: str, target: str) -> Iterator[Unreviewed]:
    """Every ambiguous character of text that converts by OpenCC's guess alone, or not to its reviewed word's form."""
    if source == target or not text:
        return
    reviewed = direction(source, target)
    converted = convert(text, source, target)
    covered: dict[int, tuple[int, str]] = {}
    for word in sorted(reviewed.words, key=len, reverse=True):
        for match in re.finditer(f"(?={re.escape(word)})", text):
            for i in range(match.start(), match.start() + len(word)):
                covered.setdefault(i, (match.start(), word))
    for i, char in enumerate(text):
        if char not in reviewed.ambiguous:
            continue
        context = text[max(0, i - 4) : i + 5]
        if i not in covered:
            yield Unreviewed(i, char, context, converted[max(0, i - 4) : i + 5], None)
            continue
        start, word = covered[i]
        if converted[start : start + len(word)] != reviewed.words[word]:
            yield Unreviewed(i, char, context, converted[start : start + len(word)], reviewed.words[word])


# Our own interface words may change vocabulary with the script (列印 → 打印, 資訊 → 信息): converted by phrase with the
# Taiwan/mainland idiom tables. Policy text never is: its words are the source's.
_WORDS_CONFIG = {("zh-Hant", "zh-Hans"): "tw2sp.json", ("zh-Hans", "zh-Hant"): "s2twp.json"}


def convert_words(text: str, source: str, target: str) -> str:
    """Interface words written in the source script, in the target script with that script's usual vocabulary."""
    if source == target or not text or (source, target) not in _WORDS_CONFIG:
        return text
    return _converter(_WORDS_CONFIG[(source, target)]).convert(text)


def forms(word: str) -> set[str]:
    """A word in every form a reader may type it: as written, Simplified, and Traditional as Taiwan writes it."""
    simplified = convert(word, "zh-Hant", "zh-Hans")
    return {word, simplified, convert(simplified, "zh-Hans", "zh-Hant")}
