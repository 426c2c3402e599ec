"""A phone that NLU tagged is taken only when it is a phone, unless the phone was asked for:
DIET tagged "10点" in "12月8号上午10点" as a phone, and the booking form then told a citizen who
had given no phone that their phone was wrong."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.forms import phone_from_nlu


def tracker(text: str, phones: list[str]) -> Tracker:
    entities = [{"entity": "phone", "value": value, "start": text.find(value)} for value in phones]
    message = {"text": text, "entities": entities}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("web:phone", {}, message, events, False, None, {}, "action_listen")


def test_unasked_only_a_well_formed_phone_is_taken() -> None:
    assert phone_from_nlu(tracker("12月8号上午10点", ["10点"]), asked=False) is None
    assert (
        phone_from_nlu(tracker("10点 电话13800001111", ["10点", "13800001111"]), asked=False) == "13800001111"
    )


def test_asked_whatever_was_tagged_is_checked() -> None:
    assert phone_from_nlu(tracker("1380000", ["1380000"]), asked=True) == "1380000"
