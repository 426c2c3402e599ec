"""Verified identity before personal data, from the citizen's side against the real stack: an
anonymous web citizen gets the verification step, the SMS code (read from the sandbox's SMS
outbox, as the registered phone would receive it) unlocks the record, and nothing tells a
stranger whether a number is registered. The agents' lookups land in the supervisors' audit log."""

from __future__ import annotations

import httpx
import pytest

from scripts.stack import Stack
from tests.conftest import StackAgent
from tests.e2e.chat import WebCitizen, sms_code, sms_ids

pytestmark = pytest.mark.e2e
ZHANG_ID, ZHANG_PHONE = "371002198503122311", "13805310001"
LI_ID = "371002199208271423"


def test_social_security_needs_the_sms_code_then_shows_the_record(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    before = sms_ids(sandbox, ZHANG_PHONE)
    step = citizen.say_text(f"查社保 {ZHANG_ID}")
    assert "验证" in step and "如果该号码登记在册，验证码已发送到登记的手机上" in step
    assert "219 个月" not in step and "海川科技" not in step and "3412" not in step

    text = sandbox.get("/sms/v1/messages", params={"phone": ZHANG_PHONE}).json()["messages"][0]["text"]
    assert text.startswith("【示例市市民服务】您的验证码是")
    record = citizen.say_text(sms_code(sandbox, ZHANG_PHONE, after=before))
    assert "验证成功" in record and "219 个月" in record and "3710**********2311" in record

    assert "86,542.17元" in citizen.say_text("查公积金")


def test_five_wrong_codes_void_the_code(citizen: WebCitizen, sandbox: httpx.Client) -> None:
    before = sms_ids(sandbox, ZHANG_PHONE)
    citizen.say(f"查社保 {ZHANG_ID}")
    right = sms_code(sandbox, ZHANG_PHONE, after=before)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for attempt in range(4):
        reply = citizen.say_text(wrong)
        assert "验证码不对" in reply and f"还可以再试{4 - attempt}次" in reply
    void = citizen.say_text(wrong)
    assert "已作废" in void and "219 个月" not in void
    after = citizen.say_text(right)
    assert "219 个月" not in after and "验证成功" not in after
    citizen.say("算了")
    assert "验证" in citizen.say_text(f"查社保 {ZHANG_ID}")


def test_an_unregistered_number_gets_the_same_reply_and_no_sms(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    step = citizen.say_text("我的预约")
    assert "验证" in step
    reply = citizen.say_text("13912340000")
    assert "如果该号码登记在册，验证码已发送到登记的手机上" in reply
    assert sandbox.get("/sms/v1/messages", params={"phone": "13912340000"}).json()["messages"] == []
    assert "验证码不对" in citizen.say_text("123456")


def test_a_verified_citizen_cannot_look_up_another_persons_records(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    before = sms_ids(sandbox, ZHANG_PHONE)
    citizen.say("我的投诉")
    citizen.say(ZHANG_PHONE)
    listed = citizen.say_text(sms_code(sandbox, ZHANG_PHONE, after=before))
    assert "验证成功" in listed and "文化中路烧烤店油烟扰民" in listed

    other = citizen.say_text(f"查社保 {LI_ID}")
    assert "只能查询本人" in other and "128 个月" not in other
    fund = citizen.say_text("公积金余额 GJJ370100002")
    assert "只能查询本人" in fund and "23,018.90" not in fund
    assert "只有投诉人本人" in citizen.say_text("给工单12345-20261020-0042打5分")


def test_utility_bills_stay_open_to_anyone_with_the_account_number(citizen: WebCitizen) -> None:
    reply = citizen.say_text("查水费 3100012345")
    assert "86.40元" in reply and "验证" not in reply


def test_agent_lookups_are_audited_for_a_supervisor_only(
    stack: Stack, agent: httpx.Client, stack_plain_agent: StackAgent
) -> None:
    looked = agent.post(
        "/api/agent/lookup/bill",
        json={"bill_type": "social_security", "account": ZHANG_ID, "reason": "来电人本人咨询社保"},
    ).json()
    assert looked["found"] is True and ZHANG_ID not in looked["text"]
    bookings = agent.post("/api/agent/lookup/bookings", json={"phone": ZHANG_PHONE, "reason": "核对预约"})
    assert bookings.status_code == 200 and ZHANG_PHONE not in bookings.text
    agent.post("/api/agent/lookup/bill", json={"bill_type": "water", "account": "3100012345"})

    entries = agent.get("/api/ops/audit").json()["entries"]
    assert entries[0]["kind"] == "bookings" and entries[0]["identifier"] == "138****0001"
    assert entries[0]["reason"] == "核对预约" and entries[0]["agent"] == "zhang"
    assert entries[0]["at"].endswith("+08:00")
    social = entries[1]
    assert social["kind"] == "social_security" and social["reason"] == "来电人本人咨询社保"
    assert ZHANG_ID not in str(entries) and all(entry["kind"] != "water" for entry in entries)

    with httpx.Client(base_url=stack.gateway_url, timeout=30) as plain:
        login = plain.post(
            "/api/agent/login", json={"user": stack_plain_agent.user, "password": stack_plain_agent.password}
        )
        assert login.status_code == 200
        refused = plain.get("/api/ops/audit")
        assert refused.status_code == 403 and refused.json()["error"] == "supervisor_required"
    assert httpx.get(f"{stack.gateway_url}/api/ops/audit").status_code == 401
