"""The patterns `rulebook import` recognises in a regulation, as data: numbering, web boilerplate, blanks, closings.

Extend a list here when a new source shows a form the importer misses; generator.importer and generator.cleanup hold
only the logic that uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
CN = "一二三四五六七八九十百零〇两"


@dataclass(frozen=True)
class Numbering:
    """One way of numbering clauses: its name, its regular expression (the number in group `n`, an inserted
    article's second number in `sub`), how deep it sits by default (smaller is outer) and the style it keeps."""

    kind: str
    pattern: str
    rank: float
    style: str
    law: bool = False  # 第X章/節/條: only where a line or sentence starts, never inside a reference (第十七條規定)


# Tried in this order at every position, so longer forms come first (1.1 before 1., （1） before 1)).
NUMBERING = [
    Numbering("law-chapter", rf"第[ \u3000]*(?P<n>[{CN}]{{1,5}}|\d{{1,3}})[ \u3000]*章", 10, "law-chapter", law=True),
    Numbering(
        "law-section", rf"第[ \u3000]*(?P<n>[{CN}]{{1,5}}|\d{{1,3}})[ \u3000]*[節节]", 20, "law-section", law=True
    ),
    Numbering(
        "article",
        rf"第[ \u3000]*(?P<n>[{CN}]{{1,6}})[ \u3000]*[條条](?:之(?P<sub>[{CN}]{{1,3}}))?",
        30,
        "article",
        law=True,
    ),
    Numbering(
        "article-arabic",
        r"第[ \u3000]*(?P<n>\d{1,3})(?:[ \u3000]*[-－][ \u3000]*(?P<sub>\d{1,2}))?[ \u3000]*[條条]",
        30,
        "article-arabic",
        law=True,
    ),
    Numbering("chapter", rf"(?<![{CN}])(?P<n>[{CN}]{{1,3}})、", 40, "chapter"),
    Numbering("section", rf"[（(](?P<n>[{CN}]{{1,3}})[）)]", 50, "section"),
    Numbering("decimal", r"(?<![\d.．A-Za-z\[])(?P<n>\d{1,2}(?:[.．]\d{1,2}){1,3})(?![\d.．%％:：])", 60, "decimal"),
    Numbering("sub", r"[（(](?P<n>\d{1,2})[）)]", 70, "sub-item"),
    Numbering("item", r"(?<![\dA-Za-z.．\[第])(?P<n>\d{1,2})[.．、](?!\d)", 60, "item"),
    Numbering("item-paren", r"(?<![\d（(A-Za-z.．])(?P<n>\d{1,2})[)）]", 75, "item-paren"),
    Numbering("letter", rf"(?<![A-Za-z0-9])(?P<n>[a-z])(?:[.．、)）]|[ \u3000]+(?=[{CJK}]))", 80, "letter"),
    Numbering("circled", r"(?P<n>[①-⑳])", 90, "circled"),
]
BY_KIND = {n.kind: n for n in NUMBERING}

# A line that starts with a number is never the continuation of a wrapped line.
NUMBERED_LINE = re.compile(
    rf"^(第[ \u3000]*[{CN}\d]+[ \u3000]*[章節节條条]|[（(][{CN}\d]+[）)]|[{CN}]+、|\d+[.、．)）]|[①-⑳])"
)

# Kinds that a source may put above any other (a 迟到 1、… b 早退 1、…): a kind first seen directly under one of
# these nests inside it, whatever its default depth.
FLEXIBLE = {"letter", "item-paren", "circled", "sub", "chapter"}

# 第十七條規定… 本法第三十九條和第四十條: a law marker followed or preceded by these words is a reference, not a heading.
REFERENCE_AFTER = tuple(
    "規定 规定 之規定 之规定 第 款 項 项 所定 所稱 所称 至第 、 和第 及第 或第 與第 与第 準用 准用".split()
)
REFERENCE_BEFORE = tuple(
    "本法 本條例 本条例 本規則 本规则 本辦法 本办法 本規定 本规定 本制度 依 依照 按照 根據 根据 前 見 见 和 及 或 、 至 與 与 同".split()
)

# Whole lines a web page adds around a document, matched on the stripped line. Every removed line is reported.
BOILERPLATE_LINES = [
    ("page header", re.compile(r"^(時間|时间)[:：]\s*\d{4}-\d{1,2}-\d{1,2}.*(我要投稿|投稿).*$")),
    ("page header", re.compile(r"^\d{4}-\d{1,2}-\d{1,2}\s+(作者|來源|来源)[:：].*$")),
    ("editor's filler", re.compile(r"^.*(小編|小编).{0,20}(整理|收集|分享|推薦|推荐).*$")),
    ("copyright notice", re.compile(r"^(凡標注|凡标注|凡註明|凡注明).*(版權|版权).*$")),
    (
        "related links",
        re.compile(
            r"^(相關新聞|相关新闻|頻道精選|频道精选|相關閱讀|相关阅读|推薦閱讀|推荐阅读|熱門推薦|热门推荐|上一篇|下一篇)[:：]?.*$"
        ),
    ),
    (
        "download banner",
        re.compile(r"^(下載後可任意編輯|下载后可任意编辑|精選優質文檔-傾情為你奉上|精选优质文档-倾情为你奉上)$"),
    ),
]
# Text a page stamps into the document itself (a watermark in the middle of a sentence). Every removal is reported.
BOILERPLATE_INLINE = [
    ("watermark", re.compile(r"下载后可任意编辑|下載後可任意編輯|精选优质文档-倾情为你奉上|精選優質文檔-傾情為你奉上")),
]
# A content farm's repeat of the title, numbered as one of several versions: 公司考勤管理制度 篇1, …制度1.
TITLE_REPEAT = r"^{title}\s*(篇\s*\d+|\d+)?$"

# A blank to fill in, written as a run of underscores, or as a space before a unit (上午 時至 時, 每月 日).
UNDERSCORE_BLANK = re.compile(r"[_＿]{2,}")
BLANK_UNITS = "時时分秒天日元月年週周%％"
SPACE_BLANK = re.compile(rf"(?<=[{CJK}])(?<![條条章節节款項项號号])[ \u3000]+(?=[{BLANK_UNITS}])")

# The closing block of a signed document: who issued it, then the date.
DATE_LINE = re.compile(
    rf"^([{CN}〇○零]{{4}}|\d{{4}})\s*年\s*([{CN}]{{1,2}}|\d{{1,2}})\s*月\s*([{CN}]{{1,3}}|\d{{1,2}})\s*日$|^\d{{4}}[-./]\d{{1,2}}[-./]\d{{1,2}}$"
)
SIGNATURE_LONGEST = 30  # characters of an issuer's line (勞動和社會保障部, 某某有限公司人力資源部)

# A table row: three or more cells separated by tabs, bars or three or more spaces.
TABLE_CELL_SEPARATOR = re.compile(r"\t|\s*\|\s*| {3,}|\u3000{2,}")
TABLE_CELLS = 3
