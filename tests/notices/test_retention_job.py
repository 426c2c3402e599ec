"""Conversations past CONVERSATION_RETENTION_DAYS are purged by the notices scheduler (one
program fewer in the stack), from its start and then every hour, and only where Rasa keeps
them in SQL: Redis conversations expire by themselves."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from common.conversation_store import PURGE_EVERY_SECONDS
from common.settings import load_settings
from notices.jobs import purge_job, schedule

EMBEDDED = {"REDIS_URL": "", "DATABASE_URL": "", "CONVERSATION_RETENTION_DAYS": "30"}


def _purge_job(env: dict[str, str]):  # type: ignore[no-untyped-def]
    scheduler = AsyncIOScheduler()
    schedule(scheduler, load_settings(env))
    return scheduler.get_job("purge-conversations")


def test_the_sql_tracker_store_is_purged_from_the_start_and_every_hour(tmp_path: Path) -> None:
    job = _purge_job({**EMBEDDED, "STATE_DIR": str(tmp_path)})
    assert job is not None and job.trigger.interval == timedelta(seconds=PURGE_EVERY_SECONDS)
    assert abs(job.next_run_time - datetime.now(UTC)) < timedelta(minutes=1)


def test_nothing_to_purge_on_redis_or_when_kept_forever(tmp_path: Path) -> None:
    assert (
        _purge_job({**EMBEDDED, "STATE_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/9"}) is None
    )
    assert _purge_job({**EMBEDDED, "STATE_DIR": str(tmp_path), "CONVERSATION_RETENTION_DAYS": "0"}) is None


async def test_the_job_deletes_only_conversations_past_their_retention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    with sqlite3.connect(tmp_path / "conversations.db") as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp FLOAT)")
        connection.executemany(
            "INSERT INTO events (sender_id, timestamp) VALUES (?, ?)",
            [("old", now - 40 * 86400), ("recent", now - 40 * 86400), ("recent", now - 60)],
        )
    for name, value in {**EMBEDDED, "STATE_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    await purge_job()
    with sqlite3.connect(tmp_path / "conversations.db") as connection:
        assert {row[0] for row in connection.execute("SELECT sender_id FROM events")} == {"recent"}
