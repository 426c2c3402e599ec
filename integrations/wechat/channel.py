"""What the channel does with a verified WeChat message, within WeChat's 5-second rule.

Each message or event becomes one of three outcomes: ignored (`success`), a local reply
that needs no brain (images, locations, voice without recognition), or a question for the
brain. Questions are claimed once in the shared store under their MsgId (or sender plus
CreateTime for events), so WeChat's retries never reach the brain twice: a retry gets the
first answer, waits for it while it is still being worked out, or gets `success` when the
answer has gone out through the customer-service API instead. Every message and event is also
noted for the notices (`notices.contacts`: the 48-hour window, accepted subscription messages),
off the reply's path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from wechatpy.messages import BaseMessage

from bot.brain import BUSY_MESSAGE, Brain
from bot.render import render_as_text
from bot.routes.chat import strip_control_characters
from common.store import KeyValueStore
from integrations.wechat.api import WeChatApi
from integrations.wechat.config import WeChatConfig
from integrations.wechat.menu import Menu
from integrations.wechat.protocol import RequestRejected
from notices.contacts import ContactStore

logger = logging.getLogger(__name__)

GREETING = "你好"
MAX_REPLY_CHARS = 600  # WeChat cuts text replies at 2048 bytes; 600 Chinese characters fit.
BRAIN_TIMEOUT_SECONDS = 60.0
RECORD_TTL_SECONDS = 3600.0
RETRY_POLL_SECONDS = 0.05
SHUTDOWN_GRACE_SECONDS = 10.0

IMAGE_REPLY = "抱歉，我暂时还看不懂图片。请用文字说说您要办的事，比如“查水费”“身份证丢了怎么补办”。"
VOICE_UNRECOGNISED_REPLY = "抱歉，没听清您的语音。请再说一遍，或者直接打字告诉我。"
UNSUPPORTED_REPLY = "抱歉，我暂时只能看懂文字和语音。请用文字告诉我您要办的事。"
UNKNOWN_MENU_REPLY = "这个菜单暂时不能用了。请直接告诉我您要办的事，或回复“帮助”查看能办的事。"
EMPTY_ANSWER_REPLY = "抱歉，我没能回答这个问题。请换个说法，或拨打12345市民服务热线。"
LOCATION_REPLY = (
    "收到您的位置{label}。我暂时还不能按定位查找，您可以直接说想办的事，"
    "比如“预约政务大厅”“预约挂号”“查违章”，我来帮您办。"
)

_PENDING = json.dumps({"state": "pending"})
_DEFERRED = json.dumps({"state": "deferred"})

OUTCOMES = Counter(
    "gateway_wechat_messages_total",
    "WeChat pushes by outcome: passive, deferred, duplicate, local, ignored, refused",
    ["outcome"],
)
DELIVERIES = Counter(
    "gateway_wechat_deliveries_total", "Customer-service messages by result: sent, dropped", ["result"]
)


@dataclass(frozen=True)
class Question:
    """Text for the brain, and the key under which WeChat's retries of it are recognised."""

    text: str
    dedupe_key: str


def _message_key(message: BaseMessage) -> str:
    """WeChat retries carry the same MsgId; a message without one falls back to sender + time."""
    return f"msg:{message.id}" if message.id else f"from:{message.source}:{message.time}"


def interpret(message: BaseMessage, menu: Menu) -> Question | str | None:
    """A question for the brain, a local reply, or None for messages that want no answer."""
    kind = message.type
    if not message.source:
        raise ValueError("no FromUserName")
    if kind == "text":
        # XML 1.0 admits the C1 controls; they must not reach handoff transcripts or tickets.
        return Question(strip_control_characters(message.content or ""), _message_key(message))
    if kind == "voice":
        recognised = strip_control_characters(message.recognition or "").strip().rstrip("。！!？?，,")
        return Question(recognised, _message_key(message)) if recognised else VOICE_UNRECOGNISED_REPLY
    if kind == "image":
        return IMAGE_REPLY
    if kind == "location":
        label = f"：{message.label}" if message.label else ""
        return LOCATION_REPLY.format(label=label)
    if kind == "event":
        event_key = f"event:{message.source}:{message.time}:{message.event}"
        if message.event in {"subscribe", "subscribe_scan"}:
            return Question(GREETING, event_key)
        if message.event == "click":
            utterance = menu.utterance(message.key or "")
            return Question(utterance, event_key) if utterance else UNKNOWN_MENU_REPLY
        return None  # unsubscribe, view, scan, location reports, template results...
    if kind == "unknown" and str(message._data.get("MsgType", "")).lower() == "event":
        return None  # an event type wechatpy does not know: no citizen is waiting for an answer
    return UNSUPPORTED_REPLY


class WeChatChannel:
    def __init__(
        self,
        config: WeChatConfig,
        brain: Brain,
        store: KeyValueStore,
        api: WeChatApi,
        menu: Menu,
        contacts: ContactStore | None = None,
    ) -> None:
        self._config = config
        self._brain = brain
        self._store = store
        self._api = api
        self._menu = menu
        self._contacts = contacts
        self._background: set[asyncio.Task[None]] = set()

    async def handle(self, message: BaseMessage) -> str | None:
        """The passive reply text, or None when WeChat should just get `success`."""
        if self._contacts is not None and message.source:
            self._spawn(self._note(message))
        try:
            outcome = interpret(message, self._menu)
        except (TypeError, ValueError) as error:
            raise RequestRejected(400, f"malformed message fields: {type(error).__name__}") from error
        if outcome is None:
            OUTCOMES.labels(outcome="ignored").inc()
            return None
        if isinstance(outcome, str):
            OUTCOMES.labels(outcome="local").inc()
            return outcome
        return await self._answer_once(message.source, outcome)

    async def _note(self, message: BaseMessage) -> None:
        assert self._contacts is not None
        try:
            await self._contacts.heard(f"wechat:{message.source}", message._data)
        except Exception as error:  # only the notices' choice of message is at stake
            logger.error("could not note a WeChat user's message for the notices: %s", type(error).__name__)

    async def _answer_once(self, openid: str, question: Question) -> str | None:
        record = f"wechat:reply:{self._config.app_id}:{question.dedupe_key}"
        if not await self._claim(record):
            OUTCOMES.labels(outcome="duplicate").inc()
            return await self._first_answer(record)
        task = asyncio.create_task(self._ask(openid, question.text))
        done, _ = await asyncio.wait({task}, timeout=self._config.reply_deadline_seconds)
        if done:
            answer = task.result()
            await self._record(record, json.dumps({"state": "answered", "text": answer}, ensure_ascii=False))
            OUTCOMES.labels(outcome="passive").inc()
            return answer or None
        self._spawn(self._deliver_later(openid, task))
        await self._record(record, _DEFERRED)
        OUTCOMES.labels(outcome="deferred").inc()
        return None

    async def _claim(self, record: str) -> bool:
        """First sight of this message? With the store down, answer anyway: a possible duplicate
        answer is better than leaving the citizen without one."""
        try:
            return await self._store.set_if_absent(record, _PENDING, RECORD_TTL_SECONDS)
        except Exception as error:
            logger.error("store unavailable, answering without de-duplication: %s", type(error).__name__)
            return True

    async def _record(self, record: str, state: str) -> None:
        try:
            await self._store.set(record, state, RECORD_TTL_SECONDS)
        except Exception as error:
            logger.error(
                "store unavailable, retries of this message will get `success`: %s", type(error).__name__
            )

    async def _first_answer(self, record: str) -> str | None:
        """A retry waits for the first attempt's answer up to the deadline, polling the shared
        store so the first attempt may be running in another worker."""
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self._config.reply_deadline_seconds
        while True:
            try:
                stored = await self._store.get(record)
            except Exception as error:
                logger.error("store unavailable while a retry waited: %s", type(error).__name__)
                return None
            state = json.loads(stored) if stored else {"state": "gone"}
            if state["state"] == "answered":
                return str(state["text"]) or None
            if state["state"] != "pending" or loop.time() >= give_up_at:
                return None
            await asyncio.sleep(RETRY_POLL_SECONDS)

    async def _ask(self, openid: str, text: str) -> str:
        """The reply text; empty when the brain deliberately stays silent (an agent owns the chat)."""
        try:
            async with asyncio.timeout(BRAIN_TIMEOUT_SECONDS):
                messages = await self._brain.respond(f"wechat:{openid}", text)
        except Exception:
            logger.exception("the brain failed on a WeChat message from %s", openid)
            return BUSY_MESSAGE
        if not messages:
            return ""
        return render_as_text(messages, max_chars=MAX_REPLY_CHARS) or EMPTY_ANSWER_REPLY

    async def _deliver_later(self, openid: str, task: asyncio.Task[str]) -> None:
        answer = await task
        if not answer:
            return
        sent = await self._api.send_text(openid, answer)
        DELIVERIES.labels(result="sent" if sent else "dropped").inc()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Keeps a reference so the task is neither garbage-collected nor forgotten at shutdown."""
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        """Lets answers still on their way reach WeChat before the gateway stops."""
        pending = list(self._background)
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_SECONDS)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
