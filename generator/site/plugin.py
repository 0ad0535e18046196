"""The mkdocs plugin `rulebook`: puts the rendered handbook into a mkdocs-material build, so `mkdocs build` and
`mkdocs serve` work as they are. A thin layer: pages come from render.SiteRenderer; only their placing is here.

Languages are handled here rather than by mkdocs-static-i18n, which drops generated pages: each page is built once
per language under its own folder, and the navigation, theme language and language menu follow the page.
"""

from __future__ import annotations

import ctypes
import functools
import json
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import time
from pathlib import Path

import jinja2
import yaml
from markupsafe import escape
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from generator.check import check
from generator.findings import summary
from generator.project import Project
from generator.scripts import convert
from generator.site import paths, search
from generator.site.render import Downloads, NavEntry, SitePage, SiteRenderer

log = get_plugin_logger("rulebook.site")  # messages read "rulebook: ..."

MARKER = re.compile(r"<!--\s*rulebook:([a-z-]+)\s*-->")
ASSETS = "assets/rulebook"


class RulebookConfig(base.Config):
    cache_dir = c.Type(str, default=".cache/rulebook")
    # Posters and checklist files (PDF, CSV, JSON) are written into the site when their renderers are installed.
    print_files = c.Type(bool, default=True)


def downloads() -> tuple[Downloads, object, object]:
    """Which printable files this installation can write: (Downloads, write_posters, write_checklists)."""
    try:
        from generator.poster import write_posters
    except ImportError:
        write_posters = None
    try:
        from generator.checklist import checklist_page, write_checklists
    except ImportError:
        checklist_page = write_checklists = None
    return Downloads(write_posters is not None, write_checklists is not None, checklist_page), write_posters, write_checklists


def failure_message(project: Project, findings) -> str:
    lines = [f.format().replace(f.path, project.relative(Path(f.path)), 1) for f in findings]
    return "the handbook has errors; fix them and build again:\n" + "\n".join(lines) + "\n" + summary(findings)


class RulebookPlugin(BasePlugin[RulebookConfig]):
    def __init__(self):
        super().__init__()
        self.pages: dict[str, SitePage] = {}
        self.navs: dict[str, Navigation] = {}
        self.urls: set[str] = set()
        self.serving = False
        self.write_posters = self.write_checklists = None

    def on_startup(self, command: str, dirty: bool):
        # Defining this keeps one plugin object across the rebuilds of `mkdocs serve` (mkdocs >= 1.4).
        self.serving = command == "serve"

    # Configuration: load and check the handbook, wire the theme and the search plugin

    @event_priority(50)  # before the search plugin reads its jieba settings
    def on_config(self, config):
        self.project = Project(Path(config.config_file_path).resolve().parent)
        self.templates = self.project.templates / "site"
        self.cache = self.project.root / self.config.cache_dir
        handbook, findings = check(self.project)
        errors = [f for f in findings if f.severity == "error"]
        if errors:
            raise PluginError(failure_message(self.project, errors))
        warnings = f" ({summary(findings)}; see `rulebook check`)" if findings else ""
        log.info(f"checked {len(handbook.policies)} policies: no errors{warnings}")
        self.handbook = handbook
        self.site_name = config.site_name  # in the default language's script; each page shows it in its own
        if self.config.print_files and not self.serving:
            wanted, self.write_posters, self.write_checklists = downloads()
        else:
            # The preview rebuilds on every save; printing posters (seconds each) would make it lag, so it links none.
            wanted, self.write_posters, self.write_checklists = Downloads(), None, None
        try:
            self.renderer = SiteRenderer(handbook, self.templates, wanted)
            self.pages = {page.path: page for page in self.renderer.pages()}
        except jinja2.TemplateError as exc:
            where = f"{getattr(exc, 'filename', None) or self.project.relative(self.templates)}:{getattr(exc, 'lineno', '') or ''}"
            raise PluginError(f"{where.rstrip(':')}: {exc.message or exc}") from exc
        except (OSError, yaml.YAMLError) as exc:
            raise PluginError(f"the site templates in {self.project.relative(self.templates)} cannot be read: {exc}") from exc

        theme_dir = str(self.templates / "theme")
        if theme_dir not in config.theme.dirs:
            config.theme.dirs.insert(0, theme_dir)
        for name, target in ((f"{ASSETS}/rulebook.css", config.extra_css), (f"{ASSETS}/rulebook.js", config.extra_javascript)):
            if name not in [str(x) for x in target]:
                target.append(name)

        searcher = config.plugins.get("material/search")
        if searcher is not None:
            search.prepare_jieba(self.cache)
            searcher.config.jieba_dict = searcher.config.jieba_dict or _str(search.dictionary(self.cache))
            searcher.config.jieba_dict_user = searcher.config.jieba_dict_user or _str(search.user_dictionary(handbook, self.cache))
            searcher.config.fields.setdefault(search.WORDS_FIELD, {"boost": 1.0})
        return config

    # Files: generated pages, Simplified copies of the hand-written Traditional pages, our assets

    def on_files(self, files: Files, config):
        taken = {f.src_uri for f in files}
        for page in files.documentation_pages():
            lang, _ = paths.split_language(page.url)
            copy = "zh-Hans/" + page.src_uri
            if lang == paths.DEFAULT_LANGUAGE and copy not in taken:
                text = convert(page.content_string, "zh-Hant", "zh-Hans")
                files.append(File.generated(config, copy, content=text))
                taken.add(copy)
        for path, page in self.pages.items():
            name = paths.source_name(path)
            if name in taken:
                clash = self.project.relative(Path(config.docs_dir) / name)
                raise PluginError(f"{clash} is a hand-written page where the handbook generates one; rename it")
            meta = {"title": str(escape(page.title))}
            if not page.searchable:
                meta["search"] = {"exclude": True}
            front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
            files.append(File.generated(config, name, content=f"---\n{front}---\n"))
        for asset in sorted((self.templates / "assets").glob("*")):
            files.append(File.generated(config, f"{ASSETS}/{asset.name}", abs_src_path=str(asset)))
        log.info(f"rendering {len(self.pages)} pages from {len(self.handbook.policies)} policies in {len(paths.LANGUAGES)} languages")
        return files

    # Navigation: one per language; a page shows its own language's

    def on_nav(self, nav, config, files: Files):
        for page in (f.page for f in files.documentation_pages() if f.page):
            page.parent = page.previous_page = page.next_page = None
        by_path = {f.page.url: f.page for f in files.documentation_pages() if f.page}
        self.urls = set(by_path)
        for lang in paths.LANGUAGES:
            help_pages = sorted(
                url for url in by_path
                if paths.split_language(url)[0] == lang and url not in self.pages and url != paths.in_language(paths.HOME, lang)
            )
            items, order = self._nav_items(self.renderer.nav(lang, help_pages), by_path, None)
            for before, after in zip(order, order[1:]):
                before.next_page, after.previous_page = after, before
            self.navs[lang] = Navigation(items, order)
            self.navs[lang].homepage = by_path.get(paths.in_language(paths.HOME, lang))
        return self.navs[paths.DEFAULT_LANGUAGE]

    def _nav_items(self, entries: list[NavEntry], by_path: dict, parent) -> tuple[list, list[Page]]:
        items, order = [], []
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
                if entry.title and entry.path == paths.in_language(paths.HOME, paths.split_language(entry.path)[0]):
                    page.title = str(escape(entry.title))  # the home page's tab says Home, not the handbook's name
                items.append(page)
                order.append(page)
        return items, order

    # Pages: generated bodies, markers in hand-written pages, per-page language

    def on_page_content(self, html: str, page: Page, config, files):
        generated = self.pages.get(page.url)
        lang, _ = paths.split_language(page.url)
        if generated is None:
            return search.break_long_runs(MARKER.sub(lambda m: self._fragment(m, lang, page.url), html))
        page.toc = _toc(generated)
        page.present_anchor_ids = set(generated.anchors) | {h.id for h in generated.headings}
        return search.break_long_runs(generated.body)

    def _fragment(self, match: re.Match, lang: str, path: str) -> str:
        made = self.renderer.fragment(match.group(1), lang, path)
        if made is None:
            log.warning(f"unknown marker '{match.group(0)}' in the page at /{path}")
            return match.group(0)
        return made

    def on_page_context(self, context, page: Page, config, nav):
        lang, neutral = paths.split_language(page.url)
        context["nav"] = self.navs.get(lang, nav)
        config.theme["language"] = lang
        config.site_name = self.renderer.readers[lang].zh(self.site_name, paths.DEFAULT_LANGUAGE)
        alternates = []
        for other in paths.LANGUAGES:
            target = paths.in_language(neutral, other)
            if target not in self.urls:
                target = paths.in_language(paths.HOME, other)
            alternates.append({"name": self.renderer.language_name(other), "link": target or "./", "lang": other})
        config.extra["alternate"] = alternates
        return context

    def on_post_page(self, output: str, page: Page, config):
        config.theme["language"] = paths.DEFAULT_LANGUAGE
        config.site_name = self.site_name
        return output

    # After the build: search index in both scripts, printable files

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, config):
        index_path = Path(config.site_dir) / "search" / "search_index.json"
        if index_path.exists():
            titles = {
                f"{page.path}#{anchor}": title for page in self.pages.values() if page.searchable
                for anchor, title in page.search_titles.items()
            }
            index = search.augment(json.loads(index_path.read_text(encoding="utf-8")), titles)
            index_path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        self._print_files(Path(config.site_dir))

    def _print_files(self, site: Path) -> None:
        """Posters and checklist files, made by their renderers in a folder of their own and then moved in: the
        checklist renderer replaces its whole output folder, which here also holds the checklists' web pages."""
        writers = [(name, write) for name, write in (("posters", self.write_posters), ("checklists", self.write_checklists)) if write]
        if not writers:
            return
        posters = sum(len(p.posters) for p in self.handbook.policies.values())
        checklists = sum(len(p.checklists) for p in self.handbook.policies.values())
        log.info(f"printing {posters} posters (each in three languages) and {checklists} checklists")
        started = time.monotonic()
        staging = Path(tempfile.mkdtemp(prefix=".printing-", dir=site))
        try:
            side_by_side([functools.partial(write, self.handbook, staging / name, self.project) for name, write in writers])
            for made in sorted(p for p in staging.rglob("*") if p.is_file() and p.relative_to(staging).parts[0] in dict(writers)):
                target = site / Path(*made.relative_to(staging).parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(made, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        log.info(f"printed posters and checklists in {time.monotonic() - started:.1f} s")

    def on_serve(self, server, config, builder):
        """Rebuild when a policy, the handbook data or a site template changes, not only the docs."""
        server.watch(str(self.project.policies))
        server.watch(str(self.templates))
        return server


def side_by_side(jobs: list) -> None:
    """Run the jobs at the same time, each but the first in a forked process (printing PDFs is CPU-bound); where
    processes cannot be forked, one after the other. A job's failure is raised here once all have ended."""
    if len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            try:
                job()
            except Exception as exc:
                raise PluginError(str(exc)) from exc
        return
    context = multiprocessing.get_context("fork")
    children = []
    for job in jobs[1:]:
        reader, writer = context.Pipe(duplex=False)
        child = context.Process(target=_run_child, args=(job, writer), daemon=True)
        child.start()
        writer.close()
        children.append((child, reader))
    failures = []
    try:
        jobs[0]()
    except Exception as exc:
        failures.append(str(exc))
    for child, reader in children:
        try:
            failures.append(reader.recv())
        except EOFError:  # the child closed the pipe without a word: it succeeded, or died (see its exit code)
            pass
        child.join()
        if child.exitcode and not failures:
            failures.append(f"printing stopped with exit code {child.exitcode}")
    if failures:
        raise PluginError("\n".join(failures))


def _run_child(job, pipe) -> None:
    _end_with_parent()
    try:
        job()
    except BaseException as exc:
        pipe.send(str(exc) or type(exc).__name__)
        raise SystemExit(1)
    finally:
        pipe.close()


def _end_with_parent() -> None:
    """On Linux, have this process stopped when the build that forked it dies, even by SIGKILL, rather than print on
    as an orphan into a folder the next build removes."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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
