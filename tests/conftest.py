"""Fixtures shared by every suite; the real stack is started once per test session."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.agent_auth import hash_password
from common.settings import Settings
from departments.registry import Departments, use_departments
from sandbox.app import create_app as create_sandbox_app
from scripts.stack import Stack
from tests.alipay.fake_alipay import AlipaySimulator, FakeAlipay, generate_key, private_pem, public_pem
from tests.servers import serve

STACK_ALIPAY_APP_ID = "2021000000000077"
STACK_OPS_TOKEN = secrets.token_urlsafe(16)


@dataclass(frozen=True)
class StackAgent:
    """The hotline agent the stack is configured with; the password is made per test session."""

    user: str
    password: str


@pytest.fixture(scope="session")
def stack_agent() -> StackAgent:
    return StackAgent("zhang", secrets.token_urlsafe(12))


@pytest.fixture(scope="session")
def stack_plain_agent() -> StackAgent:
    """A hotline agent who is not a supervisor (the audit log is refused to them)."""
    return StackAgent("li", secrets.token_urlsafe(12))


@dataclass(frozen=True)
class AlipayPlatform:
    """The fake Alipay open platform the stack is configured against, and Alipay's side of
    the signing, so end-to-end tests can pay a bill through the whole stack."""

    fake: FakeAlipay
    simulator: AlipaySimulator
    env: dict[str, str]


@pytest.fixture(scope="session")
def stack_alipay() -> Iterator[AlipayPlatform]:
    app_key, alipay_key = generate_key(), generate_key()
    fake = FakeAlipay(STACK_ALIPAY_APP_ID, app_key.public_key(), alipay_key)
    with serve(fake.app) as url:
        env = {
            "ALIPAY_APP_ID": STACK_ALIPAY_APP_ID,
            "ALIPAY_APP_PRIVATE_KEY": private_pem(app_key),
            "ALIPAY_PUBLIC_KEY": public_pem(alipay_key),
            "ALIPAY_GATEWAY_URL": f"{url}/gateway.do",
            "ALIPAY_NOTIFY_URL": "https://city.example.cn/alipay",
            # User-info authorisation offered: Alipay users get its link in the verification step.
            "ALIPAY_AUTH_REDIRECT_URL": "https://city.example.cn/alipay/auth",
        }
        yield AlipayPlatform(fake, AlipaySimulator(STACK_ALIPAY_APP_ID, alipay_key), env)


@pytest.fixture(scope="module")
def served_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real department sandbox served over HTTP with a fresh database, one per test module."""
    settings = Settings(state_dir=tmp_path_factory.mktemp("sandbox"), sandbox_faults_enabled=True)
    with serve(create_sandbox_app(settings)) as url:
        yield url


@pytest.fixture
def sandbox_url(served_sandbox: str) -> Iterator[str]:
    """The module's sandbox; faults a test armed are disarmed after it."""
    yield served_sandbox
    httpx.delete(f"{served_sandbox}/_faults").raise_for_status()


@pytest.fixture
def departments_on_sandbox(sandbox_url: str) -> Iterator[Departments]:
    """The process's department registry pointed at the module's sandbox, as the action
    server's is at its configured addresses; the previous registry comes back afterwards."""
    registry = Departments.at(sandbox_url)
    previous = use_departments(registry)
    yield registry
    use_departments(previous)


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    stack_alipay: AlipayPlatform,
    stack_agent: StackAgent,
    stack_plain_agent: StackAgent,
) -> Iterator[Stack]:
    """Sandbox, action server, Rasa and gateway on free loopback ports with a fresh database,
    with the Alipay channel and payments configured against a fake Alipay platform and one
    hotline agent, so chats can be handed off.

    STACK_MODEL names a trained model to serve instead of training or reusing the cached one."""
    state_dir: Path = tmp_path_factory.mktemp("stack")
    running = Stack.on_free_ports(
        state_dir,
        DEPARTMENT_TIMEOUT_SECONDS="1.5",
        SANDBOX_FAULTS_ENABLED="true",
        OPS_TOKEN=STACK_OPS_TOKEN,
        AGENT_USERS=",".join(
            f"{agent.user}:{hash_password(agent.password)}" for agent in (stack_agent, stack_plain_agent)
        ),
        # The SMS gateway's credentials, made per test session: the sandbox checks the signature.
        SMS_API_KEY="stack-sms",
        SMS_API_SECRET=secrets.token_hex(16),
        # The same account is a 12345 supervisor too (GET /api/ops/hotspots).
        SUPERVISOR_USERS=f"{stack_agent.user}:{hash_password(stack_agent.password)}",
        **stack_alipay.env,
    )
    model = os.environ.get("STACK_MODEL")
    running.start(Path(model) if model else None)
    try:
        yield running
    finally:
        running.stop()
