"""Leaving a form for another request in the same message, and a booking number checked against
the citizen's bookings, against the real sandbox (driven like Rasa drives the forms)."""

from __future__ import annotations

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments.booking import ActionBookAppointment
from actions.appointments.manage import ActionCancelAppointment
from actions.appointments.prepare import ActionPrepareAppointment
from actions.complaints.filing import ActionFileComplaint, ActionPrepareComplaint
from actions.form_stack import STOPPED
from tests.actions.form_driver import entity, payloads, texts
from tests.actions.test_appointment_dialogue import driver, open_day
from tests.actions.test_complaint_dialogue import driver as complaint_driver

pytestmark = pytest.mark.usefixtures("departments_on_sandbox")


def followups(events: list[dict]) -> list[str]:
    return [event["name"] for event in events if event.get("event") == "followup"]


@pytest.mark.parametrize(
    ("said", "intent", "entities", "next_step"),
    [
        ("不挂了，帮我查下电费", "query_bill", [entity("bill_type", "electricity")], "bill_form"),
        ("算了不约了，查一下水费3100012345", "query_bill", [entity("bill_type", "water")], "bill_form"),
        ("不约了，我要投诉楼下烧烤店油烟", "file_complaint", [], "complaint_form"),
        ("先不约了，看看我的预约", "list_appointments", [], "appointment_list_form"),
    ],
)
async def test_stopping_the_booking_for_another_request_starts_that_request(
    said: str, intent: str, entities: list[dict], next_step: str
) -> None:
    form = driver("web:leave-booking")
    await form.run(ActionPrepareAppointment())
    await form.say("我要挂市立医院内科", "book_appointment", entity("clinic", "H01-NK"))
    assert form.slots["requested_slot"] == "appointment_date"
    form.message = {"text": said, "intent": {"name": intent}, "entities": entities}
    dispatcher = CollectingDispatcher()
    events = await form.validator.run(dispatcher, form.tracker(), form.domain)
    assert texts(dispatcher.messages).startswith(STOPPED["appointment_form"])
    assert "哪天" not in texts(dispatcher.messages)
    assert {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None} in events
    assert followups(events) == [next_step]


async def test_a_guide_question_after_stopping_is_answered_in_the_same_reply() -> None:
    form = driver("web:leave-for-guide")
    await form.run(ActionPrepareAppointment())
    await form.say("我要挂市立医院内科", "book_appointment", entity("clinic", "H01-NK"))
    form.message = {
        "text": "不约了，我问下身份证丢了怎么补办",
        "intent": {"name": "ask_service_guide"},
        "entities": [entity("service_item", "id_card.replace_lost")],
    }
    dispatcher = CollectingDispatcher()
    events = await form.validator.run(dispatcher, form.tracker(), form.domain)
    said = texts(dispatcher.messages)
    assert said.startswith(STOPPED["appointment_form"]) and "身份证" in said and "哪天" not in said, said
    assert followups(events) == ["action_listen"]


@pytest.mark.parametrize("said", ["算了，还是约明天吧", "算了"])
async def test_stopping_words_that_carry_on_or_only_stop_are_left_to_the_form_and_its_rules(
    said: str,
) -> None:
    form = driver("web:carry-on")
    await form.run(ActionPrepareAppointment())
    await form.say("我要挂市立医院内科", "book_appointment", entity("clinic", "H01-NK"))
    intent = "deny" if said == "算了" else "inform"
    form.message = {"text": said, "intent": {"name": intent}, "entities": []}
    events = await form.validator.run(CollectingDispatcher(), form.tracker(), form.domain)
    assert followups(events) == []


async def test_a_booking_number_not_among_the_citizens_bookings_is_refused_and_the_list_offered() -> None:
    form = driver("web:cancel-typed")
    form.slots = {"appointment_name": "陈静", "appointment_phone": "13700001235"}
    day = open_day()
    made = []
    for start in ("09:00", "09:30"):
        form.slots.update(
            appointment_resource="H02-ZY",
            appointment_date=day.isoformat(),
            appointment_time=start,
            appointment_confirmed=True,
        )
        booked = texts(await form.run(ActionBookAppointment()))
        made.append(form.slots["appointment_last_booking"])
        assert "预约成功" in booked
    form.message = {"text": "取消预约", "intent": {"name": "cancel_appointment"}, "entities": []}
    assert len(payloads(await form.run(ActionCancelAppointment()))) == 2
    wrong = "H" + made[0][1:-4] + "9999"
    form.message = {"text": f"取消{wrong.lower()}", "intent": {"name": "cancel_appointment"}, "entities": []}
    refused = await form.run(ActionCancelAppointment())
    assert wrong in texts(refused) and "不在您的预约里" in texts(refused), texts(refused)
    assert len(payloads(refused)) == 2 and "确认取消" not in texts(refused)
    form.message = {"text": f"{made[1]}这个", "intent": {"name": "inform"}, "entities": []}
    confirm = texts(await form.run(ActionCancelAppointment()))
    assert "确认取消" in confirm and made[1] in confirm, confirm


async def test_a_bill_named_after_the_stop_counts_when_the_nlu_read_the_whole_message_as_the_stop() -> None:
    form = driver("web:leave-deny")
    await form.run(ActionPrepareAppointment())
    await form.say("我要挂市立医院内科", "book_appointment", entity("clinic", "H01-NK"))
    said = "不约了，查一下水费"
    water = {"entity": "bill_type", "value": "water", "start": said.index("水费"), "end": len(said)}
    form.message = {"text": said, "intent": {"name": "deny"}, "entities": [water]}
    events = await form.validator.run(CollectingDispatcher(), form.tracker(), form.domain)
    assert followups(events) == ["bill_form"]


@pytest.mark.parametrize("intent", ["file_complaint", "deny"])
async def test_a_complaint_stopped_for_another_one_files_only_the_new_problem(
    sandbox_url: str, intent: str
) -> None:
    """ "算了，不说这个了，我要投诉另一个事：…" while the first complaint waits for its place: the first
    is dropped and the ticket filed is the new problem alone, in its own words."""
    form = complaint_driver(f"web:complaint-anew-{intent}")
    await form.run(ActionPrepareComplaint())
    assert "哪里" in texts(await form.say("小区门口的路灯坏了一个多月", "file_complaint"))
    said = "算了，不说这个了，我要投诉另一个事：楼下烧烤店油烟太大"
    form.message = {"text": said, "intent": {"name": intent}, "entities": []}
    dispatcher = CollectingDispatcher()
    events = await form.validator.run(dispatcher, form.tracker(), form.domain)
    assert texts(dispatcher.messages) == STOPPED["complaint_form"]
    assert followups(events) == ["complaint_form"]
    form._apply(events)
    # Rasa runs the form again on the same message, the form still active: the stop is not read
    # a second time (it was, ten times over), the new problem is.
    again = CollectingDispatcher()
    restarted = form.tracker([{"event": "active_loop", "name": "complaint_form"}])
    events = await form.validator.run(again, restarted, form.domain)
    assert STOPPED["complaint_form"] not in texts(again.messages) and followups(events) == []
    form.active = False
    assert "哪里" in texts(await form.say(said, intent))
    assert form.slots["complaint_description"] == "楼下烧烤店油烟太大"
    await form.say("环翠区文化中路88号", "inform", entity("district", "环翠区"))
    await form.say("匿名", "inform")
    await form.say("1", "affirm")
    filed = texts(await form.run(ActionFileComplaint()))
    ticket = httpx.get(f"{sandbox_url}/complaints/v1/tickets/{form.slots['complaint_ticket']}").json()
    assert ticket["description"] == "楼下烧烤店油烟太大" and "路灯" not in filed, ticket
