"""The language registry: which languages the handbook is read in, and everything about each that output depends on.

Read from policies/handbook/languages.yaml, or the generator's languages.yaml; no other module lists languages.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from generator.source import safe_load

DEFAULT_FILE = Path(__file__).parent / "languages.yaml"
FILE_NAME = "languages.yaml"  # in the project's policies/handbook/
# Every policy is written in Chinese, in the script it declares: its texts hold the source under this key.
SOURCE = "zh"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 tag, as in <html lang> and the site's folder of this language's pages
    name: str  # in the language itself, for the language menu
    text: str  # the key of a policy text this language reads
    numbering: str  # "chinese" (一、（一）1.(1)) or "dotted" (1.2.3)
    date: str
    script: str | None = None  # for Chinese: the script texts are converted into
    font: str | None = None  # printed sheets; None: the font of the policy's own script
    font_package: str | None = None
    theme: str = ""
    months: tuple[str, ...] = ()
    words_from: str | None = None
    fallback: tuple[str, ...] = ()

    def format_date(self, day: datetime.date) -> str:
        month_name = self.months[day.month - 1] if self.months else str(day.month)
        return self.date.format(year=day.year, month=day.month, day=day.day, month_name=month_name)


@dataclass(frozen=True)
class Registry:
    languages: tuple[Language, ...]
    path: Path = field(default=DEFAULT_FILE, compare=False)

    @property
    def default(self) -> Language:
        return self.languages[0]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def __getitem__(self, code: str) -> Language:
        for lang in self.languages:
            if lang.code == code:
                return lang
        raise KeyError(code)

    def __contains__(self, code: object) -> bool:
        return any(lang.code == code for lang in self.languages)

    def __iter__(self):
        return iter(self.languages)

    @cached_property
    def text_keys(self) -> tuple[str, ...]:
        """Every key a policy text may hold: the source first, then each translation's."""
        return tuple(dict.fromkeys([SOURCE, *(lang.text for lang in self.languages)]))

    @cached_property
    def translations(self) -> tuple[str, ...]:
        """The text keys that hold translations, which `rulebook check` asks to be filled in."""
        return tuple(key for key in self.text_keys if key != SOURCE)

    @property
    def scripts(self) -> tuple[str, ...]:
        """The Chinese scripts a policy may be written in."""
        return tuple(dict.fromkeys(lang.script for lang in self.languages if lang.script))

    def of_script(self, script: str) -> Language:
        """The reading language of a Chinese script: the language a policy written in it reads as it stands."""
        return next(lang for lang in self.languages if lang.script == script)

    def font(self, lang: Language, script: str) -> str:
        """The font family a sheet in lang is printed in: its own, or that of the policy's script, which also sets
        the Chinese that an untranslated text falls back to."""
        if lang.font:
            return lang.font
        own = self.of_script(script).font
        if own is None:
            raise KeyError(f"no font for {lang.code} or {script}")
        return own

    def font_packages(self) -> dict[str, str]:
        return {lang.font: lang.font_package for lang in self.languages if lang.font and lang.font_package}

    def prefix(self, code: str) -> str:
        """The site folder of a language's pages: the default language at the root, the others under their code."""
        return "" if code == self.default.code else f"{code}/"

    def prefixes(self) -> dict[str, str]:
        return {lang.code: self.prefix(lang.code) for lang in self.languages}

    def split_path(self, path: str) -> tuple[str, str]:
        """(language code, language-neutral path) of a site path."""
        for lang in self.languages[1:]:
            if path == lang.code or path.startswith(f"{lang.code}/"):
                return lang.code, path[len(lang.code) + 1 :]
        return self.default.code, path


def _language(data: dict) -> Language:
    values = dict(data)
    for key in ("months", "fallback"):
        if key in values:
            values[key] = tuple(values[key])
    return Language(**values)


def from_data(data: dict, path: Path = DEFAULT_FILE) -> Registry:
    """A registry from schema-valid data."""
    return Registry(tuple(_language(entry) for entry in data["languages"]), path)


def problems(data: dict) -> list[tuple[tuple, str]]:
    """What the schema cannot say: (path in the data, message) for each language that refers to nothing."""
    out: list[tuple[tuple, str]] = []
    codes = [entry["code"] for entry in data["languages"]]
    scripts = {entry.get("script") for entry in data["languages"]} - {None}
    for i, entry in enumerate(data["languages"]):
        if codes.index(entry["code"]) != i:
            out.append((("languages", i, "code"), f"language '{entry['code']}' is declared twice"))
        if entry.get("words_from") and entry["words_from"] not in codes:
            out.append(
                (("languages", i, "words_from"), f"words_from names '{entry['words_from']}', which is no language here")
            )
        for j, other in enumerate(entry.get("fallback", [])):
            if other not in codes:
                out.append((("languages", i, "fallback", j), f"fallback names '{other}', which is no language here"))
        if not entry.get("font") and not scripts:
            out.append((("languages", i), f"language '{entry['code']}' names no font and no Chinese language has one"))
    if not scripts:
        out.append((("languages",), "no language reads the Chinese source: give one a script (zh-Hant or zh-Hans)"))
    return out


@lru_cache(maxsize=1)
def default() -> Registry:
    """The generator's own registry: Traditional, Simplified and English."""
    return from_data(safe_load(DEFAULT_FILE.read_text(encoding="utf-8")))
