"""`rulebook check` predicts the poster the printer refuses: one verdict (generator.poster.sheet_fit) for both, from
bounds on the height a poster needs where they decide and from a cached layout where they do not.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_project
from generator import config, font_widths, poster
from generator.cli import main
from generator.loader import load
from generator.poster_fit import PAPERS, estimate
from generator.project import Project
from test_poster import FIXTURE_POLICY, SITE, WORDS, policy_with, poster_project, rule

RULES_LINE = "- id: rules\n"  # policy_with's poster, as yaml.safe_dump writes it


def declared_at(project: Project, policy_id: str = "extra-rules") -> int:
    """The line of the poster's declaration in the written policy file."""
    lines = (project.policies / f"{policy_id}.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    return next(n for n, line in enumerate(lines, 1) if line == RULES_LINE)


def check_findings(project: Project, capsys) -> tuple[int, list[dict]]:
    code = main(["-C", str(project.root), "check", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)["findings"]


def no_layout(monkeypatch) -> None:
    def refuse(self, job):
        raise AssertionError("laid out a poster the estimate or the cache should have decided")

    monkeypatch.setattr(poster._Sheet, "layouts", refuse)


def test_a_poster_far_too_long_is_reported_by_check_without_laying_it_out(tmp_path, capsys, monkeypatch):
    # 50,000 characters: an A3 sheet holds about 1,500 at 16 pt, so more than thirty sheets' worth.
    project = poster_project(tmp_path, {"extra-rules": policy_with([rule(1, "規" * 50_000, "Rule.")])})
    no_layout(monkeypatch)
    code, findings = check_findings(project, capsys)
    unfit = [f for f in findings if f["code"] == "E135"]
    assert code == 1
    # One per language that prints the Chinese; the English sheet ("Rule.") fits.
    assert sorted(f["message"].split(" in ", 1)[1].split(":")[0] for f in unfit) == ["简体中文", "繁體中文"]
    for f in unfit:
        assert f["path"].endswith("extra-rules.yaml") and f["line"] == declared_at(project)
        assert "extra-rules/rules" in f["message"] and "A3" in f["message"] and "16 pt" in f["message"]
        assert "more than 8 times too long" in f["message"]
        assert re.search(r"rule-1 \(line \d+,", f["message"])  # the clause that makes it long
        assert "--size A2" in f["hint"]


def test_a_check_of_unchanged_policies_makes_no_poster_and_an_edit_makes_them_again(tmp_path, capsys, monkeypatch):
    project = poster_project(tmp_path, {"extra-rules": policy_with([rule(1, "規" * 50_000, "Rule.")])})
    made = []
    real = poster.poster_content
    monkeypatch.setattr(poster, "poster_content", lambda *args: made.append(args[1].id) or real(*args))
    first = check_findings(project, capsys)[1]
    assert sorted(set(made)) == ["extra-rules", "fixture-wall-rules"]
    made.clear()
    assert check_findings(project, capsys)[1] == first  # the same findings, from the cache
    assert made == []
    path = project.policies / "extra-rules.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert check_findings(project, capsys)[1] == first
    assert set(made) == {"extra-rules"}  # only the edited policy's posters are made again


def test_the_real_posters_need_no_layout_to_be_judged(tmp_path, capsys, monkeypatch):
    project = Project(make_project(tmp_path, policies="corpus", templates=True, mkdocs=True))
    no_layout(monkeypatch)
    code, findings = check_findings(project, capsys)
    assert not [f for f in findings if f["code"] == "E135"]


def test_a_draft_poster_is_not_held_to_the_sheet(tmp_path, capsys, monkeypatch):
    data = policy_with([rule(1, "規" * 50_000, "Rule.")])
    data["status"] = "draft"
    project = poster_project(tmp_path, {"extra-rules": data})
    no_layout(monkeypatch)
    _, findings = check_findings(project, capsys)
    assert not [f for f in findings if f["code"] == "E135"]  # drafts print no posters


# Check and printer agree at the edge ---------------------------------------------------------------------------
#
# A rule of WORDS (50 characters) with its title 第N條： takes two lines of 1.5 × 16 pt on A3 and 0.55 em below:
# 75.7 px. The masthead takes 153.9 px and the footer's reserve 149.6 px of the 1,428.7 px the page holds, so 14
# rules need 1,363 px (one sheet) and 15 need 1,439 px (7 px too many). Both are within the estimate's margins:
# the layout decides.


def edge_project(tmp_path: Path, rules: int) -> Project:
    return poster_project(
        tmp_path / str(rules), {"extra-rules": policy_with([rule(n, WORDS, "Rule.") for n in range(1, rules + 1)])}
    )


@pytest.mark.slow
def test_check_and_the_printer_agree_just_over_and_just_under_the_sheet(tmp_path, capsys, monkeypatch):
    over, under = edge_project(tmp_path, 15), edge_project(tmp_path, 14)

    code, findings = check_findings(under, capsys)
    assert not [f for f in findings if f["code"] == "E135"]
    out = tmp_path / "under-out"
    assert main(["-C", str(under.root), "poster", "extra-rules", "--lang", "zh-Hant", "--out", str(out)]) == 0
    assert (out / "posters" / "extra-rules" / "rules-zh-Hant.pdf").exists()
    capsys.readouterr()

    monkeypatch.chdir(over.root)  # check and poster both print paths relative to here
    assert main(["-C", str(over.root), "check"]) == 1
    reported = [line for line in capsys.readouterr().out.split("\n") if " E135 " in line and "繁體中文" in line]
    assert len(reported) == 1 and reported[0].startswith(f"policies/extra-rules.yaml:{declared_at(over)}:")
    assert "about 1% too long" in reported[0]
    out = tmp_path / "over-out"
    assert main(["-C", str(over.root), "poster", "extra-rules", "--lang", "zh-Hant", "--out", str(out)]) == 1
    refused = capsys.readouterr().err
    assert f"error: {reported[0]}\n" in refused  # the very words check said
    assert not out.exists() or not any(out.rglob("*.pdf"))

    # The layout's verdict is kept in the cache: checking again lays nothing out and says the same.
    no_layout(monkeypatch)
    assert main(["-C", str(over.root), "check"]) == 1
    assert reported[0] in capsys.readouterr().out


@pytest.mark.slow
def test_a_build_that_skipped_check_reports_the_poster_as_a_finding_and_keeps_the_previous_site(
    tmp_path, capsys, monkeypatch
):
    from generator import rules
    from test_site import assemble_project

    project = assemble_project(tmp_path / "project", Path(__file__).parent / "fixtures" / "mini" / "policies")
    site_config = project.root / "mkdocs.yml"
    site_config.write_text(
        site_config.read_text(encoding="utf-8").replace("      print_files: false\n", ""), encoding="utf-8"
    )
    wall = project.policies / "mini-wall-rules.yaml"
    heading = "        title: {zh: 考勤管理, en: Attendance}\n"
    assert heading in wall.read_text(encoding="utf-8")
    wall.write_text(
        wall.read_text(encoding="utf-8").replace(
            heading, heading + f"        text: {{zh: {WORDS * 60}, en: Attendance.}}\n", 1
        ),
        encoding="utf-8",
    )
    declaration = next(
        n for n, line in enumerate(wall.read_text(encoding="utf-8").splitlines(), 1) if line == "  - id: attendance"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("the previous site", encoding="utf-8")
    (out / ".rulebook-output").write_text("made by an earlier build", encoding="utf-8")
    monkeypatch.setattr(rules, "RULES", [r for r in rules.RULES if r is not rules.poster_fit])
    monkeypatch.chdir(project.root)

    assert main(["-C", str(project.root), "build", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"policies/mini-wall-rules.yaml:{declaration}:5: E135 poster mini-wall-rules/attendance" in err
    assert "attendance (line" in err  # the heading whose text makes it long
    assert "Traceback" not in err
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"


# The estimate's bounds hold -------------------------------------------------------------------------------------

DENSE = "員工應遵守：（一）準時；（二）守紀。「考勤」、「請假」、「調休」，均按流程辦理！有疑問？請問主管。"
LATIN = "登入ERP系統後，於2025年1月31日前以e-mail（hr-helpdesk@corp.internal）提交申請表；逾期者，依第12條處理。"
ENGLISH = (
    "Employees must submit the reimbursement application, together with the original receipts and an "
    "itemised statement, to the finance department within thirty days after the expenditure was incurred."
)


def bound_cases() -> dict[str, dict]:
    points = [{"id": f"p{i}", "number": i, "text": {"zh": DENSE, "en": ENGLISH}} for i in range(1, 4)]
    rules = [rule(n, (DENSE, LATIN, WORDS)[n % 3] * (1 + n % 2), ENGLISH) for n in range(1, 9)]
    rules[2]["clauses"] = points
    rules[4]["text"]["zh"] = "每日上班時間為{hours}，遲到者扣{deduction}。"
    rules[4]["text"]["en"] = "Working hours are {hours}; lateness costs {deduction}."
    data = policy_with(rules, poster_title="員工守則與各項規章制度之遵守事項（含考勤、請假、調休、保密及報銷）")
    data["parameters"] = [
        {"id": "hours", "label": {"zh": "工作時間", "en": "working hours"}},
        {"id": "deduction", "label": {"zh": "扣款", "en": "deduction"}},
    ]
    data["clauses"][0]["text"] = {"zh": LATIN * 2, "en": ENGLISH}
    return {"extra-rules": data}


@pytest.mark.slow
@pytest.mark.parametrize("size", list(PAPERS))
def test_the_estimate_bounds_what_the_layout_needs(tmp_path, size):
    """Lower ≤ what WeasyPrint fills at the smallest type ≤ upper, on a sheet of dense punctuation, Latin words and
    numbers inside Chinese, English, blanks, points under a rule, a lead under a heading and a long title, in every
    language and bilingually; and the real posters."""
    project = poster_project(tmp_path, bound_cases())
    handbook, _, _ = load(project)
    localisers = config.localisers(project, handbook)
    paper = PAPERS[size]
    checked = 0
    for policy in handbook.policies.values():
        for declared in policy.posters:
            for lang in (*handbook.languages.codes, poster.BILINGUAL):
                content = poster.poster_content(handbook, policy, declared, lang, SITE, localisers)
                need, sure = estimate(content, paper, font_widths.widths(content.font))
                sheet = poster._Sheet(project, handbook, policy, content, paper, localisers)
                document = sheet.layouts(sheet.job())(paper.min_type_pt)
                filled = 1 + poster._excess_of(document, lambda: pytest.fail("boxes unreadable"))
                if len(document.pages) == 1:  # one page: _excess_of says 0; measure what it holds
                    box = document.pages[0]._page_box
                    main_box = next(b for b in poster._boxes(box) if getattr(b, "element_tag", None) == "main")
                    filled = (main_box.position_y + main_box.margin_height() - box.content_box_y()) / box.height
                where = f"{policy.id}/{declared.id} {lang} {size}: {need.lower:.3f} ≤ {filled:.3f} ≤ {need.upper:.3f}"
                assert need.lower <= filled + 1e-6, where
                assert not sure or filled <= need.upper + 1e-6, where
                checked += 1
    assert checked == 4 * 4  # the fixture's three posters and bound_cases', in four languages


# The type size search ------------------------------------------------------------------------------------------------


class _Sheet:
    """A stand-in for a laid-out poster: the content needs fixed + grows·size² of a page, and a whole rule goes onto a
    second page as soon as it needs more than one (as WeasyPrint moves a block that does not fit)."""

    def __init__(self, share: float):
        self.share = share
        self.pages = [None] * max(1, math.ceil(share))


def _search(paper, fixed: float, grows: float, told):
    from generator.poster_fit import fit

    def layout(size: float) -> _Sheet:
        return _Sheet(fixed + grows * size * size)

    return fit(layout, paper, told), layout


@settings(max_examples=300, deadline=None)
@given(
    paper=st.sampled_from(list(PAPERS.values())),
    fixed=st.floats(0.0, 0.6),
    full_at=st.floats(0.01, 1.0),  # where between the smallest and the largest type the page is exactly full
    told=st.sampled_from(["truly", "never", "wrongly"]),
)
def test_the_type_search_finds_the_largest_size_that_fits_whatever_the_measure_says(paper, fixed, full_at, told):
    """Within PRECISION_PT of the size where the page overflows, or the largest size when even that fits; aimed by the
    share a layout fills, it takes fewer layouts than halving would, and a share that misleads costs layouts, never the
    answer."""
    from generator.poster_fit import PRECISION_PT

    low, high = paper.min_type_pt, paper.max_type_pt
    size_full = low + full_at * (high - low) * 1.2  # past the largest size, now and then: that one fits
    grows = (1 - fixed) / size_full**2
    measures = {"truly": lambda sheet: sheet.share, "never": lambda sheet: None, "wrongly": lambda sheet: 0.2}
    found, layout = _search(paper, fixed, grows, measures[told])
    assert len(layout(found.type_pt).pages) == 1
    if found.type_pt < high:
        assert len(layout(min(found.type_pt + PRECISION_PT, high)).pages) > 1
    halving = 2 + math.ceil(math.log2((high - low) / PRECISION_PT))
    assert found.layouts <= {"truly": 7, "never": halving, "wrongly": 8 + halving}[told], found


@pytest.mark.slow
def test_on_a_real_layout_the_measure_halves_the_layouts_and_the_answer_still_fits(tmp_path):
    """The fixture's poster laid out by WeasyPrint on each sheet: the share of the page each layout fills leads the
    search to a size that fits, with the next step up overflowing, in at most eight layouts, where halving the range
    takes nine to eleven."""
    from generator.poster_fit import PRECISION_PT, fit

    project = poster_project(tmp_path)
    handbook, _, _ = load(project)
    localisers = config.localisers(project, handbook)
    policy = handbook.policies[FIXTURE_POLICY]
    content = poster.poster_content(handbook, policy, policy.posters[0], "zh-Hant", SITE, localisers)
    for paper in PAPERS.values():
        sheet = poster._Sheet(project, handbook, policy, content, paper, localisers)
        layout = sheet.layouts(sheet.job())
        aimed, halved = fit(layout, paper, poster.filled), fit(layout, paper)
        assert aimed.layouts <= 8 < halved.layouts, (paper.name, aimed.layouts, halved.layouts)
        assert len(layout(aimed.type_pt + PRECISION_PT).pages) > 1, paper.name
