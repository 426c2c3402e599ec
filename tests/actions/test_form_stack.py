"""Forms replaced by a side task's form are taken up again; forms that ended or were stopped are
not. The stack is read from the tracker's events, so these tests give the events Rasa logs."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.form_stack import RESUMED, interrupted_forms, is_resuming, resume_interrupted
from actions.forms import STOP_HINT, just_rejected


def loop(name: str | None) -> dict[str, Any]:
    return {"event": "active_loop", "name": name}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


def bot(text: str, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons else {}}


def tracker(events: list[dict[str, Any]], active: str | None = None) -> Tracker:
    return Tracker("web:stack", {}, {"text": ""}, events, False, None, {"name": active} if active else {}, "")


BOOKING_THEN_LISTING = [
    user("我要挂号"),
    loop("appointment_form"),
    user("我的预约"),
    loop("appointment_list_form"),
    loop(None),
    loop("verification_form"),
]


def test_a_form_replaced_by_a_side_task_is_interrupted() -> None:
    assert interrupted_forms(BOOKING_THEN_LISTING) == ["appointment_form"]
    assert interrupted_forms([*BOOKING_THEN_LISTING, loop(None)]) == ["appointment_form"]


def test_a_form_taken_up_again_ended_or_stopped_is_not() -> None:
    assert interrupted_forms([*BOOKING_THEN_LISTING, loop(None), loop("appointment_form")]) == []
    assert (
        interrupted_forms([user("我要挂号"), loop("appointment_form"), loop(None), loop("bill_form")]) == []
    )
    stopped = [*BOOKING_THEN_LISTING, action("action_deactivate_loop"), loop(None)]
    assert interrupted_forms(stopped) == []
    assert interrupted_forms([*BOOKING_THEN_LISTING, {"event": "session_started"}]) == []


def test_forms_that_ask_nothing_are_never_stacked() -> None:
    events = [loop("appointment_cancel_form"), loop("verification_form"), loop(None)]
    assert interrupted_forms(events) == []


def test_forms_stack_in_order() -> None:
    events = [loop("complaint_form"), loop("appointment_form"), loop("verification_form")]
    assert interrupted_forms(events) == ["complaint_form", "appointment_form"]


def test_resuming_says_the_lead_then_runs_the_form() -> None:
    dispatcher = CollectingDispatcher()
    events = resume_interrupted(dispatcher, tracker([*BOOKING_THEN_LISTING, loop(None)]))
    assert events == [{"event": "followup", "timestamp": None, "name": "appointment_form"}]
    assert dispatcher.messages[0]["text"] == RESUMED["appointment_form"]
    assert resume_interrupted(CollectingDispatcher(), tracker([user("你好")])) == []


def test_the_resumed_form_knows_the_message_was_not_for_it() -> None:
    resumed = [*BOOKING_THEN_LISTING, loop(None), bot("您的预约：…"), bot(RESUMED["appointment_form"])]
    assert is_resuming(tracker(resumed), "appointment_form")
    assert not is_resuming(tracker([*resumed, user("明天")]), "appointment_form")
    assert not is_resuming(tracker(resumed), "complaint_form")


def test_choices_offered_by_the_validation_are_the_question_of_the_turn() -> None:
    choices = [{"title": "12月8日 上午9:00", "payload": "/inform"}]
    closed_day = [user("周日"), action("appointment_form"), bot("这天不开放。最近能约的时间：", choices)]
    assert just_rejected(tracker(closed_day))
    rejected = [user("昨天"), action("appointment_form"), bot(f"不能预约已经过去的日期。{STOP_HINT}")]
    assert just_rejected(tracker(rejected))


def test_a_side_answers_menu_is_no_question_of_the_form() -> None:
    menu = [user("你能干啥"), bot("我可以帮您办这些事：", [{"title": "查账单", "payload": "/query_bill"}])]
    assert not just_rejected(tracker([*menu, action("appointment_form")]))
    assert not just_rejected(tracker([user("明天"), action("appointment_form")]))
