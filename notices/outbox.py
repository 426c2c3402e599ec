"""The durable inbox and outbox: an event is stored once, each notice it causes once.

The sender claims due deliveries with a conditional UPDATE and a lease, so two senders never
send one notice, and a sender killed mid-round leaves its claims to expire and be taken again:
a queued notice is never lost. Statuses are those of `notices.models`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from common.database import AssistantStore
from notices.events import Event
from notices.models import (
    QUEUED,
    SENDING,
    SENT,
    SKIPPED,
    NoticeCursor,
    NoticeDelivery,
    NoticeEvent,
    utc_now,
)

LEASE_SECONDS = 60
SETTLE_SECONDS = 3
"""An event is planned once it is this old: the action that filed the ticket or made the
booking has recorded its follower by then (its answer and the event race)."""


@dataclass(frozen=True)
class Draft:
    """A notice to queue; `dedupe_key` names it so the same notice is never queued twice."""

    dedupe_key: str
    kind: str
    recipient: str
    title: str
    text: str
    ref: str = ""
    event_id: str | None = None
    citizen_id: str | None = None
    urgent: bool = False
    not_before: datetime | None = None

    @property
    def channel(self) -> str:
        return self.recipient.partition(":")[0]


class NoticeStore(AssistantStore):
    tables = (NoticeEvent, NoticeDelivery, NoticeCursor)

    # --- inbox ---

    def _record(self, event: Event, source: str) -> bool:
        with self._sessions() as session:
            session.add(
                NoticeEvent(
                    event_id=event.event_id,
                    kind=event.kind,
                    payload=json.dumps(event.data, ensure_ascii=False),
                    source=source,
                )
            )
            try:
                session.commit()
            except IntegrityError:
                return False
            return True

    async def record(self, event: Event, source: str) -> bool:
        """False when the event was already here (a redelivered webhook, a polled duplicate)."""
        return await self._run(self._record, event, source)

    def _pending(self, now: datetime, limit: int) -> list[Event]:
        with self._sessions() as session:
            rows = session.scalars(
                select(NoticeEvent)
                .where(
                    NoticeEvent.processed_at.is_(None),
                    NoticeEvent.received_at <= now - timedelta(seconds=SETTLE_SECONDS),
                )
                .order_by(NoticeEvent.received_at)
                .limit(limit)
            )
            return [Event(row.event_id, row.kind, json.loads(row.payload)) for row in rows]

    async def pending_events(self, now: datetime, limit: int = 50) -> list[Event]:
        """Events not planned yet, oldest first, once they have settled (SETTLE_SECONDS)."""
        return await self._run(self._pending, now, limit)

    def _processed(self, event_id: str) -> None:
        with self._sessions() as session:
            session.execute(
                update(NoticeEvent).where(NoticeEvent.event_id == event_id).values(processed_at=utc_now())
            )
            session.commit()

    async def mark_processed(self, event_id: str) -> None:
        await self._run(self._processed, event_id)

    # --- outbox ---

    def _enqueue(self, draft: Draft) -> bool:
        with self._sessions() as session:
            session.add(
                NoticeDelivery(
                    dedupe_key=draft.dedupe_key[:200],
                    event_id=draft.event_id,
                    kind=draft.kind,
                    ref=draft.ref,
                    recipient=draft.recipient,
                    channel=draft.channel,
                    citizen_id=draft.citizen_id,
                    title=draft.title,
                    text=draft.text,
                    urgent=draft.urgent,
                    status=QUEUED,
                    not_before=draft.not_before or utc_now(),
                )
            )
            try:
                session.commit()
            except IntegrityError:
                return False
            return True

    async def enqueue(self, draft: Draft) -> bool:
        """False when this notice was queued before (same dedupe key): nothing is sent twice."""
        return await self._run(self._enqueue, draft)

    def _skip_queued(self, kind: str, ref: str, reason: str) -> int:
        with self._sessions() as session:
            result = session.execute(
                update(NoticeDelivery)
                .where(
                    NoticeDelivery.kind == kind, NoticeDelivery.ref == ref, NoticeDelivery.status == QUEUED
                )
                .values(status=SKIPPED, error=reason)
            )
            session.commit()
            return result.rowcount or 0

    async def skip_queued(self, kind: str, ref: str, reason: str) -> int:
        """Drops notices that no longer make sense (the booking was cancelled, the bill paid)."""
        return await self._run(self._skip_queued, kind, ref, reason)

    def _claim(self, now: datetime, limit: int) -> list[NoticeDelivery]:
        with self._sessions() as session:
            session.execute(  # claims of a sender that died mid-round go back to the queue
                update(NoticeDelivery)
                .where(NoticeDelivery.status == SENDING, NoticeDelivery.lease_until < now)
                .values(status=QUEUED, lease_until=None)
            )
            session.commit()
            due = session.scalars(
                select(NoticeDelivery.id)
                .where(NoticeDelivery.status == QUEUED, NoticeDelivery.not_before <= now)
                .order_by(NoticeDelivery.urgent.desc(), NoticeDelivery.not_before, NoticeDelivery.id)
                .limit(limit)
            ).all()
            claimed = []
            for delivery_id in due:
                won = session.execute(
                    update(NoticeDelivery)
                    .where(NoticeDelivery.id == delivery_id, NoticeDelivery.status == QUEUED)
                    .values(status=SENDING, lease_until=now + timedelta(seconds=LEASE_SECONDS))
                )
                session.commit()
                if won.rowcount == 1:
                    claimed.append(session.get(NoticeDelivery, delivery_id))
            return [row for row in claimed if row is not None]

    async def claim_due(self, now: datetime, limit: int = 20) -> list[NoticeDelivery]:
        return await self._run(self._claim, now, limit)

    def _take(self, delivery_id: int, claim: datetime, now: datetime) -> NoticeDelivery | None:
        with self._sessions() as session:
            won = session.execute(
                update(NoticeDelivery)
                .where(
                    NoticeDelivery.id == delivery_id,
                    NoticeDelivery.status == SENDING,
                    NoticeDelivery.lease_until == claim,
                    NoticeDelivery.lease_until > now,
                )
                .values(lease_until=now + timedelta(seconds=LEASE_SECONDS))
            )
            session.commit()
            return session.get(NoticeDelivery, delivery_id) if won.rowcount == 1 else None

    async def take(self, delivery_id: int, claim: datetime, now: datetime) -> NoticeDelivery | None:
        """A queued job's claim (its lease time), taken once and only while it holds: None for a
        job that waited past its lease or runs again after its worker died."""
        return await self._run(self._take, delivery_id, claim, now)

    def _finish(
        self, delivery_id: int, status: str, error: str | None, attempts: int | None, at: datetime | None
    ) -> None:
        values: dict[str, object] = {"status": status, "error": error, "lease_until": None}
        if status == SENT:
            values["sent_at"] = at or utc_now()
        if attempts is not None:
            values["attempts"] = attempts
        with self._sessions() as session:
            session.execute(update(NoticeDelivery).where(NoticeDelivery.id == delivery_id).values(**values))
            session.commit()

    async def finish(
        self,
        delivery_id: int,
        status: str,
        error: str | None = None,
        attempts: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """Ends a delivery; `at` is when it was sent (the sender's clock)."""
        await self._run(self._finish, delivery_id, status, error, attempts, at)

    def _release(
        self, delivery_id: int, not_before: datetime, error: str | None, attempts: int | None
    ) -> None:
        values: dict[str, object] = {"status": QUEUED, "not_before": not_before, "lease_until": None}
        if error is not None:
            values["error"] = error
        if attempts is not None:
            values["attempts"] = attempts
        with self._sessions() as session:
            session.execute(update(NoticeDelivery).where(NoticeDelivery.id == delivery_id).values(**values))
            session.commit()

    async def release(
        self, delivery_id: int, not_before: datetime, error: str | None = None, attempts: int | None = None
    ) -> None:
        """Back to the queue until `not_before` (quiet hours, a rate limit, a retry's back-off)."""
        await self._run(self._release, delivery_id, not_before, error, attempts)

    def _count_sent(self, since: datetime, recipient: str | None, channel: str | None) -> int:
        query = select(func.count()).where(NoticeDelivery.status == SENT, NoticeDelivery.sent_at >= since)
        if recipient:
            query = query.where(NoticeDelivery.recipient == recipient)
        if channel:
            query = query.where(NoticeDelivery.channel == channel)
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    async def count_sent(
        self, since: datetime, recipient: str | None = None, channel: str | None = None
    ) -> int:
        return await self._run(self._count_sent, since, recipient, channel)

    # --- readers: web chat and the agent console ---

    def _unseen(self, recipient: str) -> list[NoticeDelivery]:
        with self._sessions() as session:
            rows = list(
                session.scalars(
                    select(NoticeDelivery)
                    .where(
                        NoticeDelivery.recipient == recipient,
                        NoticeDelivery.status == SENT,
                        NoticeDelivery.seen_at.is_(None),
                    )
                    .order_by(NoticeDelivery.sent_at)
                )
            )
            if rows:
                session.execute(
                    update(NoticeDelivery)
                    .where(NoticeDelivery.id.in_([row.id for row in rows]))
                    .values(seen_at=utc_now())
                )
                session.commit()
            return rows

    async def take_unseen(self, recipient: str) -> list[NoticeDelivery]:
        """Web chat notices not shown yet, marked shown: a page that comes back shows each once."""
        return await self._run(self._unseen, recipient)

    def _history(self, citizen_id: str, limit: int) -> list[NoticeDelivery]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(NoticeDelivery)
                    .where(NoticeDelivery.citizen_id == citizen_id)
                    .order_by(NoticeDelivery.created_at.desc(), NoticeDelivery.id.desc())
                    .limit(limit)
                )
            )

    async def history(self, citizen_id: str, limit: int = 50) -> list[NoticeDelivery]:
        """What one citizen was sent (or not), newest first, whichever channel it went to."""
        return await self._run(self._history, citizen_id, limit)

    def _all(self) -> list[NoticeDelivery]:
        with self._sessions() as session:
            return list(session.scalars(select(NoticeDelivery).order_by(NoticeDelivery.id)))

    async def all_deliveries(self) -> list[NoticeDelivery]:
        return await self._run(self._all)

    # --- polling cursors ---

    def _cursor(self, name: str) -> int:
        with self._sessions() as session:
            row = session.get(NoticeCursor, name)
            return row.value if row else 0

    def _move(self, name: str, value: int) -> None:
        with self._sessions() as session:
            row = session.get(NoticeCursor, name) or NoticeCursor(name=name, value=0)
            row.value = max(row.value, value)
            session.add(row)
            session.commit()

    async def cursor(self, name: str) -> int:
        return await self._run(self._cursor, name)

    async def move_cursor(self, name: str, value: int) -> None:
        await self._run(self._move, name, value)
