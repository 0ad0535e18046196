"""`rulebook check`: every rule catches its fault at the right place, clean input passes, bad input never crashes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import make_project

from generator.cli import main
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "check_cases"
CLEAN = CASES / "clean-policy.yaml"
CASE_DATA = safe_load((CASES / "cases.yaml").read_text(encoding="utf-8"))
TODAY = "2026-06-01"


def value_node(root: yaml.Node, path: str, name: str) -> yaml.Node:
    """The node of a dotted path (`clauses.general.clauses.scope.id`); a list item is named by its id or position."""
    node = root
    for key in path.split("."):
        if isinstance(node, yaml.MappingNode):
            found = [value for k, value in node.value if k.value == key]
        elif key.isdigit():
            found = node.value[int(key) : int(key) + 1]
        else:
            found = [item for item in node.value if isinstance(item, yaml.MappingNode)
                     and any(k.value == "id" and v.value == key for k, v in item.value)]
        assert len(found) == 1, f"case {name}: the clean policy has no {path!r} ({key!r} not found)"
        node = found[0]
    return node


def flow(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=float("inf"), sort_keys=False).removesuffix("...\n").strip()


def case_text(name: str) -> str:
    """The clean policy with the case's fault put in, as tests/check_cases/cases.yaml describes it.

    Keys are set by replacing only their value's text, so that every line keeps the number it has in the clean policy.
    """
    case = CASE_DATA[name]
    text = CLEAN.read_text(encoding="utf-8").replace("# expect: nothing\n", f"# expect: {case['expect']}\n", 1)
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    settings = {"id": name, **case.get("set", {})}
    spans = [(node.start_mark.index, node.end_mark.index, flow(value)) for path, value in settings.items()
             for node in [value_node(root, path, name)]]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    lines = text.splitlines()
    for old, new in case.get("replace", {}).items():
        at = [i for i, line in enumerate(lines) if line.strip() == old]
        assert len(at) == 1, f"case {name}: {old!r} is on {len(at)} lines of the clean policy, not one"
        indent = lines[at[0]][: len(lines[at[0]]) - len(lines[at[0]].lstrip())]
        lines[at[0] : at[0] + 1] = [] if new is None else [indent + line for line in new.splitlines()]
    return "\n".join(lines) + "\n"


def case_project(tmp_path: Path, *names: str) -> Path:
    """A project holding the cases' frozen handbook data and the named cases, each as policies/NAME.yaml."""
    return make_project(tmp_path, handbook="cases", policies={name: case_text(name) for name in names})


def run_check(project: Path, *args: str, capsys) -> tuple[int, str]:
    code = main(["-C", str(project), "check", "--today", TODAY, *args])
    return code, capsys.readouterr().out


def expected(name: str) -> set[tuple[int, int, str]]:
    header = CASE_DATA[name]["expect"]
    if header == "nothing":
        return set()
    found = [re.fullmatch(r"(\d+):(\d+) ([EW]\d{3})", item) for item in header.split(", ")]
    assert all(found), f"case {name}: expect {header!r} is not `nothing` nor `LINE:COL CODE, ...`"
    return {(int(m[1]), int(m[2]), m[3]) for m in found}


@pytest.mark.parametrize("case", list(CASE_DATA))
def test_case_gives_exactly_its_findings(case: str, tmp_path, capsys):
    project = case_project(tmp_path, case)
    code, out = run_check(project, str(project / "policies" / f"{case}.yaml"), "--format", "json", capsys=capsys)
    findings = json.loads(out)["findings"]
    got = {(f["line"], f["col"], f["code"]) for f in findings}
    assert got == expected(case), "\n".join(f"{f['line']}:{f['col']} {f['code']} {f['message']}" for f in findings)
    assert all(f["path"].endswith(f"{case}.yaml") for f in findings)
    errors = [f for f in findings if f["severity"] == "error"]
    assert code == (1 if errors else 0)


def test_every_code_has_a_case():
    """Each finding code has a failing-input case here, or a test of its own (unreadable files and topic gaps below,
    a broken language registry in test_languages.py, a stale CODEOWNERS in test_codeowners.py, unsafe files such as
    symlinks and FIFOs in tests/hostile, changes against a base revision in test_history.py, a poster too long for its
    sheet in tests/hostile and test_poster_fit.py: it needs the templates, which these cases' projects do not have)."""
    from generator.findings import CODES

    covered = {code for case in CASE_DATA for _, _, code in expected(case)}
    assert set(CODES) - covered == {"E001", "E004", "E023", "E041", "W130", "E100", "E101", "E102", "E103", "E104", "E105",
                                       "E130", "E131", "E132", "E133",  # filled forms (acknowledgements collect)
                                       "E135"}  # posters: the cases' projects have no templates/


def test_text_output_format_and_summary(tmp_path, capsys):
    project = case_project(tmp_path, "dangling-ref")
    code, out = run_check(project, str(project / "policies" / "dangling-ref.yaml"), capsys=capsys)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].endswith(
        "dangling-ref.yaml:71:26: E030 reference 'dangling-ref#no-such-clause' points to clause 'no-such-clause', which policy dangling-ref does not have"
    )
    assert lines[1].startswith("    hint: Point the reference at an existing clause")
    assert lines[-1] == "2 errors, 0 warnings in 1 file"


def test_warnings_pass_unless_strict(tmp_path, capsys):
    project = case_project(tmp_path, "unfilled-parameter")
    target = str(project / "policies" / "unfilled-parameter.yaml")
    assert run_check(project, target, capsys=capsys)[0] == 0
    code, out = run_check(project, target, "--strict", capsys=capsys)
    assert code == 1 and "W101" in out


def test_uncovered_topic_is_reported_on_the_topic(tmp_path, capsys):
    project = case_project(tmp_path, "clean-policy")
    code, out = run_check(project, "--format", "json", capsys=capsys)
    findings = json.loads(out)["findings"]
    uncovered = {f["message"].split("'")[1] for f in findings if f["code"] == "E041"}
    # clean-policy covers only `process`; the other nine required topics are gaps.
    assert uncovered == {"responsibilities", "quality", "risk", "training", "information", "performance", "customer-relations", "resources", "improvement"}
    requirements = (project / "policies/handbook/requirements.yaml").read_text(encoding="utf-8").splitlines()
    for f in findings:
        if f["code"] == "E041":
            assert requirements[f["line"] - 1].strip() == f"- id: {f['message'].split(chr(39))[1]}"
    assert code == 1


def test_cross_policy_reference_resolves_and_dangles(tmp_path, capsys):
    project = case_project(tmp_path, "clean-policy")
    other = CLEAN.read_text(encoding="utf-8").replace("id: clean-policy", "id: second-policy", 1)
    other = other.replace("refs: ['#scope', 'external:leave-procedure']", "refs: ['clean-policy#scope', 'clean-policy#gone']")
    (project / "policies" / "second-policy.yaml").write_text(other, encoding="utf-8")
    code, out = run_check(project, str(project / "policies" / "second-policy.yaml"), "--format", "json", capsys=capsys)
    findings = json.loads(out)["findings"]
    assert [(f["code"], f["message"]) for f in findings] == [
        ("E030", "reference 'clean-policy#gone' points to clause 'gone', which policy clean-policy does not have")
    ]


def test_duplicate_policy_id_across_files(tmp_path, capsys):
    project = case_project(tmp_path, "clean-policy")
    shutil.copy(CLEAN, project / "policies" / "copy.yaml")
    code, out = run_check(project, str(project / "policies" / "copy.yaml"), capsys=capsys)
    assert code == 1
    assert "copy.yaml:3:5: E021 policy id 'clean-policy' is already used by clean-policy.yaml" in out


@pytest.mark.parametrize(
    "content, code, line",
    [
        (b"\xff\xfeid: x\n", "E001", 1),
        (b"id: x\n\x00\x01binary", "E001", 1),
        (b"id: [unclosed\n", "E002", 2),
        (b"- a list\n- not a mapping\n", "E010", 1),
        (b"", "E010", 1),
    ],
    ids=["not-utf8", "binary", "syntax", "top-level-list", "empty"],
)
def test_unreadable_files_give_one_finding_not_a_traceback(tmp_path, capsys, content, code, line):
    project = make_project(tmp_path, handbook="cases")
    bad = project / "policies" / "broken.yaml"
    bad.write_bytes(content)
    exit_code, out = run_check(project, str(bad), "--format", "json", capsys=capsys)
    findings = json.loads(out)["findings"]
    assert [(f["code"], f["line"]) for f in findings] == [(code, line)]
    assert exit_code == 1


def test_broken_handbook_data_is_reported(tmp_path, capsys):
    project = case_project(tmp_path, "clean-policy")
    roles = project / "policies/handbook/roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + "  - id: all-staff\n    kind: group\n    name: {zh: 全體員工, en: Everyone}\n", encoding="utf-8")
    code, out = run_check(project, "--format", "json", capsys=capsys)
    dupes = [f for f in json.loads(out)["findings"] if f["code"] == "E021"]
    assert len(dupes) == 1 and dupes[0]["path"].endswith("roles.yaml")
    assert roles.read_text(encoding="utf-8").splitlines()[dupes[0]["line"] - 1].strip() == "- id: all-staff"


def test_usage_errors_exit_2(tmp_path, capsys):
    project = make_project(tmp_path, handbook="cases")
    assert main(["-C", str(project), "check", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "xml"])
    assert exc.value.code == 2


def test_outside_a_project_exits_2(tmp_path, capsys):
    assert main(["-C", str(tmp_path), "check"]) == 2
    assert "no Rulebook project" in capsys.readouterr().err


def test_command_finds_the_project_from_a_subfolder(tmp_path):
    project = case_project(tmp_path, "missing-translation")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "check", "policies/missing-translation.yaml", "--today", TODAY],
        cwd=project, capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "policies/missing-translation.yaml:58:31: E050" in result.stdout
    sub = subprocess.run([sys.executable, "-m", "generator", "check", "--today", TODAY], cwd=project / "policies" / "handbook", capture_output=True, text=True)
    assert "missing-translation.yaml:58:31: E050" in sub.stdout
    assert "Traceback" not in sub.stderr + result.stderr


def test_every_subcommand_has_help():
    from generator.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():
        assert subparser.format_help().startswith("usage: rulebook " + name), name
        assert subparser.description or subparser.format_help().count("\n") > 3


@pytest.mark.parametrize(
    "content, message",
    [
        (b"id: &a [*a]\n", "aliases (*name) are not allowed"),
        (b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "aliases (*name) are not allowed"),
        (b"id: !!int abc\n", "cannot be read as int"),
        (b"id: !!timestamp abc\n", "cannot be read as timestamp"),
        (b"id: !python/object:os.system x\n", "the tag !python/object:os.system is not allowed"),
        (b"id: " + b"[" * 5000 + b"]" * 5000 + b"\n", "too deeply"),
    ],
    ids=["self-alias", "alias-bomb", "bad-int", "bad-timestamp", "python-tag", "deep-nesting"],
)
def test_hostile_yaml_gives_a_finding_not_a_traceback(tmp_path, capsys, content, message):
    project = make_project(tmp_path, handbook="cases")
    bad = project / "policies" / "broken.yaml"
    bad.write_bytes(content)
    exit_code, out = run_check(project, str(bad), "--format", "json", capsys=capsys)
    findings = json.loads(out)["findings"]
    assert exit_code == 1 and any(message in f["message"] for f in findings), findings


def test_bad_today_is_a_usage_error(tmp_path, capsys):
    project = make_project(tmp_path, handbook="cases")
    with pytest.raises(SystemExit) as exc:
        main(["-C", str(project), "check", "--today", "2024-13-01"])
    assert exc.value.code == 2
    assert "'2024-13-01' is not a date written YYYY-MM-DD" in capsys.readouterr().err


def test_external_document_links_must_be_web_addresses(tmp_path, capsys):
    project = case_project(tmp_path, "clean-policy")
    external = project / "policies/handbook/external.yaml"
    external.write_text(external.read_text(encoding="utf-8").replace(
        "    name: {zh: 公司請假流程, en: Company leave procedure}\n",
        "    name: {zh: 公司請假流程, en: Company leave procedure}\n    url: 'javascript:alert(1)'\n", 1), encoding="utf-8")
    code, out = run_check(project, "--format", "json", capsys=capsys)
    found = [f for f in json.loads(out)["findings"] if f["path"].endswith("external.yaml")]
    assert [f["code"] for f in found] == ["E010"] and "javascript" in found[0]["message"]


def test_checking_one_file_still_reports_broken_handbook_data(tmp_path, capsys):
    project = case_project(tmp_path, "clean-policy")
    roles = project / "policies/handbook/roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8").replace("kind: group", "kind: team", 1), encoding="utf-8")
    code, out = run_check(project, str(project / "policies" / "clean-policy.yaml"), "--format", "json", capsys=capsys)
    found = json.loads(out)["findings"]
    assert code == 1 and [(Path(f["path"]).name, f["code"]) for f in found] == [("roles.yaml", "E010")]


def test_topic_source_must_name_a_clause(tmp_path, capsys):
    project = case_project(tmp_path, "clean-policy")
    requirements = project / "policies/handbook/requirements.yaml"
    text = requirements.read_text(encoding="utf-8").replace("source: operations-rules-guide#process-standards", "source: clean-policy#purpose", 1)
    text = text.replace("source: operations-rules-guide#job-responsibilities", "source: clean-policy#no-such-clause", 1)
    requirements.write_text(text, encoding="utf-8")
    code, out = run_check(project, "--format", "json", capsys=capsys)
    sources = [f for f in json.loads(out)["findings"] if f["code"] == "E030"]
    # Every topic but `process` now names a clause this project does not hold.
    assert len(sources) == 9 and all(f["path"].endswith("requirements.yaml") for f in sources)
    assert not any("'process'" in f["message"] for f in sources)
