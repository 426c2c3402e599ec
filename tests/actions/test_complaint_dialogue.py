"""The complaint dialogue's actions against the real sandbox, driven like Rasa drives a
form: a free-text description, the category confirmed or corrected, anonymity, the ticket
status and one rating of a closed ticket."""

from __future__ import annotations

import httpx
import pytest
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints.filing import (
    LOOKED_UP,
    NOT_MADE,
    UNKNOWN_OUTCOME,
    ActionFileComplaint,
    ActionPrepareComplaint,
    complaint_draft,
    complaint_key,
)
from actions.complaints.follow_up import OWN_TICKETS_SLOT, ActionQueryComplaint, ActionRateService
from actions.complaints.form import (
    ActionAskComplaintCategory,
    ActionAskComplaintConfirmed,
    ActionAskComplaintContact,
    ActionAskComplaintDescription,
    ActionAskComplaintLocation,
    ValidateComplaintForm,
)
from actions.plain_yes import ActionPlainYes
from departments.registry import departments
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


BARBECUE = "楼下烧烤店油烟太大了"


async def confirmed_complaint(sender: str, phone: str) -> FormDriver:
    """A complaint confirmed with a contact phone (its tickets are listed by that phone)."""
    form = driver(sender)
    await form.run(ActionPrepareComplaint())
    assert "哪里" in texts(await form.say(BARBECUE, "file_complaint"))
    await form.say("环翠区文化中路88号", "inform", entity("district", "环翠区"))
    assert "对吗" in texts(await form.say(phone, "inform", entity("phone", phone)))
    assert await form.say("1", "affirm") == [] and form.done
    return form


def tickets_of(sandbox_url: str, phone: str) -> list[str]:
    listed = httpx.get(f"{sandbox_url}/complaints/v1/tickets", params={"phone": phone})
    return [item["ticket_id"] for item in listed.raise_for_status().json()]


async def prepare_with_events(form: FormDriver, text: str) -> tuple[str, list[dict]]:
    """A new complaint's first message: what the preparing action says and the events it returns."""
    form.message = {"text": text, "intent": {"name": "file_complaint"}, "entities": []}
    dispatcher = CollectingDispatcher()
    events = await ActionPrepareComplaint().run(dispatcher, form.tracker(), form.domain)
    form._apply(events)
    return texts(dispatcher.messages), events


async def unknown_outcome(form: FormDriver, sandbox_url: str) -> None:
    """The ticket system fails the filing and the look-up by its key: the outcome is unknown,
    and the form's answers stay, so the key can be made again."""
    httpx.post(f"{sandbox_url}/_faults/complaints", json={"mode": "error"}).raise_for_status()
    try:
        assert texts(await form.run(ActionFileComplaint())) == UNKNOWN_OUTCOME
        # While the ticket system cannot say, a new complaint is not started (it could be this one).
        said, events = await prepare_with_events(form, BARBECUE)
        assert said == UNKNOWN_OUTCOME and events == [FollowupAction("action_listen")], said
    finally:
        httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert form.slots["complaint_confirmed"] is True and form.slots["complaint_description"] == BARBECUE


@pytest.mark.parametrize("stored", [True, False])
async def test_a_complaint_of_unknown_outcome_is_looked_up_by_its_key_when_asked_about(
    sandbox_url: str, stored: bool
) -> None:
    """Asked for the complaints after an unknown outcome, the assistant first asks the ticket
    system what the filing did (stored meanwhile, as when the action server died after sending
    it, or not) and says exactly that: the ticket with its number, or not filed."""
    phone = "13912381111" if stored else "13912382222"
    form = await confirmed_complaint(f"web:complaint-unknown-{stored}", phone)
    await unknown_outcome(form, sandbox_url)
    if stored:  # the filing had reached the ticket system after all
        made = await departments().complaints.file(
            complaint_draft(form.tracker()), complaint_key(form.tracker())
        )
    form.message = {"text": "我的投诉", "intent": {"name": "query_complaint"}, "entities": []}
    told = texts(await form.run(ActionQueryComplaint()))
    assert form.slots["complaint_confirmed"] is None
    if stored:
        assert tickets_of(sandbox_url, phone) == [made.ticket_id]
        assert told.startswith(LOOKED_UP) and told.count(made.ticket_id) == 1, told
        assert form.slots[OWN_TICKETS_SLOT] == [made.ticket_id]
    else:
        assert tickets_of(sandbox_url, phone) == [] and told == NOT_MADE, told


async def test_the_same_complaint_sent_again_after_an_unknown_outcome_files_no_second_ticket(
    sandbox_url: str,
) -> None:
    """The citizen retries the complaint whose outcome was unknown: the ticket system's record
    says it was filed, so the retry is told that ticket and starts no form; a different problem
    afterwards is a new complaint."""
    phone = "13912383333"
    form = await confirmed_complaint("web:complaint-retry", phone)
    await unknown_outcome(form, sandbox_url)
    made = await departments().complaints.file(complaint_draft(form.tracker()), complaint_key(form.tracker()))
    said, events = await prepare_with_events(form, f"我要投诉，{BARBECUE}！")
    assert said.startswith(LOOKED_UP) and made.ticket_id in said, said
    assert events[-1] == FollowupAction("action_listen")
    assert tickets_of(sandbox_url, phone) == [made.ticket_id]
    said, events = await prepare_with_events(form, "小区门口的路灯坏了一个月了")
    assert said == "" and not any(event.get("event") == "followup" for event in events)


async def test_a_complaint_not_stored_is_filed_once_when_sent_again(sandbox_url: str) -> None:
    phone = "13912384444"
    form = await confirmed_complaint("web:complaint-again", phone)
    await unknown_outcome(form, sandbox_url)
    said, events = await prepare_with_events(form, BARBECUE)
    assert said == NOT_MADE and form.slots["complaint_confirmed"] is None, said
    assert not any(event.get("event") == "followup" for event in events)
    again = await confirmed_complaint("web:complaint-again", phone)
    assert "已受理" in texts(await again.run(ActionFileComplaint()))
    assert tickets_of(sandbox_url, phone) == [again.slots["complaint_ticket"]]


async def test_a_complaint_whose_answer_was_lost_is_told_from_the_ticket_systems_record(
    sandbox_url: str,
) -> None:
    """The ticket system stores the ticket but its answer never comes back: the citizen is told
    the ticket with its number, not "还没有提交成功", and there is one ticket."""
    phone = "13912385555"
    form = await confirmed_complaint("web:complaint-lost", phone)
    httpx.post(f"{sandbox_url}/_faults/complaints", json={"mode": "lost"}).raise_for_status()
    try:
        told = texts(await form.run(ActionFileComplaint()))
    finally:
        httpx.delete(f"{sandbox_url}/_faults").raise_for_status()
    assert tickets_of(sandbox_url, phone) == [form.slots["complaint_ticket"]]
    assert "已受理" in told and form.slots["complaint_ticket"] in told and "没有提交成功" not in told, told


async def test_a_confirmation_sent_again_after_an_unknown_outcome_settles_the_complaint(
    sandbox_url: str,
) -> None:
    """ "确认" / "1" again after the busy answer: the filing's outcome, not "还有什么可以帮您"."""
    phone = "13912386666"
    form = await confirmed_complaint("web:complaint-yes", phone)
    await unknown_outcome(form, sandbox_url)
    form.message = {"text": "确认", "intent": {"name": "affirm"}, "entities": []}
    assert texts(await form.run(ActionPlainYes())) == NOT_MADE
    assert [said.get("response") for said in await form.run(ActionPlainYes())] == ["utter_anything_else"]
    assert tickets_of(sandbox_url, phone) == []
