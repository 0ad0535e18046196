"""The PDF cache between whole builds: two builds at once into different folders share it safely, and the form font
is made once and kept beside the sheets (tests/test_pdf_cache.py tests the store and the sheets' keys).

Apart from tests/test_pdf_cache.py so that the two modules run on different cores.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT, cache_home
from test_pdf_cache import EPOCH, pdfs

from generator import fonts, pdf_cache
from generator.pdf_cache import PdfCache


@pytest.mark.slow
def test_two_builds_at_once_into_different_folders_share_the_cache(tmp_path):
    from test_site import assemble_project

    project = assemble_project(tmp_path / "project", ROOT / "tests" / "fixtures" / "mini" / "policies")
    config = project.root / "mkdocs.yml"
    # Posters and checklists: sharing the cache is the same for every kind, and the forms and handbook PDFs would
    # triple the printing.
    config.write_text(config.read_text(encoding="utf-8").replace("print_files: false", "print_files: [posters, checklists]"),
                      encoding="utf-8")
    xdg = cache_home(tmp_path / "xdg")  # only the fonts' derivatives shared: the PDFs start from nothing
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(xdg), "SOURCE_DATE_EPOCH": EPOCH}

    def start(out: str):
        return subprocess.Popen([sys.executable, "-m", "generator", "-C", str(project.root), "build", "--out",
                                 str(tmp_path / out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    builds = [start("one"), start("two")]
    logs = [b.communicate(timeout=600)[0] for b in builds]
    assert [b.returncode for b in builds] == [0, 0], logs
    # Each build accounts for its 7 PDFs, printed or reused: one poster in three languages; one checklist in three
    # languages and bilingually.
    for log in logs:
        counts = re.findall(r"printed (\d+) PDFs?, reused (\d+) from the cache", log)
        assert len(counts) == 1 and sum(map(int, counts[0])) == 7, log
    assert pdfs(tmp_path / "one") == pdfs(tmp_path / "two") and len(pdfs(tmp_path / "one")) == 7
    cache = PdfCache(tmp_path / "xdg" / "rulebook")
    entries = [pdf_cache._parse(p.read_bytes()) for p in sorted(cache.folder.iterdir())]
    assert all(entries)  # whole, though written by two builds at once
    # Complete builds note when they began: what they used stays for the next build (tests/test_pdf_cache.py).
    assert float((cache.root / pdf_cache.LAST_BUILD).read_text(encoding="ascii")) > 0
    # The PDFs, beside what the cache keeps of the posters' fit (an entry with no PDF).
    assert len([e for e in entries if e and e.data]) == 7
    third = start("three")
    assert third.wait(timeout=600) == 0
    assert "printed 0 PDFs, reused 7 from the cache" in third.stdout.read()


@pytest.mark.slow
def test_a_build_after_one_longer_than_an_hour_and_larger_than_the_cache_prints_nothing(tmp_path):
    """What a handbook of 200 policies did (80 minutes, 5 GB against the 1 GB limit): the no-op build after it stored
    a poster's verdict while checking, and that store's eviction removed the sheets of the long build's first hour.
    Here the build is made two hours old and the limit nothing; one verdict is gone, so the next build stores. (The
    checklists only: the posters' verdicts are made by the check whatever is printed.)"""
    from test_site import assemble_project

    project = assemble_project(tmp_path / "project", ROOT / "tests" / "fixtures" / "mini" / "policies")
    config = project.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("print_files: false", "print_files: [checklists]"),
                      encoding="utf-8")
    xdg = cache_home(tmp_path / "xdg")
    temporary = tmp_path / "tmp"  # and the printing processes leave nothing there (see below)
    temporary.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(xdg), "SOURCE_DATE_EPOCH": EPOCH,
           "TMPDIR": str(temporary)}

    def build(out: str, **more: str) -> str:
        done = subprocess.run([sys.executable, "-m", "generator", "-C", str(project.root), "build", "--out", str(tmp_path / out)],
                              env={**env, **more}, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    assert "printed 4 PDFs, reused 0" in build("cold")
    cache = PdfCache(xdg / "rulebook")
    hours_ago = time.time() - 2 * pdf_cache.IN_USE_SECONDS
    began = cache.root / pdf_cache.LAST_BUILD
    began.write_text(repr(float(began.read_text(encoding="ascii")) - 2 * pdf_cache.IN_USE_SECONDS), encoding="ascii")
    entries = sorted(cache.folder.iterdir())
    for path in entries:
        os.utime(path, (hours_ago, hours_ago))
    verdicts = [p for p in entries if (e := pdf_cache._parse(p.read_bytes())) is not None and not e.data]
    assert verdicts
    verdicts[0].unlink()
    assert "printed 0 PDFs, reused 4" in build("again", RULEBOOK_CACHE_MB="0")
    assert {p.name for p in entries} - {verdicts[0].name} <= {p.name for p in cache.folder.iterdir()}  # none evicted
    assert list(temporary.iterdir()) == []


# The form font -----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_form_font_is_made_once_kept_in_the_cache_folder_and_made_again_when_damaged_or_its_fonts_change(
        tmp_path, monkeypatch):
    from generator import form_font

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # not the session's shared font cache
    made = form_font.form_font.__wrapped__()  # past the per-process memo
    entries = list((tmp_path / "xdg" / "rulebook" / "form-font").iterdir())
    assert len(entries) == 1 and made.startswith(b"\x00\x01\x00\x00")  # a TrueType font

    class MadeAgain(Exception):
        pass

    def refuse(*_):
        raise MadeAgain

    monkeypatch.setattr(form_font, "_merged", refuse)
    assert form_font.form_font.__wrapped__() == made  # read back, not made
    data = entries[0].read_bytes()
    entries[0].write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit of the font changed on disk
    with pytest.raises(MadeAgain):
        form_font.form_font.__wrapped__()
    entries[0].write_bytes(data)
    assert form_font.form_font.__wrapped__() == made
    stand_in = tmp_path / "DroidSansFallback-Stand-in.ttf"
    stand_in.write_bytes(b"version 1")
    real = fonts.font_files()
    monkeypatch.setattr(form_font, "font_files", lambda: {**real, fonts.FIELD_FONT: (*real[fonts.FIELD_FONT], stand_in)})
    with pytest.raises(MadeAgain):  # another version of the fonts it is made from
        form_font.form_font.__wrapped__()


# What printing leaves behind -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_printing_leaves_no_temporary_font_folder(tmp_path):
    """WeasyPrint writes the form font into a temporary folder of each process that prints; the command and its
    printing processes leave by os._exit, which would leave those folders (4.5 MB each) in the temporary folder.
    Here the command prints in its own process; the build above prints in a pool of processes."""
    from conftest import make_project

    project = make_project(tmp_path / "project", policies=ROOT / "tests" / "fixtures" / "mini" / "policies", templates=True)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temporary), "RULEBOOK_NO_CACHE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(project), "checklist", "--lang", "en", "--jobs", "1", "--out",
         str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "printed 1 PDF" in done.stdout + done.stderr
    assert sorted(p.name for p in temporary.iterdir()) == []
