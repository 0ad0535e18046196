"""The built site in a real browser: Debian's chromium, driven by Playwright, on a local HTTP server.

Search finds the expense-reimbursement clause for 報銷 and for 报销 (and for an English word on the English site),
the language menu lands on the same policy and clause, a cross-reference leads to its target clause, and no page
asks any other host for anything.
"""

from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from generator.loader import load
from generator.model import Clause
from generator.project import Project
from generator.scripts import convert

pytestmark = pytest.mark.slow  # a real browser on a built site

CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by the README's set-up (make setup)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(corpus_site):
    root, out = corpus_site
    handbook, _, _ = load(Project(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handbook, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make setup` (apt-get install chromium)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, served):
    _, base = served
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    outside: list[str] = []
    tab.on("request", lambda request: None if request.url.startswith((base, "data:")) else outside.append(request.url))
    yield tab
    context.close()
    assert not outside, f"requests to other hosts: {outside}"


@pytest.fixture(scope="module")
def reimbursement(served) -> Clause:
    handbook, _ = served
    # A clause with words of its own: a bare heading is not a search result (its clauses are).
    return next(c for p in handbook.policies.values() for c in p.walk() if c.text and c.title and "費用報銷" in c.title.zh)


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def search(page, query: str) -> list[str]:
    """Type into Material's search box and return the addresses of the results shown."""
    box = page.locator("input.md-search__input")
    box.click()
    page.wait_for_timeout(1500)  # the search worker loads the index
    box.fill(query)
    box.press("End")  # fill() fires no keyup, and Material searches on keyup
    page.wait_for_timeout(1500)
    links = page.eval_on_selector_all(".md-search-result__item:not([hidden]) a[href]", "links => links.map(a => a.href)")
    return [re.sub(r"\?h=[^#]*", "", link) for link in links]  # search.highlight adds ?h=<query>


@pytest.mark.parametrize("query", ["報銷", "报销"])
def test_searching_a_chinese_word_in_either_script_finds_the_clause(page, served, reimbursement, query):
    _, base = served
    open_page(page, base)
    results = search(page, query)
    wanted = f"{base}policies/{reimbursement.policy.id}/#{reimbursement.id}"
    assert wanted in results, results[:10]


def test_searching_simplified_on_the_simplified_site_finds_the_clause_there(page, served, reimbursement):
    _, base = served
    open_page(page, base + "zh-Hans/")
    results = search(page, "報銷")
    assert f"{base}zh-Hans/policies/{reimbursement.policy.id}/#{reimbursement.id}" in results, results[:10]


def test_searching_an_english_word_on_the_english_site_finds_the_clause(page, served, reimbursement):
    _, base = served
    open_page(page, base + "en/")
    results = search(page, "reimbursement")
    assert f"{base}en/policies/{reimbursement.policy.id}/#{reimbursement.id}" in results, results[:10]


def switch_language(page, lang: str) -> None:
    page.locator(".md-header__option .md-select").hover()
    page.locator(f'a.md-select__link[hreflang="{lang}"]').click()
    page.wait_for_load_state("networkidle")


def test_switching_language_stays_on_the_same_policy_and_clause(page, served, reimbursement):
    _, base = served
    policy = reimbursement.policy
    open_page(page, f"{base}policies/{policy.id}/")
    switch_language(page, "en")
    assert page.url == f"{base}en/policies/{policy.id}/"
    assert page.locator("html").get_attribute("lang") == "en"
    open_page(page, f"{base}en/policies/{policy.id}/#{reimbursement.id}")
    switch_language(page, "zh-Hans")
    assert page.url == f"{base}zh-Hans/policies/{policy.id}/#{reimbursement.id}"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"


def test_a_cross_reference_leads_to_its_target_clause(page, served):
    handbook, base = served
    source, ref = next(
        (c, r) for p in handbook.policies.values() for c in p.walk() for r in c.refs
        if isinstance(handbook.resolve(r, p), Clause) and handbook.resolve(r, p).policy is not p
    )
    target = handbook.resolve(ref, source.policy)
    open_page(page, f"{base}policies/{source.policy.id}/#{source.id}")
    link = page.locator(f'[id="{source.id}"]').locator("xpath=..").locator(
        f'a.rb-ref[href="../{target.policy.id}/#{target.id}"]'
    )
    link.first.click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}policies/{target.policy.id}/#{target.id}"
    heading = page.locator(f'[id="{target.id}"]')
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, box
    if target.title is not None:
        assert convert(target.title.zh, target.policy.script, "zh-Hant") in heading.inner_text()


# Phones and links

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, served):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


def test_on_a_phone_the_first_clause_and_the_role_finder_need_no_scrolling(phone, served):
    handbook, base = served
    for policy in handbook.policies.values():
        open_page(phone, f"{base}policies/{policy.id}/")
        first = phone.locator(".rb-clauses .rb-clause").first.bounding_box()
        assert first is not None and first["y"] < PHONE["height"] - 40, (policy.id, first)
    open_page(phone, base)
    finder = phone.locator("form[data-role-finder]").bounding_box()
    assert finder is not None and finder["y"] + finder["height"] <= PHONE["height"], finder


def test_on_a_phone_every_copy_link_button_is_a_whole_touch_target_on_screen(phone, served):
    handbook, base = served
    for policy in handbook.policies.values():
        open_page(phone, f"{base}policies/{policy.id}/")
        boxes = phone.eval_on_selector_all(
            "a.rb-anchor", "links => links.map(a => { const r = a.getBoundingClientRect(); return [a.dataset.clause, r.left, r.right, r.width, r.height]; })"
        )
        assert boxes
        bad = [b for b in boxes if b[3] < 24 or b[4] < 24 or b[1] < 0 or b[2] > PHONE["width"]]
        assert not bad, (policy.id, bad[:5])


def test_a_copied_clause_link_drops_the_search_highlight(page, served, reimbursement):
    _, base = served
    policy = reimbursement.policy
    open_page(page, f"{base}policies/{policy.id}/?h=%E5%A0%B1%E9%8A%B7#{reimbursement.id}")
    copied = page.locator(f'a.rb-anchor[data-clause="{reimbursement.id}"]').get_attribute("data-clipboard-text")
    assert copied == f"{base}policies/{policy.id}/#{reimbursement.id}"


def test_switching_language_keeps_the_clause_at_the_top_of_the_screen_without_a_fragment(page, served):
    handbook, base = served
    policy = handbook.policies["operations-wall-rules"] if "operations-wall-rules" in handbook.policies else next(iter(handbook.policies.values()))
    clauses = [c for c in policy.walk() if c.text is not None and (c.title is not None or c.number is not None)]
    target = clauses[len(clauses) // 2]
    open_page(page, f"{base}policies/{policy.id}/")
    page.evaluate("id => { document.getElementById(id).scrollIntoView(); window.scrollBy(0, -80); }", target.id)
    assert "#" not in page.url
    switch_language(page, "en")
    assert page.url == f"{base}en/policies/{policy.id}/#{target.id}"


def test_no_page_asks_for_a_file_the_site_does_not_have(page, served):
    _, base = served
    missing: list[str] = []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    for path in ("", "en/policies/operations-wall-rules/", "glossary/"):
        open_page(page, base + path)
    assert not missing


def test_the_not_found_page_speaks_every_language_and_leads_home_in_each(page, served):
    handbook, base = served
    open_page(page, base + "404.html")
    homes = page.eval_on_selector_all("article a[hreflang]", "links => links.map(a => a.getAttribute('hreflang'))")
    assert homes == [lang.code for lang in handbook.languages]
    assert page.locator("h1").count() == 1
