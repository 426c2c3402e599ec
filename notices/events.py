"""Department events as they arrive: signed webhooks checked, then kept once in the inbox.

A department signs `<X-Event-Timestamp>.<body>` with HMAC-SHA256 and the shared secret
(NOTICE_WEBHOOK_SECRET) and sends the hex digest as `X-Event-Signature: sha256=<hex>`; a
timestamp outside the window is refused, so a captured request cannot be replayed later, and
the event id (unique in the inbox) makes a genuine redelivery a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

EVENT_KINDS = frozenset(
    {
        "ticket.created",
        "ticket.status_changed",
        "bill.issued",
        "bill.paid",
        "fine.issued",
        "appointment.booked",
        "appointment.cancelled",
        "outage.announced",
    }
)
MAX_EVENT_ID = 64


class BadEvent(ValueError):
    """Unsigned, badly signed, stale or unreadable; the message is safe to log."""


@dataclass(frozen=True)
class Event:
    event_id: str
    kind: str
    data: dict[str, Any]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, presented: str, body: bytes, window_seconds: float) -> None:
    if not timestamp.isdigit():
        raise BadEvent("missing or unreadable X-Event-Timestamp")
    if abs(time.time() - int(timestamp)) > window_seconds:
        raise BadEvent("timestamp outside the accepted window")
    if not hmac.compare_digest(presented.encode("utf-8"), signature(secret, timestamp, body).encode("utf-8")):
        raise BadEvent("signature does not match")


def parse(body: bytes | str) -> Event:
    """The event inside a verified body (or a polled feed item): id, kind, data."""
    try:
        raw = json.loads(body)
    except ValueError:
        raise BadEvent("body is not JSON") from None
    if not isinstance(raw, dict):
        raise BadEvent("body is not an object")
    event_id, kind, data = raw.get("event_id"), raw.get("kind"), raw.get("data")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_EVENT_ID:
        raise BadEvent("event_id missing or too long")
    if kind not in EVENT_KINDS:
        raise BadEvent("unknown event kind")
    if not isinstance(data, dict):
        raise BadEvent("data is not an object")
    return Event(event_id, kind, data)


def parse_item(item: dict[str, Any]) -> Event:
    """A polled feed item has the shape of a webhook body."""
    return parse(json.dumps(item))
