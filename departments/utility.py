"""Client of a utility company's billing API (water, electricity or gas), and the billing
API shape other billed services share (cable TV: `departments.cable_tv`).

One instance per company: in a real city each has its own address and its own name in the
citizen's answer ("供水公司系统繁忙…")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from departments.base import DepartmentClient


@dataclass(frozen=True)
class Bill:
    period: str
    amount: float
    status: str
    due_date: str
    usage: float | None


@dataclass(frozen=True)
class UtilityAccount:
    account_number: str
    bill_type: str
    holder: str
    provider: str
    address: str
    usage_unit: str
    bills: list[Bill]
    """Oldest first."""

    def bill_for(self, period: str) -> Bill | None:
        return next((bill for bill in self.bills if bill.period == period), None)


@dataclass(frozen=True)
class PaymentReceipt:
    account_number: str
    period: str
    amount: float
    transaction_id: str
    paid_at: str
    replayed: bool


def _bill(record: dict[str, Any]) -> Bill:
    return Bill(
        period=record["period"],
        amount=float(record["amount"]),
        status=record["status"],
        due_date=record["due_date"],
        usage=record.get("usage"),
    )


class BillingClient(DepartmentClient):
    """Accounts with monthly bills, paid elsewhere and recorded here; subclasses name the API."""

    api_prefix = ""

    async def get_account(self, account_number: str) -> UtilityAccount:
        """Any utility account, whatever its type: the caller tells the citizen when the number
        belongs to another bill type instead of just "not found"."""
        record = await self._get(f"{self.api_prefix}/accounts/{account_number}")
        return UtilityAccount(
            account_number=record["account_number"],
            bill_type=record["bill_type"],
            holder=record["holder"],
            provider=record["provider"],
            address=record["address"],
            usage_unit=record["usage_unit"],
            bills=[_bill(bill) for bill in record["bills"]],
        )

    async def pay_bill(
        self, account_number: str, period: str, amount: float, transaction_id: str, channel: str
    ) -> PaymentReceipt:
        """Records a payment made elsewhere (Alipay); the transaction id doubles as the
        idempotency key, so a repeated notification never pays twice."""
        record = await self._post(
            f"{self.api_prefix}/accounts/{account_number}/bills/{period}/payments",
            {"amount": round(amount, 2), "channel": channel, "transaction_id": transaction_id},
            idempotency_key=transaction_id,
        )
        return PaymentReceipt(
            account_number=record["account_number"],
            period=record["period"],
            amount=float(record["amount"]),
            transaction_id=record["transaction_id"],
            paid_at=record["paid_at"],
            replayed=False,
        )


class UtilityClient(BillingClient):
    """The city's unified utility billing platform; an account of another utility type is
    still returned, so the caller can say "that is an electricity account"."""

    api_prefix = "/utility/v1"
