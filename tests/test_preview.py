"""Builds that reuse what did not change: the site's pages and search index read back from the cache, the live
preview rendering again only the pages a save changed and printing posters and checklists in the background. Each
must give the same files, byte for byte, as a clean build.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from test_site import ROOT, assemble_project

from generator import locations, output_folders
from generator.site import preview, search
from generator.site.build import build, build_or_show_errors
from generator.site.render import PlannedPage, SiteRenderer

FIXTURE = Path(__file__).parent / "fixtures" / "mini" / "policies"
EPOCH = "1788220800"  # 2026-09-01: the sitemap's dates and the printed dates are the same in every build
OLD, NEW = "本制度適用於運營部全體員工。", "本制度適用於運營部全體員工及實習生。"  # a clause of mini-wall-rules


def differences(left: Path, right: Path) -> list[str]:
    """Every file that is in one tree only or differs in its bytes (`rulebook build` marks its folder as its own)."""
    found: list[str] = []

    def walk(compared: filecmp.dircmp, prefix: str) -> None:
        found.extend(prefix + name for name in compared.left_only + compared.right_only + compared.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(compared.left, compared.right, compared.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in compared.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return sorted(name for name in found if name != output_folders.MARKER)


def clean_build(project, out: Path) -> None:
    """A build in a fresh process with no cache: nothing this process keeps (compiled templates, cut words) helps it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RULEBOOK_NO_CACHE": "1", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(project.root), "build", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr


def edit(project, old: str = OLD, new: str = NEW) -> None:
    path = project.policies / "mini-wall-rules.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return assemble_project(tmp_path / "project", FIXTURE)


@pytest.mark.slow
def test_a_build_with_nothing_changed_reads_the_pages_back_and_writes_the_same_site(project, tmp_path, monkeypatch):
    build(project, tmp_path / "first")

    def fail(self):
        raise AssertionError("the pages should have come from the cache")

    with monkeypatch.context() as m:
        m.setattr(SiteRenderer, "pages", fail)
        m.setattr(SiteRenderer, "plan", fail)
        build(project, tmp_path / "again")
    assert differences(tmp_path / "first", tmp_path / "again") == []

    clean_build(project, tmp_path / "clean")
    assert differences(tmp_path / "first", tmp_path / "clean") == []


def counting_pages(monkeypatch) -> list[tuple]:
    """The names of the pages the generator renders from now on (SiteRenderer.plan's pages, made or not)."""
    made: list[tuple] = []
    plan = SiteRenderer.plan

    def counted(self):
        def count(page):
            return lambda: made.append(page.name) or page.make()

        return [PlannedPage(p.name, count(p), p.reads, p.glimpses) for p in plan(self)]

    monkeypatch.setattr(SiteRenderer, "plan", counted)
    return made


@pytest.mark.slow
def test_a_changed_policy_or_template_is_rendered_again(project, tmp_path, monkeypatch):
    build(project, tmp_path / "first")
    edit(project)
    made = counting_pages(monkeypatch)
    build(project, tmp_path / "edited")
    page = "policies/mini-wall-rules/index.html"
    assert NEW in (tmp_path / "edited" / page).read_text(encoding="utf-8")
    # Only what reads the edited policy is rendered again: its own pages and the pages listing its clauses.
    assert ("policy", "zh-Hant", "mini-wall-rules") in made and ("policy", "en", "mini-wall-rules") in made
    assert not [name for name in made if name[0] == "policy" and name[2] != "mini-wall-rules"]
    assert ("glossary", "en") not in made
    clean_build(project, tmp_path / "clean")
    assert differences(tmp_path / "edited", tmp_path / "clean") == []

    made.clear()
    template = project.templates / "site" / "policy.html"
    template.write_text(template.read_text(encoding="utf-8") + "<p>template-marker</p>\n", encoding="utf-8")
    build(project, tmp_path / "restyled")
    assert "template-marker" in (tmp_path / "restyled" / page).read_text(encoding="utf-8")
    assert "template-marker" not in (tmp_path / "edited" / page).read_text(encoding="utf-8")
    assert ("glossary", "en") in made  # a template is read by every page: all of them are rendered again


@pytest.mark.slow
def test_a_build_after_an_edit_cuts_the_words_of_the_edited_clause_only(project, tmp_path, monkeypatch):
    search._made.clear()
    # Another checkout of the same handbook built first, in the same process: this project's first build reads its
    # search index back from the cache and cuts nothing, and the next build still finds every clause's words.
    build(assemble_project(tmp_path / "twin", FIXTURE), tmp_path / "twin-site")
    build(project, tmp_path / "first")
    search._made.clear()  # as the next build's process starts: only the cache remembers
    edit(project)
    cut: list[search.Entry] = []
    original = search.entry_document
    monkeypatch.setattr(search, "entry_document", lambda entry, glossary: cut.append(entry) or original(entry, glossary))
    build(project, tmp_path / "edited")
    # The edited clause, once in each reading language; every other clause's words come from the last build.
    assert len({(e.page, e.anchor) for e in cut if e.lang == "en"}) == 1
    assert sorted(e.lang for e in cut) == sorted(project_languages(tmp_path / "edited"))
    assert "實習生" in next(e.chinese for e in cut if e.lang == "zh-Hant")
    clean_build(project, tmp_path / "clean")
    assert differences(tmp_path / "edited", tmp_path / "clean") == []


def project_languages(site: Path) -> list[str]:
    """The reading languages of a built site: one search index each."""
    return [p.stem for p in (site / "search").glob("*.json") if p.name != "search_index.json"]


def preview_build(project, folder: Path) -> None:
    """One rebuild of the live preview as `rulebook serve` runs it: the plugin object kept, a dirty mkdocs build."""
    config = load_config(config_file=str(project.root / "mkdocs.yml"), site_dir=str(folder))
    mkdocs_build(config, dirty=True)


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.html")}


@pytest.mark.slow
def test_a_preview_rebuild_renders_only_the_changed_pages_and_equals_a_clean_build(project, tmp_path):
    served = tmp_path / "served"
    config = load_config(config_file=str(project.root / "mkdocs.yml"), site_dir=str(served))
    config.plugins.on_startup(command="serve", dirty=False)
    preview_build(project, served)
    before = stamps(served)
    time.sleep(0.01)

    edit(project)
    preview_build(project, served)
    after = stamps(served)
    rewritten = {path for path in after if after[path] != before.get(path)}
    # The edited policy's pages in each language are rendered again; the other policy's are left as they were.
    assert "policies/mini-wall-rules/index.html" in rewritten
    assert "en/policies/mini-wall-rules/index.html" in rewritten
    assert "policies/mini-finance-rules/index.html" not in rewritten
    assert "en/policies/mini-finance-rules/parallel/index.html" not in rewritten
    assert len(rewritten) < len(after) / 2
    assert NEW in (served / "policies/mini-wall-rules/index.html").read_text(encoding="utf-8")

    clean_build(project, tmp_path / "clean")
    assert differences(served, tmp_path / "clean") == []

    # A new title changes every page's navigation: everything is rendered again, and still equals a clean build.
    edit(project, "運營部規章上墻制度（範例）", "運營部規章上牆制度（範例）")
    preview_build(project, served)
    edit(project, "運營部規章上牆制度（範例）", "運營部規章上墻制度（範例二）")
    before = stamps(served)
    time.sleep(0.01)
    preview_build(project, served)
    after = stamps(served)
    assert "policies/mini-finance-rules/index.html" in {p for p in after if after[p] != before.get(p)}
    clean_build(project, tmp_path / "clean-again")
    assert differences(served, tmp_path / "clean-again") == []


@pytest.mark.slow
def test_after_a_broken_save_the_preview_renders_everything_again(project, tmp_path):
    served = tmp_path / "served"

    def rebuild() -> None:  # as `rulebook serve` runs each rebuild
        config = load_config(config_file=str(project.root / "mkdocs.yml"), site_dir=str(served))
        build_or_show_errors(mkdocs_build, project, config)

    load_config(config_file=str(project.root / "mkdocs.yml")).plugins.on_startup(command="serve", dirty=False)
    rebuild()
    path = project.policies / "mini-wall-rules.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("effective: 2026-01-01", "effective: 2026-02-30", 1), encoding="utf-8")
    rebuild()
    assert sorted(p.name for p in served.iterdir()) == ["404.html", "index.html"]  # the errors, on every address
    path.write_text(good, encoding="utf-8")
    rebuild()
    clean_build(project, tmp_path / "clean")
    assert differences(served, tmp_path / "clean") == []


# Printing in the background ----------------------------------------------------------------------------------------


def test_printing_waits_until_the_browser_has_reloaded_the_page(tmp_path, monkeypatch):
    # Printing in the server's process would slow every answer of the reload: it starts once a page was asked for
    # and the server has been quiet a moment, or after FIRST_SECONDS when no browser asks.
    monkeypatch.setattr(preview, "FIRST_SECONDS", 5.0)
    printing = preview.BackgroundPrinting()
    started: list[float] = []
    printing.begin()
    printing.start(lambda job: started.append(time.monotonic()), tmp_path)
    time.sleep(0.6)
    printing.requested(page=False)  # the browser's reload script asking, not yet a page
    time.sleep(0.6)
    assert not started
    printing.requested(page=True)
    asked = time.monotonic()
    time.sleep(0.1)
    printing.requested(page=False)  # the page's stylesheet: still busy
    last = time.monotonic()
    assert printing.wait(timeout=5) is True
    assert started and started[0] - last >= preview.QUIET_SECONDS and started[0] - asked < 2

    monkeypatch.setattr(preview, "FIRST_SECONDS", 0.5)  # nobody is looking: it starts anyway
    printing.begin()
    began = time.monotonic()
    printing.start(lambda job: started.append(time.monotonic()), tmp_path)
    assert printing.wait(timeout=5) is True
    assert 0.5 <= started[1] - began < 2


@pytest.fixture
def background(tmp_path, monkeypatch) -> tuple[preview.BackgroundPrinting, Path]:
    """A background printing that starts at once (no browser asks), and the site folder it places files in."""
    monkeypatch.setattr(preview, "FIRST_SECONDS", 0.1)
    site = tmp_path / "site"
    site.mkdir()
    return preview.BackgroundPrinting(), site


def test_a_printed_file_is_placed_in_the_site_and_a_request_waits_for_it(background):
    printing, site = background
    release = threading.Event()

    def print_into(job: preview.PrintJob) -> None:
        release.wait(5)
        (job.folder / "posters" / "p").mkdir(parents=True)
        (job.folder / "posters" / "p" / "a-en.pdf").write_bytes(b"%PDF-new")

    printing.begin()
    printing.start(print_into, site)
    assert printing.wait(timeout=0.2) is False  # still printing: a request would wait
    assert not (site / "posters").exists()
    release.set()
    assert printing.wait(timeout=5) is True
    assert (site / "posters" / "p" / "a-en.pdf").read_bytes() == b"%PDF-new"


def test_a_printer_s_files_are_served_as_soon_as_it_is_done(background):
    # The posters are printed first and the whole handbook last: a poster is not kept waiting for the books.
    printing, site = background
    books = threading.Event()

    def print_into(job: preview.PrintJob) -> None:
        (job.folder / "posters" / "p").mkdir(parents=True)
        (job.folder / "posters" / "p" / "a-en.pdf").write_bytes(b"%PDF-poster")
        job.placed("posters/")
        books.wait(5)
        (job.folder / "books").mkdir()
        (job.folder / "books" / "handbook-en.pdf").write_bytes(b"%PDF-book")
        job.placed("books/")

    printing.begin()
    printing.start(print_into, site)
    assert printing.wait("posters/p/a-en.pdf", timeout=5) is True
    assert (site / "posters" / "p" / "a-en.pdf").read_bytes() == b"%PDF-poster"
    assert printing.wait("books/handbook-en.pdf", timeout=0.2) is False  # still printing
    assert printing.wait(timeout=0.1) is False
    books.set()
    assert printing.wait("books/handbook-en.pdf", timeout=5) is True
    assert (site / "books" / "handbook-en.pdf").read_bytes() == b"%PDF-book"


def test_what_an_earlier_rebuild_prints_is_dropped_when_a_newer_one_started(background):
    printing, site = background
    release = threading.Event()

    stale: list[bool] = []

    def slow(job: preview.PrintJob) -> None:
        release.wait(5)
        stale.append(job.stale())  # a newer rebuild began: the work may stop here
        (job.folder / "posters").mkdir()
        (job.folder / "posters" / "old.pdf").write_bytes(b"old")
        job.placed("posters/")
        (job.folder / "old.pdf").write_bytes(b"old")

    def fast(job: preview.PrintJob) -> None:
        stale.append(job.stale())
        (job.folder / "new.pdf").write_bytes(b"new")

    printing.begin()
    earlier = printing.start(slow, site)
    printing.begin()  # the user saved again
    printing.start(fast, site).join(5)
    assert printing.wait(timeout=5) is True
    release.set()
    earlier.join(5)
    assert sorted(p.name for p in site.iterdir()) == ["new.pdf"]
    assert stale == [False, True]


def test_a_failed_rebuild_lets_waiting_requests_go_on(tmp_path):
    printing = preview.BackgroundPrinting()
    printing.begin()
    printing.give_up()
    assert printing.wait(timeout=0.1) is True


@pytest.mark.parametrize(
    "path, printed",
    [
        ("posters/p/a-en.pdf", True),
        ("checklists/p/c.csv", True),
        ("checklists/p/c/", False),  # the checklist's web page
        ("checklists/p/c/index.html", False),
        ("policies/p/", False),
        ("en/posters/", False),
    ],
)
def test_which_requests_name_a_printed_file(path, printed):
    assert preview.is_printed_file(path, ["posters/", "checklists/"]) is printed


@pytest.mark.slow
def test_the_printing_process_places_each_printer_s_files_and_stops_when_stale(project, tmp_path, monkeypatch):
    # The real printers in a spawned process, on the fixture (one poster, one checklist): what it places is what it
    # printed, folder by folder; made stale after its first printer, it stops without printing the rest. Either way
    # it leaves no temporary folder (WeasyPrint's, for the checklists' form font) behind.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    placed: list[str] = []
    folder = tmp_path / "printed"
    folder.mkdir()
    preview.print_in_child(project.root, ["posters/", "checklists/"], preview.PrintJob(folder, placed.append, lambda: False))
    assert placed == ["posters/", "checklists/"]
    for lang in ("zh-Hant", "zh-Hans", "en"):
        assert (folder / locations.poster_file("mini-wall-rules", "attendance", lang)).read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (folder / "checklists" / "mini-wall-rules").glob("*.csv")) == ["expense-claim.csv"]

    placed.clear()
    folder = tmp_path / "stale"
    folder.mkdir()
    began = time.monotonic()
    # Made stale once the checklists' printer has written its font folder: stopped while it holds one. (Printed
    # again, not read from the cache the first run filled.)
    monkeypatch.setenv("RULEBOOK_NO_CACHE", "1")
    stale = lambda: bool(placed) and any(temporary.iterdir())  # noqa: E731
    preview.print_in_child(project.root, ["posters/", "checklists/"], preview.PrintJob(folder, placed.append, stale))
    assert placed == ["posters/"] and time.monotonic() - began < 60
    assert not (folder / "checklists").exists()
    assert list(temporary.iterdir()) == []


@pytest.mark.slow
def test_a_failure_in_the_printing_process_is_raised_in_the_server(project, tmp_path):
    (project.policies / "mini-wall-rules.yaml").write_text("id: [", encoding="utf-8")  # broken after the rebuild
    with pytest.raises(preview.PrintFailed, match="errors"):
        preview.print_in_child(project.root, ["posters/"], preview.PrintJob(tmp_path, print, lambda: False))
