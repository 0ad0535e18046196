"""A returning reader in a real browser: after an amendment, the clauses changed since the version they last read
are marked and counted, remembered in their browser only (localStorage), and not again once read.
"""

from __future__ import annotations

import functools
import threading
from http.server import ThreadingHTTPServer

import pytest
from test_browser import QuietHandler, browser, open_page  # noqa: F401 (browser is a fixture)
from test_history import POLICY, amend, edit_sentence
from test_site import assemble_project

from generator.loader import load
from generator.project import Project
from generator.site.build import build

pytestmark = pytest.mark.slow  # a real browser on a built site


@pytest.fixture(scope="module")
def amended_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("amended")
    project = assemble_project(folder / "project")
    before = load(project)[0].policies[POLICY].version
    amend(project.root, edit_sentence, version="9.0.0")
    build(Project(project.root), folder / "site")
    policy = load(Project(project.root))[0].policies[POLICY]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield before, policy, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_returning_reader_sees_what_changed_since_their_last_visit(browser, amended_site):  # noqa: F811
    before, policy, base = amended_site
    changed = sorted(c.id for c in policy.walk() if c.changed == policy.version)
    assert changed
    context = browser.new_context()
    tab = context.new_page()
    url = f"{base}policies/{POLICY}/"

    open_page(tab, url)  # a first visit: nothing to compare with, so nothing is marked
    assert tab.locator(".rb-since").is_hidden()
    assert tab.evaluate(f"localStorage.getItem('rulebook:read:{POLICY}')") == policy.version

    tab.evaluate(f"localStorage.setItem('rulebook:read:{POLICY}', '{before}')")  # as if they had read the old one
    open_page(tab, url)
    assert tab.locator(".rb-since").is_visible()
    assert before in tab.locator(".rb-since").inner_text()
    marked = tab.eval_on_selector_all(".rb-clause--new-since", "sections => sections.map(s => s.getAttribute('data-changed'))")
    ids = tab.eval_on_selector_all(".rb-clause--new-since", "sections => sections.map(s => (s.id || s.querySelector('[id]').id))")
    assert sorted(ids) == changed and set(marked) == {policy.version}

    open_page(tab, url)  # read now: the next visit marks nothing
    assert tab.locator(".rb-since").is_hidden()
    context.close()
