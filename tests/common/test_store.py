"""The key-value store against memory and a real Redis server (skipped where none runs)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis

from common.store import KeyValueStore, MemoryStore, RedisStore

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[KeyValueStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if not _redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    redis_store = RedisStore(REDIS_URL, namespace=f"test-{uuid.uuid4().hex}")
    yield redis_store
    await redis_store.close()


async def test_set_get_expire_delete(store: KeyValueStore) -> None:
    await store.set("a", "1", ttl_seconds=0.2)
    assert await store.get("a") == "1"
    await asyncio.sleep(0.3)
    assert await store.get("a") is None
    await store.set("b", "2")
    await store.delete("b")
    assert await store.get("b") is None


async def test_set_if_absent_admits_one(store: KeyValueStore) -> None:
    results = await asyncio.gather(*(store.set_if_absent("msg:1", str(i), 5) for i in range(10)))
    assert results.count(True) == 1


async def test_lock_serialises(store: KeyValueStore) -> None:
    inside = 0
    most = 0

    async def critical() -> None:
        nonlocal inside, most
        async with store.lock("refresh", timeout_seconds=5):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.gather(*(critical() for _ in range(5)))
    assert most == 1
    assert await store.ping()
