"""Starting the complaint form and filing the confirmed complaint as a 12345 ticket."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.citizen import linked_citizen
from actions.complaints import replies
from actions.complaints.follow_up import OWN_TICKETS_SLOT
from actions.complaints.form import FORM_SLOTS
from actions.form_stack import resumes_after
from actions.forms import form_run_id, latest_text
from departments.base import DepartmentRejected, DepartmentUnavailable, idempotency_key, written_or_stored
from departments.complaints import ComplaintDraft, Ticket
from departments.registry import departments
from hotspots.filing import merged_notice
from notices.subscriptions import TICKET, follow_quietly

logger = logging.getLogger(__name__)
NOT_FILED = "12345工单系统繁忙，您的投诉还没有提交成功。请稍后再说一次，或直接拨打12345。"
UNKNOWN_OUTCOME = (
    "12345工单系统繁忙，暂时不能确认投诉是否提交成功。请稍后说“我的投诉”查看，不要重复投诉；也可拨打12345。"
)
LOOKED_UP = "刚才的投诉，12345工单系统已经查到了：\n"
NOT_MADE = "刚才的投诉，12345工单系统里没有记录，没有提交成功。需要的话请再说一次您要反映的问题。"
_NOT_WORDS = re.compile(r"[\W_]+")


def complaint_draft(tracker: Tracker) -> ComplaintDraft:
    """The ticket the confirmed form asks for, from the form's answers."""
    contact = tracker.get_slot("complaint_contact")
    anonymous = contact == replies.ANONYMOUS
    return ComplaintDraft(
        category=tracker.get_slot("complaint_category"),
        description=tracker.get_slot("complaint_description"),
        location=tracker.get_slot("complaint_location"),
        citizen_id=tracker.get_slot("complaint_citizen_id"),
        contact_phone=None if anonymous else contact,
        anonymous=anonymous,
    )


def complaint_key(tracker: Tracker) -> str:
    """The Idempotency-Key of the confirmed complaint: this run of the form and its answers, so a
    retry of the same confirmation replays the same ticket, and the key can be made again later
    to ask the ticket system what the filing did (settle_complaint)."""
    return idempotency_key(
        "complaint",
        tracker.sender_id,
        form_run_id(tracker, "complaint_form"),
        tracker.get_slot("complaint_description"),
        tracker.get_slot("complaint_category"),
        tracker.get_slot("complaint_location"),
        tracker.get_slot("complaint_contact"),
        tracker.get_slot("complaint_citizen_id"),
    )


def unsettled_complaint(tracker: Tracker) -> bool:
    """A confirmed complaint whose outcome the citizen was never told: every answer of the filing
    action empties the confirmation, so a confirmation still set outside the form means the
    action was cut off (the action server died while filing) or could not learn the outcome
    (the ticket system did not answer, nor say afterwards what the filing did)."""
    return tracker.get_slot("complaint_confirmed") is True and (
        tracker.active_loop.get("name") != "complaint_form"
    )


async def filed(
    dispatcher: CollectingDispatcher, tracker: Tracker, ticket: Ticket, lead: str = ""
) -> list[dict[str, Any]]:
    """The ticket system's record is what the citizen is told: the answer of the filing, or,
    when that answer was lost, the ticket stored under the filing's key."""
    contact = tracker.get_slot("complaint_contact")
    text = lead + replies.filed_text(ticket)
    # Progress notices go to this channel user (notices/; on by default for the complainant).
    await follow_quietly(
        tracker.sender_id, TICKET, ticket.ticket_id, tracker.get_slot("complaint_citizen_id")
    )
    # Others reported the same problem: the ticket joins their hotspot (never fails the filing).
    merged = await merged_notice(departments().complaints, ticket)
    dispatcher.utter_message(text=f"{text}\n{merged}" if merged else text)
    own = tracker.get_slot(OWN_TICKETS_SLOT)
    own = [*(own if isinstance(own, list) else []), ticket.ticket_id][-20:]
    events = [
        *(SlotSet(slot, None) for slot in FORM_SLOTS),
        SlotSet("complaint_ticket", ticket.ticket_id),
        SlotSet(OWN_TICKETS_SLOT, own),
    ]
    if contact and contact != replies.ANONYMOUS:
        events.append(SlotSet("complaint_phone", contact))
    return events


async def settle_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """Before anything else is said about complaints, an unsettled one is looked up by its key:
    the citizen is told what the ticket system's record says (filed, with its number; or not
    filed), and the ticket joins this conversation's own. [] when none is unsettled; None when
    the ticket system still cannot say (the unknown outcome is told again, and the complaint
    stays unsettled, so that nothing is filed a second time meanwhile)."""
    if not unsettled_complaint(tracker):
        return []
    try:
        ticket = await departments().complaints.filed_by(complaint_key(tracker))
    except DepartmentUnavailable as error:
        logger.warning("unsettled complaint still unknown: %s", error)
        dispatcher.utter_message(text=UNKNOWN_OUTCOME)
        return None
    if ticket is None:
        dispatcher.utter_message(text=NOT_MADE)
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
    return await filed(dispatcher, tracker, ticket, lead=LOOKED_UP)


def repeats(text: str, description: str | None) -> bool:
    """The message tells the complaint just settled again ("我要投诉，楼下烧烤店油烟太大了！" after
    "楼下烧烤店油烟太大了"): a retry, not a new report."""
    earlier = _NOT_WORDS.sub("", description or "")
    return bool(earlier) and earlier in _NOT_WORDS.sub("", text)


class ActionPrepareComplaint(Action):
    """Clears the previous complaint; a linked channel user is contacted on their own phone.
    A complaint whose outcome was never told is told first, so a retry files no second ticket:
    while the ticket system cannot say, no new complaint is started, and the same words sent
    again after it says "filed" are that ticket, not a new report."""

    def name(self) -> str:
        return "action_prepare_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.active_loop.get("name") == "complaint_form" and tracker.get_slot("complaint_description"):
            # An answer that reads like a complaint must not restart the one being filed.
            return []
        earlier = tracker.get_slot("complaint_description")
        settled = await settle_complaint(dispatcher, tracker)
        if settled is None or (
            any(event.get("name") == "complaint_ticket" for event in settled)
            and repeats(latest_text(tracker), earlier)
        ):
            return [*(settled or []), FollowupAction("action_listen")]
        events = [*settled, *(SlotSet(slot, None) for slot in FORM_SLOTS)]
        citizen = await linked_citizen(tracker.sender_id)
        events.append(SlotSet("complaint_citizen_id", citizen.citizen_id if citizen else None))
        if citizen is not None:
            events.append(SlotSet("complaint_contact", citizen.phone))
        return events


class ActionFileComplaint(Action):
    """Tells the citizen the ticket number only after the ticket system stored it, and "not
    filed" only after it says it stored none."""

    def name(self) -> str:
        return "action_file_complaint"

    @resumes_after
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if not tracker.get_slot("complaint_confirmed"):
            return reset
        key = complaint_key(tracker)
        complaints = departments().complaints
        try:
            ticket = await written_or_stored(
                complaints.file(complaint_draft(tracker), key), lambda: complaints.filed_by(key), "complaint"
            )
        except DepartmentRejected as rejected:
            logger.info("complaint refused: %s", rejected.code)
            dispatcher.utter_message(text=f"没有提交成功：{rejected.message}。")
            return reset
        except DepartmentUnavailable:
            # Kept unsettled (the form's answers stay, so the key can be made again): the
            # next word about complaints asks the ticket system first (settle_complaint).
            dispatcher.utter_message(text=UNKNOWN_OUTCOME)
            return []
        if ticket is None:
            dispatcher.utter_message(text=NOT_FILED)
            return reset
        return await filed(dispatcher, tracker, ticket)
