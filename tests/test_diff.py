"""`rulebook diff`: changes are reported per clause id, renumbering is not a rewrite, and policy text stays text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "check_cases" / "clean-policy.yaml"


def git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    shutil.copytree(ROOT / "templates" / "diff", tmp_path / "templates" / "diff")
    shutil.copy(CASE, tmp_path / "policies" / "clean-policy.yaml")
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
