"""A small shared key-value store: Redis when REDIS_URL is set, else an in-process dict.

Channels use it for message de-duplication, shared access tokens and locks; several
gateway workers need Redis so they see the same keys, a single laptop process does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# How often a waiting turn asks Redis whether it is its turn yet.
TURN_POLL_SECONDS = 0.02


def _turn_ttl_ms(wait_seconds: float) -> int:
    """A queue of turns nobody used for this long is forgotten (and starts afresh)."""
    return int(max(600.0, wait_seconds * 10) * 1000)


# What a Redis that is down, unreachable or too slow raises (the built-in TimeoutError is an
# OSError); nothing else is caught, so a programming error still surfaces.
_REDIS_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


class KeyValueStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None: ...

    async def set_if_absent(self, key: str, value: str, ttl_seconds: float) -> bool: ...

    async def delete(self, key: str) -> None: ...

    def lock(
        self, name: str, timeout_seconds: float = 10.0
    ) -> contextlib.AbstractAsyncContextManager[None]: ...

    def turn(self, name: str, wait_seconds: float) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class MemoryStore:
    """Process-local store with expiry; the embedded default."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._turns: dict[str, _Turns] = {}

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

    @contextlib.asynccontextmanager
    async def turn(self, name: str, wait_seconds: float) -> AsyncIterator[None]:
        """One holder at a time, in the order they asked. A holder that takes longer than
        `wait_seconds` no longer holds up the next one, which then goes on: a wait is bounded
        and never fails."""
        turns = self._turns.setdefault(name, _Turns())
        turns.issued += 1
        ticket = turns.issued
        if turns.served < ticket - 1:  # someone is ahead; the usual case, nobody, costs no wait
            async with turns.changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        turns.changed.wait_for(lambda: turns.served >= ticket - 1), wait_seconds
                    )
        try:
            yield
        finally:
            turns.served = max(turns.served, ticket)
            if turns.served >= turns.issued:
                self._turns.pop(name, None)
            else:
                async with turns.changed:
                    turns.changed.notify_all()

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()


@dataclass
class _Turns:
    """One name's queue in one process: tickets issued, and up to which one they were served."""

    issued: int = 0
    served: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


# A turn's end: its ticket served (never moving back past a later one that went on without
# waiting for it), and the queue kept for a while longer.
_END_TURN = """
local served = tonumber(redis.call('HGET', KEYS[1], 'served') or '0')
if tonumber(ARGV[1]) > served then redis.call('HSET', KEYS[1], 'served', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""


class RedisStore:
    """Shared store for several workers; keys are namespaced so one Redis can serve many cities.

    Redis being unreachable must never fail a citizen's request, so every call degrades instead
    of raising (each failure is logged; after one, Redis is left alone for
    `retry_after_seconds` so a blackholed server does not cost a timeout per call):

    - `get`, `set`, `delete`: served by an in-process `MemoryStore` meanwhile. A key written
      before the outage reads as a miss (e.g. numbered choices: the citizen's "1" is taken as
      text), one written during it is seen by this process only.
    - `set_if_absent` (de-duplication, replay guards): in-process, so a retry reaching the same
      worker is still caught; one reaching another worker during the outage is not.
    - `lock`: an in-process lock, exclusive within this worker only.
    - `turn`: in-process turns, in order within this worker only.
    - `ping`: False, so /health reports the store down.
    When Redis answers again the fallback's keys are not copied back; they expire with their TTL.
    """

    def __init__(self, url: str, namespace: str = "citizen", retry_after_seconds: float = 5.0) -> None:
        from redis import asyncio as redis_asyncio

        self._redis = redis_asyncio.from_url(
            url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0
        )
        self._namespace = namespace
        self._fallback = MemoryStore()
        self._retry_after_seconds = retry_after_seconds
        self._down_until = 0.0

    def _key(self, key: str) -> str:
        return f"{self._namespace}:{key}"

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, error: BaseException) -> None:
        if self._available():
            logger.warning(
                "Redis unavailable (%s: %s: %s); using the in-process store for %.0f s",
                operation,
                type(error).__name__,
                error,
                self._retry_after_seconds,
            )
        self._down_until = time.monotonic() + self._retry_after_seconds

    async def get(self, key: str) -> str | None:
        if self._available():
            try:
                return await self._redis.get(self._key(key))
            except _REDIS_FAILURES as error:
                self._failed("get", error)
        return await self._fallback.get(key)

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        if self._available():
            px = int(ttl_seconds * 1000) if ttl_seconds else None
            try:
                await self._redis.set(self._key(key), value, px=px)
                return
            except _REDIS_FAILURES as error:
                self._failed("set", error)
        await self._fallback.set(key, value, ttl_seconds)

    async def set_if_absent(self, key: str, value: str, ttl_seconds: float) -> bool:
        if self._available():
            try:
                return bool(await self._redis.set(self._key(key), value, px=int(ttl_seconds * 1000), nx=True))
            except _REDIS_FAILURES as error:
                self._failed("set_if_absent", error)
        return await self._fallback.set_if_absent(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        await self._fallback.delete(key)
        if self._available():
            try:
                await self._redis.delete(self._key(key))
            except _REDIS_FAILURES as error:
                self._failed("delete", error)

    @contextlib.asynccontextmanager
    async def lock(self, name: str, timeout_seconds: float = 10.0) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self._key(f"lock:{name}"),
            timeout=timeout_seconds,
            blocking_timeout=timeout_seconds,
            thread_local=False,
        )
        acquired: bool | None = None
        if self._available():
            try:
                acquired = bool(await lock.acquire(token=uuid.uuid4().hex))
            except _REDIS_FAILURES as error:
                self._failed("lock", error)
        if acquired is None:
            async with self._fallback.lock(name, timeout_seconds):
                yield
            return
        if not acquired:
            raise TimeoutError(f"lock {name} not acquired")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await lock.release()

    @contextlib.asynccontextmanager
    async def turn(self, name: str, wait_seconds: float) -> AsyncIterator[None]:
        """`MemoryStore.turn` across every worker on this Redis: a ticket from a counter (one
        hash per name: `issued`, `served`), the holder's turn when every earlier ticket was
        served, or `wait_seconds` passed (a worker that died holding its turn)."""
        key, ttl_ms = self._key(f"turn:{name}"), _turn_ttl_ms(wait_seconds)
        ticket = 0
        if self._available():
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    ticket = int((await pipe.hincrby(key, "issued", 1).pexpire(key, ttl_ms).execute())[0])
            except _REDIS_FAILURES as error:
                self._failed("turn", error)
        if not ticket:
            async with self._fallback.turn(name, wait_seconds):
                yield
            return
        deadline = time.monotonic() + wait_seconds
        with contextlib.suppress(*_REDIS_FAILURES):  # Redis gone meanwhile: go on, unordered
            while (
                int(await self._redis.hget(key, "served") or 0) < ticket - 1 and time.monotonic() < deadline
            ):
                await asyncio.sleep(TURN_POLL_SECONDS)
        try:
            yield
        finally:
            try:
                await self._redis.eval(_END_TURN, 1, key, ticket, ttl_ms)
            except _REDIS_FAILURES as error:
                self._failed("turn", error)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self._fallback.close()
        with contextlib.suppress(*_REDIS_FAILURES):
            await self._redis.aclose()


def create_store(redis_url: str, namespace: str = "citizen") -> KeyValueStore:
    return RedisStore(redis_url, namespace) if redis_url else MemoryStore()
