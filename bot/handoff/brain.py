"""The brain every channel talks to when hotline agents are configured.

It stands in front of the Rasa brain: a chat an agent owns goes to the agent and the bot
stays silent; a citizen who asks for a person (the `handoff` marker on Rasa's reply), or
whom the bot failed twice in a row (the `fallback` and `error` markers), joins the queue
with the conversation so far; "结束" hands the chat back to the bot. When the handoff
database is unreachable, the bot simply keeps answering: a citizen is never left hanging.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from bot import metrics
from bot.brain import BotMessage, Brain
from bot.handoff.desk import BOT, CITIZEN, CLAIMED, SYSTEM, Handoff, HandoffDesk, Turn
from bot.render import render_as_text
from common.store import KeyValueStore

logger = logging.getLogger(__name__)

END_WORDS = frozenset({"结束", "结束人工", "结束人工服务", "结束对话", "退出人工", "返回智能助手"})
TRANSCRIPT_TURNS = 20
TRANSCRIPT_TTL_SECONDS = 2 * 3600
FAILURES_TTL_SECONDS = 3600
AGENTS_SEEN_KEY = "handoff:agents_seen"
AGENTS_SEEN_TTL_SECONDS = 90

REQUESTED, BOT_FAILED = "requested", "bot_failed"
OUT_OF_SCOPE = "out_of_scope"
SORRY_TEXT = "抱歉，我没能帮上您。"
QUEUED_TEXT = (
    "正在为您转接人工客服，请稍候，客服会在这里回复您。{place}回复“结束”可回到智能助手；着急可拨打12345。"
)
NO_AGENT_TEXT = (
    "人工客服暂时不在线。您的问题已经转给人工客服，上线后会在这里回复您；"
    "着急请拨打12345市民服务热线。回复“结束”可回到智能助手。"
)
WAITING_TEXT = "已收到，人工客服马上就来，请稍候。{place}回复“结束”可回到智能助手。"
WAITING_OFFLINE_TEXT = "已收到。人工客服暂时不在线，上线后会在这里回复您；着急请拨打12345市民服务热线。回复“结束”可回到智能助手。"
ENDED_TEXT = "好的，已结束人工服务，智能助手继续为您服务。有事直接说，或回复“帮助”看菜单。"
CLAIMED_TEXT = "人工客服已接入，请问有什么可以帮您？"
CLOSED_BY_AGENT_TEXT = "人工客服已结束本次对话，智能助手继续为您服务。有事直接说就行。"
AGENT_PREFIX = "【人工客服】"
_PUNCTUATION = re.compile(r"[\s。！!，,.～~]+")


def wants_to_end(text: str) -> bool:
    return _PUNCTUATION.sub("", text) in END_WORDS


def queue_place(ahead: int) -> str:
    return "您是下一位。" if ahead == 0 else f"您前面还有{ahead}位。"


def handoff_requested(messages: list[BotMessage]) -> bool:
    return any(message.get("custom", {}).get("handoff") == REQUESTED for message in messages)


def bot_failed(messages: list[BotMessage]) -> bool:
    """A reply that admits it did not understand or could not answer at all. Declining what the
    city does not serve ("红烧肉怎么做", "打电话给张三": the `out_of_scope` fallback) is not a
    failure: such chats would fill the agents' queue with requests no agent can serve."""
    return any(
        message.get("custom", {}).get("fallback") not in (None, "", OUT_OF_SCOPE)
        or message.get("custom", {}).get("error")
        for message in messages
    )


def as_transcript_lines(messages: list[BotMessage]) -> list[str]:
    """Each message as the citizen read it, numbered choices included, so an agent sees which
    menu a citizen's "2" answered."""
    return [line for line in (render_as_text([message]) for message in messages) if line]


class HandoffBrain:
    def __init__(self, bot: Brain, desk: HandoffDesk, store: KeyValueStore, after_failures: int) -> None:
        self._bot = bot
        self._desk = desk
        self._store = store
        self._after_failures = after_failures

    async def respond(self, sender: str, text: str) -> list[BotMessage]:
        handoff = await self._open_handoff(sender)
        if handoff is not None:
            try:
                return await self._to_agent(handoff, text)
            except Exception:
                logger.exception("handoff database failed mid-chat; the bot answers")
        messages = await self._bot.respond(sender, text)
        reason = REQUESTED if handoff_requested(messages) else None
        if reason is None and await self._failed_in_a_row(sender, messages) >= self._after_failures:
            reason = BOT_FAILED
        if reason is None:
            await self._remember(sender, text, messages)
            return messages
        return await self._queue(sender, reason, text, messages)

    async def _open_handoff(self, sender: str) -> Handoff | None:
        try:
            return await self._desk.open_for(sender)
        except Exception:
            logger.exception("handoff database unavailable; the bot answers")
            return None

    async def _to_agent(self, handoff: Handoff, text: str) -> list[BotMessage]:
        """The citizen's words go to the agent; the bot says nothing once an agent owns the chat."""
        if wants_to_end(text):
            await self._desk.close(handoff.id, CITIZEN)
            await self._desk.add(handoff, CITIZEN, text)
            await self._desk.add(handoff, SYSTEM, ENDED_TEXT)
            return [{"text": ENDED_TEXT, "custom": {"handoff": "closed"}}]
        await self._desk.add(handoff, CITIZEN, text)
        if handoff.status == CLAIMED:
            return []
        if not await self._agents_online():
            # Never "马上就来" to a citizen who was just told nobody is online.
            return [{"text": WAITING_OFFLINE_TEXT, "custom": {"handoff": handoff.status}}]
        place = queue_place(await self._desk.position(handoff))
        return [{"text": WAITING_TEXT.format(place=place), "custom": {"handoff": handoff.status}}]

    async def _agents_online(self) -> bool:
        """An agent's console polled the queue within the last AGENTS_SEEN_TTL_SECONDS."""
        return await self._store.get(AGENTS_SEEN_KEY) is not None

    async def _queue(
        self, sender: str, reason: str, text: str, messages: list[BotMessage]
    ) -> list[BotMessage]:
        """Opens the handoff with the conversation so far and tells the citizen what happens
        next; the agent's transcript ends with exactly what the citizen was shown."""
        transcript = [*await self._transcript(sender), Turn(CITIZEN, text, datetime.now(UTC))]
        try:
            handoff, new = await self._desk.open(sender, reason, transcript)
            place = queue_place(await self._desk.position(handoff))
            notice = QUEUED_TEXT.format(place=place) if await self._agents_online() else NO_AGENT_TEXT
            if reason == BOT_FAILED:
                shown = [*messages, {"text": SORRY_TEXT + notice}]
            else:
                kept = [
                    message for message in messages if message.get("custom", {}).get("handoff") != REQUESTED
                ]
                shown = [*kept, {"text": notice}]
            for line in as_transcript_lines(shown):
                await self._desk.add(handoff, BOT, line)
            _, _, cursor = await self._desk.updates(sender, -1)
        except Exception:
            logger.exception("could not queue a handoff; the citizen keeps the bot's answer")
            await self._remember(sender, text, messages)
            return messages
        if new:
            metrics.HANDOFFS.labels(reason=reason).inc()
        await self._store.delete(f"handoff:failures:{sender}")
        shown[-1]["custom"] = {"handoff": handoff.status, "handoff_cursor": cursor}
        return shown

    async def _failed_in_a_row(self, sender: str, messages: list[BotMessage]) -> int:
        key = f"handoff:failures:{sender}"
        if not bot_failed(messages):
            await self._store.delete(key)
            return 0
        failures = int(await self._store.get(key) or 0) + 1
        await self._store.set(key, str(failures), FAILURES_TTL_SECONDS)
        return failures

    async def _remember(self, sender: str, text: str, messages: list[BotMessage]) -> None:
        """The last turns, so an agent who takes over sees what the citizen already said."""
        now = datetime.now(UTC).isoformat()
        turns = json.loads(await self._store.get(f"handoff:transcript:{sender}") or "[]")
        turns.append([CITIZEN, text, now])
        turns.extend([BOT, line, now] for line in as_transcript_lines(messages))
        await self._store.set(
            f"handoff:transcript:{sender}",
            json.dumps(turns[-TRANSCRIPT_TURNS:], ensure_ascii=False),
            TRANSCRIPT_TTL_SECONDS,
        )

    async def _transcript(self, sender: str) -> list[Turn]:
        turns = json.loads(await self._store.get(f"handoff:transcript:{sender}") or "[]")
        return [Turn(author, text, datetime.fromisoformat(at)) for author, text, at in turns]


async def mark_agents_seen(store: KeyValueStore) -> None:
    """The console polls the queue; a recent poll means a citizen who asks now will be answered."""
    await store.set(AGENTS_SEEN_KEY, "1", AGENTS_SEEN_TTL_SECONDS)
