"""A request for a person of the city, told from a phone command or an unrelated message."""

from __future__ import annotations

import pytest

from understanding.handoff import asks_for_a_person, is_phone_command


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "人工客服",
        "找个活人",
        "我不想跟机器人聊",
        "叫个工作人员来",
        "能不能找个人帮我",
        "我要打电话给人工",
        "人呢",
    ],
)
def test_requests_for_a_person(text: str) -> None:
    assert asks_for_a_person(text) and not is_phone_command(text)


@pytest.mark.parametrize(
    "text", ["打电话给张三", "给我妈打个电话", "呼叫李四", "拨打13800000000", "跟老王视频通话"]
)
def test_phone_commands(text: str) -> None:
    assert is_phone_command(text) and not asks_for_a_person(text)


@pytest.mark.parametrize("text", ["双色球开奖号码", "今天几号", "放首歌"])
def test_unrelated_messages_ask_for_nobody(text: str) -> None:
    assert not asks_for_a_person(text)
