"""Marks what changed between two versions of one text, as runs of same, removed and added words, trimmed to the change.

Chinese compares by character, other writing by word; a number or a {parameter} is always one token, never split.
"""

from __future__ import annotations

import difflib
import re

# One token each: a number (20, 1,000, 3.5), a {parameter}, a Latin word (with inner ' or -), a run of spaces, or any
# other single character (a Chinese character or a punctuation mark).
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|\{[a-z0-9-]+\}|[A-Za-z]+(?:['’-][A-Za-z]+)*|\s+|.", re.S)
_SENTENCE_END = re.compile(r"[。；！？;!?]|\.(?=\s)")

# A text longer than this shows only the sentences around each change.
TRIM_OVER = 120
# At most this much of an unchanged sentence stands on either side of a change.
CONTEXT = 40

Run = tuple[str, str]  # (tag, text): tag is "same", "removed", "added", or "elided" (unchanged text left out: "…")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def runs(old: str, new: str) -> list[Run]:
    """The whole of both texts as runs, with short common stretches between two changes folded into them.

    A reader takes 「並按照公司請假流程」→「公司不予結算」 as one rewrite, not as two edits around a shared 公司, so an unchanged
    stretch no longer than the changes on both sides of it joins them (as diff-match-patch's semantic clean-up does).
    """
    a, b = tokens(old), tokens(new)
    blocks: list[list[str]] = []  # ["same", text, text] or ["change", old text, new text]
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        kind = "same" if op == "equal" else "change"
        blocks.append([kind, "".join(a[a1:a2]), "".join(b[b1:b2])])
    merged: list[list[str]] = []
    for block in blocks:  # a deletion next to an insertion is one change
        if merged and block[0] == merged[-1][0] == "change":
            merged[-1][1] += block[1]
            merged[-1][2] += block[2]
        else:
            merged.append(block)
    blocks = merged
    changed = True
    while changed:
        changed = False
        for i in range(1, len(blocks) - 1):
            before, same, after = blocks[i - 1], blocks[i], blocks[i + 1]
            if same[0] != "same" or before[0] != "change" or after[0] != "change":
                continue
            if len(same[1]) <= min(max(len(before[1]), len(before[2])), max(len(after[1]), len(after[2]))):
                blocks[i - 1 : i + 2] = [["change", before[1] + same[1] + after[1], before[2] + same[2] + after[2]]]
                changed = True
                break
    out: list[Run] = []
    for kind, first, second in blocks:
        if kind == "same":
            out.append(("same", first))
            continue
        if first:
            out.append(("removed", first))
        if second:
            out.append(("added", second))
    return out


def _head(text: str) -> str:
    """The unchanged text after a change, up to the end of its sentence (and no more than CONTEXT)."""
    end = _SENTENCE_END.search(text)
    cut = end.end() if end else len(text)
    return text[: min(cut, CONTEXT)]


def _tail(text: str) -> str:
    """The unchanged text before a change, from the start of its sentence (and no more than CONTEXT)."""
    starts = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]
    start = starts[-1] if starts else 0
    start = max(start, len(text) - CONTEXT)
    return text[start:].lstrip() if start else text


def trimmed(all_runs: list[Run], length: int) -> list[Run]:
    """Runs of a text of the given length, with unchanged sentences away from the changes left out as "…"."""
    if length <= TRIM_OVER or all(tag == "same" for tag, _ in all_runs):
        return all_runs
    out: list[Run] = []
    last = len(all_runs) - 1
    for i, (tag, text) in enumerate(all_runs):
        if tag != "same":
            out.append((tag, text))
            continue
        before = _head(text) if i > 0 else ""  # closes the sentence of the change before
        after = _tail(text) if i < last else ""  # opens the sentence of the change after
        if len(before) + len(after) >= len(text):
            out.append(("same", text))
            continue
        if before:
            out.append(("same", before))
        out.append(("elided", "…"))
        if after:
            out.append(("same", after))
    return out
