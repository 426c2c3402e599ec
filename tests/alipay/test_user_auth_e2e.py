"""Alipay's user-info authorisation against the real stack and the fake Alipay platform (which
checks our signatures): an Alipay user asking for a personal record gets, beside the SMS step,
a link to Alipay's authorisation page; once they agree, Alipay's auth_code is traded for their
certified id number and they are verified as that citizen. The link works once, only for the
user it was made for, and carries no identifier."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from scripts.stack import Stack
from tests.alipay.fake_alipay import form_body
from tests.conftest import AlipayPlatform

pytestmark = pytest.mark.e2e
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
WANG_ID = "371082195801050158"


class AlipayUser:
    def __init__(self, stack: Stack, platform: AlipayPlatform, user_id: str) -> None:
        self._gateway = f"{stack.gateway_url}/alipay"
        self._platform = platform
        self.user_id = user_id
        self._sent = 0

    def say(self, text: str) -> str:
        """Everything the life account sent back to this user for the message."""
        fake, before = self._platform.fake, len(self._platform.fake.texts_to(self.user_id))
        self._sent += 1
        message = self._platform.simulator.text(self.user_id, text, f"auth-{self.user_id}-{self._sent}")
        httpx.post(self._gateway, content=form_body(message), headers=FORM, timeout=30)
        deadline = time.monotonic() + 60
        while len(fake.texts_to(self.user_id)) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        # A reply may come in several messages: wait until none has come for a while.
        count = -1
        while count != len(fake.texts_to(self.user_id)) and time.monotonic() < deadline:
            count = len(fake.texts_to(self.user_id))
            time.sleep(1.5)
        return "\n".join(fake.texts_to(self.user_id)[before:])


def authorisation_state(reply: str) -> tuple[str, str]:
    link = next(word for word in reply.split() if "publicAppAuthorize" in word or "state=" in word)
    link = link[link.index("http") :]
    query = parse_qs(urlsplit(link).query)
    return link, query["state"][0]


def test_an_alipay_user_is_verified_by_authorising_alipay(stack: Stack, stack_alipay: AlipayPlatform) -> None:
    user = AlipayUser(stack, stack_alipay, "2088000000000031")
    stack_alipay.fake.certified[user.user_id] = WANG_ID
    step = user.say(f"查社保 {WANG_ID}")
    assert "验证" in step and "支付宝" in step
    link, state = authorisation_state(step)
    assert "scope=auth_user" in link and user.user_id not in link and WANG_ID not in link

    code = stack_alipay.fake.issue_auth_code(user.user_id)
    back = httpx.get(
        f"{stack.gateway_url}/alipay/auth", params={"auth_code": code, "state": state}, timeout=30
    )
    assert back.status_code == 200 and "验证成功" in back.text
    again = httpx.get(
        f"{stack.gateway_url}/alipay/auth", params={"auth_code": code, "state": state}, timeout=30
    )
    assert again.status_code == 400 and "失效" in again.text

    # The next message, whatever it is, finishes the verification step with the record asked for.
    record = user.say("好了")
    assert "验证成功" in record and "个月" in record
    assert "个月" in user.say("查社保")


def test_a_link_authorised_by_another_alipay_user_verifies_nobody(
    stack: Stack, stack_alipay: AlipayPlatform
) -> None:
    asker = AlipayUser(stack, stack_alipay, "2088000000000032")
    _link, state = authorisation_state(asker.say(f"查公积金 {WANG_ID}"))
    stack_alipay.fake.certified["2088000000000033"] = WANG_ID
    stranger_code = stack_alipay.fake.issue_auth_code("2088000000000033")
    back = httpx.get(
        f"{stack.gateway_url}/alipay/auth", params={"auth_code": stranger_code, "state": state}, timeout=30
    )
    assert back.status_code == 400 and "不一致" in back.text
    assert "验证成功" not in asker.say("好了")


def test_a_made_up_return_is_refused_politely(stack: Stack) -> None:
    back = httpx.get(
        f"{stack.gateway_url}/alipay/auth", params={"auth_code": "x", "state": "nope"}, timeout=30
    )
    assert back.status_code == 400 and "失效" in back.text and "Traceback" not in back.text
