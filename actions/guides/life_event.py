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
from understanding.life_events import life_events_in


class ActionLifeEvent(Action):
    """One event named: its bundle, each topic a choice leading to its guide. Several named
    ("结婚生子") or none ("人生大事"): the events to choose from. Untagged, the event is read
    from the message's words: a bereaved citizen must never get a menu opening with 结婚."""

    def name(self) -> str:
        return "action_life_event"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType | dict[str, Any]]:
        try:
            bundles = knowledge.life_event_bundles()
            # A value the tagger got wrong ("外地") names nothing: the words are read instead.
            values = [value for value in latest_entity_values(tracker, "life_event") if value in bundles]
            values = values or life_events_in(tracker.latest_message.get("text") or "", list(bundles))
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


# Events a citizen in trouble names, which must never be declined as out of scope when the NLU
# misreads the message ("厂子倒闭了我下岗了"); their words are specific enough to trust alone.
HARDSHIP_EVENTS = ("bereavement", "unemployment", "retirement", "moving_away")
# Words of those events that also mean something else ("我先走了", "辞职信怎么写").
LOOSE_WORDS = frozenset({"走了", "辞职", "搬走"})


def offer_hardship_bundle(dispatcher: CollectingDispatcher, text: str) -> bool:
    """Offers the bundle of the one hardship event `text` names; False when it names none (or
    several). Raises KnowledgeUnavailable."""
    named = life_events_in(text, list(HARDSHIP_EVENTS), LOOSE_WORDS)
    if len(named) != 1:
        return False
    say_bundle(dispatcher, knowledge.life_event_bundles()[named[0]])
    return True
