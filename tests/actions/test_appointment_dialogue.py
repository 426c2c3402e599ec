"""The appointment dialogue's actions against the real sandbox, driven like Rasa drives a
form: all details at once, step by step, a full clinic, wrong answers, cancelling."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from actions.appointments.asking import (
    ActionAskAppointmentConfirmed,
    ActionAskAppointmentDate,
    ActionAskAppointmentName,
    ActionAskAppointmentPhone,
    ActionAskAppointmentResource,
    ActionAskAppointmentService,
    ActionAskAppointmentTime,
)
from actions.appointments.booking import (
    LOOKED_UP,
    NOT_MADE,
    UNKNOWN_OUTCOME,
    ActionBookAppointment,
    booking_key,
)
from actions.appointments.form import ValidateAppointmentForm
from actions.appointments.manage import ActionCancelAppointment, ActionListAppointments
from actions.appointments.prepare import ActionPrepareAppointment
from actions.plain_yes import ActionPlainYes
from common.time_words import city_today
from tests.actions.form_driver import FormDriver, entity, payloads, texts

REQUIRED = [
    "appointment_resource",
    "appointment_service",
    "appointment_date",
    "appointment_time",
    "appointment_name",
    "appointment_phone",
    "appointment_confirmed",
]


pytestmark = pytest.mark.usefixtures("departments_on_sandbox")


def open_day(after: date | None = None) -> date:
    """The first day after `after` (today) that clinics open (not a Sunday)."""
    day = (after or city_today()) + timedelta(days=1)
    return day if day.isoweekday() != 7 else day + timedelta(days=1)


def driver(sender: str) -> FormDriver:
    asks = {
        "appointment_resource": ActionAskAppointmentResource(),
        "appointment_service": ActionAskAppointmentService(),
        "appointment_date": ActionAskAppointmentDate(),
        "appointment_time": ActionAskAppointmentTime(),
        "appointment_name": ActionAskAppointmentName(),
        "appointment_phone": ActionAskAppointmentPhone(),
        "appointment_confirmed": ActionAskAppointmentConfirmed(),
    }
    return FormDriver("appointment_form", REQUIRED, ValidateAppointmentForm(), asks, sender=sender)


def button_message(payload: str) -> tuple[str, list[dict[str, str]]]:
    """What Rasa parses from a button payload: its intent and entities."""
    intent, _, body = payload.lstrip("/").partition("{")
    values = json.loads("{" + body) if body else {}
    return intent, [entity(name, value) for name, value in values.items()]


async def press(form: FormDriver, payload: str) -> list[dict[str, str]]:
    intent, entities = button_message(payload)
    return await form.say(payload, intent, *entities)


async def test_all_details_at_once_then_confirm_and_book() -> None:
    form = driver("web:at-once")
    day = open_day()
    await form.run(ActionPrepareAppointment())
    text = f"帮我约{day.month}月{day.day}号上午9点市立医院内科，我叫李明，电话13912345678"
    asked = await form.say(text, "book_appointment", entity("hospital", "H01"), entity("clinic", "H01-NK"))
    assert form.slots["requested_slot"] == "appointment_confirmed"
    assert "示例市立医院 内科" in texts(asked) and "09:00" in texts(asked)
    assert "139****5678" in texts(asked) and "13912345678" not in texts(asked)
    assert await form.say("确认", "affirm") == []
    assert form.done
    booked = texts(await form.run(ActionBookAppointment()))
    assert "预约成功" in booked and "预约号：H" in booked
    number = form.slots["appointment_last_booking"]

    again = driver("web:at-once")
    again.slots = {"appointment_name": "李明", "appointment_phone": "13912345678"}
    await again.say(text, "book_appointment", entity("clinic", "H01-NK"))
    await again.say("确认", "affirm")
    assert number in texts(await again.run(ActionBookAppointment())), "a repeated booking is the same booking"

    listed = texts(await form.run(ActionListAppointments()))
    assert number in listed and "1 个预约" in listed


async def test_slot_by_slot_with_wrong_answers() -> None:
    form = driver("web:step")
    await form.run(ActionPrepareAppointment())
    first = await form.say("我要挂号", "book_appointment", entity("appointment_type", "hospital"))
    assert "您要约哪里" in texts(first)
    clinics = await form.say("市立医院", "inform", entity("hospital", "H01"))
    assert "内科" in texts(clinics) and "骨科" in texts(clinics)
    internal = next(b["payload"] for m in clinics for b in m["buttons"] if b["title"].endswith(" 内科"))
    assert "哪天" in texts(await press(form, internal))
    assert form.slots["appointment_resource"] == "H01-NK"

    past = await form.say("昨天", "inform", entity("date", "昨天"))
    assert "已经过去" in texts(past) and "哪天" in texts(past)
    day = open_day()
    times = await form.say(f"{day.month}月{day.day}号下午", "inform")
    assert "下午" in texts(times) and all(p.startswith("/inform") for p in payloads(times))
    assert "姓名" in texts(await press(form, payloads(times)[0]))
    assert form.slots["appointment_time"] >= "13:30"

    assert "手机号" in texts(await form.say("王芳"))
    wrong = await form.say("1380000")
    assert "格式不对" in texts(wrong) and "算了" in texts(wrong)
    confirm = await form.say("13800001111", "inform", entity("phone", "13800001111"))
    assert "请确认预约" in texts(confirm) and "王*" in texts(confirm)


async def test_interruptions_fill_nothing() -> None:
    form = driver("web:interrupted")
    await form.run(ActionPrepareAppointment())
    await form.say("我要挂号", "book_appointment")
    assert await form.say("你是机器人吗", "bot_challenge") == [] or form.slots["appointment_resource"] is None
    assert form.slots.get("appointment_resource") is None
    assert form.slots["requested_slot"] == "appointment_resource"


async def test_full_clinic_proposes_other_clinics() -> None:
    form = driver("web:full")
    await form.run(ActionPrepareAppointment())
    reply = texts(await form.say("预约市立医院骨科", "book_appointment", entity("clinic", "H01-GK")))
    assert "约满" in reply and "内科" in reply
    assert form.slots["appointment_resource"] is None


async def test_closed_day_offers_the_nearest_free_times() -> None:
    form = driver("web:sunday")
    await form.run(ActionPrepareAppointment())
    today = city_today()
    sunday = today + timedelta(days=(6 - today.weekday()) or 7)
    await form.say("市立医院内科", "book_appointment", entity("clinic", "H01-NK"))
    reply = await form.say(f"{sunday.month}月{sunday.day}号", "inform")
    assert "不开放" in texts(reply) and payloads(reply)
    assert form.slots["appointment_date"] is None


async def test_hall_needs_a_service_item() -> None:
    form = driver("web:hall")
    await form.run(ActionPrepareAppointment())
    reply = await form.say("预约政务大厅", "book_appointment", entity("appointment_type", "gov_hall"))
    assert "示例市政务服务中心" in texts(reply)
    services = await press(form, payloads(reply)[0])
    assert "护照" in texts(services)
    await form.say("办护照", "inform", entity("service_item", "passport.apply"))
    assert form.slots["appointment_service"] == "passport"


async def test_cancel_one_of_several() -> None:
    form = driver("web:cancel")
    form.slots = {"appointment_name": "陈静", "appointment_phone": "13700001234"}
    day = open_day()
    for start in ("10:00", "10:30"):
        form.slots.update(
            appointment_resource="H02-ZY",
            appointment_date=day.isoformat(),
            appointment_time=start,
            appointment_confirmed=True,
        )
        assert "预约成功" in texts(await form.run(ActionBookAppointment()))
    form.message = {"text": "取消预约", "intent": {"name": "cancel_appointment"}, "entities": []}
    choices = await form.run(ActionCancelAppointment())
    assert "哪一个" in texts(choices) and len(payloads(choices)) == 2
    _, entities = button_message(payloads(choices)[1])
    form.message = {
        "text": payloads(choices)[1],
        "intent": {"name": "cancel_appointment"},
        "entities": entities,
    }
    confirm = texts(await form.run(ActionCancelAppointment()))
    assert "确认取消" in confirm and "不取消" in confirm and "已取消" not in confirm
    form.message = {"text": "/affirm", "intent": {"name": "affirm"}, "entities": []}
    assert "已取消" in texts(await form.run(ActionCancelAppointment()))
    form.message = {"text": "取消预约", "intent": {"name": "cancel_appointment"}, "entities": []}
    assert "确认取消" in texts(await form.run(ActionCancelAppointment()))
    form.message = {"text": "不取消", "intent": {"name": "deny"}, "entities": []}
    assert "没有取消" in texts(await form.run(ActionCancelAppointment()))
    form.message = {"text": "取消预约", "intent": {"name": "cancel_appointment"}, "entities": []}
    await form.run(ActionCancelAppointment())
    form.message = {"text": "确认取消", "intent": {"name": "affirm"}, "entities": []}
    assert "已取消" in texts(await form.run(ActionCancelAppointment()))
    form.message = {"text": "取消预约", "intent": {"name": "cancel_appointment"}, "entities": []}
    assert "没有可以取消" in texts(await form.run(ActionCancelAppointment()))


async def test_reschedule_moves_the_last_booking() -> None:
    form = driver("web:move")
    day = open_day()
    form.slots = {
        "appointment_name": "赵强",
        "appointment_phone": "13600001234",
        "appointment_resource": "H01-PF",
        "appointment_date": day.isoformat(),
        "appointment_time": "08:00",
        "appointment_confirmed": True,
    }
    first = texts(await form.run(ActionBookAppointment()))
    old_number = form.slots["appointment_last_booking"]
    assert old_number in first

    form.message = {"text": "改到下午", "intent": {"name": "book_appointment"}, "entities": []}
    await form.run(ActionPrepareAppointment())
    assert form.slots["appointment_reschedule"] == old_number
    times = await form.say(f"改到{day.month}月{day.day}号下午", "book_appointment")
    assert "下午还有这些时间" in texts(times)
    confirm = await press(form, payloads(times)[0])
    assert "请确认改约到" in texts(confirm)
    await form.say("确认", "affirm")
    moved = texts(await form.run(ActionBookAppointment()))
    assert f"原预约 {old_number} 已取消" in moved


async def test_a_hall_booking_keeps_the_service_named_before_the_hall() -> None:
    form = driver("web:hall-passport")
    await form.run(ActionPrepareAppointment())
    reply = await form.say(
        "预约政务大厅办护照",
        "book_appointment",
        entity("appointment_type", "gov_hall"),
        entity("service_item", "passport.apply"),
    )
    assert form.slots["appointment_service"] == "passport"
    asked = await press(form, payloads(reply)[0])
    assert form.slots["appointment_resource"] == "G01" and form.slots["appointment_service"] == "passport"
    assert "哪天" in texts(asked)


async def test_carrying_on_after_a_side_question_keeps_the_booking_so_far() -> None:
    """ "继续挂号" (read as a new booking request) resumes the form where it was; a fresh
    "我要挂号" once no form is active starts over."""
    form = driver("web:driver-continue")
    await form.say("预约中医院针灸科", "book_appointment", entity("clinic", "H02-ZJ"))
    assert form.slots["appointment_resource"] == "H02-ZJ"
    form.message = {"text": "好的，继续挂号", "intent": {"name": "book_appointment"}, "entities": []}
    assert await form.run(ActionPrepareAppointment()) == []
    assert form.slots["appointment_resource"] == "H02-ZJ"

    form.active = False
    form.message = {"text": "继续挂号", "intent": {"name": "book_appointment"}, "entities": []}
    await form.run(ActionPrepareAppointment())
    assert form.slots["appointment_resource"] == "H02-ZJ"
    form.message = {"text": "我要挂号", "intent": {"name": "book_appointment"}, "entities": []}
    await form.run(ActionPrepareAppointment())
    assert form.slots["appointment_resource"] is None


async def test_a_day_given_when_asked_counts_even_when_read_as_small_talk() -> None:
    form = driver("web:driver-misread")
    await form.say("预约中医院针灸科", "book_appointment", entity("clinic", "H02-ZJ"))
    assert form.slots["requested_slot"] == "appointment_date"
    day = open_day()
    reply = await form.say(f"{day.month}月{day.day}号吧", "out_of_scope")
    assert form.slots["appointment_date"] == day.isoformat()
    assert "还有这些时间" in texts(reply)
    assert form.slots["requested_slot"] == "appointment_time"
    await form.say("今天天气怎么样", "out_of_scope")
    assert form.slots["appointment_date"] == day.isoformat()

    other = driver("web:driver-misread-2")
    await other.say("预约中医院针灸科", "book_appointment", entity("clinic", "H02-ZJ"))
    await other.say("今天天气怎么样", "out_of_scope")
    assert other.slots.get("appointment_date") is None


async def confirmed_form(sender: str, text: str) -> FormDriver:
    form = driver(sender)
    await form.run(ActionPrepareAppointment())
    await form.say(text, "book_appointment", entity("hospital", "H02"), entity("clinic", "H02-ZJ"))
    await form.say("确认", "affirm")
    assert form.done
    return form


async def test_a_booking_whose_answer_was_lost_is_reported_from_the_departments_record(
    sandbox_url: str,
) -> None:
    """The department stored the booking but its answer was lost: the citizen is told the
    booking this request stored, not one that only looks alike (the same slot booked by the
    same phone in another chat), and nothing is booked twice."""
    day = open_day(after=open_day())
    phone = "13912398765"
    text = f"约{day.month}月{day.day}号上午10点中医院针灸科，我叫郑海，电话{phone}"
    earlier = await confirmed_form("web:lookalike", text)
    assert "预约成功" in texts(await earlier.run(ActionBookAppointment()))
    lookalike = earlier.slots["appointment_last_booking"]
    form = await confirmed_form("web:lost-answer", text)
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "lost"}).raise_for_status()
    booked = texts(await form.run(ActionBookAppointment()))
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    stored = httpx.get(f"{sandbox_url}/appointments/v1/bookings", params={"phone": phone}).json()
    [made] = [item["booking_no"] for item in stored if item["booking_no"] != lookalike]
    assert "预约成功" in booked and made in booked and lookalike not in booked, booked


@pytest.mark.parametrize("stored", [True, False])
async def test_a_booking_of_unknown_outcome_is_looked_up_by_its_key_before_the_bookings_are_shown(
    sandbox_url: str, stored: bool
) -> None:
    """The booking platform fails the write and the look-up: the citizen is told the outcome is
    unknown, nothing more. Asked for the bookings later, the assistant first asks the platform
    what the write did (stored meanwhile, as when the action server died after sending it, or
    not) and says exactly that."""
    phone = "13912397777" if stored else "13912396666"
    day = open_day(after=open_day(after=open_day()))
    form = await confirmed_form(
        f"web:unknown-{stored}", f"约{day.month}月{day.day}号上午9点中医院针灸科，叫邱红，电话{phone}"
    )
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "error"}).raise_for_status()
    unknown = texts(await form.run(ActionBookAppointment()))
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert unknown == UNKNOWN_OUTCOME and form.slots["appointment_confirmed"] is True, unknown
    if stored:  # the write had reached the platform after all
        made = await ActionBookAppointment._submit(form.tracker(), booking_key(form.tracker()))
    form.message = {"text": "我的预约", "intent": {"name": "list_appointments"}, "entities": []}
    listed = texts(await form.run(ActionListAppointments()))
    records = httpx.get(f"{sandbox_url}/appointments/v1/bookings", params={"phone": phone}).json()
    assert form.slots["appointment_confirmed"] is None
    if stored:
        assert [item["booking_no"] for item in records] == [made.booking_no]
        assert listed.startswith(LOOKED_UP) and listed.count(made.booking_no) == 2, listed
    else:
        assert records == [] and listed.startswith(NOT_MADE) and "预约成功" not in listed, listed


async def test_a_new_booking_after_an_unknown_outcome_is_told_the_earlier_one_first(sandbox_url: str) -> None:
    phone = "13912395555"
    day = open_day(after=open_day(after=open_day()))
    form = await confirmed_form(
        "web:unknown-then-new", f"约{day.month}月{day.day}号上午10点中医院针灸科，叫邱红，电话{phone}"
    )
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "error"}).raise_for_status()
    await form.run(ActionBookAppointment())
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    made = await ActionBookAppointment._submit(form.tracker(), booking_key(form.tracker()))
    form.message = {"text": "我要挂号", "intent": {"name": "book_appointment"}, "entities": []}
    told = texts(await form.run(ActionPrepareAppointment()))
    assert told.startswith(LOOKED_UP) and made.booking_no in told, told
    assert form.slots["appointment_confirmed"] is None and form.slots["appointment_resource"] is None


@pytest.mark.parametrize("stored", [True, False])
async def test_a_confirmation_sent_again_after_an_unknown_outcome_settles_the_booking(
    sandbox_url: str, stored: bool
) -> None:
    """ "确认" / "1" again after the busy answer of a booking cut off: the platform's record
    decides (booked with its number, or not booked), never "还有什么可以帮您"."""
    phone = "13912394444" if stored else "13912393333"
    day = open_day(after=open_day(after=open_day()))
    form = await confirmed_form(
        f"web:unknown-yes-{stored}", f"约{day.month}月{day.day}号下午3点中医院针灸科，叫邱红，电话{phone}"
    )
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "error"}).raise_for_status()
    await form.run(ActionBookAppointment())
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    if stored:
        made = await ActionBookAppointment._submit(form.tracker(), booking_key(form.tracker()))
    form.message = {"text": "确认", "intent": {"name": "affirm"}, "entities": []}
    told = texts(await form.run(ActionPlainYes()))
    records = httpx.get(f"{sandbox_url}/appointments/v1/bookings", params={"phone": phone}).json()
    if stored:
        assert [item["booking_no"] for item in records] == [made.booking_no]
        assert told.startswith(LOOKED_UP) and "预约成功" in told and made.booking_no in told, told
    else:
        assert records == [] and told == NOT_MADE, told
    assert form.slots["appointment_confirmed"] is None
    assert [said.get("response") for said in await form.run(ActionPlainYes())] == ["utter_anything_else"]


async def test_a_cancellation_whose_answer_never_came_is_told_from_the_booking_as_it_stands(
    sandbox_url: str,
) -> None:
    """The platform cancelled but its answer was lost (retries too): the booking as it stands
    says cancelled, and so does the reply, never "没有取消成功"."""
    form = driver("web:cancel-lost")
    form.slots = {"appointment_name": "陈静", "appointment_phone": "13700045678"}
    form.slots.update(
        appointment_resource="H02-ZY",
        appointment_date=open_day(after=open_day()).isoformat(),
        appointment_time="14:00",
        appointment_confirmed=True,
    )
    assert "预约成功" in texts(await form.run(ActionBookAppointment()))
    made = form.slots["appointment_last_booking"]
    form.message = {"text": "取消预约", "intent": {"name": "cancel_appointment"}, "entities": []}
    assert "确认取消" in texts(await form.run(ActionCancelAppointment()))
    httpx.post(f"{sandbox_url}/_faults/appointments", json={"mode": "lost"}).raise_for_status()
    form.message = {"text": "确认", "intent": {"name": "affirm"}, "entities": []}
    reply = texts(await form.run(ActionCancelAppointment()))
    httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    stored = httpx.get(f"{sandbox_url}/appointments/v1/bookings/{made}").json()
    assert stored["status"] == "cancelled"
    assert reply.startswith("已取消"), reply
    assert "没有取消成功" not in reply, reply


async def test_a_day_offered_as_a_question_answers_the_date_question() -> None:
    """ "那后天呢" when asked which day, read by the NLU as a bill follow-up ("那上个月呢"): the day
    counts; "那水费呢" stays a question of its own."""
    form = driver("web:what-about")
    await form.run(ActionPrepareAppointment())
    await form.say(
        "挂中医院针灸科", "book_appointment", entity("hospital", "H02"), entity("clinic", "H02-ZJ")
    )
    assert form.slots["requested_slot"] == "appointment_date"
    await form.say("那水费呢", "query_bill", entity("bill_type", "water"))
    assert form.slots.get("appointment_date") is None
    word, days = ("后天", 2) if (city_today() + timedelta(days=2)).isoweekday() != 7 else ("大后天", 3)
    await form.say(f"那{word}呢", "query_bill")
    assert form.slots["appointment_date"] == (city_today() + timedelta(days=days)).isoformat()
