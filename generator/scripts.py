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
