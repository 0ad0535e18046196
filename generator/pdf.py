"""Prints the project's HTML to PDF safely, for posters and checklists alike: WeasyPrint may read only the project's
templates/ folder and data: URIs, the CJK fonts must be installed, and form fields get a font that fills with Chinese.
"""

from __future__ import annotations

import logging
import mimetypes
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint

# Named explicitly: with a generic family or lang="zh-Hant", fontconfig picks the Japanese face.
PAGE_FONTS = {"zh-Hant": "Noto Sans CJK TC", "zh-Hans": "Noto Sans CJK SC"}
# WeasyPrint embeds the font of form fields whole, unsubset: with Noto Sans CJK a form is 16 MB and pypdf cannot fill
# it. Form fields use FORM_FONT instead, which generator.form_font builds from this 4 MB TrueType font (about 2.3 MB
# in the PDF) and the Latin letters of Noto Sans CJK, which Droid Sans Fallback lacks.
FIELD_FONT = "Droid Sans Fallback"
FORM_FONT = "Rulebook Form"
FORM_FONT_URL = "rulebook:form-font.ttf"
FONT_PACKAGES = {"Noto Sans CJK TC": "fonts-noto-cjk", "Noto Sans CJK SC": "fonts-noto-cjk", FIELD_FONT: "fonts-droid-fallback"}


class PrintError(Exception):
    """A PDF that must not be written; the message says why and what to do."""


class FontsMissing(PrintError):
    """Without these fonts WeasyPrint would still write a PDF, with empty boxes in place of every Chinese character."""

    def __init__(self, families: list[str]):
        self.families = families
        packages = list(dict.fromkeys(FONT_PACKAGES.get(f, "fonts-noto-cjk") for f in families))
        super().__init__(
            f"font{'s' * (len(families) != 1)} not installed: {', '.join(families)}, so the Chinese text would print as "
            f"empty boxes; install with `sudo apt-get install {' '.join(packages)}` (or `make setup`) and run again"
        )


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


def require_fonts(*families: str) -> None:
    missing = [f for f in dict.fromkeys(families) if f not in installed_families()]
    if missing:
        raise FontsMissing(missing)


class AssetFetcher(weasyprint.URLFetcher):
    """Serves the files inside one folder and data: URIs, and refuses every other URL (other files, http, ftp).

    WeasyPrint's default fetcher reads any file:// URL, and `<link rel=attachment>` would embed it in the PDF.
    """

    def __init__(self, root: Path, made: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = Path(root).resolve()
        self.made = made or {}  # url → (body, content type) of files made in memory, e.g. the form font
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url in self.made:
            body, kind = self.made[url]
            return weasyprint.urls.URLFetcherResponse(url, body, {"Content-Type": kind})
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return weasyprint.urls.URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        self.refused.append(url)
        raise ValueError(f"only files under {self.root} may be used: refused {url}")


def html(source: str, assets: Path, made: dict[str, tuple[bytes, str]] | None = None) -> weasyprint.HTML:
    """A WeasyPrint document whose relative URLs resolve inside assets, and which can read nothing else."""
    return weasyprint.HTML(string=source, base_url=Path(assets).resolve().as_uri() + "/", url_fetcher=AssetFetcher(assets, made))


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def weasyprint_warnings() -> Iterator[list[str]]:
    """The warnings WeasyPrint logs meanwhile: missing glyphs and refused URLs show up only there."""
    collect, logger = _Collect(), logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        yield collect.messages
    finally:
        logger.removeHandler(collect)


@dataclass
class Printed:
    pdf: bytes
    pages: int
    fonts: set[str]
    warnings: list[str] = field(default_factory=list)


def print_pdf(source: str, assets: Path, *, forms: bool = False, name: str = "the PDF", **options) -> Printed:
    """Print HTML (relative URLs resolve inside assets) to PDF bytes; forms=True makes its form controls PDF fields,
    whose text the templates set in FORM_FONT.

    Raises PrintError rather than return a PDF with empty boxes or with an asset the template was refused.
    """
    from weasyprint.text.fonts import FontConfiguration

    made, font_config, stylesheets = {}, FontConfiguration(), []
    if forms:
        from generator.form_font import form_font

        # Served by URL, not inlined as data: tinycss2 takes seconds over a 5 MB data: URI.
        made[FORM_FONT_URL] = (form_font(), "font/ttf")
    document = html(source, assets, made)
    fetcher: AssetFetcher = document.url_fetcher
    if forms:
        face = f'@font-face {{ font-family: "{FORM_FONT}"; src: url("{FORM_FONT_URL}") format("truetype"); }}'
        stylesheets.append(weasyprint.CSS(string=face, font_config=font_config, url_fetcher=fetcher))
    with weasyprint_warnings() as warnings:
        laid_out = document.render(font_config=font_config, stylesheets=stylesheets, pdf_forms=forms, **options)
        pdf = laid_out.write_pdf(pdf_forms=forms, **options)
    if fetcher.refused:
        raise PrintError(f"{name}: the template asks for {', '.join(fetcher.refused)}; only files under "
                         f"{fetcher.root}/ and data: URIs may be used")
    notdef = sorted({m for m in warnings if ".notdef" in m})
    if notdef:
        raise PrintError(f"{name} would print characters no installed font has ({'; '.join(notdef)}); install "
                         "fonts-noto-cjk or change the text")
    fonts = {font.family for font in laid_out.fonts.values()}
    return Printed(pdf, len(laid_out.pages), fonts, warnings)
