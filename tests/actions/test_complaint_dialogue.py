"""The complaint dialogue's actions against the real sandbox, driven like Rasa drives a
form: a free-text description, the category confirmed or corrected, anonymity, the ticket
status and one rating of a closed ticket."""

from __future__ import annotations

import httpx
import pytest

from actions.complaints.filing import ActionFileComplaint, ActionPrepareComplaint
from actions.complaints.follow_up import ActionQueryComplaint, ActionRateService
from actions.complaints.form import (
    ActionAskComplaintCategory,
    ActionAskComplaintConfirmed,
    ActionAskComplaintContact,
    ActionAskComplaintDescription,
    ActionAskComplaintLocation,
    ValidateComplaintForm,
)
from tests.actions.form_driver import FormDriver, entity, payloads, texts

REQUIRED = [
    "complaint_description",
    "complaint_location",
    "complaint_contact",
    "complaint_category",
    "complaint_confirmed",
]


pytestmark = pytest.mark.usefixtures("departments_on_sandbox")


def driver(sender: str) -> FormDriver:
    asks = {
        "complaint_description": ActionAskComplaintDescription(),
        "complaint_location": ActionAskComplaintLocation(),
        "complaint_contact": ActionAskComplaintContact(),
        "complaint_category": ActionAskComplaintCategory(),
        "complaint_confirmed": ActionAskComplaintConfirmed(),
    }
    return FormDriver("complaint_form", REQUIRED, ValidateComplaintForm(), asks, sender=sender)


async def file_smoke_complaint(form: FormDriver) -> str:
    await form.run(ActionPrepareComplaint())
    assert "哪里" in texts(await form.say("楼下烧烤店油烟太大了", "file_complaint"))
    assert "匿名" in texts(await form.say("环翠区文化中路88号", "inform", entity("district", "环翠区")))
    confirm = texts(await form.say("匿名", "inform"))
    assert "归类为：环境保护（转市生态环境局），对吗？" in confirm and "联系方式：匿名" in confirm
    assert await form.say("1", "affirm") == [] and form.done
    filed = texts(await form.run(ActionFileComplaint()))
    assert "已受理" in filed and "市生态环境局" in filed
    return form.slots["complaint_ticket"]


async def test_free_text_complaint_is_filed_once(sandbox_url: str) -> None:
    ticket_id = await file_smoke_complaint(driver("web:smoke"))
    assert ticket_id.startswith("12345-")
    assert ticket_id == await file_smoke_complaint(driver("web:smoke")), (
        "the same message files no second ticket"
    )
    stored = httpx.get(f"{sandbox_url}/complaints/v1/tickets/{ticket_id}").json()
    assert stored["anonymous"] is True and stored["location"] == "环翠区文化中路88号"


async def test_wrong_category_is_corrected_and_phone_checked() -> None:
    form = driver("web:wages")
    await form.run(ActionPrepareComplaint())
    assert "发生了什么" in texts(await form.say("我要投诉", "file_complaint"))
    assert "哪里" in texts(await form.say("工地半夜还在干活，吵得睡不着", "file_complaint"))
    await form.say("文登区龙山路", "inform")
    assert "格式不对" in texts(await form.say("1380000", "inform"))
    confirm = await form.say("13800001111", "inform", entity("phone", "13800001111"))
    assert "环境保护" in texts(confirm) and "138****1111" in texts(confirm)
    every = await form.say(payloads(confirm)[-1], "inform", entity("complaint_category", "other"))
    assert "属于哪一类" in texts(every) and len(payloads(every)) >= 10
    await form.say("/inform", "inform", entity("complaint_category", "environment"))
    assert form.done and form.slots["complaint_confirmed"] is True
    assert "市生态环境局" in texts(await form.run(ActionFileComplaint()))


async def test_status_and_one_rating_of_a_closed_ticket(sandbox_url: str) -> None:
    form = driver("web:rating")
    ticket_id = await file_smoke_complaint(form)
    form.message = {"text": "我的投诉进度", "intent": {"name": "query_complaint"}, "entities": []}
    status = await form.run(ActionQueryComplaint())
    assert ticket_id in texts(status) and "已受理" in texts(status) and not payloads(status)
    form.message = {"text": "打5分", "intent": {"name": "rate_service"}, "entities": []}
    assert "办结后才能评价" in texts(await form.run(ActionRateService()))

    closed = httpx.post(f"{sandbox_url}/complaints/v1/tickets/{ticket_id}/status", json={"status": "已办结"})
    closed.raise_for_status()
    form.message = {"text": ticket_id, "intent": {"name": "query_complaint"}, "entities": []}
    status = await form.run(ActionQueryComplaint())
    assert "打分" in texts(status) and len(payloads(status)) == 5
    form.message = {
        "text": payloads(status)[0],
        "intent": {"name": "rate_service"},
        "entities": [entity("ticket_id", ticket_id), entity("rating", "5")],
    }
    assert "评为 5 分" in texts(await form.run(ActionRateService()))
    form.message = {"text": "还是给1分吧", "intent": {"name": "rate_service"}, "entities": []}
    assert "已经评价过了" in texts(await form.run(ActionRateService()))


async def test_demo_ticket_by_number() -> None:
    form = driver("web:demo")
    form.message = {
        "text": "查询工单12345-20261101-0001",
        "intent": {"name": "query_complaint"},
        "entities": [],
    }
    asked = texts(await form.run(ActionQueryComplaint()))
    assert "手机号" in asked and "处理中" not in asked
    form.message = {"text": "13805310001", "intent": {"name": "inform"}, "entities": []}
    status = texts(await form.run(ActionQueryComplaint()))
    assert "处理中" in status and "转市生态环境局" in status
    form.message = {"text": "12345-20991101-0001", "intent": {"name": "query_complaint"}, "entities": []}
    assert "没有找到" in texts(await form.run(ActionQueryComplaint()))


async def test_an_answer_that_reads_like_a_complaint_keeps_the_description() -> None:
    form = driver("web:lamp")
    await form.run(ActionPrepareComplaint())
    assert "哪里" in texts(await form.say("小区门口的路灯坏了一个月了", "file_complaint"))
    assert "请说一下在哪里" in texts(await form.say("12345", "inform"))
    await form.say("环翠区文化中路88号小区门口，晚上黑得看不见路", "file_complaint")
    assert form.slots["complaint_description"] == "小区门口的路灯坏了一个月了"
    assert form.slots["complaint_location"] == "环翠区文化中路88号小区门口"  # the place, not the grumble
    assert "格式不对" in texts(await form.say("12345", "inform"))
