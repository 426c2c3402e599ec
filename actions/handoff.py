"""Asking for a person: the hotline's answer, which the gateway reads as a request for an agent.

A phone command ("打电话给张三") or a stray message the NLU took for such a request gets what any
request the city does not serve gets, and never joins the agents' queue (understanding/handoff.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import latest_text
from actions.guides.answering import say_out_of_scope
from understanding.handoff import asks_for_a_person


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        if text.startswith("/") or asks_for_a_person(text):  # "/human_handoff": the 转人工 button
            dispatcher.utter_message(response="utter_human_handoff")
        else:
            say_out_of_scope(dispatcher)
        return []
