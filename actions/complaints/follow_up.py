"""Following a complaint: its status and history, and the one rating of a closed ticket."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.complaints import replies
from actions.forms import latest_entity_values, latest_text
from actions.identity import begin_verification, verified_records
from departments.base import DepartmentError, DepartmentRejected, RecordNotFound, idempotency_key
from departments.complaints import Ticket
from departments.identity import OwnRecords
from departments.registry import departments
from understanding.appointments import typed_phone
from understanding.complaints import rating_of, reports_again, ticket_of

logger = logging.getLogger(__name__)
BUSY = "12345工单系统繁忙，暂时查不到。请稍后再试，或拨打12345。"
ASK_TICKET = "请发工单号（如 12345-20261101-0001），或投诉时留的手机号。"
MAX_LISTED = 5


OWN_TICKETS_SLOT = "complaint_own_tickets"
PENDING_SLOT = "complaint_ticket_pending"
ASK_PHONE = "查询工单进度需要核对投诉人：请发投诉时留的手机号。"
MISMATCH = "工单号和手机号对不上，查不到。请核对后再发，或验证本人身份后查询“我的投诉”。"
NOT_YOURS = "只有投诉人本人可以评价这个工单。如果是您投诉的，请先验证身份。"


def named_ticket(tracker: Tracker) -> str | None:
    values = latest_entity_values(tracker, "ticket_id")
    return ticket_of(values[0]) if values else ticket_of(latest_text(tracker))


def own_ticket_ids(tracker: Tracker) -> list[str]:
    """Tickets this channel user filed in this conversation."""
    value = tracker.get_slot(OWN_TICKETS_SLOT)
    return [str(item) for item in value] if isinstance(value, list) else []


async def citizens_tickets(tracker: Tracker, records: OwnRecords | None) -> list[Ticket] | None:
    """Tickets of the verified citizen, else the ones filed in this conversation; None when
    neither (the citizen must verify first). A phone number alone lists nobody's tickets."""
    if records is not None:
        citizen = records.citizen
        return await departments().complaints.tickets_of(citizen_id=citizen.citizen_id, phone=citizen.phone)
    own = own_ticket_ids(tracker)
    if not own:
        return None
    return [await departments().complaints.ticket(ticket_id) for ticket_id in own]


def is_complainant(ticket: Ticket, tracker: Tracker, records: OwnRecords | None) -> bool:
    if ticket.ticket_id in own_ticket_ids(tracker):
        return True
    return records is not None and ticket.belongs_to(records.citizen.citizen_id, records.citizen.phone)


async def phone_matches(ticket: Ticket, phone: str | None) -> bool:
    """The phone the complainant left on the ticket, or the registered phone of its holder."""
    if not phone:
        return False
    if ticket.contact_phone == phone:
        return True
    if not ticket.holder:
        return False
    holder = await departments().population.find_by_phone(phone)
    return holder is not None and holder.citizen_id == ticket.holder


class ActionQueryComplaint(Action):
    """A ticket by its number is shown to its complainant (verified, or who filed it here), or
    to whoever also gives the phone the complainant left; the citizen's own list needs the
    verified identity."""

    def name(self) -> str:
        return "action_query_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if not named_ticket(tracker) and reports_again(latest_text(tracker)):
            return await report_again(dispatcher, tracker, domain)
        from actions.complaints.filing import settle_complaint  # filing imports this module

        # A complaint whose outcome was never told is told first, and is the answer unless
        # another ticket was named; nothing more while the ticket system cannot say.
        settled = await settle_complaint(dispatcher, tracker)
        if settled is None or (settled and not named_ticket(tracker)):
            return settled or []
        return [*settled, *await self._answer(dispatcher, tracker)]

    async def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        ticket_id = named_ticket(tracker) or tracker.get_slot(PENDING_SLOT)
        phone = typed_phone(latest_text(tracker), asked=False)
        try:
            records = await verified_records(tracker.sender_id)
            if ticket_id:
                ticket = await departments().complaints.ticket(ticket_id)
                if is_complainant(ticket, tracker, records) or await phone_matches(ticket, phone):
                    return [SlotSet(PENDING_SLOT, None), *self._show(dispatcher, tracker, ticket)]
                if phone:
                    dispatcher.utter_message(text=MISMATCH)
                    return [SlotSet(PENDING_SLOT, None)]
                dispatcher.utter_message(text=ASK_PHONE)
                return [SlotSet(PENDING_SLOT, ticket.ticket_id)]
            tickets = await citizens_tickets(tracker, records)
        except RecordNotFound:
            dispatcher.utter_message(text="没有找到这个工单，请核对工单号。")
            return [SlotSet(PENDING_SLOT, None)]
        except DepartmentError as error:
            logger.warning("tickets unavailable: %s", error)
            dispatcher.utter_message(text=BUSY)
            return []
        if tickets is None:
            return await begin_verification(
                dispatcher, tracker, {"kind": "complaints"}, "查看您的投诉", phone
            )
        return show_tickets(dispatcher, tracker, tickets)

    @staticmethod
    def _show(dispatcher: CollectingDispatcher, tracker: Tracker, ticket: Ticket) -> list[dict[str, Any]]:
        return show_ticket(dispatcher, tracker, ticket)


async def report_again(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> list[dict[str, Any]]:
    """ "烧烤油烟又来了" read as a question about the old ticket: it is a new report. The
    complaint form starts with these words as its description (validated on activation, so
    the category and place are guessed from them as for any first message)."""
    from actions.complaints.filing import ActionPrepareComplaint  # filing imports this module

    events = await ActionPrepareComplaint().run(dispatcher, tracker, domain)
    if any(event.get("event") == "followup" for event in events):
        return events  # the earlier report of unknown outcome was told instead
    return [*events, SlotSet("complaint_description", latest_text(tracker)), FollowupAction("complaint_form")]


def show_ticket(dispatcher: CollectingDispatcher, tracker: Tracker, ticket: Ticket) -> list[dict[str, Any]]:
    buttons = replies.rating_buttons(ticket.ticket_id) if ticket.can_be_rated else []
    dispatcher.utter_message(text=replies.ticket_text(ticket), buttons=buttons)
    return [SlotSet("complaint_ticket", ticket.ticket_id)]


def show_tickets(
    dispatcher: CollectingDispatcher, tracker: Tracker, tickets: list[Ticket]
) -> list[dict[str, Any]]:
    if not tickets:
        dispatcher.utter_message(text="没有查到您的投诉记录。")
        return []
    if len(tickets) == 1:
        return show_ticket(dispatcher, tracker, tickets[0])
    shown = tickets[:MAX_LISTED]
    dispatcher.utter_message(text=replies.tickets_text(shown), buttons=replies.ticket_buttons(shown))
    return []


class ActionRateService(Action):
    """Rates a closed ticket once, and only for its complainant: the one named, else the one
    just shown or filed, else the citizen's only closed and unrated ticket."""

    def name(self) -> str:
        return "action_rate_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        ratings = latest_entity_values(tracker, "rating")
        score = int(ratings[0]) if ratings and ratings[0].isdigit() else rating_of(latest_text(tracker))
        try:
            records = await verified_records(tracker.sender_id)
            ticket_id = named_ticket(tracker) or tracker.get_slot("complaint_ticket")
            if ticket_id is None:
                tickets = await citizens_tickets(tracker, records)
                if tickets is None:
                    return await begin_verification(
                        dispatcher, tracker, {"kind": "rate", "score": score}, "评价工单"
                    )
                open_ones = [t for t in tickets if t.can_be_rated]
                if len(open_ones) != 1:
                    dispatcher.utter_message(text="要评价哪个工单？" + ASK_TICKET)
                    return []
                ticket_id = open_ones[0].ticket_id
            ticket = await departments().complaints.ticket(ticket_id)
            if not is_complainant(ticket, tracker, records):
                if records is not None:
                    dispatcher.utter_message(text="只有投诉人本人可以评价这个工单。")
                    return []
                request = {"kind": "rate", "ticket_id": ticket.ticket_id, "score": score}
                return await begin_verification(dispatcher, tracker, request, "评价工单")
            return await rate_ticket(dispatcher, tracker.sender_id, ticket, score)
        except RecordNotFound:
            dispatcher.utter_message(text="没有找到这个工单，请核对工单号。")
            return []
        except DepartmentError as error:
            logger.warning("rating failed: %s", error)
            dispatcher.utter_message(text="12345工单系统繁忙，评价没有提交成功，请稍后再试。")
            return []


async def rate_ticket(
    dispatcher: CollectingDispatcher, sender_id: str, ticket: Ticket, score: int | None
) -> list[dict[str, Any]]:
    """The complainant's rating (the caller checked who they are)."""
    ticket_id = ticket.ticket_id
    if score is None or not 1 <= score <= 5:
        if not ticket.can_be_rated:
            dispatcher.utter_message(text=replies.ticket_text(ticket))
            return [SlotSet("complaint_ticket", ticket_id)]
        dispatcher.utter_message(
            text=f"请给工单 {ticket_id} 的处理结果打分，回复数字：",
            buttons=replies.rating_buttons(ticket_id),
        )
        return [SlotSet("complaint_ticket", ticket_id)]
    key = idempotency_key("complaint", sender_id, "rating", ticket_id, str(score))
    try:
        rated = await departments().complaints.rate(ticket_id, score, key)
    except DepartmentRejected as rejected:
        dispatcher.utter_message(text=f"{rejected.message}。")
        return []
    except DepartmentError as error:
        logger.warning("rating failed: %s", error)
        dispatcher.utter_message(text="12345工单系统繁忙，评价没有提交成功，请稍后再试。")
        return []
    dispatcher.utter_message(text=replies.rated_text(rated))
    return [SlotSet("complaint_ticket", ticket_id)]
