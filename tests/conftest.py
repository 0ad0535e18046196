"""The one way tests make a project: a temporary folder holding what a test needs of this checkout or of a fixture.

Tests import `make_project` from here and change their copy freely; the checkout itself is never written to.
"""

from __future__ import annotations

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
    cache: copy this checkout's derived search dictionary (.cache/rulebook) so that a site build need not remake it.
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
    if cache and (ROOT / ".cache" / "rulebook").is_dir():
        shutil.copytree(ROOT / ".cache" / "rulebook", folder / ".cache" / "rulebook")
    return folder


@pytest.fixture(autouse=True)
def private_pdf_cache(tmp_path_factory, monkeypatch):
    """Every test prints through a cache of its own, never the user's ~/.cache/rulebook, nor an earlier test's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
