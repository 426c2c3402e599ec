"""nlu_fallback and out_of_scope: let the knowledge base answer before giving up."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.manage import answers_which_to_cancel
from actions.appointments.prepare import misread_booking, start_booking
from actions.bills.payment import ActionPayBill, misread_payment
from actions.bills.query import misread_bill_query, start_bill_query
from actions.complaints.follow_up import report_again
from actions.forms import latest_entity_values, latest_text
from actions.guides import knowledge
from actions.guides.answering import answer_question, say_out_of_scope
from actions.guides.life_event import offer_hardship_bundle
from actions.guides.replies import KB_UNAVAILABLE_TEXT
from actions.guides.understanding import requested_aspects
from understanding.complaints import reports_again


class ActionFaqFallback(Action):
    """Whatever Rasa is unsure about is often a plain how-to question its intents do not
    cover; the retriever answers it, offers the closest 2-3, or admits it does not know.
    For out_of_scope, the out-of-scope answer stays unless the knowledge base knows better."""

    def __init__(self) -> None:
        knowledge.warm_up()

    def name(self) -> str:
        return "action_faq_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType | dict[str, Any]]:
        off_topic = (tracker.latest_message.get("intent") or {}).get("name") == "out_of_scope"
        text = latest_text(tracker)
        if _nuisance_back(tracker, text):
            return await report_again(dispatcher, tracker, domain)
        if answers_which_to_cancel(tracker):
            return [FollowupAction("action_cancel_appointment")]
        if misread_booking(tracker):
            return await start_booking(dispatcher, tracker, domain)
        if misread_payment(tracker):
            return await ActionPayBill().run(dispatcher, tracker, domain)
        if misread_bill_query(tracker):
            return await start_bill_query(dispatcher, tracker, domain)
        try:
            if off_topic and offer_hardship_bundle(dispatcher, text):
                return []
            return await answer_question(
                dispatcher, tracker, text, requested_aspects(tracker), off_topic=off_topic
            )
        except knowledge.KnowledgeUnavailable:
            if off_topic:
                say_out_of_scope(dispatcher)
            else:
                dispatcher.utter_message(text=KB_UNAVAILABLE_TEXT)
            return []


def _nuisance_back(tracker: Tracker, text: str) -> bool:
    """ "饭店油烟又来了，跟上次一样" that the NLU could not place is a new report when it names a
    kind of problem or follows a complaint of this conversation ("我又来了" alone is a greeting)."""
    if not reports_again(text):
        return False
    return bool(latest_entity_values(tracker, "complaint_category")) or (
        bool(tracker.get_slot("complaint_ticket")) and len(text) >= 6
    )
