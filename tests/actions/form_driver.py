"""Drives a rasa-sdk form validation action the way Rasa's FormAction does, without Rasa:
validate the latest message, take the next requested slot, ask for it. The tests of the
dialogue logic run against the real sandbox with this instead of a trained model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

SENDER = "web:driver"


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 0}


@dataclass
class FormDriver:
    form: str
    required: list[str]
    validator: FormValidationAction
    asks: dict[str, Action]
    sender: str = SENDER
    slots: dict[str, Any] = field(default_factory=dict)
    message: dict[str, Any] = field(default_factory=dict)
    active: bool = False
    trailing: list[dict[str, Any]] = field(default_factory=list)
    """Slot events of the action run just before the form, which Rasa hands to the form's
    validation as slots set this turn."""

    @property
    def domain(self) -> dict[str, Any]:
        return {"forms": {self.form: {"required_slots": self.required}}, "slots": {}}

    def tracker(self, extra_events: list[dict[str, Any]] | None = None) -> Tracker:
        return Tracker(
            sender_id=self.sender,
            slots=dict(self.slots),
            latest_message=self.message,
            events=[{"event": "user", "text": self.message.get("text")}, *(extra_events or [])],
            paused=False,
            followup_action=None,
            active_loop={"name": self.form} if self.active else {},
            latest_action_name="action_listen",
        )

    async def run(self, action: Action) -> list[dict[str, Any]]:
        """Runs any action on the current state, applies its slots and returns its messages."""
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, self.tracker(), self.domain)
        self._apply(events)
        self.trailing = [event for event in events if event.get("event") == "slot"]
        return dispatcher.messages

    async def say(self, text: str, intent: str = "inform", *entities: dict[str, Any]) -> list[dict[str, Any]]:
        """One citizen message while the form is active (or activating): validation, then the
        question for the next slot; an empty list plus `done` when the form is complete."""
        self.message = {"text": text, "intent": {"name": intent}, "entities": list(entities)}
        dispatcher = CollectingDispatcher()
        prefilled = [
            {"event": "slot", "name": slot, "value": self.slots[slot]}
            for slot in self.required
            if not self.active and self.slots.get(slot) is not None
        ]
        before = [] if self.active else self.trailing
        self.trailing = []
        events = await self.validator.run(dispatcher, self.tracker([*before, *prefilled]), self.domain)
        self.active = True
        self._apply(events)
        if not any(event.get("name") == "requested_slot" for event in events):
            # As Rasa does when the validation action leaves the choice to the form.
            missing = (slot for slot in self.required if self.slots.get(slot) is None)
            self.slots["requested_slot"] = next(missing, None)
        requested = self.slots.get("requested_slot")
        if requested is None:
            self.active = False
            return dispatcher.messages
        ask = CollectingDispatcher()
        self._apply(await self.asks[requested].run(ask, self.tracker(), self.domain))
        return dispatcher.messages + ask.messages

    @property
    def done(self) -> bool:
        return not self.active

    def _apply(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]


def texts(messages: list[dict[str, Any]]) -> str:
    parts = []
    for message in messages:
        parts.append(message.get("text") or "")
        parts.extend(button["title"] for button in message.get("buttons") or [])
    return "\n".join(parts)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [button["payload"] for message in messages for button in message.get("buttons") or []]
