"""Acknowledgement forms on the small fixture corpus (tests/fixtures/mini): the documented field ids, the version's
fingerprint on paper and online, filled in with Chinese and read back by poppler, and the links from the site.

Expected words come from the fixture's YAML and from the field ids and file names docs/en/read-and-sign.md promises.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pypdf
import pytest
import yaml
from conftest import make_project

from generator import pdf
from generator.acknowledgement import write_acknowledgements
from generator.cli import main
from generator.history import version_fingerprint
from generator.loader import load
from generator.pdf_cache import PdfCache
from generator.project import Project
from generator.source import safe_load

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
SITE = "https://handbook.intranet.test/"
MKDOCS = f"site_name: Test\nsite_url: {SITE}\n"
# The field ids docs/en/read-and-sign.md documents: a company's collecting depends on them staying so.
FIELDS = [
    "acknowledgement:employee-name",
    "acknowledgement:employee-number",
    "acknowledgement:department",
    "acknowledgement:date",
    "acknowledgement:signature",
]
A4 = (595.28, 841.89)  # points


def project_at(folder: Path, mkdocs: str = MKDOCS) -> Project:
    return Project(make_project(folder, policies=FIXTURE / "policies", templates=True, mkdocs=mkdocs))


def raw(project: Project, policy_id: str) -> dict:
    return safe_load((project.policies / f"{policy_id}.yaml").read_text(encoding="utf-8"))


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def fields_of(path: Path) -> dict[str, dict]:
    reader = pypdf.PdfReader(path)
    out = {}
    for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        out[str(field["/T"])] = field
    return out


def widgets(path: Path) -> list:
    """The form fields' widgets on the page (the link to the policy's page is an annotation too)."""
    annotations = (ref.get_object() for ref in pypdf.PdfReader(path).pages[0]["/Annots"])
    return [a for a in annotations if a.get("/Subtype") == "/Widget"]


# The version's fingerprint (no printing) ----------------------------------------------------------------------


def edit(project: Project, policy_id: str, change) -> str:
    """The fingerprint of the policy after change(data) is written to its file."""
    path = project.policies / f"{policy_id}.yaml"
    data = safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    handbook, _, broken = load(project)
    assert not broken
    return version_fingerprint(handbook.policies[policy_id])


def first_text(data: dict) -> dict:
    clause = data["clauses"][0]
    while "text" not in clause:
        clause = clause["clauses"][0]
    return clause["text"]


def test_the_fingerprint_changes_with_the_words_and_not_with_layout_or_review_marks(tmp_path):
    project = project_at(tmp_path / "p")
    handbook, _, _ = load(project)
    before = version_fingerprint(handbook.policies["mini-wall-rules"])
    assert re.fullmatch(r"[0-9a-f]{8}", before)
    assert before != version_fingerprint(handbook.policies["mini-finance-rules"])

    # Re-wrapping a text and recording a review of its translation change no word of the version.
    def rewrap(data):
        text = first_text(data)
        text["zh"] = "\n".join(text["zh"])
        text["en_of"] = "0123abcd"

    assert edit(project, "mini-wall-rules", rewrap) == before

    # One character of one clause, in either language, is another text.
    def one_character(data):
        first_text(data)["zh"] += "。"

    changed = edit(project, "mini-wall-rules", one_character)
    assert changed != before

    def english(data):
        first_text(data)["en"] += " Really."

    assert edit(project, "mini-wall-rules", english) not in (before, changed)


def test_the_same_words_at_another_version_are_another_fingerprint(tmp_path):
    project = project_at(tmp_path / "p")
    handbook, _, _ = load(project)
    before = version_fingerprint(handbook.policies["mini-wall-rules"])

    def bump(data):
        data["version"] = "1.1.1"

    assert edit(project, "mini-wall-rules", bump) != before


def test_the_statement_is_text_even_when_the_title_looks_like_markup(tmp_path):
    from generator import config
    from generator.acknowledgement import acknowledgement_content
    from generator.model import Text

    project = project_at(tmp_path / "p")
    handbook, _, _ = load(project)
    policy = handbook.policies["mini-wall-rules"]
    policy.title = Text({"zh": "<b>規章</b> & <script>x</script>", "en": "<i>Rules</i>"})
    localisers = config.localisers(project, handbook)
    for lang in handbook.languages.codes:
        content = acknowledgement_content(handbook, policy, lang, SITE, localisers)
        html = pdf.Templates(project, "acknowledgement").render(
            "acknowledgement.html", a=content, qr=None, font=content.font, field_font="F", t=localisers.word_in
        )
        assert "<b>" not in html and "<script>" not in html and "<i>" not in html
        assert "&lt;script&gt;" in html or "&lt;i&gt;" in html


# The site links the forms (no printing) --------------------------------------------------------------------------


def test_each_policy_page_and_the_downloads_page_link_the_forms_of_every_language_with_the_fingerprint(tmp_path):
    import cssselect2
    import tinyhtml5

    from generator import config
    from generator.site.render import Downloads, SiteRenderer

    project = project_at(tmp_path / "p")
    handbook, _, _ = load(project)
    renderer = SiteRenderer(
        handbook, project.templates / "site", config.localisers(project, handbook), Downloads(acknowledgements=True)
    )
    pages = {p.path: p for p in renderer.pages()}

    def parse(body):
        return cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(body, namespace_html_elements=False))

    for policy_id in ("mini-wall-rules", "mini-finance-rules"):
        policy = raw(project, policy_id)
        fingerprint = version_fingerprint(handbook.policies[policy_id])
        for lang in handbook.languages.codes:
            prefix = handbook.languages.prefix(lang)
            html = parse(pages[f"{prefix}policies/{policy_id}/"].body)
            links = [a.etree_element.get("href") for a in html.query_all(".rb-print .rb-acknowledgement a")]
            up = "../" * (2 + prefix.count("/"))
            assert links == [
                f"{up}acknowledgements/{policy_id}/{policy_id}-{policy['version']}-{code}.pdf"
                for code in handbook.languages.codes
            ]
            codes = ["".join(c.etree_element.itertext()) for c in html.query_all(".rb-acknowledgement code")]
            about = ["".join(c.etree_element.itertext()) for c in html.query_all(".rb-about code.rb-fingerprint")]
            assert codes == [fingerprint] and about == [fingerprint]
    downloads = parse(renderer.fragment("downloads", "en", "en/printing/"))
    cells = list(downloads.query_all("td.rb-acknowledgement"))
    assert len(cells) == 2
    hrefs = [a.etree_element.get("href") for a in downloads.query_all("td.rb-acknowledgement a")]
    assert "../../acknowledgements/mini-wall-rules/mini-wall-rules-1.1.0-en.pdf" in hrefs
    # Without the forms printed (a preview), no page links to them; the fingerprint stays in "about".
    plain = SiteRenderer(handbook, project.templates / "site", config.localisers(project, handbook))
    body = next(p for p in plain.pages() if p.path == "policies/mini-wall-rules/").body
    assert "acknowledgements/" not in body and version_fingerprint(handbook.policies["mini-wall-rules"]) in body


def test_a_draft_has_no_form(tmp_path):
    from generator.acknowledgement import UnknownPolicy, select

    project = project_at(tmp_path / "p")
    path = project.policies / "mini-finance-rules.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("\ntype: regulation\n", "\ntype: regulation\nstatus: draft\n"),
        encoding="utf-8",
    )
    handbook, _, _ = load(project)
    assert handbook.policies["mini-finance-rules"].draft
    assert [p.id for p in select(handbook)] == ["mini-wall-rules"]
    with pytest.raises(UnknownPolicy, match="mini-finance-rules"):
        select(handbook, ["mini-finance-rules"])


def test_the_command_refuses_a_placeholder_site_url_an_unknown_language_and_an_unknown_policy(tmp_path, capsys):
    placeholder = project_at(tmp_path / "a", "site_name: T\nsite_url: https://handbook.example.com/\n")
    assert main(["-C", str(placeholder.root), "acknowledgement", "--out", str(tmp_path / "out")]) == 1
    assert "site_url" in capsys.readouterr().err and not (tmp_path / "out").exists()
    project = project_at(tmp_path / "b")
    assert main(["-C", str(project.root), "acknowledgement", "--lang", "fr", "--out", str(tmp_path / "out")]) == 2
    assert "--lang fr" in capsys.readouterr().err
    assert main(["-C", str(project.root), "acknowledgement", "no-such", "--out", str(tmp_path / "out")]) == 2
    assert "no-such" in capsys.readouterr().err and not (tmp_path / "out").exists()


# Printed: one form per language, shared by the tests below --------------------------------------------------------


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The forms of mini-wall-rules (Traditional source) in every language, as the site build writes them, through a
    cache of this module's own: (project, handbook, folder of the forms, the cache)."""
    folder = tmp_path_factory.mktemp("ack")
    project = project_at(folder / "project")
    handbook, _, _ = load(project)
    cache = PdfCache(folder / "cache")
    write_acknowledgements(handbook, folder / "out", project, ids=["mini-wall-rules"], printing=pdf.Printing(cache, 1))
    return project, handbook, folder / "out" / "acknowledgements" / "mini-wall-rules", cache


def form(printed, lang: str) -> Path:
    project, _, folder, _ = printed
    return folder / f"mini-wall-rules-{raw(project, 'mini-wall-rules')['version']}-{lang}.pdf"


@pytest.mark.slow
def test_one_a4_page_per_language_with_exactly_the_documented_fields(printed):
    _, handbook, folder, _ = printed
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"mini-wall-rules-1.1.0-{code}.pdf" for code in handbook.languages.codes
    )
    for code in handbook.languages.codes:
        reader = pypdf.PdfReader(form(printed, code))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == pytest.approx(A4, abs=0.5)
        fields = fields_of(form(printed, code))
        assert sorted(fields) == sorted(FIELDS)
        assert all(str(f["/FT"]) == "/Tx" for f in fields.values())


@pytest.mark.slow
def test_the_form_says_what_it_acknowledges_in_print_and_in_its_properties(printed):
    project, handbook, _, _ = printed
    data = raw(project, "mini-wall-rules")
    fingerprint = version_fingerprint(handbook.policies["mini-wall-rules"])
    titles = {"zh-Hant": data["title"]["zh"], "en": data["title"]["en"]}
    for code, title in titles.items():
        path = form(printed, code)
        words = text_of(path)
        assert re.sub(r"\s+", "", title) in words
        assert data["version"] in words and "mini-wall-rules" in words
        assert words.count(fingerprint) >= 2  # beside the title and in the note under the fields
        keywords = pypdf.PdfReader(path).metadata["/Keywords"]
        assert keywords == f"mini-wall-rules, {data['version']}, {fingerprint}, {code}"
    assert "2026年1月1日" in text_of(form(printed, "zh-Hant"))  # effective: 2026-01-01, in each language's form
    assert "1January2026" in text_of(form(printed, "en"))
    assert "阅读确认书" in text_of(form(printed, "zh-Hans"))


@pytest.mark.slow
def test_the_qr_code_opens_the_policy_page_in_the_forms_language(printed, tmp_path):
    _, handbook, _, _ = printed
    for code in handbook.languages.codes:
        image = tmp_path / code
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-singlefile", str(form(printed, code)), str(image)], check=True
        )
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", f"{image}.png"], capture_output=True, text=True).stdout
        prefix = handbook.languages.prefix(code)  # the default language at the root, the others under their code
        assert decoded.split() == [f"{SITE}{prefix}policies/mini-wall-rules/"]


@pytest.mark.slow
@pytest.mark.parametrize("regenerate", [False, True], ids=["kept-appearances", "regenerated"])
def test_filled_with_chinese_names_poppler_shows_and_extracts_every_value(printed, tmp_path, regenerate):
    from PIL import Image

    # 𠮷 (U+20BB7) lies beyond the first plane (Extension B). The appearances pypdf draws show it; poppler, asked to
    # redraw the fields itself, splits it into its UTF-16 halves and finds no font for either ("couldn't find a font
    # for character U+D842"), so a regenerated form is tested with a name of the first plane.
    name = "陳大文" if regenerate else "陳𠮷文"
    values = {
        "acknowledgement:employee-name": name,
        "acknowledgement:employee-number": "HR-2026-017",
        "acknowledgement:department": "運營部",
        "acknowledgement:date": "2026-12-31",
        "acknowledgement:signature": name,
    }
    for code in ("zh-Hant", "en"):
        writer = pypdf.PdfWriter(clone_from=form(printed, code))
        writer.update_page_form_field_values(None, values, auto_regenerate=regenerate)
        filled = tmp_path / f"{code}.pdf"
        writer.write(filled)
        words = text_of(filled)
        for value in values.values():
            assert value in words, f"{code}: {value} not found by pdftotext"
        subprocess.run(["pdftoppm", "-gray", "-r", "72", "-singlefile", str(filled), str(tmp_path / code)], check=True)
        page = Image.open(tmp_path / f"{code}.pgm")
        height = float(pypdf.PdfReader(filled).pages[0].mediabox.top)
        for widget in widgets(filled):
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            # The field's inside, above its underline: ink there is the typed words.
            crop = page.crop((round(x1) + 2, round(height - y2) + 2, round(min(x2, x1 + 120)), round(height - y1) - 3))
            dark = sum(1 for v in crop.tobytes() if v < 128) / max(1, len(crop.tobytes()))
            assert dark > 0.02, f"{code}: {widget['/T']} shows nothing ({dark:.1%} dark)"
    # The empty form has no ink in the same places: the test above could fail.
    empty = form(printed, "en")
    subprocess.run(["pdftoppm", "-gray", "-r", "72", "-singlefile", str(empty), str(tmp_path / "empty")], check=True)
    page = Image.open(tmp_path / "empty.pgm")
    height = float(pypdf.PdfReader(empty).pages[0].mediabox.top)
    for widget in widgets(empty):
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        crop = page.crop((round(x1) + 2, round(height - y2) + 2, round(min(x2, x1 + 120)), round(height - y1) - 3))
        assert sum(1 for v in crop.tobytes() if v < 128) == 0


@pytest.mark.slow
def test_the_site_build_publishes_the_forms_its_pages_link(printed, tmp_path):
    from generator import locations, publish

    _, _, _, cache = printed
    # The policy printed above alone (its forms come from the cache), with the handbook data it needs.
    project = Project(
        make_project(
            tmp_path / "p",
            policies=FIXTURE / "policies" / "mini-wall-rules.yaml",
            handbook=FIXTURE / "policies" / "handbook",
            templates=True,
            mkdocs=MKDOCS,
        )
    )
    handbook, _, _ = load(project)
    writers = publish.writers()
    assert locations.ACKNOWLEDGEMENTS in writers
    out = tmp_path / "site"
    out.mkdir()
    printing = publish.print_all(
        handbook,
        project,
        out,
        {locations.ACKNOWLEDGEMENTS: writers[locations.ACKNOWLEDGEMENTS]},
        pdf.Printing(cache, 1),
    )
    made = sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf"))
    assert made == sorted(
        f"acknowledgements/mini-wall-rules/mini-wall-rules-1.1.0-{code}.pdf" for code in handbook.languages.codes
    )
    assert printing.reused == len(made)  # the same words, templates and fonts: the forms printed above


@pytest.mark.slow
def test_the_command_reports_each_form_with_its_fingerprint_and_reuses_the_cache(tmp_path, capsys):
    project = project_at(tmp_path / "p")
    handbook, _, _ = load(project)
    fingerprint = version_fingerprint(handbook.policies["mini-finance-rules"])
    args = [
        "-C",
        str(project.root),
        "acknowledgement",
        "mini-finance-rules",
        "--lang",
        "en",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"mini-finance-rules-2.0.0-en.pdf  (fingerprint {fingerprint}" in out
    assert main(args) == 0
    assert "from the cache" in capsys.readouterr().out


# Collected: filled forms in a folder become one CSV ----------------------------------------------------------------

# The columns docs/en/read-and-sign.md documents, in order.
COLUMNS = ["name", "number", "department", "date", "policy", "version", "fingerprint", "signature", "language", "verified", "file"]


def filled(source: Path, target: Path, values: dict[str, str], info: dict | None = None, strip_info: bool = False) -> Path:
    writer = pypdf.PdfWriter(clone_from=source)
    writer.update_page_form_field_values(None, {f"acknowledgement:{k}": v for k, v in values.items()}, auto_regenerate=False)
    if strip_info:
        writer._info = None  # a reader that drops the document information on saving
        writer.add_metadata({"/Producer": "another reader"})
    if info:
        writer.add_metadata(info)
    target.parent.mkdir(parents=True, exist_ok=True)
    writer.write(target)
    return target


@pytest.mark.slow
def test_collect_reads_every_filled_form_into_one_csv_and_reports_what_is_wrong(printed, tmp_path, capsys):
    import csv

    project, handbook, _, _ = printed
    fingerprint = version_fingerprint(handbook.policies["mini-wall-rules"])
    inbox = tmp_path / "inbox"
    person = {"employee-name": "陳𠮷文", "employee-number": "E-017", "department": "運營部", "date": "2026-12-31", "signature": "陳𠮷文"}
    filled(form(printed, "zh-Hant"), inbox / "a-chen.pdf", person)
    # A name a spreadsheet would run as a formula, in a form saved by a reader that dropped the document information.
    other = {"employee-name": "=HYPERLINK(\"http://x\")", "employee-number": "E-018", "department": "Finance", "date": "2027-01-02"}
    filled(form(printed, "en"), inbox / "sub" / "b-other.pdf", other, strip_info=True)
    filled(form(printed, "en"), inbox / "c-tampered.pdf", person, info={"/Keywords": "mini-wall-rules, 1.1.0, 00000000, en"})
    filled(form(printed, "en"), inbox / "d-unsigned.pdf", {"employee-name": "Lee"})
    (inbox / "e-garbage.pdf").write_bytes(b"not a pdf at all")
    blank = pypdf.PdfWriter()
    blank.add_blank_page(100, 100)
    blank.write(inbox / "f-other-document.pdf")
    (inbox / "notes.txt").write_text("ignored", encoding="utf-8")

    out = tmp_path / "records.csv"
    assert main(["-C", str(project.root), "acknowledgements", "collect", str(inbox), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with a byte-order mark
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMNS
    by_file = {Path(r["file"]).name: r for r in rows}
    assert sorted(by_file) == ["a-chen.pdf", "b-other.pdf", "c-tampered.pdf", "d-unsigned.pdf"]
    chen = by_file["a-chen.pdf"]
    assert (chen["name"], chen["number"], chen["department"], chen["date"], chen["signature"]) == (
        "陳𠮷文", "E-017", "運營部", "2026-12-31", "陳𠮷文"
    )
    assert (chen["policy"], chen["version"], chen["fingerprint"], chen["language"], chen["verified"]) == (
        "mini-wall-rules", "1.1.0", fingerprint, "zh-Hant", "current"
    )
    # Without its properties the form still says at its foot what it acknowledges.
    assert (by_file["b-other.pdf"]["policy"], by_file["b-other.pdf"]["fingerprint"], by_file["b-other.pdf"]["verified"]) == (
        "mini-wall-rules", fingerprint, "current"
    )
    assert by_file["b-other.pdf"]["name"] == "'=HYPERLINK(\"http://x\")"  # kept as text
    assert by_file["c-tampered.pdf"]["verified"] == "mismatch"
    codes = {(Path(line.split(":")[0]).name, line.split()[1]) for line in err.splitlines() if ": E1" in line}
    assert codes == {
        ("c-tampered.pdf", "E132"),
        ("d-unsigned.pdf", "E133"),
        ("e-garbage.pdf", "E130"),
        ("f-other-document.pdf", "E131"),
    }
    assert "Traceback" not in err


def test_collect_refuses_a_folder_that_is_not_there(tmp_path, capsys):
    project = project_at(tmp_path / "p")
    assert main(["-C", str(project.root), "acknowledgements", "collect", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_form_of_an_earlier_version_verifies_against_that_versions_text(tmp_path):
    from generator.acknowledgement_records import verify

    old_project = project_at(tmp_path / "old")
    old_fingerprint = edit(old_project, "mini-wall-rules", lambda data: data.update(version="1.0.0"))
    old = load(old_project)[0].policies["mini-wall-rules"]
    handbook, _, _ = load(project_at(tmp_path / "new"))
    current = version_fingerprint(handbook.policies["mini-wall-rules"])
    earlier = {"mini-wall-rules": {"1.0.0": old}}  # as generator.versions reads it from git

    def form(version, fingerprint, policy="mini-wall-rules"):
        return {"policy": policy, "version": version, "fingerprint": fingerprint, "language": "en"}

    assert verify(form("1.1.0", current), handbook, earlier) == "current"
    assert verify(form("1.0.0", old_fingerprint), handbook, earlier) == "earlier"
    assert verify(form("1.0.0", current), handbook, earlier) == "mismatch"  # the new text under the old number
    assert verify(form("1.0.0", old_fingerprint), handbook, {}) == "unknown"  # outside git: no earlier texts
    assert verify(form("1.1.0", current, "no-such-policy"), handbook, earlier) == "unknown"
