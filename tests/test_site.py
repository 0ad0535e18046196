"""The handbook site built from the corpus: anchors, links, languages, metadata, blanks, search index, offline.

Builds the site once (mkdocs with the rulebook plugin, as `rulebook build` does) into a temporary folder and reads
the HTML. Expected values come from the policy files through the model, never from the renderer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import cssselect2
import pytest
import tinyhtml5

from conftest import make_project
from generator.loader import load
from generator.model import PARAMETER, Clause, ExternalDocument, Policy
from generator.project import Project
from generator.scripts import convert
from generator.site.build import build

ROOT = Path(__file__).resolve().parents[1]
# The policies the site is built from: the real corpus. (tests/fixtures/mini/policies is a small stand-in.)
CORPUS = ROOT / "policies"
LANGUAGES = {"zh-Hant": "", "zh-Hans": "zh-Hans/", "en": "en/"}
OUTSIDE = re.compile(r"^(https?:)?//", re.I)
# The handbook's own address (mkdocs.yml site_url): canonical links name it, and it is not an outside host.
SITE_URL = re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M).group(1)


def outside(url: str) -> bool:
    return bool(OUTSIDE.match(url)) and not url.startswith(SITE_URL)


def assemble_project(folder: Path, corpus: Path = CORPUS) -> Project:
    """A project made of this checkout's site configuration, pages and templates, and the corpus's policies."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # Posters and checklist PDFs are their renderers' business (tests/test_poster.py, tests/test_checklist.py) and
    # take long to print; tests/test_site_cli.py checks that the build calls them.
    assert "\n  - rulebook\n" in config
    config = config.replace("\n  - rulebook\n", "\n  - rulebook:\n      print_files: false\n")
    return Project(make_project(folder, policies=corpus, docs=True, templates=True, mkdocs=config, cache=True))


def build_site(folder: Path, corpus: Path = CORPUS) -> tuple[Project, Path]:
    project = assemble_project(folder / "project", corpus)
    out = folder / "site"
    build(project, out)
    return project, out


class Site:
    """The built site's pages, parsed on demand."""

    def __init__(self, root: Path):
        self.root = root
        self._pages: dict[Path, cssselect2.ElementWrapper] = {}
        self._ids: dict[str, set[str]] = {}

    def page(self, path: str) -> cssselect2.ElementWrapper:
        file = self.root / path / "index.html" if not path.endswith(".html") else self.root / path
        if file not in self._pages:
            tree = tinyhtml5.parse(file.read_text(encoding="utf-8"), namespace_html_elements=False)
            self._pages[file] = cssselect2.ElementWrapper.from_html_root(tree)
        return self._pages[file]

    def ids(self, path: str) -> set[str]:
        if path not in self._ids:
            self._ids[path] = {e.get("id") for e in self.page(path).etree_element.iter() if e.get("id")}
        return self._ids[path]

    def html_files(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))


def text(element) -> str:
    return "".join(element.etree_element.itertext()).strip()


def section_of(page, clause_id: str):
    """The <section> of a clause: the heading carries the id, or the section itself when the clause has no heading."""
    element = page.query(f'[id="{clause_id}"]')
    return element if element.etree_element.tag == "section" else element.parent


def own(section, css_class: str) -> list:
    """The clause's own elements of a class, not those of its sub-clauses."""
    return [child for child in section.iter_children() if css_class in (child.etree_element.get("class") or "").split()]


@pytest.fixture(scope="module")
def built(corpus_site):
    root, out = corpus_site
    handbook, findings, broken = load(Project(root))
    assert not broken
    return handbook, Site(out)


@pytest.fixture(scope="module")
def handbook(built):
    return built[0]


@pytest.fixture(scope="module")
def site(built):
    return built[1]


def policy_path(policy: Policy, lang: str) -> str:
    return f"{LANGUAGES[lang]}policies/{policy.id}/"


def clause_name_words(clause: Clause, lang: str) -> str:
    """The words a link to the clause must show: its title, or (untitled) the start of its text."""
    words = clause.title or clause.text
    if lang == "en":
        return PARAMETER.split(words.get("en") or words.zh)[0][:12].strip()
    return PARAMETER.split(convert(words.zh, clause.policy.script, lang))[0][:8]


# Anchors


@pytest.mark.slow
def test_the_corpus_is_there(handbook):
    assert len(handbook.policies) >= 2
    assert any(c.refs for p in handbook.policies.values() for c in p.walk())


@pytest.mark.slow
def test_every_clause_has_its_anchor_on_its_page_in_every_language(handbook, site):
    for policy in handbook.policies.values():
        expected = {c.id for c in policy.walk()}
        for lang in LANGUAGES:
            assert expected <= site.ids(policy_path(policy, lang)), (policy.id, lang)


@pytest.mark.slow
def test_the_three_languages_have_the_same_clause_anchors(handbook, site):
    for policy in handbook.policies.values():
        anchors = {
            lang: {e.etree_element.get("id") for e in site.page(policy_path(policy, lang)).query_all(".rb-clauses [id]")}
            for lang in LANGUAGES
        }
        assert anchors["zh-Hant"] == anchors["zh-Hans"] == anchors["en"] == {c.id for c in policy.walk()}


@pytest.mark.slow
def test_every_clause_has_a_link_to_itself(handbook, site):
    for policy in handbook.policies.values():
        page = site.page(policy_path(policy, "zh-Hant"))
        linked = {e.etree_element.get("data-clause") for e in page.query_all("a.rb-anchor")}
        titled = {c.id for c in policy.walk() if c.number is not None or c.title}
        assert titled <= linked
        for anchor in page.query_all("a.rb-anchor"):
            assert anchor.etree_element.get("href") == "#" + anchor.etree_element.get("data-clause")


# Links


@pytest.mark.slow
def test_every_link_in_the_site_resolves(site):
    broken = []
    for file in site.html_files():
        page = site.page(str(file.relative_to(site.root)))
        for a in page.query_all("a[href]"):
            href = a.etree_element.get("href")
            if OUTSIDE.match(href) or href.startswith(("mailto:", "javascript:")):
                continue
            # Resolved as a browser would on a server whose root is the site (404.html uses root-relative links).
            joined, fragment = urldefrag(urljoin("http://site/" + file.relative_to(site.root).as_posix(), href))
            target = unquote(urlsplit(joined).path).lstrip("/")
            path = site.root / target
            if target.endswith("/") or target == "" or path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{file.relative_to(site.root)}: {href}")
                continue
            if fragment and path.suffix == ".html" and fragment not in site.ids(str(path.relative_to(site.root))):
                broken.append(f"{file.relative_to(site.root)}: {href} (no #{fragment})")
    assert not broken, "\n".join(broken[:20])


@pytest.mark.slow
def test_cross_references_link_to_the_target_clause_with_its_title(handbook, site):
    checked = 0
    for policy in handbook.policies.values():
        for lang in LANGUAGES:
            page = site.page(policy_path(policy, lang))
            for clause in policy.walk():
                for ref in clause.refs:
                    target = handbook.resolve(ref, policy)
                    if not isinstance(target, Clause):
                        continue
                    section = section_of(page, clause.id)
                    wanted = f"#{target.id}" if target.policy is policy else f"../{target.policy.id}/#{target.id}"
                    links = [a for a in section.query_all("a.rb-ref") if a.etree_element.get("href") == wanted]
                    assert links, (policy.id, clause.id, ref, lang)
                    assert clause_name_words(target, lang) in text(links[0]), (ref, lang, text(links[0]))
                    checked += 1
    assert checked > 0


@pytest.mark.slow
def test_external_references_are_shown_as_external_documents(handbook, site):
    checked = 0
    for policy in handbook.policies.values():
        page = site.page(policy_path(policy, "en"))
        for clause in policy.walk():
            for ref in clause.refs:
                document = handbook.resolve(ref, policy)
                if isinstance(document, ExternalDocument):
                    names = [text(e) for e in section_of(page, clause.id).query_all(".rb-ref--external")]
                    assert any(document.name.get("en") in name and "external document" in name for name in names)
                    checked += 1
    assert checked > 0


# Languages


@pytest.mark.slow
def test_each_language_declares_itself_and_shows_its_script(handbook, site):
    for policy in handbook.policies.values():
        for lang in LANGUAGES:
            page = site.page(policy_path(policy, lang))
            assert page.etree_element.get("lang") == lang
            body = " ".join(text(p) for p in page.query_all(".rb-clause__text"))
            if lang == "zh-Hans":
                assert convert(body, "zh-Hant", "zh-Hans") == body, policy.id
            elif lang == "zh-Hant" and policy.script == "zh-Hans":
                assert convert(body, "zh-Hans", "zh-Hant") == body, policy.id
                assert convert(body, "zh-Hant", "zh-Hans") != body, policy.id
            elif lang == "en":
                first = next(c for c in policy.walk() if c.text)
                assert PARAMETER.split(first.text.get("en"))[0][:20] in body


@pytest.mark.slow
def test_the_language_menu_leads_to_the_same_policy(handbook, site):
    for policy in handbook.policies.values():
        for lang in LANGUAGES:
            page = site.page(policy_path(policy, lang))
            menu = {a.etree_element.get("hreflang"): a.etree_element.get("href") for a in page.query_all("a.md-select__link")}
            assert set(menu) == set(LANGUAGES)
            for other, href in menu.items():
                resolved = urljoin("/" + policy_path(policy, lang), href)
                assert resolved == "/" + policy_path(policy, other), (lang, other, href)


@pytest.mark.slow
def test_the_parallel_view_pairs_every_clause_in_chinese_and_english(handbook, site):
    for policy in handbook.policies.values():
        page = site.page(f"policies/{policy.id}/parallel/")
        for clause in policy.walk():
            cells = list(page.query(f'[id="{clause.id}"]').query_all(".rb-parallel__cell"))
            assert [c.etree_element.get("lang") for c in cells] == ["zh-Hant", "en"]
            if clause.text is not None:
                zh = PARAMETER.split(convert(clause.text.zh, policy.script, "zh-Hant"))[0][:6]
                en = PARAMETER.split(clause.text.get("en"))[0][:12]
                assert zh in text(cells[0]) and en in text(cells[1]), clause.id


# What a policy page shows


@pytest.mark.slow
def test_the_metadata_box_shows_owner_approver_version_dates_and_source(handbook, site):
    for policy in handbook.policies.values():
        page = site.page(policy_path(policy, "en"))
        meta = {text(e.query("dt")): e.query("dd") for e in page.query_all(".rb-meta > div")}
        assert text(meta["Owner"]) == handbook.roles[policy.owner].name.get("en")
        assert text(meta["Approver"]) == handbook.roles[policy.approver].name.get("en")
        assert text(meta["Version"]) == policy.version
        assert meta["Effective"].query("time").etree_element.get("datetime") == policy.effective.isoformat()
        assert meta["Next review"].query("time").etree_element.get("datetime") == policy.next_review.isoformat()
        assert policy.source in text(meta["Source"])
        assert ("Incomplete source" in text(meta["Source"])) == policy.truncated
        assert (page.query(".rb-truncated") is not None) == policy.truncated


@pytest.mark.slow
def test_unfilled_parameters_are_marked_blanks_showing_their_label(handbook, site):
    checked = 0
    for policy in handbook.policies.values():
        unfilled = {p.id: p for p in policy.parameters if p.value is None}
        for lang in LANGUAGES:
            page = site.page(policy_path(policy, lang))
            body = text(page.query(".rb-clauses"))
            assert not PARAMETER.search(body), (policy.id, lang)
            for clause in policy.walk():
                used = [n for n in PARAMETER.findall(clause.text.zh if clause.text else "") if n in unfilled]
                if not used:
                    continue
                paragraphs = own(section_of(page, clause.id), "rb-clause__text")
                blanks = [text(b) for p in paragraphs for b in p.query_all(".rb-blank")]
                labels = [unfilled[n].label.get("en") if lang == "en" else convert(unfilled[n].label.zh, policy.script, lang) for n in used]
                assert blanks == labels, (policy.id, clause.id, lang)
                checked += 1
    assert checked > 0


@pytest.mark.slow
def test_editorial_notes_are_shown_on_their_clause(handbook, site):
    checked = 0
    for policy in handbook.policies.values():
        page = site.page(policy_path(policy, "zh-Hant"))
        for note in policy.editorial_notes:
            notes = [text(n) for n in own(section_of(page, note.clause), "rb-note")]
            # A repair quotes the garbled original; a flag on verbatim text has none, only its reason.
            shown = note.original if note.is_repair else note.reason.zh[:20]
            assert any(shown in n for n in notes), (policy.id, note.clause)
            checked += 1
    assert checked > 0


# Ways in


@pytest.mark.slow
def test_the_role_index_lists_every_clause_that_names_a_role(handbook, site):
    for role in handbook.roles.values():
        page = site.page(f"en/roles/{role.id}/")
        links = {urldefrag(a.etree_element.get("href"))[1] for a in page.query_all("a.rb-role__clause")}
        named = {c.id for p in handbook.policies.values() for c in p.walk() if role.id in c.applies_to}
        assert named <= links, role.id
        assert text(page.query("h1")) == role.name.get("en")


@pytest.mark.slow
def test_the_coverage_matrix_links_each_topic_to_its_clauses_and_shows_gaps(handbook, site):
    page = site.page("en/coverage/")
    regulations = sorted((p for p in handbook.policies.values() if p.type == "regulation"), key=lambda p: p.id)
    header = [text(th) for th in page.query_all("#topics + .rb-table-wrap thead th")][1:]
    assert header == [p.title.get("en") for p in regulations]
    for topic in handbook.topics.values():
        row = page.query(f"#topic-{topic.id}")
        cells = list(row.query_all("td"))
        assert len(cells) == len(regulations)
        for policy, cell in zip(regulations, cells):
            covering = {c.id for c in policy.walk() if topic.id in c.topics}
            linked = {urldefrag(a.etree_element.get("href"))[1] for a in cell.query_all("a")}
            assert linked == covering, (topic.id, policy.id)
            assert ("rb-missing" in cell.etree_element.get("class")) == (not covering)
    # The same gaps, listed by regulation: the topics a policy owner has to add a clause for.
    listed = [[urldefrag(a.etree_element.get("href"))[1] for a in dd.query_all("a")] for dd in page.query_all(".rb-gaps dd")]
    expected = [[f"topic-{t.id}" for t in handbook.topics.values() if not any(t.id in c.topics for c in p.walk())]
                for p in regulations]
    assert listed == expected


@pytest.mark.slow
def test_the_glossary_lists_every_term_for_readers_without_the_checkers_data(handbook, site):
    page = site.page("zh-Hans/glossary/")
    rows = [[text(cell) for cell in tr.query_all("th, td")] for tr in page.query_all("tbody tr")]
    glossary_script = handbook.data["glossary"].script
    assert [(r[0], r[1]) for r in rows] == [(convert(t.zh, glossary_script, "zh-Hans"), t.en) for t in handbook.terms]
    shown = " ".join(" ".join(r) for r in rows)
    checker_only = [x for t in handbook.terms for x in [*t.accept, t.note or ""] if x and x not in t.search
                    and not any(x in other.en for other in handbook.terms)]
    assert checker_only and not [x for x in checker_only if x in shown]
    everyday = next(t for t in handbook.terms if any(re.search(r"[\u4e00-\u9fff]", w) for w in t.search))
    row = next(r for r in rows if r[1] == everyday.en)
    word = next(w for w in everyday.search if re.search(r"[\u4e00-\u9fff]", w))
    assert convert(word, glossary_script, "zh-Hans") in row[2]


@pytest.mark.slow
def test_every_checklist_has_a_printable_page_in_every_language(handbook, site):
    for policy in handbook.policies.values():
        for checklist in policy.checklists:
            for lang, folder in LANGUAGES.items():
                page = site.page(f"{folder}checklists/{policy.id}/{checklist.id}/")
                assert page.query("[data-print]") is not None
                policy_page = site.page(policy_path(policy, lang))
                hrefs = [a.etree_element.get("href") for a in policy_page.query_all(".rb-print a")]
                assert f"../../checklists/{policy.id}/{checklist.id}/" in hrefs


@pytest.mark.slow
def test_the_home_page_lists_every_policy_in_each_language(handbook, site):
    for lang, folder in LANGUAGES.items():
        cards = site.page(folder or "index.html").query_all("a.rb-card")
        assert sorted(urljoin("/" + folder, c.etree_element.get("href")) for c in cards) == sorted(
            "/" + policy_path(p, lang) for p in handbook.policies.values()
        )


# Search


def search_index(site, lang: str) -> dict:
    return json.loads((site.root / "search" / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_each_language_has_its_own_index_with_one_entry_per_clause(handbook, site):
    shared = json.loads((site.root / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert shared["docs"] == []  # the search worker reads its page's language only
    for lang, folder in LANGUAGES.items():
        index = search_index(site, lang)
        entries = [d["location"] for d in index["docs"] if "?clause=" in d["location"]]
        assert len(entries) == len(set(entries))
        expected = {
            f"{folder}policies/{p.id}/?clause={c.id}" for p in handbook.policies.values() for c in p.walk() if c.text
        }
        assert set(entries) == expected
        assert all(d["location"].startswith(folder) for d in index["docs"])


@pytest.mark.slow
def test_the_search_index_finds_chinese_words_in_either_script(handbook, site):
    clause = next(c for p in handbook.policies.values() for c in p.walk() if c.text and c.title and "報銷" in c.title.zh)
    for lang, folder in (("zh-Hant", ""), ("zh-Hans", "zh-Hans/")):
        index = search_index(site, lang)
        assert re.fullmatch(index["config"]["separator"], "\u200b")
        assert index["config"]["pipeline"] == ["stopWordFilter"]
        assert "words" in index["config"]["fields"]
        entry = next(d for d in index["docs"] if d["location"] == f"{folder}policies/{clause.policy.id}/?clause={clause.id}")
        tokens = set(re.split(index["config"]["separator"], entry["title"] + " " + entry["text"] + " " + entry["words"]))
        assert {"報銷", "报销"} <= tokens


@pytest.mark.slow
def test_an_untitled_clause_is_titled_by_its_section_not_its_first_sentence(handbook, site):
    index = {d["location"]: d for d in search_index(site, "zh-Hant")["docs"]}
    clause = next(c for p in handbook.policies.values() for c in p.walk()
                  if c.title is None and c.text and c.parent is not None and c.parent.title and len(c.text.zh) > 30)
    title = index[f"policies/{clause.policy.id}/?clause={clause.id}"]["title"].replace("\u200b", "")
    assert convert(clause.parent.title.zh, clause.policy.script, "zh-Hant") in title
    assert clause.text.zh[:10] not in title


@pytest.mark.slow
def test_a_clause_is_found_by_the_everyday_words_of_the_glossary_terms_it_uses(handbook, site):
    term = next(t for t in handbook.terms if t.search and any(w for w in t.search if not re.search(r"[\u4e00-\u9fff]", w)))
    clause = next(c for p in handbook.policies.values() for c in p.walk()
                  if c.text and term.zh in convert(c.text.zh, p.script, handbook.script_of("glossary")))
    english = next(w for w in term.search if not re.search(r"[\u4e00-\u9fff]", w))
    for lang, folder in LANGUAGES.items():
        entry = next(d for d in search_index(site, lang)["docs"]
                     if d["location"] == f"{folder}policies/{clause.policy.id}/?clause={clause.id}")
        assert english in entry["words"], (lang, term.zh, clause.id)


@pytest.mark.slow
def test_pages_that_repeat_policy_text_are_not_searched(site):
    locations = [d["location"] for lang in LANGUAGES for d in search_index(site, lang)["docs"]]
    assert locations
    assert not [loc for loc in locations if "/parallel/" in loc or re.match(r"^((zh-Hans|en)/)?roles/", loc)]


# Offline


@pytest.mark.slow
def test_no_page_asks_an_outside_host_for_anything(site):
    offending = []
    for file in site.html_files():
        page = site.page(str(file.relative_to(site.root)))
        for element in page.query_all("[src], link[href], [srcset], [style]"):
            attributes = element.etree_element.attrib
            for name in ("src", "href", "srcset"):
                value = attributes.get(name, "")
                if value and outside(value) and (name != "href" or element.etree_element.tag == "link"):
                    offending.append(f"{file.relative_to(site.root)}: <{element.etree_element.tag} {name}={value}>")
            if re.search(r"url\(\s*['\"]?(https?:)?//", attributes.get("style", "")):
                offending.append(f"{file.relative_to(site.root)}: inline style with an outside url()")
        for a in page.query_all("a[href]"):
            if outside(a.etree_element.get("href")):
                offending.append(f"{file.relative_to(site.root)}: link to {a.etree_element.get('href')}")
        raw = file.read_text(encoding="utf-8")
        if "fonts.googleapis" in raw or "fonts.gstatic" in raw:
            offending.append(f"{file.relative_to(site.root)}: web fonts")
    for css in site.root.rglob("*.css"):
        for match in re.finditer(r"(?:url\(|@import)\s*['\"]?((?:https?:)?//[^'\")\s]+)", css.read_text(encoding="utf-8")):
            offending.append(f"{css.relative_to(site.root)}: {match.group(1)}")
    assert not offending, "\n".join(offending[:20])


@pytest.mark.slow
def test_generated_pages_are_not_written_into_the_project(built, tmp_path):
    handbook, site = built
    docs = handbook.root / "docs"
    assert not (docs / "policies").exists() and not (docs / "zh-Hans").exists()
    assert sorted(p.name for p in docs.rglob("*.md")) == sorted(p.name for p in (ROOT / "docs").rglob("*.md"))
