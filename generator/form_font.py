"""Builds the font of PDF form fields: Droid Sans Fallback with what it lacks drawn in from Noto Sans CJK (Latin letters,
signs such as ℃ № ✓, Extension B characters of names), cut to the characters people type; kept in the cache folder.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from generator import pdf_cache
from generator.fonts import FIELD_FONT, LATIN_FONTS, font_files, require_fonts

FORM_FONT = "Rulebook Form"

# What people type into a form besides Chinese: ASCII, Latin-1 (café, ±, °), dashes, quotes, the euro sign.
LATIN = (*range(0x20, 0x7F), *range(0xA0, 0x100), 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x20AC)
# What offices write besides words: degrees Celsius, numero, ticks and crosses, circled numbers, boxes.
SIGNS = (
    0x2103,
    0x2116,
    0x2713,
    0x2714,
    0x2717,
    0x2718,
    *range(0x2460, 0x2474),
    0x25A1,
    0x25A0,
    0x25CB,
    0x25CF,
    0x2610,
    0x2611,
    0x2612,
)
# CJK Extension B: characters of real names (𠮷, the HKSCS ones) that Droid Sans Fallback lacks; Noto Sans CJK has
# about two thousand of them.
EXTENSION_B = range(0x20000, 0x2A6E0)
# The Chinese a form holds: the CJK Unified Ideographs block (20,902 characters: all of GB 2312, GBK and Big5, the
# national character sets of the mainland and Taiwan, so nearly every name in either script) and Extension B, with
# CJK punctuation, kana and full-width forms. Droid Sans Fallback's Extension A (6,582 rare characters) and its other
# blocks are left out, so a form embeds about 1.8 MB instead of 2.5 MB (GB 2312 and Big5 alone would make 1.5 MB but
# lose name characters such as 堃 and 喆). A character beyond these is still kept as the field's value (and read
# back by `acknowledgements collect`), but a viewer may draw it as a blank.
IDEOGRAPHS = range(0x4E00, 0xA000)
PUNCTUATION = (
    *range(0x2000, 0x2070),
    *range(0x2190, 0x2200),
    *range(0x3000, 0x3100),
    *range(0xFE30, 0xFE50),
    *range(0xFF00, 0xFFF0),
)


def _face(family: str) -> TTFont:
    """The face of family named so, from its file (Noto's files are collections of several families)."""
    for path in font_files().get(family, ()):
        for number in range(16 if path.suffix.lower() in (".ttc", ".otc") else 1):
            try:
                font = TTFont(path, fontNumber=number, recalcBBoxes=False, recalcTimestamp=False)
            except Exception:  # past the last face of a collection, or not a font fontTools reads
                break
            names = {font["name"].getDebugName(1), font["name"].getDebugName(16)}
            style = font["name"].getDebugName(2)
            if family in names and style in ("Regular", None):
                return font
    raise LookupError(family)


@lru_cache(maxsize=1)
def form_font() -> bytes:
    """The form font (TrueType, about 3.5 MB; 1.8 MB deflated as a PDF stores it): read from the cache folder, or built
    there in about ten seconds, once for each version of the font files and of this module."""
    latin_family = next((f for f in LATIN_FONTS if f in font_files()), LATIN_FONTS[0])
    require_fonts(FIELD_FONT, latin_family)
    sources = [*font_files()[FIELD_FONT], *font_files()[latin_family]]
    key = pdf_cache.key("form-font", pdf_cache.file_stamps(sources), pdf_cache.file_digests([Path(__file__)]))
    store = pdf_cache.PdfCache(kind="form-font")
    kept = store.get(key)
    if kept is not None:
        return kept.data
    font = _merged(latin_family)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the family name FORM_FONT, by which the PDF's fields ask for it
    options.notdef_outline = True
    options.layout_features = []  # fields are set one character after another, horizontally
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG"]
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=_typed(font.getBestCmap()))
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = out.getvalue()
    store.put(key, data)
    return data


def _typed(mapped: dict[int, str]) -> set[int]:
    """The characters of mapped that a form keeps: IDEOGRAPHS, EXTENSION_B, LATIN, SIGNS and PUNCTUATION."""
    return {*LATIN, *SIGNS, *PUNCTUATION, *IDEOGRAPHS, *EXTENSION_B} & mapped.keys()


def _merged(latin_family: str) -> TTFont:
    """Droid Sans Fallback with LATIN, SIGNS and EXTENSION_B drawn in from latin_family where it lacks them."""
    base, latin = _face(FIELD_FONT), _face(latin_family)
    scale = base["head"].unitsPerEm / latin["head"].unitsPerEm
    have, source, drawn = base.getBestCmap(), latin.getBestCmap(), latin.getGlyphSet()
    glyf, hmtx, maxp = base["glyf"], base["hmtx"], base["maxp"]
    order = list(base.getGlyphOrder())
    taken, added = set(order), {}
    for code in (*LATIN, *SIGNS, *EXTENSION_B):
        if code in have or code not in source:
            continue
        pen = TTGlyphPen(None)
        # Noto's outlines are cubic (CFF); TrueType needs quadratic ones, in the smaller font's units.
        drawn[source[code]].draw(
            TransformPen(Cu2QuPen(pen, max_err=0.5, reverse_direction=True), (scale, 0, 0, scale, 0, 0))
        )
        glyph_name = f"uni{code:04X}"
        while glyph_name in taken:
            glyph_name += ".latin"
        taken.add(glyph_name)
        glyph = pen.glyph()
        glyph.recalcBounds(glyf)
        glyf.glyphs[glyph_name] = glyph
        order.append(glyph_name)
        hmtx.metrics[glyph_name] = (round(drawn[source[code]].width * scale), getattr(glyph, "xMin", 0))
        if glyph.numberOfContours > 0:
            maxp.maxPoints = max(maxp.maxPoints, len(glyph.coordinates))
            maxp.maxContours = max(maxp.maxContours, glyph.numberOfContours)
        added[code] = glyph_name
    base.setGlyphOrder(order)
    glyf.glyphOrder = order
    maxp.numGlyphs = len(order)
    bmp = {code: name for code, name in added.items() if code <= 0xFFFF}
    for table in base["cmap"].tables:
        if table.isUnicode():
            table.cmap.update(added if table.format in (12, 13) else bmp)
    if any(code > 0xFFFF for code in added) and not any(t.format == 12 for t in base["cmap"].tables):
        # Characters beyond the first plane (Extension B) need a format 12 table: format 4 holds 16-bit codes only.
        from fontTools.ttLib.tables._c_m_a_p import cmap_format_12

        full = cmap_format_12(12)
        full.platformID, full.platEncID, full.language = 3, 10, 0
        full.cmap = {**base.getBestCmap(), **added}
        base["cmap"].tables.append(full)
    # Vertical metrics would need an entry per new glyph; form fields are written horizontally.
    for tag in ("vhea", "vmtx"):
        if tag in base:
            del base[tag]
    base["post"].formatType = 3.0  # no glyph names: smaller, and nothing reads them
    for record in base["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FORM_FONT
        elif record.nameID == 6:
            record.string = "RulebookForm"
    return base
