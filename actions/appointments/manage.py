"""A citizen's own appointments: list them, cancel one ("取消预约", choosing which if
several), and answer "要带什么材料" in the middle of booking."""

from __future__ import annotations

import logging
import re
from datetime import date
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments import replies
from actions.appointments.booking import settle_booking
from actions.appointments.citizen import active_bookings, typed_subject
from actions.appointments.form import PhoneValidation
from actions.appointments.services import (
    GUIDE_TOPICS,
    HOSPITAL_GUIDE_TOPIC,
    resource_from_ids,
    service_from_entities,
)
from actions.form_stack import resume_interrupted, resumes_after
from actions.forms import latest_entity_values, latest_text
from actions.identity import begin_verification
from common.time_words import city_today, resolve_date
from departments.appointments import Booking
from departments.base import DepartmentError, DepartmentUnavailable
from departments.registry import departments
from knowledge_base.catalog import Catalog, load_catalog
from knowledge_base.config import RetrieverConfig

logger = logging.getLogger(__name__)
BUSY = "预约系统繁忙，暂时查不到您的预约。请稍后再试，或拨打12345。"
PENDING_SLOT = "appointment_cancel_pending"
WHICH = "要取消哪一个？请回复数字："
CANCEL_FAILED = "预约系统繁忙，这次没有取消成功，请稍后再试。"
CANCEL_UNKNOWN = "预约系统没有及时回复，暂时不能确认是否已取消。请过几分钟说“我的预约”查看，也可拨打12345。"


class ValidateAppointmentListForm(PhoneValidation):
    """Asks nothing: whose bookings are shown is decided by the verified identity, never by a
    typed phone (the list and cancel actions start the verification when it is needed)."""

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
        return []


class ValidateAppointmentCancelForm(ValidateAppointmentListForm):
    own_intents = frozenset({"cancel_appointment"})

    def name(self) -> str:
        return "validate_appointment_cancel_form"


async def visible_bookings(
    dispatcher: CollectingDispatcher, tracker: Tracker, kind: str
) -> tuple[list[Booking] | None, list[dict[str, Any]]]:
    """The bookings this user may see, or (None, events of the verification step / busy), with
    the events of a booking whose outcome was unknown, looked up first (settle_booking): a
    booking the department stored under its key is among this conversation's own."""
    settled = await settle_booking(dispatcher, tracker)
    tracker.add_slots(settled)
    try:
        bookings = await active_bookings(tracker)
    except DepartmentError as error:
        logger.warning("bookings unavailable: %s", error)
        dispatcher.utter_message(text=BUSY)
        return None, settled
    if bookings is None:
        events = await begin_verification(
            dispatcher, tracker, {"kind": kind}, "查看和取消预约", typed_subject(tracker)
        )
        return None, [*settled, *events]
    return bookings, settled


async def list_bookings(dispatcher: CollectingDispatcher, bookings: list[Booking]) -> None:
    today = city_today()
    upcoming = [booking for booking in bookings if booking.date >= today.isoformat()]
    dispatcher.utter_message(text=replies.bookings_text(upcoming, today))


class ActionListAppointments(Action):
    def name(self) -> str:
        return "action_list_appointments"

    @resumes_after
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if answers_which_to_cancel(tracker):
            # The NLU read a booking number typed in answer to "要取消哪一个" as a question about
            # that booking: it answers the cancellation's question.
            return [FollowupAction("action_cancel_appointment")]
        bookings, events = await visible_bookings(dispatcher, tracker, "list_appointments")
        if bookings is not None:
            await list_bookings(dispatcher, bookings)
        return events


_BOOKING_NO = re.compile(r"(?<![0-9A-Za-z])[HGhg]20[0-9]{6}-[0-9]{4}(?![0-9])")


def typed_booking_numbers(tracker: Tracker) -> list[str]:
    """Booking numbers in the latest message: tagged by the NLU, or typed in the shape the
    department gives them (H20261208-0001), whichever intent the NLU read."""
    numbers = [value.upper() for value in latest_entity_values(tracker, "booking_no")]
    for found in _BOOKING_NO.findall(latest_text(tracker)):
        if found.upper() not in numbers:
            numbers.append(found.upper())
    return numbers


def answers_which_to_cancel(tracker: Tracker) -> bool:
    """The latest message types a booking number in answer to "要取消哪一个", whatever intent the
    NLU read ("h20261208-0999这个不要了" fell to nlu_fallback)."""
    return asked_which_to_cancel(tracker) and bool(typed_booking_numbers(tracker))


def asked_which_to_cancel(tracker: Tracker) -> bool:
    """The bot's last question before this message was which booking to cancel."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return WHICH in str(event.get("text") or "")
    return False


def matching_bookings(bookings: list[Booking], tracker: Tracker) -> list[Booking]:
    """The bookings the message points at (a number, a day, a clinic); all when it names none.
    A number names only itself: one not among the citizen's bookings matches none."""
    numbers = typed_booking_numbers(tracker)
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


def confirm_cancel_text(booking: Booking) -> str:
    day = date.fromisoformat(booking.date)
    what = (
        f"{booking.resource_name}（{booking.service_name}）"
        if booking.service_name
        else booking.resource_name
    )
    return f"确认取消{day.month}月{day.day}日 {booking.start} {what}的预约吗？（预约号 {booking.booking_no}）"


CONFIRM_BUTTONS = [
    {"title": "确认取消", "payload": "/affirm"},
    {"title": "不取消", "payload": "/deny"},
]


async def offer_cancel(
    dispatcher: CollectingDispatcher, tracker: Tracker, bookings: list[Booking]
) -> list[dict[str, Any]]:
    """One booking pointed at: ask to confirm; several: which one. A booking number that is not
    one of the citizen's is refused, and their bookings offered again."""
    today = city_today()
    if not bookings:
        dispatcher.utter_message(text="您现在没有可以取消的预约。")
        return [SlotSet(PENDING_SLOT, None), *resume_interrupted(dispatcher, tracker)]
    chosen = matching_bookings(bookings, tracker)
    unknown = [
        number for number in typed_booking_numbers(tracker) if number not in {b.booking_no for b in bookings}
    ]
    if unknown and not chosen:
        dispatcher.utter_message(
            text=f"预约号{unknown[0]}不在您的预约里，请核对一下。{WHICH}",
            buttons=replies.cancel_buttons(bookings, today),
        )
        return [SlotSet(PENDING_SLOT, None)]
    if len(chosen) != 1:
        dispatcher.utter_message(
            text=WHICH,
            buttons=replies.cancel_buttons(chosen or bookings, today),
        )
        return [SlotSet(PENDING_SLOT, None)]
    dispatcher.utter_message(text=confirm_cancel_text(chosen[0]), buttons=CONFIRM_BUTTONS)
    return [SlotSet(PENDING_SLOT, chosen[0].booking_no)]


class ActionCancelAppointment(Action):
    """Cancels only after "确认取消": the first run points at a booking and asks, the answer
    (affirm / deny, by rule) comes back here."""

    def name(self) -> str:
        return "action_cancel_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        pending = tracker.get_slot(PENDING_SLOT)
        if intent in ("affirm", "deny") and not pending:
            resumed = resume_interrupted(dispatcher, tracker)
            if not resumed:
                dispatcher.utter_message(text="还有什么可以帮您？")
            return resumed
        if intent == "deny":
            dispatcher.utter_message(text="好的，没有取消，预约保留。")
            return [SlotSet(PENDING_SLOT, None), *resume_interrupted(dispatcher, tracker)]
        bookings, events = await visible_bookings(dispatcher, tracker, "cancel_appointment")
        if bookings is None:
            return [SlotSet(PENDING_SLOT, None), *events]
        return [*events, *await self._cancel_one(dispatcher, tracker, bookings)]

    @staticmethod
    async def _cancel_one(
        dispatcher: CollectingDispatcher, tracker: Tracker, bookings: list[Booking]
    ) -> list[dict[str, Any]]:
        """Asks which booking and confirms it; cancels the one confirmed."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        pending = tracker.get_slot(PENDING_SLOT)
        if intent != "affirm":
            return await offer_cancel(dispatcher, tracker, bookings)
        chosen = next((booking for booking in bookings if booking.booking_no == pending), None)
        if chosen is None:
            dispatcher.utter_message(text="这个预约已经不在了，可能已经取消。说“我的预约”可以查看。")
            return [SlotSet(PENDING_SLOT, None), *resume_interrupted(dispatcher, tracker)]
        try:
            cancelled = await departments().appointments.cancel(chosen.booking_no)
        except DepartmentUnavailable as error:
            logger.warning("cancel outcome unknown: %s", error)
            cancelled = await _as_it_stands(chosen)
            if cancelled is None or cancelled.status != "cancelled":
                dispatcher.utter_message(text=CANCEL_UNKNOWN if cancelled is None else CANCEL_FAILED)
                return [SlotSet(PENDING_SLOT, None), *resume_interrupted(dispatcher, tracker)]
        except DepartmentError as error:
            logger.warning("cancel refused: %s", error)
            message = getattr(error, "message", "")
            dispatcher.utter_message(text=f"{message}。" if message else CANCEL_FAILED)
            return [SlotSet(PENDING_SLOT, None), *resume_interrupted(dispatcher, tracker)]
        dispatcher.utter_message(text=replies.cancelled_text(cancelled, city_today()))
        return [
            SlotSet("appointment_last_booking", None),
            SlotSet(PENDING_SLOT, None),
            *resume_interrupted(dispatcher, tracker),
        ]


async def _as_it_stands(booking: Booking) -> Booking | None:
    """The booking as the department holds it after a cancellation whose answer never came (the
    cancellation may have been carried out); None when the department cannot say now either."""
    try:
        return await departments().appointments.booking(booking.booking_no)
    except DepartmentError as error:
        logger.warning("booking %s unknown after a cancellation: %s", booking.booking_no, error)
        return None


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
