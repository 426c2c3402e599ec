"""Traffic violations by vehicle, shaped like a traffic police (交管) query API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from common.identity import normalise_plate
from sandbox.models import Vehicle
from sandbox.routers.dependencies import db_session

router = APIRouter(prefix="/traffic/v1", tags=["traffic"])
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


class VehicleViolationsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    plate_number: str
    violations: list[ViolationOut]


@router.get("/vehicles/{plate_number}/violations", response_model=VehicleViolationsOut)
def violations(plate_number: str, db: DbSession) -> Vehicle:
    """Any spelling a citizen types (鲁KA1234, 鲁k·a1234) finds the vehicle; newest first."""
    vehicle = db.get(Vehicle, normalise_plate(plate_number) or plate_number)
    if vehicle is None:
        raise HTTPException(status_code=404, detail="vehicle not found")
    return vehicle
