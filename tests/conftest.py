"""Fixtures shared by every suite; the real stack is started once per test session."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Sandbox, action server, Rasa and gateway on free loopback ports with a fresh database.

    STACK_MODEL names a trained model to serve instead of training or reusing the cached one."""
    state_dir: Path = tmp_path_factory.mktemp("stack")
    running = Stack(
        env={
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(free_port()),
            "RASA_URL": f"http://127.0.0.1:{free_port()}",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}",
            "SANDBOX_URL": f"http://127.0.0.1:{free_port()}",
            "STATE_DIR": str(state_dir),
            "REDIS_URL": "",
            "DATABASE_URL": "",
            "DEPARTMENT_TIMEOUT_SECONDS": "1.5",
        }
    )
    model = os.environ.get("STACK_MODEL")
    running.start(Path(model) if model else None)
    try:
        yield running
    finally:
        running.stop()
