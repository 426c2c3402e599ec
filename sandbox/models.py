"""Tables of the department sandbox. One table per record kind of demo_city.json."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Citizen(Base):
    __tablename__ = "citizens"

    citizen_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    alipay_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    district: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))


class UtilityAccount(Base):
    __tablename__ = "utility_accounts"

    account_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    bill_type: Mapped[str] = mapped_column(String(16), index=True)
    holder: Mapped[str] = mapped_column(ForeignKey("citizens.citizen_id"))
    provider: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(128))
    usage_unit: Mapped[str] = mapped_column(String(8))
    bills: Mapped[list[UtilityBill]] = relationship(
        back_populates="account", order_by="UtilityBill.period", cascade="all, delete-orphan"
    )


class UtilityBill(Base):
    __tablename__ = "utility_bills"
    __table_args__ = (UniqueConstraint("account_number", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(ForeignKey("utility_accounts.account_number"))
    period: Mapped[str] = mapped_column(String(7))
    amount: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[str] = mapped_column(String(10))
    usage: Mapped[float | None] = mapped_column(Float)
    account: Mapped[UtilityAccount] = relationship(back_populates="bills")
    payment: Mapped[UtilityPayment | None] = relationship(back_populates="bill", lazy="selectin")

    @property
    def paid_at(self) -> str | None:
        return self.payment.paid_at if self.payment else None


class UtilityPayment(Base):
    """A payment received through a channel. Its own table rather than columns on the bill, so
    an existing sandbox database gains it by `create_all`; the unique bill keeps it exactly once.
    Times are ISO-8601 text in Beijing time like the demo data, so SQLite and PostgreSQL
    hand back the very same value."""

    __tablename__ = "utility_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("utility_bills.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    amount: Mapped[float] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str] = mapped_column(String(64))
    paid_at: Mapped[str] = mapped_column(String(25))
    bill: Mapped[UtilityBill] = relationship(back_populates="payment")


class SocialSecurityRecord(Base):
    """One insured person's summary; retirees draw `monthly_pension` instead of contributing."""

    __tablename__ = "social_security"

    holder: Mapped[str] = mapped_column(ForeignKey("citizens.citizen_id"), primary_key=True)
    insured_since: Mapped[str] = mapped_column(String(7))
    contribution_months: Mapped[int] = mapped_column(Integer)
    pension_base: Mapped[float] = mapped_column(Float)
    medical_account_balance: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    employer: Mapped[str | None] = mapped_column(String(128))
    last_paid_period: Mapped[str | None] = mapped_column(String(7))
    monthly_pension: Mapped[float | None] = mapped_column(Float)


class HousingFundAccount(Base):
    __tablename__ = "housing_fund_accounts"

    account_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(ForeignKey("citizens.citizen_id"), index=True)
    balance: Mapped[float] = mapped_column(Float)
    monthly_deposit: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    last_deposit_period: Mapped[str | None] = mapped_column(String(7))
    loan_outstanding: Mapped[float] = mapped_column(Float)


class Vehicle(Base):
    """Keyed by the normalised plate (鲁K·A1234), whatever spelling the demo data or a caller uses."""

    __tablename__ = "vehicles"

    plate_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder: Mapped[str] = mapped_column(ForeignKey("citizens.citizen_id"), index=True)
    violations: Mapped[list[TrafficViolation]] = relationship(
        order_by="TrafficViolation.date.desc()", cascade="all, delete-orphan"
    )


class TrafficViolation(Base):
    __tablename__ = "traffic_violations"

    record_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    plate_number: Mapped[str] = mapped_column(ForeignKey("vehicles.plate_number"), index=True)
    date: Mapped[str] = mapped_column(String(10))
    location: Mapped[str] = mapped_column(String(128))
    behavior: Mapped[str] = mapped_column(String(128))
    fine: Mapped[float] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
