"""The gateway's settings for suites that run the real app without Rasa: every Rasa and action
server call fails fast against a closed port, which is itself the case these suites test."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from common.settings import Settings, load_settings
from scripts.stack import free_port


def settings_without_rasa(state_dir: Path, sandbox_url: str | None = None) -> Settings:
    """The environment's settings (a test's AGENT_USERS...) with Rasa and the action server on
    a closed port; `sandbox_url` (every department) defaults to a closed port too, for suites
    that never reach a department."""
    closed = f"http://127.0.0.1:{free_port()}"
    base = load_settings()
    sandbox = sandbox_url or closed
    return replace(
        base,
        rasa_url=closed,
        action_server_url=closed,
        sandbox_url=sandbox,
        rasa_timeout_seconds=1,
        state_dir=state_dir,
        departments=replace(base.department_settings, default_url=sandbox, urls={}),
    )
