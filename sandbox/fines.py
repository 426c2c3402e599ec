"""Traffic fines' payment deadline and late fee, and the traffic police's side of a new record.

Chinese law (《行政处罚法》第六十七条、第七十二条): a fine is paid within 15 days of the penalty
decision; after that 3 % of the fine is added for each day late, never more than the fine
itself. The demo records carry no decision date, so the sandbox takes each as decided on its
date (an on-the-spot 简易程序 decision); a real traffic police API returns its own.
`POST /traffic/v1/vehicles/{plate}/violations` records a new violation and announces it as
`fine.issued`, with its deadline, for the assistant's reminders.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from common.identity import normalise_plate
from sandbox.events import publish
from sandbox.models import TrafficViolation, Vehicle
from sandbox.routers.dependencies import db_session
from sandbox.routers.records import now

PAY_WITHIN_DAYS = 15
LATE_FEE_PER_DAY = 0.03
PAID = "已处理"
router = APIRouter()
DbSession = Annotated[Session, Depends(db_session)]


def pay_by(decided_on: str) -> date:
    return date.fromisoformat(decided_on) + timedelta(days=PAY_WITHIN_DAYS)


def late_fee(fine: float, due: date, today: date) -> float:
    days_late = (today - due).days
    return round(min(fine, fine * LATE_FEE_PER_DAY * days_late), 2) if days_late > 0 else 0.0


def owed(violation: TrafficViolation) -> float:
    """The late fee owed today (none once the fine is paid)."""
    if violation.status == PAID:
        return 0.0
    return late_fee(violation.fine, pay_by(violation.date), now().date())


def fine_event(plate: str, holder: str, violation: TrafficViolation) -> dict[str, object]:
    return {
        "bill_type": "traffic_fine",
        "plate_number": plate,
        "holder": holder,
        "record_id": violation.record_id,
        "date": violation.date,
        "behavior": violation.behavior,
        "fine": violation.fine,
        "points": violation.points,
        "status": violation.status,
        "pay_by": pay_by(violation.date).isoformat(),
        "late_fee": owed(violation),
    }


class ViolationIn(BaseModel):
    record_id: str = Field(pattern=r"^V\d{6,20}$")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    location: str = Field(min_length=1, max_length=128)
    behavior: str = Field(min_length=1, max_length=128)
    fine: float = Field(ge=0, le=100_000)
    points: int = Field(ge=0, le=12)


class RecordedOut(BaseModel):
    record_id: str
    pay_by: str


@router.post("/vehicles/{plate_number}/violations", status_code=201, response_model=RecordedOut)
def record_violation(plate_number: str, violation: ViolationIn, db: DbSession) -> RecordedOut:
    """A new record (unpaid); the same record id again is 409."""
    plate = normalise_plate(plate_number) or plate_number
    vehicle = db.get(Vehicle, plate)
    if vehicle is None:
        raise HTTPException(status_code=404, detail="vehicle not found")
    if db.get(TrafficViolation, violation.record_id) is not None:
        raise HTTPException(status_code=409, detail="violation already recorded")
    record = TrafficViolation(plate_number=plate, status="未处理", **violation.model_dump())
    db.add(record)
    db.flush()
    publish(db, "fine.issued", fine_event(plate, vehicle.holder, record))
    db.commit()
    return RecordedOut(record_id=record.record_id, pay_by=pay_by(record.date).isoformat())
