"""Accessibility of every kind of page, in light and dark mode: axe (axe-playwright-python) in Debian's chromium.

No serious or critical violation is allowed; the report names each rule and the elements it found.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from test_browser import browser, served  # noqa: F401 (fixtures: one site build and one browser for this module)

pytestmark = pytest.mark.slow  # axe in a real browser on a built site

# One page of each kind the site has, in the language whose pages differ most in layout (Chinese and English).
PAGES = [
    "", "en/", "policies/operations-wall-rules/", "en/policies/operations-wall-rules/",
    "policies/operations-wall-rules/parallel/", "roles/", "roles/sales-department/", "coverage/", "glossary/",
    "printing/", "en/glossary/", "404.html",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_accessibility_violation(browser, served, scheme):  # noqa: F811
    _, base = served
    axe = Axe()
    found = []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    for path in PAGES:
        page.goto(base + path)  # "load": the page, its stylesheets and scripts (the search index may follow)
        expected = "slate" if scheme == "dark" else "default"
        assert page.locator("body").get_attribute("data-md-color-scheme") == expected, path
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
                found.append(f"{path or '/'}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])}×) {targets}")
    context.close()
    assert not found, "\n".join(found)
