"""Starting the complaint form and filing the confirmed complaint as a 12345 ticket."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.citizen import linked_citizen
from actions.complaints import replies
from actions.complaints.follow_up import OWN_TICKETS_SLOT
from actions.complaints.form import FORM_SLOTS
from actions.form_stack import resumes_after
from actions.forms import form_run_id
from departments.base import DepartmentError, DepartmentRejected, idempotency_key
from departments.complaints import ComplaintDraft
from departments.registry import departments
from hotspots.filing import merged_notice
from notices.subscriptions import TICKET, follow_quietly

logger = logging.getLogger(__name__)
NOT_FILED = "12345工单系统繁忙，您的投诉还没有提交成功。请稍后再说一次，或直接拨打12345。"


class ActionPrepareComplaint(Action):
    """Clears the previous complaint; a linked channel user is contacted on their own phone."""

    def name(self) -> str:
        return "action_prepare_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.active_loop.get("name") == "complaint_form" and tracker.get_slot("complaint_description"):
            # An answer that reads like a complaint must not restart the one being filed.
            return []
        events = [SlotSet(slot, None) for slot in FORM_SLOTS]
        citizen = await linked_citizen(tracker.sender_id)
        events.append(SlotSet("complaint_citizen_id", citizen.citizen_id if citizen else None))
        if citizen is not None:
            events.append(SlotSet("complaint_contact", citizen.phone))
        return events


class ActionFileComplaint(Action):
    """Tells the citizen the ticket number only after the ticket system stored it."""

    def name(self) -> str:
        return "action_file_complaint"

    @resumes_after
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if not tracker.get_slot("complaint_confirmed"):
            return reset
        contact = tracker.get_slot("complaint_contact")
        anonymous = contact == replies.ANONYMOUS
        citizen_id = tracker.get_slot("complaint_citizen_id")
        draft = ComplaintDraft(
            category=tracker.get_slot("complaint_category"),
            description=tracker.get_slot("complaint_description"),
            location=tracker.get_slot("complaint_location"),
            citizen_id=citizen_id,
            contact_phone=None if anonymous else contact,
            anonymous=anonymous,
        )
        key = idempotency_key(
            "complaint",
            tracker.sender_id,
            form_run_id(tracker, "complaint_form"),
            draft.description,
            draft.category,
            draft.location,
            contact,
            citizen_id,
        )
        try:
            ticket = await departments().complaints.file(draft, key)
        except DepartmentRejected as rejected:
            logger.info("complaint refused: %s", rejected.code)
            dispatcher.utter_message(text=f"没有提交成功：{rejected.message}。")
            return reset
        except DepartmentError as error:
            logger.warning("complaint not filed: %s", error)
            dispatcher.utter_message(text=NOT_FILED)
            return reset
        text = replies.filed_text(ticket)
        # Progress notices go to this channel user (notices/; on by default for the complainant).
        await follow_quietly(tracker.sender_id, TICKET, ticket.ticket_id, citizen_id)
        # Others reported the same problem: the ticket joins their hotspot (never fails the filing).
        merged = await merged_notice(departments().complaints, ticket)
        dispatcher.utter_message(text=f"{text}\n{merged}" if merged else text)
        own = tracker.get_slot(OWN_TICKETS_SLOT)
        own = [*(own if isinstance(own, list) else []), ticket.ticket_id][-20:]
        events = [*reset, SlotSet("complaint_ticket", ticket.ticket_id), SlotSet(OWN_TICKETS_SLOT, own)]
        if not anonymous and contact:
            events.append(SlotSet("complaint_phone", contact))
        return events
