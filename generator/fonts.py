"""The fonts printed sheets are set in: which families fontconfig has, and a clear refusal when one is missing.

WeasyPrint would print a missing CJK font as empty boxes without failing, so every printer asks here first.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# WeasyPrint embeds the font of form fields whole, unsubset: with Noto Sans CJK a form is 16 MB and pypdf cannot fill
# it. Form fields use generator.form_font's font instead, built from this 4 MB TrueType font and the Latin letters of
# Noto Sans CJK, which Droid Sans Fallback lacks, cut to the characters people type (about 1.8 MB in the PDF).
FIELD_FONT = "Droid Sans Fallback"
LATIN_FONTS = ("Noto Sans CJK TC", "Noto Sans CJK SC")  # where the form font takes its Latin letters from
PACKAGES = {FIELD_FONT: "fonts-droid-fallback", **{family: "fonts-noto-cjk" for family in LATIN_FONTS}}


class FontsMissing(Exception):
    """Without these fonts WeasyPrint would still write a PDF, with empty boxes in place of every Chinese character."""

    def __init__(self, families: list[str], packages: dict[str, str] | None = None):
        self.families = families
        known = {**PACKAGES, **(packages or {})}
        names = list(dict.fromkeys(known.get(f, "fonts-noto-cjk") for f in families))
        super().__init__(
            f"font{'s' * (len(families) != 1)} not installed: {', '.join(families)}, so the Chinese text would print as "
            f"empty boxes; install with `sudo apt-get install {' '.join(names)}` (or `make setup`) and run again"
        )


# Fonts -------------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def font_files() -> dict[str, tuple[Path, ...]]:
    """Every font family fontconfig knows, with its files, asked through the very library WeasyPrint renders with."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        fonts = fontconfig.FcConfigGetFonts(config, 0)  # FcSetSystem
        files: dict[str, set[Path]] = {}
        value = ffi.new("FcChar8 **")
        for i in range(0 if fonts == ffi.NULL else fonts.nfont):
            if fontconfig.FcPatternGetString(fonts.fonts[i], b"file", 0, value) != 0:
                continue
            path = Path(ffi.string(value[0]).decode("utf-8", "replace"))
            n = 0
            while fontconfig.FcPatternGetString(fonts.fonts[i], b"family", n, value) == 0:
                files.setdefault(ffi.string(value[0]).decode("utf-8", "replace"), set()).add(path)
                n += 1
        return {family: tuple(sorted(paths)) for family, paths in files.items()}
    finally:
        fontconfig.FcConfigDestroy(config)


def installed_families() -> frozenset[str]:
    return frozenset(font_files())


def require_fonts(*families: str, packages: dict[str, str] | None = None) -> None:
    """Raise FontsMissing naming the Debian packages (packages: family → package, from the language registry)."""
    missing = [f for f in dict.fromkeys(families) if f not in installed_families()]
    if missing:
        raise FontsMissing(missing, packages)
