"""Complaint hotspots against the real stack: citizens report the same incident in their own
words through /api/chat, a supervisor sees the tickets grouped in GET /api/ops/hotspots, and
the next citizen reporting it is told others did too (已有N位市民反映) and merged."""

from __future__ import annotations

import re

import httpx
import pytest

from scripts.stack import Stack
from tests.conftest import StackAgent
from tests.e2e.chat import WebCitizen

pytestmark = pytest.mark.e2e
TICKET = re.compile(r"12345-\d{8}-\d{4}")
PLACE = "环翠区海滨北路"
REPORTS = (
    "海滨北路夜市的烧烤摊油烟太大了，整条街都是烟",
    "楼下烧烤店天天晚上冒烟，熏得家里全是油烟味",
    "投诉露天烧烤油烟扰民，窗户都不敢开",
)
NEXT = "我要投诉，楼下烧烤店的油烟呛得人喘不过气，天天如此"


def report(citizen: WebCitizen, text: str) -> tuple[str, str]:
    """Files `text` at PLACE anonymously, answering the form's questions in whatever order."""
    reply = citizen.say_text(text)
    for _ in range(6):
        if "已受理" in reply:
            found = TICKET.search(reply)
            assert found, reply
            return found.group(0), reply
        if "对吗" in reply:
            assert "环境保护" in reply, reply
            reply = citizen.say_text("1")
        elif "哪里" in reply or "地点" in reply:
            reply = citizen.say_text(PLACE)
        elif "匿名" in reply:
            reply = citizen.say_text("1")
        else:
            raise AssertionError(f"unexpected question: {reply}")
    raise AssertionError(f"not filed: {reply}")


def test_same_incident_grouped_and_the_next_citizen_merged(stack: Stack, stack_agent: StackAgent) -> None:
    filed = [report(WebCitizen(stack.gateway_url), text)[0] for text in REPORTS]
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as supervisor:
        assert supervisor.get("/api/ops/hotspots").status_code == 401
        login = supervisor.post(
            "/api/agent/login", json={"user": stack_agent.user, "password": stack_agent.password}
        )
        assert login.status_code == 200
        response = supervisor.get("/api/ops/hotspots", params={"days": 1})
        assert response.status_code == 200, response.text
        hotspots = response.json()["hotspots"]
        smoke = next(hotspot for hotspot in hotspots if set(filed) <= set(hotspot["ticket_ids"]))
        assert smoke["category"] == "environment" and "海滨北路" in smoke["place"]
        assert smoke["count"] >= 3 and smoke["heat"] > 0 and smoke["title"]

        ticket_id, reply = report(WebCitizen(stack.gateway_url), NEXT)
        others = re.search(r"已有(\d+)位市民反映同一问题，已合并督办", reply)
        assert others and int(others.group(1)) >= len(REPORTS), reply
        again = supervisor.get("/api/ops/hotspots", params={"days": 1}).json()["hotspots"]
        merged = next(hotspot for hotspot in again if ticket_id in hotspot["ticket_ids"])
        assert merged["id"] == smoke["id"] and set(filed) <= set(merged["ticket_ids"])
