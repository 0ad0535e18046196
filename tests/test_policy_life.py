"""A policy's life, as README's "Adding or changing a policy" describes it, on a copy of the corpus in its own git
repository: import → draft → English → 1.0.0 → amend a sentence → fill a blank → retire a clause → 1.1.0.

At each step `rulebook check` (with `--base` as CI runs it) passes where it should and names the right finding where
it should not; the built site shows the draft banner, then the history with its redline, the amended clause, the
superseded version at its own address and the retired clause's notice where its anchor was.
"""

from __future__ import annotations

import re
from pathlib import Path

import cssselect2
import tinyhtml5
from mkdocs.exceptions import MkDocsException
from test_history import check, git, path_of, read, texts, write
from test_site import assemble_project

from generator.cli import main
from generator.project import Project
from generator.site.build import build as site_build
import pytest

pytestmark = pytest.mark.slow  # a policy's whole life, with real builds

SOURCE = Path(__file__).parent / "import_cases" / "attendance-lines.txt"
ID = "attendance"


def codes(findings: list[dict], severity: str | None = None) -> set[str]:
    return {f["code"] for f in findings if Path(f["path"]).stem == ID and (severity is None or f["severity"] == severity)}


def clauses(node):
    for clause in node.get("clauses", []):
        yield clause
        yield from clauses(clause)


def page(site: Path, path: str):
    html = (site / path / "index.html").read_text(encoding="utf-8")
    return html, cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(html, namespace_html_elements=False))


def words(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.etree_element.itertext())).strip()


def build(project: Path, out: Path) -> bool:
    """Build as `rulebook build` does (without its console logging, which would outlive this test's capture)."""
    try:
        site_build(Project(project), out)
    except MkDocsException:
        return False
    return True


def test_a_policy_from_import_to_its_second_release(tmp_path, capsys):
    project = assemble_project(tmp_path / "project").root
    (project / ".gitignore").write_text(".cache/\n", encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "the handbook")

    # Import: the English is missing, so the policy does not check and the site is not built.
    assert main(["-C", str(project), "import", str(SOURCE), "--id", ID]) == 0
    capsys.readouterr()
    code, findings = check(project, capsys=capsys)
    assert code == 1 and "E050" in codes(findings, "error")
    assert build(project, tmp_path / "site") is False
    capsys.readouterr()

    # Draft: previewed under a banner, its gaps warnings; --strict (a release) refuses it.
    data = read(project, ID)
    data["status"] = "draft"
    write(project, data, ID)
    code, findings = check(project, capsys=capsys)
    assert code == 0 and {"W140", "W141", "W142"} <= codes(findings) and not codes(findings, "error")
    assert check(project, "--strict", capsys=capsys)[0] == 1
    assert build(project, tmp_path / "site") is True
    capsys.readouterr()
    _, draft = page(tmp_path / "site", f"en/policies/{ID}")
    assert draft.query(".rb-draft") is not None
    assert draft.query(".rb-untranslated") is not None  # the missing English is shown as such

    # English, structure and the review marks; then release 1.0.0.
    data = read(project, ID)
    for text in texts(data):
        text["en"] = text["en"] or f"English of {text['zh']}"
    leaf = [c for c in clauses(data) if "text" in c and "kind" not in c]
    leaf[0]["kind"] = "principle"
    write(project, data, ID)
    assert main(["-C", str(project), "translated", str(path_of(project, ID))]) == 0
    capsys.readouterr()
    data = read(project, ID)
    del data["status"]
    data.update(version="1.0.0", effective="2027-01-01",
                history=[{"version": "1.0.0", "effective": "2027-01-01", "summary": {"zh": "首次發布。", "en": "First release."}}])
    write(project, data, ID)
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert code == 0 and codes(findings) <= {"W101", "W120"}
    git(project, "add", "-A")
    git(project, "commit", "-qm", "attendance 1.0.0")

    # Amend one Chinese sentence: the English is flagged stale, and a version bump is demanded.
    amended = leaf[-1]
    data = read(project, ID)
    target = next(c for c in clauses(data) if c["id"] == amended["id"])
    target["text"]["zh"] = target["text"]["zh"].rstrip("。").rsplit("，", 1)[0] + "。"
    assert target["text"]["zh"] != amended["text"]["zh"]
    write(project, data, ID)
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert "E100" in codes(findings, "error") and "W150" in codes(findings)
    data["version"], data["effective"] = "1.1.0", "2027-03-01"
    data["history"].append({"version": "1.1.0", "effective": "2027-03-01", "summary": {"zh": "修訂。", "en": "Amended."}})
    write(project, data, ID)
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert "E105" in codes(findings, "error")  # the amended clause must say so
    target["changed"] = "1.1.0"
    write(project, data, ID)
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert code == 0 and "W150" in codes(findings)

    # Fill a blank: the value must name the version that filled it.
    data = read(project, ID)
    data["parameters"][0]["value"] = {"zh": "五", "en": "five"}
    write(project, data, ID)
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert "E113" in codes(findings, "error")
    data["parameters"][0]["changed"] = "1.1.0"
    write(project, data, ID)

    # Retire a clause: its id must be kept under retired_ids.
    data = read(project, ID)
    def removable(k: dict) -> bool:  # no required kind, no blank, not the amended clause
        return "kind" not in k and "text" in k and "{" not in k["text"]["zh"] and k["id"] != target["id"]

    parent = next(c for c in clauses(data) if any(removable(k) for k in c.get("clauses", [])))
    gone = next(k for k in parent["clauses"] if removable(k))
    parent["clauses"].remove(gone)
    for number, sibling in enumerate([k for k in parent["clauses"] if "number" in k], start=1):
        sibling["number"] = number
    write(project, data, ID)
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert "E101" in codes(findings, "error")
    data["retired_ids"] = [gone["id"]]
    write(project, data, ID)
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert code == 0 and not codes(findings, "error")
    stale = next(f for f in findings if f["code"] == "W150")

    # Review the stale English; release 1.1.0.
    assert main(["-C", str(project), "translated", f"{path_of(project, ID)}:{stale['line']}"]) == 0
    capsys.readouterr()
    code, findings = check(project, "--base", "main", capsys=capsys)
    assert "W150" not in codes(findings) and not codes(findings, "error")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "attendance 1.1.0")

    # The site: the amended clause says when it changed; the history shows both versions and the redline.
    assert build(project, tmp_path / "site") is True
    capsys.readouterr()
    _, policy_page = page(tmp_path / "site", f"en/policies/{ID}")
    section = policy_page.query(f'[id="{target["id"]}"]').parent
    assert "1.1.0" in words(section.query(".rb-changed"))
    html, history = page(tmp_path / "site", f"policies/{ID}/history")
    releases = list(history.query_all(".rb-release"))
    assert [r.etree_element.get("id") for r in releases] == ["v1.1.0", "v1.0.0"]
    statuses = {r.etree_element.get("class").split("--")[-1] for r in releases[0].query_all(".rb-redline")}
    assert {"changed", "removed"} <= statuses
    removed_words = "".join(words(d) for d in releases[0].query_all(".rb-redline--changed del"))
    assert removed_words and removed_words in amended["text"]["zh"] and removed_words not in target["text"]["zh"]

    # Point in time: 1.0.0 stays readable at a stable address, marked as superseded; the retired clause's old
    # anchor on the current page says when it was retired and links to the text it had.
    links = [a.etree_element.get("href") for a in releases[1].query_all("a")]
    assert links == ["../versions/1.0.0/"]
    _, old = page(tmp_path / "site", f"policies/{ID}/versions/1.0.0")
    assert old.query(".rb-superseded") is not None
    assert old.query(f'[id="{gone["id"]}"]') is not None and old.query(f'[id="{target["id"]}"]') is not None
    _, current = page(tmp_path / "site", f"en/policies/{ID}")
    notice = current.query(f'.rb-retired-clause[id="{gone["id"]}"]')
    assert "1.1.0" in words(notice)
    assert f"versions/1.0.0/#{gone['id']}" in notice.query("a").etree_element.get("href")
