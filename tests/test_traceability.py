"""What the handbook claims about its clauses holds: every check restates its clause or is marked as the company's
addition, and clauses that say the same thing are tagged with the same topics.

The coverage matrix and the checklists are how a policy owner sees what the rules require; a check that asks more
than its clause, or a tag a clause does not earn, would show the owner rules the company does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.loader import load
from generator.model import Check
from generator.project import Project

ROOT = Path(__file__).resolve().parents[1]
# Words a tickable item adds to the clause's own to say "done": 已 (done), 並 and 及 (and).
TICK_WORDS = set("已並及并")
# A period the check repeats must be the source's: 每月 needs 月 (月度, 每月) somewhere in the clause's chapter.
PERIOD = {"daily": "日", "weekly": "週周", "monthly": "月", "quarterly": "季", "yearly": "年"}
HAN = re.compile(r"[\u3400-\u9fff]")


def own_words(check: Check) -> str:
    clause = check.clause
    return "".join(t.zh for t in (clause.title, clause.text) if t)


def added_characters(check: Check) -> list[str]:
    """Characters of the check that its clause's own words do not have: what it would add to the clause."""
    words = own_words(check)
    return [ch for ch in check.do.zh if HAN.match(ch) and ch not in words and ch not in TICK_WORDS]


def period_unstated(check: Check) -> bool:
    chapter = ([*check.clause.ancestors(), check.clause])[0]
    text = "".join(t.zh for c in chapter.walk() for t in (c.title, c.text) if t)
    marks = PERIOD.get(check.frequency, "")
    return bool(marks) and not any(m in text for m in marks)


@pytest.fixture(scope="module")
def handbook():
    hb, _, broken = load(Project(ROOT))
    assert not broken
    return hb


def test_the_rule_catches_a_completed_truncation_and_an_added_period():
    from types import SimpleNamespace as NS

    from generator.model import Text

    clause = NS(title=None, text=Text({"zh": "員工按照規定填寫費用報銷單，附上相關", "en": ""}), ancestors=lambda: [])
    clause.walk = lambda: [clause]
    completed = NS(do=Text({"zh": "已附上相關單據", "en": ""}), clause=clause, frequency="per-event")
    restated = NS(do=Text({"zh": "已附上相關…", "en": ""}), clause=clause, frequency="per-event")
    monthly = NS(do=Text({"zh": "已按規定填寫費用報銷單", "en": ""}), clause=clause, frequency="monthly")
    assert added_characters(completed) == ["據"]  # 單 is in 報銷單 already
    assert added_characters(restated) == [] and not period_unstated(restated)
    assert period_unstated(monthly)


def test_every_check_restates_its_clause_or_is_marked_as_an_addition(handbook):
    problems = []
    for policy in handbook.policies.values():
        for check in policy.checks():
            if check.addition is not None:
                continue
            added = added_characters(check)
            if added:
                problems.append(f"{policy.id}#{check.id}: 「{check.do.zh}」 has {''.join(added)}, which 「{own_words(check)}」 does not")
            if period_unstated(check):
                problems.append(f"{policy.id}#{check.id}: {check.frequency}, but its chapter states no such period")
    assert not problems, "restate the clause, or mark the check with addition: {owner, reason}:\n" + "\n".join(problems)


def test_every_addition_says_why_and_names_a_known_owner(handbook):
    additions = [(p, k) for p in handbook.policies.values() for k in p.checks() if k.addition]
    assert additions
    for policy, check in additions:
        assert check.addition.owner in handbook.roles, (policy.id, check.id)
        assert check.addition.reason.zh.strip() and check.addition.reason.written("en"), (policy.id, check.id)


def test_principles_of_the_same_name_carry_the_same_topics(handbook):
    by_title: dict[str, dict[str, list[str]]] = {}
    for policy in handbook.policies.values():
        for clause in policy.walk():
            if clause.kind == "principle" and clause.title:
                by_title.setdefault(clause.title.zh, {})[f"{policy.id}#{clause.id}"] = sorted(clause.topics)
    shared = {title: tagged for title, tagged in by_title.items() if len(tagged) > 1}
    assert shared, "no principle is shared between policies: this test checks nothing"
    for title, tagged in shared.items():
        assert len({tuple(t) for t in tagged.values()}) == 1, f"{title} is tagged differently: {tagged}"
