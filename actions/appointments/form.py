"""Validation of the appointment form: what to book, when, for whom, and the final yes.

Every turn re-reads the latest message for all questions at once ("明天上午市医院内科"
fills three). Extraction returns only what this message changed, so an unrelated question
("你是机器人吗") fills nothing and the form lets a rule answer it. Helper slots (the
hospital chosen so far, the period of the day) are set by the validators, because only
their results reach Rasa.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments import replies
from actions.appointments.directory import find_clinic, find_hall
from actions.appointments.services import (
    hospital_from_ids,
    resolved_resource,
    resource_from_ids,
    service_from_entities,
    service_from_text,
)
from actions.forms import (
    ValidationBase,
    intent_of,
    latest_entity_values,
    latest_text,
    leading_choice,
    phone_from_nlu,
)
from common.identity import is_valid_phone
from common.time_words import (
    MORNING,
    PERIOD_LABELS,
    city_today,
    day_label,
    opening_spans,
    resolve_date,
    resolve_time,
)
from departments.appointments import DaySlots
from departments.base import DepartmentError
from departments.registry import departments
from understanding.appointments import (
    INTERRUPTING_INTENTS,
    NOT_NAME_INTENTS,
    asks_to_book,
    corrected_part,
    says_relation_only,
    typed_name,
    typed_phone,
)

logger = logging.getLogger(__name__)
HOSPITAL_MARK, HINT_MARK, HALL_MARK = "hospital:", "hint:", "gov_hall"
HELPER_SLOTS = ("appointment_hospital", "appointment_hint", "appointment_period")
RESOURCE_ENTITIES = ("clinic", "hospital")
PLACE_ENTITIES = (*RESOURCE_ENTITIES, "appointment_type")
# Intents the NLU gives a bare answer it cannot place; the form's question decides instead.
MISREAD_ANSWER_INTENTS = frozenset({"out_of_scope", "greet", "thank"})
# Intents a booking request is misread as (actions.appointments.prepare.misread_booking).
MISREAD_BOOKING_INTENTS = frozenset({"ask_service_guide", "out_of_scope"})
RELATION_ONLY = "relation-only"
"""The name slot's value for "我是她儿子": rejected with a question for the patient's name."""
# "那后天呢", "要不周五行吗": a day or time offered as a question.
_WHAT_ABOUT = re.compile(r"^(?:那|那么|要不|要不然|或者)?(.{1,10}?)(?:呢|行吗|可以吗|行不行)[?？]?$")
QUESTION_WORDS = ("?", "？", "吗", "呢", "怎么", "什么", "几点了", "天气", "多少")


def is_interruption(tracker: Tracker) -> bool:
    return intent_of(tracker) in INTERRUPTING_INTENTS


def interrupts_booking(tracker: Tracker) -> bool:
    """An intent that answers no booking question, unless the words ask to book ("约政务服务中心
    办居住证" read as a guide question starts the booking, which then reads them)."""
    if not is_interruption(tracker):
        return False
    return intent_of(tracker) not in MISREAD_BOOKING_INTENTS or not asks_to_book(
        latest_text(tracker), city_today()
    )


def corrections(tracker: Tracker) -> tuple[str, ...]:
    corrected = corrected_part(latest_text(tracker))
    return (corrected,) if corrected else ()


def corrected_entity_values(tracker: Tracker, offset: int) -> list[str]:
    """Clinic and hospital values the NLU found after a self-correction starting at `offset`."""
    return [
        str(item.get("value"))
        for item in tracker.latest_message.get("entities", [])
        if item.get("entity") in RESOURCE_ENTITIES and int(item.get("start") or 0) >= offset
    ]


def answers_the_question(tracker: Tracker, slot: str) -> bool:
    """A day or time given when asked for it, which the NLU took for small talk ("下下个礼拜五吧"
    read as out_of_scope) or for a bill follow-up ("那后天呢" read as "那上个月呢"): the answer
    counts, the form's question was what it answered."""
    intent = intent_of(tracker)
    bill_named = any(latest_entity_values(tracker, entity) for entity in ("bill_type", "account_number"))
    misread = intent in MISREAD_ANSWER_INTENTS or (intent == "query_bill" and not bill_named)
    if tracker.get_slot("requested_slot") != slot or not misread:
        return False
    text = latest_text(tracker)
    offered = _WHAT_ABOUT.match(text)
    if offered:
        text = offered.group(1)  # "那后天呢": a day offered as a question
    elif any(word in text for word in QUESTION_WORDS):
        return False  # "今天天气怎么样" is a question of its own, not the day to book
    if slot == "appointment_date":
        return resolve_date(text, city_today()) is not None
    return any(resolve_time(text))


def changed(tracker: Tracker, slot: str, value: Any) -> dict[str, Any]:
    """Only a new value counts: re-setting the old one would hide an off-topic message."""
    return {} if value is None or tracker.get_slot(slot) == value else {slot: value}


def set_this_turn(tracker: Tracker, slot: str) -> bool:
    return slot in tracker.slots_to_validate()


class PhoneValidation(ValidationBase):
    """The phone question, shared by the booking form and the list/cancel forms."""

    own_intents: frozenset[str] = frozenset()
    """Intents that start this form, so a phone in their message ("查一下我的预约，手机号…")
    is read instead of being taken for an interruption."""

    def extract_appointment_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "appointment_phone"
        if interrupts_booking(tracker) and not asked and intent_of(tracker) not in self.own_intents:
            return {}
        # The text first: NLU may cut a number into pieces around "12345"; the words after a
        # self-correction before both ("电话13966667777，哦不对是13966667778").
        typed = (typed_phone(text, asked) for text in (*corrections(tracker), latest_text(tracker)))
        phone = next((found for found in typed if found), None) or phone_from_nlu(tracker, asked)
        return changed(tracker, "appointment_phone", phone)

    def validate_appointment_phone(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:
            return {}
        if slot_value and is_valid_phone(str(slot_value)):
            return {"appointment_phone": str(slot_value)}
        return self.reject(
            dispatcher, "appointment_phone", "手机号格式不对，应为11位手机号，如 13800000000。"
        )


class ValidateAppointmentForm(PhoneValidation):
    def name(self) -> str:
        return "validate_appointment_form"

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """rasa-sdk drops what validators set on slots outside the form when those slots were
        also set earlier this turn (by action_prepare_appointment); report the helpers too."""
        before = {slot: tracker.slots.get(slot) for slot in HELPER_SLOTS}
        events = await super().get_validation_events(dispatcher, tracker, domain)
        reported = {event["name"] for event in events}
        return events + [
            SlotSet(slot, tracker.slots.get(slot))
            for slot in HELPER_SLOTS
            if slot not in reported and tracker.slots.get(slot) != before[slot]
        ]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A hall also needs the service item, unless an existing booking is being moved. Before
        the place is known the item is listened for too ("去大厅办护照")."""
        resource = tracker.get_slot("appointment_resource") or ""
        # Until a clinic is chosen the place may still become a hall: the service stays required
        # (rasa-sdk keeps only required slots, so a service named with "去大厅" would be lost
        # the moment extraction marked the place as "some hall").
        marked = resource == HALL_MARK or resource.startswith((HOSPITAL_MARK, HINT_MARK))
        known_clinic = bool(resource) and not resource.startswith("G") and not marked
        needs_service = not known_clinic and not tracker.get_slot("appointment_reschedule")
        return [slot for slot in domain_slots if slot != "appointment_service" or needs_service]

    # --- what ---------------------------------------------------------------------

    async def extract_appointment_resource(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if interrupts_booking(tracker) or tracker.get_slot("appointment_reschedule"):
            return {}
        text = latest_text(tracker)
        corrected = corrected_part(text)
        ids = [value for entity in RESOURCE_ENTITIES for value in latest_entity_values(tracker, entity)]
        if tracker.get_slot("requested_slot") == "appointment_resource":
            # "1，12月7号去": the place picked by its number, the day said with it.
            ids = [value for key, value in leading_choice(tracker).items() if key in RESOURCE_ENTITIES] + ids
        if corrected:
            # "内科，不对，是骨科": what the correction names first.
            ids = corrected_entity_values(tracker, text.rfind(corrected)) + ids
        resource = resource_from_ids(ids)
        if resource:
            return changed(tracker, "appointment_resource", resource)
        named = any(latest_entity_values(tracker, entity) for entity in PLACE_ENTITIES)
        asked = tracker.get_slot("requested_slot") in (None, "appointment_resource")
        if not (named or asked) or text.startswith("/"):
            hospital = hospital_from_ids(ids)
            return changed(
                tracker, "appointment_resource", f"{HOSPITAL_MARK}{hospital}" if hospital else None
            )
        try:
            resolution = await departments().appointments.resolve(text)
            if corrected:
                fixed = await departments().appointments.resolve(corrected)
                if resolved_resource(fixed)[0]:
                    resolution = fixed
        except DepartmentError as error:
            logger.warning("could not resolve a clinic now: %s", error)
            return {}
        resource, hospital = resolved_resource(resolution)
        if resource:
            return changed(tracker, "appointment_resource", resource)
        if hospital:
            return {"appointment_resource": f"{HOSPITAL_MARK}{hospital}"}
        if resolution.clinics:
            return {"appointment_resource": f"{HINT_MARK}{resolution.clinics[0].name}"}
        if "gov_hall" in latest_entity_values(tracker, "appointment_type") or service_from_text(text):
            return {"appointment_resource": HALL_MARK}
        return {}

    async def validate_appointment_resource(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Marks from extraction become helper slots; a real clinic is checked for any free
        place in the booking window, so a fully booked one is refused at once."""
        if slot_value is None:
            return {}
        value = str(slot_value or "")
        cleared = {"appointment_resource": None, "appointment_hospital": None, "appointment_hint": None}
        if value.startswith(HOSPITAL_MARK):
            return {**cleared, "appointment_hospital": value.removeprefix(HOSPITAL_MARK)}
        if value.startswith(HINT_MARK) or value == HALL_MARK:
            return {**cleared, "appointment_hint": value}
        if not value:
            return cleared
        try:
            free = await departments().appointments.nearest_slots(value, limit=1)
        except DepartmentError as error:
            logger.warning("could not check free places now: %s", error)
            free = None
        clinic = await self._clinic_or_none(value)
        hospital = clinic.hospital_id if clinic else None
        if free == []:
            name = f"{clinic.hospital_name} {clinic.name}" if clinic else "这里"
            days = self.limits.booking_days_ahead
            self.reject(
                dispatcher, "appointment_resource", f"{name}最近{days}天的号都约满了，换个科室或医院吧。"
            )
            return {**cleared, "appointment_hospital": hospital, "appointment_hint": f"full:{value}"}
        result = {**cleared, "appointment_resource": value, "appointment_hospital": hospital}
        return {**result, **self._reset_when_changed(tracker)}

    async def extract_appointment_service(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if interrupts_booking(tracker):
            return {}
        service = service_from_entities(latest_entity_values(tracker, "service_item"))
        return changed(tracker, "appointment_service", service or service_from_text(latest_text(tracker)))

    async def validate_appointment_service(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if slot_value is None:
            return {}
        resource = tracker.get_slot("appointment_resource") or ""
        if not resource.startswith("G"):
            return {"appointment_service": slot_value}
        try:
            hall = await find_hall(resource)
        except DepartmentError:
            return {"appointment_service": slot_value}
        if hall and slot_value not in {service.id for service in hall.services}:
            offered = "、".join(service.name for service in hall.services)
            return self.reject(dispatcher, "appointment_service", f"{hall.name}可以预约的事项有：{offered}。")
        return {"appointment_service": slot_value, "appointment_confirmed": None}

    # --- when ---------------------------------------------------------------------

    def extract_appointment_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if interrupts_booking(tracker) and not answers_the_question(tracker, "appointment_date"):
            return {}
        # The whole message first: the tagger may tag only "下周三" inside "下下周三"; the
        # words after a self-correction before both ("明天，不对，后天").
        for text in (*corrections(tracker), latest_text(tracker), *latest_entity_values(tracker, "date")):
            day = resolve_date(text, city_today())
            if day:
                return changed(tracker, "appointment_date", day.isoformat())
        return {}

    async def validate_appointment_date(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Past days, closed days and days beyond the window are refused with the reason; a
        full day with the nearest free times as numbered choices."""
        if slot_value is None:
            return {}
        today = city_today()
        day = date.fromisoformat(str(slot_value))
        if day < today:
            return self.reject(dispatcher, "appointment_date", "不能预约已经过去的日期，请换一天。")
        last = today + timedelta(days=self.limits.booking_days_ahead)
        if day > last:
            return self.reject(
                dispatcher,
                "appointment_date",
                f"{day_label(day, today)}还不能约：最多只能约{self.limits.booking_days_ahead}天内的，"
                f"最晚到{day_label(last, today)}。请换一天。",
            )
        resource = tracker.get_slot("appointment_resource")
        if resource:
            try:
                found = await departments().appointments.free_slots(resource, day.isoformat())
            except DepartmentError as error:
                logger.warning("could not check the day now: %s", error)
            else:
                if not found.slots:
                    await offer_nearest(dispatcher, resource, day, found.message or "这一天约不了。")
                    return {"appointment_date": None, "appointment_time": None}
        result: dict[str, Any] = {"appointment_date": day.isoformat(), "appointment_confirmed": None}
        if not set_this_turn(tracker, "appointment_time"):
            result["appointment_time"] = None
        return result

    def extract_appointment_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if interrupts_booking(tracker) and not answers_the_question(tracker, "appointment_time"):
            return {}
        # The whole message first: the tagger may tag only "上午" in "上午10点".
        for text in (*corrections(tracker), latest_text(tracker), *latest_entity_values(tracker, "time")):
            period, start = resolve_time(text)
            if start:
                return changed(tracker, "appointment_time", start)
            if period:
                return {"appointment_time": period}
        return {}

    async def validate_appointment_time(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A period alone ("上午") narrows the choices offered next; a clock time must be a
        free slot of that day, otherwise the free ones are offered instead."""
        if slot_value is None:
            return {}
        value = str(slot_value or "")
        if value in PERIOD_LABELS:
            return {"appointment_time": None, "appointment_period": value, "appointment_confirmed": None}
        period = MORNING if value < "12:00" else "afternoon"
        resource, day = tracker.get_slot("appointment_resource"), tracker.get_slot("appointment_date")
        result = {"appointment_time": value, "appointment_period": period, "appointment_confirmed": None}
        if not (resource and day):
            return result
        try:
            found = await departments().appointments.free_slots(resource, day)
        except DepartmentError as error:
            logger.warning("could not check the time now: %s", error)
            return result
        if any(slot.start == value for slot in found.slots):
            return result
        self.reject(dispatcher, "appointment_time", unavailable_time_text(value, found))
        return {"appointment_time": None, "appointment_period": period}

    # --- who and yes ----------------------------------------------------------------

    def extract_appointment_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if intent_of(tracker) in NOT_NAME_INTENTS:
            return {}
        asked = tracker.get_slot("requested_slot") == "appointment_name"
        text = latest_text(tracker)
        if asked and says_relation_only(text):
            return {"appointment_name": RELATION_ONLY}
        return changed(tracker, "appointment_name", typed_name(text, asked))

    def validate_appointment_name(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "我是她儿子" answers who is booking, not for whom: the patient's name is asked for."""
        if slot_value == RELATION_ONLY:
            return self.reject(
                dispatcher, "appointment_name", "好的。请告诉我看病或办事的人叫什么名字，比如“李桂兰”。"
            )
        return {"appointment_name": slot_value}

    def extract_appointment_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "appointment_confirmed"
        return {"appointment_confirmed": True} if asked and intent_of(tracker) == "affirm" else {}

    # --- helpers --------------------------------------------------------------------

    @staticmethod
    async def _clinic_or_none(resource: str) -> Any:
        if resource.startswith("G"):
            return None
        try:
            return await find_clinic(resource)
        except DepartmentError:
            return None

    @staticmethod
    def _reset_when_changed(tracker: Tracker) -> dict[str, Any]:
        """Another clinic or hall: the time chosen for the old one no longer holds."""
        reset: dict[str, Any] = {"appointment_confirmed": None}
        if not set_this_turn(tracker, "appointment_time"):
            reset["appointment_time"] = None
        return reset


def unavailable_time_text(value: str, day: DaySlots) -> str:
    """Why a clock time cannot be booked: outside that day's opening hours (20:00; a Saturday
    afternoon at a hall open only in the morning), or taken."""
    spans = opening_spans(day.hours, date.fromisoformat(day.date))
    if spans and not any(opens <= value < closes for opens, closes in spans):
        shown = "、".join(f"{opens.lstrip('0')}-{closes}" for opens, closes in spans)
        return f"{value}不在办理时间内，这天的办理时间是 {shown}。"
    if day.hours and not spans and not day.slots:
        return f"这天不办理，办理时间是 {day.hours}。"
    return f"{value}的号已经约满了。"


async def offer_nearest(
    dispatcher: CollectingDispatcher,
    resource: str,
    day: date,
    problem: str,
    intent: str = "inform",
    **extra: str,
) -> bool:
    """Says why `day` does not work and offers the nearest free times; False when none."""
    today = city_today()
    problem = problem.rstrip("。") + "。"
    after = max(day, today).isoformat() + "T00:00"
    try:
        nearest = await departments().appointments.nearest_slots(resource, after=after, limit=3)
    except DepartmentError as error:
        logger.warning("no alternatives now: %s", error)
        nearest = []
    if not nearest and day > today:
        # Nothing after that day (it may lie beyond the booking window): the nearest from today.
        try:
            nearest = await departments().appointments.nearest_slots(
                resource, after=today.isoformat() + "T00:00", limit=3
            )
        except DepartmentError as error:
            logger.warning("no alternatives now: %s", error)
    if not nearest:
        dispatcher.utter_message(text=f"{problem}最近几天也都约满了，换个科室或过几天再约吧。")
        return False
    # Inside the form (choices to inform) another day said instead is read too; the choices are
    # then the form's question, not asked again after them (actions.forms.just_rejected).
    another_day = "（也可以换一天）" if intent == "inform" else ""
    dispatcher.utter_message(
        text=f"{problem}最近能约的时间，请回复数字{another_day}：",
        buttons=[replies.slot_button(slot, today, True, intent, **extra) for slot in nearest],
    )
    return True


def describe_day(day_iso: str) -> str:
    return day_label(date.fromisoformat(day_iso), city_today())
