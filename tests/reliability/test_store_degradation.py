"""REDIS_URL set but Redis unreachable: the store degrades (in-process meanwhile) and /api/chat
answers as usual, never a 500."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from bot.app import create_app
from common.store import RedisStore
from tests.bot.offline import settings_without_rasa
from tests.reliability.fakes import FakeRasa
from tests.servers import serve

UNREACHABLE = "redis://127.0.0.1:1/0"


async def test_every_store_call_degrades_instead_of_raising() -> None:
    store = RedisStore(UNREACHABLE)
    assert await store.get("missing") is None
    await store.set("choice", "1", ttl_seconds=60)
    assert await store.get("choice") == "1"  # this process's fallback
    assert await store.set_if_absent("msg:1", "seen", 60) is True
    assert await store.set_if_absent("msg:1", "seen", 60) is False  # de-duplicated in-process
    await store.delete("choice")
    assert await store.get("choice") is None
    async with store.lock("token"):
        pass
    assert await store.ping() is False
    await store.close()


async def test_a_down_redis_is_not_retried_on_every_call() -> None:
    store = RedisStore(UNREACHABLE, retry_after_seconds=60)
    await store.get("a")
    started = time.perf_counter()
    for _ in range(100):
        await store.get("a")
    assert time.perf_counter() - started < 0.5
    await store.close()


def test_chat_with_unreachable_redis_answers_and_keeps_choices(tmp_path: Path) -> None:
    fake = FakeRasa()
    fake.replies = [
        [{"text": "查哪种账单？", "buttons": [{"title": "水费", "payload": "/inform_water"}]}],
        [{"text": "请发您的水费户号"}],
    ]
    with serve(fake.app) as rasa_url:
        settings = replace(settings_without_rasa(tmp_path), rasa_url=rasa_url, redis_url=UNREACHABLE)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            first = client.post("/api/chat", json={"sender": "r", "message": "查账单"})
            second = client.post("/api/chat", json={"sender": "r", "message": "1"})
    assert first.status_code == 200 and first.json()["messages"][0]["text"] == "查哪种账单？"
    assert second.status_code == 200 and second.json()["messages"] == [{"text": "请发您的水费户号"}]
    assert fake.received == ["查账单", "/inform_water"]  # the numbered choice still worked
