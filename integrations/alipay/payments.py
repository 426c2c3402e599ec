"""Bill payment (缴费) through Alipay: payment links for the action server, and the
asynchronous payment notification that marks the bill paid at the utility company.

An order's out_trade_no is derived from the bill itself, so asking to pay the same bill
again reuses the same Alipay order; the department records the payment with the
out_trade_no as its Idempotency-Key, so a repeated notification never pays twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Literal

from common.masking import mask_account
from common.settings import Settings, load_settings
from departments.base import DepartmentRejected, DepartmentUnavailable, RecordNotFound
from departments.bill_types import BILL_TYPES, PAYABLE_ONLINE
from departments.registry import Departments, departments
from integrations.alipay.client import AlipayApi, AlipayApiError
from integrations.alipay.config import AlipayConfig, AlipayConfigError, load_alipay_config
from integrations.alipay.orders import CONFLICT, CREATED, PAID, OrderStore, PaymentOrder

logger = logging.getLogger(__name__)

PAID_TRADE_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CENT = Decimal("0.01")


class PaymentError(Exception):
    """No payment link could be made; the caller tells the citizen to try later."""


class PaymentUnavailable(PaymentError):
    """Alipay payment is not configured in this deployment."""


@dataclass(frozen=True)
class PayableBill:
    """One unpaid bill of a type that can be paid online; `amount` is in yuan."""

    bill_type: str
    account_number: str
    period: str
    amount: Decimal | float | str
    subject: str = ""
    amount_cents: int = field(init=False)

    def __post_init__(self) -> None:
        if self.bill_type not in PAYABLE_ONLINE:
            raise ValueError(f"bill_type must be one of {', '.join(PAYABLE_ONLINE)}")
        if not self.account_number.strip():
            raise ValueError("account_number is empty")
        if not _PERIOD.match(self.period):
            raise ValueError("period must be YYYY-MM")
        try:
            yuan = Decimal(str(self.amount)).quantize(_CENT, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise ValueError("amount is not a number") from None
        if yuan <= 0:
            raise ValueError("amount must be positive")
        object.__setattr__(self, "amount_cents", int(yuan * 100))

    @property
    def total_amount(self) -> str:
        """Alipay's total_amount: yuan with exactly two decimals."""
        return format_cents(self.amount_cents)

    @property
    def title(self) -> str:
        return self.subject or f"{BILL_TYPES[self.bill_type].name} {self.period}"


@dataclass(frozen=True)
class PaymentLink:
    """What the citizen is sent to pay with; `url` is empty when the bill is already paid."""

    out_trade_no: str
    url: str
    kind: Literal["qr_code", "wap"]
    total_amount: str
    already_paid: bool = False


@dataclass(frozen=True)
class NotificationOutcome:
    """Whether Alipay gets `success`, and what (if anything) to tell which citizen."""

    accepted: bool
    sender: str = ""
    message: str = ""


def format_cents(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def out_trade_no_for(bill: PayableBill) -> str:
    """Deterministic per bill (type, account, period), at most 64 letters and digits, and free
    of the account number, so the order id can be logged as it is."""
    digest = hashlib.sha256(f"{bill.bill_type}|{bill.account_number.strip()}|{bill.period}".encode())
    return f"UB{bill.period.replace('-', '')}{digest.hexdigest()[:24].upper()}"


def _cents_of(total_amount: str | None) -> int | None:
    try:
        return int(Decimal(total_amount or "").quantize(_CENT) * 100)
    except InvalidOperation:
        return None


class PaymentService:
    def __init__(
        self,
        config: AlipayConfig,
        api: AlipayApi,
        orders: OrderStore,
        registry: Departments,
        hotline: str = "12345",
    ) -> None:
        self._config = config
        self._api = api
        self._orders = orders
        self._departments = registry
        self._hotline = hotline

    async def create_order(self, bill: PayableBill, sender: str) -> PaymentLink:
        """The payment link for `bill`; the same bill always gives the same Alipay order."""
        out_trade_no = out_trade_no_for(bill)
        order = await self._orders.record(
            PaymentOrder(
                out_trade_no=out_trade_no,
                sender=sender,
                bill_type=bill.bill_type,
                account_number=bill.account_number.strip(),
                period=bill.period,
                subject=bill.title,
                amount_cents=bill.amount_cents,
            )
        )
        kind: Literal["qr_code", "wap"] = "wap" if self._config.pay_mode == "wap" else "qr_code"
        if order.status != CREATED:
            return PaymentLink(out_trade_no, "", kind, format_cents(order.amount_cents), already_paid=True)
        if order.amount_cents != bill.amount_cents:
            logger.error("order %s exists with another amount; not creating a link", out_trade_no)
            raise PaymentError("bill amount differs from the existing order")
        try:
            if kind == "wap":
                url = self._api.wap_pay_url(out_trade_no, bill.total_amount, order.subject)
            else:
                url = await self._api.precreate(out_trade_no, bill.total_amount, order.subject)
        except AlipayApiError as error:
            logger.warning("payment link for order %s failed: %s", out_trade_no, error)
            raise PaymentError("Alipay did not create the order") from None
        await self._orders.set_pay_url(out_trade_no, url)
        logger.info(
            "payment order %s for %s account %s %s: %s yuan",
            out_trade_no,
            bill.bill_type,
            mask_account(order.account_number),
            bill.period,
            bill.total_amount,
        )
        return PaymentLink(out_trade_no, url, kind, bill.total_amount)

    async def handle_notification(self, params: dict[str, str]) -> NotificationOutcome:
        """Alipay's trade_status_sync. Accepted only once the bill is recorded paid (or was
        already); everything Alipay should retry, or that is not genuine, is refused."""
        out_trade_no = params.get("out_trade_no", "")[:64]
        if not self._api.verify_notification(params):
            return self._refuse(out_trade_no, "signature does not verify")
        if params.get("app_id") != self._config.app_id:
            return self._refuse(out_trade_no, "notification is for another app_id")
        order = await self._orders.get(out_trade_no)
        if order is None:
            return self._refuse(out_trade_no, "unknown order")
        if _cents_of(params.get("total_amount")) != order.amount_cents:
            return self._refuse(out_trade_no, "total_amount differs from the order")
        trade_status = params.get("trade_status", "")
        if trade_status not in PAID_TRADE_STATUSES:
            logger.info("order %s is now %s; nothing to record", out_trade_no, trade_status or "unknown")
            return NotificationOutcome(accepted=True)
        if order.status != CREATED:
            return NotificationOutcome(accepted=True)
        return await self._record_payment(order, params.get("trade_no", ""))

    async def _record_payment(self, order: PaymentOrder, trade_no: str) -> NotificationOutcome:
        company = self._departments.billing(order.bill_type)
        try:
            await company.pay_bill(
                order.account_number,
                order.period,
                amount=order.amount_cents / 100,
                transaction_id=order.out_trade_no,
                channel="alipay",
            )
        except RecordNotFound:
            return self._refuse(order.out_trade_no, "the department does not know this bill")
        except DepartmentUnavailable as error:
            return self._refuse(order.out_trade_no, f"department unavailable ({error}); Alipay will retry")
        except DepartmentRejected as error:
            return await self._conflict(order, trade_no, error.code)
        if not await self._orders.transition(order.out_trade_no, PAID, trade_no):
            return NotificationOutcome(accepted=True)
        logger.info("order %s paid; bill %s %s recorded", order.out_trade_no, order.bill_type, order.period)
        name = BILL_TYPES[order.bill_type].name
        return NotificationOutcome(
            accepted=True,
            sender=order.sender,
            message=(
                f"缴费成功！{name} {order.period}，{format_cents(order.amount_cents)}元，"
                f"户号 {mask_account(order.account_number)}。{company.department_name}已收到。"
            ),
        )

    async def _conflict(self, order: PaymentOrder, trade_no: str, reason: str) -> NotificationOutcome:
        """Paid at Alipay, but the company will not take it (mostly: paid elsewhere meanwhile).
        Staff must refund by hand; Alipay is told `success` so it stops retrying."""
        if not await self._orders.transition(order.out_trade_no, CONFLICT, trade_no):
            return NotificationOutcome(accepted=True)
        logger.error(
            "order %s paid at Alipay but refused by the company (%s): refund needed",
            order.out_trade_no,
            reason,
        )
        name = BILL_TYPES[order.bill_type].name
        return NotificationOutcome(
            accepted=True,
            sender=order.sender,
            message=(
                f"您的{name} {order.period}账单已经缴过了。这次支付宝付的"
                f"{format_cents(order.amount_cents)}元，工作人员核实后会退回。有疑问请拨打{self._hotline}。"
            ),
        )

    @staticmethod
    def _refuse(out_trade_no: str, reason: str) -> NotificationOutcome:
        logger.warning("payment notification for order %s refused: %s", out_trade_no or "(none)", reason)
        return NotificationOutcome(accepted=False)


def build_payment_service(
    config: AlipayConfig,
    api: AlipayApi | None = None,
    settings: Settings | None = None,
    registry: Departments | None = None,
) -> PaymentService:
    """`registry`: the caller's department clients (the gateway's, shared with its agent
    console), else clients for these settings' addresses."""
    settings = settings or load_settings()
    return PaymentService(
        config,
        api or AlipayApi(config),
        OrderStore(settings.assistant_database_url),
        registry or Departments(settings.department_settings),
        hotline=settings.hotline,
    )


@cache
def default_payment_service() -> PaymentService:
    """Built on first use from the environment, so importing this module touches nothing."""
    try:
        config = load_alipay_config()
    except AlipayConfigError as error:
        logger.error("Alipay payment is misconfigured: %s", error)
        raise PaymentUnavailable(str(error)) from None
    if config is None:
        raise PaymentUnavailable("ALIPAY_APP_ID is not set")
    return build_payment_service(config, registry=departments())


async def create_payment_order(bill: PayableBill, sender: str) -> PaymentLink:
    """For the action server's action_pay_bill: raises PaymentError when no link can be made."""
    return await default_payment_service().create_order(bill, sender)
