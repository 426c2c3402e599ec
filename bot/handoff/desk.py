"""The handoff queue and its transcripts, in the assistant's database.

A handoff is queued (waiting for an agent), claimed (one agent owns the chat) or closed.
Claiming is one conditional UPDATE, so two agents clicking at once cannot both own a chat.
A chat left idle longer than the configured limit closes by itself the next time anyone
looks at it, so a citizen is never stuck with a silent bot after an agent went home.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.database import AssistantBase, AssistantStore

QUEUED, CLAIMED, CLOSED = "queued", "claimed", "closed"
OPEN_STATES = (QUEUED, CLAIMED)
CITIZEN, BOT, AGENT, SYSTEM = "citizen", "bot", "agent", "system"
MAX_TEXT_CHARS = 2000
NONE_OPEN_TRUST_SECONDS = 1.0


class HandoffRow(AssistantBase):
    __tablename__ = "assistant_handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(160), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    agent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))


class MessageRow(AssistantBase):
    __tablename__ = "assistant_handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(Integer, index=True)
    sender: Mapped[str] = mapped_column(String(160), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(MAX_TEXT_CHARS))


@dataclass(frozen=True)
class Handoff:
    id: int
    sender: str
    status: str
    reason: str
    agent: str | None
    created_at: datetime
    claimed_at: datetime | None
    closed_by: str | None

    @property
    def channel(self) -> str:
        return self.sender.partition(":")[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel,
            "status": self.status,
            "reason": self.reason,
            "agent": self.agent,
            "created_at": self.created_at.isoformat(),
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
        }


@dataclass(frozen=True)
class Message:
    id: int
    author: str
    agent: str | None
    text: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            "agent": self.agent,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Turn:
    """One line of the conversation before the handoff, as the bot saw it."""

    author: str
    text: str
    at: datetime


class HandoffConflict(Exception):
    """The handoff is not in a state that allows this (claimed by someone else, closed)."""

    def __init__(self, handoff: Handoff) -> None:
        super().__init__(handoff.status)
        self.handoff = handoff


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(
        id=row.id,
        sender=row.sender,
        status=row.status,
        reason=row.reason,
        agent=row.agent,
        created_at=_aware(row.created_at),
        claimed_at=_aware(row.claimed_at) if row.claimed_at else None,
        closed_by=row.closed_by,
    )


def _message(row: MessageRow) -> Message:
    return Message(row.id, row.author, row.agent, row.text, _aware(row.created_at))


class HandoffDesk(AssistantStore):
    """Every method is async and runs its SQL in a thread, so a slow database slows only
    the chats that are handed off.

    Every citizen message asks whether its chat is handed off (`open_for`), and almost never is
    one: a check that found no live handoff at all is trusted for NONE_OPEN_TRUST_SECONDS, so
    most messages skip the query (0.36 ms of the gateway's time and 0.43 ms of its CPU each,
    measured on SQLite). A handoff this process opens is seen at once; one another gateway
    worker opened, within that second (nobody answers a reply that fast)."""

    tables = (HandoffRow, MessageRow)

    def __init__(self, database_url: str, idle_minutes: float = 30.0) -> None:
        super().__init__(database_url)
        self._idle = timedelta(minutes=idle_minutes)
        self._none_open_until = 0.0
        self._opening = 0
        self._opened_at = 0.0

    async def open_for(self, sender: str) -> Handoff | None:
        if time.monotonic() < self._none_open_until:
            return None
        checked_at = time.monotonic()
        handoff, any_live = await self._run(self._open_for, sender)
        # Not trusted when a handoff of this process was being opened while the query ran.
        if not any_live and self._opening == 0 and self._opened_at < checked_at:
            self._none_open_until = checked_at + NONE_OPEN_TRUST_SECONDS
        return handoff

    async def open(self, sender: str, reason: str, transcript: list[Turn]) -> tuple[Handoff, bool]:
        """The sender's open handoff, or a new queued one with the transcript so far; the flag
        says whether it is new."""
        self._opening += 1
        self._none_open_until = 0.0
        try:
            return await self._run(self._open, sender, reason, transcript)
        finally:
            self._opening -= 1
            self._opened_at = time.monotonic()

    async def add(self, handoff: Handoff, author: str, text: str, agent: str | None = None) -> Message:
        return await self._run(self._add, handoff, author, text, agent)

    async def queue(self) -> list[dict[str, Any]]:
        """Open handoffs, oldest first, each with its latest message and unanswered count."""
        return await self._run(self._queue)

    async def find(self, handoff_id: int) -> Handoff | None:
        found = await self._run(self._get, handoff_id, None)
        return found[0] if found else None

    async def get(self, handoff_id: int, after: int = 0) -> tuple[Handoff, list[Message]] | None:
        """The handoff and its messages after message `after`."""
        return await self._run(self._get, handoff_id, after)

    async def claim(self, handoff_id: int, agent: str) -> tuple[Handoff, bool] | None:
        """The handoff now owned by `agent` and whether this call claimed it (claiming one's
        own again is fine); None when it does not exist; HandoffConflict when another agent
        owns it or it is closed."""
        return await self._run(self._claim, handoff_id, agent)

    async def close(self, handoff_id: int, closed_by: str) -> Handoff | None:
        """Closes an open handoff; None when it does not exist or was already closed."""
        return await self._run(self._close, handoff_id, closed_by)

    async def position(self, handoff: Handoff) -> int:
        """How many live queued chats are there before this one (0: it is next); one left idle
        past the limit does not count, though nobody has looked at it to close it yet."""
        return await self._run(self._position, handoff)

    async def updates(self, sender: str, after: int) -> tuple[Handoff | None, list[Message], int]:
        """What agents and the system said to this sender after message `after`, the open
        handoff if any, and the cursor to ask from next time."""
        return await self._run(self._updates, sender, after)

    def _open_for(self, sender: str) -> tuple[Handoff | None, bool]:
        """The sender's open handoff, and whether any chat at all has a live one."""
        with self._sessions.begin() as session:
            row = self._open_row(session, sender)
            if row:
                return _handoff(row), True
            oldest_live = _now() - self._idle
            active = session.scalars(
                select(HandoffRow.last_activity_at).where(HandoffRow.status.in_(OPEN_STATES))
            )
            return None, any(_aware(moment) >= oldest_live for moment in active)

    def _open_row(self, session: Session, sender: str) -> HandoffRow | None:
        statement = (
            select(HandoffRow)
            .where(HandoffRow.sender == sender, HandoffRow.status.in_(OPEN_STATES))
            .order_by(HandoffRow.id.desc())
        )
        for row in session.scalars(statement):
            if _aware(row.last_activity_at) + self._idle >= _now():
                return row
            self._close_row(session, row, "timeout")
        return None

    def _open(self, sender: str, reason: str, transcript: list[Turn]) -> tuple[Handoff, bool]:
        with self._sessions.begin() as session:
            existing = self._open_row(session, sender)
            if existing:
                return _handoff(existing), False
            now = _now()
            row = HandoffRow(
                sender=sender, status=QUEUED, reason=reason, created_at=now, last_activity_at=now
            )
            session.add(row)
            session.flush()
            session.add_all(
                MessageRow(
                    handoff_id=row.id,
                    sender=sender,
                    created_at=turn.at,
                    author=turn.author,
                    text=turn.text[:MAX_TEXT_CHARS],
                )
                for turn in transcript
            )
            return _handoff(row), True

    def _add(self, handoff: Handoff, author: str, text: str, agent: str | None) -> Message:
        now = _now()
        with self._sessions.begin() as session:
            row = MessageRow(
                handoff_id=handoff.id,
                sender=handoff.sender,
                created_at=now,
                author=author,
                agent=agent,
                text=text[:MAX_TEXT_CHARS],
            )
            session.add(row)
            session.execute(
                update(HandoffRow).where(HandoffRow.id == handoff.id).values(last_activity_at=now)
            )
            session.flush()
            return _message(row)

    def _queue(self) -> list[dict[str, Any]]:
        with self._sessions.begin() as session:
            rows = session.scalars(
                select(HandoffRow).where(HandoffRow.status.in_(OPEN_STATES)).order_by(HandoffRow.id)
            ).all()
            items = []
            for row in rows:
                if self._open_row(session, row.sender) is not row:
                    continue
                messages = session.scalars(
                    select(MessageRow).where(MessageRow.handoff_id == row.id).order_by(MessageRow.id)
                ).all()
                last_citizen = [m for m in messages if m.author == CITIZEN]
                replies_after = [
                    m for m in messages if m.author == AGENT and last_citizen and m.id > last_citizen[-1].id
                ]
                item = _handoff(row).as_json()
                item["last_message"] = last_citizen[-1].text if last_citizen else ""
                item["waiting"] = bool(last_citizen) and not replies_after
                items.append(item)
            return items

    def _get(self, handoff_id: int, after: int | None) -> tuple[Handoff, list[Message]] | None:
        with self._sessions.begin() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                return None
            if row.status in OPEN_STATES:
                self._open_row(session, row.sender)
            if after is None:
                return _handoff(row), []
            messages = session.scalars(
                select(MessageRow)
                .where(MessageRow.handoff_id == handoff_id, MessageRow.id > after)
                .order_by(MessageRow.id)
            )
            return _handoff(row), [_message(message) for message in messages]

    def _claim(self, handoff_id: int, agent: str) -> tuple[Handoff, bool] | None:
        now = _now()
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status == QUEUED)
                .values(status=CLAIMED, agent=agent, claimed_at=now, last_activity_at=now)
            ).rowcount
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                return None
            session.refresh(row)
            handoff = _handoff(row)
            if not claimed and not (row.status == CLAIMED and row.agent == agent):
                raise HandoffConflict(handoff)
            return handoff, bool(claimed)

    def _close(self, handoff_id: int, closed_by: str) -> Handoff | None:
        with self._sessions.begin() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None or row.status == CLOSED:
                return None
            self._close_row(session, row, closed_by)
            return _handoff(row)

    @staticmethod
    def _close_row(session: Session, row: HandoffRow, closed_by: str) -> None:
        row.status, row.closed_at, row.closed_by = CLOSED, _now(), closed_by
        session.flush()

    def _position(self, handoff: Handoff) -> int:
        with self._sessions.begin() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(HandoffRow)
                    .where(
                        HandoffRow.status == QUEUED,
                        HandoffRow.id < handoff.id,
                        HandoffRow.last_activity_at >= _now() - self._idle,
                    )
                )
                or 0
            )

    def _updates(self, sender: str, after: int) -> tuple[Handoff | None, list[Message], int]:
        with self._sessions.begin() as session:
            row = self._open_row(session, sender)
            handoff = _handoff(row) if row else None
            if after < 0:
                latest = session.scalar(select(func.max(MessageRow.id)).where(MessageRow.sender == sender))
                return handoff, [], latest or 0
            messages = session.scalars(
                select(MessageRow)
                .where(
                    MessageRow.sender == sender,
                    MessageRow.id > after,
                    MessageRow.author.in_((AGENT, SYSTEM)),
                )
                .order_by(MessageRow.id)
            ).all()
            # The cursor is the last message returned, not the newest at the time of asking: a
            # message written between two reads is then sent once, at the next poll.
            cursor = messages[-1].id if messages else after
            return handoff, [_message(message) for message in messages], cursor
