"""Settles the form fields WeasyPrint writes so that every reader shows the same thing: ticks and typed text appear in
poppler (Evince, Okular, pdftoppm), PDFium (Chrome) and MuPDF, whether the form is filled in a viewer or with pypdf.
"""

from __future__ import annotations

import io
from typing import cast

import pypdf
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

# ZapfDingbats is one of the 14 fonts every reader has: a checkbox's /DA must name a font (poppler draws nothing
# without a Tf), and /MK /CA "4" is its check mark, what a reader draws when it makes the box's appearance itself.
TICK_FONT = "/ZaDb"
TICK_CHARACTER = "4"
MULTILINE = 1 << 12  # /Ff bit 13 (ISO 32000-1, table 228)
RADIO = 1 << 15  # /Ff bit 16 (ISO 32000-1, table 226)


def settle(pdf: bytes) -> bytes:
    """The PDF with every checkbox given a font, a caption and an appearance for both states, multiline text fields
    set to shrink their type to fit, and /NeedAppearances false, so readers draw the appearances the file carries.

    Why false: with it true poppler throws away the boxes' appearances and, lacking a usable /DA, draws none.
    """
    # An incremental update: WeasyPrint's compressed objects stay as they are (a rewrite would grow the file by a
    # tenth) and only the changed fields are appended.
    writer = pypdf.PdfWriter(io.BytesIO(pdf), incremental=True)
    if "/AcroForm" not in writer.root_object:
        return pdf
    form = cast(DictionaryObject, writer.root_object["/AcroForm"].get_object())
    resources = cast(DictionaryObject, form.setdefault(NameObject("/DR"), DictionaryObject()).get_object())
    fonts = cast(DictionaryObject, resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object())
    if TICK_FONT not in fonts:
        fonts[NameObject(TICK_FONT)] = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/ZapfDingbats"),
                }
            )
        )
    form[NameObject("/NeedAppearances")] = pypdf.generic.BooleanObject(False)
    _radio_groups(writer, form)
    for page in writer.pages:
        for ref in cast(list, page.get("/Annots", [])):
            widget = ref.get_object()
            if widget.get("/Subtype") != "/Widget":
                continue
            _upright(widget)
            kind = widget.get("/FT")
            if kind == "/Btn":
                _checkbox(writer, widget)
            elif kind == "/Tx":
                _text(widget)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _radio_groups(writer: pypdf.PdfWriter, form: DictionaryObject) -> None:
    """Each group of HTML radio buttons as one check box field with a box per value: exclusive, since a field has
    one value, and named by value ('done'), the name a filled form and the exports share.

    Not a PDF radio field: pypdf writes a radio group's value as a string (py-pdf/pypdf#3630), and poppler, asked to
    redraw the fields, then draws no button at all; a check box field's boxes it draws from their own state.
    WeasyPrint also names each button as a field of its own and lists it among the form's fields, so pypdf and some
    readers take it for a separate check box; and it names the states 0, 1, 2 with the values in /Opt.
    """
    fields = cast(ArrayObject, form["/Fields"])
    buttons = set()
    for ref in list(fields):
        group = ref.get_object()
        if group.get("/FT") != "/Btn" or not int(group.get("/Ff", 0)) & RADIO:
            continue
        values = [str(v) for v in cast(ArrayObject, group.get("/Opt", ArrayObject()))]
        group[NameObject("/V")] = NameObject("/Off")
        for index, kid_ref in enumerate(cast(ArrayObject, group.get("/Kids", ArrayObject()))):
            buttons.add(kid_ref.idnum)
            kid = kid_ref.get_object()
            for key in ("/T", "/TU", "/FT", "/V"):
                kid.pop(key, None)
            x1, y1, x2, y2 = (float(v) for v in cast(ArrayObject, kid["/Rect"]))
            width, height = abs(x2 - x1), abs(y2 - y1)
            state = NameObject("/" + values[index]) if index < len(values) else NameObject(f"/{index}")
            was_on = kid.get("/AS") not in (None, "/Off")
            kid[NameObject("/AP")] = DictionaryObject(
                {
                    NameObject("/N"): DictionaryObject(
                        {
                            state: writer._add_object(_tick(width, height)),
                            NameObject("/Off"): writer._add_object(_form_xobject(b"", width, height)),
                        }
                    )
                }
            )
            kid[NameObject("/AS")] = state if was_on else NameObject("/Off")
            if was_on:
                group[NameObject("/V")] = state
            kid[NameObject("/DA")] = TextStringObject(f"{TICK_FONT} 0 Tf 0 g")
            look = kid.setdefault(NameObject("/MK"), DictionaryObject()).get_object()
            look[NameObject("/CA")] = TextStringObject(TICK_CHARACTER)
        group.pop("/Opt", None)
        group[NameObject("/Ff")] = pypdf.generic.NumberObject(0)  # a check box: ticked again, it clears
        group[NameObject("/DA")] = TextStringObject(f"{TICK_FONT} 0 Tf 0 g")
    form[NameObject("/Fields")] = ArrayObject(ref for ref in fields if ref.idnum not in buttons)


def _upright(widget: DictionaryObject) -> None:
    """WeasyPrint writes /Rect top before bottom; some readers then place the appearance off the box."""
    x1, y1, x2, y2 = (float(v) for v in cast(ArrayObject, widget["/Rect"]))
    widget[NameObject("/Rect")] = ArrayObject(
        FloatObject(round(v, 4)) for v in (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    )


def _da(widget: DictionaryObject) -> tuple[str, float, str]:
    """(font name, size, colour operators) of a /DA; WeasyPrint's also sets a graphics state, which /DA may not."""
    words = str(widget.get("/DA", "")).split()
    font, size = TICK_FONT, 0.0
    for i, word in enumerate(words):
        if word == "Tf" and i >= 2:
            font, size = words[i - 2], float(words[i - 1])
    colour = next((" ".join(words[i - 3 : i + 1]) for i, w in enumerate(words) if w == "rg" and i >= 3), "0 g")
    return font, size, colour


def _checkbox(writer: pypdf.PdfWriter, widget: DictionaryObject) -> None:
    x1, y1, x2, y2 = (float(v) for v in cast(ArrayObject, widget["/Rect"]))
    width, height = x2 - x1, y2 - y1
    widget[NameObject("/DA")] = TextStringObject(f"{TICK_FONT} 0 Tf 0 g")
    look = widget.setdefault(NameObject("/MK"), DictionaryObject()).get_object()
    look[NameObject("/CA")] = TextStringObject(TICK_CHARACTER)
    normal = (
        widget.setdefault(NameObject("/AP"), DictionaryObject())
        .get_object()
        .setdefault(NameObject("/N"), DictionaryObject())
        .get_object()
    )
    if "/Off" not in normal:
        normal[NameObject("/Off")] = writer._add_object(_form_xobject(b"", width, height))
    on = [name for name in normal if name != "/Off"]
    if not on:
        normal[NameObject("/Yes")] = writer._add_object(_tick(width, height))
    if widget.get("/AS") not in normal:
        widget[NameObject("/AS")] = NameObject("/Off")


def _tick(width: float, height: float) -> DecodedStreamObject:
    size = min(width, height) * 0.8
    body = (
        f"q 0 g BT {TICK_FONT} {size:.2f} Tf {(width - size * 0.85) / 2:.2f} {(height - size * 0.7) / 2:.2f} Td "
        f"({TICK_CHARACTER}) Tj ET Q"
    ).encode()
    stream = _form_xobject(body, width, height)
    stream[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject(
                {
                    NameObject(TICK_FONT): DictionaryObject(
                        {
                            NameObject("/Type"): NameObject("/Font"),
                            NameObject("/Subtype"): NameObject("/Type1"),
                            NameObject("/BaseFont"): NameObject("/ZapfDingbats"),
                        }
                    )
                }
            )
        }
    )
    return stream


def _form_xobject(body: bytes, width: float, height: float) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(body)
    stream.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(round(v, 4)) for v in (0, 0, width, height)),
        }
    )
    return stream


def _text(widget: DictionaryObject) -> None:
    font, size, colour = _da(widget)
    if int(widget.get("/Ff", 0)) & MULTILINE:
        size = 0  # auto: the reader shrinks the type until the note fits the box
    widget[NameObject("/DA")] = TextStringObject(f"{font} {size:g} Tf {colour}")
