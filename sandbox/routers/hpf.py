"""Housing provident fund accounts, shaped like a fund management centre's (公积金中心) API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.models import Citizen, HousingFundAccount
from sandbox.routers.dependencies import db_session

router = APIRouter(prefix="/hpf/v1", tags=["hpf"])
DbSession = Annotated[Session, Depends(db_session)]


class FundAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_number: str
    holder: str
    balance: float
    monthly_deposit: float
    status: str
    last_deposit_period: str | None
    loan_outstanding: float


@router.get("/accounts/{account_number}", response_model=FundAccountOut)
def get_account(account_number: str, db: DbSession) -> HousingFundAccount:
    account = db.get(HousingFundAccount, account_number)
    if account is None:
        raise HTTPException(status_code=404, detail="account not found")
    return account


@router.get("/accounts", response_model=list[FundAccountOut])
def find_accounts(
    db: DbSession,
    citizen_id: Annotated[str | None, Query(max_length=16)] = None,
    id_number: Annotated[str | None, Query(min_length=15, max_length=18)] = None,
) -> list[HousingFundAccount]:
    """Lookup by the depositor, never a listing of everyone."""
    if not citizen_id and not id_number:
        raise HTTPException(status_code=400, detail="give citizen_id or id_number")
    query = select(HousingFundAccount).join(Citizen, Citizen.citizen_id == HousingFundAccount.holder)
    if citizen_id:
        query = query.where(Citizen.citizen_id == citizen_id)
    if id_number:
        query = query.where(Citizen.id_number == id_number.upper())
    return list(db.scalars(query))
