"""The billing API shape of a utility-style company: accounts with monthly bills, payments.

`billing_router` builds one company's API (the unified utility platform for water,
electricity and gas; the cable network company for cable TV). An account of a type the
company does not bill is "not found", as it would be at a different company; like a unified
bill-payment platform, every call may also name the `bill_type` it expects.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.events import publish
from sandbox.models import UtilityAccount, UtilityBill, UtilityPayment
from sandbox.routers.dependencies import db_session

DbSession = Annotated[Session, Depends(db_session)]
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
BEIJING = timezone(timedelta(hours=8))


class BillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period: str
    amount: float
    status: str
    due_date: str
    usage: float | None
    paid_at: str | None


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_number: str
    bill_type: str
    holder: str
    provider: str
    address: str
    usage_unit: str
    bills: list[BillOut]


class MonthlyUsage(BaseModel):
    period: str
    usage: float | None


class UsageOut(BaseModel):
    account_number: str
    usage_unit: str
    months: list[MonthlyUsage]


class PaymentIn(BaseModel):
    amount: float = Field(ge=0)
    channel: str = Field(min_length=1, max_length=32)
    transaction_id: str = Field(min_length=1, max_length=64)


class BillIn(BaseModel):
    period: str = Field(pattern=PERIOD_PATTERN)
    amount: float = Field(ge=0)
    due_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    usage: float | None = None


class PaymentOut(BaseModel):
    payment_id: int
    account_number: str
    period: str
    amount: float
    channel: str
    transaction_id: str
    paid_at: str
    bill: BillOut


def billing_router(prefix: str, tag: str, bill_types: Sequence[str]) -> APIRouter:
    """One company's billing API at `prefix`, serving the accounts of `bill_types`."""
    router = APIRouter(prefix=prefix, tags=[tag])

    def account_of(
        account_number: str,
        db: DbSession,
        bill_type: Annotated[str | None, Query(max_length=32)] = None,
    ) -> UtilityAccount:
        account = db.get(UtilityAccount, account_number)
        if (
            account is None
            or account.bill_type not in bill_types
            or (bill_type is not None and account.bill_type != bill_type)
        ):
            raise HTTPException(status_code=404, detail="account not found")
        return account

    Account = Annotated[UtilityAccount, Depends(account_of)]
    Period = Annotated[str, Path(pattern=PERIOD_PATTERN)]

    @router.get("/accounts/{account_number}", response_model=AccountOut)
    def get_account(account: Account) -> UtilityAccount:
        return account

    @router.get("/accounts/{account_number}/bills", response_model=list[BillOut])
    def bill_history(
        account: Account, period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None
    ) -> list[UtilityBill]:
        """Oldest first; `period` narrows it to one month, empty when that month has no bill yet,
        which tells a caller apart "no such account" (404) from "not billed yet"."""
        return [bill for bill in account.bills if period is None or bill.period == period]

    @router.get("/accounts/{account_number}/bills/latest", response_model=BillOut)
    def latest_bill(account: Account) -> UtilityBill:
        if not account.bills:
            raise HTTPException(status_code=404, detail="no bill yet")
        return account.bills[-1]

    @router.get("/accounts/{account_number}/bills/{period}", response_model=BillOut)
    def get_bill(account: Account, period: Period) -> UtilityBill:
        return _bill_of(account, period)

    @router.post("/accounts/{account_number}/bills", status_code=201, response_model=BillOut)
    def issue_bill(account: Account, bill: BillIn, db: DbSession) -> UtilityBill:
        """The company's side (and the tests'): a new monthly bill, announced as `bill.issued`.
        Issuing the same month again is 409."""
        if any(existing.period == bill.period for existing in account.bills):
            raise HTTPException(status_code=409, detail=_problem("already_issued", "bill already issued"))
        record = UtilityBill(account_number=account.account_number, status="unpaid", **bill.model_dump())
        db.add(record)
        db.flush()
        publish(db, "bill.issued", _bill_event(account, record))
        db.commit()
        return record

    @router.get("/accounts/{account_number}/usage", response_model=UsageOut)
    def usage(account: Account) -> UsageOut:
        return UsageOut(
            account_number=account.account_number,
            usage_unit=account.usage_unit,
            months=[MonthlyUsage(period=bill.period, usage=bill.usage) for bill in account.bills],
        )

    @router.post(
        "/accounts/{account_number}/bills/{period}/payments", status_code=201, response_model=PaymentOut
    )
    def pay_bill(
        account: Account,
        period: Period,
        payment: PaymentIn,
        idempotency_key: Annotated[str, Header(min_length=1, max_length=128)],
        response: Response,
        db: DbSession,
    ) -> PaymentOut:
        """Marks the bill paid exactly once. The same Idempotency-Key with the same request gets
        the same receipt again (a channel retrying after a lost answer); with a different request,
        422. A wrong amount or an already paid bill is 409, with a `code` saying which."""
        for _ in range(2):
            try:
                return _pay_once(db, account, period, payment, idempotency_key, response)
            except IntegrityError:
                # A concurrent request paid first (unique key or bill); decide again on what it wrote.
                db.rollback()
        raise HTTPException(status_code=409, detail=_problem("conflict", "concurrent payments, try again"))

    return router


def _pay_once(
    db: Session, account: UtilityAccount, period: str, payment: PaymentIn, key: str, response: Response
) -> PaymentOut:
    request = (
        account.account_number,
        period,
        _cents(payment.amount),
        payment.channel,
        payment.transaction_id,
    )
    earlier = db.scalar(select(UtilityPayment).where(UtilityPayment.idempotency_key == key))
    if earlier is not None:
        if _request_of(earlier) != request:
            raise HTTPException(
                status_code=422,
                detail=_problem("idempotency_key_reused", "Idempotency-Key was used for another request"),
            )
        response.headers["Idempotent-Replayed"] = "true"
        return _receipt(earlier)
    bill = _bill_of(account, period)
    if bill.status == "paid":
        raise HTTPException(status_code=409, detail=_problem("already_paid", "bill is already paid"))
    if _cents(payment.amount) != _cents(bill.amount):
        raise HTTPException(
            status_code=409, detail=_problem("amount_mismatch", f"bill amount is {bill.amount:.2f}")
        )
    record = UtilityPayment(
        bill=bill,
        idempotency_key=key,
        amount=bill.amount,
        channel=payment.channel,
        transaction_id=payment.transaction_id,
        paid_at=datetime.now(BEIJING).isoformat(timespec="seconds"),
    )
    bill.status = "paid"
    db.add(record)
    publish(
        db, "bill.paid", {**_bill_event(account, bill), "channel": payment.channel, "paid_at": record.paid_at}
    )
    db.commit()
    return _receipt(record)


def _bill_event(account: UtilityAccount, bill: UtilityBill) -> dict[str, object]:
    return {
        "bill_type": account.bill_type,
        "account_number": account.account_number,
        "holder": account.holder,
        "period": bill.period,
        "amount": bill.amount,
        "due_date": bill.due_date,
        "status": bill.status,
    }


def _bill_of(account: UtilityAccount, period: str) -> UtilityBill:
    for bill in account.bills:
        if bill.period == period:
            return bill
    raise HTTPException(status_code=404, detail="bill not found")


def _request_of(payment: UtilityPayment) -> tuple[str, str, int, str, str]:
    bill = payment.bill
    return (bill.account_number, bill.period, _cents(payment.amount), payment.channel, payment.transaction_id)


def _receipt(payment: UtilityPayment) -> PaymentOut:
    return PaymentOut(
        payment_id=payment.id,
        account_number=payment.bill.account_number,
        period=payment.bill.period,
        amount=payment.amount,
        channel=payment.channel,
        transaction_id=payment.transaction_id,
        paid_at=payment.paid_at,
        bill=BillOut.model_validate(payment.bill),
    )


def _cents(amount: float) -> int:
    return round(amount * 100)


def _problem(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}
