"""A living handbook: amendments of every kind on a copy of the real corpus keep the fidelity test and `rulebook
check` green when declared, and fail them when not; `check --base` demands what a change must record.

Each amendment is made as a policy owner makes it: by editing the policy file's data in a copy of the corpus.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import make_project
from test_corpus import REGULATIONS, cleaned_source, fidelity_problems, normalise

from generator.cli import main
from generator.fingerprint import fingerprint
from generator.loader import load
from generator.policy_writer import dump_policy
from generator.project import Project
from generator.source import load_document

TODAY = "2026-12-01"
# A regulation of the corpus with blanks to fill in, and one without editorial repairs in the way of an edit.
POLICY = REGULATIONS["002_accb335824e5cb0b.txt"]


# Editing a copy of the corpus --------------------------------------------------------------------------------

def path_of(project: Path, policy_id: str) -> Path:
    return project / "policies" / f"{policy_id}.yaml"


def read(project: Path, policy_id: str = POLICY) -> dict:
    doc, problems = load_document(path_of(project, policy_id))
    assert doc is not None, problems
    return doc.data


def write(project: Path, data: dict, policy_id: str = POLICY) -> None:
    path = path_of(project, policy_id)
    path.write_text(dump_policy(data, path.parent), encoding="utf-8")


def walk(clauses: list[dict], parent: dict | None = None):
    for clause in clauses:
        yield clause, parent
        yield from walk(clause.get("clauses", []), clause)


def sentence_clauses(data: dict) -> list[tuple[dict, dict | None]]:
    """Leaf clauses whose Chinese has at least two sentences and no blank or repair, parent included."""
    repaired = {n["clause"] for n in data.get("editorial_notes", [])}
    return [(c, p) for c, p in walk(data["clauses"]) if not c.get("clauses") and "text" in c and c["id"] not in repaired
            and "{" not in c["text"]["zh"] and c["text"]["zh"].strip().rstrip("。").count("。") >= 1]


def release(data: dict, version: str, effective: str = "2027-03-01") -> None:
    data["version"], data["effective"] = version, effective
    data["history"].append({"version": version, "effective": effective, "summary": {"zh": "修訂。", "en": "Amended."}})


def drop_first_sentence(text: dict) -> None:
    first, rest = text["zh"].split("。", 1)
    text["zh"] = rest.strip()


def edit_sentence(data: dict, mark: bool) -> None:
    clause, _ = sentence_clauses(data)[0]
    drop_first_sentence(clause["text"])
    if mark:
        clause["changed"] = data["version"]


def renumber(siblings: list[dict]) -> None:
    for number, sibling in enumerate([s for s in siblings if "number" in s], start=1):
        sibling["number"] = number


def insert_clause(data: dict, mark: bool) -> None:
    clause, parent = sentence_clauses(data)[1]
    siblings = parent["clauses"] if parent else data["clauses"]
    new = {"id": "added-by-amendment", **{k: clause[k] for k in ("number", "style") if k in clause},
           "text": {"zh": "新增條文。", "en": "A new clause."}}
    if mark:
        new["changed"] = data["version"]
    siblings.insert(siblings.index(clause) + 1, new)
    renumber(siblings)


def named_once(clause_id: str) -> bool:
    """Whether no reference, poster or checklist anywhere in the corpus names the clause: only its own id line."""
    files = (Path(__file__).resolve().parents[1] / "policies").glob("*.yaml")
    return sum(f.read_text(encoding="utf-8").count(clause_id) for f in files) == 1


def delete_clause(data: dict, mark: bool) -> None:
    clause, parent = [(c, p) for c, p in sentence_clauses(data) if not c.get("checks") and named_once(c["id"])][2]
    siblings = parent["clauses"] if parent else data["clauses"]
    siblings.remove(clause)
    renumber(siblings)
    if mark:
        data.setdefault("retired_ids", []).append(clause["id"])


def move_clause(data: dict, mark: bool) -> None:
    """The last leaf clause of the policy goes to the front of the first chapter that has sub-clauses."""
    clause, parent = list(walk(data["clauses"]))[-1]
    (parent["clauses"] if parent else data["clauses"]).remove(clause)
    renumber(parent["clauses"] if parent else data["clauses"])
    first = next(c for c in data["clauses"] if c.get("clauses"))
    clause.pop("number", None)
    first["clauses"].insert(0, clause)
    if mark:
        clause["changed"] = data["version"]


def rename_title(data: dict, mark: bool) -> None:
    clause = next(c for c, _ in walk(data["clauses"]) if "title" in c)
    clause["title"]["zh"] += "事項"
    if mark:
        clause["changed"] = data["version"]


def fill_blank(data: dict, mark: bool) -> None:
    parameter = data["parameters"][0]
    parameter["value"] = {"zh": "月度", "en": "monthly"}
    if mark:
        parameter["changed"] = data["version"]


AMENDMENTS = [edit_sentence, insert_clause, delete_clause, move_clause, rename_title, fill_blank]


def amend(project: Path, *changes, mark: bool = True, version: str = "1.1.0") -> None:
    data = read(project)
    release(data, version)
    for change in changes:
        change(data, mark)
    write(project, data)


def fidelity(project: Path, policy_id: str = POLICY) -> list[str]:
    handbook, _, broken = load(Project(project))
    assert not broken
    policy = handbook.policies[policy_id]
    return fidelity_problems(policy, normalise(cleaned_source(policy)))


def check(project: Path, *args: str, capsys) -> tuple[int, list[dict]]:
    code = main(["-C", str(project), "check", "--today", TODAY, "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)["findings"]


def errors(findings: list[dict]) -> set[str]:
    return {f["code"] for f in findings if f["severity"] == "error"}


@pytest.fixture
def corpus(tmp_path) -> Path:
    return make_project(tmp_path / "project", policies="corpus")


# Declared amendments pass; undeclared ones are caught -----------------------------------------------------------

@pytest.mark.parametrize("change", AMENDMENTS, ids=lambda f: f.__name__)
def test_a_declared_amendment_keeps_the_fidelity_test_and_check_green(corpus, change, capsys):
    amend(corpus, change)
    assert fidelity(corpus) == []
    code, findings = check(corpus, capsys=capsys)
    assert errors(findings) == set() and code == 0


@pytest.mark.parametrize("change", [c for c in AMENDMENTS if c is not fill_blank], ids=lambda f: f.__name__)
def test_an_undeclared_amendment_fails_the_fidelity_test(corpus, change):
    amend(corpus, change, mark=False)
    assert fidelity(corpus) != []


def test_an_undeclared_filled_blank_is_a_finding_on_its_value(corpus, capsys):
    amend(corpus, fill_blank, mark=False)
    code, findings = check(corpus, capsys=capsys)
    assert [(f["code"], Path(f["path"]).stem) for f in findings if f["severity"] == "error"] == [("E113", POLICY)]
    assert code == 1


def test_a_lost_sentence_in_an_untouched_clause_is_caught_beside_declared_amendments(corpus):
    data = read(corpus)
    release(data, "1.1.0")
    for change in AMENDMENTS:
        change(data, True)
    untouched = [c for c, _ in sentence_clauses(data) if "changed" not in c]
    drop_first_sentence(untouched[len(untouched) // 2]["text"])
    write(corpus, data)
    problems = fidelity(corpus)
    assert len(problems) == 1 and untouched[len(untouched) // 2]["id"] in problems[0]


def test_every_amendment_at_once_checks_clean(corpus, capsys):
    amend(corpus, *AMENDMENTS)
    assert fidelity(corpus) == []
    code, findings = check(corpus, "--strict", capsys=capsys)
    # --strict: the only warnings left are the corpus's own unfilled blanks.
    assert {f["code"] for f in findings} <= {"W101"}


# The history's consistency -------------------------------------------------------------------------------------

def test_a_new_version_without_a_history_entry_is_reported_on_the_version(corpus, capsys):
    data = read(corpus)
    data["version"] = "1.1.0"
    write(corpus, data)
    code, findings = check(corpus, capsys=capsys)
    found = [f for f in findings if f["code"] == "E111"]
    assert len(found) == 1 and Path(found[0]["path"]).stem == POLICY
    lines = path_of(corpus, POLICY).read_text(encoding="utf-8").splitlines()
    assert lines[found[0]["line"] - 1].startswith("version: 1.1.0")


# Against a base revision ----------------------------------------------------------------------------------------

def git(project: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(project), "-c", "user.name=Policy Owner", "-c", "user.email=owner@example.invalid", *args],
                            capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def repo(corpus) -> Path:
    git(corpus, "init", "-q", "-b", "main")
    git(corpus, "add", "-A")
    git(corpus, "commit", "-qm", "corpus")
    return corpus


def base_errors(project: Path, capsys) -> list[tuple[str, str]]:
    code, findings = check(project, "--base", "main", capsys=capsys)
    found = [(f["code"], f["message"]) for f in findings if f["code"] >= "E100" and f["severity"] == "error"]
    assert code == (1 if errors(findings) else 0)
    return found


def test_a_declared_amendment_passes_against_the_base(repo, capsys):
    amend(repo, *AMENDMENTS)
    assert base_errors(repo, capsys) == []


def test_a_content_change_without_a_new_version_is_an_error(repo, capsys):
    data = read(repo)
    edit_sentence(data, True)
    write(repo, data)
    assert [code for code, _ in base_errors(repo, capsys)] == ["E100"]


def test_an_english_only_change_also_needs_a_new_version_but_a_review_mark_does_not(repo, capsys):
    data = read(repo)
    clause, _ = sentence_clauses(data)[0]
    clause["text"]["en_of"] = fingerprint(clause["text"]["zh"])
    write(repo, data)
    assert base_errors(repo, capsys) == []
    clause["text"]["en"] += " (corrected)"
    write(repo, data)
    assert [code for code, _ in base_errors(repo, capsys)] == ["E100"]


def test_a_removed_clause_needs_its_id_retired(repo, capsys):
    amend(repo, delete_clause, mark=False)
    found = base_errors(repo, capsys)
    assert [code for code, _ in found] == ["E101"]


def test_an_amended_clause_must_be_marked_against_the_base(repo, capsys):
    amend(repo, edit_sentence, insert_clause, mark=False)
    found = base_errors(repo, capsys)
    assert sorted(code for code, _ in found) == ["E105", "E105"]
    assert any("added-by-amendment" in message for _, message in found)


def test_a_retired_id_stays_retired_even_when_taken_off_the_list(repo, capsys):
    amend(repo, delete_clause)
    git(repo, "commit", "-qam", "1.1.0")
    data = read(repo)
    retired = data["retired_ids"].pop()
    release(data, "1.2.0", "2027-06-01")
    data["clauses"][0].setdefault("clauses", []).append({"id": retired, "text": {"zh": "別的條文。", "en": "Other text."}, "changed": "1.2.0"})
    write(repo, data)
    found = base_errors(repo, capsys)
    assert [code for code, _ in found] == ["E102"] and retired in found[0][1]


def test_a_deleted_policy_must_leave_a_record(repo, capsys):
    path_of(repo, POLICY).unlink()
    found = base_errors(repo, capsys)
    assert [code for code, _ in found] == ["E103"] and POLICY in found[0][1]


def test_released_history_is_not_rewritten(repo, capsys):
    data = read(repo)
    release(data, "1.1.0")
    data["history"][0]["effective"] = "2026-11-30"
    write(repo, data)
    assert [code for code, _ in base_errors(repo, capsys)] == ["E104"]


def test_an_unknown_base_is_wrong_usage(repo, capsys):
    assert main(["-C", str(repo), "check", "--base", "no-such-branch"]) == 2
    assert "no-such-branch" in capsys.readouterr().err


# Stale translations and the review mark --------------------------------------------------------------------------

def test_a_changed_chinese_makes_its_reviewed_english_stale_until_reviewed_again(corpus, capsys):
    target = path_of(corpus, POLICY)
    assert main(["-C", str(corpus), "translated", str(target)]) == 0
    capsys.readouterr()
    code, findings = check(corpus, "--strict", capsys=capsys)
    assert {f["code"] for f in findings} <= {"W101"}  # every translation marked, none stale

    data = read(corpus)
    clause, _ = sentence_clauses(data)[0]
    chinese = clause["text"]["zh"]
    text = target.read_text(encoding="utf-8")
    first = chinese.split("。", 1)[0] + "。"
    assert text.count(first) == 1
    target.write_text(text.replace(first, ""), encoding="utf-8")  # the owner deletes a sentence, the English stays
    code, findings = check(corpus, capsys=capsys)
    stale = [f for f in findings if f["code"] == "W150"]
    assert code == 0 and len(stale) == 1
    lines = target.read_text(encoding="utf-8").splitlines()
    line = stale[0]["line"]
    assert lines[line - 1].strip().startswith("en:")
    assert main(["-C", str(corpus), "check", "--today", TODAY, "--strict"]) == 1
    capsys.readouterr()

    assert main(["-C", str(corpus), "translated", f"{target}:{line}"]) == 0
    assert "marked 1 translation" in capsys.readouterr().out
    code, findings = check(corpus, capsys=capsys)
    assert not [f for f in findings if f["code"] == "W150"]


def test_marking_a_file_reviewed_changes_nothing_but_the_marks(corpus, capsys):
    target = path_of(corpus, POLICY)
    before = read(corpus)
    assert main(["-C", str(corpus), "translated", str(target), "--lang", "en"]) == 0
    after = read(corpus)

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "en_of"}
        return [strip(v) for v in node] if isinstance(node, list) else node

    assert strip(after) == before
    marks = [t for t in texts(after) if "en_of" in t]
    assert marks and all(t["en_of"] == fingerprint(t["zh"]) for t in marks)
    assert all(("en_of" in t) == bool(t["en"].strip()) for t in texts(after))
    assert main(["-C", str(corpus), "translated", str(target)]) == 0
    assert "nothing to mark" in capsys.readouterr().out.splitlines()[-1]


def texts(node):
    """Every text mapping (one with zh: and en:) in policy data."""
    if isinstance(node, dict):
        if "zh" in node and "en" in node:
            yield node
            return
        for value in node.values():
            yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)


def test_translated_names_a_line_without_a_text_as_wrong(corpus, capsys):
    target = path_of(corpus, POLICY)
    assert main(["-C", str(corpus), "translated", f"{target}:1"]) == 1
    assert "no text" in capsys.readouterr().err


# Drafts -----------------------------------------------------------------------------------------------------------

def test_a_draft_may_lack_translations_but_strict_refuses_it(corpus, capsys):
    data = read(corpus)
    data["status"] = "draft"
    clause, _ = sentence_clauses(data)[0]
    clause["text"]["en"] = ""
    write(corpus, data)
    code, findings = check(corpus, capsys=capsys)
    assert code == 0
    assert {f["code"] for f in findings if Path(f["path"]).stem == POLICY} >= {"W140", "W141"}
    assert errors(findings) == set()
    code, _ = check(corpus, "--strict", capsys=capsys)
    assert code == 1


def test_the_english_page_says_the_chinese_prevails_on_a_stale_clause_only(corpus):
    import cssselect2
    import tinyhtml5

    from generator.localise import Catalogue, Localisers
    from generator.site.render import SiteRenderer

    assert main(["-C", str(corpus), "translated", str(path_of(corpus, POLICY))]) == 0
    data = read(corpus)
    clause, _ = sentence_clauses(data)[0]
    drop_first_sentence(clause["text"])
    write(corpus, data)
    handbook, _, _ = load(Project(corpus))
    templates = Path(__file__).resolve().parents[1] / "templates"
    renderer = SiteRenderer(handbook, templates / "site", Localisers(handbook.languages, Catalogue.load(templates)))
    policy = handbook.policies[POLICY]
    for lang in handbook.languages.codes:
        html = renderer.policy_page(policy, lang).body
        page = cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(html, namespace_html_elements=False))
        stale = [s.etree_element.get("id") or s.query("[id]").etree_element.get("id") for s in page.query_all(".rb-clause")
                 if any("rb-stale" in (child.etree_element.get("class") or "") for child in s.iter_children())]
        reads_chinese = renderer.readers[lang].words.reads_source
        assert stale == ([] if reads_chinese else [clause["id"]]), lang


def test_drafts_and_retired_policies_print_no_posters_or_checklists(corpus):
    from generator import checklist, poster
    from generator.localise import Catalogue, Localisers
    from generator.site.render import Downloads, SiteRenderer

    handbook, _, _ = load(Project(corpus))
    printing = {p.id for p, _ in poster.select(handbook)} | {p.id for p, _ in checklist.select(handbook)}
    assert POLICY in printing
    for status in ("draft", "retired"):
        data = read(corpus)
        data["status"] = status
        write(corpus, data)
        handbook, _, _ = load(Project(corpus))
        assert POLICY not in {p.id for p, _ in poster.select(handbook)} | {p.id for p, _ in checklist.select(handbook)}
        templates = Path(__file__).resolve().parents[1] / "templates"
        renderer = SiteRenderer(handbook, templates / "site", Localisers(handbook.languages, Catalogue.load(templates)),
                                Downloads(posters=True, checklists=True))
        body = renderer.policy_page(handbook.policies[POLICY], "en").body
        assert f"rb-{status}" in body and "rb-print" not in body  # the banner, and no printable files offered


def test_earlier_versions_are_read_from_git_again_only_after_a_commit(repo, monkeypatch):
    # The live preview asks after every save; reading every commit's files took a tenth of its rebuild.
    from generator import versions

    project = Project(repo)
    handbook, _, _ = load(project)
    reads: list[int] = []
    real = versions._read
    monkeypatch.setattr(versions, "_read", lambda *args: reads.append(1) or real(*args))
    monkeypatch.setattr(versions, "_last", None)
    first = versions.earlier_versions(project, handbook)
    assert versions.earlier_versions(project, handbook) is first and len(reads) == 1
    path = path_of(repo, POLICY)
    path.write_text(path.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    assert versions.earlier_versions(project, handbook) is first  # saved, not committed: the history is the same
    git(repo, "commit", "-qam", "a note")
    versions.earlier_versions(project, handbook)
    assert len(reads) == 2
