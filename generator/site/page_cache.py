"""Keeps what a site build made that does not depend on mkdocs (the generated pages, the reworked search index) in
the cache folder the PDFs use, keyed by everything that decides it: a build with nothing changed reads it back, and a
build after an edit renders again only the pages that read something that changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, astuple, dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import generator
from generator import pdf_cache
from generator.config import SITE_FILE
from generator.diff import RevisionError, _git
from generator.model import Handbook
from generator.project import Project
from generator.site.render import Downloads, Heading, PlannedPage, SitePage
from generator.site.search import Entry

FORMAT = "rulebook-site 2"  # changes when what is stored changes
KEEP = 12  # entries of each kind kept (a few projects, checkouts, the preview's last saves); the oldest go first
SHARE = 4  # and the entries of a kind kept take at most a quarter of the cache's size limit (the newest always stays)
LIBRARIES = ("jinja2", "markupsafe", "jieba", "opencc", "pyyaml")  # what renders pages and cuts words


class SiteCache:
    """JSON documents by kind and key under root/site/. A document is checked against its checksum when read; one
    that fails (half-written, edited) counts as missing. Any number of builds may read and write at once."""

    def __init__(self, root: Path | None = None, limit_bytes: int | None = None):
        self.folder = (Path(root) if root else pdf_cache.default_root()) / "site"
        self.limit = pdf_cache.size_limit() if limit_bytes is None else limit_bytes

    def path(self, kind: str, key: str) -> Path:
        return self.folder / f"{kind}-{key}.json"

    def get(self, kind: str, key: str) -> Any | None:
        path = self.path(kind, key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        checksum, _, body = data.partition(b"\n")
        if checksum.decode("ascii", "replace") != hashlib.sha256(body).hexdigest():
            _unlink(path)
            return None
        try:
            os.utime(path)  # the last use, for KEEP
            return json.loads(body)
        except (OSError, ValueError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store value; a cache that cannot be written only costs the next build its time, so that is swallowed."""
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")  # key order kept: the files are written in it
        try:
            pdf_cache.write_atomically(
                self.path(kind, key), hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body
            )
            self._trim(kind)
        except OSError:
            return

    def _trim(self, kind: str) -> None:
        """Keep the newest KEEP entries of kind that fit in their share of the limit (a handbook of 200 policies
        makes pages of about 200 MB a build)."""
        entries = []
        for path in self.folder.glob(f"{kind}-*.json"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        kept = 0
        for n, (_, size, path) in enumerate(sorted(entries, key=lambda e: e[0], reverse=True)):
            kept += size
            if n and (n >= KEEP or kept > self.limit // SHARE):
                _unlink(path)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# Keys --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PagesMadeOf:
    """What the generated pages are made of: the hash of what every page may read except the policy files, and the
    hash of each policy's file."""

    shared: str
    policies: dict[str, str]  # policy id → hash of its file

    @property
    def key(self) -> str:
        return pdf_cache.key(FORMAT, self.shared, sorted(self.policies.items()))

    def page_key(self, page: PlannedPage) -> str:
        """A page's own key: the shared part and the policies it reads (one that is gone counts as such)."""
        reads = self.policies.keys() if page.reads is None else page.reads
        whole = sorted((pid, self.policies.get(pid, "gone")) for pid in reads)
        return pdf_cache.key(self.shared, page.name, whole, page.glimpses)


def pages_made_of(project: Project, handbook: Handbook, downloads: Downloads, today: date) -> PagesMadeOf:
    """Everything the generated pages are made of: the policies and handbook data, every template and the interface
    words, the site configuration, the policies' git history (earlier versions), the generator's code and the
    libraries that render and cut words, which files the build prints (pages link them), and the day (reviews fall
    overdue)."""
    files = dict(_files(project.root, project.policies))
    policies = {}
    root = Path(os.path.abspath(project.root))
    for policy in handbook.policies.values():
        path = Path(os.path.abspath(policy.path))
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else ""
        policies[policy.id] = files.pop(name) if name in files else pdf_cache.file_digests([path])[0][1]
    shared = pdf_cache.key(
        FORMAT,
        sorted(files.items()),
        _files(project.root, project.templates),
        _files(project.root, project.root / SITE_FILE),
        _files(Path(generator.__file__).parent, Path(generator.__file__).parent, (".py", ".yaml", ".json")),
        generator.__version__,
        [_version(name) for name in LIBRARIES],
        _history(project),
        [downloads.posters, downloads.checklists, downloads.checklist_page is not None],
        today,
        os.environ.get("SOURCE_DATE_EPOCH", ""),
    )
    return PagesMadeOf(shared, policies)


class RenderedPages:
    """The pages of a build (or of the live preview's last rebuild), in the order of their plan, by each page's own key
    (generator/site/page_reads.py says what goes into it): the next build renders again only the pages that read
    something that changed (all of them when what every page reads changed: a template, the handbook data, the day)."""

    def __init__(self, by_key: dict[str, SitePage] | None = None) -> None:
        self.by_key: dict[str, SitePage] = by_key or {}

    def render(self, planned: list[PlannedPage], made_of: PagesMadeOf) -> list[SitePage]:
        made = {}
        for page in planned:
            key = made_of.page_key(page)
            made[key] = self.by_key.get(key) or page.make()
        self.by_key = made  # only this build's pages are kept
        return self.pages()

    def pages(self) -> list[SitePage]:
        return list(self.by_key.values())

    def to_json(self) -> dict[str, dict]:
        return dict(zip(self.by_key, pages_to_json(self.pages()), strict=True))

    @classmethod
    def from_json(cls, data: dict[str, dict]) -> RenderedPages:
        return cls(dict(zip(data, pages_from_json(list(data.values())), strict=True)))


def last_build(cache: SiteCache, project: Project, made_of: PagesMadeOf) -> RenderedPages:
    """The pages of the project's last build, wherever it built to: a build after an edit starts from them. None when
    the cache no longer has them, or when what every page reads changed since (no page of it could be used again)."""
    last = cache.get("last", _project_key(project))
    if not (isinstance(last, list) and len(last) == 2 and last[1] == made_of.shared):
        return RenderedPages()
    data = cache.get("pages", last[0]) if isinstance(last[0], str) else None
    return RenderedPages.from_json(data) if isinstance(data, dict) else RenderedPages()


def note_last_build(cache: SiteCache, project: Project, made_of: PagesMadeOf) -> None:
    cache.put("last", _project_key(project), [made_of.key, made_of.shared])


def last_documents(cache: SiteCache, shared: str) -> dict[Entry, dict]:
    """The search documents of the clauses (words cut, glossary words added) of the last build, of any checkout, in
    which what every page reads was the same: a build after an edit cuts only the clauses the edit changed."""
    last = cache.get("documents", shared)
    if not isinstance(last, list):
        return {}
    try:
        return {Entry(*fields): doc for fields, doc in last}
    except (TypeError, ValueError):  # a document of an earlier layout: cut everything again
        return {}


def note_documents(cache: SiteCache, shared: str, documents: dict[Entry, dict]) -> None:
    cache.put("documents", shared, [[list(astuple(e)), doc] for e, doc in documents.items()])


def _project_key(project: Project) -> str:
    return pdf_cache.key(FORMAT, os.path.abspath(project.root))


def _files(root: Path, where: Path, suffixes: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(path relative to root, hash of the bytes) of where, or of every file below it."""
    if where.is_dir():
        paths = sorted(
            p
            for p in where.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and (suffixes is None or p.suffix in suffixes)
        )
    else:
        paths = [where]
    names = [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in paths]
    return [(name, digest) for name, (_, digest) in zip(names, pdf_cache.file_digests(paths), strict=True)]


def _version(name: str) -> str:
    try:
        return f"{name} {metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name} none"


def _history(project: Project) -> str:
    """The commits that touched the policies: the earlier versions the history pages show are read from them."""
    folder = project.policies.relative_to(project.root).as_posix()
    try:
        return _git(project, "log", "--format=%H", "--", f"{folder}/")
    except (RevisionError, OSError):
        return ""


def index_key(pages: str, index: dict) -> str:
    """The reworked search index is made of the pages (their clauses) and mkdocs' index of the hand-written pages."""
    return pdf_cache.key(FORMAT, pages, hashlib.sha256(json.dumps(index, sort_keys=True).encode("utf-8")).hexdigest())


# Pages as JSON -----------------------------------------------------------------------------------------------------


def pages_to_json(pages: list[SitePage]) -> list[dict]:
    return [{**asdict(page), "anchors": sorted(page.anchors)} for page in pages]


def pages_from_json(data: list[dict]) -> list[SitePage]:
    return [
        SitePage(
            path=item["path"],
            lang=item["lang"],
            title=item["title"],
            body=item["body"],
            headings=[Heading(**h) for h in item["headings"]],
            anchors=set(item["anchors"]),
            searchable=item["searchable"],
            search_entries=[Entry(**e) for e in item["search_entries"]],
        )
        for item in data
    ]
