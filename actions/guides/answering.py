"""The shared path from a question without a recognised service item to a reply: a retyped
choice, a follow-up on the guide just discussed, or the retriever's answer / choices /
honest "don't know". Both the guide action and the FAQ fallback take it."""

from __future__ import annotations

from collections.abc import Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guides import knowledge
from actions.guides.replies import (
    CLARIFY_TEXT,
    HUMAN_BUTTON,
    OUT_OF_SCOPE_TEXT,
    UNKNOWN_TEXT,
    WHICH_SERVICE_TEXT,
    entry_buttons,
    entry_reply,
)
from actions.guides.understanding import is_follow_up
from common.settings import load_settings
from knowledge_base.catalog import Entry

LAST_TOPIC_SLOT = "guide_kb_id"
"""The knowledge-base id answered last, so "要多少钱" answers that guide's fee."""


def say_entry(dispatcher: CollectingDispatcher, entry: Entry, aspects: Sequence[str] = ()) -> list[EventType]:
    """A reply from the knowledge base, tagged with its entry id (CONTRACT.md: "custom": {"kb_id"})."""
    dispatcher.utter_message(text=entry_reply(entry, aspects), json_message={"kb_id": entry.id})
    return [SlotSet(LAST_TOPIC_SLOT, entry.id)]


async def answer_question(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    aspects: Sequence[str],
    *,
    off_topic: bool = False,
    unknown_text: str = UNKNOWN_TEXT,
) -> list[EventType]:
    """Reply to `text`; `off_topic` (Rasa said out_of_scope) answers out of scope unless the
    knowledge base clearly knows better; `unknown_text` is the honest "don't know" (the guide
    action says it has no guide for the matter). Raises KnowledgeUnavailable."""
    retyped = knowledge.entry_for_question(text)
    if retyped is not None:
        return say_entry(dispatcher, retyped, aspects)
    last = tracker.get_slot(LAST_TOPIC_SLOT)
    previous = knowledge.entry(last) if last else None
    if aspects and is_follow_up(text):
        if previous is not None:
            return say_entry(dispatcher, previous, aspects)
        if not off_topic:
            dispatcher.utter_message(text=WHICH_SERVICE_TEXT)
            return []
    decision = await knowledge.decide(text)
    offered = [entry for entry in (knowledge.entry(hit.id) for hit in decision.hits) if entry is not None]
    if decision.kind == "answer" and offered:
        return say_entry(dispatcher, offered[0], aspects)
    if (
        decision.kind == "clarify"
        and offered
        and (not off_topic or decision.top_score >= load_settings().guides.out_of_scope_min_score)
    ):
        dispatcher.utter_message(text=CLARIFY_TEXT, buttons=entry_buttons(offered))
        return []
    if aspects and previous is not None:
        return say_entry(dispatcher, previous, aspects)
    if off_topic:
        say_out_of_scope(dispatcher)
    else:
        dispatcher.utter_message(
            text=unknown_text, buttons=[HUMAN_BUTTON], json_message={"fallback": "unknown"}
        )
    return []


def say_out_of_scope(dispatcher: CollectingDispatcher) -> None:
    """Marked as a fallback: the gateway hands a citizen to an agent after two in a row."""
    dispatcher.utter_message(text=OUT_OF_SCOPE_TEXT, json_message={"fallback": "out_of_scope"})
    dispatcher.utter_message(response="utter_help")
