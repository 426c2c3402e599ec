"""Bill queries, binding and paying through POST /api/chat against the real stack and sandbox.

Web chat users are anonymous: every account comes from the conversation itself, and personal
records (social security, housing fund, traffic) need the SMS verification first. Channel users
the city links to a citizen are covered by the channel suites.
"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.chat import WebCitizen, sms_code

pytestmark = pytest.mark.e2e
ZHANG_PHONE = "13805310001"


def test_water_bill_with_the_number_in_one_message(citizen: WebCitizen) -> None:
    reply = citizen.say_text("查水费 3100012345")
    assert "310***2345" in reply and "3100012345" not in reply
    assert "86.40元" in reply and "未缴" in reply
    assert "缴费" in reply
    assert "已帮您记住" in reply


def test_missing_number_is_asked_then_remembered_and_another_month(citizen: WebCitizen) -> None:
    assert "电费户号" in citizen.say_text("查电费")
    first = citizen.say_text("0531880001")
    assert "10月" in first and "已缴" in first

    again = citizen.say_text("查一下电费")
    assert "053***0001" in again and "户号（" not in again

    previous = citizen.say_text("那9月份的呢")
    assert "9月" in previous and "已缴" in previous


def test_switching_bill_type_while_asked_for_a_number(citizen: WebCitizen) -> None:
    assert "燃气户号" in citizen.say_text("燃气欠费吗")
    assert "电费户号" in citizen.say_text("不查燃气了，查电费")


def test_unknown_and_mismatched_account_numbers(citizen: WebCitizen) -> None:
    unknown = citizen.say_text("查水费 3100099999")
    assert "没有查到" in unknown and "算了" in unknown
    assert "停下" in citizen.say_text("算了")

    mismatched = citizen.say_text("查水费 0531880001")
    assert "电费户号" in mismatched


def test_social_security_housing_fund_and_traffic_fines(citizen: WebCitizen, sandbox: httpx.Client) -> None:
    """Personal records once the citizen is verified by the SMS code (tests/e2e/test_identity.py)."""
    bad_id = citizen.say_text("查社保 371002198503122312")
    assert "身份证" in bad_id and "371002198503122312" not in bad_id
    citizen.say("算了")

    asked = citizen.say_text("我社保交了多少个月 371002198503122311")
    assert "验证" in asked and "219 个月" not in asked
    social = citizen.say_text(sms_code(sandbox, ZHANG_PHONE))
    assert "219 个月" in social and "3710**********2311" in social

    fund = citizen.say_text("公积金余额 GJJ370100001")
    assert "86,542.17元" in fund

    fines = citizen.say_text("我的车有没有违章 鲁K·A1234")
    assert "未处理" in fines and "100" in fines


def test_bind_list_and_unbind(citizen: WebCitizen) -> None:
    assert "没有绑定" in citizen.say_text("我绑定了哪些户号")
    bound = citizen.say_text("绑定燃气户号 GZ20080077")
    assert "已绑定" in bound and "GZ2***0077" in bound

    listed = citizen.say_text("我绑定了哪些户号")
    assert "燃气费" in listed and "GZ2***0077" in listed

    gas = citizen.say_text("查燃气费")
    assert "GZ2***0077" in gas and "未缴" in gas

    assert "已解除" in citizen.say_text("解绑燃气")
    assert "没有绑定" in citizen.say_text("我绑定了哪些户号")


def test_pay_an_unpaid_bill_says_how(citizen: WebCitizen) -> None:
    citizen.say("查水费 3100012345")
    reply = citizen.say_text("帮我交了")
    assert "86.40" in reply


def test_a_timing_out_department_gets_an_honest_busy_answer(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    sandbox.post("/_faults/utility", json={"mode": "timeout"}).raise_for_status()
    reply = citizen.say_text("查水费 3100067890")
    assert "供水公司系统繁忙" in reply and "12345" in reply
    assert "Traceback" not in reply and "Error" not in reply
    sandbox.delete("/_faults").raise_for_status()

    recovered = citizen.say_text("查水费 3100067890")
    assert "310***7890" in recovered


def test_cable_tv_bill_is_queried_bound_and_paid_like_any_bill(citizen: WebCitizen) -> None:
    """The bill type added through the bill-type table alone, end to end."""
    menu = citizen.say("查账单")[-1]
    assert "有线电视费" in [button["title"] for button in menu.get("buttons", [])]

    assert "有线电视账号" in citizen.say_text("查有线电视费")
    first = citizen.say_text("CATV20230002")
    assert "CAT*****0002" in first
    assert "CATV20230002" not in first
    assert "22.00元" in first and "逾期" in first and "已帮您记住" in first

    unnamed = citizen.say_text("CATV20230001 欠多少")
    assert "26.50元" in unnamed

    assert "格式不对" in citizen.say_text("查有线电视费 3100012345")
    citizen.say("算了")

    owed = citizen.say_text("交广电费")
    assert "有线电视费 2026-10：26.50元" in owed


def test_paying_with_the_number_in_the_message_or_without_one(citizen: WebCitizen) -> None:
    asked = citizen.say_text("我要交水费")
    assert "户号" in asked and "没有待缴" not in asked

    owed = citizen.say_text("帮我把燃气费交了 GZ20080077")
    assert "52.80" in owed and "没有待缴" not in owed
    assert "回复“缴费”" not in owed


def test_a_long_rambling_bill_question_is_answered_not_bound(citizen: WebCitizen) -> None:
    reply = citizen.say_text(
        "哎，我是老年人不太会弄这个，孩子不在身边，想问一下我那个煤气费是不是还欠着呢，"
        "前几天好像有人来贴了个单子我也没看清，户号GZ20080123，麻烦你给看看"
    )
    assert "27.60元" in reply and "已绑定" not in reply


@pytest.mark.parametrize(
    "said",
    [
        "查一下水费和电费，水费户号3100012345，电费户号0531880002",
        "水费和电费都帮我看看，户号分别是3100012345和0531880002",
    ],
)
def test_two_bills_asked_in_one_message_are_both_answered(citizen: WebCitizen, said: str) -> None:
    reply = citizen.say_text(said)
    assert "310***2345" in reply and "86.40元" in reply, reply
    assert "053***0002" in reply and "不是电费户号" not in reply and "不是水费户号" not in reply, reply
    assert reply.index("310***2345") < reply.index("053***0002"), "in the order asked"


def test_of_two_bills_the_one_without_a_number_is_asked_for_after_the_other_is_answered(
    citizen: WebCitizen,
) -> None:
    reply = citizen.say_text("查一下水费和电费，水费户号3100012345")
    assert "310***2345" in reply and "86.40元" in reply, reply
    assert "电费户号" in reply and "不是电费户号" not in reply, reply
    assert reply.index("86.40元") < reply.index("电费户号"), reply
    electricity = citizen.say_text("0531880002")
    assert "053***0002" in electricity and "310***2345" not in electricity, electricity


def test_of_two_bills_the_one_without_a_number_typed_is_answered_from_the_remembered_account(
    citizen: WebCitizen,
) -> None:
    assert "053***0002" in citizen.say_text("查电费0531880002")
    reply = citizen.say_text("查一下水费和电费，水费户号3100012345")
    assert "310***2345" in reply and "86.40元" in reply, reply
    assert "053***0002" in reply and "电费户号（" not in reply, reply
