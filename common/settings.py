"""Every environment variable the processes read, with defaults that work offline on a laptop.

The README's configuration table mirrors this module; keep them in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration; `load_settings()` reads it from the environment."""

    gateway_host: str = "0.0.0.0"
    gateway_port: int = 8000
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 10.0
    action_server_url: str = "http://127.0.0.1:5055"
    sandbox_url: str = "http://127.0.0.1:8100"
    department_timeout_seconds: float = 3.0
    database_url: str = ""
    redis_url: str = ""
    state_dir: Path = field(default=PROJECT_ROOT / ".run")
    log_level: str = "INFO"
    hotline: str = "12345"
    handoff_after_failures: int = 2
    handoff_idle_minutes: float = 30.0

    @property
    def sandbox_database_url(self) -> str:
        """SQLite inside the state directory unless DATABASE_URL points at a real server."""
        return self.database_url or f"sqlite:///{self.state_dir / 'sandbox.db'}"

    @property
    def assistant_database_url(self) -> str:
        """The assistant's own records (account bindings); its tables are prefixed
        `assistant_`, so one PostgreSQL database can hold them beside the sandbox's."""
        return self.database_url or f"sqlite:///{self.state_dir / 'assistant.db'}"


def load_settings() -> Settings:
    return Settings(
        gateway_host=_env("GATEWAY_HOST", "0.0.0.0"),
        gateway_port=_env_int("GATEWAY_PORT", 8000),
        rasa_url=_env("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_timeout_seconds=_env_float("RASA_TIMEOUT_SECONDS", 10.0),
        action_server_url=_env("ACTION_SERVER_URL", "http://127.0.0.1:5055").rstrip("/"),
        sandbox_url=_env("SANDBOX_URL", "http://127.0.0.1:8100").rstrip("/"),
        department_timeout_seconds=_env_float("DEPARTMENT_TIMEOUT_SECONDS", 3.0),
        database_url=_env("DATABASE_URL", ""),
        redis_url=_env("REDIS_URL", ""),
        state_dir=Path(_env("STATE_DIR", str(PROJECT_ROOT / ".run"))),
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        hotline=_env("HOTLINE_NUMBER", "12345"),
        handoff_after_failures=_env_int("HANDOFF_AFTER_FAILURES", 2),
        handoff_idle_minutes=_env_float("HANDOFF_IDLE_MINUTES", 30.0),
    )
