"""Tables of the department sandbox. One table per record kind of demo_city.json."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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


class Hospital(Base):
    __tablename__ = "hospitals"

    hospital_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    district: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))
    clinics: Mapped[list[Clinic]] = relationship(
        back_populates="hospital", order_by="Clinic.clinic_id", lazy="selectin"
    )


class Clinic(Base):
    """A hospital department taking registrations; `fully_booked` clinics offer no free place
    at all, which lets the assistant's "propose another clinic or day" path be exercised."""

    __tablename__ = "clinics"

    clinic_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.hospital_id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    fully_booked: Mapped[bool] = mapped_column(Boolean, default=False)
    hospital: Mapped[Hospital] = relationship(back_populates="clinics", lazy="joined")


class GovHall(Base):
    """A government service hall. Its slots follow its own opening `hours` text; the slot
    length and places per slot are sandbox choices, not part of the demo data."""

    __tablename__ = "gov_halls"

    hall_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    district: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))
    hours: Mapped[str] = mapped_column(String(128))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    capacity: Mapped[int] = mapped_column(Integer, default=6)


class SlotTemplate(Base):
    """The weekly registration schedule every clinic shares (demo `slot_template`)."""

    __tablename__ = "slot_templates"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    weekdays: Mapped[list[int]] = mapped_column(JSON)
    morning_start: Mapped[str] = mapped_column(String(5))
    morning_end: Mapped[str] = mapped_column(String(5))
    afternoon_start: Mapped[str] = mapped_column(String(5))
    afternoon_end: Mapped[str] = mapped_column(String(5))
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    book_ahead_days: Mapped[int] = mapped_column(Integer)
    same_day_cutoff_minutes: Mapped[int] = mapped_column(Integer)


class AppointmentSlot(Base):
    """Places taken in one slot of one clinic or hall, created on its first booking.

    Capacity is enforced by a conditional `UPDATE ... WHERE booked < capacity` on this row,
    so two concurrent requests for the last place cannot both win on SQLite or PostgreSQL;
    the check constraint is the last line of defence."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("resource_id", "date", "start"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="appointment_slot_within_capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(String(16))
    date: Mapped[str] = mapped_column(String(10))
    start: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """One booking. Cancelled and rescheduled bookings stay, with their status, for the
    citizen's history; `replaced_by` links a rescheduled booking to its successor."""

    __tablename__ = "appointments"

    booking_no: Mapped[str] = mapped_column(String(24), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    resource_id: Mapped[str] = mapped_column(String(16), index=True)
    service: Mapped[str | None] = mapped_column(String(32))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"))
    date: Mapped[str] = mapped_column(String(10))
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    citizen_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    citizen_id: Mapped[str | None] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(25))
    cancelled_at: Mapped[str | None] = mapped_column(String(25))
    replaced_by: Mapped[str | None] = mapped_column(String(24))


class SequenceCounter(Base):
    """Per-scope counters ("ticket:20261124") behind human-readable numbers; incremented
    with an UPDATE inside the writing transaction, so concurrent writers never share a number."""

    __tablename__ = "sequence_counters"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class ComplaintCategory(Base):
    __tablename__ = "complaint_categories"

    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64))
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)


class ComplaintTicket(Base):
    """A 12345 hotline ticket. `holder` and the contact are kept even for anonymous tickets so
    the citizen can follow them; `anonymous` hides the contact from the handling department."""

    __tablename__ = "complaint_tickets"

    ticket_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    holder: Mapped[str | None] = mapped_column(ForeignKey("citizens.citizen_id"), index=True)
    category: Mapped[str] = mapped_column(ForeignKey("complaint_categories.category"))
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(128))
    department: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(25))
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(256))
    rated_at: Mapped[str | None] = mapped_column(String(25))
    rating_key: Mapped[str | None] = mapped_column(String(128))
    history: Mapped[list[ComplaintEvent]] = relationship(
        order_by="ComplaintEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )


class ComplaintEvent(Base):
    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("complaint_tickets.ticket_id"), index=True)
    at: Mapped[str] = mapped_column(String(25))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(256))
