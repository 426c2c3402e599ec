"""The Alipay channel in a gateway against the real stack's Rasa, action server and sandbox;
only Alipay's platform is the local fake."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.app import create_app
from scripts.stack import Stack
from tests.alipay.fake_alipay import FORM, AlipaySimulator, FakeAlipay, form_body, generate_key
from tests.alipay.test_channel import check_envelope
from tests.conftest import AlipayPlatform
from tests.servers import serve

pytestmark = pytest.mark.e2e
DEMO_USER = "2088000000000001"


@pytest.fixture
def gateway_url(stack: Stack, alipay_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("RASA_URL", "ACTION_SERVER_URL", "SANDBOX_URL", "DEPARTMENT_API_KEY"):
        monkeypatch.setenv(name, stack.env[name])
    with serve(create_app()) as url:
        yield url


def wait_for_texts(fake: FakeAlipay, user_id: str, deadline_seconds: float = 60) -> list[str]:
    """The answer goes out after the ack, so it is awaited rather than assumed."""
    deadline = time.monotonic() + deadline_seconds
    while not fake.texts_to(user_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    return fake.texts_to(user_id)


def test_verifygw_through_the_real_gateway(
    gateway_url: str, simulator: AlipaySimulator, app_key: rsa.RSAPrivateKey
) -> None:
    response = httpx.post(f"{gateway_url}/alipay", content=form_body(simulator.verifygw()), headers=FORM)

    assert response.status_code == 200
    assert check_envelope(response.content, app_key).findtext("success") == "true"


def test_greeting_is_answered_through_custom_send(
    gateway_url: str, simulator: AlipaySimulator, fake_alipay: tuple[FakeAlipay, str]
) -> None:
    message = simulator.text(DEMO_USER, "你好", msg_id="e2e-hello-1")

    response = httpx.post(f"{gateway_url}/alipay", content=form_body(message), headers=FORM, timeout=10)

    assert response.status_code == 200
    assert b"ack" in response.content
    fake, _ = fake_alipay
    texts = wait_for_texts(fake, DEMO_USER)
    assert len(texts) == 1
    assert "您好" in texts[0]
    assert "1. 查账单" in texts[0]
    assert "请回复数字选择" in texts[0]
    assert fake.bad_signatures == 0


def test_bill_paid_through_the_conversation(stack: Stack, stack_alipay: AlipayPlatform) -> None:
    """李娜 asks for her electricity bill in Alipay, says "缴费", gets a payment link for exactly
    that bill; Alipay's verified notification marks it paid once and she is told; a forged and
    a repeated notification change nothing."""
    user, fake, simulator = "2088000000000002", stack_alipay.fake, stack_alipay.simulator
    gateway = f"{stack.gateway_url}/alipay"

    def say(text: str, msg_id: str) -> str:
        before = len(fake.texts_to(user))
        httpx.post(gateway, content=form_body(simulator.text(user, text, msg_id)), headers=FORM, timeout=30)
        deadline = time.monotonic() + 60
        while len(fake.texts_to(user)) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        return fake.texts_to(user)[-1]

    def notify(params: dict[str, str]) -> str:
        return httpx.post(gateway, content=form_body(params), headers=FORM, timeout=30).text

    assert "未缴" in say("查电费", "e2e-pay-1")
    answer = say("缴费", "e2e-pay-2")
    assert "支付宝缴费：https://qr.alipay.com/fake" in answer
    order = next(item for item in fake.precreates if item["total_amount"] == "120.30")

    assert (
        notify(simulator.payment_notification(order["out_trade_no"], "120.30", key=generate_key())) == "fail"
    )
    assert notify(simulator.payment_notification(order["out_trade_no"], "12.03")) == "fail"
    assert notify(simulator.payment_notification(order["out_trade_no"], "120.30")) == "success"
    assert notify(simulator.payment_notification(order["out_trade_no"], "120.30")) == "success"

    bills = stack.sandbox_client().get("/utility/v1/accounts/0531880002/bills/2026-10").json()
    assert bills["status"] == "paid"
    deadline = time.monotonic() + 30
    while not any("缴费成功" in text for text in fake.texts_to(user)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sum("缴费成功" in text for text in fake.texts_to(user)) == 1
