"""`rulebook diff`: changes are reported per clause id, renumbering is not a rewrite, and policy text stays text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import make_project
from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "check_cases" / "clean-policy.yaml"


def git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make_project(tmp_path, policies=[CASE], templates="diff")
    git(tmp_path, "init", "-q")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "start")
    return tmp_path


def edit(project: Path, *replacements: tuple[str, str]) -> None:
    path = project / "policies" / "clean-policy.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def diff_json(project: Path, capsys, *args: str) -> dict:
    assert main(["-C", str(project), "diff", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_no_change(project, capsys):
    data = diff_json(project, capsys)
    assert data["policies"] == []
    assert main(["-C", str(project), "diff", "--exit-code"]) == 0


def test_reworded_clause_marks_the_changed_characters(project, capsys):
    edit(project, ("依法合規。", "依法合規，誠實守信。"), ("Act lawfully.", "Act lawfully and honestly."))
    (policy,) = diff_json(project, capsys)["policies"]
    (clause,) = policy["clauses"]
    assert (clause["id"], clause["status"]) == ("principles", "changed")
    zh = next(t for t in clause["texts"] if t["lang"] == "zh")
    assert zh["runs"] == [["same", "依法合規"], ["added", "，誠實守信"], ["same", "。"]]
    en = next(t for t in clause["texts"] if t["lang"] == "en")
    # English compares whole words, punctuation apart: two words were inserted before the full stop.
    assert en["runs"] == [["same", "Act lawfully"], ["added", " and honestly"], ["same", "."]]
    assert policy["problems"] == ["the text changed but the version is still 1.2.0: raise it"]


def test_marking_a_check_as_the_company_addition_is_a_change_to_review(project, capsys):
    edit(project, ("            evidence: {zh: 簽字的清單, en: The signed checklist}",
                   "            evidence: {zh: 簽字的清單, en: The signed checklist}\n"
                   "            addition: {owner: department-head, reason: {zh: 條文未規定簽字。, en: The clause asks for no signature.}}"))
    (policy,) = diff_json(project, capsys)["policies"]
    (clause,) = policy["clauses"]
    assert clause["id"] == "resignation"
    assert [f[0] for f in clause["fields"]] == ["check handover-signed addition"]


def test_renumbering_is_not_a_rewrite(project, capsys):
    # Swap the two chapters: every id keeps its text, only numbers change.
    path = project / "policies" / "clean-policy.yaml"
    text = path.read_text(encoding="utf-8")
    head, chapters = text.split("clauses:\n  - id: general\n", 1)
    general, staff = chapters.split("  - id: staff\n", 1)
    general = general.replace("    number: 1\n", "    number: 2\n", 1)
    staff = staff.replace("    number: 2\n", "    number: 1\n", 1)
    path.write_text(head + "clauses:\n  - id: staff\n" + staff + "  - id: general\n" + general, encoding="utf-8")
    (policy,) = diff_json(project, capsys)["policies"]
    # No clause row at all: one line per chapter, and the sections under them (1.1 → 2.1) go with their chapter.
    assert policy["clauses"] == []
    assert [(r["old"], r["new"], r["ids"]) for r in policy["renumbered"]] == [("2", "1", ["staff"]), ("1", "2", ["general"])]
    assert policy["problems"] == []  # nothing a reader sees as new wording: no version bump demanded


def test_added_and_removed_clauses_and_retired_ids(project, capsys):
    edit(
        project,
        ("      - id: principles\n        number: 3\n        kind: principle\n        title: {zh: 基本原則, en: Basic Principles}\n        text: {zh: 依法合規。, en: Act lawfully.}\n", ""),
        ("posters:\n  - id: principles\n    title: {zh: 基本原則, en: Basic Principles}\n    clauses: [principles]\n", ""),
        ("        checks:", "        clauses:\n          - id: notice\n            text: {zh: 書面通知。, en: Give notice in writing.}\n        checks:"),
        ("version: 1.2.0", "version: 2.0.0"),
    )
    (policy,) = diff_json(project, capsys)["policies"]
    status = {c["id"]: c["status"] for c in policy["clauses"]}
    assert status["principles"] == "removed" and status["notice"] == "added"
    assert ("version", "1.2.0", "2.0.0") in [tuple(m) for m in policy["metadata"]]
    assert policy["problems"] == ["clause 'principles' was removed: list its id under retired_ids so it is never reused"]
    edit(project, ("retired_ids: [old-scope]", "retired_ids: [old-scope, principles]"))
    (policy,) = diff_json(project, capsys)["policies"]
    assert policy["problems"] == []


def test_between_two_commits_and_added_policy(project, capsys):
    shutil.copy(CASE, project / "policies" / "second.yaml")
    edit(project, ("version: 1.2.0", "version: 1.3.0"))
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", ".")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "next")
    data = diff_json(project, capsys, "HEAD~1", "HEAD")
    assert (data["base"], data["head"]) == ("HEAD~1", "HEAD")
    assert [(p["id"], p["status"]) for p in data["policies"]] == [("clean-policy", "changed")]
    # second.yaml repeats the id clean-policy: it is named as unreadable instead of standing in for the first file.
    assert [u["path"] for u in data["unreadable"]] == ["HEAD:policies/second.yaml"]
    (project / "policies" / "second.yaml").write_text(CASE.read_text(encoding="utf-8").replace("id: clean-policy", "id: second", 1), encoding="utf-8")
    data = diff_json(project, capsys, "HEAD")
    assert [(p["id"], p["status"]) for p in data["policies"]] == [("second", "added")]


def test_markdown_keeps_policy_text_as_text(project, capsys):
    edit(project, ("依法合規。", "依法合規<script>alert(1)</script>**粗體**|"), ("version: 1.2.0", "version: 1.2.1"))
    assert main(["-C", str(project), "diff", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\\*\\*粗體\\*\\*" in out and "\\|" in out
    assert out.startswith("### Policy changes: HEAD → working tree")


def test_text_output_and_exit_code(project, capsys):
    edit(project, ("依法合規。", "依法辦事。"))
    assert main(["-C", str(project), "diff", "--exit-code"]) == 1
    out = capsys.readouterr().out
    assert "~ 1.3 principles 基本原則" in out
    assert "text.zh: 依法[-合規-]{+辦事+}。" in out


def test_unknown_revision_is_a_usage_error(project, capsys):
    assert main(["-C", str(project), "diff", "no-such-branch"]) == 2
    err = capsys.readouterr().err
    assert "unknown revision 'no-such-branch'" in err and "Traceback" not in err


def test_a_broken_file_is_named_not_crashed_on(project, capsys):
    (project / "policies" / "clean-policy.yaml").write_text("id: [broken\n", encoding="utf-8")
    data = diff_json(project, capsys)
    assert [u["path"] for u in data["unreadable"]] == [str(project / "policies" / "clean-policy.yaml")]


def test_undecodable_file_is_named_not_crashed_on(project, capsys):
    (project / "policies" / "latin1.yaml").write_bytes("id: caf\xe9\n".encode("latin-1"))
    (project / "policies" / "folder.yaml").mkdir()
    data = diff_json(project, capsys)
    assert [u["path"] for u in data["unreadable"]] == [str(project / "policies" / "latin1.yaml")]


# --- what a reviewer needs (issue: review in pull requests) -----------------------------------------------------------

NOTICE = "          - id: notice\n            number: 1\n            text: {zh: 須以書面形式通知。, en: Notice must be given in writing.}\n"


def commit(project: Path, message: str) -> None:
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", message)


def markdown(project: Path, capsys, *args: str) -> str:
    assert main(["-C", str(project), "diff", *args, "--format", "markdown"]) == 0
    return capsys.readouterr().out


def test_added_and_removed_clauses_carry_their_full_text(project, capsys):
    edit(
        project,
        ("        checks:", "        clauses:\n" + NOTICE + "        checks:"),
        ("      - id: principles\n        number: 3\n        kind: principle\n        title: {zh: 基本原則, en: Basic Principles}\n        text: {zh: 依法合規。, en: Act lawfully.}\n", ""),
    )
    (policy,) = diff_json(project, capsys)["policies"]
    by_id = {c["id"]: c for c in policy["clauses"]}
    added = {(t["part"], t["lang"]): t["runs"] for t in by_id["notice"]["texts"]}
    assert added == {("text", "zh"): [["added", "須以書面形式通知。"]], ("text", "en"): [["added", "Notice must be given in writing."]]}
    removed = {(t["part"], t["lang"]): t["runs"] for t in by_id["principles"]["texts"]}
    assert removed[("text", "zh")] == [["removed", "依法合規。"]] and removed[("title", "en")] == [["removed", "Basic Principles"]]
    out = markdown(project, capsys)
    assert "<ins>須以書面形式通知。</ins>" in out and "<del>依法合規。</del>" in out


def test_a_changed_parameter_names_its_values_and_the_clauses_printing_it(project, capsys):
    edit(project, ("value: {zh: 三十, en: thirty}", "value: {zh: 四十五, en: forty-five}"))
    (policy,) = diff_json(project, capsys)["policies"]
    (parameter,) = policy["parameters"]
    assert (parameter["id"], parameter["status"], parameter["old"], parameter["new"]) == ("notice-days", "changed", "三十 / thirty", "四十五 / forty-five")
    assert parameter["clauses"] == ["2.1 resignation"]
    # The printed text changed: the version must be raised, as for a reworded clause.
    assert policy["problems"] == ["the text changed but the version is still 1.2.0: raise it"]
    out = markdown(project, capsys)
    assert "notice-days" in out and "<del>三十</del><ins>四十五</ins>" in out and "2.1 resignation" in out


def test_filling_a_blank_is_named_as_filled(project, capsys):
    edit(project, ("value: {zh: 三十, en: thirty}", "value: null"))
    commit(project, "blank")
    edit(project, ("value: null", "value: {zh: 三十, en: thirty}"))
    (parameter,) = diff_json(project, capsys)["policies"][0]["parameters"]
    assert (parameter["status"], parameter["old"], parameter["new"]) == ("filled", "(blank)", "三十 / thirty")


def test_numbers_are_compared_whole(project, capsys):
    edit(project, ("依法合規。", "違者扣款20元。"))
    commit(project, "fine")
    edit(project, ("扣款20元", "扣款50元"), ("Act lawfully.", "Act lawfully or pay 50 yuan."))
    (policy,) = diff_json(project, capsys)["policies"]
    zh = next(t for t in policy["clauses"][0]["texts"] if t["lang"] == "zh")
    # Not 扣款[-2-]{+5+}0元: a number is one token.
    assert zh["runs"] == [["same", "違者扣款"], ["removed", "20"], ["added", "50"], ["same", "元。"]]


def test_markdown_redline_renders_in_githubs_renderer_next_to_chinese_punctuation(project, capsys):
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    def gfm(text: str) -> str:  # GitHub keeps <ins>/<del>; UNSAFE lets cmark pass raw HTML as GitHub's sanitizer would
        return cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)

    # The complaint, reproduced: a deleted run that starts with Chinese punctuation stays as literal tildes.
    assert "<del>" not in gfm("工作交接完成~~，並按照公司請假流程辦理~~。") and "~~" in gfm("電話~~、郵件~~、")
    edit(
        project,
        ("確保工作交接完成，並按照公司請假流程辦理。", "確保工作交接完成。對於未辦理交接者，公司不予結算工資。"),
        ("complete the hand-over and follow the leave procedure", "complete the hand-over; pay is withheld until it is done"),
        ("version: 1.2.0", "version: 1.3.0"),
    )
    html = gfm(markdown(project, capsys))
    assert "~~" not in html
    assert "<del>，並按照公司請假流程辦理</del>" in html
    assert "<ins>。對於未辦理交接者，公司不予結算工資</ins>" in html
    assert "<ins>; pay is withheld until it is done</ins>" in html or "<ins>;" in html


def test_changed_check_wording_is_a_redline(project, capsys):
    edit(project, ("do: {zh: 工作交接清單已簽字, en: Hand-over checklist signed}", "do: {zh: 工作交接清單已由主管簽字, en: Hand-over checklist signed by the supervisor}"))
    (policy,) = diff_json(project, capsys)["policies"]
    (clause,) = policy["clauses"]
    zh = next(t for t in clause["texts"] if t["lang"] == "zh")
    assert zh["part"] == "check handover-signed"
    assert zh["runs"] == [["same", "工作交接清單已"], ["added", "由主管"], ["same", "簽字"]]


def test_a_long_text_shows_only_the_changed_sentence(project, capsys):
    sentences = ["第一句說明適用的部門與人員範圍。", "第二句規定員工應於每月五日前提交報告。", "第三句說明主管的審核責任與時限。", "第四句說明違反規定的處理方式與記錄。", "第五句說明本條由運營中心負責解釋。"] * 2
    long_text = "".join(sentences)
    edit(project, ("依法合規。", long_text))
    commit(project, "long")
    edit(project, ("第二句規定員工應於每月五日前提交報告。第三句", "第二句規定員工應於每月十日前提交報告。第三句"))
    (policy,) = diff_json(project, capsys)["policies"]
    zh = next(t for t in policy["clauses"][0]["texts"] if t["lang"] == "zh")
    shown = "".join(text for _, text in zh["runs"])
    assert ["removed", "五"] in zh["runs"] and ["added", "十"] in zh["runs"]
    assert "第二句規定員工應於每月" in shown  # the changed sentence, from its start
    assert "第四句" not in shown and len(shown) < len(long_text) / 2
    assert zh["runs"][0] == ["elided", "…"] or zh["runs"][1] == ["elided", "…"]


def test_inserting_a_clause_collapses_the_shifted_siblings(project, capsys):
    edit(
        project,
        ("    clauses:\n      - id: purpose\n        number: 1\n", "    clauses:\n      - id: definitions\n        number: 1\n        text: {zh: 本制度用語定義如下。, en: Terms used in these rules.}\n      - id: purpose\n        number: 2\n"),
        ("      - id: scope\n        number: 2\n", "      - id: scope\n        number: 3\n"),
        ("      - id: principles\n        number: 3\n", "      - id: principles\n        number: 4\n"),
    )
    (policy,) = diff_json(project, capsys)["policies"]
    assert [(c["id"], c["status"]) for c in policy["clauses"]] == [("definitions", "added")]
    (run,) = policy["renumbered"]
    assert (run["parent"], run["old"], run["new"], run["ids"]) == ("1 general", "1.1–1.3", "1.2–1.4", ["purpose", "scope", "principles"])
    assert "1.1–1.3 → 1.2–1.4 (3 clauses" in markdown(project, capsys)


def test_inserting_a_chapter_gives_one_line_not_a_row_per_clause(project, capsys):
    edit(
        project,
        ("clauses:\n  - id: general\n    number: 1\n", "clauses:\n  - id: preface\n    number: 1\n    text: {zh: 前言。, en: Preface.}\n  - id: general\n    number: 2\n"),
        ("  - id: staff\n    number: 2\n", "  - id: staff\n    number: 3\n"),
    )
    (policy,) = diff_json(project, capsys)["policies"]
    assert [c["id"] for c in policy["clauses"]] == ["preface"]
    assert [(r["old"], r["new"], r["ids"]) for r in policy["renumbered"]] == [("1–2", "2–3", ["general", "staff"])]


def test_moving_a_clause_says_where_from_and_to(project, capsys):
    path = project / "policies" / "clean-policy.yaml"
    text = path.read_text(encoding="utf-8")
    block = "      - id: principles\n        number: 3\n        kind: principle\n        title: {zh: 基本原則, en: Basic Principles}\n        text: {zh: 依法合規。, en: Act lawfully.}\n"
    text = text.replace(block, "").replace("            evidence: {zh: 簽字的清單, en: The signed checklist}\n", "            evidence: {zh: 簽字的清單, en: The signed checklist}\n" + block.replace("number: 3", "number: 2"))
    path.write_text(text, encoding="utf-8")
    (policy,) = diff_json(project, capsys)["policies"]
    (clause,) = policy["clauses"]
    assert clause["moved"] == ["1 general", "2 staff"] and (clause["old_label"], clause["new_label"]) == ("1.3", "2.2")


# --- merge base ---------------------------------------------------------------------------------------------------


def test_the_base_is_the_merge_base_so_main_moving_on_is_not_a_revert(project, capsys):
    git(project, "branch", "-M", "main")
    git(project, "checkout", "-qb", "feature")
    edit(project, ("依法合規。", "依法辦事。"), ("version: 1.2.0", "version: 1.3.0"))
    commit(project, "feature work")
    git(project, "checkout", "-q", "main")
    edit(project, ("本制度適用於全體員工。", "本制度適用於全體正式員工。"))
    commit(project, "main moves on")
    git(project, "checkout", "-q", "feature")
    for args in (["main"], ["main...HEAD"], ["main", "HEAD"]):
        data = diff_json(project, capsys, *args)
        (policy,) = data["policies"]
        assert [c["id"] for c in policy["clauses"]] == ["principles"], args  # not scope: main's change is not ours
        assert "merge base" in data["base"]
    # Two dots compare the tips directly, as git does: main's newer wording shows as undone.
    (policy,) = diff_json(project, capsys, "main..HEAD")["policies"]
    assert {c["id"] for c in policy["clauses"]} == {"principles", "scope"}


def test_unrelated_histories_are_a_usage_error(project, capsys):
    git(project, "branch", "-M", "main")
    git(project, "checkout", "-q", "--orphan", "other")
    commit(project, "unrelated")
    assert main(["-C", str(project), "diff", "main"]) == 2
    assert "no merge base" in capsys.readouterr().err


# --- handbook-wide files --------------------------------------------------------------------------------------------


@pytest.fixture
def with_handbook(project: Path) -> Path:
    shutil.copytree(ROOT / "tests" / "check_cases" / "handbook", project / "policies" / "handbook")
    git(project, "add", ".")
    commit(project, "handbook")
    return project


def test_a_redefined_role_lists_the_clauses_it_changes(with_handbook, capsys):
    path = with_handbook / "policies" / "handbook" / "roles.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: all-staff\n")
    name_at = text.index("    name: {zh: ", start)
    end = text.index("\n", name_at)
    path.write_text(text[:name_at] + "    name: {zh: 全體正式員工, en: All permanent employees}" + text[end:], encoding="utf-8")
    data = diff_json(with_handbook, capsys)
    assert data["policies"] == []
    (change,) = data["handbook"]
    assert (change["file"], change["entry"], change["status"]) == ("roles", "all-staff", "changed")
    assert change["affected"] == ["clean-policy#scope", "clean-policy#resignation"]
    out = markdown(with_handbook, capsys)
    assert "No policy changed" not in out and "roles: all-staff" in out and "<ins>正式</ins>" in out


def test_a_glossary_term_and_an_external_document(with_handbook, capsys):
    path = with_handbook / "policies" / "handbook" / "external.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- id: leave-procedure", "- id: leave-procedure-2024", 1), encoding="utf-8")
    data = diff_json(with_handbook, capsys)
    statuses = {(c["entry"], c["status"]): c["affected"] for c in data["handbook"] if c["file"] == "external"}
    # The removed document was what clause resignation refers to; the new one is referred to by nothing yet.
    assert statuses[("leave-procedure", "removed")] == ["clean-policy#resignation"]
    assert statuses[("leave-procedure-2024", "added")] == []
    path = with_handbook / "policies" / "handbook" / "glossary.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{zh: 運營, en: operation,", "{zh: 運營, en: operations,", 1), encoding="utf-8")
    (term,) = [c for c in diff_json(with_handbook, capsys)["handbook"] if c["file"] == "glossary"]
    assert (term["entry"], term["fields"]) == ("運營", [["en", "operation", "operations"]])
    assert term["affected"] == ["clean-policy#purpose"]  # 本制度旨在規範運營工作。 is the one text that uses 運營


# --- one broken file ---------------------------------------------------------------------------------------------


def test_a_yaml_slip_is_named_and_nothing_is_shown_as_removed(project, capsys):
    edit(project, ("    title: {zh: 總則, en: General Provisions}\n", "   title: {zh: 總則, en: General Provisions}\n"))
    data = diff_json(project, capsys)
    assert data["policies"] == []
    assert [u["path"] for u in data["unreadable"]] == [str(project / "policies" / "clean-policy.yaml")]
    out = markdown(project, capsys)
    assert "(removed" not in out and "➖" not in out and "does not load at working tree" in out


# --- consequences ---------------------------------------------------------------------------------------------------


def consequences(project: Path, capsys) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for c in diff_json(project, capsys)["consequences"]:
        found.setdefault(c["kind"], []).append(c["message"])
    return found


def test_chinese_changed_english_not_is_a_stale_translation(project, capsys):
    edit(project, ("依法合規。", "依法合規，誠實守信。"))
    found = consequences(project, capsys)
    assert found["stale-translation"] == ["clause 'principles' (1.3): the Chinese text changed but the translation did not; update the translation"]
    edit(project, ("Act lawfully.", "Act lawfully and honestly."))
    assert "stale-translation" not in consequences(project, capsys)


def test_removing_a_referenced_clause_names_the_broken_reference(project, capsys):
    edit(project, ("      - id: scope\n        number: 2\n        kind: scope\n        title: {zh: 適用範圍, en: Scope}\n        text: {zh: 本制度適用於全體員工。, en: These rules apply to all employees.}\n        applies_to: [all-staff]\n", ""),
         ("      - id: principles\n        number: 3\n", "      - id: principles\n        number: 2\n"))
    found = consequences(project, capsys)
    assert found["broken-reference"] == ["clause 'resignation' (2.1) refers to '#scope', but clause 'scope' of clean-policy was removed"]


def test_posters_and_checklists_whose_print_changed(project, capsys):
    edit(project, ("依法合規。", "依法辦事。"), ("Act lawfully.", "Act by the law."))
    found = consequences(project, capsys)
    assert found["reprint-poster"] == ["poster 'principles' (基本原則): clauses principles changed; print it again"]
    assert "reprint-checklist" not in found
    edit(project, ("do: {zh: 工作交接清單已簽字, en: Hand-over checklist signed}", "do: {zh: 交接清單已簽字, en: Hand-over list signed}"))
    found = consequences(project, capsys)
    assert found["reprint-checklist"] == ["checklist 'leaving' (離職交接): items #handover-signed changed; print it again"]


def test_a_file_broken_at_the_base_and_fixed_now_is_not_shown_as_added(project, capsys):
    path = project / "policies" / "clean-policy.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("    title: {zh: 總則, en: General Provisions}\n", "   title: {zh: 總則, en: General Provisions}\n"), encoding="utf-8")
    commit(project, "slip")
    path.write_text(good, encoding="utf-8")
    data = diff_json(project, capsys)
    assert data["policies"] == [] and [u["revision"] for u in data["unreadable"]] == ["HEAD"]


def test_history_entries_and_definitions_are_listed(project, capsys):
    edit(
        project,
        ("retired_ids: [old-scope]", "retired_ids: [old-scope, older-scope]"),
        ("    clauses: [principles]\n", "    clauses: [principles, scope]\n"),
        ("editorial_notes:\n", "editorial_notes:\n  - clause: principles\n    original: '合?'\n    restored: 合規\n    reason: {zh: 原文亂碼。, en: Garbled in the source.}\n"),
    )
    (policy,) = diff_json(project, capsys)["policies"]
    assert policy["notes"] == [
        "editorial note added on clause 'principles': restored '合規' (source showed '合?')",
        "retired ids added: older-scope",
        "poster 'principles': clauses changed",
    ]
    # The poster now prints one more clause: it must be printed again.
    assert [c["kind"] for c in diff_json(project, capsys)["consequences"]] == ["reprint-poster"]


def test_removing_a_clause_another_policy_refers_to(project, capsys):
    other = (project / "policies" / "clean-policy.yaml").read_text(encoding="utf-8").replace("id: clean-policy", "id: other", 1)
    other = other.replace("refs: ['#scope', 'external:leave-procedure']", "refs: ['clean-policy#principles']")
    (project / "policies" / "other.yaml").write_text(other, encoding="utf-8")
    git(project, "add", ".")
    commit(project, "other")
    edit(project, ("      - id: principles\n        number: 3\n        kind: principle\n        title: {zh: 基本原則, en: Basic Principles}\n        text: {zh: 依法合規。, en: Act lawfully.}\n", ""),
         ("    clauses: [principles]\n", "    clauses: [scope]\n"))
    found = consequences(project, capsys)
    assert found["broken-reference"] == ["clause 'resignation' (2.1) refers to 'clean-policy#principles', but clause 'principles' of clean-policy was removed"]


def test_a_realistic_amendment_of_the_corpus_renders_through_gfm(tmp_path, capsys):
    """On a copy of the real handbook: fill a blank, cut a sentence from a long clause, raise the version."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    for part in ("policies", "templates"):
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    commit(tmp_path, "corpus")
    # The first policy with a blank, and in it the longest Chinese clause text with two or more sentences.
    for path in sorted((tmp_path / "policies").glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        blanks = [p for p in data.get("parameters", []) if p.get("value") in (None, "null", "")]
        if blanks:
            break
    text = path.read_text(encoding="utf-8")

    def clauses(items):
        for c in items:
            yield c
            yield from clauses(c.get("clauses", []))

    zh = max((c["text"]["zh"] for c in clauses(data["clauses"]) if "text" in c and c["text"]["zh"].count("。") >= 2 and c["text"]["zh"] in text), key=len)
    cut = zh.split("。")[1] + "。"
    blank = blanks[0]["id"]
    start = text.index(f"  - id: {blank}\n")
    value_at = text.index("    value: null", start)
    text = text[:value_at] + "    value: {zh: '20', en: '20'}" + text[value_at + len("    value: null"):]
    text = text.replace(zh, zh.replace(cut, "", 1), 1)
    text = re.sub(r"^version: (\d+)\.(\d+)\.(\d+)$", lambda m: f"version: {m[1]}.{int(m[2]) + 1}.0", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    out = markdown(tmp_path, capsys, "HEAD")
    html = cmarkgfm.github_flavored_markdown_to_html(out, options=Options.CMARK_OPT_UNSAFE)
    assert "~~" not in html and "&lt;del&gt;" not in html
    # Cutting "B。" out of "A。B。C" removes either "B。" or "。B": the same sentence, aligned on either full stop.
    assert {cut, "。" + cut[:-1]} & set(re.findall(r"<del>(.*?)</del>", html))
    assert f"<td>{blank}<br>" in html and "(filled)" in html
    # Every table row has the cells of its header: no stray | in a value broke a row apart.
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        header = len(re.findall(r"<th[ >]", table.split("</thead>")[0]))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S):
            assert len(re.findall(r"<td[ >]", row)) == header, row


def test_a_topic_and_a_required_clause_list_what_they_govern(with_handbook, capsys):
    path = with_handbook / "policies" / "handbook" / "requirements.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    name: {zh: 流程规范, en: Process standards}", "    name: {zh: 流程与规范, en: Processes and standards}", 1)
    text = text.replace("    policy_types: [regulation]\n  - kind: scope", "    policy_types: [regulation, guidance]\n  - kind: scope", 1)
    path.write_text(text, encoding="utf-8")
    changes = {(c["file"], c["entry"]): c for c in diff_json(with_handbook, capsys)["handbook"]}
    assert set(changes) == {("topics", "process"), ("required_clauses", "purpose")}
    assert changes[("topics", "process")]["affected"] == ["clean-policy#purpose"]  # the one clause tagged topics: [process]
    assert changes[("required_clauses", "purpose")]["fields"] == [["policy_types", "regulation", "regulation, guidance"]]
    assert changes[("required_clauses", "purpose")]["affected"] == ["clean-policy"]
