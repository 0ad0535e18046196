"""The real posters: every poster the policies in policies/ declare, printed and checked as a printer would.

One page of the asked size, embedded and subset CJK fonts, every selected rule on the sheet, a QR code that opens
the clause's page, no line starting with closing punctuation; and the posters issue 6 asks for are declared.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pypdf
import pytest
from test_poster import (
    FONT_FAMILY,
    SIZES_PT,
    expected_pieces,
    fonts,
    line_faults,
    lowest_rule_line_and_footer,
    page_sizes,
    qr_codes,
    squeezed,
    text,
)

from generator import config, languages
from generator.loader import load
from generator.poster import print_poster
from generator.project import Project
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Project(ROOT)
# The address the QR codes lead to: the project's own when mkdocs.yml names one, else a stand-in.
BASE = config.load(PROJECT).site_url or "https://handbook.example.com/"
LANGS = languages.default().codes


def _declared() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PROJECT.policies.glob("*.yaml")):
        data = safe_load(path.read_text(encoding="utf-8"))
        found += [(data["id"], p["id"]) for p in data.get("posters", [])]
    return found


POSTERS = _declared()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not POSTERS, reason="no policy in policies/ declares a poster yet")]


@lru_cache(maxsize=None)
def _handbook():
    handbook, _, broken = load(PROJECT)
    assert not broken, broken
    return handbook


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("real-posters")


_printed: dict[tuple, Path] = {}


def printed(out: Path, policy_id: str, poster_id: str, lang: str, size: str = "A3") -> Path:
    key = (policy_id, poster_id, lang, size)
    if key not in _printed:
        policy = _handbook().policies[policy_id]
        poster = next(p for p in policy.posters if p.id == poster_id)
        sheet = print_poster(_handbook(), policy, poster, PROJECT, lang, size, BASE)
        path = out / f"{policy_id}-{poster_id}-{lang}-{size}.pdf"
        path.write_bytes(sheet.pdf)
        _printed[key] = path
    return _printed[key]


def policy_data(policy_id: str) -> dict:
    return safe_load((PROJECT.policies / f"{policy_id}.yaml").read_text(encoding="utf-8"))


def test_the_posters_issue_6_asks_for_are_declared():
    declared = set(POSTERS)
    assert {("operations-wall-rules", p) for p in ("attendance", "work-discipline", "conduct")} <= declared
    for path in sorted(PROJECT.policies.glob("*.yaml")):
        data = safe_load(path.read_text(encoding="utf-8"))
        if data["type"] == "regulation":
            assert (data["id"], "basic-principles") in declared, data["id"]


@pytest.mark.parametrize("policy_id,poster_id", POSTERS)
@pytest.mark.parametrize("lang", LANGS)
def test_real_poster(out, tmp_path, policy_id, poster_id, lang):
    pdf = printed(out, policy_id, poster_id, lang)
    assert page_sizes(pdf) == [pytest.approx(SIZES_PT["A3"], abs=0.5)]

    rows = fonts(pdf)
    assert rows and all(r["emb"] == "yes" and r["sub"] == "yes" for r in rows), rows
    script = lang if lang != "en" else policy_data(policy_id)["script"]
    assert any(FONT_FAMILY[script] in r["name"] for r in rows), rows

    data = policy_data(policy_id)
    selected = next(p for p in data["posters"] if p["id"] == poster_id)["clauses"]
    sheet = squeezed(text(pdf))
    missing = [p for p in expected_pieces(data, selected, lang) if squeezed(p) not in sheet]
    assert not missing

    folder = "" if lang == "zh-Hant" else f"{lang}/"
    assert qr_codes(pdf, tmp_path) == [f"{BASE.rstrip('/')}/{folder}policies/{policy_id}/#{selected[0]}"]
    if lang != "en":
        assert line_faults(pdf) == []
    last, footer, height = lowest_rule_line_and_footer(pdf)
    assert footer - last < height / 8  # the type fills the sheet


@pytest.mark.parametrize("policy_id,poster_id", POSTERS)
@pytest.mark.parametrize("size", ["A4", "A2"])
def test_real_poster_fits_every_sheet_size(out, policy_id, poster_id, size):
    for lang in ("zh-Hant", "en"):
        pdf = printed(out, policy_id, poster_id, lang, size)
        assert page_sizes(pdf) == [pytest.approx(SIZES_PT[size], abs=0.5)]


@pytest.mark.parametrize("lang", ["zh-Hant", "en"])
def test_every_poster_has_a_pdf_title_of_its_own_naming_its_policy(out, lang):
    titles = {}
    for policy_id, poster_id in POSTERS:
        title = pypdf.PdfReader(printed(out, policy_id, poster_id, lang)).metadata.title
        policy = policy_data(policy_id)["title"]["zh" if lang != "en" else "en"]
        assert policy in title, (policy_id, poster_id, title)
        titles.setdefault(title, []).append(f"{policy_id}/{poster_id}")
    assert not {t: p for t, p in titles.items() if len(p) > 1}, "posters share a PDF title"
