"""The one way tests make a project: a temporary folder holding what a test needs of this checkout or of a fixture.

Tests import `make_project` from here and change their copy freely; the checkout itself is never written to.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Handbook data (roles, glossary, requirements, external documents) a project can be given by name.
HANDBOOKS = {
    "corpus": ROOT / "policies" / "handbook",
    # Frozen so that growing the real handbook data never changes what a check case must report.
    "cases": ROOT / "tests" / "check_cases" / "handbook",
}
MINIMAL_MKDOCS = "site_name: Test\n"
# The derived search dictionaries every site build needs (jieba's dictionary in Traditional forms, and jieba's parse of
# it, cached by the dictionary's absolute path): seconds to make, the same for every project. Projects made with
# cache=True share one folder, set by the `search_cache` fixture below.
SEARCH_CACHE: list[Path] = []
Policies = str | Path | dict[str, object]


def make_project(
    folder: Path,
    *,
    policies: Policies | Iterable[Policies] = (),
    handbook: str | Path | None = None,
    templates: bool | str = False,
    docs: bool = False,
    mkdocs: bool | str | Path = False,
    cache: bool = False,
) -> Path:
    """Make `folder` a project (created if missing) and return it.

    policies: what goes into policies/, in order: "corpus" (this checkout's policies/, handbook/ included), a folder
        (copied whole), a policy file, or a mapping of file stem → text or data (data is written as YAML).
    handbook: the data for policies/handbook/, replacing any the policies brought: "corpus", "cases" (the check
        cases' frozen copy), or a folder.
    templates: True for all of templates/, or the name of one of its folders ("diff").
    docs: copy docs/ (the hand-written pages of the site).
    mkdocs: the mkdocs.yml: False for a minimal one, True for this checkout's, a Path to copy, or the text to write.
    cache: point the rulebook plugin at the session's shared search dictionaries (see SEARCH_CACHE) so that a site build
        need not remake them; the mkdocs.yml must use the plugin.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "policies"
    target.mkdir(exist_ok=True)
    for item in [policies] if isinstance(policies, (str, Path, dict)) else policies:
        if item == "corpus":
            item = ROOT / "policies"
        if isinstance(item, dict):
            for stem, content in item.items():
                text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
                (target / f"{stem}.yaml").write_text(text, encoding="utf-8")
        elif Path(item).is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy(item, target / Path(item).name)
    if handbook is not None:
        shutil.rmtree(target / "handbook", ignore_errors=True)
        shutil.copytree(HANDBOOKS[handbook] if isinstance(handbook, str) else handbook, target / "handbook")
    if templates:
        source = ROOT / "templates" if templates is True else ROOT / "templates" / templates
        shutil.copytree(source, folder / source.relative_to(ROOT))
    if docs:
        shutil.copytree(ROOT / "docs", folder / "docs")
    config = folder / "mkdocs.yml"
    if mkdocs is True:
        shutil.copy(ROOT / "mkdocs.yml", config)
    elif isinstance(mkdocs, Path):
        shutil.copy(mkdocs, config)
    elif isinstance(mkdocs, str):
        config.write_text(mkdocs, encoding="utf-8")
    else:
        config.write_text(MINIMAL_MKDOCS, encoding="utf-8")
    if cache:
        config.write_text(share_search_cache(config.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def share_search_cache(config: str) -> str:
    """The mkdocs.yml text with the rulebook plugin's `cache_dir` set to the session's shared folder."""
    entry = re.compile(r"^( *)- rulebook(:?)[ \t]*$", re.M)
    found = entry.search(config)
    assert found, "cache=True needs the rulebook plugin in mkdocs.yml (as `- rulebook` or `- rulebook:` with options)"
    assert SEARCH_CACHE, "the search_cache fixture sets the shared folder at the start of the session"
    option = f"{found[1]}    cache_dir: '{SEARCH_CACHE[0]}'"
    return config[: found.start()] + f"{found[1]}- rulebook:\n{option}" + config[found.end() :]


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto` (pyproject's addopts): one worker more than there are cores. A worker spends much of its time waiting
    for a build in a subprocess, a browser, poppler or a sleep; on two cores a third worker ran the suite 20 s quicker
    (527 -> 507 s, the same tree, one after the other), and more workers only share the same cores."""
    return (os.cpu_count() or 1) + 1


@pytest.fixture(scope="session", autouse=True)
def search_cache(request, tmp_path_factory):
    """The shared folder of search dictionaries: in pytest's own cache (.pytest_cache), kept from run to run and named
    by the code that makes them (generator/site/search.py), or a temporary one under `-p no:cacheprovider`. pytest-xdist
    workers share it; its files are written atomically, so workers making the same one at once only repeat the work."""
    code = hashlib.sha256((ROOT / "generator" / "site" / "search.py").read_bytes()).hexdigest()[:12]
    store = getattr(request.config, "cache", None)
    folder = store.mkdir(f"rulebook-search-{code}") if store is not None else tmp_path_factory.mktemp("search-cache")
    SEARCH_CACHE[:] = [folder]
    return folder


def shared_folder(tmp_path_factory) -> Path:
    """The session's temporary folder that every pytest-xdist worker of this run sees (its own one otherwise)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def corpus_site(tmp_path_factory, search_cache) -> tuple[Path, Path]:
    """(project, site): the site of this checkout's corpus, pages and templates (posters and checklists left out, see
    tests/test_site.py), built once for the whole run and shared by its workers. Read it; never change it."""
    from test_site import build_site

    folder = shared_folder(tmp_path_factory) / "corpus-site"
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds; the others wait for it, then read
        if not (folder / "complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            build_site(folder)
            (folder / "complete").touch()
    return folder / "project", folder / "site"


@pytest.fixture(scope="session")
def font_cache(request, tmp_path_factory) -> Path:
    """The session's folder of what is made from the installed fonts (the form font, the fonts' widths): in pytest's
    own cache like the search dictionaries, since these entries are keyed by the font files and the code that makes
    them, and making the form font takes seconds."""
    store = getattr(request.config, "cache", None)
    return store.mkdir("rulebook-fonts") if store is not None else shared_folder(tmp_path_factory) / "rulebook-fonts"


FONT_CACHE: list[Path] = []  # the session's font_cache folder, for cache_home()


def cache_home(folder: Path) -> Path:
    """folder made into an XDG_CACHE_HOME whose rulebook cache is empty but for what is made from the fonts, shared
    with the session (see font_cache). Returns folder."""
    (folder / "rulebook").mkdir(parents=True, exist_ok=True)
    for kind in ("form-font", "font-widths"):
        (FONT_CACHE[0] / kind).mkdir(parents=True, exist_ok=True)
        (folder / "rulebook" / kind).symlink_to(FONT_CACHE[0] / kind, target_is_directory=True)
    return folder


@pytest.fixture(autouse=True)
def private_pdf_cache(tmp_path_factory, monkeypatch, font_cache):
    """Every test prints through a cache of its own, never the user's ~/.cache/rulebook, nor an earlier test's; only
    what is made from the fonts is shared (see font_cache)."""
    FONT_CACHE[:] = [font_cache]
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home(tmp_path_factory.mktemp("xdg-cache"))))
