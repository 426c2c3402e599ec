"""Who is booking: the citizen the city links to this channel user, or what they typed."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker

from actions.forms import latest_text
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


async def active_bookings(tracker: Tracker) -> list[Booking] | None:
    """Bookings still to come of the linked citizen or the phone given in this conversation;
    None when the citizen is not known yet (the phone must be asked)."""
    citizen = await linked_citizen(tracker.sender_id)
    phone = typed_phone(latest_text(tracker), asked=False) or tracker.get_slot("appointment_phone")
    if citizen is None and not phone:
        return None
    found = await departments().appointments.bookings_of(
        phone=phone or (citizen.phone if citizen else None),
        citizen_id=citizen.citizen_id if citizen else None,
        only_active=True,
    )
    return found
