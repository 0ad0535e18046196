"""Chooses a poster's type size: the largest that keeps everything on one sheet, within readable bounds.

A search on the root font size, each trial aimed by how full the last ones left the page; each lays the sheet out with
WeasyPrint and counts the pages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import Protocol

from generator.font_widths import Widths

MM = 72 / 25.4  # points per millimetre

# The smallest rule text a wall poster (A3, A2) may use: 16 pt Chinese is 5.6 mm a character, which a reader with
# normal sight still makes out from two metres. An A4 sheet is the office printer's, hung by a desk or a door and
# read from about a metre: 14 pt. Smaller than that and the sheet is a page of a book.
WALL_MIN_TYPE_PT = 16.0
DESK_MIN_TYPE_PT = 14.0
# The largest, as a share of the sheet's width (A4 42 pt, A3 60 pt, A2 85 pt): beyond it a short poster looks
# like a shout, and the search needs an upper bound.
MAX_TYPE_SHARE = 1 / 14
# The search stops once the bounds are this close; finer steps change nothing a reader could see.
PRECISION_PT = 0.25
# Trials aimed by the share of the page a layout fills, at most; then halving, so that a share that misleads costs a
# few layouts, never the answer.
MAX_AIMED = 8


@dataclass(frozen=True)
class Paper:
    name: str
    width_mm: int
    height_mm: int
    min_type_pt: float

    @property
    def width_pt(self) -> float:
        return self.width_mm * MM

    @property
    def height_pt(self) -> float:
        return self.height_mm * MM

    @property
    def max_type_pt(self) -> float:
        return round(self.width_pt * MAX_TYPE_SHARE, 1)


PAPERS = {
    p.name: p
    for p in (
        Paper("A4", 210, 297, DESK_MIN_TYPE_PT),
        Paper("A3", 297, 420, WALL_MIN_TYPE_PT),
        Paper("A2", 420, 594, WALL_MIN_TYPE_PT),
    )
}


def larger(paper: Paper) -> Paper | None:
    """The next sheet up (A4 → A3 → A2), or None for the largest."""
    names = list(PAPERS)
    i = names.index(paper.name)
    return PAPERS[names[i + 1]] if i + 1 < len(names) else None


class TooLong(Exception):
    """Even the smallest permitted type needs more than one sheet."""

    def __init__(self, paper: Paper, pages: int, overflow: float):
        self.paper, self.pages, self.overflow = paper, pages, overflow
        super().__init__(f"too long for one {paper.name} sheet at {paper.min_type_pt:g} pt")


class Layout(Protocol):
    """A laid-out document, as WeasyPrint's Document is: its pages can be counted."""

    @property
    def pages(self) -> Sized: ...


@dataclass(frozen=True)
class Fit:
    type_pt: float
    layouts: int  # how many trial layouts it took
    layout: Layout  # the WeasyPrint Document laid out at type_pt


def fit(layout: Callable[[float], Layout], paper: Paper, filled: Callable[[Layout], float | None] | None = None) -> Fit:
    """The largest type size in [paper.min_type_pt, paper.max_type_pt] whose layout is one page, within PRECISION_PT.

    layout(size_pt) returns a laid-out WeasyPrint Document. filled(document), where given, is how much of one page the
    content takes (1.3: 30 % too long; None where it cannot tell): the search then aims each trial at the size where
    that share reaches one page, and needs about half the layouts of bisection. Raises TooLong when the smallest size
    overflows.
    """
    tries = 0
    measured: dict[float, float] = {}  # size → share of the page filled, for the layouts that could tell

    def pages(size: float) -> tuple[int, Layout]:
        nonlocal tries
        tries += 1
        document = layout(size)
        share = filled(document) if filled else None
        if share is not None and share > 0:
            measured[size] = share
        return len(document.pages), document

    count, document = pages(paper.min_type_pt)
    if count > 1:
        raise TooLong(paper, count, overflow(lambda s: pages(s)[0], paper.min_type_pt))
    best, best_document = paper.min_type_pt, document
    low, high = paper.min_type_pt, paper.max_type_pt
    high_overflows = False  # the largest size is only known to overflow once it has been laid out
    aimed = 0
    while high - low > PRECISION_PT or not high_overflows:
        target = _aim(measured) if aimed < MAX_AIMED else None
        if target is None or high - low <= 2 * PRECISION_PT:
            size = (low + high) / 2 if high_overflows else high
        else:
            aimed += 1
            # Never closer than PRECISION_PT to a bound, so that each trial narrows the search by that much at least.
            size = min(max(target, low + PRECISION_PT), high - (PRECISION_PT if high_overflows else 0))
        count, document = pages(size)
        if count == 1:
            low, best, best_document = size, size, document
            if size == high:
                break
        else:
            high, high_overflows = size, True
    return Fit(best, tries, best_document)


def _aim(measured: dict[float, float]) -> float | None:
    """The size at which the page would be exactly full, by the shares of the last two trials (secant method): the
    share grows roughly with the square of the size (text takes area), plus a part that does not grow (the masthead,
    the margins)."""
    if not measured:
        return None
    *_, a, b = [None, *measured]
    if a is None:  # one measure cannot tell the part that grows from the part that does not: take all of it to grow
        return b / math.sqrt(measured[b])
    slope = (measured[b] - measured[a]) / (b * b - a * a)
    if slope <= 0:
        return None
    return math.sqrt(max(b * b + (1 - measured[b]) / slope, 0.0))


def overflow(pages: Callable[[float], int], size: float) -> float:
    """How much too long the content is at size, as a share of the sheet (0.3 = 30 % too long; inf: over 8 times).

    The area text needs grows with the square of its size, so the size that would fit tells the excess.
    """
    low, high = size / 3, size
    if pages(low) > 1:
        return float("inf")
    for _ in range(6):
        middle = (low + high) / 2
        if pages(middle) == 1:
            low = middle
        else:
            high = middle
    return (size / low) ** 2 - 1


# Estimating without laying out ----------------------------------------------------------------------------------
#
# What a sheet holds at its smallest type follows from templates/poster/poster.css: the sizes, line heights, margins
# and indents below are that stylesheet's, at the size where every text in the rules is set at the smallest type (its
# `max(…em, min)` sizes all give the minimum there). From them and the fonts' advance widths, estimate() bounds the
# height the poster needs from above (every line as short as the line breaking could leave it, every margin counted)
# and from below (every line full, no margin). Only between the bounds does the poster need laying out.

PX = 96 / 72  # CSS pixels per point: WeasyPrint lays out in pixels
PAGE_MARGINS = (0.07 + 0.07, 0.055 + 0.045)  # @page margin: 5.5% 7% 4.5%, of the sheet's width and height
FOOTER = 0.13 + 0.025  # main::after keeps 13vw + 2.5vw free for the footer; a vw is 1% of the page area's width
BODY_LINE, SECOND_LINE = 1.5, 1.4  # line-height of the text and of a second language
# A line ends where the next unbreakable piece does not fit: at most a piece's width is left empty. Chinese breaks
# between any two characters except next to punctuation that must not begin or end a line, so a piece is at most a
# few characters; a Latin word or number is one piece, with the punctuation on either side of it.
CJK_PIECE_EM = 4.0
PIECE_MARGIN_EM = 2.0
LATIN_RUN = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
# The template sets points and a second language at these shares of the type size, but never below the smallest
# type. The upper bound takes the smallest type, the lower one these shares (and the page area's whole width), so
# both hold whatever the template's floor.
SMALLER = {"points": 0.88, "second": 0.82}
# The bounds count advance widths without kerning, which may set a line of Latin letters a few per cent tighter.
KERNING = 0.95
# The estimate decides when its bound leaves this much room; in between, the poster is laid out.
SURE_FIT, SURE_OVERFLOW = 0.9, 1.1


@dataclass(frozen=True)
class Need:
    """The height a poster needs at the smallest type, as a share of the height its sheet has: bounds from below
    and above, and the share each clause on it takes (upper bound; by clause id)."""

    lower: float
    upper: float
    clauses: tuple[tuple[str, float], ...]


class _Measure:
    def __init__(self, widths: Widths, paper: Paper, main_lang: str):
        self.widths, self.paper = widths, paper
        self.size = paper.min_type_pt * PX  # the root size and, at the smallest type, every rule text's size
        self.width = paper.width_mm / 25.4 * 96 * (1 - PAGE_MARGINS[0])
        self.height = paper.height_mm / 25.4 * 96 * (1 - PAGE_MARGINS[1])
        self.chinese = main_lang.split("-")[0] == "zh"
        self.shortest_piece = CJK_PIECE_EM

    def lines(
        self, text: str, width_px: float, size_px: float, spacing_em: float, extra_em: float, shrink: float
    ) -> tuple[int, int, bool]:
        """(fewest, most, sure): the fewest lines text can take when every line is full and it is set shrink times
        smaller in the page area's whole width; the most it can take in a box width_px wide at size_px, extra_em
        wider; and whether that bound holds (not when a piece of it is too long, a long address say)."""
        if not text:
            return 0, 0, True
        w = self.widths
        lower, upper = w.bounds(text)
        spaced = len(text) * spacing_em
        wide = self.width if shrink < 1 else width_px
        fewest = max(1, math.ceil((lower * KERNING + spaced) * size_px * shrink / wide - 1e-9))
        measure = width_px / size_px
        upper += spaced + extra_em
        piece = self.shortest_piece
        runs = sorted(LATIN_RUN.findall(text), key=len, reverse=True)
        if runs:
            # The few longest runs measured, any other at most as long as the fourth, in the widest letter there is.
            piece = max(piece, *(w.width(run, upper=True) + PIECE_MARGIN_EM for run in runs[:3]))
            if len(runs) > 3:
                widest = max(w.upper.get(c, w.widest) for c in set("".join(runs[3:])))
                piece = max(piece, len(runs[3]) * widest + PIECE_MARGIN_EM)
        piece *= 1 + spacing_em
        if piece > measure / 2:
            return fewest, math.ceil(upper / (measure / 2)) + 1, False
        return fewest, int(upper / (measure - piece)) + 1, True


def estimate(content, paper: Paper, widths: Widths) -> tuple[Need, bool]:
    """Bounds of the height content (a generator.poster.PosterContent) needs on paper at the smallest type, and
    whether the upper bound holds (False: a piece of text too long to bound)."""
    m = _Measure(widths, paper, content.langs[0])
    r = m.size
    sure = True
    # A blank to fill in by hand is printed unbroken (white-space: nowrap): a piece of its own.
    blanks = [s.text for it in _walk(content.items) for v in it.versions for s in (*v.title, *v.text) if s.blank]
    if blanks:
        m.shortest_piece = max(CJK_PIECE_EM, max(widths.width(b, upper=True) for b in blanks) + PIECE_MARGIN_EM)

    def block(
        text: str, width: float, size: float, line: float, spacing: float = 0.0, extra: float = 0.0, shrink: float = 1.0
    ) -> tuple[float, float]:
        """Bounds of a paragraph's height (see _Measure.lines, and SMALLER for shrink)."""
        nonlocal sure
        fewest, most, bounded = m.lines(text, width, size, spacing, extra, shrink)
        sure = sure and bounded
        return fewest * line * size * shrink, most * line * size

    low = high = 0.0
    # The masthead: organisation, title(s), the policy's title, and the rule beneath.
    if content.org:
        lo, hi = block(" · ".join(content.org), m.width, 0.85 * r, BODY_LINE, spacing=0.08)
        low, high = low + lo, high + hi
    for i, title in enumerate(content.title):
        size, line = (2.3 * r, 1.25) if i == 0 else (1.3 * r, SECOND_LINE)
        lo, hi = block(title, m.width, size, line)
        low, high = low + lo, high + hi + 0.15 * size
    if content.policy_title != content.title:
        lo, hi = block(" · ".join(content.policy_title), m.width, 0.75 * r, BODY_LINE)
        low, high = low + lo, high + hi + 0.3 * 0.75 * r
    low += (0.45 + 0.12) * r
    high += (0.45 + 0.12 + 0.8) * r

    shares: list[tuple[str, float]] = []

    def item(it, width: float, shrink: float = 1.0) -> tuple[float, float]:
        """Bounds of one clause's height, its children's included."""
        lo = hi = 0.0
        s = r
        if it.role == "heading":
            if it.titled:
                h2 = 1.25 * r
                first = it.versions[0]
                # An English number is set apart from its title by 0.4 em.
                a, b = block(it.label + _flat(first.title), width, h2, BODY_LINE, extra=0.4)
                lo, hi = lo + a, hi + b + (0.7 + 0.35) * h2
                for v in it.versions[1:]:
                    a, b = block(_flat(v.title), width, r, SECOND_LINE)
                    lo, hi = lo + a, hi + b + 0.1 * r
            for i, v in enumerate(it.versions):
                if v.text:
                    line, smaller = (BODY_LINE, 1.0) if i == 0 else (SECOND_LINE, SMALLER["second"])
                    a, b = block(_flat(v.text), width, s, line, shrink=smaller)
                    lo, hi = lo + a, hi + b + 0.4 * s + (0.1 * s if i else 0)
            if hi:
                shares.append((it.id, hi / m.height))  # the heading's own words; its rules are counted each
            for child in it.children:
                a, b = item(child, width)
                lo, hi = lo + a, hi + b
            return lo, hi
        indent = _indent(it, m.chinese) * s
        body = width - indent
        for i, v in enumerate(it.versions):
            # A title runs into the text after a colon (templates/words.yaml: punct.colon), at most an em wide.
            colon = 1.0 if v.title and v.text else 0.0
            line, smaller = (BODY_LINE, shrink) if i == 0 else (SECOND_LINE, shrink * SMALLER["second"])
            a, b = block(_flat(v.title) + _flat(v.text), body, s, line, extra=colon, shrink=smaller)
            lo, hi = lo + a, hi + b + (0.1 * s if i else 0)
        if it.children:
            hi += 0.2 * s
            for child in it.children:
                a, b = item(child, body, shrink * SMALLER["points"])
                lo, hi = lo + a, hi + b
        hi = max(hi, BODY_LINE * s) + (0.55 if it.role == "rule" else 0.2) * s
        if it.role == "rule":
            shares.append((it.id, hi / m.height))
        return lo, hi

    for it in content.items:
        a, b = item(it, m.width)
        low, high = low + a, high + b
    footer = FOOTER * m.width
    low, high = low + footer, high + footer
    ranked = tuple(sorted(shares, key=lambda s: -s[1]))
    return Need(low / m.height, high / m.height, ranked), sure


def _indent(it, chinese: bool) -> float:
    """The em a rule's or point's number takes beside its text (poster.css: .rule > .label and :lang(zh) .level-N)."""
    if chinese and it.level == 1:
        return 2.2
    if chinese and it.level == 2:
        return 3.1
    return 1.6 if it.role == "rule" else 1.9


def _walk(items):
    for it in items:
        yield it
        yield from _walk(it.children)


def _flat(spans) -> str:
    return "".join(s.text for s in spans)
