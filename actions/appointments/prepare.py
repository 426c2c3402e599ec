"""Starting the appointment form: a fresh booking, or moving an existing one ("改到后天")."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.citizen import active_bookings, linked_citizen
from actions.forms import latest_entity_values, latest_text
from common.time_words import city_today
from departments.appointments import Booking
from departments.base import DepartmentError
from understanding.appointments import asks_to_book, wants_reschedule

logger = logging.getLogger(__name__)
FORM_SLOTS = (
    "appointment_resource",
    "appointment_hospital",
    "appointment_hint",
    "appointment_service",
    "appointment_date",
    "appointment_period",
    "appointment_time",
    "appointment_confirmed",
    "appointment_reschedule",
)


CONTINUE_WORDS = ("继续", "接着约", "接着挂")


def continues_booking(tracker: Tracker) -> bool:
    """ "继续挂号" after a side question, or a booking request the form in progress could not
    read anything new from: the booking goes on where it was instead of starting over (the
    form re-asks its question). A request naming another booking to move starts afresh."""
    if latest_entity_values(tracker, "booking_no") or wants_reschedule(latest_text(tracker)):
        return False
    if tracker.active_loop.get("name") == "appointment_form":
        return True
    started = any(tracker.get_slot(slot) for slot in FORM_SLOTS if slot != "appointment_confirmed")
    return started and any(word in latest_text(tracker) for word in CONTINUE_WORDS)


class ActionPrepareAppointment(Action):
    """Clears the previous booking's answers (name and phone stay: the same person usually
    books again) and, for a linked channel user, fills in who they are."""

    def name(self) -> str:
        return "action_prepare_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        from actions.appointments.booking import settle_booking  # it imports this module's slots

        # A booking whose outcome was never told is told first, so a retried booking is not
        # booked twice unknowingly; its answers then give way to the new booking's.
        settled = await settle_booking(dispatcher, tracker)
        if continues_booking(tracker):
            return settled
        events = [*settled, *(SlotSet(slot, None) for slot in FORM_SLOTS)]
        citizen = await linked_citizen(tracker.sender_id)
        if citizen is not None:
            events += [
                SlotSet("appointment_name", citizen.name),
                SlotSet("appointment_phone", citizen.phone),
                SlotSet("appointment_citizen_id", citizen.citizen_id),
            ]
        numbers = latest_entity_values(tracker, "booking_no")
        if numbers or wants_reschedule(latest_text(tracker)):
            moved = await self._booking_to_move(tracker, numbers)
            if moved is not None:
                events += [
                    SlotSet("appointment_reschedule", moved.booking_no),
                    SlotSet("appointment_resource", moved.resource_id),
                    SlotSet("appointment_name", moved.citizen_name),
                    SlotSet("appointment_phone", moved.phone),
                ]
        return events

    @staticmethod
    async def _booking_to_move(tracker: Tracker, numbers: list[str]) -> Booking | None:
        """The booking named, else the one made last in this conversation, else the soonest."""
        try:
            bookings = await active_bookings(tracker) or []
        except DepartmentError as error:
            logger.warning("bookings unavailable: %s", error)
            return None
        wanted = numbers[0] if numbers else tracker.get_slot("appointment_last_booking")
        named = [booking for booking in bookings if booking.booking_no == wanted]
        return (named or bookings or [None])[0]


def misread_booking(tracker: Tracker) -> bool:
    """A booking request the NLU took for a guide question or could not place ("约政务服务中心
    办居住证", "下周一去政务中心办个户口的事"), outside any other form."""
    if tracker.active_loop.get("name") not in (None, "appointment_form"):
        return False
    return asks_to_book(latest_text(tracker), city_today())


async def start_booking(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> list[dict[str, Any]]:
    """The booking starts from this message, as if the NLU had read it as one: the form reads
    the place, the business and the day from these words on activation."""
    events = await ActionPrepareAppointment().run(dispatcher, tracker, domain)
    return [*events, FollowupAction("appointment_form")]
