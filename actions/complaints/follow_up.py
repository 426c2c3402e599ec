"""Following a complaint: its status and history, and the one rating of a closed ticket."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.citizen import linked_citizen
from actions.complaints import replies
from actions.forms import latest_entity_values, latest_text
from departments.base import DepartmentError, DepartmentRejected, RecordNotFound, idempotency_key
from departments.complaints import Ticket
from departments.registry import departments
from understanding.appointments import typed_phone
from understanding.complaints import rating_of, ticket_of

logger = logging.getLogger(__name__)
BUSY = "12345工单系统繁忙，暂时查不到。请稍后再试，或拨打12345。"
ASK_TICKET = "请发工单号（如 12345-20261101-0001），或投诉时留的手机号。"
MAX_LISTED = 5


def named_ticket(tracker: Tracker) -> str | None:
    values = latest_entity_values(tracker, "ticket_id")
    return ticket_of(values[0]) if values else ticket_of(latest_text(tracker))


async def citizens_tickets(tracker: Tracker) -> list[Ticket] | None:
    """Tickets of the linked citizen or of a phone known in this conversation; None when
    neither is known."""
    citizen = await linked_citizen(tracker.sender_id)
    phone = (
        typed_phone(latest_text(tracker), asked=False)
        or tracker.get_slot("complaint_phone")
        or tracker.get_slot("appointment_phone")
    )
    if citizen is None and not phone:
        return None
    return await departments().complaints.tickets_of(
        citizen_id=citizen.citizen_id if citizen else None, phone=phone
    )


class ActionQueryComplaint(Action):
    def name(self) -> str:
        return "action_query_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        ticket_id = named_ticket(tracker)
        try:
            if ticket_id:
                return self._show(dispatcher, await departments().complaints.ticket(ticket_id))
            tickets = await citizens_tickets(tracker)
        except RecordNotFound:
            dispatcher.utter_message(text="没有找到这个工单，请核对工单号。")
            return []
        except DepartmentError as error:
            logger.warning("tickets unavailable: %s", error)
            dispatcher.utter_message(text=BUSY)
            return []
        if tickets is None:
            remembered = tracker.get_slot("complaint_ticket")
            if remembered:
                try:
                    return self._show(dispatcher, await departments().complaints.ticket(remembered))
                except DepartmentError as error:
                    logger.warning("ticket unavailable: %s", error)
            dispatcher.utter_message(text=ASK_TICKET)
            return []
        if len(tickets) == 1:
            return self._show(dispatcher, tickets[0])
        shown = tickets[:MAX_LISTED]
        dispatcher.utter_message(text=replies.tickets_text(shown), buttons=replies.ticket_buttons(shown))
        return []

    @staticmethod
    def _show(dispatcher: CollectingDispatcher, ticket: Ticket) -> list[dict[str, Any]]:
        buttons = replies.rating_buttons(ticket.ticket_id) if ticket.can_be_rated else []
        dispatcher.utter_message(text=replies.ticket_text(ticket), buttons=buttons)
        return [SlotSet("complaint_ticket", ticket.ticket_id)]


class ActionRateService(Action):
    """Rates a closed ticket once: the one named, else the one just shown or filed, else
    the citizen's only closed and unrated ticket."""

    def name(self) -> str:
        return "action_rate_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        ratings = latest_entity_values(tracker, "rating")
        score = int(ratings[0]) if ratings and ratings[0].isdigit() else rating_of(latest_text(tracker))
        try:
            ticket_id = named_ticket(tracker) or tracker.get_slot("complaint_ticket")
            if ticket_id is None:
                open_ones = [t for t in await citizens_tickets(tracker) or [] if t.can_be_rated]
                if len(open_ones) != 1:
                    dispatcher.utter_message(text="要评价哪个工单？" + ASK_TICKET)
                    return []
                ticket_id = open_ones[0].ticket_id
            if score is None or not 1 <= score <= 5:
                ticket = await departments().complaints.ticket(ticket_id)
                if not ticket.can_be_rated:
                    dispatcher.utter_message(text=replies.ticket_text(ticket))
                    return [SlotSet("complaint_ticket", ticket_id)]
                dispatcher.utter_message(
                    text=f"请给工单 {ticket_id} 的处理结果打分，回复数字：",
                    buttons=replies.rating_buttons(ticket_id),
                )
                return [SlotSet("complaint_ticket", ticket_id)]
            key = idempotency_key("complaint", tracker.sender_id, "rating", ticket_id, str(score))
            rated = await departments().complaints.rate(ticket_id, score, key)
        except RecordNotFound:
            dispatcher.utter_message(text="没有找到这个工单，请核对工单号。")
            return []
        except DepartmentRejected as rejected:
            dispatcher.utter_message(text=f"{rejected.message}。")
            return []
        except DepartmentError as error:
            logger.warning("rating failed: %s", error)
            dispatcher.utter_message(text="12345工单系统繁忙，评价没有提交成功，请稍后再试。")
            return []
        dispatcher.utter_message(text=replies.rated_text(rated))
        return [SlotSet("complaint_ticket", ticket_id)]
