"""Splits a clause heading that runs into its text in the source (`1.市場調研收集市場信息…`) into title and text.

The words that typically open a clause's text are data (OPENERS), read off the seed regulations; the rules using them
are deliberately cautious: when no split is convincing, the whole run stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from generator.cleanup import CJK
from generator.scripts import convert

# Words that open the text after a run-in heading, by how they behave (written in Traditional script; converted
# for Simplified documents). Read off seeds 001 and 004, where almost every item is `<heading><text>` with no separator.
#   prep:     prepositions and verbs that never end a heading: the text starts here.
#   adverb:   like prep, except that a run may start with one and still be a heading (定期會議|運營中心每周召開…)
#             unless another opener follows it at once (定期對…).
#   subject:  nouns that start a sentence as its subject (項目驗收|項目完成後…, 內部審計|公司設立…).
#   heading:  verbs that may also end a heading (推廣策略制定|根據…, 效果評估|定期…): a split here gives way to an
#             opener right after it, or to a later verb or preposition within the heading's length.
OPENERS: dict[str, str] = {
    **dict.fromkeys(
        "根據 負責 全面負責 通過 按照 對 對於 由 為 為了 將 在 經 針對 明確 開展 運用 採取 考察 遵守 加強 梳理 尋找 統籌 "
        "選擇 利用 包括 鼓勵 旨在".split(),
        "prep",
    ),
    **dict.fromkeys("積極 定期 及時 詳細 嚴格 全面 合理 充分 認真".split(), "adverb"),
    **dict.fromkeys(
        "本制度 本辦法 本規定 本細則 本規則 公司 各部門 運營中心 運營部門 運營經理 人力資源部門 上級主管 項目".split(),
        "subject",
    ),
    **dict.fromkeys("制定 建立 評估 設計 規範 協調 收集 受理 組織".split(), "heading"),
}

# Words in which a one-character opener is not an opener (行為規範, 風險應對, 運營經理, 在線學習…).
BOUND_WORDS = (
    "行為 作為 認為 成為 因為 以為 視為 分為 稱為 更為 較為 極為 列為 改為 定為 "
    "應對 面對 相對 絕對 核對 比對 對外 對內 對接 對象 對比 對話 對手 "
    "在線 在職 在崗 存在 現在 正在 所在 潛在 內在 外在 實在 "
    "自由 理由 經由 緣由 經理 經營 經驗 經濟 經費 經常 已經 曾經 即將 必將"
).split()

SENTENCE_PUNCTUATION = "，。；：、！？（）《》「」“”,.;:!?[]\n"
COLON_TITLE_STOPS = SENTENCE_PUNCTUATION.replace("、", "")
TITLE_SHORTEST = {"prep": 2, "adverb": 2, "subject": 2, "repeat": 2, "heading": 3}
TITLE_LONGEST = 12  # longer "headings" found by an opener are really sentences
COLON_TITLE_LONGEST = 25  # an explicit "：" allows longer headings (嚴禁在工作時間內從事與工作無關的事情：…)
LINE_TITLE_LONGEST = 30


@dataclass(frozen=True)
class Heading:
    title: str | None
    text: str | None


@lru_cache(maxsize=None)
def _openers(script: str) -> tuple[dict[str, str], tuple[str, ...]]:
    if script == "zh-Hant":
        return OPENERS, tuple(BOUND_WORDS)
    return {convert(w, "zh-Hant", script): kind for w, kind in OPENERS.items()}, tuple(
        convert(w, "zh-Hant", script) for w in BOUND_WORDS
    )


def join_lines(text: str) -> str:
    """Lines of one run as paragraphs. Clean-up (cleanup.unwrap) has joined the hard wraps already, so every line
    left is one the source kept apart: a title, a heading, a table row, a formula. (A line that still breaks off
    after a comma continues on the next.)"""
    out = ""
    for line in (line.strip() for line in text.split("\n")):
        if line:
            out += ("" if not out or out[-1] in "，、," else "\n") + line
    return out


def explicit(run: str, has_children: bool, script: str, colons: bool = True) -> Heading | None:
    """A split the source marks itself: a line break, a colon, or a bare heading over sub-clauses. None if unmarked."""
    run = run.strip()
    if not run:
        return Heading(None, None)
    first, _, rest = run.partition("\n")
    title = first.strip().rstrip("：:")
    # A heading on a line of its own; a line that breaks off after punctuation (…不得遲到、) is a wrapped sentence.
    if (
        rest.strip()
        and title
        and len(title) <= LINE_TITLE_LONGEST
        and title[-1] not in SENTENCE_PUNCTUATION
        and not re.search("[，。；,;]", title)
    ):
        return Heading(title, join_lines(rest))
    colon = run.find("：") if colons else -1
    # 遲到、早退處理：… is a heading; 包括：… or a colon that ends the run (an introduction to a list) is not.
    if (
        2 <= colon <= COLON_TITLE_LONGEST
        and run[colon + 1 :].strip()
        and not any(ch in COLON_TITLE_STOPS for ch in run[:colon])
    ):
        if run[:colon] not in _openers(script)[0]:
            return Heading(run[:colon], join_lines(run[colon + 1 :]))
    if (
        has_children
        and "\n" not in run
        and len(run) <= LINE_TITLE_LONGEST
        and not any(ch in SENTENCE_PUNCTUATION for ch in run)
    ):
        return Heading(run, None)
    return None


@dataclass(frozen=True)
class _Candidate:
    pos: int
    end: int
    kind: str


def _candidates(segment: str, script: str) -> list[_Candidate]:
    openers, _ = _openers(script)
    found: list[_Candidate] = []
    for pos in range(1, min(len(segment), TITLE_LONGEST + 1)):
        kind = _opener_at(segment, pos, script)
        if kind is not None:
            word = max((w for w in openers if segment.startswith(w, pos)), key=len)
            found.append(_Candidate(pos, pos + len(word), kind))
        else:
            # The heading restated as the sentence's subject: 考核周期考核周期分為… / 客戶服務數據分析分析…
            if pos >= 2 and (
                segment.startswith(segment[:2], pos) or (pos >= 3 and segment[pos - 2 : pos] == segment[pos : pos + 2])
            ):
                found.append(_Candidate(pos, pos + 2, "repeat"))
    return found


def _inside(segment: str, pos: int, word: str) -> bool:
    """Whether the character at pos is part of word as it occurs in segment."""
    start = pos - word.find(segment[pos])
    return segment[pos] in word and start >= 0 and segment.startswith(word, start)


def opener_split(run: str, script: str) -> Heading | None:
    """Title and text split before the word that opens the text, or None when no split is convincing."""
    run = run.strip()
    segment = re.split(f"[{re.escape(SENTENCE_PUNCTUATION)}]", run, maxsplit=1)[0]
    if not re.match(f"[{CJK}]", segment) or _starts_clause(segment, script):
        return None
    best: _Candidate | None = None
    for c in _candidates(segment, script):
        if c.pos < TITLE_SHORTEST[c.kind]:
            continue
        if c.kind == "heading" and segment[c.pos - 1] in "與和及、":
            continue  # the second half of a coordinated heading: 過程監控與協調
        if best is None:
            best = c
            if c.kind != "heading":
                break
            continue
        # 資源協調與整合|協調…: a heading verb joined by 與 to what follows is inside the heading. (和 joins verbs in
        # text: 銷售渠道管理|建立和優化銷售渠道.)
        coordinated = segment[best.end : best.end + 1] in ("與", "及")
        if c.kind == "heading" and (c.pos == best.end or coordinated):
            best = c
        elif c.kind in ("prep", "adverb"):
            best = c
            break
        else:
            break  # a subject after a heading verb is its object: 財務管理與預算|制定公司財務管理制度
    if best is None or best.pos > TITLE_LONGEST:
        return None
    return Heading(run[: best.pos], join_lines(run[best.pos :]))


def _opener_at(segment: str, pos: int, script: str) -> str | None:
    """The kind of opener word starting at pos, if any."""
    openers, bound = _openers(script)
    for word in sorted((w for w in openers if segment.startswith(w, pos)), key=len, reverse=True):
        if len(word) == 1 and any(_inside(segment, pos, b) for b in bound if word in b):
            return None
        return openers[word]
    return None


def _starts_clause(segment: str, script: str) -> bool:
    """A run that begins with a preposition (根據…, 對…) or an adverb and verb (定期對…) is all text: no heading."""
    kind = _opener_at(segment, 0, script)
    if kind == "adverb":
        openers, _ = _openers(script)
        word = max((w for w in openers if segment.startswith(w)), key=len)
        return _opener_at(segment, len(word), script) is not None
    return kind == "prep"


def split_siblings(runs: list[tuple[str, bool]], script: str, openers: bool = True) -> list[Heading]:
    """Headings for one group of sibling clauses, given each one's run of text and whether it has sub-clauses.

    Explicit separators always count. A split found only by an opener word counts when it holds for most of the
    siblings that need one, since a regulation words its items alike; a lone match is more likely a sentence.
    """
    out: list[Heading | None] = [explicit(run, children, script, colons=openers) for run, children in runs]
    pending = [i for i, h in enumerate(out) if h is None]
    found = {i: opener_split(runs[i][0], script) if openers else None for i in pending}
    agree = 2 * sum(h is not None for h in found.values()) > len(pending)
    for i in pending:
        text = join_lines(runs[i][0])
        out[i] = found[i] if agree and found[i] is not None else Heading(None, text or None)
    return out  # type: ignore[return-value]
