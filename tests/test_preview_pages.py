"""The live preview's page reuse (generator/site/page_cache.RenderedPages): after a save it renders again only the pages
that read a changed policy, and every page it gives equals the page a full render gives.

Each case saves one change a policy owner makes (a clause's words, whom a clause applies to, an owner, a title, a
new or deleted policy) to a copy of the fixture handbook or of the corpus, and compares the reused pages with a
fresh render page by page: a page that reads another policy without saying so shows up here as a stale page.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

import pytest
from conftest import make_project

from generator.loader import load
from generator.localise import Catalogue, Localisers
from generator.project import Project
from generator.site import page_cache
from generator.site.render import Downloads, PlannedPage, SiteRenderer

FIXTURE = Path(__file__).parent / "fixtures" / "mini" / "policies"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "site"
TODAY = date(2026, 9, 1)


def renderer(project: Project) -> SiteRenderer:
    handbook, findings, broken = load(project)
    assert not broken and not [f for f in findings if f.severity == "error"], findings
    return SiteRenderer(handbook, TEMPLATES, Localisers(handbook.languages, Catalogue.load(TEMPLATES.parent)), Downloads(), today=TODAY)


def preview_render(project: Project, rendered: page_cache.RenderedPages) -> tuple[dict, set[tuple]]:
    """One rebuild's pages by path, and the names of the pages it rendered (the others were reused)."""
    site = renderer(project)
    made: set[tuple] = set()

    def counted(page: PlannedPage) -> PlannedPage:
        def make():
            made.add(page.name)
            return page.make()

        return PlannedPage(page.name, make, page.reads, page.glimpses)

    made_of = page_cache.pages_made_of(project, site.handbook, Downloads(), TODAY)
    pages = rendered.render([counted(p) for p in site.plan()], made_of)
    return {p.path: p for p in pages}, made


def full_render(project: Project) -> dict:
    return {p.path: p for p in renderer(project).pages()}


def save(project: Project, stem: str, old: str, new: str) -> None:
    path = project.policies / f"{stem}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should be once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(make_project(tmp_path / "project", policies=FIXTURE))


def rendered_after(project: Project, change) -> set[tuple]:
    """Render, apply change, render again reusing: the reused pages must equal a fresh render's; returns what was
    rendered again."""
    rendered = page_cache.RenderedPages()
    preview_render(project, rendered)
    change()
    pages, made = preview_render(project, rendered)
    fresh = full_render(project)
    assert list(pages) == list(fresh)
    stale = [path for path in fresh if pages[path] != fresh[path]]
    assert stale == [], f"pages reused although what they show changed: {stale}"
    return made


def test_nothing_changed_renders_nothing(project):
    assert rendered_after(project, lambda: None) == set()


def test_a_clause_edit_renders_its_policy_and_the_pages_that_show_the_clause(project):
    # expense-reimbursement applies to all-staff and the finance department, and mini-finance-rules links to it.
    made = rendered_after(
        project, lambda: save(project, "mini-wall-rules", "並於{claim-days}日內", "並於{claim-days}個工作日內")
    )
    kinds = {(name[0], name[2] if len(name) > 2 else "") for name in made}
    assert ("policy", "mini-wall-rules") in kinds and ("checklist", "mini-wall-rules") in kinds
    assert ("policy", "mini-finance-rules") in kinds  # its link names the clause by its words when untitled
    assert ("role", "finance-department") in kinds
    assert ("glossary", "") not in kinds


def test_a_policy_that_links_to_other_clauses_of_the_edited_one_is_not_rendered_again(project):
    # mini-finance-rules links to mini-wall-rules' expense-reimbursement, not to external-training.
    made = rendered_after(project, lambda: save(project, "mini-wall-rules", "選派員工參加行業研討會。", "選派員工參加研討會。"))
    assert {name[2] for name in made if name[0] in ("policy", "parallel", "history")} == {"mini-wall-rules"}


@pytest.mark.parametrize(
    "stem, old, new",
    [
        # A clause comes to apply to a role no clause named: that role's page lists it now.
        ("mini-finance-rules", "applies_to: [department-head]", "applies_to: [department-head, sales-department]"),
        # ... and stops applying to one.
        ("mini-wall-rules", "applies_to: [customer-service-department]", "applies_to: [all-staff]"),
        ("mini-finance-rules", "owner: finance-department", "owner: internal-audit-department"),
        # The title another policy's link shows as its note.
        ("mini-wall-rules", "運營部規章上墻制度（範例）", "運營部規章上墻制度（第二版）"),
        # The words of the title of the clause another policy links to.
        ("mini-wall-rules", "title: {zh: 費用報銷, en: Expense reimbursement}", "title: {zh: 報銷, en: Claims}"),
        # A check's role and words, shown on the role pages and the checklist.
        ("mini-wall-rules", "role: department-head", "role: operations-manager"),
        ("mini-wall-rules", "do: {zh: 發票與收據已附上", "do: {zh: 發票、收據已附上"),
        # Numbers, shown in every link's label.
        ("mini-wall-rules", "          - id: expense-reimbursement\n            number: 1", "          - id: expense-reimbursement\n            number: 5"),
        # The link now names a clause that is not there, and the other way round.
        ("mini-finance-rules", "mini-wall-rules#expense-reimbursement", "mini-wall-rules#office-supplies"),
    ],
)
def test_a_change_leaves_no_page_stale(project, stem, old, new):
    rendered_after(project, lambda: save(project, stem, old, new))


def test_a_new_and_a_deleted_policy_leave_no_page_stale(project):
    finance = project.policies / "mini-finance-rules.yaml"
    text = finance.read_text(encoding="utf-8")
    rendered_after(project, finance.unlink)
    rendered_after(project, lambda: finance.write_text(text, encoding="utf-8"))


def test_a_build_starts_from_the_pages_its_last_build_left_in_the_cache(project, tmp_path):
    """What `rulebook build` does between two processes: the pages go through the cache as JSON, by their keys."""
    cache = page_cache.SiteCache(tmp_path / "cache")
    first = page_cache.RenderedPages()
    preview_render(project, first)
    made_of = page_cache.pages_made_of(project, renderer(project).handbook, Downloads(), TODAY)
    cache.put("pages", made_of.key, first.to_json())
    page_cache.note_last_build(cache, project, made_of)
    # Pages whose shared part (a template, the handbook data, the day) changed since are not even read.
    assert page_cache.last_build(cache, project, made_of).by_key
    assert page_cache.last_build(cache, project, page_cache.PagesMadeOf("another", made_of.policies)).by_key == {}

    save(project, "mini-finance-rules", "量入为出，", "量入为出，精打细算，")
    made_of = page_cache.pages_made_of(project, renderer(project).handbook, Downloads(), TODAY)
    pages, made = preview_render(project, page_cache.last_build(cache, project, made_of))
    assert made and {n[2] for n in made if n[0] == "policy"} == {"mini-finance-rules"}
    assert pages == full_render(project)


def test_a_last_build_the_cache_no_longer_holds_renders_everything(project, tmp_path):
    cache = page_cache.SiteCache(tmp_path / "cache")
    made_of = page_cache.pages_made_of(project, renderer(project).handbook, Downloads(), TODAY)
    page_cache.note_last_build(cache, project, made_of)  # its pages trimmed away since
    assert page_cache.last_build(cache, project, made_of).by_key == {}
    cache.put("pages", made_of.key, [{"path": "index.html"}])  # not pages by their keys
    pages, made = preview_render(project, page_cache.last_build(cache, project, made_of))
    assert len(made) == len(renderer(project).plan()) and pages == full_render(project)


def test_the_site_cache_keeps_the_newest_entries_within_a_share_of_the_size_limit(tmp_path):
    cache = page_cache.SiteCache(tmp_path, limit_bytes=4 * 10_000)  # a quarter: 10,000 bytes of each kind
    for n in range(5):
        cache.put("pages", f"{n:064}", "x" * 3_000)  # about 3 kB a document: three fit
        cache.put("last", f"{n:064}", "a key")
    assert [cache.get("pages", f"{n:064}") is not None for n in range(5)] == [False, False, True, True, True]
    assert all(cache.get("last", f"{n:064}") == "a key" for n in range(5))  # small: kept by count
    cache.put("pages", "big".ljust(64, "0"), "x" * 50_000)  # past the share alone: the newest stays
    assert cache.get("pages", "big".ljust(64, "0")) is not None
    assert [path.name[:10] for path in cache.folder.glob("pages-*")] == ["pages-big0"]
    for n in range(page_cache.KEEP + 3):
        cache.put("last", f"{n:064}", "a key")
    assert len(list(cache.folder.glob("last-*"))) == page_cache.KEEP


def test_handbook_data_renders_everything_again(project):
    roles = project.policies / "handbook" / "roles.yaml"
    made = rendered_after(
        project, lambda: roles.write_text(roles.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    )
    assert {name[0] for name in made} >= {"policy", "glossary", "role", "coverage"}


@pytest.mark.slow
def test_on_the_corpus_a_clause_edit_leaves_no_page_stale(tmp_path):
    project = Project(make_project(tmp_path / "corpus", policies="corpus"))
    site = renderer(project)
    # Every policy's first clause with words: whatever the corpus holds when this runs.
    for policy in list(site.handbook.policies.values()):
        clause = next(c for c in policy.walk() if c.text is not None)
        first = clause.text.zh.splitlines()[0]
        made = rendered_after(project, partial(save, project, policy.path.stem, first, first + "（修訂）"))
        assert {n[2] for n in made if n[0] == "policy"} >= {policy.id}
        assert len(made) < len(site.plan())
