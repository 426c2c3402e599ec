"""What the conversation suites share: a fresh web-chat citizen, the stack's sandbox, a hotline
agent logged in to the console, and a WeChat gateway on the running stack."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from scripts.stack import Stack
from tests.conftest import StackAgent
from tests.e2e.chat import WebCitizen
from tests.wechat.conftest import StackGateway as StackGateway
from tests.wechat.conftest import account as account  # the WeChat suites' fixtures, re-exported
from tests.wechat.conftest import platform as platform
from tests.wechat.conftest import stack_gateway as stack_gateway


@pytest.fixture
def citizen(stack: Stack) -> WebCitizen:
    return WebCitizen(stack.gateway_url)


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    """The department sandbox of the running stack; faults a test armed are disarmed after it."""
    with stack.sandbox_client() as client:
        yield client
        client.delete("/_faults")


@pytest.fixture
def agent(stack: Stack, stack_agent: StackAgent) -> Iterator[httpx.Client]:
    """The agent's console is open: it has read the handoff queue, so a citizen who asks for a
    person now is told an agent is online."""
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        login = client.post(
            "/api/agent/login", json={"user": stack_agent.user, "password": stack_agent.password}
        )
        assert login.status_code == 200
        client.get("/api/agent/handoffs")
        yield client
