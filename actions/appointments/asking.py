"""The form's questions that depend on what is known so far: which clinic (of the hospital
already named), which service item (of the chosen hall), which free time (of that day),
and the final confirmation with everything in one message."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments import replies
from actions.appointments.directory import all_clinics, clinics_of, find_hall, resource_name
from actions.appointments.form import HALL_MARK, HINT_MARK, offer_nearest
from actions.forms import STOP_HINT, just_rejected
from common.time_words import MORNING, PERIOD_LABELS, city_today, opening_spans
from departments.appointments import DaySlots
from departments.base import DepartmentError
from departments.registry import departments

logger = logging.getLogger(__name__)
BUSY = "预约系统繁忙，暂时查不到号源。请稍后再试，或拨打12345。"
GENERAL_CHOICES = [
    {"title": "示例市立医院", "payload": replies.payload("inform", {"hospital": "H01"})},
    {"title": "示例市中医院", "payload": replies.payload("inform", {"hospital": "H02"})},
    {"title": "示例市妇女儿童医院", "payload": replies.payload("inform", {"hospital": "H03"})},
    {
        "title": "政务服务中心（办证办事）",
        "payload": replies.payload("inform", {"appointment_type": "gov_hall"}),
    },
]


class ActionAskAppointmentResource(Action):
    def name(self) -> str:
        return "action_ask_appointment_resource"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        hint = tracker.get_slot("appointment_hint") or ""
        hospital = tracker.get_slot("appointment_hospital")
        try:
            if hint == HALL_MARK or (hint == "" and tracker.get_slot("appointment_service")):
                halls = await departments().appointments.halls()
                dispatcher.utter_message(
                    text="去哪个政务大厅？请回复数字：", buttons=replies.hall_buttons(halls)
                )
                return []
            if hint.startswith(HINT_MARK):
                name = hint.removeprefix(HINT_MARK)
                clinics = [clinic for clinic in await all_clinics() if clinic.name == name]
                dispatcher.utter_message(
                    text=f"好几家医院有{name}，约哪一家？请回复数字：",
                    buttons=replies.clinic_buttons(clinics),
                )
                return []
            if hospital:
                full = hint.removeprefix("full:")
                clinics = [clinic for clinic in await clinics_of(hospital) if clinic.clinic_id != full]
                name = clinics[0].hospital_name if clinics else "这家医院"
                dispatcher.utter_message(
                    text=f"约{name}哪个科室？请回复数字：", buttons=replies.clinic_buttons(clinics)
                )
                return []
        except DepartmentError as error:
            logger.warning("directory unavailable: %s", error)
        dispatcher.utter_message(
            text=f"您要约哪里？请回复数字，或直接说医院和科室，如“市立医院内科”。{STOP_HINT}",
            buttons=GENERAL_CHOICES,
        )
        return []


class ActionAskAppointmentService(Action):
    def name(self) -> str:
        return "action_ask_appointment_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            hall = await find_hall(tracker.get_slot("appointment_resource"))
        except DepartmentError:
            hall = None
        if hall is None:
            dispatcher.utter_message(text="要办什么事？如“办护照”“补办身份证”。")
            return []
        dispatcher.utter_message(
            text=f"在{hall.name}办什么事？请回复数字：", buttons=replies.service_buttons(hall)
        )
        return []


class ActionAskAppointmentTime(Action):
    """The free times of the chosen day (and period) as numbered choices; when there are
    none, why, and the nearest free times on other days."""

    def name(self) -> str:
        return "action_ask_appointment_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        resource = tracker.get_slot("appointment_resource")
        day = date.fromisoformat(tracker.get_slot("appointment_date"))
        period = tracker.get_slot("appointment_period")
        today = city_today()
        try:
            found = await departments().appointments.free_slots(resource, day.isoformat(), period)
        except DepartmentError as error:
            logger.warning("slots unavailable: %s", error)
            dispatcher.utter_message(text=BUSY)
            return []
        lead = ""
        if period and not found.slots and found.reason == "fully_booked":
            # Nothing that half of the day (a hall open only on Saturday mornings, or that
            # half taken): the rest of the day before any "约满" or another day.
            try:
                whole_day = await departments().appointments.free_slots(resource, day.isoformat())
            except DepartmentError as error:
                logger.warning("slots unavailable: %s", error)
            else:
                if whole_day.slots:
                    lead = "" if just_rejected(tracker) else period_problem(whole_day, day, period)
                    found, period = whole_day, None
        if found.slots:
            chosen = found.slots[: replies.MAX_SLOT_CHOICES] if period else replies.spread_slots(found.slots)
            dispatcher.utter_message(
                text=lead + replies.day_slots_text(found.name, day, period, today),
                buttons=[replies.slot_button(slot, today, False) for slot in chosen],
            )
            return []
        problem = found.message or "这个时间约不了。"
        if not await offer_nearest(dispatcher, resource, day, problem):
            return [SlotSet("appointment_date", None), SlotSet("appointment_resource", None)]
        return []


def period_problem(day_slots: DaySlots, day: date, period: str) -> str:
    """Why the half of the day asked for has nothing while the rest of the day has places:
    closed then (a Saturday afternoon at a hall), or all taken. The caller leaves it out when
    the validation has just said it (a clock time outside the hours, ValidationBase.reject)."""
    label = PERIOD_LABELS[period]
    spans = opening_spans(day_slots.hours, day)
    open_then = any(opens < "12:00" if period == MORNING else closes > "12:00" for opens, closes in spans)
    if spans and not open_then:
        shown = "、".join(f"{opens.lstrip('0')}-{closes}" for opens, closes in spans)
        return f"这天{label}不办理，办理时间是 {shown}。"
    return f"这天{label}的号已经约满了。"


class ActionAskAppointmentConfirmed(Action):
    def name(self) -> str:
        return "action_ask_appointment_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        resource = tracker.get_slot("appointment_resource")
        try:
            name, service_name = await resource_name(resource, tracker.get_slot("appointment_service"))
        except DepartmentError:
            name, service_name = resource, None
        text = replies.summary(
            name,
            service_name,
            date.fromisoformat(tracker.get_slot("appointment_date")),
            tracker.get_slot("appointment_time"),
            tracker.get_slot("appointment_name"),
            tracker.get_slot("appointment_phone"),
            city_today(),
        )
        rescheduling = bool(tracker.get_slot("appointment_reschedule"))
        dispatcher.utter_message(
            text=replies.confirm_text(text, rescheduling), buttons=replies.CONFIRM_BUTTONS
        )
        return []


class FixedQuestion(Action):
    """A form question that is always worded the same; subclasses set the name and text. Not
    asked right after the validation said what was wrong and what to send instead (the
    rejection ends with STOP_HINT): the citizen would read the same request twice. A question
    with buttons is still shown, for its buttons."""

    action_name = ""
    text = ""
    buttons: ClassVar[list[dict[str, str]]] = []

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if self.buttons or not just_rejected(tracker):
            dispatcher.utter_message(text=self.text, buttons=self.buttons)
        return []


class ActionAskAppointmentDate(FixedQuestion):
    action_name = "action_ask_appointment_date"
    text = f"哪天去？可以说“明天上午”“下周三”“11月25号”。{STOP_HINT}"


class ActionAskAppointmentName(FixedQuestion):
    action_name = "action_ask_appointment_name"
    text = "请告诉我预约人的姓名。"


class ActionAskAppointmentPhone(FixedQuestion):
    action_name = "action_ask_appointment_phone"
    text = "请发预约人的手机号（11位）。"
