"""A side question in the middle of any form is answered and the form goes on where it was
(Rasa's unhappy path): the bill query waiting for an account number, the binding form, and the
SMS verification waiting for its code. The booking and complaint forms have theirs in their own
suites."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.chat import WebCitizen, sms_code, sms_ids

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
