"""Mutated real policies (types, nesting, unicode, dates, raw YAML snippets): `check`, `diff` and the renderers never
raise, and whatever `check` passes the site, poster and checklist renderers render."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.check import check
from generator.cli import main
from generator.diff import Comparison, compare_policy, render
from generator.loader import build_policy, load_valid
from generator.project import Project
from generator.source import safe_load

pytestmark = pytest.mark.slow  # generated policies through every command

ROOT = Path(__file__).resolve().parents[1]
REAL = sorted((ROOT / "policies").glob("*.yaml"))
TODAY = "2026-06-01"

dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "10000-01-01", "2026-1-1", "２０２６-01-01"]),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30), st.floats(), st.text(max_size=30), dates,
    st.sampled_from(["", "{x}", "#", "#no-such", "external:", "<script>alert(1)</script>", "=HYPERLINK(\"x\")",
                     "規" * 500, "{{ 7*7 }}", "\u202e", "\u2028", "a" * 70, "zh", "en", "clauses"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
snippets = st.sampled_from([
    "!!python/object/apply:os.system [id] ", "&a ", "*a ", "[" * 60, "{" * 60, "\t", "\0", "---\n", "? ", "<<: ", ": ",
    "'", '"', "!!bool maybe ", "!!int '' ", "!custom ", "- ", "\ufeff", "\x85", "%YAML 1.1\n",
])


def _paths(data, at=()):
    yield at
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, at + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, at + (i,))


def _set(data, at, value):
    if not at:
        return value
    parent = data
    for step in at[:-1]:
        parent = parent[step]
    parent[at[-1]] = value
    return data


def _get(data, at):
    for step in at:
        data = data[step]
    return data


@st.composite
def mutated_policy(draw) -> tuple[Path, str]:
    source = draw(st.sampled_from(REAL))
    data = safe_load(source.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        at = draw(st.sampled_from(paths))
        # Rewording a text keeps the policy valid, so the renderers see it too; the others mostly break it.
        kind = draw(st.sampled_from(["reword", "reword", "reword", "replace", "delete", "nest", "duplicate", "deepen"]))
        if kind == "reword":
            texts = [p for p in paths if p and p[-1] in ("zh", "en") and isinstance(_get(data, p), str) and "{" not in _get(data, p)]
            if texts:
                words = st.text(st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), min_size=1, max_size=60)
                data = _set(data, draw(st.sampled_from(texts)), draw(words.filter(str.strip)))
        elif kind == "replace":
            data = _set(data, at, draw(values))
        elif kind == "delete" and at:
            parent = _get(data, at[:-1])
            del parent[at[-1]]
        elif kind == "nest":
            value = _get(data, at)
            for _ in range(draw(st.integers(1, 60))):
                value = [value]
            data = _set(data, at, value)
        elif kind == "duplicate" and at and isinstance(_get(data, at[:-1]), list):
            _get(data, at[:-1]).append(_get(data, at))
        elif kind == "deepen":  # a chain of clauses, each the only child of the one before
            chain = {"id": "deep-end", "text": {"zh": "甲", "en": "A"}}
            for depth in range(draw(st.integers(1, 40))):
                chain = {"id": f"deep-{depth}", "title": {"zh": "乙", "en": "B"}, "clauses": [chain]}
            if isinstance(data, dict) and isinstance(data.get("clauses"), list):
                data["clauses"].append(chain)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)
    if draw(st.integers(0, 3)) == 0:  # a raw snippet somewhere: what no YAML dumper writes
        offset = draw(st.integers(0, len(text)))
        text = text[:offset] + draw(snippets) + text[offset:]
    return source, text


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "project"
    shutil.copytree(ROOT / "policies", root / "policies")  # the others too: references between policies resolve
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    return root


@settings(max_examples=25, deadline=timedelta(seconds=60), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=mutated_policy())
def test_no_command_raises_on_a_mutated_policy(case, corpus_copy, capsys):
    source, text = case
    project = Project(corpus_copy)
    target = project.policies / source.name
    target.write_text(text, encoding="utf-8", errors="surrogatepass")

    code = main(["-C", str(project.root), "check", "--today", TODAY, "--format", "json", str(target)])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert code == (1 if any(f["severity"] == "error" for f in report["findings"]) else 0)

    # diff: the real policy against the mutated one, when the mutated one loads at all
    original = build_policy(load_valid(source, "policy", []))
    doc = load_valid(target, "policy", problems := [])
    if doc is not None and not problems:
        change = compare_policy(original, build_policy(doc))
        for fmt in ("text", "markdown", "json"):
            render(Comparison("HEAD", "working tree", [change] if change else [], []), project, fmt)

    # whatever check passes, the renderers render (check predicts the build)
    handbook, findings = check(project, [target])
    event(f"check: {'errors' if any(f.severity == 'error' for f in findings) else 'clean'}")
    if not any(f.severity == "error" for f in findings) and handbook.policies:
        from generator import config
        from generator.checklist import table
        from generator.poster import poster_content
        from generator.site.render import SiteRenderer

        pages = SiteRenderer(handbook, project.templates / "site", config.localisers(project, handbook)).pages()
        assert pages
        for policy in handbook.policies.values():
            for poster in policy.posters:
                poster_content(handbook, policy, poster, "zh-Hant", None)
            for checklist in policy.checklists:
                table(handbook, policy, checklist)
    shutil.copy(source, target)  # the next example starts from the corpus as it is


numbering = st.sampled_from(["一、", "二、", "（一）", "（二）", "1.", "2.", "(1)", "第一條", "第十條", "①", "一百零一、"])
lines = st.one_of(numbering, st.text(max_size=40), st.builds(lambda n, t: n + t, numbering, st.text(max_size=30)),
                  st.sampled_from(["溫馨提示", "[X]", "規" * 3000, "?" * 50, "\ue000", "付費下載", "PAGE1"]))


@settings(max_examples=30, deadline=timedelta(seconds=30), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.lists(lines, min_size=1, max_size=30).map("\n".join))
def test_import_of_any_text_writes_a_policy_or_says_why_not(text, tmp_path_factory, capsys):
    from generator.source import load_document

    folder = tmp_path_factory.mktemp("import")
    source = folder / "source.txt"
    source.write_text(text, encoding="utf-8", errors="surrogatepass")
    output = folder / "imported.yaml"
    code = main(["import", str(source), "--id", "imported", "-o", str(output)])
    out, err = capsys.readouterr()
    assert code in (0, 1)
    if code == 0:
        doc, problems = load_document(output)
        assert doc is not None and not [p for p in problems if p.code in ("E001", "E002", "E004", "E005")], problems
    else:
        assert err.startswith("rulebook import: ") and not output.exists()
