"""The WeChat channel notes what users push for the notices, over the real /wechat endpoint:
messages and menu clicks open the 48-hour window, an unfollow does not, the subscription
pop-up's accepts become grants and a later reject withdraws them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi import FastAPI

from bot.delivery import Deliveries
from common.settings import Settings
from common.store import MemoryStore
from integrations.wechat.router import mount_wechat
from notices.contacts import ContactStore
from notices.models import utc_now
from tests.servers import serve
from tests.wechat.conftest import Account, FakeBrain, FakePlatform, simulator
from tests.wechat.conftest import account as account  # the WeChat suites' fixtures, re-exported
from tests.wechat.conftest import platform as platform

TEMPLATE = "sub-tpl-ticket"


async def _until(check: object, what: str) -> None:
    for _ in range(200):  # the channel notes off the reply's path
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_what_users_push_is_noted_for_the_notices(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, account: Account, platform: FakePlatform
) -> None:
    for name, value in {
        "WECHAT_TOKEN": account.token,
        "WECHAT_APP_ID": account.app_id,
        "WECHAT_APP_SECRET": account.app_secret,
        "WECHAT_ENCODING_AES_KEY": account.aes_key,
        "WECHAT_API_BASE": platform.url,
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(state_dir=tmp_path)
    app = FastAPI()
    app.state.settings = settings
    mount_wechat(app, FakeBrain(), MemoryStore(), Deliveries())
    contacts = ContactStore(settings.assistant_database_url)
    assert await contacts.grants_left("wechat:oWriter", TEMPLATE) == 0  # the tables exist before the pushes
    with serve(app) as url:
        async with simulator(f"{url}/wechat", account) as wechat:
            await wechat.push(wechat.event("oQuiet", "unsubscribe"))
            await wechat.push(wechat.event("oClicker", "CLICK", "MENU_BILLS"))
            assert (await wechat.say("oWriter", "查水费")).text == "答：查水费"
            popup = wechat.subscription_choice("oWriter", {TEMPLATE: True, "another": False})
            assert (await wechat.push(popup)).is_success
            await _until(
                lambda: contacts.grants_left("wechat:oWriter", TEMPLATE), "the accepted subscription"
            )
            await _until(lambda: contacts.within_window("wechat:oClicker", utc_now()), "the click noted")
            assert await contacts.within_window("wechat:oWriter", utc_now())
            assert not await contacts.within_window("wechat:oQuiet", utc_now())
            change = wechat.subscription_choice("oWriter", {TEMPLATE: False}, "subscribe_msg_change_event")
            await wechat.push(change)

            async def withdrawn() -> bool:
                return await contacts.grants_left("wechat:oWriter", TEMPLATE) == 0

            await _until(withdrawn, "the subscription withdrawn")
