"""Which hardship a citizen's words name, as families say it."""

from __future__ import annotations

import pytest

from understanding.life_events import hardship_in, life_events_in


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("我爸前天夜里没了，我是独生子，现在脑子很乱", "bereavement"),
        ("老伴儿上个月走了，他的社保怎么办", "bereavement"),
        ("我妈不在了，房子要过户", "bereavement"),
        ("家里老人去世了", "bereavement"),
        ("孩子在上海买了房，要把户口从这边迁出去", "moving_away"),
        ("户口要迁到外省去", "moving_away"),
        ("我要迁户口去北京", "moving_away"),
        ("公司裁员把我裁了", "unemployment"),
        ("我下个月退休", "retirement"),
    ],
)
def test_the_hardship_named(text: str, event: str) -> None:
    assert hardship_in(text) == event


@pytest.mark.parametrize(
    "text", ["我先走了", "户口迁到这边来", "迁户口到本市", "我是独生子女，能领补贴吗", "今天天气不错"]
)
def test_no_hardship(text: str) -> None:
    assert hardship_in(text) is None


def test_an_only_child_is_no_birth() -> None:
    assert "birth" not in life_events_in("我是独生子", ["birth", "bereavement"])
