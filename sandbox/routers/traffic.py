"""Traffic violations by vehicle, shaped like a traffic police (交管) query API; each unpaid
fine with its payment deadline and the late fee owed today (`sandbox.fines`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from common.identity import normalise_plate
from sandbox import fines
from sandbox.models import Vehicle
from sandbox.routers.dependencies import db_session

router = APIRouter(prefix="/traffic/v1", tags=["traffic"])
router.include_router(fines.router)
DbSession = Annotated[Session, Depends(db_session)]


class ViolationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    record_id: str
    plate_number: str
    date: str
    location: str
    behavior: str
    fine: float
    points: int
    status: str
    pay_by: str
    late_fee: float


class VehicleViolationsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    plate_number: str
    violations: list[ViolationOut]


@router.get("/vehicles/{plate_number}/violations", response_model=VehicleViolationsOut)
def violations(plate_number: str, db: DbSession) -> VehicleViolationsOut:
    """Any spelling a citizen types (鲁KA1234, 鲁k·a1234) finds the vehicle; newest first."""
    vehicle = db.get(Vehicle, normalise_plate(plate_number) or plate_number)
    if vehicle is None:
        raise HTTPException(status_code=404, detail="vehicle not found")
    return VehicleViolationsOut(
        plate_number=vehicle.plate_number,
        violations=[
            ViolationOut(
                record_id=row.record_id,
                plate_number=row.plate_number,
                date=row.date,
                location=row.location,
                behavior=row.behavior,
                fine=row.fine,
                points=row.points,
                status=row.status,
                pay_by=fines.pay_by(row.date).isoformat(),
                late_fee=fines.owed(row),
            )
            for row in vehicle.violations
        ],
    )
