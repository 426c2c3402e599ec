"""The foundation's conversation through POST /api/chat against the real stack."""

from __future__ import annotations

import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.chat import WebCitizen

pytestmark = pytest.mark.e2e


def test_greet_help_out_of_scope_goodbye(stack: Stack) -> None:
    citizen = WebCitizen(stack.gateway_url)

    greeting = citizen.say("你好")
    assert "您好" in greeting[0]["text"]
    menu = greeting[-1]
    assert [button["title"][:3] for button in menu["buttons"]][:4] == ["查账单", "预约（", "办事指", "投诉建"]

    help_reply = citizen.say_text("你能帮我做什么")
    assert "我可以帮您" in help_reply and "转人工" in help_reply

    off_topic = citizen.say_text("明天天气怎么样")
    assert "不在市民服务的范围" in off_topic

    assert "再见" in citizen.say_text("好的 再见")


def test_numbered_choice_picks_the_offered_button(stack: Stack) -> None:
    citizen = WebCitizen(stack.gateway_url)
    citizen.say("帮助")
    assert "12345" in citizen.say_text("5")


def test_bot_challenge(stack: Stack) -> None:
    assert "不是真人" in WebCitizen(stack.gateway_url).say_text("你是机器人吗")


def test_empty_and_oversized_messages_get_polite_answers(stack: Stack) -> None:
    citizen = WebCitizen(stack.gateway_url)
    assert "没有输入内容" in citizen.say_text("   ")
    response = httpx.post(f"{stack.gateway_url}/api/chat", json={"sender": "x", "message": "字" * 5000})
    assert response.status_code == 422
    assert response.json()["message"] == "请求格式不正确，请检查后重试。"


def test_nlu_parse(stack: Stack) -> None:
    response = httpx.post(f"{stack.gateway_url}/api/nlu/parse", json={"text": "转人工"}, timeout=10)
    body = response.json()
    assert body["intent"]["name"] == "human_handoff"
    assert 0 < body["intent"]["confidence"] <= 1
    assert isinstance(body["entities"], list)


def test_health_and_metrics(stack: Stack) -> None:
    ops = {"Authorization": f"Bearer {stack.env['OPS_TOKEN']}"}
    assert httpx.get(f"{stack.gateway_url}/health", timeout=10).json() == {"status": "up"}
    health = httpx.get(f"{stack.gateway_url}/health", headers=ops, timeout=10).json()
    assert health["status"] == "up"
    assert {"rasa", "action_server", "department_sandbox", "store", "database"} <= set(health["dependencies"])
    assert httpx.get(f"{stack.gateway_url}/metrics", timeout=10).status_code in (401, 403, 404)
    WebCitizen(stack.gateway_url).say("你好")
    metrics = httpx.get(f"{stack.gateway_url}/metrics", headers=ops, timeout=10).text
    assert 'gateway_chat_messages_total{channel="web"}' in metrics


def test_web_chat_page_is_served(stack: Stack) -> None:
    page = httpx.get(stack.gateway_url + "/", timeout=10)
    assert page.status_code == 200
    assert "示例市市民服务助手" in page.text
    assert httpx.get(stack.gateway_url + "/static/chat.js", timeout=10).status_code == 200
