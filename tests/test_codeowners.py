"""Routing: roles name their reviewers, `rulebook codeowners` writes CODEOWNERS, `rulebook check` notices a stale one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "check_cases"
TODAY = "2026-06-01"


def project_with(tmp_path: Path, **reviewers: list[str]) -> Path:
    """The check cases' handbook and clean policy (owner operations-department, approver management), with reviewers."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    shutil.copytree(CASES / "handbook", tmp_path / "policies" / "handbook")
    shutil.copy(CASES / "clean-policy.yaml", tmp_path / "policies" / "clean-policy.yaml")
    set_reviewers(tmp_path, **reviewers)
    return tmp_path


def set_reviewers(project: Path, **reviewers: list[str]) -> None:
    path = project / "policies" / "handbook" / "roles.yaml"
    text = path.read_text(encoding="utf-8")
    for role, names in reviewers.items():
        head = f"  - id: {role}\n"
        start = text.index(head)
        end = text.index("\n  - id: ", start + 1) + 1
        entry = "".join(line for line in text[start:end].splitlines(keepends=True) if "reviewers:" not in line)
        if names:
            entry += f"    reviewers: [{', '.join(repr(n) for n in names)}]\n"
        text = text[:start] + entry + text[end:]
    path.write_text(text, encoding="utf-8")


def codeowners_file(project: Path) -> str:
    return (project / ".github" / "CODEOWNERS").read_text(encoding="utf-8")


def warnings(project: Path, capsys) -> list[dict]:
    main(["-C", str(project), "check", "--today", TODAY, "--format", "json"])
    return [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "W130"]


def test_owner_and_approver_reviewers_own_the_policy_file(tmp_path, capsys):
    project = project_with(tmp_path, **{"operations-department": ["@acme/operations"], "management": ["@acme/board", "@ceo-name"]})
    assert main(["-C", str(project), "codeowners"]) == 0
    assert "1 of 1 policies routed" in capsys.readouterr().out
    lines = [line for line in codeowners_file(project).splitlines() if not line.startswith("#") and line]
    assert lines == ["/policies/clean-policy.yaml @acme/operations @acme/board @ceo-name"]


def test_a_role_without_reviewers_uses_its_departments(tmp_path, capsys):
    project = project_with(tmp_path, **{"operations-department": ["@acme/operations"]})
    policy = project / "policies" / "clean-policy.yaml"
    # operations-staff is part_of operations-department in the cases' roles; management names nobody.
    policy.write_text(policy.read_text(encoding="utf-8").replace("owner: operations-department", "owner: operations-staff"), encoding="utf-8")
    main(["-C", str(project), "codeowners"])
    assert "/policies/clean-policy.yaml @acme/operations\n" in codeowners_file(project)


def test_a_policy_nobody_reviews_is_named_in_a_comment(tmp_path, capsys):
    project = project_with(tmp_path, **{"department-head": ["@acme/heads"]})
    main(["-C", str(project), "codeowners"])
    assert "# /policies/clean-policy.yaml: neither operations-department (owner) nor management (approver) names reviewers" in codeowners_file(project)


def test_check_reports_a_missing_or_stale_file_and_not_a_current_one(tmp_path, capsys):
    project = project_with(tmp_path)
    assert warnings(project, capsys) == []  # nobody named: nothing to route, no file expected
    set_reviewers(project, **{"management": ["@acme/board"]})
    (missing,) = warnings(project, capsys)
    assert missing["path"].endswith("roles.yaml") and "no CODEOWNERS file" in missing["message"]
    main(["-C", str(project), "codeowners"])
    capsys.readouterr()
    assert warnings(project, capsys) == []
    assert main(["-C", str(project), "codeowners", "--check"]) == 0
    set_reviewers(project, **{"management": ["@acme/directors"]})
    (stale,) = warnings(project, capsys)
    assert stale["path"].endswith(".github/CODEOWNERS") and stale["line"] == 4 and stale["hint"].startswith("Run `rulebook codeowners`")
    assert main(["-C", str(project), "codeowners", "--check"]) == 1


def test_a_reviewer_must_be_a_github_user_or_team(tmp_path, capsys):
    project = project_with(tmp_path, **{"management": ["acme/board"]})
    main(["-C", str(project), "check", "--today", TODAY, "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["code"] == "E010" and f["path"].endswith("roles.yaml") and "reviewers" in f["message"] for f in findings)


def test_the_committed_codeowners_is_current(tmp_path, capsys):
    # The corpus: whatever its roles say, the committed file says the same (check would warn W130 otherwise).
    copy = tmp_path / "corpus"
    shutil.copytree(ROOT / "policies", copy / "policies")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    shutil.copytree(ROOT / ".github", copy / ".github")
    assert main(["-C", str(copy), "codeowners", "--check"]) == 0
