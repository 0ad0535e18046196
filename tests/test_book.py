"""The handbook as a document, on the two-policy fixture project: per policy and as one book, in every language; every
clause a named destination on its own page, bookmarks and contents that lead there, cross-references as live links,
the site's clause numbers, PDF/UA identification, subset fonts, a QR code to the page online, and the site's links.

Printing is slow, so one module-scoped fixture prints every document once (through the site's publishing step) and
the checks read those files with pypdf and poppler, not with the code under test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from conftest import make_project

from generator import config, locations, publish
from generator.book import Typesetter, write_books
from generator.cli import main
from generator.loader import load
from generator.pdf import Templates
from generator.pdf_cache import PdfCache, Printing
from generator.project import Project
from generator.scripts import convert
from generator.site.render import Downloads, SiteRenderer
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini" / "policies"
SITE = "https://handbook.corp.internal/"
MKDOCS = f"site_name: 範例手冊\nsite_url: {SITE}\n"
CLOSING = set("，。、；：）」』！？")  # may never start a line


def project_at(folder: Path, mkdocs: str = MKDOCS) -> Project:
    make_project(folder, policies=MINI, templates=True, mkdocs=mkdocs)
    return Project(folder)


def clauses_of(policy_id: str) -> list[dict]:
    """The fixture's clauses in reading order, each with its level (1 = top), read from the YAML itself."""
    data = safe_load((MINI / f"{policy_id}.yaml").read_text(encoding="utf-8"))
    out: list[dict] = []

    def walk(items, level):
        for c in items:
            out.append({**c, "level": level})
            walk(c.get("clauses", []), level + 1)

    walk(data["clauses"], 1)
    return out


def script_of(policy_id: str) -> str:
    return safe_load((MINI / f"{policy_id}.yaml").read_text(encoding="utf-8"))["script"]


def words(text: dict | None, lang: str, script: str) -> str:
    """A fixture text as a reader of lang sees it: the translation, or the Chinese in the reader's script."""
    if not text:
        return ""
    if lang == "en":
        return text["en"]
    return convert(text["zh"], script, lang)


def squeezed(s: str) -> str:
    return re.sub(r"\s+", "", s).casefold()


def page_text(pdf: Path, page: int, layout: bool = False) -> str:
    """The text of one page (0-based) as poppler extracts it."""
    args = ["pdftotext", *(["-layout"] if layout else []), "-f", str(page + 1), "-l", str(page + 1), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def destinations(pdf: Path) -> dict[str, int]:
    reader = pypdf.PdfReader(pdf)
    return {str(name): reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order."""
    reader = pypdf.PdfReader(pdf)
    out: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


def links(pdf: Path) -> list[tuple[int, str, str]]:
    """(page, kind, target) of every link annotation: kind "dest" (a named destination) or "uri"."""
    out = []
    for i, page in enumerate(pypdf.PdfReader(pdf).pages):
        for annotation in page.get("/Annots") or []:
            a = annotation.get_object()
            if a.get("/Subtype") != "/Link":
                continue
            if "/Dest" in a:
                out.append((i, "dest", str(a["/Dest"])))
            elif "/A" in a and "/URI" in a["/A"]:
                out.append((i, "uri", str(a["/A"]["/URI"])))
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Project, Path]:
    """Every document of the fixture, printed once through the site's publishing step into out/."""
    project = project_at(tmp_path_factory.mktemp("book") / "project")
    handbook, _, broken = load(project)
    assert not broken
    out = project.root / "out"
    out.mkdir()
    writer = publish.writers()[locations.BOOKS]
    printing = publish.print_all(
        handbook, project, out, {locations.BOOKS: writer}, Printing(PdfCache(project.root / "cache"), 2)
    )
    assert (printing.printed, printing.reused) == (9, 0)  # two policies and the book, in three languages
    return project, out


def langs() -> tuple[str, ...]:
    from generator import languages

    return languages.default().codes


# Destinations, bookmarks, contents, links ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("policy_id", ["mini-wall-rules", "mini-finance-rules"])
def test_every_clause_is_a_named_destination_on_the_page_that_shows_it(printed, policy_id):
    _, out = printed
    for lang in langs():
        pdf = out / locations.book_file(policy_id, lang)
        dests = destinations(pdf)
        clauses = clauses_of(policy_id)
        assert set(dests) == {c["id"] for c in clauses}, lang
        for c in clauses:
            shown = words(c.get("title"), lang, script_of(policy_id)) or words(
                c.get("text"), lang, script_of(policy_id)
            )
            start = squeezed(shown.split("{")[0])[:12]
            assert start in squeezed(page_text(pdf, dests[c["id"]])), (lang, c["id"])


@pytest.mark.slow
def test_the_book_holds_every_policy_with_its_clauses_under_its_own_name(printed):
    _, out = printed
    for lang in langs():
        pdf = out / locations.handbook_file(lang)
        dests = destinations(pdf)
        expected = {"mini-wall-rules", "mini-finance-rules"}
        expected |= {f"{p}/{c['id']}" for p in ("mini-wall-rules", "mini-finance-rules") for c in clauses_of(p)}
        assert set(dests) == expected
        # The policy's title page comes before its clauses, and the two policies do not overlap.
        wall = [dests[d] for d in dests if d.startswith("mini-wall-rules/")]
        finance = [dests[d] for d in dests if d.startswith("mini-finance-rules/")]
        assert dests["mini-wall-rules"] < min(wall) and dests["mini-finance-rules"] < min(finance)
        assert max(finance) < dests["mini-wall-rules"] or max(wall) < dests["mini-finance-rules"]
        budget = dests["mini-finance-rules/budget-control"]
        assert squeezed(words({"zh": "预算控制", "en": "Budget Control"}, lang, "zh-Hans")) in squeezed(
            page_text(pdf, budget)
        )


@pytest.mark.slow
def test_bookmarks_follow_the_clause_tree(printed):
    _, out = printed
    for lang in ("zh-Hant", "en"):
        pdf = out / locations.book_file("mini-wall-rules", lang)
        dests = destinations(pdf)
        marks = outline(pdf)
        numbered = [c for c in clauses_of("mini-wall-rules") if "number" in c or "title" in c]
        assert len(marks) == len(numbered)
        for (depth, title, page), c in zip(marks, numbered):
            assert depth == c["level"] - 1, (lang, c["id"])
            assert page == dests[c["id"]]
            if "title" in c:
                assert squeezed(words(c["title"], lang, "zh-Hant")) in squeezed(title)
    # In the book each policy is a bookmark of its own, its clauses beneath it.
    marks = outline(out / locations.handbook_file("en"))
    tops = [title for depth, title, _ in marks if depth == 0]
    assert tops == ["Finance Rules (Sample)", "Operations Department Wall Rules (Sample)"]
    assert min(depth for depth, title, _ in marks if "General Provisions" in title) == 1


@pytest.mark.slow
def test_the_contents_link_each_entry_to_its_clause_with_its_page_number(printed):
    _, out = printed
    pdf = out / locations.book_file("mini-wall-rules", "en")
    dests = destinations(pdf)
    entries = [c["id"] for c in clauses_of("mini-wall-rules") if c["level"] <= 2]
    contents_page = 1  # after the cover
    targets = [target for page, kind, target in links(pdf) if page == contents_page and kind == "dest"]
    assert list(dict.fromkeys(targets)) == entries
    # Each line's leader dots end in the page number (counted from 1) of the clause it names.
    text = page_text(pdf, contents_page, layout=True)
    numbers = [int(n) for n in re.findall(r"\.\s*(\d+)\s*$", text, re.M)]
    assert numbers == [dests[e] + 1 for e in entries]


@pytest.mark.slow
def test_cross_references_are_live_links(printed):
    _, out = printed
    own = out / locations.book_file("mini-wall-rules", "en")
    dests, found = destinations(own), links(own)
    absence = dests["absence"]
    # '#lateness' in the clause 'absence': a link on its page to the clause's destination.
    assert (absence, "dest", "lateness") in found
    # 'mini-finance-rules#budget-control': outside this PDF, so the clause's page online, in the PDF's language.
    assert (dests["expense-reimbursement"], "uri", f"{SITE}en/policies/mini-finance-rules/#budget-control") in found
    zh = out / locations.book_file("mini-wall-rules", "zh-Hant")
    assert any(t == f"{SITE}policies/mini-finance-rules/#budget-control" for _, k, t in links(zh) if k == "uri")
    # In the book both policies are inside: the reference is a destination there.
    book = out / locations.handbook_file("en")
    dests, found = destinations(book), links(book)
    assert (dests["mini-wall-rules/expense-reimbursement"], "dest", "mini-finance-rules/budget-control") in found
    assert (dests["mini-finance-rules/budget-control"], "dest", "mini-wall-rules/expense-reimbursement") in found


# Text, numbers, fonts, accessibility, QR code --------------------------------------------------------------------


def site_labels(project: Project, policy_id: str, lang: str) -> list[str]:
    """The clause numbers the site's policy page shows, in order."""
    handbook, _, _ = load(project)
    renderer = SiteRenderer(handbook, project.templates / "site", config.localisers(project, handbook))
    body = renderer.policy_page(handbook.policies[policy_id], lang).body
    return re.findall(r'<span class="rb-clause__label">([^<]*)</span>', body)


@pytest.mark.slow
def test_the_text_carries_the_site_s_clause_numbers_and_the_policy_s_words(printed):
    project, out = printed
    for lang in langs():
        pdf = out / locations.book_file("mini-wall-rules", lang)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        body = squeezed(text)
        labels = site_labels(project, "mini-wall-rules", lang)
        assert len(labels) >= 15
        at = 0
        for label in labels:  # in the site's order
            at = body.find(squeezed(label), at)
            assert at >= 0, (lang, label)
        for c in clauses_of("mini-wall-rules"):
            if "text" in c:
                assert squeezed(words(c["text"], lang, "zh-Hant").split("{")[0])[:20] in body
        if lang != "en":
            for line in text.splitlines():
                assert not (line.strip() and line.strip()[0] in CLOSING), (lang, line)


@pytest.mark.slow
def test_pdf_ua_identification_language_title_and_subset_fonts(printed):
    _, out = printed
    for pdf in sorted((out / locations.BOOKS).rglob("*.pdf")):
        reader = pypdf.PdfReader(pdf)
        xmp = reader.xmp_metadata.rdf_root.toxml()
        assert re.search(r'pdfuaid:part="1"|<pdfuaid:part>1</pdfuaid:part>', xmp), pdf.name
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Tagged:\s+yes", info, re.M), pdf.name
        lang = next(code for code in langs() if pdf.stem.endswith(f"-{code}"))
        assert str(reader.trailer["/Root"]["/Lang"]) == lang
        assert reader.metadata.title
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:]]
        assert rows and all(re.match(r"^[A-Z]{6}\+", r[0]) and r[-5:-3] == ["yes", "yes"] for r in rows), pdf.name
        # Subset: a policy of a few pages is a few hundred KB, not the 16 MB of a whole CJK font.
        assert pdf.stat().st_size < 1_500_000, pdf.name


@pytest.mark.slow
def test_the_cover_s_qr_code_opens_the_policy_page_in_the_pdf_s_language(printed, tmp_path):
    _, out = printed
    pdf = out / locations.book_file("mini-wall-rules", "zh-Hans")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "cover")], check=True
    )
    png = next(tmp_path.glob("cover*.png"))
    found = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True).stdout.split()
    assert found == [f"{SITE}zh-Hans/policies/mini-wall-rules/"]
    cover = squeezed(page_text(pdf, 0))
    for fact in ("1.1.0", "2026年1月1日", "运营部"):  # version, effective date, owner (roles.yaml), in Simplified
        assert squeezed(fact) in cover


# Without printing ------------------------------------------------------------------------------------------------


def test_policy_text_is_escaped_never_markup(tmp_path):
    project = project_at(tmp_path / "p")
    path = project.root / "policies" / "mini-finance-rules.yaml"
    hostile = '<link rel="attachment" href="file:///etc/passwd"><b>粗</b>'
    path.write_text(path.read_text(encoding="utf-8").replace("量入为出，厉行节约。", hostile), encoding="utf-8")
    handbook, _, _ = load(project)
    localisers = config.localisers(project, handbook)
    content = Typesetter(handbook, localisers, SITE, None).policy(handbook.policies["mini-finance-rules"], "zh-Hans")
    qrs = {content.url: "data:,"}
    html = Templates(project, "book").render("book.html", book=content, qrs=qrs, t=localisers["zh-Hans"].word)
    assert '<link rel="attachment"' not in html and "<b>" not in html
    assert "&lt;link rel=" in html and "&lt;b&gt;粗" in html


def test_references_point_inside_the_document_or_online(tmp_path):
    project = project_at(tmp_path / "p", mkdocs="site_name: x\n")  # no site_url
    handbook, _, _ = load(project)
    typesetter = Typesetter(handbook, config.localisers(project, handbook), None, None)
    own = typesetter.policy(handbook.policies["mini-finance-rules"], "en")
    assert own.url is None
    budget = next(c for c in own.parts[0].clauses if c.id == "budget-control")
    assert [(r.path, r.kind) for r in budget.refs] == [("", "policy")]  # no address to link to, only its name
    book = typesetter.whole("en")
    budget = next(c for p in book.parts for c in p.clauses if c.id == "budget-control")
    assert [r.path for r in budget.refs] == ["#mini-wall-rules/expense-reimbursement"]


def test_drafts_and_retired_policies_are_not_printed(tmp_path):
    project = project_at(tmp_path / "p")
    path = project.root / "policies" / "mini-finance-rules.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("script: zh-Hans\n", "script: zh-Hans\nstatus: draft\n"),
        encoding="utf-8",
    )
    handbook, _, _ = load(project)
    typesetter = Typesetter(handbook, config.localisers(project, handbook), SITE, None)
    assert [p.id for p in typesetter.policies()] == ["mini-wall-rules"]
    assert [p.id for p in typesetter.whole("en").parts] == ["mini-wall-rules"]


def test_the_command_refuses_a_placeholder_site_url(tmp_path, capsys):
    project = project_at(tmp_path / "p", mkdocs="site_url: https://handbook.example.com/\n")
    assert main(["-C", str(project.root), "book", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml" in err and "site_url" in err and "No PDF was printed" in err
    assert not (tmp_path / "out").exists()


def test_the_command_refuses_unknown_languages_and_policies(tmp_path, capsys):
    project = project_at(tmp_path / "p")
    assert main(["-C", str(project.root), "book", "--lang", "xx"]) == 2
    assert "--lang xx" in capsys.readouterr().err
    assert main(["-C", str(project.root), "book", "no-such-policy"]) == 2
    err = capsys.readouterr().err
    assert "no-such-policy" in err and "mini-wall-rules" in err


def test_the_site_links_each_policy_s_pdf_and_the_whole_book(tmp_path):
    project = project_at(tmp_path / "p")
    handbook, _, _ = load(project)
    renderer = SiteRenderer(
        handbook, project.templates / "site", config.localisers(project, handbook), Downloads(books=True)
    )
    page = renderer.policy_page(handbook.policies["mini-wall-rules"], "en")
    # From en/policies/mini-wall-rules/ up to the site root, where books/ is shared by every language.
    assert 'href="../../../books/policies/mini-wall-rules-en.pdf"' in page.body
    downloads = renderer.fragment("downloads", "en", "en/printing/")
    for lang in langs():
        assert f'href="../../books/handbook-{lang}.pdf"' in downloads
        assert f'href="../../books/policies/mini-finance-rules-{lang}.pdf"' in downloads
    without = SiteRenderer(handbook, project.templates / "site", config.localisers(project, handbook))
    assert "books/" not in without.policy_page(handbook.policies["mini-wall-rules"], "en").body


@pytest.mark.slow
def test_the_cache_reprints_only_the_documents_that_show_a_changed_text(printed, tmp_path):
    source, _ = printed
    shutil.copytree(source.root, tmp_path / "p", ignore=shutil.ignore_patterns("out"))
    project = Project(tmp_path / "p")
    cache = PdfCache(project.root / "cache")

    def again() -> Printing:
        handbook, _, _ = load(project)
        printing = Printing(cache, 2)
        write_books(handbook, tmp_path / f"out{len(list(tmp_path.glob('out*')))}", project, printing=printing)
        return printing

    unchanged = again()
    assert (unchanged.printed, unchanged.reused) == (0, 9)
    path = project.root / "policies" / "mini-finance-rules.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("量入为出，厉行节约。", "量入为出。"), encoding="utf-8")
    changed = again()
    # The Chinese changed: the finance rules and the book in the two Chinese scripts are printed again; their English
    # (whose words did not change) and the wall rules come from the cache.
    assert (changed.printed, changed.reused) == (4, 5)


@pytest.mark.slow
def test_a_policy_alone_and_the_book_alone(tmp_path):
    project = project_at(tmp_path / "p")
    handbook, _, _ = load(project)
    out = tmp_path / "out"
    alone = write_books(handbook, out, project, ids=["mini-finance-rules"], langs=["en"], whole=False)
    assert alone == [out / "books" / "policies" / "mini-finance-rules-en.pdf"]
    whole = write_books(handbook, out, project, langs=["zh-Hant"], policies=False)
    assert whole == [out / "books" / "handbook-zh-Hant.pdf"]
    shutil.rmtree(out)
