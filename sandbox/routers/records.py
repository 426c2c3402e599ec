"""Helpers the writing routers (appointments, complaints) share: Beijing time stamps, JSON
problems with a code and a Chinese message, request fingerprints for idempotency keys,
race-free inserts and counters that work the same on SQLite and PostgreSQL, and the retry
loop around an idempotent write."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from fastapi import HTTPException
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from sandbox.models import Base, SequenceCounter

BEIJING = timezone(timedelta(hours=8))
IDEMPOTENCY_KEY_MAX_LENGTH = 128
WRITE_ROUNDS = 3
Result = TypeVar("Result")


def now() -> datetime:
    return datetime.now(BEIJING)


def timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 in Beijing time like the demo data, identical on SQLite and PostgreSQL."""
    return (moment or now()).isoformat(timespec="seconds")


class Problem(HTTPException):
    """An answer a caller can act on: `{"detail": {"code": ..., "message": ...}}`, the message
    short plain Chinese that an assistant may pass on to the citizen as it is."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code=status_code, detail={"code": code, "message": message})


def fingerprint(payload: dict[str, Any]) -> str:
    """Tells a genuine retry (same key, same request) from a key reused for another request."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def insert_missing(db: Session, model: type[Base], **values: Any) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: concurrent first writers neither fail nor duplicate.

    On SQLite this is also the transaction's first write, so it takes the write lock before
    anything is decided: every later step of the transaction runs serialised."""
    # Each dialect's INSERT is imported when first used: loading the PostgreSQL dialect at import
    # was a tenth of a sandbox's restart on SQLite.
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.execute(insert(model).values(**values).on_conflict_do_nothing())


def next_sequence(db: Session, scope: str, start_after: int = 0) -> int:
    """The next number of `scope` (a day's tickets, say), unique under concurrency: the UPDATE
    locks the counter row until the caller's transaction ends."""
    insert_missing(db, SequenceCounter, scope=scope, value=start_after)
    db.execute(
        update(SequenceCounter)
        .where(SequenceCounter.scope == scope)
        .values(value=SequenceCounter.value + 1)
        .execution_options(synchronize_session=False)
    )
    return db.scalar(select(SequenceCounter.value).where(SequenceCounter.scope == scope))


def write_with_retries(db: Session, attempt: Callable[[], Result]) -> Result:
    """Runs one idempotent write transaction, deciding again when a concurrent request with the
    same key won (the next round replays its result) or the database gave up on a lock (a
    deadlock, a busy SQLite file); a refusal rolls back and goes to the caller."""
    for _ in range(WRITE_ROUNDS):
        try:
            return attempt()
        except (IntegrityError, OperationalError):
            db.rollback()
        except HTTPException:
            db.rollback()
            raise
    raise Problem(503, "busy", "系统繁忙，请稍后再试")
