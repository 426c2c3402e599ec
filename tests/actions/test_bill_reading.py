"""Which typed number belongs to which bill when one message names several."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.bills.form import typed_identifier


def tracker(text: str, *entities: tuple[str, str]) -> Tracker:
    found: list[dict[str, Any]] = []
    for name, value in entities:
        start = text.index(value)
        found.append({"entity": name, "value": value, "start": start, "end": start + len(value)})
    for name, value in (("bill_type", "gas"), ("bill_type", "electricity")):
        word = {"gas": "燃气", "electricity": "电费"}[value]
        if word in text:
            start = text.index(word)
            found.append({"entity": name, "value": value, "start": start, "end": start + len(word)})
    return Tracker("web:bills", {}, {"text": text, "entities": found}, [], False, None, {}, "action_listen")


def test_each_number_goes_with_the_bill_named_before_it() -> None:
    text = "我想查查我那个燃气 GZ20080077 还有电费 0531880001"
    message = tracker(text, ("account_number", "GZ20080077"), ("account_number", "0531880001"))
    assert typed_identifier(message, "electricity") == "0531880001"
    assert typed_identifier(message, "gas") == "GZ20080077"


def test_a_single_number_is_read_wherever_it_stands() -> None:
    message = tracker("0531880002 这个电费欠多少", ("account_number", "0531880002"))
    assert typed_identifier(message, "electricity") == "0531880002"
    assert typed_identifier(tracker("查电费"), "electricity") is None
