"""Bill payment through Alipay: idempotent orders, and notifications that mark the bill paid
in a real department sandbox exactly once (against the fake Alipay platform)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from bot.delivery import Deliveries
from common.store import MemoryStore
from integrations.alipay import payments
from integrations.alipay.channel import mount_alipay
from integrations.alipay.orders import OrderStore
from integrations.alipay.payments import PayableBill, PaymentLink, PaymentUnavailable, create_payment_order
from sandbox.models import UtilityPayment
from tests.alipay.conftest import FakeBrain
from tests.alipay.fake_alipay import FORM, AlipaySimulator, FakeAlipay, form_body, generate_key

USER = "2088000000000001"
SENDER = f"alipay:{USER}"
WATER_BILL = PayableBill(
    bill_type="water",
    account_number="3100012345",
    period="2026-10",
    amount=86.4,
    subject="示例市水费 2026-10",
)


@pytest.fixture
def env(alipay_env: dict[str, str], sandbox_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("SANDBOX_URL", sandbox_url)
    return {**alipay_env, "SANDBOX_URL": sandbox_url}


@pytest.fixture
def notified() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def gateway(env: dict[str, str], notified: list[tuple[str, str]]) -> Iterator[TestClient]:
    async def push_to_wechat(openid: str, text: str) -> bool:
        notified.append((f"wechat:{openid}", text))
        return True

    deliveries = Deliveries()
    deliveries.register("wechat", push_to_wechat)
    app = FastAPI()
    mount_alipay(app, FakeBrain(), MemoryStore(), deliveries)
    with TestClient(app) as client:
        yield client


def notify(client: TestClient, params: dict[str, str]) -> str:
    response = client.post("/alipay", content=form_body(params), headers=FORM)
    assert response.status_code == 200
    return response.text


def bill_status(sandbox_url: str, period: str = "2026-10") -> str:
    response = httpx.get(f"{sandbox_url}/utility/v1/accounts/3100012345/bills/{period}")
    return response.json()["status"]


def payment_count(tmp_path: Path) -> int:
    engine = create_engine(f"sqlite:///{tmp_path / 'sandbox' / 'sandbox.db'}")
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(UtilityPayment))
    engine.dispose()
    return int(count or 0)


async def test_order_creation_is_idempotent(env: dict[str, str], fake_alipay: tuple[FakeAlipay, str]) -> None:
    first = await create_payment_order(WATER_BILL, SENDER)
    again = await create_payment_order(
        PayableBill(bill_type="water", account_number="3100012345", period="2026-10", amount="86.40"), SENDER
    )

    assert isinstance(first, PaymentLink)
    assert first.out_trade_no == again.out_trade_no
    assert first.url == again.url
    assert first.url.startswith("https://qr.alipay.com/")
    assert first.total_amount == "86.40"
    assert "3100012345" not in first.out_trade_no
    fake, _ = fake_alipay
    assert fake.bad_signatures == 0
    assert {order["out_trade_no"] for order in fake.precreates} == {first.out_trade_no}
    assert fake.precreates[0]["total_amount"] == "86.40"
    assert fake.precreates[0]["notify_url"] == "https://city.example.cn/alipay"
    order = await OrderStore(f"sqlite:///{Path(env['STATE_DIR']) / 'assistant.db'}").get(first.out_trade_no)
    assert order is not None
    assert (order.sender, order.account_number, order.period, order.amount_cents, order.status) == (
        SENDER,
        "3100012345",
        "2026-10",
        8640,
        "created",
    )


async def test_other_bills_get_other_orders(env: dict[str, str]) -> None:
    water = await create_payment_order(WATER_BILL, SENDER)
    gas = await create_payment_order(
        PayableBill(bill_type="gas", account_number="3100012345", period="2026-10", amount=86.4), SENDER
    )

    assert water.out_trade_no != gas.out_trade_no


async def test_wap_mode_gives_a_signed_gateway_link(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIPAY_PAY_MODE", "wap")
    payments.default_payment_service.cache_clear()

    link = await create_payment_order(WATER_BILL, SENDER)

    assert link.kind == "wap"
    assert link.url.startswith(env["ALIPAY_GATEWAY_URL"] + "?")
    assert "method=alipay.trade.wap.pay" in link.url
    assert "sign=" in link.url


def test_verified_notification_marks_the_bill_paid_exactly_once(
    gateway: TestClient,
    env: dict[str, str],
    simulator: AlipaySimulator,
    fake_alipay: tuple[FakeAlipay, str],
    tmp_path: Path,
) -> None:
    link = gateway.portal.call(create_payment_order, WATER_BILL, SENDER)
    assert bill_status(env["SANDBOX_URL"]) == "unpaid"
    notification = simulator.payment_notification(link.out_trade_no, "86.40")

    answers = [notify(gateway, notification), notify(gateway, notification)]

    assert answers == ["success", "success"]
    assert bill_status(env["SANDBOX_URL"]) == "paid"
    assert payment_count(tmp_path) == 1
    messages = fake_alipay[0].texts_to(USER)
    assert len(messages) == 1
    assert messages[0].startswith("缴费成功")
    assert "86.40元" in messages[0]
    assert "3100012345" not in messages[0]
    assert gateway.portal.call(create_payment_order, WATER_BILL, SENDER).already_paid


@pytest.mark.parametrize("forgery", ["bad_signature", "amount_mismatch", "unknown_order", "other_app"])
def test_refused_notifications_leave_the_bill_unpaid(
    gateway: TestClient,
    env: dict[str, str],
    simulator: AlipaySimulator,
    fake_alipay: tuple[FakeAlipay, str],
    tmp_path: Path,
    forgery: str,
) -> None:
    link = gateway.portal.call(create_payment_order, WATER_BILL, SENDER)
    notification = {
        "bad_signature": lambda: simulator.payment_notification(
            link.out_trade_no, "86.40", key=generate_key()
        ),
        "amount_mismatch": lambda: simulator.payment_notification(link.out_trade_no, "0.01"),
        "unknown_order": lambda: simulator.payment_notification("UB202610FFFFFFFFFFFFFFFFFFFFFFFF", "86.40"),
        "other_app": lambda: simulator.payment_notification(link.out_trade_no, "86.40", app_id="2021999"),
    }[forgery]()

    assert notify(gateway, notification) == "fail"
    assert bill_status(env["SANDBOX_URL"]) == "unpaid"
    assert payment_count(tmp_path) == 0
    assert fake_alipay[0].texts_to(USER) == []


def test_tampered_amount_is_refused(
    gateway: TestClient, env: dict[str, str], simulator: AlipaySimulator, tmp_path: Path
) -> None:
    link = gateway.portal.call(create_payment_order, WATER_BILL, SENDER)
    notification = simulator.payment_notification(link.out_trade_no, "86.40")
    notification["total_amount"] = "0.01"

    assert notify(gateway, notification) == "fail"
    assert payment_count(tmp_path) == 0


def test_department_down_means_fail_so_alipay_retries(
    gateway: TestClient, env: dict[str, str], simulator: AlipaySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = gateway.portal.call(create_payment_order, WATER_BILL, SENDER)
    notification = simulator.payment_notification(link.out_trade_no, "86.40")
    down_app = FastAPI()
    monkeypatch.setenv("WATER_API_URL", "http://127.0.0.1:9")
    mount_alipay(down_app, FakeBrain(), MemoryStore(), Deliveries())
    with TestClient(down_app) as down:
        assert notify(down, notification) == "fail"
    assert bill_status(env["SANDBOX_URL"]) == "unpaid"

    assert notify(gateway, notification) == "success"
    assert bill_status(env["SANDBOX_URL"]) == "paid"


def test_bill_paid_elsewhere_is_acknowledged_and_the_citizen_told(
    gateway: TestClient, env: dict[str, str], simulator: AlipaySimulator, notified: list[tuple[str, str]]
) -> None:
    sender = "wechat:oDemoZhangWei0001"
    link = gateway.portal.call(create_payment_order, WATER_BILL, sender)
    paid_at_counter = httpx.post(
        f"{env['SANDBOX_URL']}/utility/v1/accounts/3100012345/bills/2026-10/payments",
        json={"amount": 86.4, "channel": "counter", "transaction_id": "counter-1"},
        headers={"Idempotency-Key": "counter-1"},
    )
    assert paid_at_counter.status_code == 201

    assert notify(gateway, simulator.payment_notification(link.out_trade_no, "86.40")) == "success"

    assert len(notified) == 1
    assert notified[0][0] == sender
    assert "已经缴过了" in notified[0][1]


def test_success_on_another_channel_uses_its_notifier(
    gateway: TestClient, env: dict[str, str], simulator: AlipaySimulator, notified: list[tuple[str, str]]
) -> None:
    link = gateway.portal.call(create_payment_order, WATER_BILL, "wechat:oDemoZhangWei0001")

    assert notify(gateway, simulator.payment_notification(link.out_trade_no, "86.40")) == "success"
    assert notify(gateway, simulator.payment_notification(link.out_trade_no, "86.40")) == "success"

    assert [sender for sender, _ in notified] == ["wechat:oDemoZhangWei0001"]
    assert notified[0][1].startswith("缴费成功")


def test_invalid_bills_are_rejected() -> None:
    for kwargs in (
        {"bill_type": "phone", "period": "2026-10", "amount": 1},
        {"bill_type": "water", "period": "2026-13", "amount": 1},
        {"bill_type": "water", "period": "2026-10", "amount": 0},
        {"bill_type": "water", "period": "2026-10", "amount": "abc"},
    ):
        with pytest.raises(ValueError):
            PayableBill(account_number="3100012345", **kwargs)


@pytest.mark.parametrize("app_private_key", ["", "not a key"])
async def test_unconfigured_payment_is_unavailable(
    alipay_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, app_private_key: str
) -> None:
    if app_private_key:
        monkeypatch.setenv("ALIPAY_APP_PRIVATE_KEY", app_private_key)
    else:
        monkeypatch.delenv("ALIPAY_APP_ID")

    with pytest.raises(PaymentUnavailable):
        await create_payment_order(WATER_BILL, SENDER)
