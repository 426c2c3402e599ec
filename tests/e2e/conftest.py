"""What the web-chat conversation suites share: a fresh citizen, and the stack's sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.chat import WebCitizen


@pytest.fixture
def citizen(stack: Stack) -> WebCitizen:
    return WebCitizen(stack.gateway_url)


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    """The department sandbox of the running stack; faults a test armed are disarmed after it."""
    with httpx.Client(base_url=stack.env["SANDBOX_URL"], timeout=10) as client:
        yield client
        client.delete("/_faults")
