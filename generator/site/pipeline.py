"""The handbook site as plain steps any static-site generator can drive: check, render the pages of every language,
translate the hand-written pages' script, name each page's language, rework the search index, print the files.

Knows nothing of mkdocs: generator/site/plugin.py hands mkdocs what these steps produce (docs/developers.md says
what would change for another generator).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
import yaml
from markupsafe import escape

from generator import config, locations, publish, versions
from generator.check import check
from generator.config import SITE_FILE
from generator.findings import summary
from generator.localise import MissingWords
from generator.project import Project
from generator.scripts import convert
from generator.site import page_cache, search
from generator.site.render import Downloads, NavEntry, SitePage, SiteRenderer

log = logging.getLogger("mkdocs.plugins.rulebook.site")  # shown as "rulebook: ..." by the build's logging


class SiteError(Exception):
    """The site cannot be built; the message names the file and line and says what to do."""


@dataclass(frozen=True)
class Alternate:
    """The same page in another language, for the language menu."""

    name: str
    link: str
    lang: str


@dataclass(frozen=True)
class GeneratedFile:
    """A file the site gains: a page (Markdown that only carries the title; the body comes from page_body) or an asset."""

    path: str  # inside the docs folder
    content: str | None = None
    source: Path | None = None


class HandbookSite:
    """One build of the site. Made once per build (or per rebuild of the live preview)."""

    ASSETS = "assets/rulebook"

    def __init__(
        self,
        project: Project,
        *,
        print_files: bool | list[str] = True,
        cache: Path | None = None,
        rendered: page_cache.RenderedPages | None = None,
    ):
        """rendered: the live preview's pages of its last rebuild, of which those that read nothing that changed are
        used again (a build starts from the project's last build in the cache instead)."""
        self.project = project
        self.templates = project.templates / "site"
        self.cache = cache or project.root / ".cache" / "rulebook"
        handbook, findings = check(project)
        errors = [f for f in findings if f.severity == "error"]
        if errors:
            raise SiteError(failure_message(project, errors))
        warnings = f" ({summary(findings)}; see `rulebook check`)" if findings else ""
        log.info(f"checked {len(handbook.policies)} policies: no errors{warnings}")
        self.handbook, self.registry = handbook, handbook.languages
        try:
            self.settings = config.load(project)
            self.localisers = config.localisers(project, handbook)
        except (config.ConfigError, OSError, ValueError, yaml.YAMLError) as exc:
            raise SiteError(str(exc)) from exc
        if self.settings.placeholder_warning():
            log.warning(self.settings.placeholder_warning())
        missing = self.localisers.missing_words()
        if missing:
            raise SiteError(
                f"templates/words.yaml has no words for {', '.join(missing[:10])}"
                f"{' …' if len(missing) > 10 else ''}; add them, or a fallback to the language"
            )
        try:
            self.writers = publish.chosen(print_files)
        except ValueError as exc:
            raise SiteError(f"{SITE_FILE}, the rulebook plugin: {exc}") from exc
        checklists = locations.CHECKLISTS in self.writers
        downloads = Downloads(
            locations.POSTERS in self.writers,
            checklists,
            publish.checklist_page() if checklists else None,
            acknowledgements=locations.ACKNOWLEDGEMENTS in self.writers,
            books=locations.BOOKS in self.writers,
        )
        # Pages are read back when nothing they are made of changed (generator/site/page_cache.py).
        self.reuse = None if os.environ.get(publish.NO_CACHE) else page_cache.SiteCache()
        today = date.today()
        made_of = page_cache.pages_made_of(project, handbook, downloads, today) if self.reuse or rendered else None
        self.pages_key = made_of.key if self.reuse and made_of else None
        self.shared = made_of.shared if self.reuse and made_of else None
        kept = self.reuse.get("pages", self.pages_key) if self.reuse and self.pages_key else None
        if kept is None and rendered is None and self.reuse and made_of:
            rendered = page_cache.last_build(
                self.reuse, project, made_of
            )  # its pages that read nothing that changed are kept
        try:
            self.renderer = SiteRenderer(
                handbook,
                self.templates,
                self.localisers,
                downloads,
                today=today,
                # Only the pages read the earlier versions, and reading them from git takes a while.
                earlier=versions.earlier_versions(project, handbook) if kept is None else {},
            )
            if kept is not None:
                read_back = page_cache.RenderedPages.from_json(kept)
                pages = read_back.pages()
                if rendered is not None:
                    rendered.by_key = read_back.by_key
            elif rendered is not None and made_of is not None:
                pages = rendered.render(self.renderer.plan(), made_of)
            else:
                pages = self.renderer.pages()
            if self.reuse and self.pages_key and made_of:
                if kept is None and rendered is not None:
                    self.reuse.put("pages", self.pages_key, rendered.to_json())
                page_cache.note_last_build(self.reuse, project, made_of)
            self.reused_pages = kept is not None
            self.pages = {page.path: page for page in pages}
        except jinja2.TemplateError as exc:
            where = f"{getattr(exc, 'filename', None) or project.relative(self.templates)}:{getattr(exc, 'lineno', '') or ''}"
            raise SiteError(f"{where.rstrip(':')}: {exc.message or exc}") from exc
        except MissingWords as exc:
            raise SiteError(str(exc.args[0])) from exc
        except (OSError, yaml.YAMLError) as exc:
            raise SiteError(f"the site templates in {project.relative(self.templates)} cannot be read: {exc}") from exc

    # Languages

    def language_of(self, path: str) -> tuple[str, str]:
        """(language code, language-neutral path) of a site path."""
        return self.registry.split_path(path)

    def site_name(self, name: str, lang: str) -> str:
        """The site's name (written in the default language's script) in the script of lang."""
        return self.localisers[lang].source(name, self.registry.default.script or "")

    def theme_language(self, lang: str) -> str:
        return self.registry[lang].theme or lang

    def alternates(self, path: str, existing: set[str]) -> list[Alternate]:
        """The page at path in every language; where a language lacks it, that language's home page."""
        _, neutral = self.language_of(path)
        out = []
        for lang in self.registry:
            target = self.registry.prefix(lang.code) + neutral
            if target not in existing:
                target = self.registry.prefix(lang.code) + locations.HOME
            out.append(Alternate(lang.name, target or "./", lang.code))
        return out

    # Files

    def hand_written_copies(self, pages: dict[str, str]) -> list[GeneratedFile]:
        """The default language's hand-written pages (docs path → Markdown) in the script of every other language
        that reads Chinese, where the docs hold no page of their own for it."""
        default = self.registry.default
        out = []
        for lang in self.registry.languages[1:]:
            if not (lang.script and default.script):
                continue
            for path, text in pages.items():
                if self.language_of(path)[0] != default.code:
                    continue
                copy = self.registry.prefix(lang.code) + path
                if copy not in pages:
                    out.append(GeneratedFile(copy, convert(text, default.script, lang.script)))
        return out

    def generated_files(self, taken: set[str]) -> list[GeneratedFile]:
        """The generated pages (a title in front matter; the body comes later) and the site's assets."""
        out = []
        for path, page in self.pages.items():
            name = locations.source_name(path)
            if name in taken:
                raise SiteError(f"docs/{name} is a hand-written page where the handbook generates one; rename it")
            # mkdocs' search leaves every generated page out: search_index() indexes a page by its clauses instead.
            meta: dict = {"title": str(escape(page.title)), "search": {"exclude": True}}
            front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
            out.append(GeneratedFile(name, f"---\n{front}---\n"))
        for asset in sorted((self.templates / "assets").glob("*")):
            out.append(GeneratedFile(f"{self.ASSETS}/{asset.name}", source=asset))
        log.info(
            f"rendering {len(self.pages)} pages from {len(self.handbook.policies)} policies "
            f"in {len(self.registry.languages)} languages"
        )
        return out

    def browser_settings(self) -> dict:
        """What the browser script needs to know: each language's folder and search index (site paths)."""
        return {
            "languages": self.registry.prefixes(),
            "default": self.registry.default.code,
            "search": {code: self.search_file(code) for code in self.registry.codes},
            "words": {
                code: {key: self.localisers[code].word(key) for key in self.THEME_WORDS} for code in self.registry.codes
            },
            "names": {lang.code: lang.name for lang in self.registry},
        }

    # Words the theme's templates show (palette toggles, permanent links, the not-found page), per language.
    THEME_WORDS = (
        "theme.to_dark",
        "theme.to_light",
        "theme.permalink",
        "theme.search_label",
        "notfound.title",
        "notfound.text",
        "notfound.home",
        "nav.home",
    )

    @staticmethod
    def search_file(lang: str) -> str:
        return f"search/{lang}.json"

    # Pages

    def nav(self, lang: str, pages: list[str]) -> list[NavEntry]:
        """The navigation of one language; pages are all the site's page paths (the hand-written ones go under Help)."""
        home = self.registry.prefix(lang) + locations.HOME
        help_pages = sorted(p for p in pages if self.language_of(p)[0] == lang and p not in self.pages and p != home)
        return self.renderer.nav(lang, help_pages)

    def generated(self, path: str) -> SitePage | None:
        return self.pages.get(path)

    def fragment(self, name: str, path: str) -> str | None:
        """HTML for a marker `<!-- rulebook:NAME -->` in a hand-written page, or None for an unknown name."""
        return self.renderer.fragment(name, self.language_of(path)[0], path)

    # After the pages

    def search_index(self, index: dict) -> dict[str, dict]:
        """The generator's search index reworked, as files of the site (path → content): one index per language
        with one entry per clause (words cut, both scripts, the glossary's search words), and the generator's own
        index left with its settings only, since the search worker reads its language's file."""
        key = page_cache.index_key(self.pages_key, index) if self.reuse and self.pages_key else None
        kept = self.reuse.get("search", key) if self.reuse and key else None
        if kept is not None:
            return kept
        files = self._search_index(index)
        if self.reuse and key:
            self.reuse.put("search", key, files)
        return files

    def _search_index(self, index: dict) -> dict[str, dict]:
        replaced = {page.path for page in self.pages.values() if page.searchable}
        entries = [entry for page in self.pages.values() if page.searchable for entry in page.search_entries]
        ignore = {code: self.localisers[code].word("search.ignore").split() for code in self.registry.codes}
        glossary = search.glossary_words(self.handbook)
        documents = search.documents(glossary)
        from_note = False
        if self.reuse and self.shared and not documents:  # a new process: the last build's are all it has
            documents.update(page_cache.last_documents(self.reuse, self.shared))
            from_note = True
        known = len(documents)
        indexes = search.language_indexes(
            index, entries, replaced, lambda loc: self.language_of(loc)[0], glossary, ignore
        )
        # The note is left as it is only when it held every document this build used (a long-lived process may have
        # cut them before the note was written, or while it was another's).
        if self.reuse and self.shared and not (from_note and len(documents) == known):
            page_cache.note_documents(self.reuse, self.shared, {e: documents[e] for e in entries})
        files = {self.search_file(code): {"config": index.get("config", {}), **made} for code, made in indexes.items()}
        files["search/search_index.json"] = {**index, "docs": []}
        return files

    def print_files(self, site: Path, jobs: int | None = None) -> None:
        """Print every file the installed printers make into site, over jobs processes (default: as configured)."""
        if not self.writers:
            return
        posters = sum(len(p.posters) for p in self.handbook.policies.values())
        checklists = sum(len(p.checklists) for p in self.handbook.policies.values())
        log.info(
            f"printing {posters} posters (each in {len(self.registry.languages)} languages) and {checklists} checklists"
        )
        started = time.monotonic()
        try:
            self.printing = publish.print_all(
                self.handbook, self.project, site, self.writers, publish.printing(jobs=jobs)
            )
        except publish.PublishFailed as exc:
            raise SiteError(str(exc)) from exc
        log.info(f"{self.printing.summary()} in {time.monotonic() - started:.1f} s ({self.printing.jobs} processes)")


def failure_message(project: Project, findings) -> str:
    lines = [f.format().replace(f.path, project.relative(Path(f.path)), 1) for f in findings]
    return "the handbook has errors; fix them and build again:\n" + "\n".join(lines) + "\n" + summary(findings)
