"""A plain yes ("确认", "1", "好的") outside any question.

Most often it is nothing to act on, but after the busy answer of a booking or a complaint cut
off by a crash, the citizen sends the confirmation again: it then asks the department what the
write did and says what its record says, instead of "还有什么可以帮您？"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointments.booking import settle_booking, unsettled
from actions.complaints.filing import settle_complaint, unsettled_complaint


class ActionPlainYes(Action):
    def name(self) -> str:
        return "action_plain_yes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if unsettled(tracker):
            return await settle_booking(dispatcher, tracker)
        if unsettled_complaint(tracker):
            return await settle_complaint(dispatcher, tracker) or []
        dispatcher.utter_message(response="utter_anything_else")
        return []
