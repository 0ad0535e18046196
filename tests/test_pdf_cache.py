"""The cache of printed PDFs: a sheet is printed again exactly when something it depends on changed (a clause, a
template, a stylesheet, a font), a damaged entry is never published, --no-cache prints everything, and printing over
several processes gives the same bytes as printing in one (builds running at once: tests/test_pdf_cache_builds.py).

The store itself is tested without printing; what needs real PDFs is marked slow.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, make_project

from generator import fonts, locations, pdf_cache, publish
from generator.cli import main
from generator.loader import load
from generator.pdf_cache import IN_USE_SECONDS, PdfCache, Printing
from generator.project import Project
from generator.source import safe_load

POSTERS = ROOT / "tests" / "fixtures" / "posters" / "project"
CHECKLISTS = ROOT / "tests" / "fixtures" / "checklists"
EPOCH = "1767225600"  # 2026-01-01: the same date on every sheet, so that equal inputs give equal bytes


# The store ---------------------------------------------------------------------------------------------------------


def test_an_entry_reads_back_as_it_was_stored(tmp_path):
    cache = PdfCache(tmp_path)
    cache.put("k", b"%PDF-1.7 body", {"type_pt": 21.5, "warnings": ["w"]})
    entry = cache.get("k")
    assert entry.data == b"%PDF-1.7 body" and entry.meta == {"type_pt": 21.5, "warnings": ["w"]}
    assert cache.get("other") is None


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "header only", "foreign file"])
def test_a_damaged_entry_is_a_miss_and_is_removed(tmp_path, damage):
    cache = PdfCache(tmp_path)
    cache.put("k", b"%PDF-1.7 " + bytes(range(256)) * 40)
    path = cache.path("k")
    data = path.read_bytes()
    damaged = {
        "truncated": data[: len(data) - 100],  # a writer that died half-way, were it not for the rename
        "flipped byte": data[:-50] + bytes([data[-50] ^ 1]) + data[-49:],
        "empty": b"",
        "header only": data[: data.index(b"\n", len(pdf_cache.FORMAT)) + 1],
        "foreign file": b"%PDF-1.7 not written by the cache",
    }[damage]
    path.write_bytes(damaged)
    assert cache.get("k") is None
    assert not path.exists()


def test_the_least_recently_used_entries_go_first_when_the_cache_is_full(tmp_path):
    body = b"x" * 1000
    # An entry is 1000 bytes and a header of about 120: three fit in 90% of the limit, to which eviction goes down.
    cache = PdfCache(tmp_path, limit_bytes=3900)
    for n, name in enumerate(["a", "b", "c"]):
        cache.put(name, body)
        os.utime(cache.path(name), (1000 + n, 1000 + n))  # a, then b, then c: c is the newest
    cache.get("a")  # reading a makes it the most recently used
    cache.put("d", body)
    kept = {name for name in "abcd" if cache.get(name) is not None}
    assert kept == {"a", "c", "d"}  # the limit is passed by one entry; b was the least recently used


def test_entries_used_in_the_last_hour_stay_past_the_limit_so_a_build_larger_than_the_cache_keeps_its_sheets(
        tmp_path):
    cache = PdfCache(tmp_path, limit_bytes=2500)  # room for two entries of 1000 bytes
    cache.put("old", b"x" * 1000)
    os.utime(cache.path("old"), (1000, 1000))  # last used long ago
    for name in ("a", "b", "c"):  # one build's sheets, each used just now
        cache.put(name, b"x" * 1000)
    assert cache.get("old") is None  # the one evictable entry went
    assert all(cache.get(name) is not None for name in "abc")  # past the limit, kept for the next build


def test_a_build_longer_than_an_hour_keeps_what_it_printed_at_its_start(tmp_path):
    # A build of 200 policies prints for an hour: its first sheets, last used over an hour ago, are still its own.
    old = PdfCache(tmp_path, limit_bytes=2500)
    old.put("other-build", b"x" * 1000)
    os.utime(old.path("other-build"), (1000, 1000))  # another build's, long ago
    build = PdfCache(tmp_path, limit_bytes=2500)
    build.started = time.time() - 2 * IN_USE_SECONDS  # this build began two hours ago
    build.put("first", b"x" * 1000)
    os.utime(build.path("first"), (build.started + 60,) * 2)  # printed in its first minute
    for name in ("a", "b"):
        build.put(name, b"x" * 1000)
    build.evict()
    assert build.get("other-build") is None
    assert all(build.get(name) is not None for name in ("first", "a", "b"))


def test_the_next_build_keeps_every_sheet_the_last_complete_build_used_however_long_ago(tmp_path):
    # A cold build of 200 policies printed 5 GB over 80 minutes against the 1 GB limit; the no-op build after it
    # stored a poster's verdict while checking, and its eviction removed the sheets of the cold build's first hour,
    # which it then printed again.
    earlier = PdfCache(tmp_path, limit_bytes=2500)
    earlier.put("an-earlier-build", b"x" * 1000)
    os.utime(earlier.path("an-earlier-build"), (1000, 1000))
    cold = PdfCache(tmp_path, limit_bytes=10**9)
    cold.started = time.time() - 2 * IN_USE_SECONDS  # began two hours ago
    for name in ("first", "last"):
        cold.put(name, b"x" * 1000)
    os.utime(cold.path("first"), (cold.started + 60,) * 2)  # printed in its first minute
    cold.built()
    noop = PdfCache(tmp_path, limit_bytes=2500)
    noop.started = time.time()
    noop.put("verdict", b"")
    noop.evict()
    assert noop.get("an-earlier-build") is None
    assert all(noop.get(name) is not None for name in ("first", "last", "verdict"))


def test_stores_far_below_the_limit_scan_the_folder_once_not_at_every_store(tmp_path, monkeypatch):
    # A build stores a thousand entries; scanning the whole folder at each store made storing quadratic.
    cache = PdfCache(tmp_path, limit_bytes=10**9)
    scans = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: (scans.append(path), real_scandir(path))[1])
    for n in range(50):
        cache.put(f"k{n}", b"%PDF" + b"x" * 1000)
    assert len(scans) == 1
    # Once stores may pass the limit, the folder is scanned again (every twentieth of the limit stored) and what was
    # not used for long goes.
    small = PdfCache(tmp_path / "small", limit_bytes=40_000)
    small.put("old", b"%PDF" + b"x" * 1000)
    os.utime(small.path("old"), (1000, 1000))
    del scans[:]
    for n in range(50):
        small.put(f"k{n}", b"%PDF" + b"x" * 1000)
    assert small.get("old") is None
    assert 1 <= len(scans) < 50


def test_a_stale_temporary_file_is_swept_and_a_fresh_one_is_left_to_its_writer(tmp_path):
    cache = PdfCache(tmp_path)
    cache.put("k", b"%PDF")
    stale, fresh = cache.folder / ".tmp-dead", cache.folder / ".tmp-writing"
    stale.write_bytes(b"half"), fresh.write_bytes(b"half")
    os.utime(stale, (1, 1))
    cache.evict()
    assert not stale.exists() and fresh.exists()


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "cache" / "entry"
    pdf_cache.write_atomically(target, b"old")
    assert target.read_bytes() == b"old"

    def refuse(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pdf_cache.os, "replace", refuse)
    with pytest.raises(OSError):
        pdf_cache.write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["entry"]


def test_the_cache_lives_under_xdg_cache_home_or_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert PdfCache().root == tmp_path / "xdg" / "rulebook"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert PdfCache().root == tmp_path / "home" / ".cache" / "rulebook"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the specification says to ignore a relative one
    assert PdfCache().root == tmp_path / "home" / ".cache" / "rulebook"


@dataclass(frozen=True)
class Inner:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Outer:
    name: str
    inner: tuple[Inner, ...]


@dataclass(frozen=True)
class Other:
    name: str
    inner: tuple[Inner, ...]


def test_a_key_follows_every_field_and_the_type_of_the_content():
    base = pdf_cache.key(Outer("a", (Inner(("x", "y")),)), "A3")
    assert base == pdf_cache.key(Outer("a", (Inner(("x", "y")),)), "A3")
    assert len({
        base,
        pdf_cache.key(Outer("a", (Inner(("x", "z")),)), "A3"),  # a word deep inside
        pdf_cache.key(Outer("a", (Inner(("y", "x")),)), "A3"),  # the order of the words
        pdf_cache.key(Outer("a", (Inner(("x", "y")),)), "A4"),  # an option
        pdf_cache.key(Other("a", (Inner(("x", "y")),)), "A3"),  # the same fields in another type
    }) == 5
    with pytest.raises(TypeError):
        pdf_cache.key(object())  # its repr holds an address: a key made of it would never match again


def test_a_key_is_the_same_in_another_process():
    code = ("from generator import pdf_cache; from generator.pdf_cache import Printing; "
            "print(pdf_cache.key(Printing(None, 3), {'b': 1, 'a': frozenset({'y', 'x'})}, (1.5, None)))")
    keys = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(keys) == 1 and len(next(iter(keys))) == 64


_WRITER = """
import sys
from generator.pdf_cache import PdfCache
cache, me = PdfCache(sys.argv[1]), sys.argv[2]
for n in range(300):
    key = f"k{n % 7}"
    entry = cache.get(key)
    if entry is not None and entry.data != key.encode() * 5000:
        sys.exit(f"read a wrong entry for {key}")
    cache.put(key, key.encode() * 5000, {"by": me})
"""


def test_processes_writing_and_reading_the_same_keys_at_once_never_read_a_wrong_entry(tmp_path):
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), str(n)], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
               for n in range(3)]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    cache = PdfCache(tmp_path)
    assert all(cache.get(f"k{n}").data == f"k{n}".encode() * 5000 for n in range(7))
    assert not list(cache.folder.glob(".tmp-*"))


# Printing through the cache ----------------------------------------------------------------------------------------


def sheets_project(folder: Path) -> Project:
    """Three posters of the poster fixture (in three languages each) and the two checklists of the checklist
    fixture, each in three languages and bilingually: 17 PDFs."""
    return Project(make_project(folder, policies=[POSTERS / "policies", *sorted(CHECKLISTS.glob("*.yaml"))],
                                handbook="cases", templates=True, mkdocs=POSTERS / "mkdocs.yml"))


def print_sheets(
    project: Project, out: Path, cache: PdfCache | None, jobs: int = 1, kinds=(locations.POSTERS, locations.CHECKLISTS)
) -> Printing:
    handbook, _, broken = load(project)
    assert not broken
    out.mkdir(parents=True, exist_ok=True)
    # The posters and checklists only: the handbook PDFs (generator.book) are counted in test_book.py.
    sheets = {kind: w for kind, w in publish.writers().items() if kind in kinds}
    return publish.print_all(handbook, project, out, sheets, Printing(cache, jobs))


def pdfs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.pdf"))}


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    assert before.keys() == after.keys()
    return {name for name in before if before[name] != after[name]}


@pytest.fixture(scope="module")
def printed_once(tmp_path_factory):
    """The sheets project printed once through a cache: (project folder, cache folder, the PDFs). Tests copy both."""
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        folder = tmp_path_factory.mktemp("printed-once")
        project = sheets_project(folder / "project")
        printing = print_sheets(project, folder / "out", PdfCache(folder / "cache"), jobs=2)
        assert (printing.printed, printing.reused) == (17, 0)
        yield folder / "project", folder / "cache", pdfs(folder / "out")
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


@pytest.fixture
def again(printed_once, tmp_path, monkeypatch):
    """A copy of the printed project and its cache, and a function that prints it again: (printing, PDFs)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project_folder, cache_folder, first = printed_once
    shutil.copytree(project_folder, tmp_path / "project")
    shutil.copytree(cache_folder, tmp_path / "cache")
    project, cache = Project(tmp_path / "project"), PdfCache(tmp_path / "cache")

    def reprint(kinds=(locations.POSTERS, locations.CHECKLISTS)) -> tuple[Printing, dict[str, bytes]]:
        out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"
        return print_sheets(project, out, cache, kinds=kinds), pdfs(out)

    return project, cache, first, reprint


def edit_policy(project: Project, policy_id: str, edit) -> None:
    path = project.policies / f"{policy_id}.yaml"
    data = safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def find(clauses: list[dict], clause_id: str) -> dict:
    for clause in clauses:
        if clause["id"] == clause_id:
            return clause
        found = find(clause.get("clauses", []), clause_id)
        if found:
            return found
    return {}


@pytest.mark.slow
def test_nothing_changed_nothing_is_printed_and_the_files_are_the_same(again):
    _, _, first, reprint = again
    printing, after = reprint()
    assert (printing.printed, printing.reused) == (0, 17)
    assert changed(first, after) == set()


@pytest.mark.slow
def test_a_clauses_chinese_reprints_the_chinese_sheets_of_the_one_poster_that_shows_it(again):
    project, _, first, reprint = again

    def edit(data):
        find(data["clauses"], "legality")["text"]["zh"] += "（修訂）"

    edit_policy(project, "fixture-wall-rules", edit)
    printing, after = reprint()
    # Only the poster basic-principles selects the chapter that holds legality; its English sheet keeps its words,
    # and no checklist lists a check of that policy.
    assert (printing.printed, printing.reused) == (2, 15)
    assert changed(first, after) == {f"posters/fixture-wall-rules/basic-principles-{lang}.pdf" for lang in ("zh-Hant", "zh-Hans")}


@pytest.mark.slow
def test_a_checks_words_reprint_the_one_checklist_that_lists_it(again):
    project, _, first, reprint = again

    def edit(data):
        check = find(data["clauses"], "resignation")["checks"][0]
        assert check["id"] == "notice-given"
        check["do"]["en"] += " (revised)"

    edit_policy(project, "sample-rules", edit)
    printing, after = reprint()
    # leaving lists notice-given, records-monthly does not; the Chinese forms of leaving keep their words.
    assert (printing.printed, printing.reused) == (2, 15)
    assert changed(first, after) == {f"checklists/sample-rules/leaving-{lang}.pdf" for lang in ("en", "bilingual")}


@pytest.mark.slow
@pytest.mark.parametrize("template, reprinted", [
    ("poster/poster.css", 9),  # three posters in three languages
    ("poster/poster.html", 9),
    ("checklist/checklist.css", 8),  # two checklists in three languages and bilingually
])
def test_a_template_or_stylesheet_reprints_every_sheet_of_its_kind_and_no_other(again, template, reprinted):
    project, _, first, reprint = again
    path = project.templates / template
    path.write_text(path.read_text(encoding="utf-8") + ("\n/* changed */\n" if path.suffix == ".css" else "\n{# changed #}\n"),
                    encoding="utf-8")
    printing, after = reprint()
    assert (printing.printed, printing.reused) == (reprinted, 17 - reprinted)
    kind = "posters/" if template.startswith("poster/") else "checklists/"
    assert {name for name in first if name.startswith(kind)} >= changed(first, after)


@pytest.mark.slow
def test_the_interface_words_reprint_every_sheet(again):
    # The posters: every kind's key is made by one function (generator.pdf), and a poster's fit verdict has a key of
    # its own that must follow the words too.
    project, _, _, reprint = again
    words = project.templates / "words.yaml"
    words.write_text(words.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    printing, _ = reprint(kinds=(locations.POSTERS,))
    assert (printing.printed, printing.reused) == (9, 0)


@pytest.mark.slow
def test_a_changed_font_file_reprints_the_sheets_set_in_it(again, tmp_path, monkeypatch):
    _, _, _, reprint = again
    # A stand-in file for the Simplified face, listed after the real ones (the form font reads the first it can).
    stand_in = tmp_path / "NotoSansCJKsc-Stand-in.otf"
    stand_in.write_bytes(b"version 1")
    real = fonts.font_files()
    with_stand_in = {**real, "Noto Sans CJK SC": (*real["Noto Sans CJK SC"], stand_in)}
    monkeypatch.setattr(fonts, "font_files", lambda: with_stand_in)
    printing, _ = reprint()  # the stand-in is new to every sheet set in that family
    # The Simplified posters are set in SC; every checklist's form fields take their Latin letters from it
    # (fonts.LATIN_FONTS). The other posters are Traditional and English sheets of Traditional policies: TC.
    assert (printing.printed, printing.reused) == (3 + 8, 6)
    assert reprint()[0].printed == 0
    stand_in.write_bytes(b"version 2, longer")
    printing, _ = reprint(kinds=(locations.POSTERS,))  # the same file with other bytes: the posters say it
    assert (printing.printed, printing.reused) == (3, 6)


@pytest.mark.slow
def test_a_damaged_entry_is_printed_again_and_never_published(again):
    _, cache, first, reprint = again
    entries = sorted(cache.folder.glob("*.pdf-entry"))
    assert len(entries) == 17
    entries[0].write_bytes(entries[0].read_bytes()[:-1000])  # as a copy cut short would leave it
    printing, after = reprint()
    assert (printing.printed, printing.reused) == (1, 16)
    assert changed(first, after) == set()  # the same PDF as before, whole
    assert all(data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF") for data in after.values())


@pytest.mark.slow
def test_printing_on_several_processes_gives_the_bytes_of_printing_on_one(printed_once, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project_folder, _, parallel = printed_once  # printed on two processes
    # The posters (nine of the seventeen sheets) printed again on one process, with no cache.
    serial = print_sheets(Project(project_folder), tmp_path / "serial", None, jobs=1, kinds=(locations.POSTERS,))
    assert (serial.printed, serial.reused) == (9, 0)
    assert pdfs(tmp_path / "serial") == {name: data for name, data in parallel.items() if name.startswith("posters/")}


@pytest.mark.slow
def test_a_printing_process_writes_its_sheets_and_hands_back_no_pdf(again, monkeypatch):
    """At 200 policies the sheets are gigabytes: the build must not hold them all (nor a second, pickled copy)."""
    from generator import pdf

    project, cache, first, _ = again
    handed_back: list = []
    each = pdf.each

    def recorded(work, items, jobs=1):
        outcomes = each(work, items, jobs)
        handed_back.extend(outcomes)
        return outcomes

    monkeypatch.setattr(pdf, "each", recorded)
    printing = print_sheets(project, project.root.parent / "out-parallel", cache, jobs=2)
    assert printing.printed + printing.reused == len(handed_back) == 17
    smallest_sheet = min(len(data) for data in first.values())
    assert max(len(pickle.dumps(outcome)) for outcome in handed_back) < smallest_sheet / 4
    assert changed(first, pdfs(project.root.parent / "out-parallel")) == set()  # every sheet written, whole


# The command line --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_cache_prints_every_sheet_and_leaves_the_cache_alone(again, capsys, monkeypatch):
    project, cache, _, _ = again
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache.root.parent))
    cache.root.rename(cache.root.parent / "rulebook")
    cache = PdfCache()
    before = {p.name: p.stat().st_mtime_ns for p in cache.folder.iterdir()}
    assert main(["-C", str(project.root), "poster", "--out", str(project.root / "out"), "--no-cache", "--jobs", "1"]) == 0
    assert "printed 9 PDFs, reused 0 from the cache" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in cache.folder.iterdir()} == before
    assert main(["-C", str(project.root), "poster", "--out", str(project.root / "out")]) == 0
    assert "printed 0 PDFs, reused 9 from the cache" in capsys.readouterr().out


def test_jobs_must_be_a_positive_number(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["poster", "--jobs", "0"])
    assert stop.value.code == 2
    assert "'0' is not a number of processes" in capsys.readouterr().err
