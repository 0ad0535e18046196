"""Turns the handbook's texts and the interface words into one reading language, with one fallback rule for all.

Every renderer (site, posters, checklists) reads words through a Localiser; none decides on a language itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from generator.languages import SOURCE, Language, Registry
from generator.model import Clause, Text
from generator.scripts import convert, convert_words
from generator.source import safe_load

CATALOGUE = "words.yaml"  # in the project's templates/
LABEL_SCRIPT = "zh-Hant"  # the script model.STYLES write numbers in (第三條); each reader gets its own (第三条)


class MissingWords(KeyError):
    """A word the templates ask for that the catalogue does not have in any language the reader could be shown."""


@dataclass(frozen=True)
class Catalogue:
    """The interface words (templates/words.yaml): for each key, the words by language code."""

    entries: dict[str, dict[str, str]]
    path: Path | None = None

    @classmethod
    def load(cls, templates: Path) -> "Catalogue":
        path = templates / CATALOGUE
        stat = path.stat()
        data = _read(path, stat.st_size, stat.st_mtime_ns) or {}
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ValueError("each entry should be a key with a mapping of words by language code under it")
        return cls({str(k): {str(code): str(w) for code, w in v.items()} for k, v in data.items()}, path)

    def keys(self) -> list[str]:
        return list(self.entries)


@lru_cache(maxsize=8)
def _read(path: Path, size: int, mtime_ns: int) -> Any:  # size and mtime: a saved file is read again
    # Every checklist page and sheet asks for the words; parsing the catalogue each time cost a build seconds.
    return safe_load(path.read_text(encoding="utf-8"))


class Localiser:
    """One reading language: its texts (converted to its script, or its translation, or the fallback), its words,
    its numbering and its dates."""

    def __init__(self, registry: Registry, code: str, catalogue: Catalogue):
        self.registry, self.catalogue = registry, catalogue
        self.language: Language = registry[code]

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def reads_source(self) -> bool:
        """Whether this language reads the Chinese source itself (converted to its script) rather than a translation."""
        return self.language.text == SOURCE

    # Texts

    def chain(self) -> list[Language]:
        """The languages whose words a text may be shown in, this one first: its fallbacks follow."""
        return [self.language, *(self.registry[code] for code in self.language.fallback)]

    def shown_in(self, text: Text | None, script: str) -> str:
        """The code of the language a text is shown in: this one, a fallback, or (untranslated) the source's script."""
        if text is None:
            return self.code
        for lang in self.chain():
            if lang.text == SOURCE or text.written(lang.text):
                return lang.code if lang.text != SOURCE or lang.script else script
        return script

    def fell_back(self, text: Text | None, script: str) -> bool:
        return self.shown_in(text, script) != self.code

    def text(self, text: Text | None, script: str) -> str:
        """The words of a text in this language: the Chinese source converted to this language's script; or the
        translation; or, where it has none (or only spaces), the first fallback that has words, last of all the
        source as it is written."""
        if text is None:
            return ""
        for lang in self.chain():
            if lang.text == SOURCE:
                return convert(text.zh, script, lang.script or script)
            if text.written(lang.text):
                return text.get(lang.text)
        return text.zh

    def source(self, words: str, script: str) -> str:
        """Chinese written in script (a name, a term, restored words) in this language's script; a language that
        does not read Chinese keeps it as written."""
        return convert(words, script, self.language.script) if self.language.script else words

    # Interface words

    def word(self, key: str, **values) -> str:
        entry = self.catalogue.entries.get(key)
        if entry is None:
            raise MissingWords(f"no interface word '{key}' in templates/{CATALOGUE}")
        words = self._word(entry)
        if words is None:
            raise MissingWords(
                f"templates/{CATALOGUE}: '{key}' has no words for {self.code} nor any language it falls back to"
            )
        return words.format(**values) if values else words

    def _word(self, entry: dict[str, str]) -> str | None:
        for lang in self.chain():
            if lang.code in entry:
                return entry[lang.code]
            origin = lang.words_from
            if origin and origin in entry:
                origin_script = self.registry[origin].script
                return convert_words(entry[origin], origin_script or lang.script or "", lang.script or "")
        return None

    # Numbers and dates

    def label(self, clause: Clause) -> str:
        return self.source(clause.label(self.language.numbering), LABEL_SCRIPT)

    def full_label(self, clause: Clause) -> str:
        return self.source(clause.full_label(self.language.numbering), LABEL_SCRIPT)

    @property
    def chinese_numbering(self) -> bool:
        return self.language.numbering == "chinese"

    def date(self, day: date) -> str:
        return self.language.format_date(day)

    @cached_property
    def colon(self) -> str:
        return self.word("punct.colon")


class Localisers(dict):
    """A Localiser for every language of a registry, by code, sharing one catalogue."""

    def __init__(self, registry: Registry, catalogue: Catalogue):
        super().__init__({code: Localiser(registry, code, catalogue) for code in registry.codes})
        self.registry, self.catalogue = registry, catalogue

    def missing_words(self) -> list[str]:
        """'key (language)' for each catalogue word some language cannot be shown: what a template would fail on."""
        out = []
        for key in self.catalogue.keys():
            for code, localiser in self.items():
                try:
                    localiser.word(key)
                except MissingWords:
                    out.append(f"{key} ({code})")
        return out

    def word_in(self, lang: str, key: str, **values) -> str:
        """An interface word in one of the languages: the printed sheets' templates call it as `t(lang, key)`."""
        return self[lang].word(key, **values)
