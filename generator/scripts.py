"""Converts Chinese between Traditional and Simplified script with OpenCC's phrase-level tables.

A policy stores one script; every other script a reader or a check needs is derived here, never stored twice.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

# Phrase-level conversions (whole words, e.g. 头发 → 頭髮). s2tw, not s2t: s2t turns 考核 into 考覈 and 群 into 羣.
_CONFIG = {("zh-Hans", "zh-Hant"): "s2tw.json", ("zh-Hant", "zh-Hans"): "t2s.json"}


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert(text: str, source: str, target: str) -> str:
    """text written in the source script, in the target script ('zh-Hant' or 'zh-Hans')."""
    if source == target or not text:
        return text
    return _converter(_CONFIG[(source, target)]).convert(text)


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
