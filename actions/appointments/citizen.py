"""Who is booking: the citizen the city links to this channel user, or what they typed; and
whose bookings this channel user may see."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker

from actions.forms import latest_text
from actions.identity import verified_records
from departments.appointments import Booking
from departments.base import DepartmentError
from departments.population import Citizen
from departments.registry import departments
from understanding.appointments import typed_phone

logger = logging.getLogger(__name__)


async def linked_citizen(sender_id: str) -> Citizen | None:
    try:
        return await departments().population.find_by_channel_user(sender_id)
    except DepartmentError as error:
        logger.warning("linked citizen unavailable: %s", error)
        return None


OWN_BOOKINGS_SLOT = "appointment_own_bookings"


def own_booking_numbers(tracker: Tracker) -> list[str]:
    """Booking numbers this channel user made in this conversation (theirs without any check)."""
    value = tracker.get_slot(OWN_BOOKINGS_SLOT)
    return [str(item) for item in value] if isinstance(value, list) else []


def with_own_booking(tracker: Tracker, booking_no: str) -> list[str]:
    return [*own_booking_numbers(tracker), booking_no][-20:]


async def active_bookings(tracker: Tracker) -> list[Booking] | None:
    """Bookings still to come that this channel user may see: all of the verified citizen's
    (a linked WeChat/Alipay user, or one who passed the SMS check), else only those made in this
    conversation. None when neither: the citizen must verify first. A phone number alone
    never lists anyone's bookings."""
    records = await verified_records(tracker.sender_id)
    if records is not None:
        citizen = records.citizen
        return await departments().appointments.bookings_of(
            phone=citizen.phone, citizen_id=citizen.citizen_id, only_active=True
        )
    own = own_booking_numbers(tracker)
    phone = tracker.get_slot("appointment_phone")
    if not own or not phone:
        return None
    found = await departments().appointments.bookings_of(phone=phone, only_active=True)
    return [booking for booking in found if booking.booking_no in own]


def typed_subject(tracker: Tracker) -> str | None:
    """A phone typed with the request ("我的预约 13900000000"): where the code is sent if the
    registry holds it."""
    return typed_phone(latest_text(tracker), asked=False)
