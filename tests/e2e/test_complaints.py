"""Complaints to 12345 through POST /api/chat against the real stack: a free-text
description filed as a ticket, a ticket's status, and one rating once it is closed."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.brain import BUSY_MESSAGE
from scripts.stack import Stack
from tests.e2e.chat import WebCitizen
from tests.e2e.conversations import said_while_the_action_server_dies, tickets_of

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


def confirmed_complaint(citizen: WebCitizen, phone: str) -> None:
    """A complaint confirmed with a contact phone, so its tickets are found by that phone."""
    assert "哪里" in citizen.say_text("楼下烧烤店油烟太大了")
    citizen.say_text("环翠区文化中路88号")
    confirm = citizen.say_text(phone)
    assert "归类为：环境保护" in confirm and "对吗" in confirm, confirm


def test_a_complaint_of_unknown_outcome_is_looked_up_before_anything_more_is_said(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    """The ticket system fails the filing and the look-up by its key: the citizen is told the
    outcome is unknown, never filed or not filed. Asked about the complaint afterwards, the
    assistant first asks the ticket system what the filing did and says what its record says;
    sent again, the complaint is filed once."""
    phone = "13955556661"
    confirmed_complaint(citizen, phone)
    sandbox.post("/_faults/complaints", json={"mode": "error"}).raise_for_status()
    unknown = citizen.say_text("1")
    sandbox.delete("/_faults").raise_for_status()
    assert "暂时不能确认投诉是否提交成功" in unknown, unknown
    assert "已受理" not in unknown and "没有提交成功" not in unknown, unknown
    assert tickets_of(sandbox, phone) == []
    told = citizen.say_text("我的投诉")
    assert "没有记录，没有提交成功" in told and "已受理" not in told, told
    confirmed_complaint(citizen, phone)
    filed = citizen.say_text("1")
    assert "已受理" in filed, filed
    assert [item["ticket_id"] for item in tickets_of(sandbox, phone)] == [TICKET.search(filed).group(0)]


def test_a_complaint_whose_answer_was_lost_is_told_with_its_ticket_number(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    """The ticket system stores the ticket but its answer is lost: the citizen is told the
    ticket number the ticket system's record holds, not "还没有提交成功"; one ticket."""
    phone = "13955556662"
    confirmed_complaint(citizen, phone)
    sandbox.post("/_faults/complaints", json={"mode": "lost"}).raise_for_status()
    filed = citizen.say_text("1")
    sandbox.delete("/_faults").raise_for_status()
    assert "已受理" in filed and "没有提交成功" not in filed, filed
    assert [item["ticket_id"] for item in tickets_of(sandbox, phone)] == [TICKET.search(filed).group(0)]


def test_a_complaint_cut_off_by_the_action_server_dying_is_settled_when_confirmed_again(
    stack: Stack, sandbox: httpx.Client
) -> None:
    """The action server dies while the ticket system is still to answer the filing (it hangs,
    so nothing is stored): the busy answer. The citizen sends "1" again: the assistant asks the
    ticket system what the filing did and says not filed, never "还有什么可以帮您"."""
    citizen = WebCitizen(stack.gateway_url)
    phone = "13955556663"
    confirmed_complaint(citizen, phone)
    sandbox.post("/_faults/complaints", json={"mode": "timeout"}).raise_for_status()
    busy = said_while_the_action_server_dies(stack, citizen, "1", "/complaints/v1/tickets")
    sandbox.delete("/_faults").raise_for_status()
    assert busy == BUSY_MESSAGE, busy
    told = citizen.say_text("1")
    assert "没有记录，没有提交成功" in told and "还有什么" not in told, told
    assert tickets_of(sandbox, phone) == []
