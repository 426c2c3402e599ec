"""The gateway's webhook for department events, over HTTP: signed events are stored once,
anything else is refused in the JSON error shape; web chat shows a delivered notice once."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import create_app
from common.settings import NoticeSettings, Settings
from notices.events import BadEvent, signature, verify
from notices.models import SENT
from notices.outbox import Draft, NoticeStore
from tests.servers import serve

SECRET = secrets.token_hex(16)


def _signed(body: bytes, secret: str = SECRET, stamp: int | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()) if stamp is None else stamp)
    return {"X-Event-Timestamp": timestamp, "X-Event-Signature": signature(secret, timestamp, body)}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[str, NoticeStore]]:
    settings = Settings(state_dir=tmp_path, notices=NoticeSettings(webhook_secret=SECRET))
    with serve(create_app(settings)) as url:
        yield url, NoticeStore(settings.assistant_database_url)


def test_a_signature_must_match_and_be_fresh() -> None:
    body = b'{"event_id": "e1"}'
    headers = _signed(body)
    verify(SECRET, headers["X-Event-Timestamp"], headers["X-Event-Signature"], body, 300)
    with pytest.raises(BadEvent):
        verify("another-secret", headers["X-Event-Timestamp"], headers["X-Event-Signature"], body, 300)
    with pytest.raises(BadEvent):
        verify(SECRET, headers["X-Event-Timestamp"], headers["X-Event-Signature"], body + b" ", 300)
    stale = _signed(body, stamp=int(time.time()) - 3600)
    with pytest.raises(BadEvent):
        verify(SECRET, stale["X-Event-Timestamp"], stale["X-Event-Signature"], body, 300)


def test_a_signed_event_is_stored_once(gateway: tuple[str, NoticeStore]) -> None:
    url, store = gateway
    body = json.dumps(
        {
            "event_id": "evt-1",
            "kind": "ticket.status_changed",
            "data": {"ticket_id": "12345-1", "status": "已派单"},
        }
    ).encode()
    first = httpx.post(f"{url}/api/notices/events", content=body, headers=_signed(body))
    again = httpx.post(f"{url}/api/notices/events", content=body, headers=_signed(body))
    assert (first.status_code, first.json()) == (202, {"accepted": True, "duplicate": False})
    assert (again.status_code, again.json()) == (202, {"accepted": True, "duplicate": True})
    pending = asyncio.run(store.pending_events(store_clock_far_ahead()))
    assert [(event.event_id, event.data["status"]) for event in pending] == [("evt-1", "已派单")]


def store_clock_far_ahead() -> datetime:
    """A moment past the settling time of anything stored just now."""
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (
            b'{"event_id": "e", "kind": "bill.paid", "data": {}}',
            {"X-Event-Timestamp": "1", "X-Event-Signature": "x"},
        ),
        (b'{"event_id": "e", "kind": "bill.paid", "data": {}}', {}),
        (b"not json", None),
        (b'{"event_id": "e", "kind": "unknown.kind", "data": {}}', None),
    ],
)
def test_anything_else_is_refused_in_the_json_shape(
    gateway: tuple[str, NoticeStore], body: bytes, headers: dict[str, str] | None
) -> None:
    url, _store = gateway
    response = httpx.post(
        f"{url}/api/notices/events", content=body, headers=_signed(body) if headers is None else headers
    )
    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature" and "签名" in response.json()["message"]


def test_without_a_secret_the_webhook_is_off(tmp_path: Path) -> None:
    with serve(create_app(Settings(state_dir=tmp_path))) as url:
        response = httpx.post(f"{url}/api/notices/events", content=b"{}")
    assert response.status_code == 503 and response.json()["error"] == "notices_off"


def test_web_chat_shows_a_sent_notice_once(gateway: tuple[str, NoticeStore]) -> None:
    url, store = gateway

    async def deliver() -> None:
        await store.enqueue(Draft("k1", "ticket", "web:visitor-1", "工单已办结", "【12345工单】已办结。"))
        [row] = await store.claim_due(store_clock_far_ahead())
        await store.finish(row.id, SENT)

    asyncio.run(deliver())
    first = httpx.get(f"{url}/api/chat/notices", params={"sender": "visitor-1"}).json()["notices"]
    assert [notice["text"] for notice in first] == ["【12345工单】已办结。"]
    assert httpx.get(f"{url}/api/chat/notices", params={"sender": "visitor-1"}).json() == {"notices": []}
    assert httpx.get(f"{url}/api/chat/notices", params={"sender": "someone-else"}).json() == {"notices": []}
