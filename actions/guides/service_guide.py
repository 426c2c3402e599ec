"""ask_service_guide: a named service's guide, or the asked part of it."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.prepare import misread_booking, start_booking
from actions.forms import latest_text
from actions.guides import knowledge
from actions.guides.answering import answer_question, say_entry
from actions.guides.replies import GUIDE_MENU_TEXT, KB_UNAVAILABLE_TEXT, NO_GUIDE_TEXT, life_event_buttons
from actions.guides.understanding import is_payload, requested_aspects, requested_topics

logger = logging.getLogger(__name__)


class ActionServiceGuide(Action):
    """The guide of the service the NLU recognised (no encoder needed); without one, the
    question goes the FAQ way (follow-up on the last guide, or the retriever). A service
    question the knowledge base has no confident entry for ("无人机飞行要去哪里报备") is a city
    matter without a guide yet: the citizen is told so and given 12345 and a person, and the
    reply counts towards the handoff to an agent like any other admitted failure. A booking
    request read as a guide question ("约政务服务中心办居住证") starts the booking instead."""

    def __init__(self) -> None:
        knowledge.warm_up()

    def name(self) -> str:
        return "action_service_guide"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType | dict[str, Any]]:
        if misread_booking(tracker):
            return await start_booking(dispatcher, tracker, domain)
        text = latest_text(tracker)
        aspects = requested_aspects(tracker)
        try:
            content = knowledge.catalog()
            topics = requested_topics(tracker, content)
            if topics:
                return say_entry(dispatcher, content.get(topics[0]), aspects)
            if is_payload(text) or not text:
                dispatcher.utter_message(
                    text=GUIDE_MENU_TEXT, buttons=life_event_buttons(knowledge.life_event_bundles().values())
                )
                return []
            return await answer_question(dispatcher, tracker, text, aspects, unknown_text=NO_GUIDE_TEXT)
        except knowledge.KnowledgeUnavailable:
            dispatcher.utter_message(text=KB_UNAVAILABLE_TEXT)
            return []
