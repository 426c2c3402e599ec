"""A citizen's own appointments: list them, cancel one ("取消预约", choosing which if
several), and answer "要带什么材料" in the middle of booking."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments import replies
from actions.appointments.citizen import active_bookings, linked_citizen
from actions.appointments.form import PhoneValidation
from actions.appointments.services import (
    GUIDE_TOPICS,
    HOSPITAL_GUIDE_TOPIC,
    resource_from_ids,
    service_from_entities,
)
from actions.forms import latest_entity_values, latest_text
from common.time_words import city_today, resolve_date
from departments.appointments import Booking
from departments.base import DepartmentError
from departments.registry import departments
from knowledge_base.catalog import Catalog, load_catalog
from knowledge_base.config import RetrieverConfig

logger = logging.getLogger(__name__)
BUSY = "预约系统繁忙，暂时查不到您的预约。请稍后再试，或拨打12345。"


class ValidateAppointmentListForm(PhoneValidation):
    """Asks for the phone only when neither it nor a linked citizen is known. The phone stays a
    required slot until then: rasa-sdk validates (and so keeps) only required slots, so a form
    that stopped requiring the phone once it was typed would throw the typed phone away."""

    own_intents = frozenset({"list_appointments"})

    def name(self) -> str:
        return "validate_appointment_list_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if await linked_citizen(tracker.sender_id) else domain_slots


class ValidateAppointmentCancelForm(ValidateAppointmentListForm):
    own_intents = frozenset({"cancel_appointment"})

    def name(self) -> str:
        return "validate_appointment_cancel_form"


class ActionListAppointments(Action):
    def name(self) -> str:
        return "action_list_appointments"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            bookings = await active_bookings(tracker) or []
        except DepartmentError as error:
            logger.warning("bookings unavailable: %s", error)
            dispatcher.utter_message(text=BUSY)
            return []
        today = city_today()
        upcoming = [booking for booking in bookings if booking.date >= today.isoformat()]
        dispatcher.utter_message(text=replies.bookings_text(upcoming, today))
        return []


def matching_bookings(bookings: list[Booking], tracker: Tracker) -> list[Booking]:
    """The bookings the message points at (a number, a day, a clinic); all when it names none."""
    numbers = latest_entity_values(tracker, "booking_no")
    if numbers:
        return [booking for booking in bookings if booking.booking_no in numbers]
    chosen = bookings
    day = resolve_date(latest_text(tracker), city_today())
    if day:
        chosen = [booking for booking in chosen if booking.date == day.isoformat()]
    resource = resource_from_ids(latest_entity_values(tracker, "clinic"))
    if resource:
        chosen = [booking for booking in chosen if booking.resource_id == resource]
    return chosen


class ActionCancelAppointment(Action):
    def name(self) -> str:
        return "action_cancel_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        today = city_today()
        try:
            bookings = await active_bookings(tracker) or []
        except DepartmentError as error:
            logger.warning("bookings unavailable: %s", error)
            dispatcher.utter_message(text=BUSY)
            return []
        if not bookings:
            dispatcher.utter_message(text="您现在没有可以取消的预约。")
            return []
        chosen = matching_bookings(bookings, tracker)
        if len(chosen) != 1:
            dispatcher.utter_message(
                text="要取消哪一个？请回复数字：",
                buttons=replies.cancel_buttons(chosen or bookings, today),
            )
            return []
        try:
            cancelled = await departments().appointments.cancel(chosen[0].booking_no)
        except DepartmentError as error:
            logger.warning("cancel failed: %s", error)
            message = getattr(error, "message", "") or "预约系统繁忙，这次没有取消成功，请稍后再试"
            dispatcher.utter_message(text=f"{message}。")
            return []
        dispatcher.utter_message(text=replies.cancelled_text(cancelled, today))
        return [SlotSet("appointment_last_booking", None)]


@cache
def guide_catalog() -> Catalog:
    return load_catalog(RetrieverConfig.from_env().content_dir)


def materials_text(topic: str) -> str | None:
    """ "要带：…" from the knowledge-base guide of the topic; None when it has no guide."""
    try:
        entry = guide_catalog().get(topic)
    except (KeyError, ValueError) as error:
        logger.warning("no guide for %s: %s", topic, error)
        return None
    if entry.guide is None:
        return None
    return f"{entry.question}：要带{'、'.join(entry.guide.materials)}。"


class ActionAppointmentMaterials(Action):
    """A question in the middle of booking ("要带什么材料"), answered for what is being
    booked; the form then asks its pending question again."""

    def name(self) -> str:
        return "action_appointment_materials"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        service = service_from_entities(latest_entity_values(tracker, "service_item")) or tracker.get_slot(
            "appointment_service"
        )
        resource = tracker.get_slot("appointment_resource") or ""
        topic = (
            GUIDE_TOPICS.get(service or "") if service or resource.startswith("G") else HOSPITAL_GUIDE_TOPIC
        )
        answer = materials_text(topic) if topic else None
        dispatcher.utter_message(text=answer or "一般带上本人身份证就可以，具体以现场要求为准。")
        return []
