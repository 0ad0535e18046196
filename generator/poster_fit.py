"""Chooses a poster's type size: the largest that keeps everything on one sheet, within readable bounds.

Binary search on the root font size; each step lays the sheet out with WeasyPrint and counts the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import Protocol

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


def fit(layout: Callable[[float], Layout], paper: Paper) -> Fit:
    """The largest type size in [paper.min_type_pt, paper.max_type_pt] whose layout is one page.

    layout(size_pt) returns a laid-out WeasyPrint Document. Raises TooLong when the smallest size overflows.
    """
    tries = 0

    def pages(size: float) -> tuple[int, Layout]:
        nonlocal tries
        tries += 1
        document = layout(size)
        return len(document.pages), document

    count, document = pages(paper.min_type_pt)
    if count > 1:
        raise TooLong(paper, count, _overflow(lambda s: pages(s)[0], paper.min_type_pt))
    best, best_document = paper.min_type_pt, document
    count, document = pages(paper.max_type_pt)
    if count == 1:
        return Fit(paper.max_type_pt, tries, document)
    low, high = paper.min_type_pt, paper.max_type_pt
    while high - low > PRECISION_PT:
        middle = (low + high) / 2
        count, document = pages(middle)
        if count == 1:
            low, best, best_document = middle, middle, document
        else:
            high = middle
    return Fit(best, tries, best_document)


def _overflow(pages: Callable[[float], int], size: float) -> float:
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
