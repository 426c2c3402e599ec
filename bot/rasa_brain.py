"""The Rasa-backed `Brain` every channel talks to.

It owns the parts that must behave the same on every channel: numbered choices ("1",
"第二个") become the offered button's payload, payloads a citizen types that were never
offered are treated as plain text, and a Rasa outage becomes a polite answer.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from prometheus_client import Counter

from bot import metrics
from bot.brain import BUSY_MESSAGE, BotMessage, Button
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.render import choice_payload
from common.store import KeyValueStore
from common.text_normalization import normalize_message, says_nothing

logger = logging.getLogger(__name__)

EMPTY_MESSAGE = "您好像没有输入内容。请直接说您要办的事，或回复“帮助”查看菜单。"
MAX_MESSAGE_CHARS = 500
CHOICES_TTL_SECONDS = 30 * 60
UNAVAILABLE: BotMessage = {"text": BUSY_MESSAGE, "custom": {"error": "assistant_unavailable"}}
EMPTY_REPLIES = Counter(
    "gateway_rasa_empty_replies_total",
    "Citizen messages Rasa answered with nothing to show, answered busy instead",
    ["channel"],
)


def normalise_messages(raw: list[dict[str, Any]]) -> list[BotMessage]:
    """Rasa's REST output without the recipient id, in the shape of CONTRACT's /api/chat.

    Rasa's REST channel sends an utterance's text and its custom data (`json_message`, e.g.
    the knowledge-base entry id) as two messages; a custom-only message is merged back into
    the message before it, so the text carries its `"custom": {"kb_id": ...}`."""
    messages: list[BotMessage] = []
    for item in raw:
        message: BotMessage = {}
        if item.get("text"):
            message["text"] = item["text"]
        if item.get("buttons"):
            message["buttons"] = [Button(title=b["title"], payload=b["payload"]) for b in item["buttons"]]
        if item.get("custom"):
            message["custom"] = item["custom"]
        if item.get("image"):
            message["image"] = item["image"]
        if set(message) == {"custom"} and messages and "custom" not in messages[-1]:
            messages[-1]["custom"] = message["custom"]
        elif message:
            messages.append(message)
    return messages


def strip_unoffered_payload(text: str, offered: list[Button]) -> str:
    """A leading "/" would let a citizen inject intents and entities; only offered payloads pass."""
    if text.startswith("/") and text not in {button["payload"] for button in offered}:
        return text.lstrip("/").strip()
    return text


def _unavailable() -> BotMessage:
    return {"text": UNAVAILABLE["text"], "custom": dict(UNAVAILABLE["custom"])}


def _shows_something(message: BotMessage) -> bool:
    return bool(message.get("text") or message.get("buttons") or message.get("image"))


class RasaBrain:
    """`turn_wait_seconds`: how long a citizen's message waits for the one before it (longer
    than a Rasa call may take, RASA_TIMEOUT_SECONDS); then it goes on regardless."""

    def __init__(self, rasa: RasaClient, store: KeyValueStore, turn_wait_seconds: float = 15.0) -> None:
        self._rasa = rasa
        self._store = store
        self._turn_wait_seconds = turn_wait_seconds

    async def respond(self, sender: str, text: str) -> list[BotMessage]:
        """One citizen's messages reach Rasa one at a time, in the order the gateway received
        them, whichever gateway worker has each (the store's turns, on Redis with several
        workers): Rasa's lock store alone orders them as its workers get round to them, and a
        worker busy predicting for someone else let a later message overtake an earlier one
        (tests/reliability/test_ordering.py). A numbered choice also reads the buttons the
        previous answer offered, not older ones."""
        async with self._store.turn(f"rasa:{sender}", self._turn_wait_seconds):
            return await self._respond(sender, text)

    async def _respond(self, sender: str, text: str) -> list[BotMessage]:
        """Typed text is normalised once here, before Rasa and so before every action, so
        full-width, spoken or spaced numbers read the same everywhere; payloads pass as sent."""
        text = text.strip()
        if not text.startswith("/"):
            text = normalize_message(text)
        text = text[:MAX_MESSAGE_CHARS]
        offered = await self._offered_buttons(sender) if text else []
        message = choice_payload(text, offered) or strip_unoffered_payload(text, offered)
        if says_nothing(message):
            return [{"text": EMPTY_MESSAGE}]
        channel = sender.partition(":")[0]
        started = time.perf_counter()
        try:
            raw = await self._rasa.send_message(sender, message)
        except RasaUnavailable as error:
            metrics.RASA_ERRORS.inc()
            logger.error("Rasa unavailable for %s: %s", sender, error)
            return [_unavailable()]
        finally:
            metrics.RASA_LATENCY.observe(time.perf_counter() - started)
        metrics.CHAT_MESSAGES.labels(channel=channel).inc()
        messages = normalise_messages(raw if isinstance(raw, list) else [])
        if not any(_shows_something(item) for item in messages):
            # Rasa answers 200 with [] when the action server is down (it logs the failed call
            # and predicts action_listen) or when an action uttered nothing.
            EMPTY_REPLIES.labels(channel=channel).inc()
            logger.error("Rasa answered %s with no message; answering busy", sender)
            return [_unavailable()]
        await self._remember_buttons(sender, messages)
        return messages

    async def _offered_buttons(self, sender: str) -> list[Button]:
        stored = await self._store.get(f"buttons:{sender}")
        return json.loads(stored) if stored else []

    async def _remember_buttons(self, sender: str, messages: list[BotMessage]) -> None:
        buttons = [button for message in messages for button in message.get("buttons", [])]
        if buttons:
            await self._store.set(
                f"buttons:{sender}", json.dumps(buttons, ensure_ascii=False), CHOICES_TTL_SECONDS
            )
        else:
            await self._store.delete(f"buttons:{sender}")
