"""The shared access_token and the menu command, against the fake WeChat API over HTTP."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from common.store import MemoryStore
from integrations.wechat.__main__ import main
from integrations.wechat.api import WeChatApi
from integrations.wechat.config import WeChatConfig
from integrations.wechat.menu import load_menu
from tests.wechat.conftest import GREETING_TEXT, Account, FakeBrain, FakePlatform, GatewayFactory


def _config(account: Account, platform: FakePlatform) -> WeChatConfig:
    return WeChatConfig(
        token=account.token, app_id=account.app_id, app_secret=account.app_secret, api_base=platform.url
    )


async def test_concurrent_workers_fetch_one_token(account: Account, platform: FakePlatform) -> None:
    """Two "workers" (clients) sharing one store: many concurrent first uses, one token fetch."""
    store = MemoryStore()
    async with httpx.AsyncClient() as first, httpx.AsyncClient() as second:
        workers = [
            WeChatApi(first, _config(account, platform), store),
            WeChatApi(second, _config(account, platform), store),
        ]
        tokens = await asyncio.gather(*(workers[i % 2].tokens.get() for i in range(20)))
    assert len(set(tokens)) == 1
    assert platform.api.token_requests == 1


async def test_a_burst_of_rejections_refreshes_once(account: Account, platform: FakePlatform) -> None:
    store = MemoryStore()
    async with httpx.AsyncClient() as http:
        api = WeChatApi(http, _config(account, platform), store)
        stale = await api.tokens.get()
        platform.api.revoke_tokens()
        sends = [api.send_text(f"oCitizen{index:016d}", "通知") for index in range(10)]
        results = await asyncio.gather(*sends)
        fresh = await api.tokens.get()
    assert all(results)
    assert fresh != stale
    assert platform.api.token_requests == 2
    assert len(platform.api.delivered) == 10


async def test_wrong_credentials_are_reported_not_retried(account: Account, platform: FakePlatform) -> None:
    config = WeChatConfig(token="t", app_id=account.app_id, app_secret="wrong", api_base=platform.url)
    async with httpx.AsyncClient() as http:
        assert not await WeChatApi(http, config, MemoryStore()).send_text("oCitizen0000000001", "通知")
    assert (platform.api.token_requests, platform.api.send_calls) == (1, 0)


def test_install_menu_command(
    monkeypatch: pytest.MonkeyPatch,
    account: Account,
    platform: FakePlatform,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WECHAT_APP_ID", account.app_id)
    monkeypatch.setenv("WECHAT_APP_SECRET", account.app_secret)
    monkeypatch.setenv("WECHAT_API_BASE", platform.url)
    monkeypatch.setenv("REDIS_URL", "")
    assert main(["install-menu"]) == 0
    assert platform.api.menus == [load_menu().definition()]
    assert "菜单已安装" in capsys.readouterr().out


def test_install_menu_without_credentials_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WECHAT_APP_ID", raising=False)
    assert main(["install-menu"]) == 2
    assert "WECHAT_APP_ID" in capsys.readouterr().err


def test_simulate_command_prints_the_decrypted_reply_and_the_retry(
    gateway: GatewayFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    brain = FakeBrain()
    with gateway(brain) as url:
        assert (
            main(["simulate", "--url", url, "--openid", "oDemoZhangWei0001", "--retries", "1", "你好"]) == 0
        )
    out = capsys.readouterr().out
    assert f"回复:\n{GREETING_TEXT}" in out
    assert f"重试:\n{GREETING_TEXT}" in out
    assert brain.calls == [("wechat:oDemoZhangWei0001", "你好")]
