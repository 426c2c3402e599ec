"""Which typed number belongs to which bill when one message names several, and both answered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.bills.form import typed_identifier
from actions.bills.payment import misread_payment
from actions.bills.query import ActionPrepareBillQuery, ActionQueryBill, misread_bill_query


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


def tagged(text: str, *entities: tuple[str, str]) -> Tracker:
    """The message with its entities where the words stand (each word's next occurrence)."""
    found: list[dict[str, Any]] = []
    position: dict[str, int] = {}
    for name, value in entities:
        word, _, canonical = value.partition("=")
        start = text.index(word, position.get(word, 0))
        position[word] = start + len(word)
        found.append({"entity": name, "value": canonical or word, "start": start, "end": start + len(word)})
    return Tracker("web:bills", {}, {"text": text, "entities": found}, [], False, None, {}, "action_listen")


WATER, ELECTRICITY = ("bill_type", "水费=water"), ("bill_type", "电费=electricity")


def test_a_bill_named_twice_takes_only_the_number_said_after_its_own_name() -> None:
    text = "查一下水费和电费，水费户号3100012345"
    message = tagged(text, WATER, ELECTRICITY, WATER, ("account_number", "3100012345"))
    assert typed_identifier(message, "water") == "3100012345"
    assert typed_identifier(message, "electricity") is None


def test_two_bills_named_then_their_numbers_in_the_same_order() -> None:
    text = "查一下水费和电费，水费户号3100012345，电费户号0531880002"
    both = tagged(
        text,
        WATER,
        ELECTRICITY,
        WATER,
        ("account_number", "3100012345"),
        ELECTRICITY,
        ("account_number", "0531880002"),
    )
    assert typed_identifier(both, "water") == "3100012345"
    assert typed_identifier(both, "electricity") == "0531880002"
    text = "水费和电费的户号分别是3100012345和0531880002"
    listed = tagged(
        text, WATER, ELECTRICITY, ("account_number", "3100012345"), ("account_number", "0531880002")
    )
    assert typed_identifier(listed, "water") == "3100012345"
    assert typed_identifier(listed, "electricity") == "0531880002"


def test_a_gas_number_goes_to_the_gas_bill_wherever_it_was_named() -> None:
    text = "水费和燃气费，GZ20080077"
    message = tagged(text, WATER, ("bill_type", "燃气费=gas"), ("account_number", "GZ20080077"))
    assert typed_identifier(message, "gas") == "GZ20080077"
    assert typed_identifier(message, "water") is None


def test_a_malformed_number_is_still_read_for_the_bill_named() -> None:
    assert typed_identifier(tagged("水费 12345", WATER, ("account_number", "12345")), "water") == "12345"


@pytest.mark.usefixtures("departments_on_sandbox")
async def test_of_two_bills_the_one_with_its_number_is_answered_and_the_other_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    text = "查一下水费和电费，水费户号3100012345"
    message = tagged(text, WATER, ELECTRICITY, WATER, ("account_number", "3100012345"))
    message.latest_message["intent"] = {"name": "query_bill"}
    dispatcher = CollectingDispatcher()
    events = await ActionPrepareBillQuery().run(dispatcher, message, {})
    answers = [item["text"] for item in dispatcher.messages]
    assert len(answers) == 1 and "310***2345" in answers[0] and "86.40元" in answers[0], answers
    assert {"event": "slot", "timestamp": None, "name": "bill_type", "value": "electricity"} in events


def test_a_single_number_is_read_wherever_it_stands() -> None:
    message = tracker("0531880002 这个电费欠多少", ("account_number", "0531880002"))
    assert typed_identifier(message, "electricity") == "0531880002"
    assert typed_identifier(tracker("查电费"), "electricity") is None


@pytest.mark.usefixtures("departments_on_sandbox")
async def test_two_bills_asked_in_one_message_are_both_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form filled the last bill named; the one named before it is answered too, first."""
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    text = "麻烦看下水费3100012345，还有电费0531880001欠不欠"
    message = tracker(text, ("account_number", "3100012345"), ("account_number", "0531880001"))
    water = text.index("水费")
    message.latest_message["entities"].append(
        {"entity": "bill_type", "value": "water", "start": water, "end": water + 2}
    )
    message.slots.update(bill_type="electricity", bill_account="0531880001")
    dispatcher = CollectingDispatcher()
    await ActionQueryBill().run(dispatcher, message, {})
    answers = [item["text"] for item in dispatcher.messages]
    assert len(answers) == 2, answers
    assert "水费" in answers[0] and "310***2345" in answers[0], answers
    assert "电费" in answers[1] and "053***0001" in answers[1], answers


def _after_a_bill_answer(text: str, last_action: str = "action_query_bill") -> Tracker:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "查电费", "parse_data": {"intent": {"name": "query_bill"}}},
        {"event": "action", "name": last_action},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "out_of_scope"}}},
    ]
    return Tracker(
        "web:bills",
        {"bill_type": "electricity"},
        {"text": text, "entities": []},
        events,
        False,
        None,
        {},
        "action_listen",
    )


@pytest.mark.parametrize("text", ["那9月份的呢", "上个月的呢", "八月份呢", "那去年12月的"])
def test_another_month_right_after_a_bill_answer_is_a_bill_query(text: str) -> None:
    """It has no bill word of its own, so the anchor guard reads it as out of scope."""
    assert misread_bill_query(_after_a_bill_answer(text))


@pytest.mark.parametrize(
    ("text", "last_action"),
    [
        ("那9月份的呢", "action_service_guide"),  # after a guide, a month is no bill question
        ("上个月我去政务大厅办的那个证什么时候能拿到", "action_query_bill"),  # a new question
        ("那护照呢", "action_query_bill"),  # no month
    ],
)
def test_other_messages_after_a_bill_answer_are_not(text: str, last_action: str) -> None:
    assert not misread_bill_query(_after_a_bill_answer(text, last_action))


def _unsure_between(text: str, first: str, second: str) -> Tracker:
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": first}, {"name": second}]
    message = {"text": text, "entities": [], "intent": ranking[0], "intent_ranking": ranking}
    return Tracker("web:pay", {}, message, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("text", ["帮我把燃气费交了 GZ20080077", "电费交一下 0531880002", "水费我要支付"])
def test_paying_words_make_an_unsure_bill_message_a_payment(text: str) -> None:
    assert misread_payment(_unsure_between(text, "query_bill", "pay_bill"))


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("燃气费交了没", "query_bill", "pay_bill"),  # asks whether it was paid
        ("社保缴了几个月", "query_bill", "pay_bill"),
        ("帮我把燃气费交了", "query_bill", "ask_service_guide"),  # pay_bill not in the running
    ],
)
def test_other_unsure_messages_are_not_payments(text: str, first: str, second: str) -> None:
    assert not misread_payment(_unsure_between(text, first, second))
