"""A side question in the middle of any form is answered and the form goes on where it was
(Rasa's unhappy path): the bill query waiting for an account number, the binding form, and the
SMS verification waiting for its code. The booking and complaint forms have their guide and bill
questions in their own suites; small talk ("你好", "谢谢", "你是机器人吗", "今天天气怎么样") is tried here
in every form."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.chat import WebCitizen, sms_code, sms_ids
from tests.e2e.conftest import StackGateway
from tests.e2e.conversations import WANG_OPENID, day_words, open_day
from tests.wechat.conftest import Account, simulator

pytestmark = pytest.mark.e2e
WANG_ID, WANG_PHONE = "371082195801050158", "13605310003"
GUIDE_QUESTION = "对了，办身份证要带什么材料？"


def test_a_guide_question_while_asked_for_an_account_number(citizen: WebCitizen) -> None:
    assert "水费户号" in citizen.say_text("查水费")
    side = citizen.say_text(GUIDE_QUESTION)
    assert "身份证" in side and "水费户号" in side, side
    assert "格式不对" not in side
    assert "86.40元" in citizen.say_text("3100012345")


def test_a_bot_question_while_binding_an_account(citizen: WebCitizen) -> None:
    assert "燃气户号" in citizen.say_text("我想绑定燃气户号")
    side = citizen.say_text("你是机器人吗")
    assert "燃气户号" in side and "格式不对" not in side, side
    bound = citizen.say_text("GZ20080077")
    assert "已绑定" in bound and "GZ2***0077" in bound
    assert "已解除" in citizen.say_text("解绑燃气")


def test_a_guide_question_while_waiting_for_the_sms_code(citizen: WebCitizen, sandbox: httpx.Client) -> None:
    before = sms_ids(sandbox, WANG_PHONE)
    assert "验证" in citizen.say_text(f"查社保 {WANG_ID}")
    side = citizen.say_text(GUIDE_QUESTION)
    assert "身份证" in side and "验证码" in side, side
    assert "验证成功" in citizen.say_text(sms_code(sandbox, WANG_PHONE, after=before))


def test_a_wrong_answer_is_explained_once_not_asked_twice(citizen: WebCitizen) -> None:
    assert "验证" in citizen.say_text(f"查社保 {WANG_ID}")
    reply = citizen.say_text("12345")
    assert "6位" in reply and reply.count("不想办了") == 1, reply


# --- small talk answered by a rule outside forms: inside any form it is answered, then the
# form's own question comes again and the form goes on where it was ---------------------------

SMALL_TALK = (
    ("你好", "您好"),
    ("谢谢", "不客气"),
    ("你是机器人吗", "智能助手"),
    ("今天天气怎么样", "不在市民服务的范围"),
)
FORMS = (
    # how the form starts, its pending question, the answer it then takes, what that answer gets
    pytest.param("我要挂号", "您要约哪里", "市立医院", "内科", id="booking"),
    pytest.param("我要投诉", "发生了什么", "楼下烧烤店油烟太大了", "哪里", id="complaint"),
    pytest.param("查水费", "水费户号", "3100012345", "86.40元", id="bill-query"),
    pytest.param("我想绑定燃气户号", "燃气户号", "GZ20080077", "已绑定", id="binding"),
)


def assert_answered_then_asked(side: str, answer: str, question: str) -> None:
    assert answer in side and question in side, side
    assert side.index(answer) < side.rindex(question), side
    assert "还有别的事吗" not in side and "我可以帮您办这些事" not in side, side
    assert "格式不对" not in side and "没太明白" not in side, side


@pytest.mark.parametrize(("said", "answer"), SMALL_TALK, ids=[said for said, _ in SMALL_TALK])
@pytest.mark.parametrize(("start", "question", "then", "then_gets"), FORMS)
def test_small_talk_in_the_middle_of_a_form_is_answered_and_the_form_asks_again(
    citizen: WebCitizen, start: str, question: str, then: str, then_gets: str, said: str, answer: str
) -> None:
    assert question in citizen.say_text(start)
    assert_answered_then_asked(citizen.say_text(said), answer, question)
    assert then_gets in citizen.say_text(then)


@pytest.mark.parametrize(("said", "answer"), SMALL_TALK, ids=[said for said, _ in SMALL_TALK])
def test_small_talk_while_waiting_for_the_sms_code_is_answered_and_the_code_asked_again(
    citizen: WebCitizen, sandbox: httpx.Client, said: str, answer: str
) -> None:
    before = sms_ids(sandbox, WANG_PHONE)
    assert "验证码" in citizen.say_text(f"查社保 {WANG_ID}")
    assert_answered_then_asked(citizen.say_text(said), answer, "验证码")
    assert "验证成功" in citizen.say_text(sms_code(sandbox, WANG_PHONE, after=before))


def test_thanks_at_the_booking_confirmation_then_the_booking_is_made(citizen: WebCitizen) -> None:
    """Thanks said when asked to confirm is no confirmation: the booking waits for the yes."""
    confirm = citizen.say_text(
        f"帮我约{day_words(open_day(2))}上午9点市立医院内科，我叫李明，电话13912345678"
    )
    assert "请确认预约" in confirm, confirm
    side = citizen.say_text("谢谢你")
    assert "不客气" in side and "请确认预约" in side and "预约成功" not in side, side
    assert "预约成功" in citizen.say_text("1")


async def test_a_linked_wechat_retiree_greeting_in_the_middle_of_a_complaint_is_greeted_by_name(
    stack_gateway: StackGateway, account: Account
) -> None:
    """WeChat: the city knows 王建国 by his openid, so the greeting in the middle of the form
    names him, as the greeting rule does, and the complaint goes on."""
    with stack_gateway() as url:
        async with simulator(url, account) as wechat:
            asked = await wechat.say(WANG_OPENID, "我要投诉")
            greeted = await wechat.say(WANG_OPENID, "你好")
            stopped = await wechat.say(WANG_OPENID, "算了")
    assert asked.text and "发生了什么" in asked.text, asked.text
    assert greeted.text and "王先生，您好" in greeted.text and "发生了什么" in greeted.text, greeted.text
    assert "我可以帮您办这些事" not in greeted.text, greeted.text
    assert stopped.text and "不投诉" in stopped.text, stopped.text
