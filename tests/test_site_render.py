"""The site renderer on the small fixture corpus (tests/fixtures/mini), without mkdocs: what a policy page says.

Expected words come from the fixture's YAML (and the Simplified or Traditional forms of its characters).
"""

from __future__ import annotations

from pathlib import Path

import cssselect2
import pytest
import tinyhtml5

from generator import locations
from generator.loader import load
from generator.localise import Catalogue, Localisers
from generator.model import Text
from generator.project import Project
from generator.site.plugin import _toc
from generator.site.render import Downloads, Heading, SitePage, SiteRenderer
from generator.source import safe_load

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "site"


@pytest.fixture
def handbook():
    hb, findings, broken = load(Project(FIXTURE))
    assert not broken and not [f for f in findings if f.severity == "error"]
    return hb


def renderer(handbook, downloads: Downloads = Downloads()) -> SiteRenderer:
    return SiteRenderer(handbook, TEMPLATES, Localisers(handbook.languages, Catalogue.load(TEMPLATES.parent)), downloads)


def in_language(handbook, path: str, lang: str) -> str:
    return handbook.languages.prefix(lang) + path


def render(handbook, path: str, downloads: Downloads = Downloads()):
    pages = {p.path: p for p in renderer(handbook, downloads).pages()}
    tree = tinyhtml5.parse(pages[path].body, namespace_html_elements=False)
    return pages[path], cssselect2.ElementWrapper.from_html_root(tree)


def words(element) -> str:
    return "".join(element.etree_element.itertext()).strip()


def clause(page, clause_id):
    return page.query(f'[id="{clause_id}"]').parent


def test_an_unfilled_parameter_is_a_marked_blank_with_its_label(handbook):
    for lang, label in (("zh-Hant", "具體時間"), ("zh-Hans", "具体时间"), ("en", "exact time")):
        page, html = render(handbook, in_language(handbook, "policies/mini-wall-rules/", lang))
        blanks = [words(b) for b in clause(html, "working-hours").query_all(".rb-blank")]
        assert blanks == [label]
        assert "{start-time}" not in page.body


def test_a_filled_parameter_shows_its_value(handbook):
    for lang, value in (("zh-Hant", "十"), ("en", "ten")):
        _, html = render(handbook, in_language(handbook, "policies/mini-wall-rules/", lang))
        section = clause(html, "expense-reimbursement")
        assert [words(v) for v in section.query_all(".rb-value")] == [value]
        assert not list(section.query_all(".rb-blank"))


def test_the_blanks_notice_lists_each_clause_with_its_blanks(handbook):
    _, html = render(handbook, "policies/mini-wall-rules/")
    items = [words(li) for li in html.query_all(".rb-blanks li")]
    assert len(items) == 2
    assert items[0].startswith("二、（一）1.") and "具體時間" in items[0]
    assert items[1].startswith("二、（一）2. 遲到") and items[1].count("X") == 2


def test_a_blank_labelled_by_an_editor_shows_what_the_source_showed(handbook):
    param = next(p for p in handbook.policies["mini-wall-rules"].parameters if p.id == "lateness-minutes")
    param.label = Text({"zh": "遲到分鐘數", "en": "minutes late"})
    param.source_shown, param.source_reason = "X", Text({"zh": "來源只寫作X。", "en": "The source shows only X."})
    for lang, label in (("zh-Hant", "遲到分鐘數"), ("zh-Hans", "迟到分钟数"), ("en", "minutes late")):
        _, html = render(handbook, in_language(handbook, "policies/mini-wall-rules/", lang))
        blank = next(b for b in clause(html, "lateness").query_all(".rb-blank"))
        assert words(blank) == label
        assert "X" in blank.etree_element.get("title")
        item = next(li for li in html.query_all(".rb-blanks li") if label in words(li))
        source = item.query(".rb-blank__source")
        assert source is not None and "X" in words(source) and source.etree_element.get("title")


def test_the_missing_script_is_derived_in_both_directions(handbook):
    _, html = render(handbook, "zh-Hans/policies/mini-wall-rules/")
    assert words(html.query("h1")) == "运营部规章上墙制度（范例）"
    _, html = render(handbook, "policies/mini-finance-rules/")
    assert words(html.query("h1")) == "財務管理規定（範例）"
    assert words(clause(html, "budget-control").query(".rb-clause__text")).startswith("各部門每年編制預算")


def test_cross_references_name_their_target(handbook):
    _, html = render(handbook, "policies/mini-wall-rules/")
    refs = {a.etree_element.get("href"): words(a) for a in clause(html, "expense-reimbursement").query_all("a.rb-ref")}
    assert refs == {"../mini-finance-rules/#budget-control": "財務管理規定（範例） 二、預算控制"}
    refs = {a.etree_element.get("href"): words(a) for a in clause(html, "absence").query_all("a.rb-ref")}
    assert refs == {"#lateness": "二、（一）2. 遲到"}
    external = [words(e) for e in clause(html, "absence").query_all(".rb-ref--external")]
    assert external == ["公司請假流程 外部文件"]
    _, html = render(handbook, "en/policies/mini-finance-rules/")
    refs = {a.etree_element.get("href"): words(a) for a in clause(html, "budget-control").query_all("a.rb-ref")}
    assert refs == {"../mini-wall-rules/#expense-reimbursement": "Operations Department Wall Rules (Sample) 3.1.1 Expense reimbursement"}


def test_an_untitled_clause_is_a_search_result_titled_by_its_section_and_number(handbook):
    for lang, title in (("zh-Hant", "基本原則 2."), ("en", "Basic Principles 1.3.2")):
        page, _ = render(handbook, in_language(handbook, "policies/mini-wall-rules/", lang))
        entries = {e.anchor: e for e in page.search_entries}
        assert entries["fairness"].title == title  # not its first sentence, which would outweigh every body
        assert entries["lateness"].title == ("遲到" if lang == "zh-Hant" else "Lateness")


def test_restored_words_are_marked_and_the_note_shows_the_original(handbook):
    _, html = render(handbook, "policies/mini-wall-rules/")
    section = clause(html, "office-supplies")
    assert [words(i) for i in section.query_all("ins.rb-restored")] == ["確保"]
    assert "確??蛻" in words(section.query(".rb-note"))


def test_a_flag_shows_its_reason_and_marks_no_words_as_restored(handbook):
    for lang, reason in (("zh-Hant", "待負責部門決定"), ("zh-Hans", "待负责部门决定"), ("en", "for the policy owner to decide")):
        _, html = render(handbook, in_language(handbook, "policies/mini-wall-rules/", lang))
        section = clause(html, "absence")
        flags = [words(f) for f in section.query_all(".rb-flag")]
        assert len(flags) == 1 and reason in flags[0]
        assert not list(section.query_all("ins.rb-restored"))
        assert not list(clause(html, "office-supplies").query_all(".rb-flag"))


def test_a_check_the_company_added_is_marked_with_its_owner_and_reason(handbook):
    for lang, mark, owner in (("zh-Hant", "公司增訂", "財務部"), ("zh-Hans", "公司增订", "财务部"), ("en", "Company addition", "Finance")):
        _, html = render(handbook, in_language(handbook, "policies/mini-wall-rules/", lang))
        checks = list(clause(html, "expense-reimbursement").query_all(".rb-checks li"))
        marks = [words(a) for li in checks for a in li.query_all(".rb-addition")]
        assert len(checks) == 2 and len(marks) == 1, "only the added check is marked"
        assert mark in marks[0] and owner in marks[0]
        assert ("由財務部門檢查" if lang == "zh-Hant" else "由财务部门检查" if lang == "zh-Hans" else "does not say who checks") in marks[0]


def test_the_truncated_source_is_announced(handbook):
    _, html = render(handbook, "en/policies/mini-wall-rules/")
    assert "incomplete copy" in words(html.query(".rb-truncated"))
    _, html = render(handbook, "en/policies/mini-finance-rules/")
    assert html.query(".rb-truncated") is None


def test_printable_files_are_linked_only_when_the_build_writes_them(handbook):
    page, html = render(handbook, "policies/mini-wall-rules/")
    assert "posters/" not in page.body and ".pdf" not in page.body
    assert [a.etree_element.get("href") for a in html.query_all(".rb-print a")] == [
        "../../checklists/mini-wall-rules/expense-claim/"
    ]
    page, html = render(handbook, "en/policies/mini-wall-rules/", Downloads(posters=True, checklists=True))
    hrefs = [a.etree_element.get("href") for a in html.query_all(".rb-print a")]
    assert hrefs == [
        "../../../posters/mini-wall-rules/attendance-zh-Hant.pdf",
        "../../../posters/mini-wall-rules/attendance-zh-Hans.pdf",
        "../../../posters/mini-wall-rules/attendance-en.pdf",
        "../../checklists/mini-wall-rules/expense-claim/",
        "../../../checklists/mini-wall-rules/expense-claim-en.pdf",  # the reader's language first
        "../../../checklists/mini-wall-rules/expense-claim-zh-Hant.pdf",
        "../../../checklists/mini-wall-rules/expense-claim-zh-Hans.pdf",
        "../../../checklists/mini-wall-rules/expense-claim-bilingual.pdf",
        "../../../checklists/mini-wall-rules/expense-claim.csv",
        "../../../checklists/mini-wall-rules/expense-claim.json",
    ]


@pytest.mark.slow
def test_every_poster_download_and_the_clause_its_qr_code_opens_show_the_check_code_printed_on_the_sheet(handbook, tmp_path):
    import re
    import subprocess

    from conftest import make_project

    from generator.poster import print_poster

    project = Project(make_project(tmp_path / "project", policies=FIXTURE / "policies", templates=True))
    handbook, _, _ = load(project)
    policy = handbook.policies["mini-wall-rules"]
    raw = safe_load(policy.path.read_text(encoding="utf-8"))
    poster = raw["posters"][0]
    # What each sheet itself prints after its "check code" label, read back from the PDF.
    printed = {}
    for lang in handbook.languages.codes:
        sheet = tmp_path / f"{lang}.pdf"
        sheet.write_bytes(print_poster(handbook, policy, policy.posters[0], project, lang).pdf)
        text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
        printed[lang] = re.findall(r"(?:校驗碼|校验码|Check code)\s*([0-9a-f]{8})", text)[-1]
    assert len(set(printed.values())) == len(printed)  # each language's words give their own code
    for lang in handbook.languages.codes:
        _, html = render(handbook, in_language(handbook, "policies/mini-wall-rules/", lang), Downloads(posters=True))
        shown = [words(c) for c in html.query_all(".rb-print .rb-check-code code")]
        assert shown == [printed[code] for code in handbook.languages.codes]
        at_clause = clause(html, poster["clauses"][0]).query_all(".rb-poster-check code")
        assert [words(c) for c in at_clause] == [printed[lang]]
    _, html = render(handbook, "en/policies/mini-wall-rules/")
    assert not list(html.query_all(".rb-check-code, .rb-poster-check"))  # no poster printed, no code to compare


def test_policy_text_never_becomes_markup(handbook):
    policy = handbook.policies["mini-finance-rules"]
    policy.title = Text({"zh": '<img src=x onerror="alert(1)">', "en": "<script>alert(2)</script>"})
    target = policy.clause("budget-control")
    target.title = Text({"zh": "<b>預算</b>", "en": "<b>Budget</b>"})
    target.text = Text({"zh": "<script>alert(3)</script>", "en": "<script>alert(4)</script>"})
    for lang in handbook.languages.codes:
        page, html = render(handbook, in_language(handbook, "policies/mini-finance-rules/", lang))
        assert "<script>" not in page.body and "<img" not in page.body and "<b>" not in page.body
        assert "&lt;script&gt;" in page.body
    toc = _toc(SitePage("x/", "en", "t", "", [Heading(1, "a", "<b>x</b>")]))
    assert [item.title for item in toc] == ["&lt;b&gt;x&lt;/b&gt;"]


def test_the_role_page_gathers_what_names_the_role_and_its_departments(handbook):
    _, html = render(handbook, "en/roles/operations-supervisor/")
    sections = [words(h) for h in html.query_all("h2")]
    assert sections[0] == "Applying to Operations Supervisor"
    links = [a.etree_element.get("href") for a in html.query_all("a.rb-role__clause")]
    assert links == ["../../policies/mini-wall-rules/#improvement"]
    _, html = render(handbook, "en/roles/finance-department/")
    assert [words(h) for h in html.query_all("h2")][:2] == ["Applying to Finance Department", "Checks Finance Department carries out"]


@pytest.mark.parametrize("source, target, link", [
    ("policies/a/", "policies/a/#x", "#x"),
    ("policies/a/", "policies/b/#x", "../b/#x"),
    ("policies/a/", "", "../../"),
    ("", "policies/a/", "policies/a/"),
    ("", "", "./"),
    ("en/policies/a/", "posters/a/p-en.pdf", "../../../posters/a/p-en.pdf"),
    ("en/checklists/a/c/", "en/", "../../../"),
])
def test_links_between_pages_are_relative(source, target, link):
    assert locations.relative(source, target) == link


def test_clause_titles_enter_the_search_index_as_text_not_markup():
    from generator.site.search import Entry, augment, entry_document

    doc = entry_document(Entry("policies/x/", "a", "zh-Hant", '<img src=x onerror="alert(1)">', "報銷", "", "報銷", "zh-Hant"), [])
    assert "<img" not in doc["title"] and "&lt;img" in doc["title"]
    index = {"docs": [{"location": "policies/x/", "title": "A &amp; B", "text": ""}]}
    assert augment(index)["docs"][0]["title"] == "A &amp; B"  # mkdocs' own titles are escaped already: not twice


def test_table_of_contents_lists_numbered_or_titled_clauses_only():
    hb, _, _ = load(Project(Path(__file__).resolve().parents[1]))
    page = renderer(hb).policy_page(hb.policies["operations-rules-guide"], "en")
    ids = [h.id for h in page.headings]
    # The guide opens with an untitled, unnumbered overview paragraph: a contents entry would read as nothing.
    assert "overview" not in ids and "answer-2-conclusion" not in ids
    assert ids[:2] == ["process-standards", "job-responsibilities"]
