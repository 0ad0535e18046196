"""Script conversion: words decide 著/着 and 發/髮, and every ambiguous character the handbook prints is reviewed.

OpenCC's character tables cannot tell 穿著 (着) from 顯著 (著); the handbook's reviewed words cover what they cannot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator import scripts
from generator.scripts import convert, unreviewed
from generator.source import safe_load

ROOT = Path(__file__).resolve().parents[1]


def test_taiwan_vocabulary_is_not_swapped():
    # Script only: tw2sp would turn 指標 into 指针 and 執行 into 运行, which changes the regulation's words.
    assert convert("考核指標的執行情況", "zh-Hant", "zh-Hans") == "考核指标的执行情况"


def test_simplified_to_traditional_decides_by_word():
    assert convert("头发的发展", "zh-Hans", "zh-Hant") == "頭髮的發展"


@pytest.fixture
def words_file(tmp_path, monkeypatch):
    """A words table of the test's own, in place of the handbook's."""
    path = tmp_path / "words.yaml"

    def write(data: dict) -> None:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        scripts.direction.cache_clear()

    monkeypatch.setattr(scripts, "WORDS_FILE", path)
    yield write
    scripts.direction.cache_clear()


def test_zhe_follows_the_word_not_the_character(words_file):
    # With no reviewed words of ours: OpenCC's Taiwan tables alone must decide 著. It is 着 as a verb suffix and in
    # 着装 (to dress), 著 in 显著 and 著名 (mainland usage; t2s leaves every 著 as it is).
    words_file({"zh-Hant to zh-Hans": {"ambiguous": "", "words": {}}})
    assert convert("員工應穿著整潔，按要求著裝，效果顯著，著名品牌", "zh-Hant", "zh-Hans") == "员工应穿着整洁，按要求着装，效果显著，著名品牌"


def test_a_reviewed_word_overrides_opencc(words_file):
    words_file({"zh-Hant to zh-Hans": {"ambiguous": "覆", "words": {"覆核": "复核"}}})
    assert convert("經覆核後答覆", "zh-Hant", "zh-Hans") == "经复核后答复"


def test_an_unreviewed_ambiguous_character_is_reported(words_file):
    words_file({"zh-Hant to zh-Hans": {"ambiguous": "乾著", "words": {"穿著": "穿着"}}})
    found = list(unreviewed("穿著乾淨", "zh-Hant", "zh-Hans"))
    assert [(f.index, f.char, f.expected) for f in found] == [(2, "乾", None)]
    assert found[0].converted == "穿着干净"


def test_every_ambiguous_character_must_lie_in_a_reviewed_word(words_file):
    # 顯著稱 holds one 著, inside 著稱 (reviewed) though not inside 顯著 as a whole word: covered once is enough.
    words_file({"zh-Hant to zh-Hans": {"ambiguous": "著", "words": {"著稱": "著称"}}})
    assert list(unreviewed("顯著稱", "zh-Hant", "zh-Hans")) == []
    assert [f.index for f in unreviewed("顯著", "zh-Hant", "zh-Hans")] == [1]


def _texts(data, script: str):
    if isinstance(data, dict):
        script = data.get("script", script) if isinstance(data.get("script"), str) else script
        for key, value in data.items():
            if key == "zh" and isinstance(value, str):
                yield script, value
            else:
                yield from _texts(value, script)
    elif isinstance(data, list):
        for value in data:
            yield from _texts(value, script)


def printed_texts():
    """Every Chinese text the handbook converts for a reader: policies, handbook data, pages, the site's and the
    posters' and checklists' own words."""
    for path in sorted([*ROOT.glob("policies/*.yaml"), *ROOT.glob("policies/handbook/*.yaml")]):
        for script, text in _texts(safe_load(path.read_text(encoding="utf-8")), "zh-Hant"):
            yield path.relative_to(ROOT), script, text
    for path in sorted(ROOT.glob("docs/*.md")):
        yield path.relative_to(ROOT), "zh-Hant", path.read_text(encoding="utf-8")
    # The interface words that are converted rather than written in Simplified.
    catalogue = ROOT / "templates" / "words.yaml"
    for entry in safe_load(catalogue.read_text(encoding="utf-8")).values():
        if "zh-Hant" in entry and "zh-Hans" not in entry:
            yield catalogue.relative_to(ROOT), "zh-Hant", entry["zh-Hant"]


def test_every_ambiguous_character_the_handbook_prints_is_reviewed():
    problems = []
    for path, script, text in printed_texts():
        target = "zh-Hans" if script == "zh-Hant" else "zh-Hant"
        for f in unreviewed(text, script, target):
            wanted = f"reviewed as {f.expected}" if f.expected else "no reviewed word"
            problems.append(f"{path}: {f.char} in 「{f.context}」 → 「{f.converted}」 ({wanted})")
    assert not problems, (
        "ambiguous characters without a reviewed word; add each word with its right form to "
        "generator/scripts_words.yaml:\n" + "\n".join(problems)
    )


def test_a_traditional_word_of_the_source_survives_the_clean_up_in_every_context():
    # The clean-up converts Simplified leftovers in Traditional text; 伙伴 is Traditional too, and OpenCC alone would
    # turn it into 夥伴 after 和 but not after 外部, mixing the two across the policies.
    from generator.cleanup import to_script_tracked

    assert to_script_tracked("尊重同事、客戶和合作伙伴。與外部合作伙伴溝通，規范流程", "zh-Hant")[0] == "尊重同事、客戶和合作伙伴。與外部合作伙伴溝通，規範流程"
