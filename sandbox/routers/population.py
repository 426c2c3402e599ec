"""Citizen identity records, as a city population / big-data bureau would expose them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.models import Citizen, UtilityAccount, Vehicle
from sandbox.routers.dependencies import db_session

router = APIRouter(prefix="/population/v1", tags=["population"])
DbSession = Annotated[Session, Depends(db_session)]


class CitizenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    citizen_id: str
    name: str
    id_number: str
    phone: str
    wechat_openid: str | None
    alipay_user_id: str | None
    district: str
    address: str


class LinkedAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_number: str
    bill_type: str
    provider: str


class LinkedVehicleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    plate_number: str


@router.get("/citizens/{citizen_id}", response_model=CitizenOut)
def get_citizen(citizen_id: str, db: DbSession) -> Citizen:
    return _citizen_or_404(db, citizen_id)


@router.get("/citizens", response_model=list[CitizenOut])
def find_citizens(
    db: DbSession,
    wechat_openid: Annotated[str | None, Query(max_length=64)] = None,
    alipay_user_id: Annotated[str | None, Query(max_length=32)] = None,
    phone: Annotated[str | None, Query(max_length=20)] = None,
    id_number: Annotated[str | None, Query(max_length=18)] = None,
) -> list[Citizen]:
    """Lookup by exactly the identifiers a channel or a form knows; no listing of everyone."""
    filters = {
        Citizen.wechat_openid: wechat_openid,
        Citizen.alipay_user_id: alipay_user_id,
        Citizen.phone: phone,
        Citizen.id_number: id_number,
    }
    conditions = [column == value for column, value in filters.items() if value]
    if not conditions:
        raise HTTPException(status_code=400, detail="give at least one identifier")
    return list(db.scalars(select(Citizen).where(*conditions)))


@router.get("/citizens/{citizen_id}/utility-accounts", response_model=list[LinkedAccountOut])
def citizen_accounts(citizen_id: str, db: DbSession) -> list[UtilityAccount]:
    _citizen_or_404(db, citizen_id)
    return list(db.scalars(select(UtilityAccount).where(UtilityAccount.holder == citizen_id)))


@router.get("/citizens/{citizen_id}/vehicles", response_model=list[LinkedVehicleOut])
def citizen_vehicles(citizen_id: str, db: DbSession) -> list[Vehicle]:
    _citizen_or_404(db, citizen_id)
    return list(db.scalars(select(Vehicle).where(Vehicle.holder == citizen_id)))


def _citizen_or_404(db: Session, citizen_id: str) -> Citizen:
    citizen = db.get(Citizen, citizen_id)
    if citizen is None:
        raise HTTPException(status_code=404, detail="citizen not found")
    return citizen
