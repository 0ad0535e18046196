"""How wide the installed fonts set each character, read from the font files with fontTools, so that a poster's length
can be estimated without laying it out; kept in the cache folder, since reading a CJK font takes half a second.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import repeat
from pathlib import Path

from generator.pdf_cache import default_root, write_atomically

FORMAT = 2  # of the stored tables; a change of what they hold changes it


@dataclass(frozen=True, eq=False)
class Widths:
    """Advance widths in em of one family, the wider (upper) and the narrower (lower) of its regular and bold faces.

    Only characters whose advance is not one em are listed (a CJK font sets its ideographs and their punctuation one
    em wide); a character the font lacks is taken as widest for the upper bound and as zero for the lower.
    """

    upper: dict[str, float]
    lower: dict[str, float]
    em: tuple[tuple[int, int], ...]  # the ranges of code points both faces set one em wide
    widest: float  # the widest advance of the family, in em
    files: tuple[tuple[str, int, int], ...]  # (path, size, modification time) of the font files read

    @cached_property
    def _em_wide(self) -> dict[int, None]:
        """str.translate's table that deletes every character one em wide, leaving those whose width is looked up."""
        return dict.fromkeys(p for a, b in self.em for p in range(a, b + 1))

    def width(self, text: str, upper: bool) -> float:
        """The advance of text in em, before kerning: an upper or a lower bound of what it is set in."""
        table = self.upper if upper else self.lower
        odd = text.translate(self._em_wide)
        missing = self.widest if upper else 0.0
        return len(text) - len(odd) + sum(map(table.get, odd, repeat(missing)))

    def bounds(self, text: str) -> tuple[float, float]:
        """(lower, upper) bounds of the advance of text in em, in one pass."""
        odd = text.translate(self._em_wide)
        em = len(text) - len(odd)
        if not odd:
            return em, em
        return (
            em + sum(map(self.lower.get, odd, repeat(0.0))),
            em + sum(map(self.upper.get, odd, repeat(self.widest))),
        )


def _ranges(points: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for point in sorted(points):
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return ranges


def _locate(family: str) -> list[tuple[Path, int]] | None:
    """The files (and their index in a collection) fontconfig sets family in, regular and bold, as WeasyPrint would
    find them; asked at once, since each answer takes fontconfig a while."""
    if shutil.which("fc-match") is None:
        return None
    asked: list[subprocess.Popen] = []
    try:
        for weight in ("regular", "bold"):
            asked.append(
                subprocess.Popen(
                    ["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{family}:weight={weight}"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
            )
        answers = [(run.communicate(timeout=20)[0], run.returncode) for run in asked]
    except (OSError, subprocess.SubprocessError):
        for run in asked:
            run.kill()
        return None
    faces = []
    for out, code in answers:
        names, file, index = (out.split("\n") + ["", "", ""])[:3]
        if code != 0 or family not in names.split(",") or not file:
            return None
        faces.append((Path(file), int(index or 0)))
    return faces


@lru_cache(maxsize=None)
def widths(family: str) -> Widths | None:
    """The advance widths of family, or None when fontconfig, fontTools or the family is missing (then nothing is
    estimated, and a poster is laid out to know whether it fits)."""
    faces = _locate(family)
    if faces is None:
        return None
    stamps = []
    for path, index in faces:
        try:
            stat = path.stat()
        except OSError:
            return None
        stamps.append((str(path), index, stat.st_size, stat.st_mtime_ns))
    key = hashlib.sha256(json.dumps([FORMAT, family, stamps]).encode()).hexdigest()
    store = default_root() / "font-widths" / f"{key}.json"
    tables = _read(store)
    if tables is None:
        tables = _measure(faces)
        if tables is None:
            return None
        _write(store, tables)
    regular, bold, em, widest = tables
    upper = {c: max(regular.get(c, 1.0), bold.get(c, 1.0)) for c in {*regular, *bold}}
    lower = {c: min(regular.get(c, 1.0), bold.get(c, 1.0)) for c in {*regular, *bold}}
    return Widths(upper, lower, tuple((a, b) for a, b in em), widest, tuple((s[0], s[2], s[3]) for s in stamps))


def _measure(faces: list[tuple[Path, int]]) -> tuple[dict, dict, list, float] | None:
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        return None
    tables, em_sets, widest = [], [], 0.0
    for path, index in faces:
        try:
            font = TTFont(str(path), fontNumber=index, lazy=True)
            units = font["head"].unitsPerEm
            metrics = font["hmtx"].metrics
            cmap = font.getBestCmap()
            widest = max(widest, font["hhea"].advanceWidthMax / units)
        except Exception:  # a font fontTools cannot read: nothing is estimated
            return None
        odd: dict[str, float] = {}
        em: set[int] = set()
        for point, glyph in cmap.items():
            if 0xD800 <= point <= 0xDFFF or glyph not in metrics:
                continue
            advance = metrics[glyph][0] / units
            if advance == 1.0:
                em.add(point)
            else:
                odd[chr(point)] = advance
        tables.append(odd)
        em_sets.append(em)
    return tables[0], tables[1], _ranges(list(em_sets[0] & em_sets[1])), widest


def _read(store: Path) -> tuple[dict, dict, list, float] | None:
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
        return data["regular"], data["bold"], data["em"], float(data["widest"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(store: Path, tables: tuple[dict, dict, list, float]) -> None:
    regular, bold, em, widest = tables
    text = json.dumps({"regular": regular, "bold": bold, "em": em, "widest": widest}, ensure_ascii=False)
    try:
        write_atomically(store, text.encode("utf-8"))
    except OSError:
        pass
