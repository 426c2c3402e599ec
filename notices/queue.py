"""Sending through a Redis queue (arq) where REDIS_URL is set, so several sender processes can
share the work; the outbox stays the source of truth.

The scheduler's round claims due deliveries as before (a lease in `notice_deliveries`) and
enqueues one `send_notice` job per claim, naming the claim by its lease time. A job first takes
its claim (`NoticeStore.take`: a conditional update that only the claim's first job wins, and
only while the lease holds), then sends as the embedded sender does. So a job that waited past
its lease, or runs a second time after its worker died, sends nothing; a claim whose job never
ran expires and is claimed and queued again: nothing is lost or sent twice by the queue. The
round tops the queue up to ROUND_SIZE jobs instead of claiming more than the senders can take.
"""

from __future__ import annotations

import logging
from datetime import datetime

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker as ArqWorker
from arq.worker import func
from redis.exceptions import RedisError

from notices.outbox import NoticeStore
from notices.worker import ROUND_SIZE, Worker

logger = logging.getLogger(__name__)
QUEUE_NAME = "notices:send"
SEND_JOB = "send_notice"
RESULT_SECONDS = 300


async def send_notice(ctx: dict[str, object], delivery_id: int, claim: str) -> str:
    """The queue's job: "stale" when its claim was taken or expired, else the round's answer."""
    worker = ctx["notices"]
    assert isinstance(worker, Worker)
    return await worker.send_claimed(delivery_id, datetime.fromisoformat(claim))


class SendQueue:
    def __init__(self, pool: ArqRedis, queue_name: str = QUEUE_NAME) -> None:
        self._pool = pool
        self.queue_name = queue_name

    @classmethod
    async def connect(cls, redis_url: str, queue_name: str = QUEUE_NAME) -> SendQueue:
        return cls(await create_pool(RedisSettings.from_dsn(redis_url)), queue_name)

    async def backlog(self) -> int:
        return int(await self._pool.zcard(self.queue_name))

    async def dispatch(self, store: NoticeStore, now: datetime) -> int:
        """Claims what is due, up to the room left in the queue, and enqueues it; returns how many."""
        room = ROUND_SIZE - await self.backlog()
        if room <= 0:
            return 0
        queued = 0
        for delivery in await store.claim_due(now, room):
            assert delivery.lease_until is not None
            claim = delivery.lease_until.isoformat()
            try:
                job = await self._pool.enqueue_job(
                    SEND_JOB,
                    delivery.id,
                    claim,
                    _job_id=f"notice-{delivery.id}-{claim}",
                    _queue_name=self.queue_name,
                )
            except (RedisError, OSError) as error:
                logger.warning("could not queue a notice: %s", type(error).__name__)
                job = None
            if job is None:  # not on the queue (Redis down, or the id taken): back to the outbox's
                await store.release(delivery.id, now)
                continue
            queued += 1
        return queued

    def consumer(self, worker: Worker, *, burst: bool = False) -> ArqWorker:
        """The arq worker that runs the send jobs with `worker` (`burst`: until the queue is empty)."""
        return ArqWorker(
            functions=[func(send_notice, name=SEND_JOB, max_tries=1)],  # the outbox retries
            redis_pool=self._pool,
            queue_name=self.queue_name,
            ctx={"notices": worker},
            handle_signals=False,
            burst=burst,
            max_jobs=ROUND_SIZE,
            keep_result=RESULT_SECONDS,
            poll_delay=0.2,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
