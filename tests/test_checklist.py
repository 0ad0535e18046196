"""Fill-in checklists: the real ones from policies/ and a fixture made to be awkward (a borrowed check, default fields,
a blank parameter, text that looks like markup). PDFs are read back with pypdf and poppler, not with our own code;
expected items, ids and texts come from the YAML files themselves.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pypdf
import pytest
from conftest import make_project
from pypdf.generic import NameObject

from generator import fonts, output_folders, pdf
from generator.checklist import checklist_page, write_checklists
from generator.cli import main
from generator.loader import load
from generator.project import Project
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "checklists"
MAX_BYTES = 3 * 1024 * 1024
# The registry's languages, read from its file: a checklist is published in each, and bilingually.
LANGS = [lang["code"] for lang in safe_load((ROOT / "generator" / "languages.yaml").read_text(encoding="utf-8"))["languages"]]
# Each text once per language, named by language code, so a spreadsheet says which script a column is in.
COLUMNS = ["policy", "version", "checklist", "item", "check", "clause_policy", "clause",
           "clause_number_zh-Hant", "clause_number_zh-Hans", "clause_number_en", "clause_path",
           "do_zh-Hant", "do_zh-Hans", "do_en", "role", "role_name_zh-Hant", "role_name_zh-Hans", "role_name_en",
           "frequency", "evidence_zh-Hant", "evidence_zh-Hans", "evidence_en", "pdf_field",
           "pdf_field_by", "pdf_field_on", "pdf_field_evidence", "pdf_field_note",
           "addition_owner", "addition_reason_zh-Hant", "addition_reason_zh-Hans", "addition_reason_en"]


# Projects and what their YAML says ---------------------------------------------------------------------------

# A copy of the project as it stands, so tests may break it freely; and the fixture policies with the cases' handbook.
REAL = {"policies": "corpus", "templates": True, "mkdocs": True}
# The corpus's checklists are printed in the script its policies are written in and bilingually (the longest form);
# one of them also in every other language. Printing every checklist in every language doubled the module's time.
REAL_LANGS = ["zh-Hant", "bilingual"]
EVERY_LANGUAGE = ("operations-wall-rules", "resignation-handover")
SAMPLE = {"handbook": "cases", "policies": sorted(FIXTURES.glob("*.yaml")), "templates": True}


def raw_policies(project: Path) -> dict[str, dict]:
    return {p.stem: safe_load(p.read_text(encoding="utf-8")) for p in sorted((project / "policies").glob("*.yaml"))}


def raw_checks(policy: dict) -> dict[str, tuple[dict, dict]]:
    """check id → (check, the clause that declares it), by walking the raw clause tree."""
    found = {}

    def walk(clauses):
        for clause in clauses:
            for check in clause.get("checks", []):
                found[check["id"]] = (check, clause)
            walk(clause.get("clauses", []))

    walk(policy["clauses"])
    return found


def expected_items(policies: dict[str, dict], policy_id: str, checklist: dict) -> list[tuple[str, str, dict, dict]]:
    """(field-name part, policy of the check, check, clause) for every item, as the YAML lists them."""
    out = []
    for item in checklist["items"]:
        owner, _, check_id = item.partition("#")
        owner = owner or policy_id
        check, clause = raw_checks(policies[owner])[check_id]
        out.append((check_id if owner == policy_id else f"{owner}#{check_id}", owner, check, clause))
    return out


def all_checklists(policies: dict[str, dict]) -> list[tuple[str, dict]]:
    return [(pid, cl) for pid, p in policies.items() for cl in p.get("checklists", [])]


def signers(policies: dict[str, dict], policy_id: str, checklist: dict) -> list[str]:
    """The roles that sign a checklist off: who fills it in, then who does its items, each once, in order."""
    roles = [checklist["role"]] if "role" in checklist else []
    for _, _, check, _ in expected_items(policies, policy_id, checklist):
        if check["role"] not in roles:
            roles.append(check["role"])
    return roles


# The field names of docs/developers/checklists.md, written out here from that page rather than taken from the code.
ANSWERS = {"/done", "/not-done", "/na"}


def expected_fields(policies: dict[str, dict], policy_id: str, checklist: dict) -> dict[str, str]:
    """Every field name the form must have → "answer", "text" or "note"."""
    prefix = f"{policy_id}:{checklist['id']}:"
    out = {prefix + "form:record": "text", prefix + "form:due": "text"}
    for field in checklist.get("fields", []):
        out[prefix + "field:" + field["id"]] = "note" if field.get("type") == "notes" else "text"
    for ref, *_ in expected_items(policies, policy_id, checklist):
        out[prefix + ref] = "answer"
        out |= {prefix + ref + ":" + part: "text" for part in ("by", "on", "evidence")}
        out[prefix + ref + ":note"] = "note"
    for role in signers(policies, policy_id, checklist):
        out |= {f"{prefix}signoff:{role}:{part}": "text" for part in ("name", "date", "signature")}
    return out


# Reading PDFs back ---------------------------------------------------------------------------------------------


def form_fields(path: Path) -> dict[str, dict]:
    """Field name → {type, flags, states: the on-states of its buttons} from the AcroForm itself."""
    reader = pypdf.PdfReader(path)
    out = {}
    for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        name = str(field["/T"])
        assert name not in out, f"field {name} appears twice"
        kids = [k.get_object() for k in field.get("/Kids", [])]
        assert not [k for k in kids if "/T" in k], f"{name}: a button of the group is named as a field of its own"
        states = {str(s) for k in kids or [field] for s in k.get("/AP", {}).get("/N", {}) if s != "/Off"}
        out[name] = {"type": str(field["/FT"]), "flags": int(field.get("/Ff", 0)), "states": states}
    return out


def page_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return squash(text)


def squash(text: str) -> str:
    """Without whitespace: text wraps differently on paper, but keeps its characters in order."""
    return re.sub(r"\s+", "", text)


def shown(text: str) -> str:
    """A policy text as printed when its parameters have no value, blanks left out: {param} prints as ＿＿＿."""
    return squash(re.sub(r"\{[a-z0-9-]+\}", "", text))


def unblanked(text: str) -> str:
    return re.sub("＿+|_{2,}", "", text)


def font_names(path: Path) -> set[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return {line.split()[0].split("+")[-1] for line in out}


# Built once per session: generating a PDF takes about a second -------------------------------------------------


def built(project: Path, langs: list[str] | None = None) -> tuple[Path, Path, list[Path]]:
    """Every checklist of the project written as the site build writes them (or in langs only): (project,
    checklists folder, files)."""
    handbook, _, broken = load(Project(project))
    assert not broken
    written = write_checklists(handbook, project / "site", Project(project), langs=langs)
    return project, project / "site" / "checklists", written


@pytest.fixture(scope="session")
def real(tmp_path_factory):
    return built(make_project(tmp_path_factory.mktemp("real") / "project", **REAL), REAL_LANGS)


@pytest.fixture(scope="session")
def every_language(real) -> Path:
    """The checklists folder of EVERY_LANGUAGE written in every language of the registry and bilingually."""
    project, _, _ = real
    handbook, _, _ = load(Project(project))
    out = project / "site-every-language"
    write_checklists(handbook, out, Project(project), ids=["/".join(EVERY_LANGUAGE)], langs=[*LANGS, "bilingual"])
    return out / "checklists"


def printed_sheets(real, every_language) -> list[tuple[Path, str, str]]:
    """(file, policy id, file name) of every checklist PDF printed for the corpus: each checklist in REAL_LANGS, and
    EVERY_LANGUAGE's in the other languages too."""
    project, out, _ = real
    pid, cid = EVERY_LANGUAGE
    return [(out / p / f"{cl['id']}-{code}.pdf", p, f"{cl['id']}-{code}.pdf")
            for p, cl in all_checklists(raw_policies(project)) for code in REAL_LANGS] + [
        (every_language / pid / f"{cid}-{code}.pdf", pid, f"{cid}-{code}.pdf") for code in LANGS if code not in REAL_LANGS]


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    return built(make_project(tmp_path_factory.mktemp("sample") / "project", **SAMPLE), ["bilingual"])[:2]


@pytest.mark.slow
def test_the_real_policies_declare_the_checklists_the_issue_asks_for(real):
    project, _, _ = real
    declared = {f"{pid}/{cl['id']}" for pid, cl in all_checklists(raw_policies(project))}
    for wanted in ("operations-wall-rules/resignation-handover", "operations-wall-rules/onboarding",
                   "operations-wall-rules/expense-claim", "heitie-operations/project-acceptance",
                   "operations-responsibilities/project-acceptance", "operations-center/data-security-monthly",
                   "heitie-operations/data-security-monthly", "operations-center/performance-self-assessment-monthly"):
        assert wanted in declared


@pytest.mark.slow
def test_every_checklist_gets_one_pdf_csv_and_json(real):
    project, out, written = real
    expected = {out / pid / f"{cl['id']}.{ext}" for pid, cl in all_checklists(raw_policies(project)) for ext in ("csv", "json")}
    expected |= {out / pid / f"{cl['id']}-{lang}.pdf" for pid, cl in all_checklists(raw_policies(project))
                 for lang in REAL_LANGS}
    assert set(written) == expected
    assert all(path.is_file() for path in expected)
    made = [p for p in out.rglob("*") if p.is_file() and p.name != ".rulebook-output"]  # the marker: see output_folders
    assert not [p for p in made if p not in expected], "stray files in checklists/"


@pytest.mark.slow
def test_a_checklist_is_printed_in_every_language_of_the_registry_and_bilingually(every_language):
    pid, cid = EVERY_LANGUAGE
    made = sorted(p.name for p in (every_language / pid).iterdir())
    assert made == sorted([f"{cid}.csv", f"{cid}.json", *(f"{cid}-{lang}.pdf" for lang in [*LANGS, "bilingual"])])
    for lang in LANGS:
        assert pypdf.PdfReader(every_language / pid / f"{cid}-{lang}.pdf").get_fields()


@pytest.mark.slow
def test_pdf_form_has_an_answer_per_item_what_is_recorded_of_it_and_a_sign_off_per_role(real):
    project, out, _ = real
    policies = raw_policies(project)
    for pid, cl in all_checklists(policies):
        fields = form_fields(out / pid / f"{cl['id']}-bilingual.pdf")
        expected = expected_fields(policies, pid, cl)
        assert set(fields) == set(expected), f"{pid}/{cl['id']}"
        for name, kind in expected.items():
            field = fields[name]
            if kind == "answer":
                # One field with a box per answer: done, not done or not applicable, never two at once.
                assert field["type"] == "/Btn" and field["states"] == ANSWERS, name
            else:
                assert field["type"] == "/Tx", name
                assert bool(field["flags"] & (1 << 12)) == (kind == "note"), f"{name}: a note is multiline"
        # A field name may not contain a period (ISO 32000-1, 12.7.3.2): readers take it as a nesting of fields.
        assert not [n for n in fields if "." in n]


@pytest.mark.slow
def test_every_pdf_field_is_in_the_json_and_the_csv_and_nothing_else(real):
    project, out, _ = real
    for pid, cl in all_checklists(raw_policies(project)):
        fields = set(form_fields(out / pid / f"{cl['id']}-bilingual.pdf"))
        data = json.loads((out / pid / f"{cl['id']}.json").read_text(encoding="utf-8"))
        named = [v for v in _strings(data) if v.startswith(f"{pid}:{cl['id']}:")]
        assert len(named) == len(set(named)), "each field once"
        assert set(named) == fields
        assert data["answers"] == [a[1:] for a in ("/done", "/not-done", "/na")]
        rows = list(csv.DictReader(io.StringIO((out / pid / f"{cl['id']}.csv").read_text(encoding="utf-8-sig"))))
        in_csv = {v for row in rows for k, v in row.items() if k.startswith("pdf_field")}
        assert in_csv == {n for n in fields if ":form:" not in n and ":field:" not in n and ":signoff:" not in n}


def _strings(data) -> list[str]:
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


@pytest.mark.slow
def test_every_item_and_its_clause_and_check_ids_are_printed(real):
    project, out, _ = real
    policies = raw_policies(project)
    for pid, cl in all_checklists(policies):
        path = out / pid / f"{cl['id']}-bilingual.pdf"
        text = unblanked(page_text(path))
        policy = policies[pid]
        for words in (policy["title"]["zh"], policy["title"]["en"], cl["title"]["zh"], cl["title"]["en"], str(policy["version"])):
            assert squash(words) in text, f"{path.name}: header lacks {words!r}"
        for _, owner, check, clause in expected_items(policies, pid, cl):
            where = f"{pid}/{cl['id']} item {check['id']}"
            assert shown(check["do"]["zh"]) in text, f"{where}: Chinese text missing"
            assert shown(check["do"]["en"]) in text, f"{where}: English text missing"
            assert clause["id"] in text and check["id"] in text, f"{where}: ids missing"
            if "evidence" in check:
                assert shown(check["evidence"]["zh"]) in text


@pytest.mark.slow
def test_pdfs_stay_under_3_mb_with_the_page_font_subset_and_the_field_font_small(real):
    project, out, _ = real
    for pid, cl in all_checklists(raw_policies(project)):
        path = out / pid / f"{cl['id']}-bilingual.pdf"
        assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
        names = font_names(path)
        assert "Noto-Sans-CJK-TC" in names  # every real policy is written in Traditional script
        assert "Rulebook-Form" in names  # the form fields' font: Droid Sans Fallback with Latin letters added
        assert not [n for n in names if "JP" in n or "KR" in n], names


@pytest.mark.slow
def test_header_shows_the_production_date(real, monkeypatch, tmp_path):
    project, _, _ = real
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1788220800")  # 2026-09-01 00:00 UTC
    handbook, _, _ = load(Project(project))
    write_checklists(handbook, tmp_path, Project(project), ids=["operations-wall-rules/onboarding"], langs=["en"], formats=["pdf", "json"])
    assert "2026-09-01" in page_text(tmp_path / "checklists" / "operations-wall-rules" / "onboarding-en.pdf")
    assert json.loads((tmp_path / "checklists" / "operations-wall-rules" / "onboarding.json").read_text())["produced"] == "2026-09-01"


@pytest.mark.slow
def test_field_names_are_stable_when_regenerated_and_in_any_language(real, every_language, tmp_path):
    project, out, _ = real
    handbook, _, _ = load(Project(project))
    before = form_fields(out / "operations-wall-rules" / "resignation-handover-bilingual.pdf")
    for lang in LANGS:
        assert form_fields(every_language / "operations-wall-rules" / f"resignation-handover-{lang}.pdf") == before
    write_checklists(handbook, tmp_path, Project(project), ids=["operations-wall-rules/resignation-handover"],
                     langs=["bilingual"], formats=["pdf"], printing=pdf.Printing(None, 1))
    assert form_fields(tmp_path / "checklists" / "operations-wall-rules" / "resignation-handover-bilingual.pdf") == before


@pytest.mark.slow
def test_pypdf_fills_chinese_into_a_field_and_answers_an_item(real, tmp_path):
    project, out, _ = real
    source = out / "operations-wall-rules" / "resignation-handover-bilingual.pdf"
    prefix = "operations-wall-rules:resignation-handover:"
    name, answer = prefix + "field:employee-name", prefix + "exit-interview-held"
    assert {name, answer} <= set(form_fields(source))
    writer = pypdf.PdfWriter(clone_from=source)
    writer.update_page_form_field_values(None, {name: "陳大文", answer: "/not-done"}, auto_regenerate=False)
    filled = tmp_path / "filled.pdf"
    writer.write(filled)
    fields = pypdf.PdfReader(filled).get_fields()
    assert fields[name]["/V"] == "陳大文"
    assert fields[answer]["/V"] == "/not-done"
    assert fields[prefix + "wages-settled"].get("/V") in (None, "/Off")
    # Exactly the one button of the group shows the answer.
    states = [str(k.get_object()["/AS"]) for k in pypdf.PdfReader(filled).get_fields()[answer]["/Kids"]]
    assert sorted(states) == ["/Off", "/Off", "/not-done"]
    # The field's default appearance uses the small embedded font, which has the characters typed in.
    reader = pypdf.PdfReader(filled)
    widget = next(a.get_object() for p in reader.pages for a in p.get("/Annots", []) if a.get_object().get("/T") == name)
    font_key = NameObject(re.search(r"(/\S+) [\d.]+ Tf", str(widget["/DA"]))[1])
    base = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"][font_key]["/BaseFont"]
    assert "Rulebook-Form" in str(base)
    assert "陳大文" in subprocess.run(["pdftotext", str(filled), "-"], capture_output=True, text=True, check=True).stdout


# Filled in and printed: every reader must show the answers and the words ----------------------------------------

DPI = 72
# A note long enough to wrap; a name with an Extension B character (𠮷), as real names have.
TYPED = {"note": "陳大文已於2026-12-31完成交接，見檔案 HR-2026-017，附件三份", "": "𠮷田陳大文"}
# What poppler shows of that name when it redraws the fields itself: it drops 𠮷 (see the reader test), after looking
# through every installed font for each half of it, seconds a form; the forms only poppler reads get this name.
REDRAWN_NAME = TYPED[""].replace("𠮷", "")
CHOICES = ("/done", "/not-done", "/na", "/Off")  # an item left unanswered too


def kind(name: str) -> str:
    """What a text field is, whichever item or role it belongs to: 'item:note', 'signoff:name', or the form's own."""
    parts = name.split(":")
    if parts[2] == "signoff":
        return f"signoff:{parts[-1]}"
    return name if parts[2] in ("form", "field") else f"item:{parts[-1]}"


def fill(source: Path, target: Path, *, regenerate: bool, also: Path | None = None, name: str = TYPED[""]
         ) -> tuple[dict[str, str], set[str]]:
    """Every item answered in turn done, not done, not applicable or left open, and on every page the first text
    field of each kind filled with Chinese, as an office filling forms with pypdf would (regenerate: pypdf's default,
    which asks readers to redraw the fields). pypdf reads the whole form font again for each text field it fills
    (about 0.2 s), and a field of a kind is drawn as the others of its kind, hence one per kind and page.
    also: where to write the same filling with the other choice of regenerate (pypdf makes the same appearances
    either way; the choice is one flag). name: what is typed in every field but the notes.
    Returns each answer field's chosen state and the names of the text fields filled."""
    writer = pypdf.PdfWriter(clone_from=source)
    values, answers, seen = {}, {}, set()
    for number, page in enumerate(writer.pages):
        for ref in page.get("/Annots", []):
            widget = ref.get_object()
            field = widget if "/T" in widget else widget["/Parent"].get_object()
            field_name = str(field["/T"])
            if field["/FT"] == "/Btn":
                if field_name not in answers:
                    values[field_name] = answers[field_name] = CHOICES[len(answers) % len(CHOICES)]
            elif (number, kind(field_name)) not in seen:
                seen.add((number, kind(field_name)))
                values[field_name] = TYPED["note"] if field_name.endswith(":note") else name
    writer.update_page_form_field_values(None, values, auto_regenerate=regenerate)
    writer.write(target)
    if also is not None:
        writer.set_need_appearances_writer(not regenerate)
        writer.write(also)
    return answers, set(values) - set(answers)


def widgets(path: Path) -> list[tuple[int, str, str, str, tuple[float, float, float, float], float]]:
    """(page, field name, field type, the button's on-state or "", rectangle, page height) of every widget."""
    out = []
    for number, page in enumerate(pypdf.PdfReader(path).pages):
        for ref in page.get("/Annots", []):
            widget = ref.get_object()
            field = widget if "/T" in widget else widget["/Parent"].get_object()
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            state = next((str(s) for s in widget.get("/AP", {}).get("/N", {}) if s != "/Off"), "")
            out.append((number, str(field["/T"]), str(field["/FT"]), state,
                        (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)), float(page.mediabox.top)))
    return out


def poppler(path: Path, folder: Path) -> list:
    from PIL import Image

    subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), str(path), str(folder / "poppler")], check=True, capture_output=True)
    return [Image.open(p) for p in sorted(folder.glob("poppler-*.pgm"))]


def mupdf(path: Path, folder: Path) -> list:
    from PIL import Image

    subprocess.run(["mutool", "draw", "-q", "-r", str(DPI), "-c", "gray", "-o", str(folder / "mupdf-%d.png"), str(path)],
                   check=True, capture_output=True)
    return [Image.open(p) for p in sorted(folder.glob("mupdf-*.png"), key=lambda p: int(p.stem.split("-")[1]))]


def pdfium(path: Path, folder: Path) -> list:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    document.init_forms()  # without it PDFium draws no form field at all
    return [document[i].render(scale=DPI / 72, may_draw_forms=True).to_pil() for i in range(len(document))]


def ink(image, rect: tuple[float, float, float, float], height: float, inset: float) -> float:
    """The share of dark pixels inside rect (PDF points, origin bottom left), shrunk by inset on each side, of a
    grey (mode "L") page."""
    x1, y1, x2, y2 = rect
    dx, dy = (x2 - x1) * inset, (y2 - y1) * inset
    box = tuple(round(v * DPI / 72) for v in (x1 + dx, height - y2 + dy, x2 - dx, height - y1 - dy))
    counts = image.crop(box).histogram()
    return sum(counts[:128]) / max(1, sum(counts))


@contextmanager
def fonts_read_once():
    """pypdf 7.1 reads a field's font again for every field it fills (its ToUnicode map and its font file's cmap: some
    24,000 characters, a quarter of a second a field). Within this block each font is read once and its maps kept; the
    filled PDF is the same, byte for byte (test_a_form_filled_with_fonts_read_once_is_the_same_as_pypdf_alone)."""
    from pypdf.generic._font import Font

    read, maps = {}, {}
    from_font_resource, typographic_maps = Font.from_font_resource.__func__, Font._get_typographic_maps

    def from_resource(cls, resource):
        if id(resource) not in read:
            read[id(resource)] = (resource, from_font_resource(cls, resource))  # the resource held: its id stays its own
        return read[id(resource)][1]

    def typographic(self):
        if id(self) not in maps:
            maps[id(self)] = (self, typographic_maps(self))
        return maps[id(self)][1]

    Font.from_font_resource, Font._get_typographic_maps = classmethod(from_resource), typographic
    try:
        yield
    finally:
        Font.from_font_resource, Font._get_typographic_maps = classmethod(from_font_resource), typographic_maps


def _fill(job: tuple[Path, Path, Path | None]) -> tuple[dict[str, str], set[str]]:
    source, target, kept = job
    for path in (target, kept):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    with fonts_read_once():
        return _fill_as_usual(source, target, kept)


def _fill_as_usual(source: Path, target: Path, kept: Path | None) -> tuple[dict[str, str], set[str]]:
    # The bilingual forms, read by every reader, get the name with 𠮷; the others only poppler redraws (REDRAWN_NAME).
    return fill(source, target, regenerate=True, also=kept, name=TYPED[""] if kept else REDRAWN_NAME)


@pytest.fixture(scope="module")
def filled(real, every_language, tmp_path_factory):
    """Every checklist PDF filled as pypdf fills by default (readers redraw the fields), and the bilingual ones also
    written with pypdf's own appearances kept: {(policy, sheet, regenerate): (filled file, (answers, text fields
    filled))}. Filling one form takes pypdf seconds (see fill), so each is filled once, on every core."""
    from concurrent.futures import ProcessPoolExecutor

    folder = tmp_path_factory.mktemp("filled")
    printed = printed_sheets(real, every_language)
    sheets = [(pid, sheet) for _, pid, sheet in printed]
    jobs = [(source, folder / "True" / pid / sheet,
             folder / "False" / pid / sheet if sheet.endswith("-bilingual.pdf") else None) for source, pid, sheet in printed]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        answers = list(pool.map(_fill, jobs))
    made = {}
    for (pid, sheet), (_, redrawn, kept), chosen in zip(sheets, jobs, answers):
        made[(pid, sheet, True)] = (redrawn, chosen)
        if kept is not None:
            made[(pid, sheet, False)] = (kept, chosen)
    return made


@pytest.mark.slow
def test_a_form_filled_with_fonts_read_once_is_the_same_as_pypdf_alone(real, tmp_path):
    _, out, written = real
    source = next(p for p in written if p.name.endswith("-bilingual.pdf"))
    fill(source, tmp_path / "usual.pdf", regenerate=True)
    with fonts_read_once():
        fill(source, tmp_path / "once.pdf", regenerate=True)
    assert (tmp_path / "once.pdf").read_bytes() == (tmp_path / "usual.pdf").read_bytes()


# pypdf by default asks readers to redraw every field (/NeedAppearances true): what poppler then drew empty.
# Poppler, the reader the issue found wanting, redraws every language's form and shows the bilingual ones as pypdf drew
# them (it redraws them too, but looks through every installed font for each half of 𠮷 there: seconds a field); the
# others read the bilingual ones.
@pytest.mark.slow
@pytest.mark.parametrize("reader, regenerate, langs", [(poppler, True, "single"), (mupdf, True, "bilingual"),
                                                        (pdfium, True, "bilingual"), (poppler, False, "bilingual")],
                         ids=["poppler", "mupdf", "pdfium", "poppler-kept-appearances"])
def test_filled_forms_show_their_answers_and_chinese_words_in_every_reader(real, every_language, filled, tmp_path, reader,
                                                                           regenerate, langs):
    bilingual = [(pid, sheet) for _, pid, sheet in printed_sheets(real, every_language) if sheet.endswith("-bilingual.pdf")]
    single = [(pid, sheet) for _, pid, sheet in printed_sheets(real, every_language) if (pid, sheet) not in bilingual]
    assert {lang for lang in LANGS for _, sheet in single if sheet.endswith(f"-{lang}.pdf")} == set(LANGS)
    for pid, sheet in single if langs == "single" else bilingual:
        folder = tmp_path / pid / sheet
        folder.mkdir(parents=True)
        form, (answers, typed) = filled[(pid, sheet, regenerate)]
        pages = [page.convert("L") for page in reader(form, folder)]
        for number, name, kind, state, rect, height in widgets(form):
            where = f"{reader.__name__}: {pid}/{sheet} {name} {state}"
            if kind == "/Btn":
                # The middle of the button: its ring is printed on the page, the mark fills the centre.
                centre = ink(pages[number], rect, height, 0.3)
                assert (centre > 0.1) if answers[name] == state else (centre < 0.02), f"{where}: {centre:.0%} dark"
            elif name in typed:
                # Where the first characters go: the first line at the left, inside the border (an empty field has no ink).
                x1, y1, x2, y2 = rect
                start = ink(pages[number], (x1, max(y1, y2 - 20), min(x2, x1 + 40), y2), height, 0.12)
                assert start > 0.04, f"{where}: the typed words do not show ({start:.1%} dark)"
        if reader is poppler:
            text = subprocess.run(["pdftotext", str(form), "-"], capture_output=True, text=True, check=True).stdout
            # Poppler (22.x) redraws a field from its value in UTF-16 units and finds no font for the halves of an
            # Extension B character ("couldn't find a font for character U+D842"), so it drops 𠮷 when asked to
            # redraw; the appearance pypdf made (regenerate False) shows it, as PDFium and MuPDF do.
            name = TYPED[""] if not regenerate else REDRAWN_NAME
            assert name in text and squash(TYPED["note"]) in squash(text)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["bilingual", "zh-Hant"])
def test_signatures_share_their_page_with_an_item_and_every_later_page_names_the_form(real, which):
    """zh-Hant alone has shorter items, where a sign-off once stood alone on a page."""
    project, folder, _ = real
    for pid, cl in all_checklists(raw_policies(project)):
        path = folder / pid / f"{cl['id']}-{which}.pdf"
        reader = pypdf.PdfReader(path)
        for number, page in enumerate(reader.pages):
            annots = [a.get_object() for a in page.get("/Annots", [])]
            names = [str(a["/T"]) for a in annots if "/T" in a]
            answers = [a for a in annots if "/Parent" in a]  # the buttons of an item's answer
            if any(":signoff:" in n or any(n.endswith(f":field:{f['id']}") and f.get("type") == "signature"
                                           for f in cl.get("fields", [])) for n in names):
                assert answers, f"{path.name} ({which}) page {number + 1}: signatures without an item above them"
            if number:
                text = squash(subprocess.run(["pdftotext", "-layout", "-f", str(number + 1), "-l", str(number + 1), str(path), "-"],
                                             capture_output=True, text=True, check=True).stdout)
                assert squash(cl["title"]["zh"]) in text and f"{pid}/{cl['id']}" in text, f"{path.name} ({which}) page {number + 1}"
                assert "記錄編號" in text

@pytest.mark.slow
def test_the_form_font_has_what_people_type_chinese_digits_and_latin(real):
    from fontTools.ttLib import TTFont

    project, out, _ = real
    reader = pypdf.PdfReader(out / "operations-center" / "data-security-monthly-bilingual.pdf")
    fonts = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]
    form = next(f.get_object() for f in fonts.values() if "Rulebook-Form" in str(f.get_object()["/BaseFont"]))
    descriptor = form["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    font = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
    cmap = font.getBestCmap()
    # 𠮷 (Extension B) is in real names; ℃, № and ✓ are what offices write besides words.
    typed = "陳大文 李小明 2026-12-31 Chan Tai-man, café 50% (OK) 驗收通過；备注 吉田𠮷 22℃ №17 ✓"
    assert not [c for c in typed if ord(c) not in cmap]
    # Every unified ideograph (all of GB 2312, GBK and Big5), so that any name can be typed later, but not the whole
    # of Droid Sans Fallback: Extension A (䶮) is left out to keep the form small.
    assert [chr(c) for c in range(0x4E00, 0x9FA6) if c not in cmap] == []
    assert 0x4DAE not in cmap
    assert len(descriptor["/FontFile2"].get_data()) < 3.6e6, "cut to the characters people type (4.7 MB whole)"


@pytest.mark.slow
def test_csv_and_json_have_one_row_per_item_with_the_yaml_values(real):
    project, out, _ = real
    policies = raw_policies(project)
    roles = {r["id"]: r["name"] for r in safe_load((project / "policies" / "handbook" / "roles.yaml").read_text())["roles"]}
    for pid, cl in all_checklists(policies):
        raw = (out / pid / f"{cl['id']}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        data = json.loads((out / pid / f"{cl['id']}.json").read_text(encoding="utf-8"))
        assert list(rows[0]) == COLUMNS
        assert [{k: str(v) for k, v in item.items()} for item in data["items"]] == rows
        assert (data["policy"], data["checklist"], data["version"]) == (pid, cl["id"], str(policies[pid]["version"]))
        items = expected_items(policies, pid, cl)
        assert len(rows) == len(items)
        for number, (row, (ref, owner, check, clause)) in enumerate(zip(rows, items), start=1):
            assert row["item"] == str(number)
            assert (row["policy"], row["checklist"], row["check"], row["clause"]) == (pid, cl["id"], check["id"], clause["id"])
            assert row["clause_path"] == f"policies/{owner}/#{clause['id']}"
            script = policies[owner]["script"]
            assert shown(unblanked(row[f"do_{script}"])) == shown(check["do"]["zh"])
            assert shown(unblanked(row["do_en"])) == shown(check["do"]["en"])
            assert (row["role"], row["role_name_zh-Hant"], row["role_name_en"]) == (check["role"], roles[check["role"]]["zh"], roles[check["role"]]["en"])
            assert row["frequency"] == check["frequency"]
            assert row["evidence_en"] == check.get("evidence", {}).get("en", "")
            assert row["pdf_field"] == f"{pid}:{cl['id']}:{ref}"
            addition = check.get("addition", {})
            assert row["addition_owner"] == addition.get("owner", "")
            assert row["addition_reason_en"] == addition.get("reason", {}).get("en", "")


@pytest.mark.slow
def test_a_checklist_item_whose_clause_was_removed_is_reported_by_check(real, tmp_path, capsys):
    project = make_project(tmp_path / "project", **REAL)
    policy = project / "policies" / "operations-wall-rules.yaml"
    lines = policy.read_text(encoding="utf-8").splitlines(keepends=True)
    # Remove the clause exit-interview with everything under it (its check exit-interview-held goes with it).
    start = next(i for i, line in enumerate(lines) if line.strip() == "- id: exit-interview")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) <= indent)
    removed = "".join(lines[start:end])
    assert "id: exit-interview-held" in removed
    policy.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    item_line = next(i for i, line in enumerate(lines[:start], start=1) if "#exit-interview-held" in line)

    assert main(["-C", str(project), "check", "--format", "json", str(policy)]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    e080 = [f for f in findings if f["code"] == "E080"]
    assert [(Path(f["path"]).name, f["line"]) for f in e080] == [("operations-wall-rules.yaml", item_line)]
    assert "exit-interview-held" in e080[0]["message"]

    # The checklist command refuses too, names the place, and leaves the earlier output as it was.
    out = tmp_path / "out"
    earlier = out / "checklists" / "operations-wall-rules" / "resignation-handover-bilingual.pdf"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"earlier")
    assert main(["-C", str(project), "checklist", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"operations-wall-rules.yaml:{item_line}:" in err and "exit-interview-held" in err
    assert earlier.read_bytes() == b"earlier"
    assert sorted(p.name for p in out.rglob("*")) == ["checklists", "operations-wall-rules", "resignation-handover-bilingual.pdf"]


# The fixture: borrowed checks, default fields, blanks, markup-like text ----------------------------------------


@pytest.mark.slow
def test_a_borrowed_check_is_named_with_its_policy_and_converted_to_the_script(sample):
    _, out = sample
    path = out / "sample-rules" / "leaving-bilingual.pdf"
    assert "sample-rules:leaving:shared-checks#laptop-returned" in form_fields(path)
    text = page_text(path)
    assert "筆記本電腦已歸還" in text  # written 笔记本电脑已归还 in the Simplified policy it comes from
    assert "shared-checks#equipment-return" in text
    rows = list(csv.DictReader(io.StringIO((out / "sample-rules" / "leaving.csv").read_text(encoding="utf-8-sig"))))
    assert rows[2]["clause_path"] == "policies/shared-checks/#equipment-return"
    assert rows[2]["do_zh-Hant"] == "筆記本電腦已歸還"


@pytest.mark.slow
def test_a_company_addition_is_marked_with_its_owner_on_the_form_the_page_and_in_the_exports(sample):
    project, out = sample
    check, _ = raw_checks(raw_policies(project)["sample-rules"])["handover-signed"]
    reason = check["addition"]["reason"]
    text = page_text(out / "sample-rules" / "leaving-bilingual.pdf")
    assert squash(f"公司增訂，條文未規定Companyaddition,notintheclause部門負責人Departmenthead:{reason['zh']}") in text
    assert text.count("公司增訂") == 1  # the other items restate their clauses
    handbook, _, _ = load(Project(project))
    policy = handbook.policies["sample-rules"]
    page = checklist_page(handbook, policy, policy.checklists[0], "en")
    assert page.count('class="cl-addition"') == 1
    assert "Company addition" in page and reason["en"].replace("'", "&#39;") in page
    rows = list(csv.DictReader(io.StringIO((out / "sample-rules" / "leaving.csv").read_text(encoding="utf-8-sig"))))
    assert [r["addition_owner"] for r in rows] == ["", "department-head", ""]
    assert rows[1]["addition_reason_zh-Hant"] == reason["zh"]


@pytest.mark.slow
def test_a_checklist_without_fields_is_signed_off_by_the_roles_of_its_items(sample):
    project, out = sample
    policies = raw_policies(project)
    checklist = next(cl for cl in policies["sample-rules"]["checklists"] if cl["id"] == "records-monthly")
    assert "fields" not in checklist
    fields = form_fields(out / "sample-rules" / "records-monthly-bilingual.pdf")
    assert set(fields) == set(expected_fields(policies, "sample-rules", checklist))
    assert [n for n in fields if ":signoff:" in n]
    assert "2.1.0" in page_text(out / "sample-rules" / "records-monthly-bilingual.pdf")


@pytest.mark.slow
def test_an_unfilled_parameter_prints_as_a_blank(sample):
    _, out = sample
    text = page_text(out / "sample-rules" / "leaving-bilingual.pdf")
    assert "已提前＿＿＿天提交離職申請" in text
    assert "{notice-days}" not in text


@pytest.mark.slow
def test_policy_text_never_becomes_markup(sample):
    project, out = sample
    path = out / "sample-rules" / "records-monthly-bilingual.pdf"
    text = page_text(path)
    assert squash('<link rel="attachment" href="file:///etc/passwd"><b>粗體</b>') in text
    assert "<script>alert(1)</script>" in text
    reader = pypdf.PdfReader(path)
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert not [a for p in reader.pages for a in p.get("/Annots", []) if a.get_object().get("/Subtype") == "/FileAttachment"]
    handbook, _, _ = load(Project(project))
    policy = handbook.policies["sample-rules"]
    page = checklist_page(handbook, policy, policy.checklists[1], "bilingual")
    assert "<script>" not in page and "<b>" not in page and "<link" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.slow
def test_the_web_page_has_a_box_per_item_links_to_each_clause_and_a_print_style(sample):
    project, _ = sample
    handbook, _, _ = load(Project(project))
    policy = handbook.policies["sample-rules"]
    page = checklist_page(handbook, policy, policy.checklists[0], "zh-Hant")
    answers = re.findall(r'<input type="radio" name="([^"]+)" value="([^"]+)"', page)
    items = ["sample-rules:leaving:notice-given", "sample-rules:leaving:handover-signed",
             "sample-rules:leaving:shared-checks#laptop-returned"]
    assert answers == [(item, answer) for item in items for answer in ("done", "not-done", "na")]
    # The page's fields are the PDF's: a printed page and a filled PDF record the same things under the same names.
    names = set(re.findall(r' name="([^"]+)"', page))
    policies = raw_policies(project)
    assert names == set(expected_fields(policies, "sample-rules", policies["sample-rules"]["checklists"][0]))
    links = re.findall(r'href="(\.\./\.\./\.\./policies/[^"]+)"', page)
    assert links[1:] == ["../../../policies/sample-rules/#resignation", "../../../policies/sample-rules/#handover",
                         "../../../policies/shared-checks/#equipment-return"]
    assert "@media print" in page
    # The PDF in the page's language first, then the other languages and the bilingual form.
    pdfs = re.findall(r'href="\.\./(leaving-[^"]+\.pdf)"', page)
    assert pdfs == [f"leaving-{lang}.pdf" for lang in [*LANGS, "bilingual"]]  # zh-Hant is the registry's first
    assert "\n\n" not in page, "a blank line would end Markdown's raw HTML block"
    import markdown

    assert page in markdown.markdown(f"# Page\n\nText.\n\n{page}\nMore text.\n", extensions=["md_in_html", "attr_list"])
    assert "Resignation hand-over" not in page  # zh-Hant alone: no English
    english = checklist_page(handbook, policy, policy.checklists[0], "en")
    assert "Resignation hand-over" in english and "離職交接" not in english


@pytest.mark.slow
def test_simplified_script_uses_the_sc_font_and_converts_the_text(sample, tmp_path):
    project, _ = sample
    handbook, _, _ = load(Project(project))
    write_checklists(handbook, tmp_path, Project(project), ids=["sample-rules/leaving"], langs=["zh-Hans"])
    path = tmp_path / "checklists" / "sample-rules" / "leaving-zh-Hans.pdf"
    text = page_text(path)
    assert "离职交接" in text and "離職交接" not in text
    assert "Noto-Sans-CJK-SC" in font_names(path) and "Noto-Sans-CJK-TC" not in font_names(path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "checklists" / "sample-rules" / "leaving.csv").read_text(encoding="utf-8-sig"))))
    assert rows[1]["do_zh-Hans"] == "工作交接清单已由接手人员签字"


# Safety and the command line -------------------------------------------------------------------------------------


def test_the_fetcher_serves_only_the_templates_folder_and_what_it_was_given(tmp_path):
    fetcher = pdf.AssetFetcher(ROOT / "templates", {"rulebook:x.ttf": (b"font", "font/ttf")})
    assert fetcher.fetch("rulebook:x.ttf").read() == b"font"
    css = ROOT / "templates" / "checklist" / "checklist.css"
    assert fetcher.fetch(css.as_uri()).read() == css.read_bytes()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in ("file:///etc/passwd", (ROOT / "templates" / ".." / "mkdocs.yml").as_uri() , "http://example.com/x.css",
                "file://otherhost" + str(css), "rulebook:other.ttf"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 5


@pytest.mark.slow
@pytest.mark.parametrize("character", ["\ue000", "\u0531"])  # in no installed font; only in DejaVu (Armenian)
def test_a_character_the_page_font_lacks_is_refused_and_earlier_output_stays(tmp_path, capsys, character):
    """Never a form with empty boxes, nor one whose odd character came from some other font."""
    project = make_project(tmp_path / "project", **SAMPLE)
    policy = project / "policies" / "sample-rules.yaml"
    words = "工作交接清單已由接手人員簽字"  # the check handover-signed, an item of the checklist leaving
    policy.write_text(policy.read_text(encoding="utf-8").replace(words, f"工作交接{character}清單已由接手人員簽字"), encoding="utf-8")
    out = tmp_path / "out"
    earlier = out / "checklists" / "sample-rules" / "leaving.pdf"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"earlier")
    assert main(["-C", str(project), "checklist", "sample-rules/leaving", "--format", "pdf", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "sample-rules/leaving" in err and "sample-rules.yaml" in err  # which form, and where to change the words
    assert earlier.read_bytes() == b"earlier"


def test_a_broken_template_gets_a_message_not_a_traceback(tmp_path, capsys):
    project = make_project(tmp_path / "project", **SAMPLE)
    template = project / "templates" / "checklist" / "checklist.html"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(n for n, text in enumerate(lines, start=1) if "</body>" in text)
    lines[line - 1] = lines[line - 1].replace("</body>", "{% if %}</body>")
    template.write_text("".join(lines), encoding="utf-8")
    assert main(["-C", str(project), "checklist", "sample-rules/leaving", "--format", "pdf", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"checklist.html:{line}:" in err and "fix the checklist template" in err


def test_staged_files_arrive_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out"
    (target / "a").mkdir(parents=True)
    (target / "a" / "form.pdf").write_bytes(b"old")
    (target / "stale.csv").write_bytes(b"stale")
    with pytest.raises(RuntimeError):
        with pdf.staged(target) as folder:
            (folder / "a").mkdir()
            (folder / "a" / "form.pdf").write_bytes(b"new")
            raise RuntimeError("a later file failed")
    assert (target / "a" / "form.pdf").read_bytes() == b"old"
    with pdf.staged(target) as folder:
        (folder / "a").mkdir()
        (folder / "a" / "form.pdf").write_bytes(b"new")
    assert (target / "a" / "form.pdf").read_bytes() == b"new" and (target / "stale.csv").is_file()
    assert (target / "a" / "form.pdf").stat().st_mode & 0o777 == 0o644  # for anyone to read, unlike a temporary file
    with pytest.raises(pdf.PrintError, match="not made by a rulebook build"):
        with pdf.staged(target, whole=True) as folder:  # a folder the build did not make is never replaced
            (folder / "b.json").write_bytes(b"{}")
    assert (target / "stale.csv").is_file()
    output_folders.mark(target)
    with pdf.staged(target, whole=True) as folder:
        (folder / "b.json").write_bytes(b"{}")
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [".rulebook-output", "b.json"]  # nothing stale stays
    assert target.stat().st_mode & 0o777 == 0o755
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left behind


@pytest.mark.slow
def test_missing_cjk_fonts_stop_with_the_install_command(sample, tmp_path, monkeypatch, capsys):
    project, _ = sample
    monkeypatch.setattr(fonts, "installed_families", lambda: frozenset({"DejaVu Sans"}))
    assert main(["-C", str(project), "checklist", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "apt-get install fonts-noto-cjk fonts-droid-fallback" in err
    assert not list(tmp_path.rglob("*.pdf"))


@pytest.mark.slow
def test_cli_writes_what_it_is_asked_and_reports_each_file(sample, tmp_path, capsys):
    project, _ = sample
    assert main(["-C", str(project), "checklist", "sample-rules/records-monthly", "--format", "csv,json", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    made = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert made == ["checklists/.rulebook-output", "checklists/sample-rules/records-monthly.csv", "checklists/sample-rules/records-monthly.json"]
    assert out.count("made sample-rules/records-monthly.") == 2 and "wrote 2 files" in out
    assert main(["-C", str(project), "checklist", "sample-rules/nope", "--out", str(tmp_path)]) == 2
    assert "sample-rules/leaving" in capsys.readouterr().err  # lists what there is
    assert main(["-C", str(project), "checklist", "--format", "pdf,docx", "--out", str(tmp_path)]) == 2
