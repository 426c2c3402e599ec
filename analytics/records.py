"""The assistant's own records the figures need, read-only by table name: handoffs, payment
orders, the agents' verdicts, and the proactive notices' deliveries when that table exists.

Tables are reflected rather than imported, so this library depends on no process (the
gateway's handoff desk, the Alipay channel, the notices package); a table not created yet
(nothing handed off, no notice ever sent) reads as no rows. Times are compared in Python
because SQLite gives back naive UTC datetimes and PostgreSQL aware ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, MetaData, Table, inspect, select

from analytics.conversations import channel_of
from analytics.period import Period, as_utc

HANDOFFS = "assistant_handoffs"
PAYMENT_ORDERS = "assistant_payment_orders"
FEEDBACK = "assistant_agent_feedback"
NOTICE_DELIVERIES = "notice_deliveries"
PAID = "paid"
NOTICE_SENT = "sent"


@dataclass(frozen=True)
class Handoff:
    sender: str
    reason: str
    at: datetime

    @property
    def channel(self) -> str:
        return channel_of(self.sender)


@dataclass(frozen=True)
class Payment:
    sender: str
    bill_type: str
    amount_cents: int
    at: datetime

    @property
    def channel(self) -> str:
        return channel_of(self.sender)


@dataclass(frozen=True)
class Notice:
    channel: str
    kind: str
    at: datetime


@dataclass(frozen=True)
class BadAnswer:
    """A console suggestion an agent marked wrong: the caller's words (masked when stored)."""

    text: str
    suggestion_id: str
    agent: str
    at: datetime


def _rows(engine: Engine, name: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        if not inspect(connection).has_table(name):
            return []
        table = Table(name, MetaData(), autoload_with=connection)
        chosen = [table.c[column] for column in columns if column in table.c]
        return [dict(row._mapping) for row in connection.execute(select(*chosen))]


def _within(period: Period, value: Any) -> datetime | None:
    moment = as_utc(value)
    return moment if moment is not None and period.contains(moment) else None


def handoffs(engine: Engine, period: Period) -> list[Handoff]:
    found = []
    for row in _rows(engine, HANDOFFS, ("sender", "reason", "created_at")):
        if (at := _within(period, row["created_at"])) is not None:
            found.append(Handoff(row["sender"], row["reason"], at))
    return found


def payments(engine: Engine, period: Period) -> list[Payment]:
    """Orders paid (Alipay's verified notification arrived), dated by when they were made."""
    found = []
    for row in _rows(engine, PAYMENT_ORDERS, ("sender", "bill_type", "amount_cents", "status", "created_at")):
        if row["status"] == PAID and (at := _within(period, row["created_at"])) is not None:
            found.append(Payment(row["sender"], row["bill_type"], int(row["amount_cents"]), at))
    return found


def notices(engine: Engine, period: Period) -> list[Notice]:
    """Delivered notices (status 'sent'), dated by when they went out."""
    found = []
    for row in _rows(engine, NOTICE_DELIVERIES, ("channel", "status", "kind", "created_at", "sent_at")):
        if row.get("status") != NOTICE_SENT:
            continue
        if (at := _within(period, row.get("sent_at") or row.get("created_at"))) is not None:
            found.append(Notice(str(row.get("channel") or ""), str(row.get("kind") or ""), at))
    return found


def bad_answers(engine: Engine, period: Period) -> list[BadAnswer]:
    found = []
    for row in _rows(engine, FEEDBACK, ("text", "suggestion_id", "agent", "helpful", "created_at")):
        if not row["helpful"] and (at := _within(period, row["created_at"])) is not None:
            found.append(BadAnswer(row["text"], row["suggestion_id"], row["agent"], at))
    return sorted(found, key=lambda item: item.at, reverse=True)
