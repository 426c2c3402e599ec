"""The Redis queue (arq) on the machine's real Redis, in a database of its own: the round
queues what is due, queue workers send it, and a worker that dies loses and doubles nothing,
since the outbox's claims decide what is sent."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from notices.models import SENT
from notices.queue import SendQueue, send_notice
from tests.notices.conftest import ZHANG_WEI_OPENID, Pipeline

MakePipeline = Callable[..., Pipeline]
REDIS_URL = "redis://127.0.0.1:6379/13"
"""A database no process of the project uses: the tests empty it."""


@pytest.fixture
async def queue() -> AsyncIterator[SendQueue]:
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.flushdb()
    except RedisConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        await redis.aclose()
    send = await SendQueue.connect(REDIS_URL, f"notices:test:{uuid.uuid4().hex[:8]}")
    yield send
    await send.aclose()


async def _tickets(pipeline: Pipeline, count: int) -> list[str]:
    numbers = [f"12345-20261202-{uuid.uuid4().hex[:6]}" for _ in range(count)]
    for number in numbers:
        await pipeline.event(
            "ticket.created", ticket_id=number, status="已受理", holder="C001", department="x", title="y"
        )
    await pipeline.worker.plan_round()
    return numbers


def _sent_about(pipeline: Pipeline, number: str) -> int:
    return len([item for item in pipeline.wechat.templates_to(ZHANG_WEI_OPENID) if number in str(item)])


async def test_queued_notices_are_sent_once_by_a_queue_worker(
    make_pipeline: MakePipeline, queue: SendQueue
) -> None:
    pipeline = make_pipeline()
    numbers = await _tickets(pipeline, 3)
    assert await queue.dispatch(pipeline.store, pipeline.clock.now) == 3
    assert await queue.dispatch(pipeline.store, pipeline.clock.now) == 0  # all claimed already
    await queue.consumer(pipeline.worker, burst=True).main()
    assert [_sent_about(pipeline, number) for number in numbers] == [1, 1, 1]
    assert {row.status for row in await pipeline.store.all_deliveries()} == {SENT}
    assert await queue.backlog() == 0


async def test_a_dead_worker_loses_and_doubles_nothing(make_pipeline: MakePipeline, queue: SendQueue) -> None:
    pipeline = make_pipeline()
    numbers = await _tickets(pipeline, 3)
    assert await queue.dispatch(pipeline.store, pipeline.clock.now) == 3
    first_claims = [(row.id, row.lease_until) for row in await pipeline.store.all_deliveries()]
    # No worker takes them (it died); the claims expire and the next rounds queue them again.
    pipeline.clock.advance(minutes=2)
    assert await queue.dispatch(pipeline.store, pipeline.clock.now) == 3
    assert await queue.backlog() == 6
    await queue.consumer(pipeline.worker, burst=True).main()  # a worker comes back
    assert [_sent_about(pipeline, number) for number in numbers] == [1, 1, 1]
    # A job run again after its worker died mid-job sends nothing either.
    for delivery_id, claim in first_claims:
        assert claim is not None
        assert await send_notice({"notices": pipeline.worker}, delivery_id, claim.isoformat()) == "stale"
    assert [_sent_about(pipeline, number) for number in numbers] == [1, 1, 1]


async def test_the_round_only_tops_the_queue_up(make_pipeline: MakePipeline, queue: SendQueue) -> None:
    pipeline = make_pipeline(user_max_per_day=100)
    await _tickets(pipeline, 23)
    assert await queue.dispatch(pipeline.store, pipeline.clock.now) == 20
    assert await queue.dispatch(pipeline.store, pipeline.clock.now) == 0
    await queue.consumer(pipeline.worker, burst=True).main()
    assert await queue.dispatch(pipeline.store, pipeline.clock.now) == 3
