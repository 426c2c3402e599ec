"""The agent console's back-office steps through the real stack: Rasa reads the caller's
words, the suggestion comes prefilled, and the prefilled form files or looks up for real."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def action_of(agent: httpx.Client, text: str) -> dict:
    response = agent.post("/api/agent/suggest", json={"text": text})
    assert response.status_code == 200
    [action] = [item for item in response.json()["suggestions"] if item["kind"] == "action"]
    return action


def test_a_complaint_call_becomes_a_ticket_from_the_prefilled_form(
    agent: httpx.Client, sandbox: httpx.Client
) -> None:
    text = "环翠区文化中路楼下烧烤店油烟太大了，天天晚上熏，我电话13912345678"
    action = action_of(agent, text)
    assert action["id"] == "open_complaint"
    prefill = action["prefill"]
    assert prefill == {
        "category": "environment",
        "content": text,
        "location": "环翠区文化中路",
        "phone": "13912345678",
    }
    form = {**prefill, "name": "刘先生", "anonymous": False}
    filed = agent.post("/api/agent/complaints", json=form, headers={"Idempotency-Key": "e2e-form-1"})
    assert filed.status_code == 201
    ticket = sandbox.get(f"/complaints/v1/tickets/{filed.json()['ticket_id']}").json()
    assert ticket["category"] == "environment" and ticket["department"] == "市生态环境局"
    assert ticket["description"] == text and ticket["contact_phone"] == "13912345678"


def test_a_bill_call_is_looked_up_from_the_prefilled_form(agent: httpx.Client) -> None:
    action = action_of(agent, "帮我查一下水费，户号3100012345")
    assert action["id"] == "lookup_bill"
    assert action["prefill"] == {"bill_type": "water", "account": "3100012345"}
    answer = agent.post("/api/agent/lookup/bill", json=action["prefill"]).json()
    assert answer["found"] is True and "86.40元" in answer["text"]
