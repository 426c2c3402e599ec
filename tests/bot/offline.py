"""The gateway's settings for suites that run the real app without Rasa: every Rasa and action
server call fails fast against a closed port, which is itself the case these suites test."""

from __future__ import annotations

from pathlib import Path

from common.settings import Settings
from scripts.stack import free_port


def settings_without_rasa(state_dir: Path, sandbox_url: str | None = None) -> Settings:
    """`sandbox_url` defaults to a closed port too, for suites that never reach a department."""
    closed = f"http://127.0.0.1:{free_port()}"
    return Settings(
        rasa_url=closed,
        action_server_url=closed,
        sandbox_url=sandbox_url or closed,
        rasa_timeout_seconds=1,
        state_dir=state_dir,
    )
