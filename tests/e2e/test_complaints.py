"""Complaints to 12345 through POST /api/chat against the real stack: a free-text
description filed as a ticket, a ticket's status, and one rating once it is closed."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.chat import WebCitizen

pytestmark = pytest.mark.e2e
TICKET = re.compile(r"12345-\d{8}-\d{4}")


def file_complaint(citizen: WebCitizen) -> str:
    assert "哪里" in citizen.say_text("楼下烧烤店油烟太大了")
    assert "匿名" in citizen.say_text("环翠区文化中路88号")
    confirm = citizen.say_text("1")
    assert "归类为：环境保护" in confirm and "对吗" in confirm and "联系方式：匿名" in confirm
    filed = citizen.say_text("1")
    assert "已受理" in filed and "市生态环境局" in filed
    found = TICKET.search(filed)
    assert found, filed
    return found.group(0)


def test_complaint_from_a_free_text_description(citizen: WebCitizen, sandbox: httpx.Client) -> None:
    ticket_id = file_complaint(citizen)
    stored = sandbox.get(f"/complaints/v1/tickets/{ticket_id}").json()
    assert stored["category"] == "environment" and stored["anonymous"] is True
    assert stored["description"] == "楼下烧烤店油烟太大了"


def test_ticket_status_by_number_needs_the_complainants_phone(citizen: WebCitizen) -> None:
    asked = citizen.say_text("查询工单12345-20261101-0001")
    assert "手机号" in asked and "文化中路烧烤店油烟扰民" not in asked
    wrong = citizen.say_text("13905310002")
    assert "对不上" in wrong and "文化中路烧烤店油烟扰民" not in wrong

    status = citizen.say_text("查询工单12345-20261101-0001 手机13805310001")
    assert "处理中" in status and "文化中路烧烤店油烟扰民" in status and "已派单" in status


def test_rating_a_ticket_needs_its_complainant(citizen: WebCitizen, sandbox: httpx.Client) -> None:
    """Ticket 12345-20261020-0042 is 李娜's, closed and unrated: a stranger cannot rate it."""
    reply = citizen.say_text("给工单12345-20261020-0042打5分")
    assert "验证" in reply and "评为" not in reply
    assert sandbox.get("/complaints/v1/tickets/12345-20261020-0042").json()["satisfaction"] is None


def test_closed_ticket_is_rated_once(citizen: WebCitizen, sandbox: httpx.Client) -> None:
    ticket_id = file_complaint(citizen)
    sandbox.post(f"/complaints/v1/tickets/{ticket_id}/status", json={"status": "已办结"}).raise_for_status()
    status = citizen.say_text("我的投诉进度")
    assert ticket_id in status and "已办结" in status and "打分" in status
    assert "评为 5 分" in citizen.say_text("1")
    assert sandbox.get(f"/complaints/v1/tickets/{ticket_id}").json()["satisfaction"] == 5
    assert "已经评价过了" in citizen.say_text("我要给这个工单打1分")


def test_the_same_problem_after_its_ticket_closed_is_a_new_ticket(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    first = file_complaint(citizen)
    sandbox.post(f"/complaints/v1/tickets/{first}/status", json={"status": "已办结"}).raise_for_status()
    second = file_complaint(citizen)
    assert second != first
    assert sandbox.get(f"/complaints/v1/tickets/{second}").json()["status"] != "已办结"


@pytest.mark.parametrize(
    ("first", "then", "problem"),
    [
        ("小区门口的路灯坏了一个多月", "算了，不说这个了，我要投诉另一个事：楼下烧烤油烟", "楼下烧烤油烟"),
        ("我们楼的电梯老是停", "这个先不投诉了，我想反映另外一件事，小区里的井盖丢了", "小区里的井盖丢了"),
    ],
)
def test_a_complaint_stopped_for_another_one_files_only_the_new_problem(
    citizen: WebCitizen, sandbox: httpx.Client, first: str, then: str, problem: str
) -> None:
    assert "哪里" in citizen.say_text(first)
    switched = citizen.say_text(then)
    assert "先不投诉" in switched and "哪里" in switched, switched
    assert "匿名" in citizen.say_text("环翠区文化中路88号")
    confirm = citizen.say_text("匿名")
    assert f"问题：{problem}" in confirm and "不说这个" not in confirm and first not in confirm, confirm
    filed = TICKET.search(citizen.say_text("1"))
    assert filed, confirm
    stored = sandbox.get(f"/complaints/v1/tickets/{filed.group(0)}").json()
    assert stored["description"] == problem, stored
