"""The pull-request workflow and the pre-commit hooks: their files load, call commands that exist, and do their job."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import build_parser
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "review.yml"
CASE = ROOT / "tests" / "check_cases" / "clean-policy.yaml"


def workflow() -> dict:
    return safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps() -> list[dict]:
    (job,) = workflow()["jobs"].values()
    return job["steps"]


def step(name: str) -> dict:
    return next(s for s in steps() if s.get("name") == name)


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))


def test_the_workflow_runs_on_every_pull_request_with_the_rights_it_needs():
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert data["permissions"]["pull-requests"] == "write"
    checkout = next(s for s in steps() if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the merge base must be in the clone
    ids = {s["id"] for s in steps() if "id" in s}
    for s in steps():
        assert set(s) & {"run", "uses"}, s
        assert set(re.findall(r"steps\.([\w-]+)\.", str(s.get("if", "")))) <= ids, s["if"]
        if "uses" in s:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", s["uses"]), s["uses"]


def test_every_command_the_steps_run_exists():
    parser = build_parser()
    called = set()
    for s in steps():
        for line in s.get("run", "").splitlines():
            words = shlex.split(re.sub(r"\$\{?(\w+)\}?", r"\1", line.split(">")[0]))
            if not words:
                continue
            if words[0] == "make":
                assert set(words[1:]) <= make_targets(), line
                called.add("make " + " ".join(words[1:]))
            elif words[0] == ".venv/bin/rulebook":
                args = parser.parse_args(words[1:])  # exits (fails the test) on an unknown command or option
                assert getattr(args, "run", None), line
                called.add("rulebook " + words[1])
            else:
                assert words[0] in {"git", "cat", "echo", "exit"}, line
    # Set up as the README says, check, compare, route, test.
    assert {"make setup", "make test", "rulebook check", "rulebook diff", "rulebook codeowners"} <= called
    assert ".venv/bin/rulebook" in (ROOT / "Makefile").read_text(encoding="utf-8").replace("$(VENV)", ".venv")


# --- the steps' shell, run in a repository shaped like a pull request -----------------------------------------------


def git(where: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True, text=True, env=env).stdout


def rulebook_in(project: Path) -> None:
    """.venv/bin/rulebook in the project, running this checkout's generator with the test's Python."""
    wrapper = project / ".venv" / "bin" / "rulebook"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} -m generator \"$@\"\n", encoding="utf-8")
    wrapper.chmod(0o755)


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone whose origin/main moved on after the feature branch began, with the feature branch checked out."""
    origin = tmp_path / "origin"
    (origin / "policies").mkdir(parents=True)
    (origin / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    shutil.copytree(ROOT / "templates" / "diff", origin / "templates" / "diff")
    shutil.copy(CASE, origin / "policies" / "clean-policy.yaml")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "start")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-qb", "feature")
    policy = clone / "policies" / "clean-policy.yaml"
    # An amendment as the README asks for it: a new version, and the amended clause marked with it.
    amended = policy.read_text(encoding="utf-8").replace("依法合規。", "依法辦事。").replace("Act lawfully.", "Act by the law.")
    amended = amended.replace("        text: {zh: 依法辦事。, en: Act by the law.}\n", "        text: {zh: 依法辦事。, en: Act by the law.}\n        changed: 1.3.0\n")
    policy.write_text(amended.replace("version: 1.2.0", "version: 1.3.0"), encoding="utf-8")
    git(clone, "commit", "-qam", "feature")
    theirs = origin / "policies" / "clean-policy.yaml"
    theirs.write_text(theirs.read_text(encoding="utf-8").replace("本制度適用於全體員工。", "本制度適用於全體正式員工。"), encoding="utf-8")
    git(origin, "commit", "-qam", "main moves on")
    git(clone, "fetch", "-q")
    rulebook_in(clone)
    return clone


def run_step(name: str, where: Path, **env: str) -> subprocess.CompletedProcess:
    script = step(name)["run"]
    return subprocess.run(["bash", "-e", "-c", script], cwd=where, capture_output=True, text=True,
                          env={**os.environ, **step(name).get("env", {}), **env})


def test_the_compare_step_shows_the_pull_requests_changes_only(pull_request: Path, tmp_path):
    summary = tmp_path / "summary.md"
    done = run_step("Compare with the merge base", pull_request, BASE_REF="main", GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0, done.stderr
    diff = (pull_request / "rulebook-diff.md").read_text(encoding="utf-8")
    assert "依法<del>合規</del><ins>辦事</ins>。" in diff
    assert "正式" not in diff  # main's newer wording is not the pull request's to undo
    assert summary.read_text(encoding="utf-8") == diff


CHECK_STEP = "Check the policies, and what the change must record against the merge base"


def test_the_check_step_annotates_file_and_line(pull_request: Path):
    (pull_request / "policies" / "handbook").mkdir()
    for name in ("roles.yaml", "external.yaml"):
        shutil.copy(ROOT / "tests" / "check_cases" / "handbook" / name, pull_request / "policies" / "handbook" / name)
    done = run_step(CHECK_STEP, pull_request, BASE_REF="main")
    assert done.returncode == 0, done.stdout
    policy = pull_request / "policies" / "clean-policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("applies_to: [all-staff]", "applies_to: [all-staff, nobody]", 1), encoding="utf-8")
    done = run_step(CHECK_STEP, pull_request, BASE_REF="main")
    assert done.returncode == 1
    assert "::error file=policies/clean-policy.yaml,line=53,col=33,title=E032 unknown-role::unknown role or department 'nobody'" in done.stdout


# --- the comment: one, updated on each push -----------------------------------------------------------------------

NODE_HARNESS = """
const calls = [];
let comments = JSON.parse(process.argv[2]);
const github = {
  paginate: async (fn, args) => { calls.push(['list', args.issue_number]); return comments; },
  rest: {issues: {
    listComments: 'listComments',
    updateComment: async (args) => { calls.push(['update', args.comment_id, args.body]); },
    createComment: async (args) => { calls.push(['create', args.issue_number, args.body]); return {data: {id: 99}}; },
  }},
};
const context = {repo: {owner: 'o', repo: 'r'}, issue: {number: 7}, payload: {pull_request: {base: {ref: 'main'}}}};
require(process.argv[1])({github, context, path: process.argv[3]}).then((result) => {
  console.log(JSON.stringify({result, calls}));
});
"""


def post_comment(diff: Path, existing: list[dict]) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (GitHub's runner has it)")
    script = ROOT / ".github" / "scripts" / "diff-comment.js"
    done = subprocess.run([node, "-e", NODE_HARNESS, str(script), json.dumps(existing), str(diff)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_diff_is_posted_once_then_the_same_comment_is_updated(tmp_path):
    diff = tmp_path / "rulebook-diff.md"
    diff.write_text("### Policy changes: main → HEAD\n", encoding="utf-8")
    first = post_comment(diff, [{"id": 1, "user": {"type": "User"}, "body": "Looks good"}])
    assert first["result"] == {"created": 99}
    body = first["calls"][-1][2]
    assert body.startswith("<!-- rulebook-diff -->\n### Policy changes")
    again = post_comment(diff, [{"id": 1, "user": {"type": "User"}, "body": "Looks good"}, {"id": 5, "user": {"type": "Bot"}, "body": body}])
    assert again["result"] == {"updated": 5}
    assert [c[0] for c in again["calls"]] == ["list", "update"]
    # Someone quoting the marker in their own comment does not make it the bot's.
    quoted = post_comment(diff, [{"id": 2, "user": {"type": "User"}, "body": body}])
    assert quoted["result"] == {"created": 99}


def test_a_huge_diff_is_cut_to_what_github_accepts(tmp_path):
    diff = tmp_path / "rulebook-diff.md"
    diff.write_text("x" * 70000, encoding="utf-8")
    body = post_comment(diff, [])["calls"][-1][2]
    assert len(body) < 65536 and "rulebook diff origin/main...HEAD" in body


# --- pre-commit --------------------------------------------------------------------------------------------------


def test_the_hook_manifest_and_config_are_valid(tmp_path):
    pre_commit = pytest.importorskip("pre_commit")
    del pre_commit
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home")}
    for command, path in (("validate-manifest", ".pre-commit-hooks.yaml"), ("validate-config", ".pre-commit-config.yaml")):
        done = subprocess.run([sys.executable, "-m", "pre_commit", command, str(ROOT / path)], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    hooks = {h["id"]: h for h in safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert re.search(hooks["rulebook-check"]["files"], "policies/attendance.yaml")
    assert not re.search(hooks["rulebook-check"]["files"], "policies/handbook/roles.yaml")  # not a policy: checked whole
    assert re.search(hooks["rulebook-check-handbook"]["files"], "policies/handbook/roles.yaml")


def test_pre_commit_stops_a_commit_of_a_broken_policy(tmp_path):
    pytest.importorskip("pre_commit")
    project = tmp_path / "project"
    (project / "policies").mkdir(parents=True)
    (project / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    shutil.copytree(ROOT / "tests" / "check_cases" / "handbook", project / "policies" / "handbook")
    shutil.copy(CASE, project / "policies" / "clean-policy.yaml")
    shutil.copy(ROOT / ".pre-commit-config.yaml", project / ".pre-commit-config.yaml")
    rulebook_in(project)
    git(project, "init", "-q")
    git(project, "add", "policies", ".pre-commit-config.yaml", "mkdocs.yml")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home")}

    def hook(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "rulebook-check", "--files", *files], cwd=project, capture_output=True, text=True, env=env)

    policy = project / "policies" / "clean-policy.yaml"
    done = hook("policies/clean-policy.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    policy.write_text(policy.read_text(encoding="utf-8").replace("    title: {zh: 總則, en: General Provisions}\n", "   title: {zh: 總則, en: General Provisions}\n"), encoding="utf-8")
    done = hook("policies/clean-policy.yaml")
    assert done.returncode != 0 and "E002 YAML syntax error" in done.stdout
