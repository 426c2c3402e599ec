"""Stopping words followed by another request ("不挂了，帮我查下电费") give that request; a stop
alone, a courtesy after it, or a correction gives none."""

from __future__ import annotations

import pytest

from understanding.switching import request_after_stop


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("不挂了，帮我查下电费", "帮我查下电费"),
        ("不约了，我问下身份证怎么补办", "我问下身份证怎么补办"),
        ("算了不办了，查一下水费", "查一下水费"),
        ("算了算了，我要投诉楼下烧烤", "我要投诉楼下烧烤"),
        ("先不投诉了，看看我的预约", "看看我的预约"),
        ("不查了。燃气费怎么交", "燃气费怎么交"),
        ("别约了 帮我查下燃气费", "帮我查下燃气费"),
        ("不想办了，我的预约有哪些", "我的预约有哪些"),
        ("不用了，我问问护照怎么办", "我问问护照怎么办"),
        ("不要了，查水费", "查水费"),
        ("不绑了吧，查电费0531880001", "查电费0531880001"),
        ("算了，不说这个了，我要投诉另一个事：楼下烧烤油烟", "我要投诉另一个事：楼下烧烤油烟"),
        ("这个先不办了，查一下电费", "查一下电费"),
    ],
)
def test_the_request_after_stopping_words(text: str, asked: str) -> None:
    assert request_after_stop(text) == asked


@pytest.mark.parametrize(
    "text",
    [
        "算了",
        "不约了",
        "算了不办了",
        "不挂了！",
        "算了不说这个了",
        "算了吧，谢谢",
        "不用了谢谢",
        "算了，那个",
        "不对，是骨科",
        "不是，是后天",
        "不交水费会怎样",
        "不查电费",
        "明天上午",
        "水费多少",
        "",
    ],
)
def test_no_request_without_stopping_words_or_without_words_after_them(text: str) -> None:
    assert request_after_stop(text) is None
