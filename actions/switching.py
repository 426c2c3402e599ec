"""Leaving a form for what the citizen asks instead, in the same message ("不挂了，帮我查下电费",
"算了不办了，查一下水费"), and stopping a side task to go back to the form below it.

Both are decided in the form's validation (`actions.forms.ValidationBase.run`), which Rasa runs
on every message while a form is active, before any rule: the stop words would otherwise send
the message to the "stop" rule (the request after them lost), or the request would be answered
as a side question and the old form's question asked again.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_stack import STOPPED, end_form, interrupted_forms, resume_interrupted
from actions.forms import intent_of
from common.settings import load_settings
from understanding.complaints import another_matter

logger = logging.getLogger(__name__)
Events = list[dict[str, Any]]
Start = Callable[[CollectingDispatcher, Tracker, DomainDict], Awaitable[Events]]

OWN_INTENTS = {
    "appointment_form": frozenset({"book_appointment", "inform"}),
    "complaint_form": frozenset({"file_complaint", "inform"}),
    "bill_form": frozenset({"query_bill", "inform"}),
    "bind_form": frozenset({"bind_account", "inform"}),
    "verification_form": frozenset({"inform"}),
}
"""Intents that carry on the form itself after stopping words ("算了，还是约明天吧")."""
STOP_INTENTS = {
    "appointment_form": frozenset({"deny", "cancel_appointment"}),
    "complaint_form": frozenset({"deny"}),
    "bill_form": frozenset({"deny"}),
    "bind_form": frozenset({"deny"}),
    "verification_form": frozenset({"deny"}),
}
"""Intents with which each form's rules stop it ("不约了" is cancel_appointment in a booking)."""


def _followup(name: str) -> Start:
    async def start(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        return [FollowupAction(name)]

    return start


def _outside_form(tracker: Tracker) -> Tracker:
    """The tracker as a task's action sees it when started outside any form."""
    outside = copy.copy(tracker)
    outside.active_loop = {}
    return outside


def _inline(action: Callable[[], Action]) -> Start:
    """The task's own action, run now on the message: its answer joins the stop in one reply.
    Rasa then listens (a rule would not recognise an answer given from inside a form), unless
    the action went on to a form of its own (verification)."""

    async def start(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        events = await action().run(dispatcher, _outside_form(tracker), domain)
        if not any(event.get("event") == "followup" for event in events):
            events = [*events, FollowupAction("action_listen")]
        return events

    return start


def task_starts() -> dict[str, Start]:
    """How each task starts from a message, as its rule would start it (data/rules/*.yml)."""
    # The topic actions import actions.forms, whose validation base calls this module.
    from actions.appointments.prepare import start_booking
    from actions.bills.payment import ActionPayBill
    from actions.bills.query import ActionPrepareBillQuery, start_bill_query
    from actions.complaints.filing import ActionPrepareComplaint
    from actions.complaints.follow_up import ActionQueryComplaint, ActionRateService
    from actions.guides.faq_fallback import ActionFaqFallback
    from actions.guides.life_event import ActionLifeEvent
    from actions.guides.service_guide import ActionServiceGuide
    from actions.handoff import ActionHumanHandoff

    async def start_binding(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        return [*await ActionPrepareBillQuery().run(dispatcher, tracker, domain), FollowupAction("bind_form")]

    async def start_complaint(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        events = await ActionPrepareComplaint().run(dispatcher, _outside_form(tracker), domain)
        return [*events, FollowupAction("complaint_form")]

    return {
        "query_bill": start_bill_query,
        "bind_account": start_binding,
        "pay_bill": _inline(ActionPayBill),
        "book_appointment": start_booking,
        "list_appointments": _followup("appointment_list_form"),
        "cancel_appointment": _followup("appointment_cancel_form"),
        "file_complaint": start_complaint,
        "query_complaint": _inline(ActionQueryComplaint),
        "rate_service": _inline(ActionRateService),
        "ask_service_guide": _inline(ActionServiceGuide),
        "life_event": _inline(ActionLifeEvent),
        "human_handoff": _inline(ActionHumanHandoff),
        "out_of_scope": _inline(ActionFaqFallback),
        "nlu_fallback": _inline(ActionFaqFallback),
    }


# What the NLU tagged in the words after the stop, and the task those words ask for.
TAGGED_TASKS = (
    (frozenset({"bill_type", "account_number", "plate_number"}), "query_bill"),
    (frozenset({"service_item", "guide_aspect"}), "ask_service_guide"),
    (frozenset({"life_event"}), "life_event"),
    (frozenset({"ticket_id"}), "query_complaint"),
)


ANEW = {"complaint_form": "file_complaint"}
"""Forms that start over when the words after the stop are another one of their own."""


def starts_anew(form: str, rest: str) -> bool:
    """ "算了，不说这个了，我要投诉另一个事：楼下烧烤油烟": the complaint being filed is dropped and the
    other matter is filed in its place, from its own words (understanding.complaints)."""
    return form in ANEW and another_matter(rest, load_settings().forms.text_min_chars) is not None


def tagged_task(tracker: Tracker, rest: str) -> str | None:
    """The task of the request after the stop when the NLU gave the whole message to the stop
    ("算了不挂了，护照怎么办" read as deny) or to the form ("不绑了，我问问港澳通行证怎么办" read as
    binding): named by what the NLU tagged in the request's words."""
    offset = (tracker.latest_message.get("text") or "").rfind(rest)
    tagged = {
        str(item.get("entity"))
        for item in tracker.latest_message.get("entities", [])
        if offset >= 0 and int(item.get("start") or 0) >= offset
    }
    return next((task for entities, task in TAGGED_TASKS if tagged & entities), None)


async def leave_form(
    form: str,
    rest: str | None,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
) -> Events | None:
    """The events that end `form` this turn, or None to let the form read the message.

    `rest` is what the citizen asked after stopping words (understanding.switching): it is
    started as its own task when the NLU read the message as that task. A plain stop with a form
    interrupted below this one goes back to that form instead of ending everything."""
    intent = intent_of(tracker)
    if form not in STOPPED:
        return None
    anew = rest is not None and starts_anew(form, rest)
    if rest is not None and (intent in STOP_INTENTS[form] or intent in OWN_INTENTS[form]):
        intent = ANEW[form] if anew else tagged_task(tracker, rest) or intent
    if rest is not None and (anew or (intent not in OWN_INTENTS[form] and intent not in STOP_INTENTS[form])):
        start = task_starts().get(intent)
        if start is None:
            return None
        logger.info("form %s left for %s", form, intent)
        dispatcher.utter_message(text=STOPPED[form])
        return [*end_form(tracker), *await start(dispatcher, tracker, domain)]
    if rest is None and intent in STOP_INTENTS[form] and interrupted_forms(tracker.events):
        dispatcher.utter_message(text=STOPPED[form])
        return [*end_form(tracker), *resume_interrupted(dispatcher, tracker)]
    return None
