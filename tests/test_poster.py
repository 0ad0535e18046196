"""Wall posters on a fixture project: one sheet of the asked size, embedded CJK fonts, every selected rule, a QR code
that opens the right page, Chinese line breaking, the refusal of a rule set too long, and no way out of templates/.

The PDF helpers at the top are shared with test_poster_corpus.py, which runs the same checks on the real policies.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from conftest import make_project

from generator import config, languages
from generator.cli import main
from generator.config import ConfigError
from generator.loader import load
from generator.model import PARAMETER
from generator.pdf import AssetFetcher
from generator.poster import (
    NO_SITE_URL,
    PosterError,
    poster_content,
    print_poster,
    write_posters,
)
from generator.project import Project
from generator.scripts import convert
from generator.source import safe_load

LANGS = languages.default().codes
ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "posters" / "project"
FIXTURE_POLICY = "fixture-wall-rules"
SITE = "https://handbook.corp.internal/"  # the fixture's mkdocs.yml says so: an intranet address, not a placeholder

# ISO 216 in PostScript points (1 mm = 72 / 25.4 pt).
SIZES_PT = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55), "A2": (1190.55, 1683.78)}
CLOSING = set("，。、；：）」』！？")  # may never start a line
OPENING = set("（「『")  # may never end one
FONT_FAMILY = {"zh-Hant": "Noto-Sans-CJK-TC", "zh-Hans": "Noto-Sans-CJK-SC"}


# PDF inspection, with poppler and pypdf rather than the code under test ---------------------------------------


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in pypdf.PdfReader(pdf).pages]


def fonts(pdf: Path) -> list[dict]:
    """pdffonts' table: name, emb, sub per font."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    rows = []
    for line in out:
        cells = line.split()
        # name type... encoding emb sub uni object ID: the last five cells are fixed.
        rows.append({"name": cells[0], "emb": cells[-5], "sub": cells[-4]})
    return rows


def text(pdf: Path, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def squeezed(s: str) -> str:
    """Without spaces or line ends, and case-folded: a heading may be printed as the sheet's title (Basic Principles)."""
    return re.sub(r"\s+", "", s).casefold()


def qr_codes(pdf: Path, tmp: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(tmp / "page")], check=True)
    found = subprocess.run(["zbarimg", "--raw", "-q", *map(str, sorted(tmp.glob("page*.png")))], capture_output=True, text=True)
    return found.stdout.split()


def line_faults(pdf: Path) -> list[str]:
    """Lines that start with closing punctuation or end with an opening bracket."""
    faults = []
    for line in text(pdf, layout=True).splitlines():
        words = line.strip()
        if words and (words[0] in CLOSING or words[-1] in OPENING):
            faults.append(words)
    return faults


def lowest_rule_line_and_footer(pdf: Path) -> tuple[float, float, float]:
    """(bottom of the last line above the footer, top of the footer, page height) from pdftotext's word boxes."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html)[1])
    words = [(float(y0), float(y1), w) for y0, y1, w in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', html)]
    footer_top = min(y0 for y0, _, w in words if w.startswith(("掃碼", "扫码", "Scan", "制度", "Policy")))
    return max(y1 for _, y1, _ in words if y1 < footer_top), footer_top, height


def expected_pieces(policy_data: dict, clause_ids: list[str], lang: str) -> list[str]:
    """Every title and text of the selected clauses and their sub-clauses, read from the YAML, split at the blanks.

    Parameters with a value print the value, so the pieces between blanks must each appear verbatim.
    """
    values = {p["id"]: p.get("value") for p in policy_data.get("parameters", [])}
    script = policy_data["script"]

    def words(t: dict) -> str:
        if lang == "en":
            return t["en"]
        return convert(t["zh"], script, lang)

    def fill(s: str) -> list[str]:
        s = PARAMETER.sub(lambda m: words(values[m[1]]) if values.get(m[1]) else "\0", s)
        return [piece for piece in s.split("\0") if piece.strip()]

    def walk(clauses):
        for c in clauses:
            yield c
            yield from walk(c.get("clauses", []))

    def find(clauses, cid):
        return next(c for c in walk(clauses) if c["id"] == cid)

    pieces = []
    for cid in clause_ids:
        for clause in walk([find(policy_data["clauses"], cid)]):
            for key in ("title", "text"):
                if key in clause:
                    pieces += fill(words(clause[key]))
    return pieces


# Projects ----------------------------------------------------------------------------------------------------


def poster_project(tmp_path: Path, extra: dict[str, dict] | None = None, mkdocs: str | None = None) -> Project:
    """The fixture project with the real templates, plus extra policies (file stem → data)."""
    policies = [FIXTURE / "policies", extra or {}]
    return Project(make_project(tmp_path / "project", policies=policies, templates=True, mkdocs=mkdocs or FIXTURE / "mkdocs.yml"))


def fixture_data() -> dict:
    return safe_load((FIXTURE / "policies" / f"{FIXTURE_POLICY}.yaml").read_text(encoding="utf-8"))


def policy_with(rules: list[dict], policy_id: str = "extra-rules", poster_title: str = "守則") -> dict:
    """A minimal valid policy: one section holding the given rules, and one poster selecting that section."""
    return {
        "id": policy_id, "type": "regulation", "title": {"zh": "附加守則", "en": "Extra rules"}, "script": "zh-Hant",
        "version": "1.0.0", "effective": "2025-01-01", "owner": "operations-department", "approver": "management",
        "review": {"interval_months": 12}, "provenance": {"source": "test", "truncated": False},
        "posters": [{"id": "rules", "title": {"zh": poster_title, "en": "Rules"}, "clauses": ["rules"]}],
        "clauses": [{"id": "rules", "number": 1, "title": {"zh": "守則", "en": "Rules"}, "clauses": rules}],
    }


def rule(n: int, zh: str, en: str) -> dict:
    return {"id": f"rule-{n}", "number": n, "title": {"zh": f"第{n}條", "en": f"Rule {n}"}, "text": {"zh": zh, "en": en}}


def printed(project: Project, tmp_path: Path, policy_id: str, poster_id: str, lang: str = "zh-Hant", size: str = "A3",
            base_url: str | None = SITE) -> Path:
    handbook, _, broken = load(project)
    assert not broken
    policy = handbook.policies[policy_id]
    poster = next(p for p in policy.posters if p.id == poster_id)
    sheet = print_poster(handbook, policy, poster, project, lang, size, base_url)
    path = tmp_path / f"{policy_id}-{poster_id}-{lang}-{size}.pdf"
    path.write_bytes(sheet.pdf)
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return poster_project(tmp_path_factory.mktemp("posters"))


@pytest.fixture(scope="module")
def written(project, tmp_path_factory) -> tuple[Path, list[Path]]:
    """Every fixture poster in the three site languages, as the site build writes them."""
    out = tmp_path_factory.mktemp("site")
    handbook, _, _ = load(project)
    return out, write_posters(handbook, out, project)


# The sheet ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_write_posters_names_files_by_policy_poster_and_language(written):
    out, paths = written
    posters = ["attendance", "discipline-and-conduct", "basic-principles"]
    expected = {out / "posters" / FIXTURE_POLICY / f"{p}-{lang}.pdf" for p in posters for lang in ("zh-Hant", "zh-Hans", "en")}
    assert set(paths) == expected
    assert all(p.is_file() for p in expected)


@pytest.mark.slow
def test_every_poster_is_one_a3_page(written):
    for path in written[1]:
        assert page_sizes(path) == [pytest.approx(SIZES_PT["A3"], abs=0.5)], path.name


@pytest.mark.slow
@pytest.mark.parametrize("size", ["A4", "A2"])
def test_other_sheet_sizes(project, tmp_path, size):
    pdf = printed(project, tmp_path, FIXTURE_POLICY, "attendance", "zh-Hant", size)
    assert page_sizes(pdf) == [pytest.approx(SIZES_PT[size], abs=0.5)]


@pytest.mark.slow
def test_fonts_are_embedded_subset_and_the_named_cjk_face(written):
    for path in written[1]:
        rows = fonts(path)
        assert rows, path.name
        assert all(r["emb"] == "yes" and r["sub"] == "yes" for r in rows), (path.name, rows)
        script = "zh-Hans" if path.stem.endswith("zh-Hans") else "zh-Hant"  # English sheets of a Traditional policy use TC
        assert all(FONT_FAMILY[script] in r["name"] for r in rows), (path.name, rows)
        assert not any("JP" in r["name"] for r in rows)


@pytest.mark.slow
@pytest.mark.parametrize("poster_id", ["attendance", "discipline-and-conduct", "basic-principles"])
@pytest.mark.parametrize("lang", LANGS)
def test_every_selected_rule_and_sub_point_is_printed(written, poster_id, lang):
    data = fixture_data()
    poster = next(p for p in data["posters"] if p["id"] == poster_id)
    printed_text = squeezed(text(written[0] / "posters" / FIXTURE_POLICY / f"{poster_id}-{lang}.pdf"))
    pieces = expected_pieces(data, poster["clauses"], lang)
    assert pieces
    missing = [p for p in pieces if squeezed(p) not in printed_text]
    assert not missing


@pytest.mark.slow
def test_a_clause_brings_its_sub_clauses(written):
    # absence-appeal is an unnumbered sub-item of `absence`, which the attendance poster selects through `attendance`.
    assert "可於三個工作日內向部門負責人申訴" in squeezed(text(written[0] / "posters" / FIXTURE_POLICY / "attendance-zh-Hant.pdf"))


@pytest.mark.slow
def test_unselected_clauses_stay_off_the_sheet(written):
    sheet = squeezed(text(written[0] / "posters" / FIXTURE_POLICY / "attendance-zh-Hant.pdf"))
    assert "保守公司機密" not in sheet and "合法性原則" not in sheet


@pytest.mark.slow
def test_header_and_footer_carry_department_and_policy_facts(written):
    sheet = text(written[0] / "posters" / FIXTURE_POLICY / "attendance-zh-Hant.pdf")
    assert "運營部" in sheet  # the owner role's name (roles.yaml)
    assert "考勤制度" in sheet
    assert FIXTURE_POLICY in sheet and "1.2.0" in sheet and "2025-03-01" in sheet
    assert re.search(r"校驗碼\s*[0-9a-f]{8}\b", sheet)
    english = text(written[0] / "posters" / FIXTURE_POLICY / "attendance-en.pdf")
    assert "Operations Department" in english and re.search(r"Check code\s*[0-9a-f]{8}\b", english)


@pytest.mark.slow
def test_filled_parameters_print_their_value_and_blanks_a_line(written):
    sheet = squeezed(text(written[0] / "posters" / FIXTURE_POLICY / "attendance-zh-Hant.pdf"))
    assert "遲到或早退10分鐘以內的" in sheet  # lateness-minutes has the value 10
    assert "每次扣除＿＿＿元" in sheet  # lateness-deduction is still blank
    assert "{" not in sheet


@pytest.mark.slow
def test_simplified_sheet_is_converted(written):
    sheet = squeezed(text(written[0] / "posters" / FIXTURE_POLICY / "attendance-zh-Hans.pdf"))
    assert "考勤制度" in sheet and "运营部员工应严格遵守公司规定的工作时间" in sheet
    assert "運營部員工" not in sheet


@pytest.mark.slow
@pytest.mark.parametrize("poster_id", ["attendance", "basic-principles"])
@pytest.mark.parametrize("lang", LANGS)
def test_qr_code_opens_the_policy_page_at_the_first_clause(written, tmp_path, poster_id, lang):
    first = next(p for p in fixture_data()["posters"] if p["id"] == poster_id)["clauses"][0]
    pdf = written[0] / "posters" / FIXTURE_POLICY / f"{poster_id}-{lang}.pdf"
    # Each sheet opens the page in its own language: the default language at the site root, the others in their folder.
    folder = "" if lang == "zh-Hant" else f"{lang}/"
    assert qr_codes(pdf, tmp_path) == [f"{SITE}{folder}policies/{FIXTURE_POLICY}/#{first}"]


@pytest.mark.slow
def test_type_fills_the_sheet(written):
    """The text reaches down to the footer: the last line sits in the lowest eighth above it, never half-way up."""
    for path in written[1]:
        last, footer, height = lowest_rule_line_and_footer(path)
        assert footer - last < height / 8, path.name


@pytest.mark.slow
def test_shorter_posters_get_larger_type(project):
    handbook, _, _ = load(project)
    policy = handbook.policies[FIXTURE_POLICY]
    by_id = {p.id: p for p in policy.posters}
    attendance = print_poster(handbook, policy, by_id["attendance"], project, "zh-Hant", "A3", SITE)
    principles = print_poster(handbook, policy, by_id["basic-principles"], project, "zh-Hant", "A3", SITE)
    assert principles.type_pt > attendance.type_pt >= 16


@pytest.mark.slow
def test_bilingual_sheet_prints_both_languages(project, tmp_path):
    pdf = printed(project, tmp_path, FIXTURE_POLICY, "basic-principles", "bilingual")
    sheet = squeezed(text(pdf))
    data = fixture_data()
    for lang in ("zh-Hant", "en"):
        assert all(squeezed(p) in sheet for p in expected_pieces(data, ["basic-principles"], lang)), lang
    assert page_sizes(pdf) == [pytest.approx(SIZES_PT["A3"], abs=0.5)]


def text_sizes(pdf: Path) -> list[tuple[str, float, float]]:
    """(text, size in pt as printed, height above the bottom edge) of every run of text on the first page."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            runs.append((text, size * scale, tm[5] * cm[3] + cm[5]))

    pypdf.PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("size", ["A4", "A3"])
def test_a_bilingual_sheets_english_is_never_below_the_smallest_type(project, tmp_path, size):
    from generator.poster_fit import PAPERS

    pdf = printed(project, tmp_path, FIXTURE_POLICY, "attendance", "bilingual", size)
    # The rules' English, not the header's or the footer's small print (the policy's facts, read up close).
    rules = squeezed("".join(expected_pieces(fixture_data(), ["attendance"], "en")))
    english = [(t, s) for t, s, y in text_sizes(pdf) if re.search("[A-Za-z]{3}", t) and squeezed(t) in rules]
    assert english
    assert min(s for _, s in english) >= PAPERS[size].min_type_pt - 0.05, sorted(english, key=lambda r: r[1])[:3]


# Fingerprint -------------------------------------------------------------------------------------------------


def _content(project: Project, lang: str = "zh-Hant", poster_id: str = "attendance", edit=None):
    handbook, _, _ = load(project)
    policy = handbook.policies[FIXTURE_POLICY]
    if edit:
        edit(policy)
    return poster_content(handbook, policy, next(p for p in policy.posters if p.id == poster_id), lang, SITE)


def test_fingerprint_is_stable_and_follows_the_printed_words_and_the_version(project):

    from generator.model import Text

    base = _content(project).fingerprint
    assert re.fullmatch(r"[0-9a-f]{8}", base)
    assert _content(project).fingerprint == base
    assert _content(project, "zh-Hans").fingerprint != base

    def new_version(policy):
        policy.version = "1.2.1"

    def reword_selected(policy):
        clause = policy.clause("working-hours")
        clause.text = Text({**clause.text.words, "zh": clause.text.zh.replace("按時上下班", "準時上下班")})

    def reword_unselected(policy):
        clause = policy.clause("confidentiality")
        clause.text = Text({"zh": "另一段文字。", "en": "Other words."})

    assert _content(project, edit=new_version).fingerprint != base
    assert _content(project, edit=reword_selected).fingerprint != base
    assert _content(project, edit=reword_unselected).fingerprint == base


# Line breaking -----------------------------------------------------------------------------------------------

# Text with a closing mark after nearly every few characters, so that every line end meets one.
DENSE = [
    "員工應遵守：（一）準時；（二）守紀。「考勤」、「請假」、「調休」，均按流程辦理！有疑問？請問主管。",
    "文件、資料、設備，須妥善保管；借用（含外借）須登記，歸還後簽字。「保密」：不得洩露，違者處理。",
    "會議（週會、月會）準時出席；遲到者記錄，缺席者說明原因（書面）。「紀要」須於當日發出，抄送各組。",
    "客戶來訪：接待、登記、引導，禮貌周到；投訴（含電話、郵件）：記錄、回覆、跟進，三日內結案。",
]


@pytest.mark.slow
@pytest.mark.parametrize("size", ["A4", "A3", "A2"])
def test_no_line_starts_with_closing_punctuation(tmp_path, size):
    rules = [rule(i + 1, DENSE[i % len(DENSE)] * 2, "Rule.") for i in range(6)]
    project = poster_project(tmp_path, {"extra-rules": policy_with(rules)})
    pdf = printed(project, tmp_path, "extra-rules", "rules", "zh-Hant", size)
    lines = [l for l in text(pdf, layout=True).splitlines() if l.strip()]
    assert len(lines) > 25  # enough line ends to meet the marks
    assert line_faults(pdf) == []


# Too long ----------------------------------------------------------------------------------------------------


WORDS = "員工應嚴格遵守公司各項規章制度，自覺維護公司正常工作秩序，不得從事與工作無關的事情，違者按規定處理。"


def too_long_project(tmp_path: Path, rules: int = 30, repeat: int = 2) -> Project:
    """A section of `rules` rules of 50 × repeat characters; 30 × 100 is about twice what an A3 sheet holds at 16 pt."""
    return poster_project(tmp_path, {"extra-rules": policy_with([rule(n, WORDS * repeat, "Rule.") for n in range(1, rules + 1)])})


@pytest.mark.slow
def test_too_long_refuses_with_a_clear_message(tmp_path):
    project = too_long_project(tmp_path)
    handbook, _, _ = load(project)
    policy = handbook.policies["extra-rules"]
    with pytest.raises(PosterError) as refused:
        print_poster(handbook, policy, policy.posters[0], project, "zh-Hant", "A3", SITE)
    message = str(refused.value)
    assert "extra-rules/rules" in message  # which poster
    assert "A3" in message and "16 pt" in message  # at what size
    assert re.search(r"(about|at least) \d+% too long", message)  # by how much
    assert "--size A2" in message and "split" in message  # what to do


@pytest.mark.slow
def test_far_too_long_says_so(tmp_path):
    project = too_long_project(tmp_path, rules=60, repeat=6)
    handbook, _, _ = load(project)
    policy = handbook.policies["extra-rules"]
    with pytest.raises(PosterError, match="more than 8 times too long"):
        print_poster(handbook, policy, policy.posters[0], project, "zh-Hant", "A4", SITE)


@pytest.mark.slow
def test_too_long_writes_no_file(tmp_path, capsys):
    project = too_long_project(tmp_path)
    out = tmp_path / "out"
    code = main(["-C", str(project.root), "poster", "extra-rules", "--lang", "zh-Hant", "--out", str(out)])
    assert code == 1
    assert "does not fit on one A3 sheet" in capsys.readouterr().err
    assert not out.exists() or not any(out.rglob("*.pdf"))
    handbook, _, _ = load(project)
    with pytest.raises(PosterError):
        write_posters(handbook, tmp_path / "site", project, langs=("zh-Hant",))
    assert not any((tmp_path / "site").rglob("*.pdf"))  # all or nothing: the fixture's good posters are not written


@pytest.mark.slow
def test_command_writes_the_posters_that_fit_and_names_the_one_that_does_not(tmp_path, capsys):
    project = too_long_project(tmp_path)
    out = tmp_path / "out"
    assert main(["-C", str(project.root), "poster", "--lang", "zh-Hant", "--out", str(out)]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "extra-rules/rules" in errors[0]
    made = sorted(p.relative_to(out / "posters").as_posix() for p in out.rglob("*.pdf"))
    assert made == sorted(f"{FIXTURE_POLICY}/{p['id']}-zh-Hant.pdf" for p in fixture_data()["posters"])


# Fonts -------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_missing_cjk_font_stops_before_writing(tmp_path):
    """With fontconfig seeing no fonts at all, the command says how to install them and writes nothing."""
    project = poster_project(tmp_path)
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                     f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(project.root), "poster", "--out", str(out)],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(empty), "HOME": str(tmp_path)},
        cwd=ROOT,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr.count("apt-get install fonts-noto-cjk") == 1 and "Noto Sans CJK TC" in run.stderr  # said once
    assert "Traceback" not in run.stderr
    assert not out.exists() or not any(out.rglob("*.pdf"))


# Security ----------------------------------------------------------------------------------------------------

HOSTILE = '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> <b>bold</b>'


@pytest.mark.slow
def test_policy_markup_prints_as_text_and_fetches_nothing(tmp_path):
    project = poster_project(tmp_path, {"extra-rules": policy_with([rule(1, f"請勿{HOSTILE}", f"Do not {HOSTILE}")])})
    for lang in ("zh-Hant", "en"):
        pdf = printed(project, tmp_path, "extra-rules", "rules", lang)
        sheet = squeezed(text(pdf, layout=True))
        assert squeezed('<img src="file:///etc/passwd">') in sheet
        assert squeezed('<link rel="attachment" href="file:///etc/passwd">') in sheet
        assert "<b>bold</b>" in sheet
        assert pypdf.PdfReader(pdf).attachments == {}
        assert b"EmbeddedFile" not in pdf.read_bytes()
        assert "root:" not in sheet


def test_fetcher_serves_only_the_templates_folder_and_data_uris(tmp_path):
    project = poster_project(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    (project.templates / "poster" / "link.css").symlink_to(outside)
    fetcher = AssetFetcher(project.templates)
    css = (project.templates / "poster" / "poster.css").resolve()
    assert fetcher.fetch(css.as_uri()).read() == css.read_bytes()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        "file:///etc/passwd",
        outside.as_uri(),
        (project.templates / "poster" / "link.css").as_uri(),  # a symlink out of templates/
        (project.templates / "poster").as_uri() + "/../../secret.txt",
        "https://example.com/font.woff2",
        "http://127.0.0.1/",
        "ftp://example.com/x",
        "file://otherhost/etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 8


@pytest.mark.slow
def test_a_template_that_reaches_outside_is_refused(tmp_path):
    project = poster_project(tmp_path)
    template = project.templates / "poster" / "poster.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "<footer>", '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/hostname"><footer>'), encoding="utf-8")
    handbook, _, _ = load(project)
    with pytest.raises(PosterError) as refused:
        write_posters(handbook, tmp_path / "site", project, langs=("zh-Hant",))
    assert "file:///etc/passwd" in str(refused.value) and "file:///etc/hostname" in str(refused.value)
    assert not (tmp_path / "site").exists()


# Site address ------------------------------------------------------------------------------------------------


def test_site_url_is_read_from_mkdocs_yml_despite_python_tags(project):
    assert "!!python/name" in (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    assert config.load(project).site_url == SITE


@pytest.mark.slow
def test_without_site_url_posters_carry_no_qr_and_say_why(tmp_path, capsys):
    project = poster_project(tmp_path, mkdocs="site_name: No address\n")
    out = tmp_path / "out"
    assert main(["-C", str(project.root), "poster", f"{FIXTURE_POLICY}/basic-principles", "--lang", "en", "--out", str(out)]) == 0
    pdf = out / "posters" / FIXTURE_POLICY / "basic-principles-en.pdf"
    assert qr_codes(pdf, tmp_path) == []
    assert NO_SITE_URL in capsys.readouterr().err


def test_a_site_url_that_is_not_http_is_refused(tmp_path):
    project = poster_project(tmp_path, mkdocs="site_name: X\nsite_url: file:///srv/handbook/\n")
    with pytest.raises(ConfigError, match="not an http"):
        config.load(project)


@pytest.mark.parametrize("url, placeholder", [
    ("https://handbook.example.com/", True), ("http://EXAMPLE.org/rules/", True), ("https://example.net", True),
    ("https://rules.example/", True), ("https://handbook.corp.internal/", False), ("https://notexample.com/", False),
    ("https://example.com.cn/", False),
])
def test_an_example_site_url_is_known_for_a_placeholder(tmp_path, url, placeholder):
    project = poster_project(tmp_path, mkdocs=f"site_name: X\nsite_url: {url}\n")
    settings = config.load(project)
    assert settings.placeholder is placeholder
    assert (settings.placeholder_warning() is not None) is placeholder


def test_the_poster_command_refuses_a_placeholder_site_url_and_says_what_to_change(tmp_path, capsys):
    project = poster_project(tmp_path, mkdocs="site_name: X\nsite_url: https://handbook.example.com/\n")
    out = tmp_path / "out"
    assert main(["-C", str(project.root), "poster", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml" in err and "`site_url`" in err and "https://handbook.example.com/" in err
    assert "Traceback" not in err
    assert not out.exists()


# Command line ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_command_prints_the_chosen_poster_size_and_language(tmp_path, capsys):
    project = poster_project(tmp_path)
    out = tmp_path / "out"
    code = main(["-C", str(project.root), "poster", f"{FIXTURE_POLICY}/attendance", "--size", "A4", "--lang", "zh-Hans",
                 "--lang", "bilingual", "--out", str(out)])
    assert code == 0
    made = sorted(p.name for p in (out / "posters" / FIXTURE_POLICY).iterdir())
    assert made == ["attendance-bilingual.pdf", "attendance-zh-Hans.pdf"]
    assert page_sizes(out / "posters" / FIXTURE_POLICY / "attendance-zh-Hans.pdf") == [pytest.approx(SIZES_PT["A4"], abs=0.5)]
    printed_lines = capsys.readouterr().out.splitlines()
    assert len(printed_lines) == 3 and all(l.startswith("wrote ") and "A4" in l for l in printed_lines[:2])
    assert printed_lines[2] == "printed 2 PDFs, reused 0 from the cache"  # each test has a cache of its own


@pytest.mark.slow
def test_command_with_a_policy_id_prints_all_its_posters(tmp_path):
    project = poster_project(tmp_path)
    out = tmp_path / "out"
    assert main(["-C", str(project.root), "poster", FIXTURE_POLICY, "--lang", "zh-Hant", "--out", str(out)]) == 0
    assert len(list((out / "posters" / FIXTURE_POLICY).glob("*.pdf"))) == 3


@pytest.mark.slow
def test_command_rejects_an_unknown_poster(tmp_path, capsys):
    project = poster_project(tmp_path)
    assert main(["-C", str(project.root), "poster", f"{FIXTURE_POLICY}/nope", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{FIXTURE_POLICY}/nope" in err and f"{FIXTURE_POLICY}/attendance" in err


@pytest.mark.slow
@pytest.mark.parametrize("character", ["\ue000", "\u0531"])  # in no installed font; only in DejaVu (Armenian)
def test_a_character_the_poster_font_lacks_is_refused(tmp_path, character):
    """Never a sheet with empty boxes, nor one whose odd character came from some other font."""
    project = poster_project(tmp_path, {"extra-rules": policy_with([rule(1, f"請勿{character}喧嘩。", "No noise.")])})
    handbook, _, _ = load(project)
    policy = handbook.policies["extra-rules"]
    with pytest.raises(PosterError) as refused:
        print_poster(handbook, policy, policy.posters[0], project, "zh-Hant", "A3", SITE)
    assert "extra-rules/rules" in str(refused.value) and "extra-rules.yaml" in str(refused.value)


@pytest.mark.slow
def test_a_broken_template_gets_a_message_not_a_traceback(tmp_path, capsys):
    project = poster_project(tmp_path)
    template = project.templates / "poster" / "poster.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</main>", "{% if %}</main>"), encoding="utf-8")
    assert main(["-C", str(project.root), "poster", f"{FIXTURE_POLICY}/basic-principles", "--lang", "en",
                 "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "poster.html:" in err and "template" in err


@pytest.mark.slow
def test_what_weasyprint_ignores_in_a_restyled_css_is_reported(tmp_path, capsys):
    project = poster_project(tmp_path)
    css = project.templates / "poster" / "poster.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.title { text-shadow-colour: red; }\n", encoding="utf-8")
    assert main(["-C", str(project.root), "poster", f"{FIXTURE_POLICY}/basic-principles", "--lang", "en",
                 "--out", str(tmp_path / "out")]) == 0
    assert "text-shadow-colour" in capsys.readouterr().err
