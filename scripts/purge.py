"""Deletes handoff transcripts past their retention from the assistant database.

    .venv/bin/python scripts/purge.py               # HANDOFF_RETENTION_DAYS (default 90)
    .venv/bin/python scripts/purge.py --days 30     # another period, e.g. for a one-off
    .venv/bin/python scripts/purge.py --dry-run     # only count what would go

Handoff transcripts keep the citizen's words unmasked (the agent needs the account number the
citizen typed), so they must not outlive the city's retention period. A handoff whose last
activity is older than the period goes with all its messages, whatever its state (an open
one that old was abandoned long ago: it closes itself after HANDOFF_IDLE_MINUTES); any other
message older than the period goes too. Run it daily (cron, a systemd timer, a Kubernetes
CronJob); it prints what it deleted and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.handoff.desk import HandoffDesk, HandoffRow, MessageRow
from common.database import create_tables, shared_engine
from common.settings import load_settings


@dataclass(frozen=True)
class Purged:
    handoffs: int
    messages: int


def purge_handoffs(
    database_url: str, retention_days: float, now: datetime | None = None, dry_run: bool = False
) -> Purged:
    """Deletes (or, dry, counts) the handoffs idle since before `now - retention_days` with
    their messages, and every message older than that; one transaction."""
    if retention_days <= 0:
        raise ValueError("the retention period must be more than 0 days")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    engine = shared_engine(database_url)
    create_tables(engine, HandoffDesk.tables)
    old_handoffs = select(HandoffRow.id).where(HandoffRow.last_activity_at < cutoff)
    old_messages = or_(MessageRow.created_at < cutoff, MessageRow.handoff_id.in_(old_handoffs))
    with engine.begin() as connection:
        handoffs = connection.scalar(select(func.count()).select_from(old_handoffs.subquery())) or 0
        messages = connection.scalar(select(func.count()).select_from(MessageRow).where(old_messages)) or 0
        if not dry_run:
            connection.execute(delete(MessageRow).where(old_messages))
            connection.execute(delete(HandoffRow).where(HandoffRow.last_activity_at < cutoff))
    return Purged(handoffs=handoffs, messages=messages)


def main(argv: list[str] | None = None) -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python scripts/purge.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days",
        type=float,
        default=settings.handoff_retention_days,
        help="retention period in days (default HANDOFF_RETENTION_DAYS)",
    )
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    args = parser.parse_args(argv)
    if args.days <= 0:
        parser.error("--days must be more than 0")
    purged = purge_handoffs(settings.assistant_database_url, args.days, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {purged.handoffs} handoffs and {purged.messages} messages older than {args.days:g} days")


if __name__ == "__main__":
    main()
