"""The real corpus: every seed's text is in its policy, verbatim after clean-up, and the handbook checks clean.

Rebuilding the Chinese from a policy (title, then each clause's title and text in order, blanks and editorial repairs
put back as the source had them) must give the cleaned source, so no item can be lost or reworded silently. Fidelity is
a fact about the imported text: a clause marked `changed: VERSION` is an amendment and is not compared; every other
clause must still be the source's text, in the source's order, and the source's text that no such clause carries may
fall in at most as many places as the policy has amended clauses and retired ids.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from generator.check import check
from generator.cleanup import clean, remove_pinyin
from generator.loader import load
from generator.model import PARAMETER, Policy
from generator.project import Project

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "sources"
PROJECT = Project(ROOT)
REGULATIONS = {
    "000_43cb1eccbd474a91.txt": "heitie-operations",
    "001_15e88a274afab676.txt": "operations-responsibilities",
    "002_accb335824e5cb0b.txt": "operations-wall-rules",
    "004_1c63fdf1019f38bd.txt": "operations-center",
}
GUIDE = ("003_97410b3821ddc5ba.txt", "operations-rules-guide")

# Number markers (一、 （一） 1. 1、) and the separators a heading loses when it is split from its text.
MARKERS = re.compile(r"[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\(\s*[一二三四五六七八九十]+\s*\)|(?<![0-9:])\d{1,2}[.、](?![0-9])")
IGNORED = re.compile(r"[\s：:•]")


def normalise(text: str) -> str:
    return IGNORED.sub("", MARKERS.sub("", text))


@pytest.fixture(scope="module")
def handbook():
    hb, findings, broken = load(PROJECT)
    assert not broken, f"policy files that do not load: {broken}"
    return hb


def pieces(policy: Policy) -> list[tuple[str, str, bool]]:
    """(clause id, its Chinese as the source had it, whether it is a declared amendment) for the title and each clause
    in order: blanks back to [label], repairs back to the garbled original."""
    repairs: dict[str, list] = {}
    for note in [n for n in policy.editorial_notes if n.is_repair]:
        repairs.setdefault(note.clause, []).append(note)
    out = [("(title)", policy.source_title or policy.title.zh, False)]
    for clause in policy.walk():
        text = "".join(t.zh for t in (clause.title, clause.text) if t)
        if not clause.changed:
            for note in repairs.get(clause.id, []):
                assert note.restored in text
                text = text.replace(note.restored, remove_pinyin(note.original)[0], 1)
        out.append((clause.id, text, bool(clause.changed)))
    # A blank as the source showed it: its label, or what the source showed where an editor wrote the label.
    label = lambda m: f"[{policy.parameter(m[1]).source_shown or policy.parameter(m[1]).label.zh}]"  # noqa: E731
    return [(ident, PARAMETER.sub(label, text), amended) for ident, text, amended in out]


def rebuild(policy: Policy) -> str:
    return "\n".join(text for _, text, _ in pieces(policy))


def amendments(policy: Policy) -> int:
    """How many places the source's text may be missing from: one per amended clause and per retired id."""
    return sum(1 for c in policy.walk() if c.changed) + len(policy.retired_ids)


def fidelity_problems(policy: Policy, source: str) -> list[str]:
    """Why the policy's unamended clauses are not the (normalised, cleaned) source's text, in order; [] when they are."""
    position, gaps, problems = 0, [], []
    for ident, text, amended in pieces(policy):
        text = normalise(text)
        if amended or not text:
            continue
        if source.startswith(text, position):
            position += len(text)
            continue
        found = source.find(text, position)
        if found < 0:
            problems.append(f"clause '{ident}' is not marked `changed:`, but its Chinese is not the source's next text: "
                            + first_difference(source[position:], text))
            continue
        gaps.append(source[position:found])
        position = found + len(text)
    if position < len(source):
        gaps.append(source[position:])
    if len(gaps) > amendments(policy):
        problems.append(f"the source's text is missing from {len(gaps)} places, but the policy declares {amendments(policy)} "
                        f"amended clauses and retired ids; first: …{gaps[0][:40]}…")
    return problems


def first_difference(a: str, b: str) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at character {i}:\n  source: …{a[max(0, i - 30):i + 30]}…\n  policy: …{b[max(0, i - 30):i + 30]}…"


def cleaned_source(policy: Policy, root: Path = ROOT) -> str:
    return clean((root / policy.source).read_text(encoding="utf-8")).text


@pytest.mark.parametrize("seed, policy_id", sorted(REGULATIONS.items()))
def test_regulation_carries_its_source_verbatim(handbook, seed, policy_id):
    policy = handbook.policies[policy_id]
    assert policy.source == f"sources/{seed}"
    problems = fidelity_problems(policy, normalise(cleaned_source(policy)))
    assert problems == []


@pytest.mark.parametrize("seed, policy_id", sorted(REGULATIONS.items()))
def test_every_numbered_item_of_the_source_is_a_numbered_clause(handbook, seed, policy_id):
    """Counting markers in the source and numbered clauses per level gives the same numbers, level by level."""
    text = clean((SEEDS / seed).read_text(encoding="utf-8")).text
    policy = handbook.policies[policy_id]
    if amendments(policy):
        pytest.skip("the numbering was amended since the import; the fidelity test still holds the text")
    chapters = re.findall(r"[一二三四五六七八九十]+、(?=\D)", text)
    sections = re.findall(r"（[一二三四五六七八九十]+）", text)
    numbered = [c for c in policy.walk() if c.number is not None]
    assert len([c for c in numbered if c.level == 1]) == len(chapters)
    assert len([c for c in numbered if c.level == 2]) == len(sections)
    # Items: every numbered level-3 clause's number matches a "N." or "N、" marker in the source, in order.
    items = [c.number for c in numbered if c.level == 3]
    markers = [int(n) for n in re.findall(r"(?<![0-9:])(\d{1,2})[.、](?![0-9])", text)]
    assert items == markers[: len(items)] and len(items) == len(markers), (items, markers)


@pytest.mark.parametrize("seed, policy_id", sorted(REGULATIONS.items()))
def test_truncation_is_recorded(handbook, seed, policy_id):
    policy = handbook.policies[policy_id]
    assert clean((SEEDS / seed).read_text(encoding="utf-8")).truncated
    assert policy.truncated and policy.provenance_note is not None
    assert policy.source == f"sources/{seed}"


def test_guide_carries_the_accepted_answer_and_lists(handbook):
    seed, policy_id = GUIDE
    policy = handbook.policies[policy_id]
    rebuilt = normalise(rebuild(policy))
    source = clean((SEEDS / seed).read_text(encoding="utf-8")).text
    lines = [normalise(line) for line in source.splitlines()]
    lines = [line for line in lines if line]
    assert normalise(policy.source_title or policy.title.zh) == lines[0]
    position, missing = 0, []
    for line in lines[1:]:  # the first line is the question: the policy's title
        found = rebuilt.find(line, position)
        if found < 0:
            missing.append(line)
            continue
        position = found + len(line)
    # A source line may be missing only where an amended clause or a retired id stands in for it.
    assert len(missing) <= amendments(policy), f"source lines missing or out of order: {[line[:40] for line in missing]}"
    whole = normalise(source)
    assert all(normalise(text) in whole for _, text, amended in pieces(policy) if not amended), "an unamended clause is not the source's text"
    assert policy.type == "guidance" and policy.script == "zh-Hans" and not policy.truncated


def test_garbled_spans_are_all_repaired_and_recorded(handbook):
    for seed, policy_id in REGULATIONS.items():
        raw = (SEEDS / seed).read_text(encoding="utf-8")
        policy = handbook.policies[policy_id]
        spans = [span for _, span in clean(raw).garbled]
        repairs = [n for n in policy.editorial_notes if n.is_repair]
        originals = [remove_pinyin(n.original)[0] for n in repairs]
        for span in spans:
            assert any(span in o or o in span for o in originals), f"{policy_id}: garbled span {span!r} has no editorial note"
        for note in repairs:
            assert note.original in raw, f"{policy_id}: editorial note original {note.original!r} is not in the raw source"
            assert "?" not in note.restored and not re.search(r"[\ue000-\uf8ff]", note.restored)
        for clause in policy.walk():
            for t in (clause.title, clause.text):
                assert not t or not re.search(r"[\ue000-\uf8ff]|\?", t.zh), f"{policy_id}#{clause.id} still holds garbled text"


def test_blanks_stay_visible_parameters(handbook):
    policy = handbook.policies["operations-wall-rules"]
    blanks = clean((SEEDS / "002_accb335824e5cb0b.txt").read_text(encoding="utf-8")).blanks
    assert len(blanks) == 11
    # What the source showed for each blank is kept: as its label, or beside an editor's label.
    shown = Counter(p.source_shown or p.label.zh for p in policy.parameters)
    assert not Counter(blanks) - shown, "a blank of the source is no parameter"
    # A blank the company filled in is an amendment, so it names the version that filled it.
    assert all(p.changed for p in policy.parameters if p.value is not None)
    # A blank the source only marks X says what it asks for.
    assert not [p.id for p in policy.parameters if p.label.zh.strip() in ("X", "x", "Ｘ")]


def test_the_whole_handbook_checks_clean():
    _, findings = check(PROJECT, today=date(2026, 12, 1))
    errors = [f.format() for f in findings if f.severity == "error"]
    assert errors == []
    glossary = [f.format() for f in findings if f.code == "W120"]
    assert glossary == []
    # The only warnings allowed are the company's own blanks in the wall rules.
    assert {f.code for f in findings} <= {"W101"}


def test_glossary_has_at_least_sixty_terms(handbook):
    assert len(handbook.terms) >= 60
    assert len({t.zh for t in handbook.terms}) == len(handbook.terms), "a Chinese term is listed twice"


def test_every_required_topic_is_covered_by_a_regulation(handbook):
    for topic in handbook.topics.values():
        covering = [c for c in handbook.covering(topic.id) if c.policy.type == "regulation"]
        assert covering, topic.id
        assert handbook.resolve(topic.source, handbook.policies["operations-rules-guide"]) is not None
