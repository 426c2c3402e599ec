"""The place out of a rambling answer to "where did it happen"."""

from __future__ import annotations

import pytest

from understanding.complaints import place_in_answer


@pytest.mark.parametrize(
    ("said", "place"),
    [
        ("在哪？就在文登区峰山路12号门口，晚上特别危险，已经有人掉进去了", "文登区峰山路12号门口"),
        ("就在幸福小区门口那条路上，天一黑啥也看不见，老人都摔了", "幸福小区门口那条路上"),
        ("环翠区和平路70号3号楼", "环翠区和平路70号3号楼"),
        ("幸福路菜市场", "幸福路菜市场"),
        ("我家对面", "我家对面"),
        ("１２３４５", "１２３４５"),
    ],
)
def test_place_in_answer(said: str, place: str) -> None:
    assert place_in_answer(said) == place
