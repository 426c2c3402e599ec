"""The sender process's jobs on APScheduler 3, kept in the assistant database
(`assistant_notice_jobs`, the SQLAlchemy job store: SQLite embedded, PostgreSQL with
DATABASE_URL): plan the inbox and send what is due every NOTICE_SEND_INTERVAL_SECONDS, poll the
departments' event feed every NOTICE_POLL_SECONDS (0: webhooks only), scan subscribed bills
every NOTICE_BILL_SCAN_MINUTES. The job store names each job's function by its import path,
which is why they live here and not in `__main__`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from common.database import shared_engine
from common.settings import Settings
from departments.bindings import BindingStore
from departments.registry import Departments
from notices.departments import EventFeed, LinkedChannels, build
from notices.outbox import NoticeStore
from notices.planning import Planner
from notices.senders import Senders
from notices.subscriptions import SubscriptionStore
from notices.worker import Worker

logger = logging.getLogger("notices")
JOBS_TABLE = "assistant_notice_jobs"
_state: dict[str, Worker] = {}
_busy = asyncio.Lock()


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


async def _guarded(step: Callable[[Worker], Awaitable[int]]) -> None:
    async with _busy:  # one round at a time, and shutdown waits for the round under way
        try:
            await step(_state["worker"])
        except Exception:
            logger.exception("a notices round failed; the next one tries again")


async def deliver_job() -> None:
    async def step(worker: Worker) -> int:
        await worker.plan_round()
        return await worker.send_round()

    await _guarded(step)


async def poll_job() -> None:
    await _guarded(lambda worker: worker.poll_round())


async def scan_job() -> None:
    await _guarded(lambda worker: worker.planner.scan_bills())


def schedule(scheduler: AsyncIOScheduler, settings: Settings) -> None:
    notices = settings.notices
    jobs = {
        "deliver": (deliver_job, notices.send_interval_seconds),
        "poll": (poll_job, notices.poll_seconds),
        "scan-bills": (scan_job, notices.bill_scan_minutes * 60),
    }
    for job_id, (function, seconds) in jobs.items():
        if seconds > 0:
            scheduler.add_job(
                f"notices.jobs:{function.__name__}",
                "interval",
                seconds=seconds,
                id=job_id,
                replace_existing=True,
            )
        elif scheduler.get_job(job_id):
            scheduler.remove_job(job_id)


async def run(settings: Settings) -> None:
    # Every job run is logged at INFO by APScheduler; a round that sends something logs itself.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    senders = Senders.from_settings(settings)
    _state["worker"] = build_worker(settings, senders)
    store = SQLAlchemyJobStore(engine=shared_engine(settings.assistant_database_url), tablename=JOBS_TABLE)
    scheduler = AsyncIOScheduler(
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    scheduler.start(paused=True)
    schedule(scheduler, settings)
    scheduler.resume()
    logger.info("notices sender started")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    scheduler.shutdown(wait=False)
    async with _busy:
        logger.info("notices sender stopped")
    await senders.aclose()
