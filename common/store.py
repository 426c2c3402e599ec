"""A small shared key-value store: Redis when REDIS_URL is set, else an in-process dict.

Channels use it for message de-duplication, shared access tokens and locks; several
gateway workers need Redis so they see the same keys, a single laptop process does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Protocol


class KeyValueStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None: ...

    async def set_if_absent(self, key: str, value: str, ttl_seconds: float) -> bool: ...

    async def delete(self, key: str) -> None: ...

    def lock(
        self, name: str, timeout_seconds: float = 10.0
    ) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class MemoryStore:
    """Process-local store with expiry; the embedded default."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _alive(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at is not None and expires_at <= time.monotonic():
            del self._data[key]
            return None
        return value

    async def get(self, key: str) -> str | None:
        return self._alive(key)

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        expires_at = time.monotonic() + ttl_seconds if ttl_seconds else None
        self._data[key] = (value, expires_at)

    async def set_if_absent(self, key: str, value: str, ttl_seconds: float) -> bool:
        if self._alive(key) is not None:
            return False
        await self.set(key, value, ttl_seconds)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    @contextlib.asynccontextmanager
    async def lock(self, name: str, timeout_seconds: float = 10.0) -> AsyncIterator[None]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with asyncio.timeout(timeout_seconds):
            await lock.acquire()
        try:
            yield
        finally:
            lock.release()

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()


class RedisStore:
    """Shared store for several workers; keys are namespaced so one Redis can serve many cities."""

    def __init__(self, url: str, namespace: str = "citizen") -> None:
        from redis import asyncio as redis_asyncio

        self._redis = redis_asyncio.from_url(url, decode_responses=True, socket_timeout=2.0)
        self._namespace = namespace

    def _key(self, key: str) -> str:
        return f"{self._namespace}:{key}"

    async def get(self, key: str) -> str | None:
        return await self._redis.get(self._key(key))

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        px = int(ttl_seconds * 1000) if ttl_seconds else None
        await self._redis.set(self._key(key), value, px=px)

    async def set_if_absent(self, key: str, value: str, ttl_seconds: float) -> bool:
        return bool(await self._redis.set(self._key(key), value, px=int(ttl_seconds * 1000), nx=True))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._key(key))

    @contextlib.asynccontextmanager
    async def lock(self, name: str, timeout_seconds: float = 10.0) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self._key(f"lock:{name}"),
            timeout=timeout_seconds,
            blocking_timeout=timeout_seconds,
            thread_local=False,
        )
        if not await lock.acquire(token=uuid.uuid4().hex):
            raise TimeoutError(f"lock {name} not acquired")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await lock.release()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def create_store(redis_url: str, namespace: str = "citizen") -> KeyValueStore:
    return RedisStore(redis_url, namespace) if redis_url else MemoryStore()
