"""The real gateway app (`bot.app.create_app`) served over HTTP by uvicorn, with Rasa down, a fake
brain standing in for it and WeChat simulated exactly (tests/wechat): what an attacker reaches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

import bot.app
from bot.app import create_app
from integrations.wechat.fake_api import FakeWeChatApi
from tests.bot.offline import settings_without_rasa
from tests.servers import serve
from tests.wechat.conftest import Account, FakeBrain, FakePlatform


class ClientRecorder:
    """ASGI wrapper that notes each HTTP request's client address: the same (host, port) twice
    means the client reused its keep-alive connection."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.clients: list[tuple[str, int]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("client"):
            self.clients.append(tuple(scope["client"]))  # type: ignore[arg-type]
        await self.app(scope, receive, send)


@dataclass
class Gateway:
    url: str
    app: FastAPI
    brain: FakeBrain
    recorder: ClientRecorder
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def wechat_url(self) -> str:
        return f"{self.url}/wechat"


GatewayFactory = Callable[..., AbstractContextManager[Gateway]]


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def platform(account: Account) -> Iterator[FakePlatform]:
    """WeChat's API (access_token, customer-service messages), faked on loopback."""
    api = FakeWeChatApi(account.app_id, account.app_secret)
    with serve(api.app()) as url:
        yield FakePlatform(api, url)


@pytest.fixture
def gateway(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, account: Account, platform: FakePlatform
) -> GatewayFactory:
    """`with gateway(WECHAT_X="...", setup=fn) as gw:` serves the whole gateway; WeChat runs in
    safe mode unless WECHAT_ENCODING_AES_KEY="" is passed; `setup(app)` may add test routes."""

    @contextmanager
    def start(setup: Callable[[FastAPI], None] | None = None, **env: str) -> Iterator[Gateway]:
        settings = {
            "WECHAT_TOKEN": account.token,
            "WECHAT_APP_ID": account.app_id,
            "WECHAT_APP_SECRET": account.app_secret,
            "WECHAT_ENCODING_AES_KEY": account.aes_key,
            "WECHAT_API_BASE": platform.url,
            "AGENT_USERS": "",
            "ALIPAY_APP_ID": "",
            "REDIS_URL": "",
            "DATABASE_URL": "",
            **env,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        brain = FakeBrain()
        monkeypatch.setattr(bot.app, "RasaBrain", lambda *_args: brain)
        app = create_app(settings_without_rasa(tmp_path))
        if setup is not None:
            setup(app)
        recorder = ClientRecorder(app)
        with serve(recorder) as url:
            yield Gateway(url, app, brain, recorder)

    return start
