"""The model's own logic: how clause numbers read in Chinese and English, and when a review falls due."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from generator.loader import load
from generator.model import chinese_numeral
from generator.project import Project

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("n, text", [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (25, "二十五"), (99, "九十九")])
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text


@pytest.fixture(scope="module")
def handbook():
    return load(Project(ROOT))[0]


def test_labels_follow_depth(handbook):
    policy = handbook.policies["operations-wall-rules"]
    chapter = policy.clauses[4]  # 五、工作紀律與行為規範
    section = chapter.clauses[0]  # （一）考勤制度
    item = section.clauses[2]  # 3.遲到、早退處理
    assert (chapter.label(), section.label(), item.label()) == ("五、", "（一）", "3.")
    assert (chapter.label("en"), section.label("en"), item.label("en")) == ("5", "5.1", "5.1.3")


def test_style_overrides_depth(handbook, monkeypatch):
    policy = handbook.policies["operations-wall-rules"]
    item = policy.clauses[4].clauses[0].clauses[2]
    monkeypatch.setattr(item, "style", "sub-item")
    assert item.label() == "(3)"
    monkeypatch.setattr(item, "style", "chapter")
    assert item.label() == "三、"


def test_unnumbered_clause_has_no_label(handbook):
    training_plan = handbook.policies["operations-wall-rules"].clauses[3].clauses[1].clauses[0]
    assert [c.label() for c in training_plan.clauses] == ["", "", ""]


def test_next_review_from_interval_or_date(handbook, monkeypatch):
    policy = handbook.policies["heitie-operations"]
    assert policy.effective == date(2026, 12, 1) and policy.review_interval_months == 12
    assert policy.next_review == date(2027, 12, 1)
    monkeypatch.setattr(policy, "effective", date(2026, 1, 31))
    monkeypatch.setattr(policy, "review_interval_months", 1)
    assert policy.next_review == date(2026, 2, 28)  # no 31 February: the day is kept within every month
    monkeypatch.setattr(policy, "review_next", date(2027, 3, 1))
    assert policy.next_review == date(2027, 3, 1)


def test_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "generator", "check"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
