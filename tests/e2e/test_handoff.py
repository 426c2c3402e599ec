"""Human handoff through the real stack: Rasa recognises the request, the gateway queues the
chat, an agent claims and answers it through the console API, the web citizen receives the
answer, the bot stays silent meanwhile, and "结束" gives the chat back to the bot."""

from __future__ import annotations

import httpx
import pytest

from actions.guides.replies import NO_GUIDE_TEXT
from scripts.stack import Stack
from tests.e2e.chat import WebCitizen

pytestmark = pytest.mark.e2e


def queued_item(agent: httpx.Client, last_message: str) -> dict:
    """The open handoff whose citizen last said `last_message` (the console shows no sender ids)."""
    items = agent.get("/api/agent/handoffs").json()["items"]
    [item] = [item for item in items if item["last_message"] == last_message]
    return item


def test_a_citizen_asks_for_a_person_and_an_agent_answers(stack: Stack, agent: httpx.Client) -> None:
    citizen = WebCitizen(stack.gateway_url)
    citizen.say("我家水费怎么这么高")
    handed = citizen.say("我要找人工客服")
    assert "正在为您转接人工客服" in handed[-1]["text"] and "12345" in handed[-1]["text"]
    cursor = handed[-1]["custom"]["handoff_cursor"]
    waiting = f"户号是3100012345，我等着（{citizen.sender}）"
    assert "人工客服马上就来" in citizen.say_text(waiting)

    item = queued_item(agent, waiting)
    assert item["reason"] == "requested" and item["channel"] == "web" and item["status"] == "queued"
    transcript = agent.get(f"/api/agent/handoffs/{item['id']}").json()["messages"]
    assert [m["author"] for m in transcript][:2] == ["citizen", "bot"]

    assert agent.post(f"/api/agent/handoffs/{item['id']}/claim").status_code == 200
    sent = agent.post(f"/api/agent/handoffs/{item['id']}/reply", json={"text": "您好，我帮您看看水费。"})
    assert sent.json()["delivered"] is True
    assert citizen.say("好的，谢谢") == []  # Rasa does not answer while the agent owns the chat

    updates = httpx.get(
        f"{stack.gateway_url}/api/chat/updates", params={"sender": citizen.sender, "after": cursor}
    ).json()
    assert updates["handoff"] == "claimed"
    assert [m["text"] for m in updates["messages"]][-1] == "您好，我帮您看看水费。"
    log = agent.get(f"/api/agent/handoffs/{item['id']}").json()["messages"]
    assert log[-1]["author"] == "citizen" and log[-1]["text"] == "好的，谢谢"

    assert "智能助手继续为您服务" in citizen.say_text("结束")
    assert "您好" in citizen.say_text("你好")  # the bot is back
    assert all(i["id"] != item["id"] for i in agent.get("/api/agent/handoffs").json()["items"])


def test_the_bot_hands_over_after_failing_twice(stack: Stack, agent: httpx.Client) -> None:
    """Two city questions in a row the assistant has no answer for (matters without a guide)
    hand the citizen over; requests the city does not serve are declined instead and never
    queue (the next test)."""
    citizen = WebCitizen(stack.gateway_url)
    first = citizen.say_text("无人机飞行要去哪里报备")
    assert NO_GUIDE_TEXT in first and "转接" not in first
    second = f"船舶登记去哪里办（{citizen.sender}）"
    assert "抱歉，我没能帮上您。" in citizen.say_text(second)
    item = queued_item(agent, second)
    assert item["reason"] == "bot_failed"
    assert "智能助手继续为您服务" in citizen.say_text("结束")


def test_phone_commands_and_chit_chat_never_reach_the_agents(stack: Stack, agent: httpx.Client) -> None:
    citizen = WebCitizen(stack.gateway_url)
    said = [
        f"打电话给张三（{citizen.sender}）",
        "双色球开奖号码多少",
        "帮我写一首关于月亮的诗",
        "今晚世界杯谁赢",
    ]
    for text in said:
        reply = citizen.say_text(text)
        assert reply and "转接" not in reply and "排队" not in reply, reply
    items = agent.get("/api/agent/handoffs").json()["items"]
    assert not [item for item in items if item["last_message"] in said]
