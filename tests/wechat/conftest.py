"""A gateway serving /wechat with a fake brain, and a fake WeChat API server, both on loopback."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI

from bot.brain import BotMessage
from bot.delivery import Deliveries
from common.store import MemoryStore
from integrations.wechat.fake_api import FakeWeChatApi
from integrations.wechat.router import mount_wechat
from integrations.wechat.simulator import WeChatSimulator
from scripts.stack import Stack
from tests.servers import serve

GREETING_TEXT = "您好，我是示例市市民服务助手。"
MENU_TITLES = ("查账单", "预约办事", "办事指南")


@dataclass(frozen=True)
class Account:
    """Credentials generated per test, as the WeChat admin console would issue them."""

    token: str = field(default_factory=lambda: secrets.token_hex(16))
    app_id: str = field(default_factory=lambda: "wx" + secrets.token_hex(8))
    app_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    aes_key: str = field(default_factory=lambda: base64.b64encode(os.urandom(32)).decode().rstrip("="))


class FakeBrain:
    """Answers like the real brain (greeting with numbered choices); `delays` slows chosen texts."""

    def __init__(self, delays: dict[str, float] | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.delays = delays or {}

    async def respond(self, sender: str, text: str) -> list[BotMessage]:
        self.calls.append((sender, text))
        await asyncio.sleep(self.delays.get(text, 0))
        if text == "你好":
            buttons = [{"title": title, "payload": f"/p{index}"} for index, title in enumerate(MENU_TITLES)]
            return [{"text": GREETING_TEXT, "buttons": buttons}]  # type: ignore[list-item]
        return [{"text": f"答：{text}"}]


@dataclass
class FakePlatform:
    api: FakeWeChatApi
    url: str


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def platform(account: Account) -> Iterator[FakePlatform]:
    api = FakeWeChatApi(account.app_id, account.app_secret)
    with serve(api.app()) as url:
        yield FakePlatform(api, url)


GatewayFactory = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch, account: Account, platform: FakePlatform) -> GatewayFactory:
    """`with gateway(brain, WECHAT_X="...") as url:` serves /wechat at url with these settings."""

    @contextmanager
    def start(brain: FakeBrain, **env: str) -> Iterator[str]:
        settings = {
            "WECHAT_TOKEN": account.token,
            "WECHAT_APP_ID": account.app_id,
            "WECHAT_APP_SECRET": account.app_secret,
            "WECHAT_ENCODING_AES_KEY": account.aes_key,
            "WECHAT_API_BASE": platform.url,
            **env,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        app = FastAPI()
        mount_wechat(app, brain, MemoryStore(), Deliveries())
        with serve(app) as url:
            yield f"{url}/wechat"

    return start


def simulator(url: str, account: Account, safe_mode: bool = True) -> WeChatSimulator:
    return WeChatSimulator(url, account.token, account.app_id, account.aes_key, safe_mode=safe_mode)


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
