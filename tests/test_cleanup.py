"""Script consistency in the clean-up: leftovers of the other script are converted, real Traditional words are kept."""

from __future__ import annotations

import pytest

from generator.cleanup import clean


@pytest.mark.parametrize(
    "source, expected",
    [
        ("適用范圍。", "適用範圍。"),  # a Simplified character OpenCC sees
        ("維護客戶關系。", "維護客戶關係。"),  # 系 is also Traditional: only the word shows it should be 係
        ("減少重復勞動。", "減少重複勞動。"),
        ("確??蛻舻玫綕M意的答復。", "確??蛻舻玫綕M意的答覆。"),  # fixed even where a garbled run reaches into the word
        ("向上級匯報，獎金發放。", "向上級匯報，獎金發放。"),  # valid Traditional words stay as the source wrote them
        ("考核周期為一個月。", "考核週期為一個月。"),
    ],
)
def test_traditional_text_is_made_consistent(source, expected):
    assert clean(source, script="zh-Hant").text == expected
