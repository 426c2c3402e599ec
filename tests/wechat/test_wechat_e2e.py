"""/wechat against the real stack (sandbox, action server, Rasa): WeChat's side is simulated
exactly (signed, AES-encrypted pushes; a fake API server for customer-service messages)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from prometheus_client import REGISTRY

from bot.agent_auth import hash_password
from integrations.wechat.menu import load_menu
from integrations.wechat.protocol import sign
from scripts.stack import Stack
from tests.conftest import StackAgent
from tests.wechat.conftest import Account, FakePlatform, StackGateway, simulator

pytestmark = pytest.mark.e2e

ZHANG_WEI = "oDemoZhangWei0001"


def _greeting_with_menu(text: str | None) -> bool:
    return text is not None and "您好" in text and "1. 查账单" in text and "请回复数字选择。" in text


def _wechat_brain_calls() -> float:
    return REGISTRY.get_sample_value("gateway_chat_messages_total", {"channel": "wechat"}) or 0.0


async def test_safe_mode_greeting_is_answered_passively(
    stack_gateway: StackGateway, account: Account
) -> None:
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(ZHANG_WEI, "你好")
    assert reply.status_code == 200 and "<Encrypt>" in reply.body
    assert _greeting_with_menu(reply.text), reply.text


async def test_subscribe_gets_the_welcome_menu(stack_gateway: StackGateway, account: Account) -> None:
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.push(wechat.event(f"oNewFollower{int(time.time() * 1000)}", "subscribe"))
    assert _greeting_with_menu(reply.text), reply.text


async def test_slow_department_answer_arrives_as_customer_service_message(
    stack: Stack, stack_gateway: StackGateway, account: Account, platform: FakePlatform
) -> None:
    sandbox = stack.env["SANDBOX_URL"]
    async with httpx.AsyncClient(timeout=10, headers=stack.sandbox_headers) as http:
        armed = await http.post(f"{sandbox}/_faults/population", json={"mode": "slow", "delay_seconds": 2.5})
        armed.raise_for_status()
        try:
            with stack_gateway(WECHAT_REPLY_DEADLINE_SECONDS="1") as url:
                async with simulator(url, account) as wechat:
                    reply = await wechat.say(ZHANG_WEI, "你好")
                    delivered = await asyncio.to_thread(platform.api.wait_for_deliveries, 1, 60)
        finally:
            await http.delete(f"{sandbox}/_faults")
    assert reply.is_success
    assert [item["touser"] for item in delivered] == [ZHANG_WEI]
    assert _greeting_with_menu(delivered[0]["text"]["content"]), delivered


async def test_retried_msgid_is_answered_once(stack_gateway: StackGateway, account: Account) -> None:
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            push = wechat.text(f"oRetryCitizen{int(time.time() * 1000)}", "怎么办护照")
            before = _wechat_brain_calls()
            first = await wechat.push(push)
            retry = await wechat.push(push)
            after = _wechat_brain_calls()
    assert first.text and first.text == retry.text
    assert after - before == 1


MENU_INTENTS = {
    "BILLS": "query_bill",
    "APPOINTMENT": "book_appointment",
    "MY_APPOINTMENTS": "list_appointments",
    "GUIDE": "ask_service_guide",
    "COMPLAINT": "file_complaint",
    "COMPLAINT_PROGRESS": "query_complaint",
    "HUMAN": "human_handoff",
}


async def test_every_menu_click_is_understood_as_its_intent(stack: Stack) -> None:
    menu = load_menu()
    assert set(menu.clicks) == set(MENU_INTENTS)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:
        for key, intent in MENU_INTENTS.items():
            parsed = (await http.post("/api/nlu/parse", json={"text": menu.utterance(key)})).json()
            assert parsed["intent"]["name"] == intent, (key, parsed["intent"])


async def test_menu_click_reaches_the_dialogue(stack_gateway: StackGateway, account: Account) -> None:
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.push(
                wechat.event(f"oMenuClicker{int(time.time() * 1000)}", "CLICK", "HUMAN")
            )
    assert reply.text is not None and "12345" in reply.text, reply.text


async def test_bad_signature_is_refused(stack_gateway: StackGateway, account: Account) -> None:
    with stack_gateway() as url:
        async with httpx.AsyncClient() as http:
            stamp = str(int(time.time()))
            params = {"signature": sign("not-the-token", stamp, "7"), "timestamp": stamp, "nonce": "7"}
            response = await http.post(url, params=params, content=b"<xml><MsgType>text</MsgType></xml>")
    assert (response.status_code, response.text) == (403, "forbidden")


async def test_safe_mode_bill_query_of_a_linked_citizen_needs_no_account_number(
    stack_gateway: StackGateway, account: Account
) -> None:
    """张伟's openid is linked to his accounts by the city: "查水费" answers at once."""
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(ZHANG_WEI, "查水费")
    assert reply.text is not None and "310***2345" in reply.text and "86.40元" in reply.text, reply.text
    assert "3100012345" not in reply.text


async def test_an_agent_answers_a_wechat_citizen_through_the_customer_service_api(
    stack_gateway: StackGateway, account: Account, platform: FakePlatform, stack_agent: StackAgent
) -> None:
    openid = f"oHandoff{int(time.time() * 1000)}"
    agents = f"{stack_agent.user}:{hash_password(stack_agent.password)}"
    with stack_gateway(AGENT_USERS=agents) as url:
        async with (
            simulator(url, account) as wechat,
            httpx.AsyncClient(base_url=url.removesuffix("/wechat"), timeout=30) as agent,
        ):
            login = {"user": stack_agent.user, "password": stack_agent.password}
            assert (await agent.post("/api/agent/login", json=login)).status_code == 200
            await agent.get("/api/agent/handoffs")
            queued = await wechat.say(openid, "转人工")
            assert queued.text is not None and "正在为您转接人工客服" in queued.text, queued.text
            waiting = f"我是{openid}，户号3100012345"
            assert "人工客服马上就来" in ((await wechat.say(openid, waiting)).text or "")

            items = (await agent.get("/api/agent/handoffs")).json()["items"]
            [item] = [item for item in items if item["last_message"] == waiting]
            assert item["channel"] == "wechat"
            assert (await agent.post(f"/api/agent/handoffs/{item['id']}/claim")).status_code == 200
            sent = await agent.post(
                f"/api/agent/handoffs/{item['id']}/reply", json={"text": "您好，我来帮您查。"}
            )
            assert sent.json()["delivered"] is True
            pushed = await asyncio.to_thread(platform.api.wait_for_deliveries, 2, 30)
            assert [entry["touser"] for entry in pushed] == [openid, openid]
            assert platform.api.texts_to(openid) == [
                "人工客服已接入，请问有什么可以帮您？",
                "【人工客服】您好，我来帮您查。",
            ]

            before = _wechat_brain_calls()
            silent = await wechat.say(openid, "好的")
            assert (
                silent.is_success and silent.text is None
            )  # the bot says nothing while the agent has the chat
            assert "智能助手继续为您服务" in ((await wechat.say(openid, "结束")).text or "")
            assert _wechat_brain_calls() == before  # neither message reached Rasa
            assert "您好" in ((await wechat.say(openid, "你好")).text or "")


async def test_a_linked_wechat_user_gets_their_records_without_sms(
    stack_gateway: StackGateway, account: Account
) -> None:
    """The platform vouches for a WeChat user the city links to a citizen: no verification step."""
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(ZHANG_WEI, "我社保交了多少个月")
    assert reply.text and "219 个月" in reply.text and "验证" not in reply.text
