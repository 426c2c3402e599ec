"""The sender process's jobs on APScheduler 3, kept in the assistant database
(`assistant_notice_jobs`, the SQLAlchemy job store: SQLite embedded, PostgreSQL with
DATABASE_URL): plan the inbox and send what is due every NOTICE_SEND_INTERVAL_SECONDS, poll the
departments' event feed every NOTICE_POLL_SECONDS (0: webhooks only), scan subscribed bills
every NOTICE_BILL_SCAN_MINUTES, and purge Rasa's SQL conversations past
CONVERSATION_RETENTION_DAYS every hour from the start (a program of its own cost the stack
47 MB for one query an hour). With REDIS_URL the round queues the due notices on Redis
(`notices.queue`, arq) and this process's queue worker sends them, beside any started with
`python -m notices worker`. Each round touches the heartbeat file (`notices.health`), which the
containers' liveness check reads. The job store names each job's function by its import path,
which is why they live here and not in `__main__`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from common.conversation_store import PURGE_EVERY_SECONDS, purge_conversations, purges_conversations
from common.database import shared_engine
from common.settings import Settings
from departments.bindings import BindingStore
from departments.registry import Departments
from notices import health
from notices.departments import EventFeed, LinkedChannels, build
from notices.models import utc_now
from notices.outbox import NoticeStore
from notices.planning import Planner
from notices.queue import SendQueue
from notices.senders import Senders
from notices.subscriptions import SubscriptionStore
from notices.worker import Worker

logger = logging.getLogger("notices")
JOBS_TABLE = "assistant_notice_jobs"
_busy = asyncio.Lock()


@dataclass
class _Process:
    """What the scheduled jobs of this process work with."""

    worker: Worker
    heartbeat: Path
    queue: SendQueue | None = None


_running: dict[str, _Process] = {}


def build_worker(settings: Settings, senders: Senders) -> Worker:
    departments = settings.department_settings
    store = NoticeStore(settings.assistant_database_url)
    subscriptions = SubscriptionStore(settings.assistant_database_url)
    planner = Planner(
        store,
        subscriptions,
        build(departments, "population", LinkedChannels, "市民信息系统"),
        Departments(departments),
        BindingStore(settings.assistant_database_url),
        hotline=settings.hotline,
        bill_days_before=settings.notices.bill_days_before,
        appointment_lead_hours=settings.notices.appointment_lead_hours,
    )
    feed = (
        build(departments, "events", EventFeed, "部门事件推送") if settings.notices.poll_seconds > 0 else None
    )
    return Worker(store, subscriptions, planner, senders, settings.notices, feed)


async def _guarded(step: Callable[[_Process], Awaitable[int]]) -> None:
    process = _running["process"]
    async with _busy:  # one round at a time, and shutdown waits for the round under way
        try:
            await step(process)
        except Exception:
            logger.exception("a notices round failed; the next one tries again")
        finally:
            health.beat(process.heartbeat)


async def deliver_job() -> None:
    async def step(process: _Process) -> int:
        await process.worker.plan_round()
        if process.queue is not None:
            return await process.queue.dispatch(process.worker.store, utc_now())
        return await process.worker.send_round()

    await _guarded(step)


async def poll_job() -> None:
    await _guarded(lambda process: process.worker.poll_round())


async def scan_job() -> None:
    await _guarded(lambda process: process.worker.planner.scan_bills())


async def purge_job() -> None:
    """Rasa's SQL tracker store without the conversations past their retention (Redis ones
    expire by themselves); in a thread, as the SQL blocks."""
    try:
        purged = await asyncio.to_thread(purge_conversations, os.environ)
    except Exception:
        logger.exception("purging conversations past their retention failed; the next round tries again")
        return
    if purged:
        logger.info("purged %d conversation events past their retention", purged)


def schedule(scheduler: AsyncIOScheduler, settings: Settings) -> None:
    notices = settings.notices
    jobs = {
        "deliver": (deliver_job, notices.send_interval_seconds, False),
        "poll": (poll_job, notices.poll_seconds, False),
        "scan-bills": (scan_job, notices.bill_scan_minutes * 60, False),
        "purge-conversations": (
            purge_job,
            PURGE_EVERY_SECONDS if purges_conversations(settings) else 0,
            True,
        ),
    }
    for job_id, (function, seconds, at_start) in jobs.items():
        if seconds > 0:
            scheduler.add_job(
                f"notices.jobs:{function.__name__}",
                "interval",
                seconds=seconds,
                id=job_id,
                replace_existing=True,
                **({"next_run_time": datetime.now(UTC)} if at_start else {}),
            )
        elif scheduler.get_job(job_id):
            scheduler.remove_job(job_id)


async def run(settings: Settings, *, worker_only: bool = False) -> None:
    """The sender process: the scheduler (unless `worker_only`) and, with REDIS_URL, a queue worker."""
    if worker_only and not settings.redis_url:
        raise SystemExit("`python -m notices worker` sends from the Redis queue: set REDIS_URL")
    # Every job run is logged at INFO by APScheduler; a round that sends something logs itself.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    senders = Senders.from_settings(settings)
    queue = await SendQueue.connect(settings.redis_url) if settings.redis_url else None
    process = _Process(build_worker(settings, senders), health.heartbeat_path(settings.state_dir))
    process.queue = None if worker_only else queue
    _running["process"] = process
    scheduler = None if worker_only else _start_scheduler(settings)
    consumer = queue.consumer(process.worker) if queue else None
    tasks = [asyncio.create_task(consumer.async_run())] if consumer else []
    if worker_only:  # no rounds here: the idle ticks beat, while the queue worker runs
        tasks.append(asyncio.create_task(_tick(process.heartbeat, settings.notices.send_interval_seconds)))
    logger.info("notices sender started%s", " on the Redis queue" if queue else "")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    async with _busy:
        if consumer is not None:
            await consumer.close()  # lets the jobs under way finish
        for task in tasks:
            task.cancel()
        logger.info("notices sender stopped")
    if queue is not None:
        await queue.aclose()
    await senders.aclose()


async def _tick(heartbeat: Path, seconds: float) -> None:
    while True:
        health.beat(heartbeat)
        await asyncio.sleep(max(seconds, 1.0))


def _start_scheduler(settings: Settings) -> AsyncIOScheduler:
    store = SQLAlchemyJobStore(engine=shared_engine(settings.assistant_database_url), tablename=JOBS_TABLE)
    scheduler = AsyncIOScheduler(
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    scheduler.start(paused=True)
    schedule(scheduler, settings)
    scheduler.resume()
    return scheduler
