"""Service guides, life events and the knowledge-base fallback through POST /api/chat against
the real stack (NLU, rules, action server with the real retriever)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from actions.guides.replies import CLARIFY_TEXT, KB_UNAVAILABLE_TEXT, NO_GUIDE_TEXT, guide_payload
from knowledge_base.life_events import load_life_events
from scripts.stack import Stack
from tests.e2e.chat import WebCitizen

pytestmark = pytest.mark.e2e
KB_LOAD_DEADLINE_SECONDS = 300


@pytest.fixture(scope="module")
def knowledge_base_ready(stack: Stack) -> None:
    """The action server builds its retriever in the background after it reports healthy;
    ask its FAQ action directly until the knowledge base answers (a readiness wait, not a
    timed assertion)."""
    call = {
        "next_action": "action_faq_fallback",
        "sender_id": "e2e:kb-ready",
        "version": "3.6.0",
        "domain": {},
        "tracker": {
            "sender_id": "e2e:kb-ready",
            "slots": {},
            "latest_message": {"text": "公积金怎么取", "intent": {"name": "nlu_fallback"}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }
    deadline = time.monotonic() + KB_LOAD_DEADLINE_SECONDS
    token = {"token": stack.env["ACTION_SERVER_TOKEN"]}
    with httpx.Client(base_url=stack.env["ACTION_SERVER_URL"], timeout=30, params=token) as client:
        while time.monotonic() < deadline:
            responses = client.post("/webhook", json=call).json()["responses"]
            if all(response.get("text") != KB_UNAVAILABLE_TEXT for response in responses):
                return
    pytest.fail("the action server's knowledge base did not become ready")


@pytest.fixture
def citizen(stack: Stack, knowledge_base_ready: None) -> WebCitizen:
    return WebCitizen(stack.gateway_url)


def kb_ids(messages: list[dict[str, Any]]) -> list[str]:
    return [message["custom"]["kb_id"] for message in messages if "kb_id" in message.get("custom", {})]


def buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [button for message in messages for button in message.get("buttons", [])]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message.get("text", "") for message in messages)


def test_a_guide_question_is_answered_with_its_entry_id(citizen: WebCitizen) -> None:
    reply = citizen.say("护照怎么办")
    assert kb_ids(reply) == ["passport.apply"]
    tagged = next(message for message in reply if message.get("custom"))
    assert "护照" in tagged["text"], "the entry id travels on the text it belongs to"


def test_the_asked_part_then_a_follow_up_on_the_same_guide(citizen: WebCitizen) -> None:
    materials = citizen.say("办身份证要带什么")
    assert kb_ids(materials) == ["id_card.apply_first"]
    assert "需要准备" in texts(materials)
    fee = citizen.say("要多少钱")
    assert kb_ids(fee) == ["id_card.apply_first"]
    assert "的费用" in texts(fee)


def test_two_parts_asked_at_once(citizen: WebCitizen) -> None:
    reply = citizen.say("结婚登记在哪办几点上班")
    assert kb_ids(reply) == ["marriage.register"]
    assert "办理地点" in texts(reply) and "办理时间" in texts(reply)


def test_a_life_event_offers_numbered_services_and_2_opens_the_second(citizen: WebCitizen) -> None:
    bundle = load_life_events()["birth"]
    offered = citizen.say("孩子刚出生")
    assert [button["payload"] for button in buttons(offered)] == [
        guide_payload(topic) for topic in bundle.topics
    ]
    picked = citizen.say("2")
    assert kb_ids(picked) == [bundle.topics[1]]


def test_a_clarification_is_picked_by_number(citizen: WebCitizen) -> None:
    offered = citizen.say("证件丢了怎么办")
    assert CLARIFY_TEXT in texts(offered)
    choices = buttons(offered)
    assert 2 <= len(choices) <= 3
    assert all(choice["payload"].startswith("/ask_service_guide") for choice in choices)
    picked = citizen.say("第二个")
    assert [guide_payload(entry_id) for entry_id in kb_ids(picked)] == [choices[1]["payload"]]


def test_an_uncovered_city_matter_gets_an_honest_answer_and_the_human_route(citizen: WebCitizen) -> None:
    # A city matter the knowledge base has no guide for: not out of scope, not a sibling's guide.
    reply = citizen.say("无人机飞行要去哪里报备")
    assert texts(reply) == NO_GUIDE_TEXT
    assert "12345" in NO_GUIDE_TEXT and "转人工" in NO_GUIDE_TEXT
    assert buttons(reply) == [{"title": "转人工", "payload": "/human_handoff"}]
    assert kb_ids(reply) == []


def test_a_made_up_permit_is_not_answered_with_another_guide(citizen: WebCitizen) -> None:
    # "无人机登记备案" used to get the rental-contract guide (the shared words 登记/备案).
    reply = citizen.say("船舶登记要带什么")
    assert texts(reply) == NO_GUIDE_TEXT
    assert kb_ids(reply) == []


def test_renting_out_a_flat_is_a_city_question_not_out_of_scope(citizen: WebCitizen) -> None:
    reply = citizen.say("出租自己的房子需要去哪里登记")
    assert "不在市民服务的范围" not in texts(reply)
    assert guide_payload("property.rental_filing") in [
        button["payload"] for button in buttons(reply)
    ] or kb_ids(reply) == ["property.rental_filing"]


def test_off_topic_still_gets_the_out_of_scope_answer(citizen: WebCitizen) -> None:
    assert "不在市民服务的范围" in citizen.say_text("明天天气怎么样")


def test_a_bereaved_citizen_gets_the_right_services_and_tone(citizen: WebCitizen) -> None:
    reply = citizen.say_text("我父亲去世了，要办哪些手续")
    assert "节哀" in reply and "恭喜" not in reply
    assert "死亡证明" in reply and "注销户口" in reply and "结婚" not in reply


def test_frustration_gets_an_apology_and_a_person_not_a_rating(citizen: WebCitizen) -> None:
    reply = citizen.say("破系统没用")
    text = "\n".join(item.get("text", "") for item in reply)
    assert "抱歉" in text and "评价" not in text
    assert any(button["payload"] == "/human_handoff" for item in reply for button in item.get("buttons", []))


def test_vaccination_is_a_service_question_not_a_complaint(citizen: WebCitizen) -> None:
    reply = citizen.say_text("宝宝打疫苗怎么预约")
    assert "投诉" not in reply and "发生了什么" not in reply
    assert "疫苗" in reply
