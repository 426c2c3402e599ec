"""A real department sandbox served over HTTP for the client suites, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from actions.clients.base import ClientLimits
from common.settings import Settings
from sandbox.app import create_app
from tests.servers import serve

LIMITS = ClientLimits(timeout_seconds=0.5, read_retries=1, breaker_failures=2, breaker_reset_seconds=60)


@pytest.fixture(scope="module")
def served_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(state_dir=tmp_path_factory.mktemp("sandbox"))
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture
def sandbox_url(served_sandbox: str) -> Iterator[str]:
    """The module's sandbox; faults a test armed are disarmed after it."""
    yield served_sandbox
    httpx.delete(f"{served_sandbox}/_faults").raise_for_status()
