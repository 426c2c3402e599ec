"""The store's turns (`KeyValueStore.turn`): one holder at a time, in the order they asked, within
one process and across workers on Redis; a holder that died holds up the next only for the
bound; Redis going away leaves them in order within the worker. The gateway gives each
citizen's messages to Rasa in turns (bot/rasa_brain.py)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis

from common.store import KeyValueStore, MemoryStore, RedisStore

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_stores(count: int) -> list[KeyValueStore]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    namespace = f"turns-{uuid.uuid4().hex[:8]}"  # each store is one gateway worker
    return [RedisStore(REDIS_URL, namespace) for _ in range(count)]


async def take_turns(stores: list[KeyValueStore], holders: int) -> list[tuple[str, int]]:
    """Holders ask one after another (the first holds its turn longest) through the stores in
    rotation; returns what they did, in the order they did it."""
    done: list[tuple[str, int]] = []

    async def holder(index: int) -> None:
        async with stores[index % len(stores)].turn("citizen", 30):
            done.append(("start", index))
            await asyncio.sleep(0.3 if index == 0 else 0.01)
            done.append(("end", index))

    tasks = []
    for index in range(holders):
        tasks.append(asyncio.create_task(holder(index)))
        await asyncio.sleep(0.02)  # each has asked before the next
    await asyncio.gather(*tasks)
    for store in stores:
        await store.close()
    return done


def in_order(holders: int) -> list[tuple[str, int]]:
    return [step for index in range(holders) for step in (("start", index), ("end", index))]


def test_turns_in_one_process_come_in_order() -> None:
    assert asyncio.run(take_turns([MemoryStore()], 5)) == in_order(5)


def test_turns_across_workers_on_redis_come_in_order() -> None:
    assert asyncio.run(take_turns(redis_stores(2), 6)) == in_order(6)


def test_a_holder_that_died_holds_up_the_next_only_for_the_bound() -> None:
    async def scenario(store: KeyValueStore) -> bool:
        dead = store.turn("citizen", 0.2)
        await dead.__aenter__()  # a worker killed while it held the turn never leaves it
        async with store.turn("citizen", 0.2):
            went_on = True
        async with store.turn("citizen", 0.2):  # and the queue goes on after it
            return went_on

    assert asyncio.run(scenario(MemoryStore()))
    assert asyncio.run(scenario(redis_stores(1)[0]))


def test_without_redis_turns_stay_in_order_within_the_worker() -> None:
    store = RedisStore("redis://127.0.0.1:1/0")  # nothing listens there
    assert asyncio.run(take_turns([store], 4)) == in_order(4)
