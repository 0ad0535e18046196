"""The mkdocs plugin `rulebook`: hands mkdocs(-material) what generator.site.pipeline makes, so `mkdocs build` and
`mkdocs serve` work as they are. Only the placing is here: files, navigation objects, per-page theme settings.

Languages are handled by the pipeline rather than by mkdocs-static-i18n, which drops generated pages: each page is
built once per language under its own folder, and the navigation, theme language and language menu follow the page.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from importlib import metadata
from pathlib import Path
from typing import cast

from markupsafe import escape
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.utils import clean_directory

from generator import locations, publish
from generator.project import Project
from generator.site import page_cache, preview, search
from generator.site.pipeline import HandbookSite, SiteError, log
from generator.site.render import NavEntry, SitePage

MARKER = re.compile(r"<!--\s*rulebook:([a-z-]+)\s*-->")


class RulebookConfig(base.Config):
    cache_dir = c.Type(str, default=".cache/rulebook")
    # The printed files the site carries (posters, checklists, read-and-sign forms, the handbook as PDF), when their
    # renderers are installed: true (all), false (none) or a list of kinds, such as [posters, checklists].
    print_files = c.Type((bool, list), default=True)


class RulebookPlugin(BasePlugin[RulebookConfig]):
    def __init__(self):
        super().__init__()
        self.navs: dict[str, Navigation] = {}
        self.urls: set[str] = set()
        self.serving = False
        self.changed = preview.ChangedPages()
        self.compiled = preview.CompiledTemplates()
        self.rendered = page_cache.RenderedPages()
        self.printing = preview.BackgroundPrinting()
        self.generated_files: dict[str, _GeneratedPage] = {}
        self.jieba_loaded: tuple[str | None, str | None] = (None, None)

    def on_startup(self, command: str, dirty: bool):
        # Defining this keeps one plugin object across the rebuilds of `mkdocs serve` (mkdocs >= 1.4).
        self.serving = command == "serve"
        self.changed.forget()
        self.jieba_loaded = (None, None)

    @event_priority(50)  # before the search plugin reads its jieba settings
    def on_config(self, config):
        project = Project(Path(config.config_file_path).resolve().parent)
        if self.serving:
            self.printing.begin()  # what an earlier rebuild still prints is not placed in this one
        try:
            self.site = HandbookSite(
                project,
                print_files=cast("bool | list[str]", self.config.print_files),
                cache=project.root / self.config.cache_dir,
                rendered=self.rendered if self.serving else None,
            )
        except SiteError as exc:
            raise PluginError(str(exc)) from exc
        self.site_name = config.site_name  # in the default language's script; each page shows it in its own
        theme = str(self.site.templates / "theme")
        if theme not in config.theme.dirs:
            config.theme.dirs.insert(0, theme)
        for name, target in (
            (f"{HandbookSite.ASSETS}/rulebook.css", config.extra_css),
            (f"{HandbookSite.ASSETS}/rulebook.js", config.extra_javascript),
        ):
            if name not in [str(x) for x in target]:
                target.append(name)
        config.extra["rulebook"] = self.site.browser_settings()
        searcher = config.plugins.get("material/search")
        if searcher is not None:
            search.prepare_jieba(self.site.cache)
            wanted = (
                searcher.config.jieba_dict or _str(search.dictionary(self.site.cache)),
                searcher.config.jieba_dict_user or _str(search.user_dictionary(self.site.handbook, self.site.cache)),
            )
            # The preview keeps jieba's dictionaries loaded from one rebuild to the next (loading took seconds a save);
            # a new main dictionary resets jieba, so the user dictionary is loaded again with it.
            loaded = self.jieba_loaded if self.serving else (None, None)
            again = wanted[0] != loaded[0]
            searcher.config.jieba_dict = wanted[0] if again else None
            searcher.config.jieba_dict_user = wanted[1] if again or wanted[1] != loaded[1] else None
            self.jieba_loaded = wanted
            searcher.config.fields.setdefault(search.WORDS_FIELD, {"boost": 1.0})
        return config

    def on_files(self, files: Files, config):
        written = {f.src_uri: f.content_string for f in files.documentation_pages()}
        try:
            made = self.site.hand_written_copies(written) + self.site.generated_files({f.src_uri for f in files})
        except SiteError as exc:
            raise PluginError(str(exc)) from exc
        if self.serving:
            for file in files.documentation_pages():  # hand-written pages show handbook data: always rendered
                file.is_modified = _always  # type: ignore[method-assign]
        sources = {locations.source_name(path): path for path in self.site.pages}
        self.generated_files = {}
        self.generated_by_source: set[str] = set()
        for item in made:
            if item.source is not None:
                files.append(File.generated(config, item.path, abs_src_path=str(item.source)))
            elif item.path in sources:
                page = cast(_GeneratedPage, _GeneratedPage.generated(config, item.path, content=item.content or ""))
                page.site_path = sources[item.path]
                self.generated_files[page.site_path] = page
                self.generated_by_source.add(page.src_uri)
                files.append(page)
            else:
                files.append(File.generated(config, item.path, content=item.content or ""))
        return files

    def on_nav(self, nav, config, files: Files):
        pages = [f.page for f in files.documentation_pages() if f.page]
        for page in pages:
            page.parent = page.previous_page = page.next_page = None
        by_path = {page.url: page for page in pages}
        self.urls = set(by_path)
        for lang in self.site.registry.codes:
            items, order = self._nav_items(self.site.nav(lang, list(by_path)), by_path, None)
            for before, after in zip(order, order[1:], strict=False):
                before.next_page, after.previous_page = after, before
            self.navs[lang] = Navigation(items, order)
            self.navs[lang].homepage = by_path.get(self.site.registry.prefix(lang))
        if self.serving:
            self._render_only_what_changed(config, files, pages)
        return self.navs[self.site.registry.default.code]

    def _render_only_what_changed(self, config, files: Files, pages: list[Page]) -> None:
        """In the preview, mark the generated pages whose content and surroundings are as in the last rebuild as
        unmodified: a dirty rebuild leaves their HTML as it was written. When the surroundings changed, the folder is
        emptied and everything is rendered."""
        # The theme's own files change only with its version; the project's overrides are read.
        ours = [
            Path(d) for d in config.theme.dirs if Path(d).resolve().is_relative_to(self.site.project.root.resolve())
        ]
        theme = sorted(p for d in ours for p in d.rglob("*") if p.is_file())
        # Titles: the generated pages' are theirs; a hand-written page's come from its text, read later by mkdocs.
        titles = [(path, page.title) for path, page in self.site.pages.items()]
        written = [
            (f.src_uri, f.content_string)
            for f in files.documentation_pages()
            if f.src_uri not in self.generated_by_source
        ]
        shared = preview.shared_key(
            {lang: self.site.nav(lang, list(self.urls)) for lang in self.site.registry.codes},
            titles + written,
            [Path(config.config_file_path), *theme],
            {
                "extra": dict(config.extra),
                "theme": dict(config.theme),
                "site_name": config.site_name,
                "versions": [_version("mkdocs"), _version("mkdocs-material")],
            },
        )
        everything, changed = self.changed.compare(self.site.pages, shared)
        if everything:
            clean_directory(config.site_dir)
        for path, file in self.generated_files.items():
            file.unchanged = path not in changed
            if file.unchanged and file.page is not None:
                # mkdocs reads a page's title only when it renders it; other pages' navigation shows it all the same.
                file.page.title = str(escape(self.site.pages[path].title))
        self.pending = (dict(self.site.pages), shared)

    def _nav_items(self, entries: list[NavEntry], by_path: dict, parent) -> tuple[list, list[Page]]:
        items: list = []
        order: list[Page] = []
        for entry in entries:
            if entry.children:
                section = Section(str(escape(entry.title)), [])
                section.parent = parent
                section.children, pages = self._nav_items(entry.children, by_path, section)
                items.append(section)
                order += pages
            elif entry.path in by_path:
                page = by_path[entry.path]
                page.parent = parent
                if entry.title and entry.path == self.site.registry.prefix(self.site.language_of(entry.path)[0]):
                    page.title = str(escape(entry.title))  # the home page's tab says Home, not the handbook's name
                items.append(page)
                order.append(page)
        return items, order

    def on_env(self, env, config, files):
        if self.serving:
            env.bytecode_cache = self.compiled
        return env

    def on_page_content(self, html: str, page: Page, config, files):
        generated = self.site.generated(page.url)
        if generated is None:
            return search.break_long_runs(MARKER.sub(lambda m: self._fragment(m, page.url), html))
        page.toc = _toc(generated)
        page.present_anchor_ids = set(generated.anchors) | {h.id for h in generated.headings}
        return search.break_long_runs(generated.body)

    def _fragment(self, match: re.Match, path: str) -> str:
        made = self.site.fragment(match.group(1), path)
        if made is None:
            log.warning(f"unknown marker '{match.group(0)}' in the page at /{path}")
            return match.group(0)
        return made

    def on_page_context(self, context, page: Page, config, nav):
        lang, _ = self.site.language_of(page.url)
        context["nav"] = self.navs.get(lang, nav)
        config.theme["language"] = self.site.theme_language(lang)
        config.site_name = self.site.site_name(self.site_name, lang)
        config.extra["alternate"] = [vars(a) for a in self.site.alternates(page.url, self.urls)]
        config.extra["rulebook"]["lang"] = lang  # which search index the page's search worker reads
        return context

    def on_post_page(self, output: str, page: Page, config):
        config.theme["language"] = self.site.theme_language(self.site.registry.default.code)
        config.site_name = self.site_name
        return output

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, config):
        index_path = Path(config.site_dir) / "search" / "search_index.json"
        if index_path.exists():
            made = self.site.search_index(json.loads(index_path.read_text(encoding="utf-8")))
            for name, index in made.items():
                (Path(config.site_dir) / name).write_text(
                    json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
                )
        if self.serving:
            self.changed.remember(*self.pending)
            # The page is served at once; the printed files follow, from the cache where nothing they show changed,
            # printed by one process (the next rebuild needs the other core).
            if self.site.writers:
                self.printing.start(
                    functools.partial(preview.print_in_child, self.site.project.root, list(self.site.writers)),
                    Path(config.site_dir),
                )
            else:
                self.printing.give_up()
            return
        try:
            self.site.print_files(Path(config.site_dir))
        except SiteError as exc:
            raise PluginError(str(exc)) from exc

    def on_build_error(self, error):
        if self.serving:
            self.changed.forget()
            self.printing.give_up()

    def on_serve(self, server, config, builder):
        """Rebuild when a policy, the handbook data or a site template changes, not only the docs."""
        threading.Thread(target=preview.warm_up, args=(self.site.renderer.env,), daemon=True).start()
        server.watch(str(self.site.project.policies))
        server.watch(str(self.site.project.templates))
        folders = list(publish.writers())
        answer = getattr(server, "_serve_request", None)  # mkdocs' LiveReloadServer answers each request there
        if answer is None:
            return server

        def serve_request(environ, start_response):
            # A printed file is asked for before the background printing placed it: wait for the printing.
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "ignore")
            inside = path[len(server.mount_path) :]
            if preview.is_printed_file(inside, folders):
                self.printing.wait(inside)
            else:
                self.printing.requested(page=path.endswith(("/", ".html")))
            return answer(environ, start_response)

        server._serve_request = serve_request
        return server


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _always() -> bool:
    return True


class _GeneratedPage(File):
    """A generated page, which a dirty rebuild of the preview skips when its content is unchanged."""

    unchanged = False
    site_path = ""

    def is_modified(self) -> bool:
        return not self.unchanged


def _toc(page: SitePage) -> TableOfContents:
    items: list[AnchorLink] = []
    for heading in page.headings:
        # AnchorLink levels are heading levels: h1 is the page title, so a page's sections are h2.
        link = AnchorLink(str(escape(heading.text)), heading.id, heading.level + 1)
        if heading.level > 1 and items:
            items[-1].children.append(link)
        else:
            items.append(link)
    return TableOfContents(items)


def _str(path: Path | None) -> str | None:
    return str(path) if path else None
