"""Answering, once the citizen is verified, what they asked before the verification step."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments.manage import BUSY as BOOKINGS_BUSY
from actions.appointments.manage import list_bookings, offer_cancel
from actions.bills.query import answer_own_bill
from actions.complaints.follow_up import BUSY as TICKETS_BUSY
from actions.complaints.follow_up import (
    citizens_tickets,
    is_complainant,
    rate_ticket,
    show_ticket,
    show_tickets,
)
from departments.base import DepartmentError, RecordNotFound
from departments.bill_types import BILL_TYPES
from departments.identity import OwnRecords
from departments.registry import departments


async def resume_request(
    dispatcher: CollectingDispatcher, tracker: Tracker, request: dict[str, Any], records: OwnRecords
) -> list[dict[str, Any]]:
    kind = request.get("kind")
    if kind == "bill" and request.get("bill_type") in BILL_TYPES:
        await answer_own_bill(
            dispatcher, records, request["bill_type"], request.get("identifier"), request.get("period")
        )
        return []
    if kind in ("list_appointments", "cancel_appointment"):
        citizen = records.citizen
        try:
            bookings = await departments().appointments.bookings_of(
                phone=citizen.phone, citizen_id=citizen.citizen_id, only_active=True
            )
        except DepartmentError:
            dispatcher.utter_message(text=BOOKINGS_BUSY)
            return []
        if kind == "list_appointments":
            await list_bookings(dispatcher, bookings)
            return []
        return await offer_cancel(dispatcher, tracker, bookings)
    if kind in ("complaints", "rate"):
        try:
            if kind == "rate" and request.get("ticket_id"):
                ticket = await departments().complaints.ticket(str(request["ticket_id"]))
                if not is_complainant(ticket, tracker, records):
                    dispatcher.utter_message(text="只有投诉人本人可以评价这个工单。")
                    return []
                return await rate_ticket(dispatcher, tracker.sender_id, ticket, request.get("score"))
            tickets = await citizens_tickets(tracker, records) or []
        except RecordNotFound:
            dispatcher.utter_message(text="没有找到这个工单，请核对工单号。")
            return []
        except DepartmentError:
            dispatcher.utter_message(text=TICKETS_BUSY)
            return []
        if kind == "rate":
            rateable = [ticket for ticket in tickets if ticket.can_be_rated]
            if len(rateable) == 1:
                return show_ticket(dispatcher, tracker, rateable[0])
        return show_tickets(dispatcher, tracker, tickets)
    dispatcher.utter_message(text="现在可以查询本人的社保、公积金、违章、预约和投诉了，请说您要办的事。")
    return []
