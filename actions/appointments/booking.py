"""Submitting the confirmed appointment form: book, or move the booking being rescheduled."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments import replies
from actions.appointments.citizen import OWN_BOOKINGS_SLOT, with_own_booking
from actions.appointments.form import offer_nearest
from actions.appointments.prepare import FORM_SLOTS
from actions.form_stack import resumes_after
from actions.forms import form_run_id
from common.time_words import city_today
from departments.appointments import Booking, BookingRequest
from departments.base import (
    DepartmentRejected,
    DepartmentUnavailable,
    RecordNotFound,
    idempotency_key,
    written_or_stored,
)
from departments.registry import departments
from notices.subscriptions import APPOINTMENT, follow_quietly

logger = logging.getLogger(__name__)
BUSY = "预约系统繁忙，这次没有约上。请稍后再试，或拨打12345。"
UNKNOWN_OUTCOME = (
    "预约系统没有及时回复，暂时不能确认是否约上。请过几分钟说“我的预约”查看，不要重复预约；也可拨打12345。"
)
NOT_BOOKED = "这次没有约上，请再说一次要约的时间，或拨打12345。"
LOOKED_UP = "刚才的预约，预约系统已经查到了：\n"
NOT_MADE = "刚才的预约，预约系统里没有记录，没有约上。需要的话请重新预约。"
TAKEN_CODES = {
    "slot_full",
    "too_late",
    "outside_hours",
    "fully_booked",
    "closed_day",
    "past_date",
    "beyond_window",
}


def booking_key(tracker: Tracker) -> str:
    """The Idempotency-Key of the confirmed booking: this run of the form and its answers, so a
    retry of the same confirmation replays the same booking, and the key can be made again later
    to ask the department what the write did (settle_booking)."""
    return idempotency_key(
        "appt",
        tracker.sender_id,
        form_run_id(tracker, "appointment_form"),
        tracker.get_slot("appointment_reschedule"),
        tracker.get_slot("appointment_resource"),
        tracker.get_slot("appointment_service"),
        tracker.get_slot("appointment_date"),
        tracker.get_slot("appointment_time"),
        tracker.get_slot("appointment_name"),
        tracker.get_slot("appointment_phone"),
    )


async def booked(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    booking: Booking,
    reset: list[dict[str, Any]],
    lead: str = "",
) -> list[dict[str, Any]]:
    """The department's record decides what the citizen is told: the answer of the write,
    or, when that answer was lost, the booking stored under the write's key (never one
    that merely looks alike: the same slot booked earlier and cancelled, or in another chat)."""
    if booking.status != "booked":
        logger.warning("booking %s came back %s", booking.booking_no, booking.status)
        dispatcher.utter_message(text=lead + NOT_BOOKED)
        return reset
    moving = tracker.get_slot("appointment_reschedule")
    dispatcher.utter_message(text=lead + replies.booked_text(booking, city_today(), moving))
    # The reminder the day before goes to this channel user (notices/).
    await follow_quietly(tracker.sender_id, APPOINTMENT, booking.booking_no)
    return [
        *reset,
        SlotSet("appointment_last_booking", booking.booking_no),
        SlotSet(OWN_BOOKINGS_SLOT, with_own_booking(tracker, booking.booking_no)),
    ]


def unsettled(tracker: Tracker) -> bool:
    """A confirmed booking whose outcome the citizen was never told: every answer of the booking
    action empties the confirmation, so a confirmation still set outside the form means the
    action was cut off (the action server died while booking) or could not learn the outcome
    (the department did not answer, nor say afterwards what the write did)."""
    return tracker.get_slot("appointment_confirmed") is True and (
        tracker.active_loop.get("name") != "appointment_form"
    )


async def settle_booking(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Before anything else is said about bookings, an unsettled one is looked up by its key:
    the citizen is told what the department's record says (booked, with its number; or not
    booked), and the booking joins this conversation's own. Nothing when none is unsettled; the
    unknown outcome again when the department still cannot say (it stays unsettled)."""
    if not unsettled(tracker):
        return []
    reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
    try:
        booking = await departments().appointments.made_by(booking_key(tracker))
    except DepartmentUnavailable as error:
        logger.warning("unsettled booking still unknown: %s", error)
        dispatcher.utter_message(text=UNKNOWN_OUTCOME)
        return []
    if booking is None:
        dispatcher.utter_message(text=NOT_MADE)
        return reset
    return await booked(dispatcher, tracker, booking, reset, lead=LOOKED_UP)


class ActionBookAppointment(Action):
    def name(self) -> str:
        return "action_book_appointment"

    @resumes_after
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if not tracker.get_slot("appointment_confirmed"):
            return reset
        resource = tracker.get_slot("appointment_resource")
        service = tracker.get_slot("appointment_service")
        day = tracker.get_slot("appointment_date")
        moving = tracker.get_slot("appointment_reschedule")
        key = booking_key(tracker)
        try:
            booking = await written_or_stored(
                self._submit(tracker, key), lambda: departments().appointments.made_by(key), "booking"
            )
        except DepartmentRejected as rejected:
            logger.info("booking refused: %s", rejected.code)
            if rejected.code in TAKEN_CODES:
                extra = {"clinic": resource, **({"service_item": service} if service else {})}
                if moving:
                    extra["booking_no"] = moving
                await offer_nearest(
                    dispatcher,
                    resource,
                    date.fromisoformat(day),
                    "这个时间刚被约满了" if rejected.code == "slot_full" else rejected.message,
                    "book_appointment",
                    **extra,
                )
            else:
                dispatcher.utter_message(text=f"没有约上：{rejected.message}。")
            return reset
        except RecordNotFound:
            dispatcher.utter_message(text="没有找到要改的预约，可能已经取消了。说“我的预约”可以查看。")
            return reset
        except DepartmentUnavailable:
            # Kept unsettled (the form's answers stay, so the key can be made again): the
            # next look at the bookings asks the department first (settle_booking).
            dispatcher.utter_message(text=UNKNOWN_OUTCOME)
            return []
        if booking is None:
            dispatcher.utter_message(text=BUSY)
            return reset
        return await booked(dispatcher, tracker, booking, reset)

    @staticmethod
    async def _submit(tracker: Tracker, key: str) -> Booking:
        moving = tracker.get_slot("appointment_reschedule")
        day, start = tracker.get_slot("appointment_date"), tracker.get_slot("appointment_time")
        if moving:
            return await departments().appointments.reschedule(moving, day, start, key)
        request = BookingRequest(
            resource=tracker.get_slot("appointment_resource"),
            service=tracker.get_slot("appointment_service"),
            date=day,
            start=start,
            citizen_name=tracker.get_slot("appointment_name"),
            phone=tracker.get_slot("appointment_phone"),
            citizen_id=tracker.get_slot("appointment_citizen_id"),
        )
        return await departments().appointments.book(request, key)
