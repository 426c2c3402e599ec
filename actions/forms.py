"""The reusable base of every form's validation action.

Forms share how they read the latest message, how they re-ask after a bad answer (with
the way out, "算了"), and their limits, which come from the environment rather than code.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_stack import is_resuming, started_this_turn
from actions.greet import greeting
from actions.guides.replies import OUT_OF_SCOPE_TEXT
from common.identity import is_valid_phone
from common.settings import load_settings
from understanding.switching import request_after_stop

STOP_HINT = "（不想办了请回复“算了”）"
SMALL_TALK_INTENTS = frozenset({"greet", "thank", "bot_challenge", "out_of_scope"})
"""Said in passing while a form waits for an answer ("你好", "谢谢", "你是机器人吗", "今天天气怎么样"):
the form's validation answers them itself, when it could read no answer from them, and the form
asks its question again (`ValidationBase.run`). Their rules answer them outside forms; inside
one, a rule's answer left the form's question unasked ("谢谢" even got "还有别的事吗"), and only
some forms had a rule back to the form."""
# Questions answered inside any form, after which the form asks its question again: small talk
# by the validation, the others by their rules (data/rules/*.yml, "... then back to the form").
SIDE_QUESTION_INTENTS = frozenset({"ask_service_guide", "help"}) | SMALL_TALK_INTENTS
YOU_ARE_WELCOME = "不客气。"
Button = dict[str, str]


def payload(intent: str, entities: dict[str, str]) -> str:
    """A button's payload: the intent with its entities, so "1" picks exactly what was shown."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def latest_entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of one entity in the citizen's latest message, in the order written, without repeats."""
    values: list[str] = []
    entities = tracker.latest_message.get("entities", [])
    for item in sorted(entities, key=lambda item: int(item.get("start") or 0)):
        value = str(item.get("value", "")).strip()
        if item.get("entity") == entity and value and value not in values:
            values.append(value)
    return values


def phone_from_nlu(tracker: Tracker, asked: bool) -> str | None:
    """The phone NLU found in the latest message. Unasked, only a well-formed one: DIET may tag
    any number as a phone ("12月8号上午10点" gave "10点"), and a citizen who gave no phone must
    not be told their phone is wrong; asked, whatever was typed is checked and explained."""
    values = latest_entity_values(tracker, "phone")
    return next((value for value in values if asked or is_valid_phone(value)), None)


def form_run_id(tracker: Tracker, form: str) -> str:
    """When this run of `form` began (its activation event's timestamp). A retried submit of
    the same run carries the same id, so its idempotency key replays the first record; a new
    report or booking, even with the same words, is a new run and so a new record."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            return str(event.get("timestamp", ""))
    return ""


# "1，下周三去", "２、明天上午": a choice's number followed by more words (a bare "1" is mapped
# to its button by the gateway before Rasa sees it).
_LEADING_CHOICE = re.compile(r"^\s*第?([1-9１-９])\s*(?:个|号)?\s*[，,、.。\s]+\S")


def leading_choice(tracker: Tracker) -> dict[str, str]:
    """The entities of the button the latest message picked by its number before saying more
    ("1，12月7号去" after the halls were offered); empty when it picked none."""
    found = _LEADING_CHOICE.match(latest_text(tracker))
    if not found:
        return {}
    choice = int(found.group(1).translate(str.maketrans("１２３４５６７８９", "123456789")))
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return {}
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            if not 1 <= choice <= len(buttons):
                continue
            _, _, body = str(buttons[choice - 1].get("payload", "")).partition("{")
            try:
                values = json.loads("{" + body) if body else {}
            except json.JSONDecodeError:
                return {}
            return {str(key): str(value) for key, value in values.items()}
    return {}


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def intent_of(tracker: Tracker) -> str:
    """The intent the NLU gave the citizen's latest message ("" when none)."""
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


class ValidationBase(FormValidationAction, ABC):
    """Subclasses name their form and add `extract_<slot>` / `validate_<slot>` methods."""

    limits = load_settings().forms

    @abstractmethod
    def name(self) -> str:
        """Abstract, so rasa-sdk does not register this base as an action of its own."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Before the form reads the message as answers: a form taken up again after a side task
        reads nothing (the message was the side task's) and asks its open question; stopping
        words followed by another request end the form for that request, and a plain stop of
        a side task goes back to the form below (actions.switching), unless this message just
        started the form. After it: small talk the form could not read as an answer is
        answered, and the open question asked again."""
        from actions.switching import leave_form  # it starts the topic actions, which import this

        form = self.form_name()
        if is_resuming(tracker, form):
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            return [next_slot] if next_slot else []
        if tracker.active_loop.get("name") != form:
            return await super().run(dispatcher, tracker, domain)
        if not started_this_turn(tracker):
            rest = request_after_stop(latest_text(tracker))
            left = await leave_form(form, rest, dispatcher, tracker, domain)
            if left is not None:
                return left
        events = await super().run(dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        if requested and not _fills_a_slot(events) and await answer_small_talk(dispatcher, tracker):
            # The open question stays empty but counts as handled, so the form asks it again.
            return [*events, SlotSet(requested, None)]
        return events

    @staticmethod
    def reject(dispatcher: CollectingDispatcher, slot: str, problem: str) -> dict[str, Any]:
        """Tells the citizen what was wrong and empties the slot, so the form asks again."""
        dispatcher.utter_message(text=f"{problem}{STOP_HINT}")
        return {slot: None}


def _fills_a_slot(events: list[dict[str, Any]]) -> bool:
    """The validation read the message as an answer (or said what was wrong with it)."""
    return any(event.get("event") == "slot" and event.get("name") != "requested_slot" for event in events)


async def answer_small_talk(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answers a greeting, thanks, "are you a robot" or an off-topic remark said in the middle of
    a form, in the words of their rules but without the menu or "还有别的事吗": the form's
    question follows. False when the message was none of these."""
    intent = intent_of(tracker)
    if intent not in SMALL_TALK_INTENTS:
        return False
    if intent == "greet":
        dispatcher.utter_message(text=await greeting(tracker.sender_id))
    elif intent == "thank":
        dispatcher.utter_message(text=YOU_ARE_WELCOME)
    elif intent == "out_of_scope":
        dispatcher.utter_message(text=OUT_OF_SCOPE_TEXT)
    else:
        dispatcher.utter_message(response="utter_bot_challenge")
    return True


def is_side_question(tracker: Tracker) -> bool:
    return (tracker.latest_message.get("intent") or {}).get("name") in SIDE_QUESTION_INTENTS


def just_rejected(tracker: Tracker) -> bool:
    """The validation of this very message already said what was wrong and what to send
    (`ValidationBase.reject`, whose text ends with STOP_HINT), or offered numbered choices
    instead of the answer (the nearest free times for a closed day): asking again would be a
    second question in one reply. Only the validation's own choices count, the ones uttered
    after the form ran: a side answer's menu earlier in the turn is no question of the form."""
    in_validation = True
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "action":
            in_validation = False
        elif kind == "bot":
            if str(event.get("text") or "").endswith(STOP_HINT):
                return True
            if in_validation and (event.get("data") or {}).get("buttons"):
                return True
    return False
