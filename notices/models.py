"""The notices' tables in the assistant database: the inbox of department events, the
outbox of deliveries (`notice_deliveries`, which the supervisors' scorecard also counts),
citizens' subscriptions and opt-outs, and the polling cursors."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.database import AssistantBase

QUEUED, SENDING, SENT, FAILED, REFUSED, SKIPPED = "queued", "sending", "sent", "failed", "refused", "skipped"
"""A delivery's states: waiting (maybe until a time), claimed by a sender, delivered; given up
after retries; refused by the platform for good (43101, 45015...); not sent on purpose
(unsubscribed, the bill was paid, the booking cancelled)."""
CHANNELS = ("web", "wechat", "alipay")


def utc_now() -> datetime:
    """Naive UTC, the same on SQLite (which drops time zones) and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class NoticeEvent(AssistantBase):
    """One department event, stored once however often it is delivered or polled."""

    __tablename__ = "assistant_notice_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class NoticeDelivery(AssistantBase):
    """One notice to one channel user. `dedupe_key` makes a repeated event or scan a no-op."""

    __tablename__ = "notice_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    event_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    ref: Mapped[str] = mapped_column(String(64), default="", index=True)
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    citizen_id: Mapped[str | None] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime, default=utc_now, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    seen_at: Mapped[datetime | None] = mapped_column(DateTime)


class NoticeSubscription(AssistantBase):
    """A citizen's wish: a topic on (bill reminders for one account, a ticket they filed) or
    off (`enabled` false; topic "all" off silences everything but urgent notices)."""

    __tablename__ = "assistant_notice_subscriptions"
    __table_args__ = (UniqueConstraint("recipient", "topic", "bill_type", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    topic: Mapped[str] = mapped_column(String(16))
    bill_type: Mapped[str] = mapped_column(String(16), default="")
    ref: Mapped[str] = mapped_column(String(64), default="", index=True)
    account: Mapped[str] = mapped_column(String(32), default="")
    citizen_id: Mapped[str | None] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)


class NoticeCursor(AssistantBase):
    """How far the poller has read a department's event feed."""

    __tablename__ = "assistant_notice_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class WeChatContact(AssistantBase):
    """When a WeChat user last wrote to the account: WeChat takes customer-service messages to
    them for 48 hours after that (45015 later), so the sender chooses by it."""

    __tablename__ = "assistant_notice_contacts"

    recipient: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_inbound_at: Mapped[datetime] = mapped_column(DateTime)


class SubscribeGrant(AssistantBase):
    """One 订阅通知 (WeChat subscription message) a user accepted: it allows one message of that
    template, so a row is used by one notice (`used_at`) and a refusal withdraws what is left."""

    __tablename__ = "assistant_notice_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
