"""A fourth round of conversations tried as real citizens would (issue 15), for the classes still
failing after round 3: stopping a form and asking something else in the same breath, a side
request that needs its own verification in the middle of a form (the form comes back after it,
or after the citizen stops it), a booking number typed when asked which booking to cancel,
typos for the bill's name, and one question per reply when the day picked cannot be booked.
Each test is one conversation from the citizen's side, on web chat and on WeChat where the
channel matters (a linked WeChat user needs no SMS code).

The wording differs from the issue's examples and from the earlier rounds on purpose: the classes
are what is tested, not the sentences."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.chat import WebCitizen, sms_code, sms_ids
from tests.e2e.conftest import StackGateway
from tests.e2e.conversations import (
    LI_PHONE,
    WANG_OPENID,
    WANG_PHONE,
    ZHANG_PHONE,
    booking_no,
    day_words,
    open_day,
    stored_bookings,
    today,
)
from tests.wechat.conftest import Account, simulator

pytestmark = pytest.mark.e2e
ZHANG_ID = "371002198503122311"


def start_clinic_booking(citizen: WebCitizen, request: str = "我想挂市立医院的内科") -> None:
    asked = citizen.say_text(request)
    assert "哪天" in asked, asked


# --- stopping a form and asking something else in the same message -------------------------------


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("不挂了，帮我查下电费", "电费户号"),
        ("算了不办了，查一下水费3100012345", "86.40元"),
        ("不约了不约了，我家燃气费 GZ20080077 交了没", "52.80元"),
    ],
)
def test_stopping_a_booking_to_ask_a_bill_answers_the_bill(
    citizen: WebCitizen, said: str, answer: str
) -> None:
    start_clinic_booking(citizen)
    reply = citizen.say_text(said)
    assert "不约了" in reply and answer in reply, reply
    assert "哪天" not in reply and "您要约哪里" not in reply, reply


def test_the_bill_asked_after_stopping_a_booking_then_takes_the_account_number(citizen: WebCitizen) -> None:
    start_clinic_booking(citizen, "给我约个中医院针灸科")
    assert "电费户号" in citizen.say_text("不约了，我问下电费")
    reply = citizen.say_text("0531880001")
    assert "143.06元" in reply and "哪天" not in reply, reply


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("不约了，我问下身份证丢了怎么补办", "身份证"),
        ("算了不挂了，护照怎么办", "护照"),
    ],
)
def test_stopping_a_booking_to_ask_a_guide_answers_the_guide(
    citizen: WebCitizen, said: str, answer: str
) -> None:
    start_clinic_booking(citizen)
    reply = citizen.say_text(said)
    assert "不约了" in reply and answer in reply, reply
    assert "哪天" not in reply, reply


def test_stopping_a_hall_booking_for_the_water_bill(citizen: WebCitizen) -> None:
    citizen.say("预约政务服务中心办居住证")
    reply = citizen.say_text("算了先不办了，查一下水费 3100012345")
    assert "86.40元" in reply and "不约了" in reply, reply
    assert "哪天" not in reply and "政务大厅" not in reply, reply


@pytest.mark.parametrize(
    "said", ["算了不投诉了，帮我查下燃气费GZ20080077", "不反映了，查一下燃气费 GZ20080077 欠多少"]
)
def test_stopping_a_complaint_to_ask_a_bill_answers_the_bill(citizen: WebCitizen, said: str) -> None:
    assert "哪里" in citizen.say_text("小区门口的垃圾好几天没人收了")
    reply = citizen.say_text(said)
    assert "不投诉" in reply and "52.80元" in reply, reply
    assert "哪里" not in reply and "匿名" not in reply, reply


def test_stopping_a_binding_to_ask_a_guide(citizen: WebCitizen) -> None:
    assert "水费户号" in citizen.say_text("我要绑定水费户号")
    reply = citizen.say_text("不绑了，我问问港澳通行证怎么办")
    assert "不绑定" in reply and ("港澳" in reply or "签注" in reply), reply
    assert "水费户号" not in reply, reply


async def test_a_wechat_citizen_stops_a_booking_for_the_electricity_bill(
    stack_gateway: StackGateway, account: Account
) -> None:
    openid = f"oRound4Stop{int(time.time() * 1000)}"
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            asked = await wechat.say(openid, "帮我挂个市立医院皮肤科")
            reply = await wechat.say(openid, "不挂了，查下电费0531880001")
    assert asked.text and "哪天" in asked.text, asked.text
    assert reply.text and "143.06元" in reply.text and "哪天" not in reply.text, reply.text


# --- a side request that needs verification, then back to the form ------------------------------


def test_listing_ones_bookings_in_the_middle_of_a_booking_then_the_booking_goes_on(
    stack: Stack, sandbox: httpx.Client
) -> None:
    booker = WebCitizen(stack.gateway_url)
    booker.say(f"约{day_words(open_day(4))}上午9点市立医院儿科，我叫张伟，电话{ZHANG_PHONE}")
    made = booking_no(booker.say_text("确认"))

    citizen = WebCitizen(stack.gateway_url)
    start_clinic_booking(citizen, "我想挂中医院的中医内科")
    asked = citizen.say_text("对了，我之前约过的号有哪些")
    assert "验证" in asked or "手机" in asked, asked
    before = sms_ids(sandbox, ZHANG_PHONE)
    assert "验证码" in citizen.say_text(ZHANG_PHONE)
    listed = citizen.say_text(sms_code(sandbox, ZHANG_PHONE, after=before))
    assert made in listed and "接着刚才的预约" in listed and "哪天" in listed, listed
    day = open_day(3)
    times = citizen.say_text(f"{day_words(day)}上午")
    assert f"{day.month}月{day.day}日" in times and "您要约哪里" not in times, times
    assert "姓名" in citizen.say_text("10点")
    assert "手机" in citizen.say_text("张伟")
    confirm = citizen.say_text(ZHANG_PHONE)
    assert "请确认预约" in confirm and "中医内科" in confirm, confirm
    assert "不约了" in citizen.say_text("算了")


def test_stopping_the_verification_a_side_request_needed_goes_back_to_the_complaint(
    citizen: WebCitizen,
) -> None:
    assert "哪里" in citizen.say_text("楼道里的灯坏了一个月了也没人修")
    asked = citizen.say_text("我约的号是哪天来着")
    assert "验证" in asked or "手机" in asked, asked
    back = citizen.say_text("算了")
    assert "接着刚才的投诉" in back and "哪里" in back, back
    contact = citizen.say_text("环翠区新威路18号3单元")
    assert "匿名" in contact or "手机" in contact, contact
    assert "不投诉" in citizen.say_text("算了")


def test_cancelling_a_booking_in_the_middle_of_a_complaint_then_the_complaint_goes_on(
    stack: Stack, sandbox: httpx.Client
) -> None:
    booker = WebCitizen(stack.gateway_url)
    booker.say(f"约{day_words(open_day(5))}下午3点市立医院内科，名字李娜，手机{LI_PHONE}")
    made = booking_no(booker.say_text("对"))

    citizen = WebCitizen(stack.gateway_url)
    assert "哪里" in citizen.say_text("我们小区的井盖丢了，晚上很危险")
    asked = citizen.say_text("顺便把我约的那个号取消了")
    assert "验证" in asked or "手机" in asked, asked
    before = sms_ids(sandbox, LI_PHONE)
    citizen.say(LI_PHONE)
    offered = citizen.say_text(sms_code(sandbox, LI_PHONE, after=before))
    if "确认取消" not in offered:
        offered = citizen.say_text(f"取消{made}")
    assert "确认取消" in offered and made in offered, offered
    done = citizen.say_text("确认")
    assert "已取消" in done and "接着刚才的投诉" in done and "哪里" in done, done
    assert stored_bookings(sandbox, LI_PHONE)[made] == "cancelled"
    assert "不投诉" in citizen.say_text("算了")


async def test_a_linked_wechat_retiree_lists_his_bookings_in_the_middle_of_booking(
    stack_gateway: StackGateway, account: Account
) -> None:
    """The platform vouches for a linked WeChat user: no SMS code, the bookings at once, then the
    booking question again."""
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            asked = await wechat.say(WANG_OPENID, "我想挂中医院针灸科")
            listed = await wechat.say(WANG_OPENID, "我现在都约了哪些号")
            stopped = await wechat.say(WANG_OPENID, "算了")
    assert asked.text and "哪天" in asked.text, asked.text
    assert listed.text and "验证码" not in listed.text, listed.text
    assert "接着刚才的预约" in listed.text and "哪天" in listed.text, listed.text
    assert stopped.text and "不约了" in stopped.text, stopped.text


# --- which booking to cancel: a typed number is checked against the list ------------------------


def two_bookings(stack: Stack, phone: str, name: str) -> list[str]:
    made = []
    for days, clock in ((2, "上午9点"), (3, "下午2点")):
        booker = WebCitizen(stack.gateway_url)
        booker.say(f"约{day_words(open_day(days))}{clock}中医院针灸科，我叫{name}，手机{phone}")
        made.append(booking_no(booker.say_text("确认")))
    return made


@pytest.mark.parametrize("typed", ["取消{number}", "{number}", "{lower}这个不要了"])
def test_a_booking_number_not_in_the_list_is_refused_and_a_listed_one_is_cancelled(
    stack: Stack, sandbox: httpx.Client, typed: str
) -> None:
    made = two_bookings(stack, WANG_PHONE, "王建国")
    citizen = WebCitizen(stack.gateway_url)
    citizen.say("我要取消预约")
    before = sms_ids(sandbox, WANG_PHONE)
    citizen.say(WANG_PHONE)
    choices = citizen.say_text(sms_code(sandbox, WANG_PHONE, after=before))
    assert "要取消哪一个" in choices and made[0] in choices, choices
    wrong = made[0][:-4] + "0999"
    refused = citizen.say_text(typed.format(number=wrong, lower=wrong.lower()))
    assert "不在您的预约里" in refused and made[0] in refused and "确认取消" not in refused, refused
    offered = citizen.say_text(typed.format(number=made[1], lower=made[1].lower()))
    assert "确认取消" in offered and made[1] in offered, offered
    assert "已取消" in citizen.say_text("确认")
    assert stored_bookings(sandbox, WANG_PHONE)[made[1]] == "cancelled"
    assert stored_bookings(sandbox, WANG_PHONE)[made[0]] == "booked"


# --- typos for the bill's name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("水废 3100012345", "86.40元"),
        ("查下水肺3100012345", "86.40元"),
        ("水废多少钱 3100012345", "86.40元"),
        ("电飞多少 0531880001", "143.06元"),
        ("燃气废交了没 GZ20080077", "52.80元"),
        ("煤气飞GZ20080077", "52.80元"),
        ("天燃气费 GZ20080077", "52.80元"),
    ],
)
def test_a_mistyped_bill_name_is_read_as_that_bill(citizen: WebCitizen, said: str, answer: str) -> None:
    reply = citizen.say_text(said)
    assert answer in reply, reply


async def test_a_wechat_citizen_mistypes_the_water_bill(
    stack_gateway: StackGateway, account: Account
) -> None:
    openid = f"oRound4Typo{int(time.time() * 1000)}"
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(openid, "帮我看看水废欠不欠 3100012345")
    assert reply.text and "86.40元" in reply.text, reply.text


# --- one question per reply when the day cannot be booked ----------------------------------------


def test_a_sunday_at_the_clinic_offers_other_days_without_asking_which_day_again(citizen: WebCitizen) -> None:
    sunday = today() + timedelta(days=(6 - today().weekday()) % 7 or 7)
    start_clinic_booking(citizen, "想约中医院针灸科")
    reply = citizen.say_text(f"{day_words(sunday)}去")
    assert "最近能约的时间" in reply and "哪天去" not in reply, reply
    assert "姓名" in citizen.say_text("1")
    assert "不约了" in citizen.say_text("算了")


def test_a_sunday_at_the_hall_offers_other_days_once(citizen: WebCitizen) -> None:
    sunday = today() + timedelta(days=(6 - today().weekday()) % 7 or 7)
    citizen.say("约政务服务中心办护照")
    reply = citizen.say_text(f"{day_words(sunday)}上午")
    assert "哪天去" not in reply and reply.count("请回复数字") <= 1, reply
    assert "不约了" in citizen.say_text("算了")


def test_a_day_beyond_the_window_is_told_once(citizen: WebCitizen) -> None:
    start_clinic_booking(citizen, "我要挂市立医院儿科")
    reply = citizen.say_text("下个月20号")
    assert "还不能约" in reply and "哪天去" not in reply, reply
    assert reply.count("不想办了") <= 1, reply
    assert "不约了" in citizen.say_text("算了")


def test_a_phone_typed_for_verification_is_not_taken_for_the_booking(
    stack: Stack, sandbox: httpx.Client
) -> None:
    """Resuming reads nothing from the side task's messages: the id number and the SMS code typed
    for the listing never become the booking's phone, time or name."""
    citizen = WebCitizen(stack.gateway_url)
    start_clinic_booking(citizen, "帮我约市立医院内科")
    asked = citizen.say_text("先看看我有哪些预约")
    assert "验证" in asked or "手机" in asked, asked
    before = sms_ids(sandbox, ZHANG_PHONE)
    citizen.say(ZHANG_ID)
    listed = citizen.say_text(sms_code(sandbox, ZHANG_PHONE, after=before))
    assert "接着刚才的预约" in listed and "哪天" in listed, listed
    assert "请确认预约" not in listed and "手机号格式不对" not in listed, listed
    assert "不约了" in citizen.say_text("算了")
