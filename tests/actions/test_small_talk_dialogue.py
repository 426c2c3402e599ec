"""Small talk in the middle of a form ("你好", "谢谢", "你是机器人吗", "今天天气怎么样") is answered by the form's
validation, which then asks the open question again, against the real sandbox (driven like
Rasa drives the forms). The end-to-end conversations are in tests/e2e/test_side_questions.py."""

from __future__ import annotations

from typing import Any

import pytest

from actions.appointments.prepare import ActionPrepareAppointment
from actions.complaints.filing import ActionPrepareComplaint
from actions.forms import YOU_ARE_WELCOME
from actions.guides.replies import OUT_OF_SCOPE_TEXT
from tests.actions.form_driver import FormDriver, entity, payloads, texts
from tests.actions.test_appointment_dialogue import driver as booking_driver
from tests.actions.test_appointment_dialogue import open_day, press
from tests.actions.test_complaint_dialogue import driver as complaint_driver

pytestmark = pytest.mark.usefixtures("departments_on_sandbox")
SMALL_TALK = [
    ("你好", "greet", "您好！我是示例市市民服务助手。"),
    ("谢谢", "thank", YOU_ARE_WELCOME),
    ("你是机器人吗", "bot_challenge", "utter_bot_challenge"),
    ("今天天气怎么样", "out_of_scope", OUT_OF_SCOPE_TEXT),
]


def said(messages: list[dict[str, Any]]) -> str:
    """The texts, with a domain response shown by its name."""
    return "\n".join(message.get("response") or texts([message]) for message in messages)


async def booking_at_the_date(sender: str) -> tuple[FormDriver, str]:
    form = booking_driver(sender)
    await form.run(ActionPrepareAppointment())
    await form.say("我要挂市立医院内科", "book_appointment", entity("clinic", "H01-NK"))
    return form, "哪天"


async def complaint_at_the_place(sender: str) -> tuple[FormDriver, str]:
    form = complaint_driver(sender)
    await form.run(ActionPrepareComplaint())
    await form.say("楼下烧烤店油烟太大了", "file_complaint")
    return form, "哪里"


@pytest.mark.parametrize("start", [booking_at_the_date, complaint_at_the_place])
@pytest.mark.parametrize(("text", "intent", "answer"), SMALL_TALK)
async def test_small_talk_is_answered_and_the_question_asked_again(
    start: Any, text: str, intent: str, answer: str
) -> None:
    form, question = await start(f"web:small-talk-{intent}")
    before = dict(form.slots)
    reply = said(await form.say(text, intent))
    assert reply.startswith(answer) and question in reply, reply
    assert "还有别的事吗" not in reply
    assert {slot: value for slot, value in form.slots.items() if value is not None} == {
        slot: value for slot, value in before.items() if value is not None
    }


async def test_a_courtesy_is_no_name_when_the_name_is_asked() -> None:
    form = booking_driver("web:small-talk-name")
    await form.run(ActionPrepareAppointment())
    await form.say("我要挂市立医院内科", "book_appointment", entity("clinic", "H01-NK"))
    day = open_day()
    times = await form.say(f"{day.month}月{day.day}号下午", "inform")
    await press(form, payloads(times)[0])
    assert form.slots["requested_slot"] == "appointment_name"
    reply = said(await form.say("您好", "greet"))
    assert form.slots.get("appointment_name") is None and "姓名" in reply, reply
