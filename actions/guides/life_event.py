"""life_event: the services a citizen needs around an event, as numbered choices."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import latest_entity_values
from actions.guides import knowledge
from actions.guides.replies import (
    KB_UNAVAILABLE_TEXT,
    LIFE_EVENT_MENU_TEXT,
    bundle_text,
    entry_buttons,
    life_event_buttons,
)
from knowledge_base.life_events import LifeEvent
from understanding.life_events import hardship_in, life_events_in


class ActionLifeEvent(Action):
    """One event named: its bundle, each topic a choice leading to its guide. Several named
    ("结婚生子") or none ("人生大事"): the events to choose from. Untagged, the event is read
    from the message's words: a bereaved citizen must never get a menu opening with 结婚. A
    hardship the words name wins over what the tagger read ("我爸没了，我是独生子" is no birth)."""

    def name(self) -> str:
        return "action_life_event"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType | dict[str, Any]]:
        try:
            bundles = knowledge.life_event_bundles()
            # A value the tagger got wrong ("外地") names nothing: the words are read instead.
            text = tracker.latest_message.get("text") or ""
            hardship = hardship_in(text)
            values = [value for value in latest_entity_values(tracker, "life_event") if value in bundles]
            values = [hardship] if hardship in bundles else values or life_events_in(text, list(bundles))
            named = [bundles[value] for value in values]
            if len(named) != 1:
                dispatcher.utter_message(
                    text=LIFE_EVENT_MENU_TEXT, buttons=life_event_buttons(named or bundles.values())
                )
                return []
            say_bundle(dispatcher, named[0])
        except knowledge.KnowledgeUnavailable:
            dispatcher.utter_message(text=KB_UNAVAILABLE_TEXT)
        return []


def say_bundle(dispatcher: CollectingDispatcher, event: LifeEvent) -> None:
    topics = [entry for entry in (knowledge.entry(topic) for topic in event.topics) if entry]
    dispatcher.utter_message(text=bundle_text(event), buttons=entry_buttons(topics))


def offer_hardship_bundle(dispatcher: CollectingDispatcher, text: str) -> bool:
    """Offers the bundle of the one hardship event `text` names, which must never be declined
    as out of scope when the NLU misreads the message ("厂子倒闭了我下岗了"); False when it names
    none (or several). Raises KnowledgeUnavailable."""
    named = hardship_in(text)
    if named is None:
        return False
    say_bundle(dispatcher, knowledge.life_event_bundles()[named])
    return True
