"""`rulebook build` and `rulebook serve`, and the plugin under plain mkdocs: atomic output, errors reported as
`rulebook check` reports them, printable files written through their renderers, and the preview's watch list.

Uses the small fixture corpus so that each build takes a few seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.plugins import get_plugins

from generator.cli import main
from generator import publish
from test_site import ROOT, assemble_project

FIXTURE = Path(__file__).parent / "fixtures" / "mini" / "policies"


@pytest.fixture
def project(tmp_path):
    return assemble_project(tmp_path / "project", FIXTURE)


@pytest.mark.slow
def test_build_writes_the_site_and_replaces_it_only_when_a_new_one_is_complete(project, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["-C", str(project.root), "build", "--out", str(out)]) == 0
    assert "built the handbook site" in capsys.readouterr().out
    first = (out / "policies" / "mini-wall-rules" / "index.html").read_text(encoding="utf-8")
    (out / "marker").write_text("from the first build", encoding="utf-8")

    # A page that clashes with a generated one passes `rulebook check` but fails inside mkdocs.
    (project.root / "docs" / "glossary.md").write_text("# mine\n", encoding="utf-8")
    assert main(["-C", str(project.root), "build", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "docs/glossary.md" in err and "previous site was left as it was" in err
    assert (out / "marker").read_text(encoding="utf-8") == "from the first build"
    assert (out / "policies" / "mini-wall-rules" / "index.html").read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project"]

    (project.root / "docs" / "glossary.md").unlink()
    assert main(["-C", str(project.root), "build", "--out", str(out)]) == 0
    assert not (out / "marker").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project"]


@pytest.mark.slow
def test_a_placeholder_site_url_is_a_loud_warning_and_strict_builds_refuse_it(project, tmp_path, capsys):
    assert "site_url: https://handbook.example.com/" in (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    out = tmp_path / "out"

    def build(*options) -> tuple[int, str]:
        code = main(["-C", str(project.root), "build", "--out", str(out), *options])
        return code, capsys.readouterr().err

    code, err = build("--strict")
    assert code == 1 and not out.exists()
    assert "mkdocs.yml" in err and "`site_url`" in err and "Traceback" not in err
    code, err = build()
    assert code == 0 and (out / "index.html").exists()
    warning = [line for line in err.splitlines() if "placeholder" in line]
    assert warning and "WARNING" in warning[0] and "mkdocs.yml" in warning[0] and "`site_url`" in warning[0]


def test_a_handbook_with_errors_is_reported_like_check_and_nothing_is_built(project, tmp_path, capsys):
    policy = project.policies / "mini-finance-rules.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("mini-wall-rules#expense-reimbursement", "mini-wall-rules#no-such-clause"), encoding="utf-8")
    line = next(i for i, row in enumerate(policy.read_text(encoding="utf-8").splitlines(), 1) if "no-such-clause" in row)
    out = tmp_path / "out"
    assert main(["-C", str(project.root), "build", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"mini-finance-rules.yaml:{line}:" in err and "E030" in err and "hint:" in err
    assert "1 error" in err
    assert not out.exists()


def test_build_refuses_an_output_folder_it_would_destroy(project, tmp_path, capsys):
    assert main(["-C", str(project.root), "build", "--out", str(project.root)]) == 2
    assert "holds the project itself" in capsys.readouterr().err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["-C", str(project.root), "build", "--out", str(mine)]) == 2
    assert "was not made by a rulebook build" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    # A web root with a default home page is not a site of ours either.
    web = tmp_path / "www"
    web.mkdir()
    (web / "index.html").write_text('<html><meta name="generator" content="nginx"></html>', encoding="utf-8")
    (web / "other.html").write_text("someone's page", encoding="utf-8")
    assert main(["-C", str(project.root), "build", "--out", str(web)]) == 2
    assert (web / "other.html").is_file()


@pytest.mark.slow
def test_a_site_built_before_output_markers_is_replaced(project, tmp_path, capsys):
    """Sites built before output folders carried a marker are recognised by rulebook's own page and script."""
    old = tmp_path / "site"
    (old / "assets" / "rulebook").mkdir(parents=True)
    (old / "assets" / "rulebook" / "rulebook.js").write_text("/* rulebook */", encoding="utf-8")
    (old / "index.html").write_text('<head><meta name="generator" content="rulebook, mkdocs-1.6.1"></head>', encoding="utf-8")
    (old / "stale.html").write_text("from the old build", encoding="utf-8")
    assert main(["-C", str(project.root), "build", "--out", str(old)]) == 0
    assert not (old / "stale.html").exists() and (old / ".rulebook-output").is_file()


@pytest.mark.slow
def test_the_build_prints_posters_and_checklists_through_their_renderers(project, tmp_path, monkeypatch):
    config = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    (project.root / "mkdocs.yml").write_text(config.replace("      print_files: false\n", ""), encoding="utf-8")
    calls = []

    def write_posters(handbook, out_dir, proj, printing=None):
        calls.append(("posters", out_dir, proj.root))
        written = []
        for policy in handbook.policies.values():
            for poster in policy.posters:
                for lang in ("zh-Hant", "zh-Hans", "en"):
                    path = out_dir / "posters" / policy.id / f"{poster.id}-{lang}.pdf"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(b"%PDF-1.7 poster")
                    written.append(path)
        return written

    def write_checklists(handbook, out_dir, proj, printing=None):
        calls.append(("checklists", out_dir, proj.root))
        shutil.rmtree(out_dir / "checklists", ignore_errors=True)  # as the real one does: its folder is its own
        for policy in handbook.policies.values():
            for checklist in policy.checklists:
                for ext in ("pdf", "csv", "json"):
                    path = out_dir / "checklists" / policy.id / f"{checklist.id}.{ext}"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(ext, encoding="utf-8")
        return []

    def checklist_page(handbook, policy, checklist, lang, site_root, files):
        return f'<div class="made-by-the-checklist-renderer" data-files="{files}" data-root="{site_root}"></div>'

    monkeypatch.setattr(publish, "writers", lambda: {"posters/": write_posters, "checklists/": write_checklists})
    monkeypatch.setattr(publish, "checklist_page", lambda: checklist_page)
    from generator.site.build import build

    out = tmp_path / "out"
    build(project, out)
    assert [c[0] for c in calls] == ["posters", "checklists"] and all(c[2] == project.root for c in calls)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".rulebook-output"]  # the marker, no staging folder
    page = (out / "en" / "policies" / "mini-wall-rules" / "index.html").read_text(encoding="utf-8")
    for lang in ("zh-Hant", "zh-Hans", "en"):
        assert f'href="../../../posters/mini-wall-rules/attendance-{lang}.pdf"' in page
        assert (out / "posters" / "mini-wall-rules" / f"attendance-{lang}.pdf").exists()
    printable = (out / "en" / "checklists" / "mini-wall-rules" / "expense-claim" / "index.html").read_text(encoding="utf-8")
    assert 'class="made-by-the-checklist-renderer" data-files="../../../../checklists/mini-wall-rules/" data-root="../../../"' in printable
    assert (out / "checklists" / "mini-wall-rules" / "expense-claim" / "index.html").exists()
    for ext in ("pdf", "csv", "json"):
        assert (out / "checklists" / "mini-wall-rules" / f"expense-claim.{ext}").exists()


@pytest.mark.slow
def test_a_failing_printer_fails_the_build_and_keeps_the_previous_site(project, tmp_path, monkeypatch, capsys):
    config = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    (project.root / "mkdocs.yml").write_text(config.replace("      print_files: false\n", ""), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("the previous site", encoding="utf-8")
    (out / ".rulebook-output").write_text("made by an earlier build", encoding="utf-8")

    def broken(handbook, out_dir, proj, printing=None):
        raise RuntimeError("the poster font is missing")

    monkeypatch.setattr(publish, "writers", lambda: {"posters/": broken, "checklists/": lambda *a, **k: []})
    assert main(["-C", str(project.root), "build", "--out", str(out)]) == 1
    assert "the poster font is missing" in capsys.readouterr().err
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"


@pytest.mark.slow
def test_plain_mkdocs_builds_the_site(project, tmp_path):
    assert "rulebook" in get_plugins()
    out = tmp_path / "plain"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str((project.root / "mkdocs.yml")), "-d", str(out)],
        capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert (out / "zh-Hans" / "policies" / "mini-finance-rules" / "index.html").exists()
    assert not (project.root / "docs" / "policies").exists()


class Server:
    def __init__(self):
        self.watched = []

    def watch(self, path, *args, **kwargs):
        self.watched.append(Path(path))


def test_the_preview_rebuilds_when_a_policy_or_a_site_template_changes(project):
    config = load_config(config_file=str((project.root / "mkdocs.yml")))
    config.plugins.on_startup(command="serve", dirty=False)
    config = config.plugins.on_config(config)
    rulebook = config.plugins["rulebook"]
    server = Server()
    rulebook.on_serve(server, config=config, builder=None)
    assert project.policies in server.watched
    assert project.templates in server.watched  # the site's templates, and the interface words beside them
    # The preview prints (in the background) and links what a build of the same configuration does: here nothing.
    assert rulebook.serving and rulebook.config.print_files is False
    assert rulebook.site.writers == {} and not rulebook.site.renderer.downloads.posters


def test_the_site_configuration_uses_the_plugin_and_no_web_fonts():
    config = load_config(config_file=str(ROOT / "mkdocs.yml"))
    assert "rulebook" in config.plugins
    assert config.theme["font"] is False


def test_the_configuration_chooses_which_printed_files_the_site_carries(project):
    from generator.site.pipeline import HandbookSite, SiteError

    site = HandbookSite(project, print_files=["posters", "checklists"])
    assert list(site.writers) == ["posters/", "checklists/"]
    downloads = site.renderer.downloads
    assert downloads.posters and downloads.checklists and not downloads.books and not downloads.acknowledgements
    body = site.generated("policies/mini-wall-rules/").body
    assert "posters/mini-wall-rules/attendance-en.pdf" in body and "books/" not in body
    assert list(HandbookSite(project, print_files=True).writers) == list(publish.PRINTED)
    assert HandbookSite(project, print_files=False).writers == {}
    with pytest.raises(SiteError) as refused:
        HandbookSite(project, print_files=["posters", "leaflets"])
    assert "print_files names leaflets" in str(refused.value)
    assert "posters, checklists, acknowledgements, books" in str(refused.value)
