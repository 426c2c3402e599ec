"""The stored conversations, read-only, as turns: a citizen's message and what followed it.

Rasa keeps every event in its SQL tracker store (`events`: sender_id, type_name, timestamp,
data), where `common/conversation_store.py` (`tracker_store_config`) puts it: SQLite in
STATE_DIR/conversations.db by default, PostgreSQL with DATABASE_URL. With REDIS_URL the
conversations live in Redis, which this reader does not scan (`ConversationsUnavailable`).

The channel is the sender id's prefix: every channel reaches Rasa through the gateway's REST
webhook (`input_channel` is "rest" for all of them), and the gateway namespaces each sender
("web:", "wechat:", "alipay:"; `bot/brain.py`). A Rasa session (`session_started`) is one
conversation.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, inspect, text

from analytics.period import Period, as_utc
from common.conversation_store import tracker_store_config
from common.database import shared_engine
from common.settings import Settings

CHANNELS = ("web", "wechat", "alipay")
OTHER_CHANNEL = "other"
CLARIFY_TEXT = "您是想问："
"""The text of the knowledge base's clarification (`actions/guides/replies.py`, CLARIFY_TEXT; a
test keeps the two equal). The gateway must not import the dialogue's actions, and a life
event's bundle offers the same guide buttons, so the text is what tells a clarification."""
_EVENT_TYPES = ("user", "bot", "slot", "session_started")


class ConversationsUnavailable(RuntimeError):
    """The conversations are not in a SQL store this reader can open (Redis, or none yet)."""


def channel_of(sender: str) -> str:
    prefix = sender.partition(":")[0]
    return prefix if prefix in CHANNELS else OTHER_CHANNEL


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[str, ...]
    """The offered payloads, in the order shown (choice 1 first)."""
    custom: dict[str, Any]
    at: datetime


@dataclass
class Turn:
    """One citizen message and everything Rasa did about it until the next one."""

    sender: str
    session: int
    text: str
    at: datetime
    replies: list[Reply] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    """Slots set with a value during the turn (the last value wins)."""
    slots_before: dict[str, Any] = field(default_factory=dict)
    """The sender's slots with a value as they stood when the message came."""

    @property
    def channel(self) -> str:
        return channel_of(self.sender)

    @property
    def fallback(self) -> str | None:
        """The kind of "did not understand / cannot answer" the replies admitted, if any."""
        return next((str(r.custom["fallback"]) for r in self.replies if r.custom.get("fallback")), None)

    @property
    def clarification(self) -> tuple[str, ...] | None:
        """The knowledge-base choices offered ("您是想问："), when the reply was a clarification."""
        return next((r.buttons for r in self.replies if r.text == CLARIFY_TEXT and r.buttons), None)

    @property
    def reply_seconds(self) -> float | None:
        return (self.replies[0].at - self.at).total_seconds() if self.replies else None


def next_turn(turns: list[Turn], index: int) -> Turn | None:
    """The citizen's next message in the same conversation (what they did with a reply)."""
    if index + 1 >= len(turns):
        return None
    turn, following = turns[index], turns[index + 1]
    return following if (following.sender, following.session) == (turn.sender, turn.session) else None


@dataclass(frozen=True)
class Conversations:
    turns: list[Turn]
    sessions: dict[tuple[str, int], datetime]
    """(sender, session) -> when its first event in the period happened."""


_read_only: dict[Path, Engine] = {}
_read_only_lock = threading.Lock()


def conversations_engine(settings: Settings) -> tuple[Engine, str]:
    """The tracker store's engine, read-only where the database allows it, and its dialect."""
    config = tracker_store_config(settings)
    if config["type"] != "SQL":
        raise ConversationsUnavailable("conversations are kept in Redis")
    if config["dialect"] == "postgresql":
        return shared_engine(settings.database_url), "postgresql"
    path = Path(config["db"])
    if not path.exists():
        raise ConversationsUnavailable("no conversation stored yet")
    with _read_only_lock:
        engine = _read_only.get(path)
        if engine is None:
            # mode=ro: this reader can never write to Rasa's database or hold a write lock on it.
            url = f"sqlite:///file:{path}?mode=ro&uri=true"
            engine = _read_only[path] = create_engine(url, connect_args={"timeout": 15})
    return engine, "sqlite"


def _rows(engine: Engine, period: Period) -> Iterator[tuple[str, str, float, str]]:
    with engine.connect() as connection:
        if not inspect(connection).has_table("events"):
            return
        result = connection.execute(
            text(
                "SELECT sender_id, type_name, timestamp, data FROM events"
                " WHERE timestamp >= :start AND timestamp < :end AND type_name IN :types"
                " ORDER BY sender_id, timestamp, id"
            ).bindparams(bindparam("types", expanding=True)),
            {"start": period.start.timestamp(), "end": period.end.timestamp(), "types": list(_EVENT_TYPES)},
        )
        yield from result.tuples()


def read_conversations(engine: Engine, period: Period) -> Conversations:
    """Every turn of the period, per sender in time order (blocking)."""
    turns: list[Turn] = []
    sessions: dict[tuple[str, int], datetime] = {}
    current: Turn | None = None
    sender, session, slots = "", 0, {}
    for sender_id, type_name, timestamp, raw in _rows(engine, period):
        if sender_id != sender:
            sender, session, slots, current = sender_id, 0, {}, None
        at = as_utc(timestamp)
        assert at is not None
        data = json.loads(raw) if raw else {}
        if type_name == "session_started":
            session += 1
            current = None
            continue
        sessions.setdefault((sender, session), at)
        if type_name == "user":
            current = Turn(sender, session, str(data.get("text") or ""), at, slots_before=dict(slots))
            turns.append(current)
        elif type_name == "slot":
            name, value = data.get("name"), data.get("value")
            if value is None:
                slots.pop(name, None)
            else:
                slots[name] = value
                if current is not None:
                    current.slots[name] = value
        elif type_name == "bot" and current is not None:
            content = data.get("data") or {}
            current.replies.append(
                Reply(
                    text=str(data.get("text") or ""),
                    buttons=tuple(str(b.get("payload", "")) for b in content.get("buttons") or ()),
                    custom=content.get("custom") or {},
                    at=at,
                )
            )
    return Conversations(turns, sessions)
