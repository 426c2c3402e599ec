"""The sender's liveness: every round of the scheduler (or, in a queue-only process, its idle
ticks) touches a heartbeat file in the state directory; `deploy/container.py health notices`
calls the process dead when the file is older than HEARTBEAT_MAX_AGE_SECONDS. A round that
fails (a database outage) still beats: liveness is about a hung process, not its peers."""

from __future__ import annotations

from pathlib import Path

HEARTBEAT_FILE = "notices.heartbeat"
HEARTBEAT_MAX_AGE_SECONDS = 300
"""Mirrored in deploy/container.py (standard library only, so it cannot import this)."""


def heartbeat_path(state_dir: Path) -> Path:
    return state_dir / HEARTBEAT_FILE


def beat(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
