"""`scripts/purge.py` deletes the handoff transcripts past HANDOFF_RETENTION_DAYS, and only those."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.handoff.desk import CITIZEN, HandoffDesk, HandoffRow, MessageRow, Turn
from common.database import shared_engine
from scripts.purge import purge_handoffs
from scripts.stack import PROJECT_ROOT

NOW = datetime.now(UTC)


async def _handoff(desk: HandoffDesk, sender: str, words: str) -> int:
    handoff, _ = await desk.open(sender, "asked", [Turn(CITIZEN, words, NOW)])
    await desk.add(handoff, CITIZEN, words + " 还在吗")
    await desk.close(handoff.id, "agent")
    return handoff.id


def _age(url: str, handoff_id: int, days: float) -> None:
    """Moves a handoff and its messages `days` into the past."""
    then = NOW - timedelta(days=days)
    with shared_engine(url).begin() as connection:
        connection.execute(
            update(HandoffRow)
            .where(HandoffRow.id == handoff_id)
            .values(last_activity_at=then, created_at=then)
        )
        connection.execute(
            update(MessageRow).where(MessageRow.handoff_id == handoff_id).values(created_at=then)
        )


def _texts(url: str) -> dict[int, list[str]]:
    with shared_engine(url).connect() as connection:
        handoffs = set(connection.scalars(select(HandoffRow.id)))
        texts: dict[int, list[str]] = {handoff: [] for handoff in handoffs}
        for handoff_id, text in connection.execute(select(MessageRow.handoff_id, MessageRow.text)):
            texts.setdefault(handoff_id, []).append(text)
    return texts


async def test_purge_removes_old_transcripts_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    desk = HandoffDesk(url)
    old = await _handoff(desk, "web:old", "我的户号是3100012345")
    borderline = await _handoff(desk, "web:borderline", "燃气户号4100012345")
    recent = await _handoff(desk, "web:recent", "电话13805310001")
    _age(url, old, 120)
    _age(url, borderline, 89)

    dry = purge_handoffs(url, 90, dry_run=True)
    assert (dry.handoffs, dry.messages) == (1, 2)
    assert set(_texts(url)) == {old, borderline, recent}

    purged = purge_handoffs(url, 90)
    assert (purged.handoffs, purged.messages) == (1, 2)
    left = _texts(url)
    assert set(left) == {borderline, recent}
    assert not any("3100012345" in text for texts in left.values() for text in texts)
    assert len(left[borderline]) == 2 and len(left[recent]) == 2
    # The desk still works on what is left.
    assert await desk.find(recent) is not None and await desk.find(old) is None


async def test_the_command_uses_handoff_retention_days(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    desk = HandoffDesk(url)
    old = await _handoff(desk, "web:a", "一")
    kept = await _handoff(desk, "web:b", "二")
    _age(url, old, 10)
    _age(url, kept, 2)
    env = {**os.environ, "STATE_DIR": str(tmp_path), "DATABASE_URL": "", "HANDOFF_RETENTION_DAYS": "7"}
    result = subprocess.run(
        [sys.executable, "scripts/purge.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "deleted 1 handoffs and 2 messages older than 7 days" in result.stdout
    assert set(_texts(url)) == {kept}
