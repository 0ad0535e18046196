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
from generator.scripts import convert
from test_site import build_site

pytestmark = pytest.mark.slow  # a real browser on a built site

CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by the README's set-up (make setup)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    project, out = build_site(tmp_path_factory.mktemp("browser"))
    handbook, _, _ = load(project)
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
    return next(c for p in handbook.policies.values() for c in p.walk() if c.title and "費用報銷" in c.title.zh)


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
