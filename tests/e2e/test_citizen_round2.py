"""A second round of conversations tried as real citizens would (issue 15): elderly and rambling,
correcting themselves, changing topic, typos and full-width digits, booking for a parent, on web
chat and WeChat. Each test is one conversation, written from the citizen's side: what they must
read, and what the department's records must say where it matters (the sandbox).

The wording deliberately differs from the issue's examples and from the other suites: the
classes of failure are what is tested, not the sentences."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest

from bot.agent_auth import hash_password
from bot.brain import BUSY_MESSAGE
from scripts.stack import Stack
from tests.conftest import StackAgent
from tests.e2e.chat import WebCitizen, sms_code, sms_ids
from tests.e2e.conftest import StackGateway
from tests.e2e.conversations import (
    FULL_WIDTH,
    LI_PHONE,
    TICKET,
    WANG_OPENID,
    ZHANG_PHONE,
    booking_no,
    button_number,
    day_words,
    next_saturday,
    open_day,
    stored_bookings,
    tickets_of,
    today,
)
from tests.wechat.conftest import Account, FakePlatform, simulator

pytestmark = pytest.mark.e2e


# --- appointments: listing and cancelling when the phone is not known yet ------------------------


def test_an_elderly_citizen_in_a_new_browser_lists_and_cancels_by_phone_in_full_width(
    stack: Stack, sandbox: httpx.Client
) -> None:
    """Booked on one device, asked about on another: the phone given when asked (typed with a
    Chinese input method's full-width digits) leads to the SMS code and then the bookings; never
    "没太明白" nor a handoff."""
    booker = WebCitizen(stack.gateway_url)
    day = open_day(2)
    booker.say(f"帮我约{day_words(day)}下午2点市立医院皮肤科，我叫张伟，电话{ZHANG_PHONE}")
    made = booking_no(booker.say_text("1"))

    later = WebCitizen(stack.gateway_url)
    asked = later.say_text("我前两天约了个号，现在想看看约的是哪天")
    assert "手机" in asked and "没太明白" not in asked and "您要约哪里" not in asked, asked
    before = sms_ids(sandbox, ZHANG_PHONE)
    sent = later.say_text(ZHANG_PHONE.translate(FULL_WIDTH))
    assert "验证码" in sent and "没太明白" not in sent and "转接" not in sent, sent
    listed = later.say_text(sms_code(sandbox, ZHANG_PHONE, after=before))
    assert made in listed and "皮肤科" in listed, listed

    offered = later.say_text("那个皮肤科的不去了，帮我取消掉")
    assert "确认取消" in offered and made in offered, offered
    assert "已取消" in later.say_text("是的")
    assert stored_bookings(sandbox, ZHANG_PHONE)[made] == "cancelled"


def test_cancelling_with_the_phone_in_the_first_message_is_not_a_new_booking(stack: Stack) -> None:
    citizen = WebCitizen(stack.gateway_url)
    reply = citizen.say_text(f"我要退掉我的预约，手机号码{LI_PHONE}")
    assert "验证" in reply and "您要约哪里" not in reply and "请确认预约" not in reply, reply
    assert "没太明白" not in reply


def test_the_verification_step_asks_once_and_stops_on_never_mind(stack: Stack) -> None:
    """The step opens with one question (not "验证码…请再发一次" for a code nobody was sent yet),
    and "算了" stops it instead of being read as a wrong id number."""
    citizen = WebCitizen(stack.gateway_url)
    step = citizen.say_text("帮我把预约取消了")
    assert "验证" in step and "验证码是短信里的6位数字" not in step, step
    assert "请发18位身份证号或11位手机号" not in step, step
    stopped = citizen.say_text("算了")
    assert "停下" in stopped and "身份证号" not in stopped, stopped


def test_the_hotline_number_as_a_phone_while_booking_is_told_the_phone_is_wrong(
    citizen: WebCitizen,
) -> None:
    asked = citizen.say_text(f"约{day_words(open_day())}上午10点中医院针灸科")
    assert "姓名" in asked, asked
    citizen.say("陈桂芝")
    wrong = citizen.say_text("12345")
    assert "手机号" in wrong and "不对" in wrong and "没太明白" not in wrong, wrong
    assert "请发预约人的手机号" not in wrong, "asked once, not twice"
    confirm = citizen.say_text("13966667777")
    assert "请确认预约" in confirm and "陈**" in confirm, confirm
    assert "不约了" in citizen.say_text("算了")


def test_a_citizen_correcting_herself_in_one_message_is_booked_as_corrected(citizen: WebCitizen) -> None:
    first, then = open_day(1), open_day(3)
    reply = citizen.say_text(
        f"帮我约{day_words(first)}上午市立医院内科，哦不对，是皮肤科，{day_words(then)}下午"
    )
    assert "皮肤科" in reply and "内科" not in reply, reply
    assert f"{then.month}月{then.day}日" in reply and "下午还有这些时间" in reply, reply
    assert "不约了" in citizen.say_text("算了")


# --- appointments: the government hall keeps what was said --------------------------------------


def test_a_hall_booking_keeps_the_service_and_the_date_said_before_the_hall_was_picked(
    citizen: WebCitizen,
) -> None:
    day = open_day(3)
    if day.isoweekday() == 6:
        day += timedelta(days=2)
    number, _ = button_number(citizen, f"我想{day_words(day)}去政务大厅办港澳通行证", "政务服务中心")
    picked = citizen.say_text(number)
    assert "办什么事" not in picked and "哪天" not in picked, picked
    assert "时间" in picked, picked
    citizen.say("上午10点")
    citizen.say("周建华")
    confirm = citizen.say_text("13811112222")
    assert "请确认预约" in confirm and "港澳" in confirm and "身份证" not in confirm, confirm
    assert f"{day.month}月{day.day}日" in confirm, confirm
    assert "不约了" in citizen.say_text("算了")


def test_a_hall_picked_from_the_buttons_does_not_forget_the_passport(citizen: WebCitizen) -> None:
    number, _ = button_number(citizen, "去市民中心预约个办护照的号", "示例市政务服务中心")
    asked = citizen.say_text(number)
    assert "哪天" in asked and "办什么事" not in asked, asked
    day = open_day(1)
    if day.isoweekday() == 6:
        day += timedelta(days=2)
    citizen.say(f"{day_words(day)}下午3点")
    citizen.say("林晓燕")
    confirm = citizen.say_text("13822223333")
    assert "护照" in confirm and "身份证" not in confirm, confirm
    assert "不约了" in citizen.say_text("算了")


# --- appointments: dates and hours explained truthfully ------------------------------------------


def test_the_week_after_next_is_not_next_week(citizen: WebCitizen) -> None:
    target = today() - timedelta(days=today().weekday()) + timedelta(days=14 + 4)  # 下下周五
    citizen.say("挂个市立医院内科的号")
    reply = citizen.say_text("下下个礼拜五吧")
    assert f"{target.month}月{target.day}日" in reply and "还不能约" in reply, reply
    assert "约满" not in reply


def test_a_date_a_month_away_is_beyond_the_window_not_fully_booked(citizen: WebCitizen) -> None:
    far = today() + timedelta(days=24)
    citizen.say("我想给孩子约妇幼保健院儿科")
    reply = citizen.say_text(f"{far.month}月{far.day}日上午")
    assert "还不能约" in reply and "约满" not in reply, reply
    assert "哪天去" not in reply, "the refusal already asks for another day"
    nearer = open_day(2)
    times = citizen.say_text(f"哦那就{day_words(nearer)}")
    assert "还有这些时间" in times, times
    assert "不约了" in citizen.say_text("算了")


def test_saturday_afternoon_at_the_hall_is_explained_with_the_saturday_hours(
    citizen: WebCitizen,
) -> None:
    saturday = next_saturday()
    citizen.say("预约市政务大厅办身份证")
    reply = citizen.say_text(f"{day_words(saturday)}下午三点")
    assert "不在办理时间内" in reply and "9:00-12:00" in reply and "约满" not in reply, reply
    assert "不约了" in citizen.say_text("算了")


def test_eight_in_the_evening_in_chinese_numerals_is_outside_the_hours(citizen: WebCitizen) -> None:
    citizen.say("我想约中医院的中医内科")
    reply = citizen.say_text(f"{day_words(open_day())}晚上八点")
    assert "20:00不在办理时间内" in reply and "约满" not in reply, reply
    assert "不约了" in citizen.say_text("算了")


# --- appointments: for someone else, and again after cancelling ----------------------------------


def test_booking_for_a_parent_starts_a_booking_not_a_refusal(citizen: WebCitizen) -> None:
    reply = citizen.say_text("想帮我老爸约个号，他腰不好")
    assert "不在市民服务的范围" not in reply and "您要约哪里" in reply, reply
    assert "不约了" in citizen.say_text("算了")


def test_a_son_books_for_his_father_under_the_fathers_name(citizen: WebCitizen) -> None:
    day = open_day(2)
    confirm = citizen.say_text(
        f"你好我是他儿子，帮我爸挂个号，{day_words(day)}上午9点半市立医院内科，他叫刘德顺，电话13933334444"
    )
    assert "请确认预约" in confirm and "刘**" in confirm, confirm
    assert "他**" not in confirm and "我**" not in confirm
    assert "不约了" in citizen.say_text("算了")


def test_a_daughter_gives_her_mothers_name_when_asked(citizen: WebCitizen) -> None:
    day = open_day(3)
    citizen.say(f"给我妈约{day_words(day)}上午11点中医院针灸科")
    reply = citizen.say_text("我是她闺女，我妈叫孙桂兰")
    assert "手机" in reply, reply
    confirm = citizen.say_text("13944446666")
    assert "孙**" in confirm and "她**" not in confirm and "我**" not in confirm, confirm
    assert "不约了" in citizen.say_text("算了")


def test_a_repeated_confirmation_is_one_booking_and_a_rebooking_after_cancelling_is_new(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    phone = "13900007777"
    day = open_day(4)
    request = f"约{day_words(day)}下午4点市立医院儿科，名字叫黄小梅，手机{phone}"
    assert "请确认预约" in citizen.say_text(request)
    first = booking_no(citizen.say_text("确认"))
    again = citizen.say_text("确认")  # pressed twice on a slow phone
    assert "预约号" not in again or first in again, again
    assert stored_bookings(sandbox, phone) == {first: "booked"}

    assert "确认取消" in citizen.say_text("这个号不要了，取消")
    assert "已取消" in citizen.say_text("1")
    assert "请确认预约" in citizen.say_text("还是约回刚才那个时间吧，" + request)
    second = citizen.say_text("1")
    assert "预约成功" in second and first not in second, second
    assert stored_bookings(sandbox, phone) == {first: "cancelled", booking_no(second): "booked"}


# --- complaints -------------------------------------------------------------------------------


def test_an_answer_that_sounds_like_a_complaint_is_the_place_not_a_new_complaint(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    phone = "13700001111"
    asked = citizen.say_text("我们那边的路灯坏了一个多礼拜了，晚上黑灯瞎火的")
    assert "哪里" in asked, asked
    where = citizen.say_text("就在幸福小区门口那条路上，天一黑啥也看不见，老人都摔了")
    assert "发生了什么" not in where, where
    assert "匿名" in where or "手机" in where, where
    confirm = citizen.say_text(phone)
    assert "问题：我们那边的路灯坏了" in confirm and "幸福小区" in confirm, confirm
    filed = citizen.say_text("1")
    ticket = TICKET.search(filed)
    assert ticket, filed
    stored = sandbox.get(f"/complaints/v1/tickets/{ticket.group(0)}").json()
    assert "路灯" in stored["description"] and "幸福小区" not in stored["description"], stored


def test_a_streetlight_complaint_does_not_guess_a_place_out_of_the_word_streetlight(
    citizen: WebCitizen,
) -> None:
    reply = citizen.say_text("路灯不亮好几天了，也没人来修")
    assert "区门口的路" not in reply and "地点：灯" not in reply, reply
    assert "哪里" in reply, reply
    assert "不投诉" in citizen.say_text("算了")


def test_the_hotline_number_is_neither_a_place_nor_a_phone_in_a_complaint(citizen: WebCitizen) -> None:
    assert "哪里" in citizen.say_text("小区里有人天天半夜装修，吵得睡不着")
    place = citizen.say_text("12345")
    assert "在哪里" in place and "没太明白" not in place, place
    contact = citizen.say_text("文登区龙山路16号")
    assert "匿名" in contact or "手机" in contact, contact
    phone = citizen.say_text("12345")
    assert "手机号格式不对" in phone and "没太明白" not in phone, phone
    assert "不投诉" in citizen.say_text("算了")


def test_an_address_corrected_at_the_confirmation_is_the_one_filed(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    citizen.say("我家对面的工地半夜还在打桩，吵死了")
    citizen.say("文登区龙山路16号")
    assert "对吗" in citizen.say_text("匿名")
    fixed = citizen.say_text("不对不对，说错了，是文登区龙山路18号对面")
    assert "地点：文登区龙山路18号对面" in fixed and "对吗" in fixed, fixed
    filed = citizen.say_text("1")
    ticket = TICKET.search(filed)
    assert ticket, filed
    stored = sandbox.get(f"/complaints/v1/tickets/{ticket.group(0)}").json()
    assert stored["location"] == "文登区龙山路18号对面", stored


def test_an_address_corrected_at_the_confirmation_replaces_the_old_one(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    citizen.say("楼下烧烤店的油烟天天往我家窗户里灌")
    citizen.say("环翠区文化中路88号")
    assert "对吗" in citizen.say_text("匿名")
    fixed = citizen.say_text("哦不对，地址说错了，是环翠区文化中路86号楼下")
    assert "地点：环翠区文化中路86号楼下" in fixed and "对吗" in fixed, fixed
    ticket = TICKET.search(citizen.say_text("1"))
    assert ticket
    stored = sandbox.get(f"/complaints/v1/tickets/{ticket.group(0)}").json()
    assert stored["location"] == "环翠区文化中路86号楼下", stored


def test_a_pressed_twice_confirmation_files_one_ticket(citizen: WebCitizen, sandbox: httpx.Client) -> None:
    phone = "13700002222"
    citizen.say("马路对面的垃圾站臭得不行，夏天更厉害")
    citizen.say("环翠区统一路垃圾中转站")
    confirm = citizen.say_text(phone)
    assert "对吗" in confirm, confirm
    filed = citizen.say_text("对")
    again = citizen.say_text("对")
    first = TICKET.search(filed)
    assert first, filed
    assert not TICKET.search(again) or first.group(0) in again, again
    assert len(tickets_of(sandbox, phone)) == 1


def test_the_same_nuisance_again_after_its_ticket_closed_is_a_new_ticket(
    citizen: WebCitizen, sandbox: httpx.Client
) -> None:
    phone = "13700003333"
    citizen.say("楼下饭店的油烟又熏到我家了")
    citizen.say("荣成市成山大道207号楼下")
    citizen.say(phone)
    first = TICKET.search(citizen.say_text("1"))
    assert first
    sandbox.post(
        f"/complaints/v1/tickets/{first.group(0)}/status", json={"status": "已办结"}
    ).raise_for_status()
    again = citizen.say_text("饭店油烟又来了，跟上次一样")
    if "哪里" in again:
        again = citizen.say_text("荣成市成山大道207号楼下")
    if "对吗" not in again:
        again = citizen.say_text(phone)
    filed = citizen.say_text("1") if "对吗" in again else again
    second = TICKET.search(filed)
    assert second and second.group(0) != first.group(0), filed
    assert len(tickets_of(sandbox, phone)) == 2


def test_a_vaccine_question_is_a_service_question(citizen: WebCitizen) -> None:
    reply = citizen.say_text("孙子该打第二针疫苗了，在哪打啊")
    assert "疫苗" in reply and "发生了什么" not in reply and "哪里发生" not in reply, reply
    assert "投诉" not in reply


@pytest.mark.parametrize("said", ["你这破玩意儿一点用都没有", "什么垃圾智能助手，说了半天听不懂"])
def test_frustration_is_met_with_an_apology_and_a_person(stack: Stack, said: str) -> None:
    reply = WebCitizen(stack.gateway_url).say(said)
    text = "\n".join(item.get("text", "") for item in reply)
    assert "抱歉" in text and "评价" not in text and "打分" not in text, text
    payloads = [button["payload"] for item in reply for button in item.get("buttons", [])]
    assert "/human_handoff" in payloads


def test_a_guide_question_while_filing_a_complaint_resumes_the_complaint(citizen: WebCitizen) -> None:
    assert "哪里" in citizen.say_text("我家楼上天天往下扔垃圾")
    side = citizen.say_text("对了，身份证丢了怎么补办？")
    assert "身份证" in side and "哪里" in side, side
    assert "匿名" in citizen.say_text("环翠区和平路70号3号楼")
    assert "不投诉" in citizen.say_text("算了")


def test_the_menu_while_filing_a_complaint_resumes_the_complaint(citizen: WebCitizen) -> None:
    assert "哪里" in citizen.say_text("公交车司机态度太差了，骂人")
    side = citizen.say_text("你都能干啥")
    assert "我可以帮您" in side and "哪里" in side, side
    assert "不投诉" in citizen.say_text("算了")


# --- bills and paying -------------------------------------------------------------------------


def test_a_rambling_electricity_question_with_the_number_is_answered(citizen: WebCitizen) -> None:
    reply = citizen.say_text(
        "你好，我是文登的，我闺女说可以在这上面查，我想问问电费是不是没交啊，"
        "单子上写的户号是0531880002，我眼神不好看不清楚，麻烦帮我看看"
    )
    assert "120.30元" in reply and "已绑定" not in reply, reply


def test_two_bills_in_one_message_are_not_mixed_up(citizen: WebCitizen) -> None:
    reply = citizen.say_text("我想查查我那个燃气 GZ20080077 还有电费 0531880001")
    assert "不是电费户号" not in reply and "053***0001" in reply, reply


# Water account 3100012345 owes 86.40; electricity 0531880002's 120.30 is paid by the Alipay
# suite earlier in the same session's stack, so paying it again here would find nothing owed.
def test_paying_in_one_breath_shows_what_is_owed(citizen: WebCitizen) -> None:
    reply = citizen.say_text("帮我把这个月水费交一下，户号３１０００１２３４５")
    assert "86.40" in reply and "没有待缴" not in reply, reply


def test_wanting_to_pay_without_a_bound_account_asks_for_it(citizen: WebCitizen) -> None:
    asked = citizen.say_text("我想交水费")
    assert "户号" in asked and "没有待缴" not in asked, asked
    owed = citizen.say_text("3100012345")
    assert "86.40" in owed, owed


def test_paying_right_after_a_bill_answer_shows_what_is_owed(citizen: WebCitizen) -> None:
    assert "86.40元" in citizen.say_text("看看我家水费 3100012345")
    owed = citizen.say_text("行，那就交了吧")
    assert "待缴" in owed and "86.40" in owed, owed


def test_the_single_word_pay_asks_which_bill(citizen: WebCitizen) -> None:
    reply = citizen.say_text("交费")
    assert "回复“缴费”" not in reply and "没有待缴" not in reply, reply
    assert "水费" in reply or "哪" in reply, reply


def test_a_bill_question_mid_booking_then_carry_on_booking_resumes_where_it_was(
    citizen: WebCitizen,
) -> None:
    assert "哪天" in citizen.say_text("我要挂中医院针灸科的号")
    aside = citizen.say_text("哦对了顺便问下，燃气费 GZ20080123 欠多少")
    assert "27.60元" in aside and "哪天" in aside, aside
    resumed = citizen.say_text("好的，继续挂号")
    assert "哪天" in resumed and "您要约哪里" not in resumed, resumed
    times = citizen.say_text(f"{day_words(open_day(2))}上午")
    assert "上午还有这些时间" in times, times
    assert "不约了" in citizen.say_text("算了")


# --- life events -------------------------------------------------------------------------------


def test_a_bereaved_citizen_is_answered_with_care_and_the_right_steps(citizen: WebCitizen) -> None:
    reply = citizen.say_text("我老伴上周走了，孩子们都在外地，我不知道后面要去办哪些手续")
    assert "节哀" in reply and "恭喜" not in reply and "结婚" not in reply, reply
    assert "死亡证明" in reply and "户口" in reply, reply
    assert "丧葬" in reply or "抚恤" in reply, reply


def test_losing_a_job_gets_the_unemployment_services(citizen: WebCitizen) -> None:
    reply = citizen.say_text("厂子倒闭了我下岗了，现在该去办点啥")
    assert "失业" in reply and "恭喜" not in reply, reply


def test_retiring_gets_the_pension_services(citizen: WebCitizen) -> None:
    reply = citizen.say_text("我下个月就到退休年龄了，要办什么手续")
    assert "退休" in reply and "养老" in reply, reply


def test_moving_away_gets_the_household_transfer(citizen: WebCitizen) -> None:
    reply = citizen.say_text("我们全家要搬去外省了，户口要迁走怎么弄")
    assert "迁" in reply and "恭喜" not in reply, reply


# --- handoff and a broken action server ---------------------------------------------------------


def test_off_topic_requests_are_never_queued_for_an_agent(stack: Stack, agent: httpx.Client) -> None:
    citizen = WebCitizen(stack.gateway_url)
    said = [
        f"给我闺女打个视频电话（{citizen.sender}）",
        "今天的大乐透开奖了没",
        "导航去火车站怎么走",
    ]
    for text in said:
        reply = citizen.say_text(text)
        assert reply and "转接" not in reply and "排队" not in reply, reply
    items = agent.get("/api/agent/handoffs").json()["items"]
    assert not [item for item in items if item["last_message"] in said]


def test_every_turn_ends_in_a_message_when_the_action_server_is_down(stack: Stack) -> None:
    """The busy answer, never an empty reply; after failing twice the chat may go to a person
    (the gateway's rule), and that is said too."""
    citizen = WebCitizen(stack.gateway_url)
    server = stack.rpc().supervisor
    server.stopProcess("actions", True)
    try:
        first = citizen.say("查一下水费 3100012345")
        assert [item.get("text") for item in first] == [BUSY_MESSAGE], first
        for said in ("我要挂号", "我家门口的下水道堵了"):
            reply = citizen.say(said)
            texts = [item.get("text", "") for item in reply]
            assert texts and all(texts), reply
            assert any(text == BUSY_MESSAGE or "人工客服" in text for text in texts), reply
    finally:
        server.startProcess("actions", True)
        stack.wait_healthy("actions", 300)
    citizen.say("结束")
    assert "86.40元" in citizen.say_text("查一下水费 3100012345")


# --- WeChat ----------------------------------------------------------------------------------


async def test_a_linked_wechat_retiree_asking_about_his_gas_gets_his_overdue_bill(
    stack_gateway: StackGateway, account: Account
) -> None:
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(WANG_OPENID, "闺女说我家煤气费好像拖着没交，是不是欠着呢")
    assert reply.text and "27.60元" in reply.text, reply.text


async def test_a_linked_wechat_retiree_wanting_to_pay_sees_the_amount(
    stack_gateway: StackGateway, account: Account
) -> None:
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            reply = await wechat.say(WANG_OPENID, "我要交燃气费")
    assert reply.text and "27.60" in reply.text and "没有待缴" not in reply.text, reply.text


async def test_a_wechat_stranger_asking_for_their_bookings_is_asked_for_the_phone(
    stack_gateway: StackGateway, account: Account
) -> None:
    openid = f"oRound2{int(time.time() * 1000)}"
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            asked = await wechat.say(openid, "我想取消我约的号")
            answered = await wechat.say(openid, "13912340000")
    assert asked.text and "手机" in asked.text, asked.text
    assert answered.text and "没太明白" not in answered.text and "验证码" in answered.text, answered.text


@pytest.mark.parametrize("refusal", [45015, 45047], ids=["48_hours_over", "too_many_replies"])
async def test_an_agents_answer_that_wechat_refuses_is_reported_to_the_agent(
    stack_gateway: StackGateway,
    account: Account,
    platform: FakePlatform,
    stack_agent: StackAgent,
    refusal: int,
) -> None:
    """The customer-service API refuses (the citizen's 48 hours are over, or too many replies
    were sent): the agent is told the answer did not reach the citizen and to phone instead,
    rather than believing it was read."""
    openid = f"oRound2Cs{int(time.time() * 1000)}"
    agents = f"{stack_agent.user}:{hash_password(stack_agent.password)}"
    with stack_gateway(AGENT_USERS=agents) as url:
        async with (
            simulator(url, account) as wechat,
            httpx.AsyncClient(base_url=url.removesuffix("/wechat"), timeout=30) as agent,
        ):
            login = {"user": stack_agent.user, "password": stack_agent.password}
            assert (await agent.post("/api/agent/login", json=login)).status_code == 200
            await agent.get("/api/agent/handoffs")
            await wechat.say(openid, "帮我转个人工，机器说不明白")
            waiting = f"我家暖气不热（{openid}）"
            await wechat.say(openid, waiting)
            items = (await agent.get("/api/agent/handoffs")).json()["items"]
            [item] = [item for item in items if item["last_message"] == waiting]
            assert (await agent.post(f"/api/agent/handoffs/{item['id']}/claim")).status_code == 200
            platform.api.send_failures.extend([refusal] * 5)
            sent = (
                await agent.post(f"/api/agent/handoffs/{item['id']}/reply", json={"text": "您好，哪个小区？"})
            ).json()
            assert sent["delivered"] is False and "电话" in sent["message"], sent
            await agent.post(f"/api/agent/handoffs/{item['id']}/close")
