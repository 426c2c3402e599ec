"""What the departments tell the assistant without being asked: ticket status changes, new and
paid bills, bookings made and cancelled.

A router writes its event in the same transaction as the change it describes (`publish`), so an
event exists exactly when the change does. With NOTICE_WEBHOOK_SECRET set, a background task
posts each event to NOTICE_WEBHOOK_URL, signed as `notices.events` checks (HMAC-SHA256 over
`<timestamp>.<body>`), retrying with back-off until the assistant answers 2xx; every event also
stays readable at `GET /events/v1/events?after=N`, for an assistant that polls instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.settings import Settings
from sandbox.database import Database
from sandbox.models import Base
from sandbox.routers.dependencies import db_session
from sandbox.routers.records import timestamp

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/events/v1", tags=["events"])
DbSession = Annotated[Session, Depends(db_session)]
PUBLISH_EVERY_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 300
GIVE_UP_AFTER = 12
"""Webhook attempts per event; the feed keeps it for pollers afterwards."""


class DepartmentEvent(Base):
    __tablename__ = "department_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(25))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


def publish(db: Session, kind: str, data: dict[str, Any]) -> None:
    """Adds the event to the caller's transaction; it is published once that commits."""
    db.add(
        DepartmentEvent(
            event_id=uuid.uuid4().hex,
            kind=kind,
            data=json.dumps(data, ensure_ascii=False),
            created_at=timestamp(),
            next_attempt_at=datetime.utcnow(),
        )
    )


class EventOut(BaseModel):
    seq: int
    event_id: str
    kind: str
    data: dict[str, Any]
    created_at: str


class FeedOut(BaseModel):
    events: list[EventOut]


@router.get("/events", response_model=FeedOut)
def feed(
    db: DbSession,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FeedOut:
    """Every event after sequence number `after`, oldest first, for assistants that poll."""
    rows = db.scalars(
        select(DepartmentEvent).where(DepartmentEvent.seq > after).order_by(DepartmentEvent.seq).limit(limit)
    )
    return FeedOut(events=[_out(row) for row in rows])


def _out(row: DepartmentEvent) -> EventOut:
    return EventOut(
        seq=row.seq,
        event_id=row.event_id,
        kind=row.kind,
        data=json.loads(row.data),
        created_at=row.created_at,
    )


def sign(secret: str, stamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Publisher:
    """Posts undelivered events in order; a refused or unreachable webhook is retried later."""

    def __init__(self, database: Database, url: str, secret: str) -> None:
        self._database = database
        self._url = url
        self._secret = secret

    def _due(self) -> list[DepartmentEvent]:
        with next(self._database.session()) as session:
            return list(
                session.scalars(
                    select(DepartmentEvent)
                    .where(
                        DepartmentEvent.delivered_at.is_(None),
                        DepartmentEvent.attempts < GIVE_UP_AFTER,
                        DepartmentEvent.next_attempt_at <= datetime.utcnow(),
                    )
                    .order_by(DepartmentEvent.seq)
                    .limit(20)
                )
            )

    def _mark(self, seq: int, delivered: bool) -> None:
        with next(self._database.session()) as session:
            row = session.get(DepartmentEvent, seq)
            if row is None:
                return
            if delivered:
                row.delivered_at = datetime.utcnow()
            else:
                row.attempts += 1
                delay = min(MAX_BACKOFF_SECONDS, 2**row.attempts)
                row.next_attempt_at = datetime.utcnow() + timedelta(seconds=delay)
            session.commit()

    async def run(self) -> None:
        # httpx is a fifth of the sandbox's imports: loaded once the sandbox serves, not before
        # (a sandbox restarting after a crash answers sooner).
        await asyncio.sleep(PUBLISH_EVERY_SECONDS)
        import httpx

        async with httpx.AsyncClient(timeout=5.0) as http:
            while True:
                try:
                    for row in await asyncio.to_thread(self._due):
                        await asyncio.to_thread(self._mark, row.seq, await self._post(http, row))
                except Exception:
                    logger.exception("publishing department events failed; retrying")
                await asyncio.sleep(PUBLISH_EVERY_SECONDS)

    async def _post(self, http: httpx.AsyncClient, row: DepartmentEvent) -> bool:
        import httpx  # loaded by run() already

        body = json.dumps(
            {
                "event_id": row.event_id,
                "kind": row.kind,
                "data": json.loads(row.data),
                "created_at": row.created_at,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Event-Id": row.event_id,
            "X-Event-Timestamp": stamp,
            "X-Event-Signature": sign(self._secret, stamp, body),
        }
        try:
            response = await http.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            logger.warning("event %s not delivered: %s", row.kind, type(error).__name__)
            return False
        if response.status_code >= 300:
            logger.warning("event %s refused by the assistant: HTTP %s", row.kind, response.status_code)
        return response.status_code < 300


def install(app: FastAPI, settings: Settings) -> None:
    """The feed, and with a webhook secret the publisher, started and stopped with the app."""
    app.include_router(router)
    notices = settings.notices
    if not (notices.webhook_secret and notices.webhook_url):
        return
    publisher = Publisher(app.state.database, notices.webhook_url, notices.webhook_secret)
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with previous(application) as state:
            task = asyncio.create_task(publisher.run())
            try:
                yield state
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
