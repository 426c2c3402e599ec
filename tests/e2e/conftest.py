"""What the conversation suites share: a fresh web-chat citizen, the stack's sandbox, a hotline
agent logged in to the console, and a WeChat gateway on the running stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx
import pytest

from scripts.stack import Stack
from tests.conftest import StackAgent
from tests.e2e.chat import WebCitizen
from tests.servers import serve
from tests.wechat.conftest import Account, FakePlatform
from tests.wechat.conftest import account as account  # the WeChat suites' fixtures, re-exported
from tests.wechat.conftest import platform as platform


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


StackGateway = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def stack_gateway(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, account: Account, platform: FakePlatform
) -> StackGateway:
    """A gateway with /wechat built in this process on the running stack's Rasa (as the WeChat
    suite's), with the fake WeChat API server."""
    from bot.app import create_app

    @contextmanager
    def start(**env: str) -> Iterator[str]:
        settings = {
            name: stack.env[name]
            for name in ("RASA_URL", "ACTION_SERVER_URL", "SANDBOX_URL", "DEPARTMENT_API_KEY", "STATE_DIR")
        }
        settings.update(
            REDIS_URL="",
            DATABASE_URL="",
            WECHAT_TOKEN=account.token,
            WECHAT_APP_ID=account.app_id,
            WECHAT_APP_SECRET=account.app_secret,
            WECHAT_ENCODING_AES_KEY=account.aes_key,
            WECHAT_API_BASE=platform.url,
            **env,
        )
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        with serve(create_app()) as url:
            yield f"{url}/wechat"

    return start
