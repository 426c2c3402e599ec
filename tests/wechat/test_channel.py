"""/wechat over real HTTP, pushed by the simulator, with a fake brain and a fake WeChat API."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastapi import FastAPI
from wechatpy import parse_message

from bot.delivery import Deliveries
from common.store import MemoryStore
from integrations.wechat.api import WeChatApi
from integrations.wechat.channel import (
    IMAGE_REPLY,
    UNKNOWN_MENU_REPLY,
    VOICE_UNRECOGNISED_REPLY,
    WeChatChannel,
)
from integrations.wechat.config import WeChatConfig
from integrations.wechat.menu import load_menu
from integrations.wechat.protocol import sign
from integrations.wechat.router import NOT_CONFIGURED, mount_wechat
from integrations.wechat.simulator import Push, render_xml
from tests.servers import serve
from tests.wechat.conftest import (
    GREETING_TEXT,
    Account,
    FakeBrain,
    FakePlatform,
    GatewayFactory,
    simulator,
)

OPENID = "oTestCitizen000000000001"
SLOW = "慢慢来"


async def test_url_verification_echoes_only_signed_requests(
    gateway: GatewayFactory, account: Account
) -> None:
    with gateway(FakeBrain()) as url:
        async with simulator(url, account) as wechat:
            assert (await wechat.verify_url("echo-123")).text == "echo-123"
        async with httpx.AsyncClient() as http:
            stamp = str(int(time.time()))
            forged = {
                "signature": sign("guess", stamp, "1"),
                "timestamp": stamp,
                "nonce": "1",
                "echostr": "x",
            }
            refused = await http.get(url, params=forged)
    assert (refused.status_code, refused.text) == (403, "forbidden")


async def test_safe_mode_text_is_answered_passively_with_numbered_choices(
    gateway: GatewayFactory, account: Account
) -> None:
    brain = FakeBrain()
    with gateway(brain) as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(OPENID, "你好")
    assert reply.status_code == 200
    assert reply.fields["ToUserName"] == OPENID
    assert reply.text == f"{GREETING_TEXT}\n1. 查账单\n2. 预约办事\n3. 办事指南\n请回复数字选择。"
    assert brain.calls == [(f"wechat:{OPENID}", "你好")]


async def test_plain_mode_text_is_answered_in_plain_xml(gateway: GatewayFactory, account: Account) -> None:
    with gateway(FakeBrain(), WECHAT_ENCODING_AES_KEY="") as url:
        async with simulator(url, account, safe_mode=False) as wechat:
            reply = await wechat.say(OPENID, "查水费")
    assert "<Encrypt>" not in reply.body
    assert reply.text == "答：查水费"


async def test_unconfigured_channel_answers_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WECHAT_TOKEN", raising=False)
    app = FastAPI()
    mount_wechat(app, FakeBrain(), MemoryStore(), Deliveries())
    with serve(app) as url:
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{url}/wechat", content=b"<xml></xml>")
    assert (response.status_code, response.text) == (503, NOT_CONFIGURED)
    assert "暂未开通" in response.text and "12345" in response.text


def _tampered(push: Push, **params: str) -> Push:
    return Push({**push.params, **params}, push.body, push.fields)


async def test_refusals_reach_no_brain_and_leak_nothing(gateway: GatewayFactory, account: Account) -> None:
    brain = FakeBrain()
    with gateway(brain, WECHAT_MAX_BODY_BYTES="4096") as url:
        async with simulator(url, account) as wechat, httpx.AsyncClient() as http:
            good = wechat.text(OPENID, "你好")
            bad_signature = await wechat.push(_tampered(good, signature="0" * 40))
            bad_msg_signature = await wechat.push(_tampered(good, msg_signature="0" * 40))
            stale = await wechat.push(
                wechat.build(OPENID, {"MsgType": "text", "Content": "x", "MsgId": 9}, 1)
            )

            stamp, nonce = str(int(time.time())), "42"
            signed = {"signature": sign(account.token, stamp, nonce), "timestamp": stamp, "nonce": nonce}
            bomb = (
                b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><Content>&b;</Content></xml>'
            )
            dtd = await http.post(url, params=signed, content=bomb)
            oversize = await http.post(url, params=signed, content=b"<xml>" + b"a" * 5000 + b"</xml>")

            async def chunks():  # no Content-Length: the cap must hold while streaming
                for _ in range(10):
                    yield b"a" * 1000

            streamed = await http.post(url, params=signed, content=chunks())
            not_a_message = await http.post(url, params=signed, content=b"<xml><Foo>1</Foo></xml>")
            bad_msg_id = await wechat.push(
                wechat.build(OPENID, {"MsgType": "text", "Content": "x", "MsgId": "x"})
            )
    assert (bad_signature.status_code, bad_signature.body) == (403, "forbidden")
    assert (bad_msg_signature.status_code, stale.status_code) == (403, 403)
    assert (dtd.status_code, dtd.text) == (400, "bad request")
    assert (oversize.status_code, oversize.text) == (413, "payload too large")
    assert streamed.status_code == 413
    assert not_a_message.status_code == bad_msg_id.status_code == 400
    assert brain.calls == []


async def test_events_and_message_types(gateway: GatewayFactory, account: Account) -> None:
    brain = FakeBrain()
    sender = f"wechat:{OPENID}"
    with gateway(brain) as url:
        async with simulator(url, account) as wechat:
            subscribed = await wechat.push(wechat.event(OPENID, "subscribe"))
            clicked = await wechat.push(wechat.event(OPENID, "CLICK", "BILLS"))
            unknown_click = await wechat.push(wechat.event(OPENID, "CLICK", "NO_SUCH_KEY"))
            viewed = await wechat.push(wechat.event(OPENID, "VIEW", "https://example.org"))
            located = await wechat.push(wechat.location(OPENID, "示例市政务服务中心"))
            image = await wechat.push(wechat.image(OPENID))
            heard = await wechat.push(wechat.voice(OPENID, "我要交电费。"))
            unheard = await wechat.push(wechat.voice(OPENID, None))
            unsubscribed = await wechat.push(wechat.event(OPENID, "unsubscribe"))
    assert subscribed.text is not None and subscribed.text.startswith(GREETING_TEXT)
    assert "1. 查账单" in subscribed.text
    assert clicked.text == "答：我的账单"
    assert unknown_click.text == UNKNOWN_MENU_REPLY
    assert viewed.is_success and unsubscribed.is_success
    assert located.text is not None and located.text.startswith("收到您的位置：示例市政务服务中心")
    assert image.text == IMAGE_REPLY
    assert heard.text == "答：我要交电费"
    assert unheard.text == VOICE_UNRECOGNISED_REPLY
    assert brain.calls == [(sender, "你好"), (sender, "我的账单"), (sender, "我要交电费")]


async def test_slow_answer_goes_out_through_the_customer_service_api(
    gateway: GatewayFactory, account: Account, platform: FakePlatform
) -> None:
    brain = FakeBrain(delays={SLOW: 2.0})
    with gateway(brain, WECHAT_REPLY_DEADLINE_SECONDS="0.3") as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(OPENID, SLOW)
            delivered = await asyncio.to_thread(platform.api.wait_for_deliveries, 1)
    assert reply.is_success
    assert delivered == [{"touser": OPENID, "msgtype": "text", "text": {"content": f"答：{SLOW}"}}]
    assert platform.api.token_requests == 1


async def test_retries_of_one_msgid_reach_the_brain_once(gateway: GatewayFactory, account: Account) -> None:
    """A retry arriving while the first attempt is still running waits for its answer."""
    brain = FakeBrain(delays={"第一": 0.5})
    with gateway(brain) as url:
        async with simulator(url, account) as wechat:
            push = wechat.text(OPENID, "第一")
            first, retry = await asyncio.gather(wechat.push(push), wechat.push(push))
            late_retry = await wechat.push(push)
    assert first.text == retry.text == late_retry.text == "答：第一"
    assert brain.calls == [(f"wechat:{OPENID}", "第一")]


async def test_retry_after_the_deadline_gets_success_and_one_delivery(
    gateway: GatewayFactory, account: Account, platform: FakePlatform
) -> None:
    brain = FakeBrain(delays={SLOW: 1.0})
    with gateway(brain, WECHAT_REPLY_DEADLINE_SECONDS="0.2") as url:
        async with simulator(url, account) as wechat:
            push = wechat.text(OPENID, SLOW)
            first = await wechat.push(push)
            retry = await wechat.push(push)
            await asyncio.to_thread(platform.api.wait_for_deliveries, 1)
            after_delivery = await wechat.push(push)
    assert first.is_success and retry.is_success and after_delivery.is_success
    assert len(brain.calls) == 1
    assert platform.api.texts_to(OPENID) == [f"答：{SLOW}"]


async def test_an_invalid_token_is_refreshed_once_and_the_message_still_arrives(
    gateway: GatewayFactory, account: Account, platform: FakePlatform
) -> None:
    platform.api.send_failures.append(40001)
    with gateway(FakeBrain(delays={SLOW: 0.5}), WECHAT_REPLY_DEADLINE_SECONDS="0.1") as url:
        async with simulator(url, account) as wechat:
            assert (await wechat.say(OPENID, SLOW)).is_success
            await asyncio.to_thread(platform.api.wait_for_deliveries, 1)
    assert platform.api.texts_to(OPENID) == [f"答：{SLOW}"]
    assert (platform.api.token_requests, platform.api.send_calls) == (2, 2)


@pytest.mark.parametrize("errcode", [45015, 45047])
async def test_too_late_or_too_many_is_dropped_not_retried(
    gateway: GatewayFactory, account: Account, platform: FakePlatform, errcode: int
) -> None:
    platform.api.send_failures.append(errcode)
    with gateway(FakeBrain(delays={SLOW: 0.3}), WECHAT_REPLY_DEADLINE_SECONDS="0.1") as url:
        async with simulator(url, account) as wechat:
            assert (await wechat.say(OPENID, SLOW)).is_success
    # leaving the block stopped the gateway, which first let its pending delivery finish
    assert (platform.api.send_calls, platform.api.delivered, platform.api.token_requests) == (1, [], 1)


class UnreachableStore(MemoryStore):
    """Redis down: every call fails."""

    async def get(self, key: str) -> str | None:
        raise ConnectionError("store down")

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        raise ConnectionError("store down")

    async def set_if_absent(self, key: str, value: str, ttl_seconds: float) -> bool:
        raise ConnectionError("store down")


async def test_a_store_outage_does_not_leave_the_citizen_without_an_answer() -> None:
    config = WeChatConfig(token="t", app_id="wx1")
    store = UnreachableStore()
    async with httpx.AsyncClient() as http:
        channel = WeChatChannel(config, FakeBrain(), store, WeChatApi(http, config, store), load_menu())
        xml = render_xml(
            {"FromUserName": OPENID, "CreateTime": 1, "MsgType": "text", "Content": "你好", "MsgId": 5}
        )
        answer = await channel.handle(parse_message(xml))
    assert answer is not None and answer.startswith(GREETING_TEXT)
