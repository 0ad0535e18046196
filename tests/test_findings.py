"""Findings as editors and CI read them: one per line, GitHub annotations, "did you mean", no noise from a broken file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from generator.cli import main
from generator.findings import Finding

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "check_cases"
CLEAN = CASES / "clean-policy.yaml"
TODAY = "2026-06-01"


def make_project(tmp_path: Path, **policies: str) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    shutil.copytree(CASES / "handbook", tmp_path / "policies" / "handbook")
    for name, text in policies.items():
        (tmp_path / "policies" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def check(project: Path, capsys, *args: str) -> tuple[int, str]:
    code = main(["-C", str(project), "check", "--today", TODAY, *args])
    return code, capsys.readouterr().out


def clean(**replacements: str) -> str:
    text = CLEAN.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_a_multi_line_text_gives_a_one_line_finding(tmp_path, capsys):
    # A block scalar keeps its line break; the message quotes the start of the text.
    text = clean(**{"        text: {zh: 依法合規。, en: Act lawfully.}\n": "        text:\n          zh: |\n            依法\n            合規。\n          en: ''\n"})
    project = make_project(tmp_path, **{"clean-policy": text})
    _, out = check(project, capsys)
    lines = [line for line in out.splitlines() if " E050 " in line]
    assert len(lines) == 1 and lines[0].endswith("missing English translation of '依法 合規。 '")  # the final line break too
    (finding,) = [f for f in json.loads(check(project, capsys, "--format", "json")[1])["findings"] if f["code"] == "E050"]
    assert "\n" not in finding["message"]


def test_no_finding_can_hold_a_line_break():
    f = Finding("a.yaml", 1, 1, "E012", "unknown key 'a\r\nb' in (top level)", "did you\nmean")
    assert f.message == "unknown key 'a b' in (top level)" and f.hint == "did you mean"
    assert "\n" not in f.format().split("\n    hint: ")[0]


def test_github_format_annotates_file_and_line(tmp_path, capsys):
    project = make_project(tmp_path, **{"clean-policy": clean(**{"applies_to: [all-staff]": "applies_to: [all-staf]"})})
    code, out = check(project, capsys, str(project / "policies" / "clean-policy.yaml"), "--format", "github")
    assert code == 1
    (line,) = [x for x in out.splitlines() if x.startswith("::")]
    assert line.startswith("::error file=")
    props, message = line[len("::error "):].split("::", 1)
    fields = dict(p.split("=", 1) for p in props.split(","))
    assert fields["line"] == "53" and fields["col"] == "22" and fields["title"] == "E032 unknown-role"
    assert fields["file"].endswith("policies/clean-policy.yaml")
    assert message.startswith("unknown role or department 'all-staf' (hint: did you mean 'all-staff'?")


def test_github_format_escapes_what_would_end_the_command():
    from generator.findings import to_github

    out = to_github([Finding("dir,x/a:b.yaml", 3, 4, "E010", "100% wrong: a::b")])
    assert out.splitlines()[0] == "::error file=dir%2Cx/a%3Ab.yaml,line=3,col=4,title=E010 schema::100%25 wrong: a::b"


def test_unknown_reference_topic_and_external_say_did_you_mean(tmp_path, capsys):
    text = clean(**{"refs: ['#scope', 'external:leave-procedure']": "refs: ['#scop', 'external:leave-procedur']", "topics: [process]": "topics: [proces]"})
    project = make_project(tmp_path, **{"clean-policy": text})
    findings = json.loads(check(project, capsys, "--format", "json")[1])["findings"]
    hints = {f["code"]: f["hint"] for f in findings if f["path"].endswith("clean-policy.yaml")}
    assert hints["E030"].startswith("did you mean 'scope'?")
    assert hints["E031"].startswith("did you mean 'leave-procedure'?")
    assert hints["E033"].startswith("did you mean 'process'?")


def test_a_wild_name_gets_the_plain_hint(tmp_path, capsys):
    project = make_project(tmp_path, **{"clean-policy": clean(**{"applies_to: [all-staff]": "applies_to: [zzzz-qqqq]"})})
    (finding,) = [f for f in json.loads(check(project, capsys, "--format", "json")[1])["findings"] if f["code"] == "E032"]
    assert finding["hint"] == "Add the role to policies/handbook/roles.yaml or fix the id."


def test_one_broken_file_gives_one_error_not_one_per_reference_to_it(tmp_path, capsys):
    referring = clean(**{"id: clean-policy": "id: referring", "refs: ['#scope', 'external:leave-procedure']": "refs: ['target#scope', 'target#purpose']"})
    target = clean(**{"id: clean-policy": "id: target", "    title: {zh: 總則, en: General Provisions}\n": "   title: {zh: 總則, en: General Provisions}\n"})
    project = make_project(tmp_path, referring=referring, target=target)
    findings = json.loads(check(project, capsys, "--format", "json")[1])["findings"]
    # (The cases' handbook names topic sources in policies this project lacks: those findings are not at issue.)
    errors = [(Path(f["path"]).name, f["code"]) for f in findings if f["severity"] == "error" and "handbook" not in f["path"]]
    assert errors == [("target.yaml", "E002")]
    # Once the file loads again, a reference to a clause it lacks is reported as before.
    (project / "policies" / "target.yaml").write_text(clean(**{"id: clean-policy": "id: target"}).replace("- id: purpose", "- id: aim").replace("[purpose]", "[aim]"), encoding="utf-8")
    findings = json.loads(check(project, capsys, "--format", "json")[1])["findings"]
    assert [(Path(f["path"]).name, f["code"]) for f in findings if f["severity"] == "error" and "handbook" not in f["path"]] == [("referring.yaml", "E030")]
