"""Payment orders in the assistant's own database (table `assistant_payment_orders`).

The action server creates orders and the gateway receives Alipay's notifications; they
are separate processes, so this table is the record both of them share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from common.database import AssistantBase, AssistantStore

CREATED = "created"
PAID = "paid"
CONFLICT = "conflict"
CLOSED = "closed"


class PaymentOrderRow(AssistantBase):
    __tablename__ = "assistant_payment_orders"

    out_trade_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender: Mapped[str] = mapped_column(String(160))
    bill_type: Mapped[str] = mapped_column(String(32))
    account_number: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    subject: Mapped[str] = mapped_column(String(128))
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=CREATED)
    pay_url: Mapped[str] = mapped_column(String(2048), default="")
    trade_no: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class PaymentOrder:
    out_trade_no: str
    sender: str
    bill_type: str
    account_number: str
    period: str
    subject: str
    amount_cents: int
    status: str = CREATED
    pay_url: str = ""
    trade_no: str = ""


def _order(row: PaymentOrderRow) -> PaymentOrder:
    return PaymentOrder(
        out_trade_no=row.out_trade_no,
        sender=row.sender,
        bill_type=row.bill_type,
        account_number=row.account_number,
        period=row.period,
        subject=row.subject,
        amount_cents=row.amount_cents,
        status=row.status,
        pay_url=row.pay_url,
        trade_no=row.trade_no,
    )


class OrderStore(AssistantStore):
    tables = (PaymentOrderRow,)

    def _get(self, out_trade_no: str) -> PaymentOrder | None:
        with self._sessions() as session:
            row = session.get(PaymentOrderRow, out_trade_no)
            return _order(row) if row else None

    def _record(self, order: PaymentOrder) -> PaymentOrder:
        """Inserts a new order, or refreshes who asked last for an unpaid one; returns the stored order."""
        now = datetime.now(UTC)
        try:
            with self._sessions.begin() as session:
                row = session.get(PaymentOrderRow, order.out_trade_no)
                if row is None:
                    row = PaymentOrderRow(
                        out_trade_no=order.out_trade_no,
                        sender=order.sender,
                        bill_type=order.bill_type,
                        account_number=order.account_number,
                        period=order.period,
                        subject=order.subject,
                        amount_cents=order.amount_cents,
                        status=CREATED,
                        pay_url="",
                        trade_no="",
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(row)
                elif row.status == CREATED:
                    row.sender = order.sender
                    row.updated_at = now
                session.flush()
                return _order(row)
        except IntegrityError:
            # Another process inserted the same order first; theirs is the record.
            stored = self._get(order.out_trade_no)
            assert stored is not None
            return stored

    def _set_pay_url(self, out_trade_no: str, pay_url: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(PaymentOrderRow)
                .where(PaymentOrderRow.out_trade_no == out_trade_no)
                .values(pay_url=pay_url, updated_at=datetime.now(UTC))
            )

    def _transition(self, out_trade_no: str, status: str, trade_no: str) -> bool:
        """Moves an unpaid order to `status`; True only for the one caller that moved it."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(PaymentOrderRow)
                .where(PaymentOrderRow.out_trade_no == out_trade_no, PaymentOrderRow.status == CREATED)
                .values(status=status, trade_no=trade_no, updated_at=datetime.now(UTC))
            )
            return result.rowcount == 1

    async def get(self, out_trade_no: str) -> PaymentOrder | None:
        return await self._run(self._get, out_trade_no)

    async def record(self, order: PaymentOrder) -> PaymentOrder:
        return await self._run(self._record, order)

    async def set_pay_url(self, out_trade_no: str, pay_url: str) -> None:
        await self._run(self._set_pay_url, out_trade_no, pay_url)

    async def transition(self, out_trade_no: str, status: str, trade_no: str = "") -> bool:
        return await self._run(self._transition, out_trade_no, status, trade_no)
