"""The language registry and the localiser: one fallback rule for every renderer, one catalogue of interface words,
and a fourth language added to a project by data alone (registry entry, interface words, texts).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator import languages, locations, publish
from generator.check import check
from generator.cli import main
from generator.loader import load
from generator.localise import Catalogue, Localiser, Localisers
from generator.model import Text
from generator.poster import poster_content
from generator.project import Project
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini"
CATALOGUE = Catalogue.load(ROOT / "templates")


def localiser(code: str, registry: languages.Registry | None = None) -> Localiser:
    return Localiser(registry or languages.default(), code, CATALOGUE)


# One fallback rule ------------------------------------------------------------------------------------------------


def test_a_translation_of_only_spaces_falls_back_to_the_chinese_as_written():
    text = Text({"zh": "員工應準時上下班。", "en": "   "})
    english = localiser("en")
    assert english.text(text, "zh-Hant") == "員工應準時上下班。"
    assert english.fell_back(text, "zh-Hant") and english.shown_in(text, "zh-Hant") == "zh-Hant"
    # A Chinese reader gets the source in the reading script, whatever the translation holds.
    assert localiser("zh-Hans").text(text, "zh-Hant") == "员工应准时上下班。"
    assert not localiser("zh-Hans").fell_back(text, "zh-Hant")


def test_a_fallback_chain_is_followed_in_order_then_the_source():
    data = safe_load(languages.DEFAULT_FILE.read_text(encoding="utf-8"))
    data["languages"].append({"code": "fr", "name": "Français", "text": "fr", "numbering": "dotted",
                              "date": "{day}/{month}/{year}", "fallback": ["en"]})
    registry = languages.from_data(data)
    french = localiser("fr", registry)
    assert french.text(Text({"zh": "總則", "en": "General", "fr": "Généralités"}), "zh-Hant") == "Généralités"
    assert french.text(Text({"zh": "總則", "en": "General", "fr": " "}), "zh-Hant") == "General"
    assert french.text(Text({"zh": "總則", "en": "", "fr": ""}), "zh-Hant") == "總則"
    assert french.shown_in(Text({"zh": "總則", "en": "General"}), "zh-Hant") == "en"


# One catalogue of interface words ------------------------------------------------------------------------------------


def test_simplified_interface_words_are_converted_by_phrase_not_by_character():
    # 列印 is Taiwan's word; a character table leaves it, mainland usage is 打印.
    assert CATALOGUE.entries["policy.print"]["zh-Hant"] == "列印"
    assert localiser("zh-Hans").word("policy.print") == "打印"
    assert localiser("zh-Hans").word("form.print").startswith("勾选后可直接打印本页")


def test_every_interface_word_exists_in_every_default_language():
    assert Localisers(languages.default(), CATALOGUE).missing_words() == []


def test_one_english_word_for_how_often_on_every_page_and_sheet():
    english = localiser("en")
    assert english.word("checklist.frequency") == "How often"
    assert english.word("frequency.per-event") == "Each time"
    assert "form.frequency" not in CATALOGUE.entries  # the PDF form uses the same word as the site


# The registry is read everywhere -------------------------------------------------------------------------------------


def test_no_language_list_outside_the_registry_and_the_localiser():
    """A language code written in code would be a second place to change when a language is added. The Chinese
    script converter and the importer, which reads a source in either Chinese script, name scripts, not languages."""
    allowed = {"languages.py", "languages.yaml", "localise.py", "scripts.py", "importer.py", "cleanup.py", "headings.py"}
    offenders = []
    for path in sorted((ROOT / "generator").rglob("*")):
        if path.suffix not in (".py", ".js", ".html") or path.name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        for token in ('"zh-Hant"', '"zh-Hans"', "'zh-Hant'", "'zh-Hans'", 'lang == "en"', "lang == 'en'", 'lang != "en"'):
            if token in text:
                offenders.append(f"{path.relative_to(ROOT)}: {token}")
    for path in sorted((ROOT / "templates").rglob("*.*")):
        if path.suffix in (".html", ".js") and ("== 'en'" in path.read_text(encoding="utf-8") or '== "en"' in path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_a_broken_registry_is_a_finding_with_its_line(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(MINI / "policies", project / "policies")
    (project / "policies" / "handbook" / "languages.yaml").write_text(
        "languages:\n  - code: zh-Hant\n    name: 繁體中文\n    text: zh\n    script: zh-Hant\n    numbering: chinese\n"
        "    date: '{year}'\n  - code: fr\n    name: Français\n    text: fr\n    numbering: dotted\n    date: '{year}'\n"
        "    fallback: [de]\n", encoding="utf-8")
    _, findings = check(Project(project))
    assert [(f.line, f.code) for f in findings if f.path.endswith("languages.yaml")] == [(13, "E023")]


# A fourth language, by data only ------------------------------------------------------------------------------------

FRENCH = {"code": "fr", "name": "Français", "text": "fr", "theme": "fr", "numbering": "dotted",
          "date": "{day} {month_name} {year}", "fallback": ["en"],
          "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                     "novembre", "décembre"]}
FRENCH_WORDS = {"nav.policies": "Règlements", "policy.version": "Version", "poster.check": "Code de contrôle",
                "form.item": "Point à vérifier", "checklist.frequency": "Fréquence", "frequency.per-event": "À chaque fois"}


def _add_french(data):
    """Every text of a policy file gains a French translation: « FR » and its English."""
    if isinstance(data, dict):
        if "zh" in data and "en" in data and all(isinstance(v, str) for v in data.values()):
            data["fr"] = f"FR {data['en']}" if data["en"] else ""
            return
        for value in data.values():
            _add_french(value)
    elif isinstance(data, list):
        for value in data:
            _add_french(value)


@pytest.fixture(scope="module")
def french_project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("french")
    shutil.copytree(MINI / "policies", project / "policies")
    shutil.copytree(ROOT / "templates", project / "templates")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# 手冊\n", encoding="utf-8")
    # The repository's own site configuration, without its exclusions of folders this project does not have.
    config = re.sub(r"^exclude_docs: \|\n(  .*\n)+", "", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), flags=re.M)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    registry = safe_load(languages.DEFAULT_FILE.read_text(encoding="utf-8"))
    registry["languages"].append(FRENCH)
    (project / "policies" / "handbook" / "languages.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    for path in (project / "policies").glob("*.yaml"):
        data = safe_load(path.read_text(encoding="utf-8"))
        _add_french(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    words = safe_load((project / "templates" / "words.yaml").read_text(encoding="utf-8"))
    for key, value in FRENCH_WORDS.items():
        words[key]["fr"] = value
    (project / "templates" / "words.yaml").write_text(yaml.safe_dump(words, allow_unicode=True), encoding="utf-8")
    return project


def test_a_fourth_language_passes_the_check(french_project):
    handbook, findings = check(Project(french_project))
    assert handbook.languages.codes == ("zh-Hant", "zh-Hans", "en", "fr")
    assert [f for f in findings if f.severity == "error"] == []


def test_a_fourth_language_missing_a_translation_is_reported(french_project, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(french_project, project)
    path = project / "policies" / "mini-finance-rules.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("fr: FR ", "fr: ' '  # ", 1), encoding="utf-8")
    _, findings = check(Project(project))
    assert any(f.code == "E050" and "Français translation" in f.message for f in findings)


@pytest.mark.slow
def test_a_fourth_language_gets_its_own_site(french_project, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    # The poster and the checklist show that French reaches the printers; the forms and the handbook PDFs, which
    # take three times as long to print in four languages, are left out (tests/test_book.py and
    # tests/test_acknowledgement.py print those in every language of the registry).
    printers = publish.writers()
    kept = {name: printers[name] for name in (locations.POSTERS, locations.CHECKLISTS)}
    monkeypatch.setattr(publish, "writers", lambda: kept)
    out = tmp_path / "site"
    assert main(["-C", str(french_project), "build", "--out", str(out)]) == 0
    handbook, _, _ = load(Project(french_project))
    policy = handbook.policies["mini-wall-rules"]
    page = (out / "fr" / "policies" / "mini-wall-rules" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in page
    assert f"FR {policy.clauses[0].title.get('en')}" in page
    assert "Règlements" in page and "Français" in page  # its own interface word, and the language menu
    # An interface word French does not have falls back to English, never to a missing key.
    assert "Copy link to this clause" in page
    # The other languages are as before, and each one's menu offers French.
    english = (out / "en" / "policies" / "mini-wall-rules" / "index.html").read_text(encoding="utf-8")
    assert f"FR {policy.clauses[0].title.get('en')}" not in english and "Français" in english
    # The browser script learns the new folder from the registry.
    assert '"fr": "fr/"' in page
    # Printed in French too: the poster and the checklist files, linked from the page.
    poster = out / "posters" / "mini-wall-rules" / "attendance-fr.pdf"
    assert poster.is_file() and "attendance-fr.pdf" in page
    words = subprocess.run(["pdftotext", str(poster), "-"], capture_output=True, text=True, check=True).stdout
    assert "Code de contrôle" in words and "FR " in words
    rows = list(csv.DictReader(io.StringIO((out / "checklists" / "mini-wall-rules" / "expense-claim.csv").read_text(encoding="utf-8-sig"))))
    assert rows and all(row["do_fr"].startswith("FR ") for row in rows)


@pytest.mark.slow
def test_a_fourth_language_poster_and_checklist_from_the_command_line(french_project, tmp_path):
    out = tmp_path / "build"
    assert main(["-C", str(french_project), "checklist", "--lang", "fr", "--format", "pdf", "--out", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out / "checklists" / "mini-wall-rules" / "expense-claim-fr.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "À chaque fois" in text and "FR Expense Claim Check" in text
    handbook, _, _ = load(Project(french_project))
    localisers = Localisers(handbook.languages, Catalogue.load(french_project / "templates"))
    policy = handbook.policies["mini-wall-rules"]
    content = poster_content(handbook, policy, policy.posters[0], "fr", "https://handbook.example.com/", localisers)
    assert content.url == "https://handbook.example.com/fr/policies/mini-wall-rules/#attendance"
    assert main(["-C", str(french_project), "poster", "--lang", "de", "--out", str(out)]) == 2
