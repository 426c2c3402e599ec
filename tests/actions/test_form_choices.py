"""A choice's number followed by more words ("1，12月7号去") picks that button."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.forms import leading_choice

HALLS = [
    {"title": "示例市政务服务中心", "payload": '/inform{"clinic":"G01"}'},
    {"title": "文登区政务服务中心", "payload": '/inform{"clinic":"G02"}'},
]


def tracker(text: str, buttons: list[dict[str, str]] = HALLS) -> Tracker:
    events = [
        {"event": "user", "text": "我要去政务大厅办社保卡"},
        {"event": "bot", "text": "去哪个政务大厅？", "data": {"buttons": buttons}},
        {"event": "user", "text": text},
    ]
    return Tracker("web:choice", {}, {"text": text}, events, False, None, {}, "action_listen")


def test_a_number_then_the_day_picks_the_button() -> None:
    assert leading_choice(tracker("1，12月7号去")) == {"clinic": "G01"}
    assert leading_choice(tracker("２、明天上午")) == {"clinic": "G02"}


def test_no_choice_without_a_leading_number_or_a_matching_button() -> None:
    assert leading_choice(tracker("12月7号去")) == {}
    assert leading_choice(tracker("3，明天")) == {}
    assert leading_choice(tracker("1，明天", buttons=[])) == {}
